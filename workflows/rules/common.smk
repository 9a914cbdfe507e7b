# Shared state of the rules: the expanded config, paths, code hashes, target lists.
#
# The config is read by gmmlearn (YAML 1.2, validated, grids expanded), not taken from
# Snakemake's `config`, whose loader is YAML 1.1 (`5e-1` would be a string there):
# the --configfile files (the quick config when none is given; a given file replaces it) and
# the --config values, resolved as YAML 1.2 scalars.
import hashlib
import os
import json
import shlex
from pathlib import Path

import gmmlearn
from gmmlearn.sweeps import workflow_config

CONFIG_FILES = [str(f) for f in workflow.configfiles] or [
    f"{workflow.basedir}/workflows/config/quick.yaml"
]
# the config file in use (the last one given); includes are read relative to its folder
CONFIG_FILE = CONFIG_FILES[-1]
WF = workflow_config(CONFIG_FILES, workflow.config_settings.config)
RESULTS = WF.results_dir
FIGURES = WF.figures_dir


def source_hash(*parts, exclude=()):
    """Hash of the gmmlearn sources under the given sub-folders: goes into params so that a code
    change reruns the rules it affects (figure code only reruns figures)."""
    root = Path(gmmlearn.__file__).parent
    digest = hashlib.sha256()
    for part in parts:
        base = root / part
        files = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in files:
            if (
                path.is_file()
                and path.suffix in (".py", ".mplstyle", ".yaml")
                and not any(ex in path.relative_to(root).parts for ex in exclude)
            ):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# cells rerun when the code they run changes, not when figures, claims or the index do
CODE_HASH = source_hash(".", exclude=("figures", "claims", "index.py"))
FIGURE_HASH = source_hash("figures")
CLAIMS_HASH = source_hash("claims", "index.py")


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
        from gmmlearn.slurm import check_status_polling

        check_status_polling(workflow.executor_settings)
