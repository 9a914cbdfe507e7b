# Shared state of the rules: the expanded config, paths, code hashes, target lists.
#
# The config is read by gmmlearn (YAML 1.2, validated, grids expanded), not taken from
# Snakemake's `config`, whose loader is YAML 1.1 (`5e-1` would be a string there):
# the --configfile files (the quick config when none is given; a given file replaces it) and
# the --config values, resolved as YAML 1.2 scalars.
import os
import json
import shlex

from gmmlearn.workflow import (
    CELL_CODE,
    CLAIM_CODE,
    FIGURE_CODE,
    code_hash,
    workflow_config,
)

CONFIG_FILES = [str(f) for f in workflow.configfiles] or [
    f"{workflow.basedir}/workflows/config/quick.yaml"
]
# the config file in use (the last one given); includes are read relative to its folder
CONFIG_FILE = CONFIG_FILES[-1]
WF = workflow_config(CONFIG_FILES, workflow.config_settings.config)
RESULTS = WF.results_dir
FIGURES = WF.figures_dir

# Hashes of the code behind each step, as params (gmmlearn.workflow reads the syntax trees,
# docstrings left out), so that a change reruns what it affects. Cells rerun only when core,
# results, the model or the bench change; never for the command line, the claims, compare, the
# figures, a comment or a docstring.
CODE_HASH = code_hash(CELL_CODE)
CLAIMS_HASH = code_hash(CLAIM_CODE)
FIGURE_HASH = code_hash(FIGURE_CODE)


wildcard_constraints:
    sweep="[A-Za-z0-9_]+",
    cell="[0-9a-f]{12}",
    target="[0-9a-f]{12}",


def cell_outputs(sweep):
    return [f"{RESULTS}/{sweep}/cells/{cell}.csv" for cell in WF.sweeps[sweep].cells]


def all_summaries():
    return [f"{RESULTS}/{sweep}/summary.csv" for sweep in WF.sweeps]


def sweep_figures(sweep):
    return (
        [f"{FIGURES}/{sweep}.{ext}" for ext in ("pdf", "png")]
        if WF.sweeps[sweep].figure
        else []
    )


def all_figures():
    return [path for sweep in WF.sweeps for path in sweep_figures(sweep)]


def all_status_checks():
    """With strict: true, one check per sweep that fails when any of its cells failed."""
    return [f"{RESULTS}/{sweep}/status.txt" for sweep in WF.sweeps] if WF.strict else []


def quoted_json(obj):
    return shlex.quote(json.dumps(obj, sort_keys=True))


onstart:
    # A SLURM run that cannot poll its jobs' states would wait forever: stop now instead.
    if (
        workflow.executor_plugin is not None
        and workflow.executor_plugin.name == "slurm"
    ):
        from gmmlearn.bench.slurm import check_status_polling

        check_status_polling(workflow.executor_settings)
