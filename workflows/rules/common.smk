# Shared state of the rules: the expanded config, paths, code hashes, target lists.
#
# The config is read by gmmlearn (YAML 1.2, validated, grids expanded), not taken from
# Snakemake's `config`, whose loader is YAML 1.1 (`5e-1` would be a string there):
# the --configfile files (the quick config when none is given; a given file replaces it) and
# the --config values, resolved as YAML 1.2 scalars.
import json
import os
import re
import shlex
from pathlib import Path

from gmmlearn.workflow import (
    CELL_CODE,
    CLAIM_CODE,
    FIGURE_CODE,
    claims_of,
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
    chunk="[0-9a-f]{12}",
    first="[0-9]+",
    last="[0-9]+",
    look="[0-9]+",


# -- batches: the jobs that compute cells --------------------------------------------------------
# A batch is replicates first..last of a chunk of cells (bench.sweeps.Sweep.chunks: a costly cell
# alone, the light cells of one target together), written to
# RESULTS/<sweep>/cells/<chunk>/r<first>-<last>.csv. A replicate's rows depend on its cell, the
# sweep seed and the replicate only, never on the batch, so batches already on disk are reused:
# raising a sweep's replicates from 3 to 5 computes replicates 3 and 4 only.

#: sweep -> chunk id -> the cell ids of that chunk (every chunk a plan has named; the rule's
#: params read it)
CHUNKS = {name: {} for name in WF.sweeps}
BATCH_FILE = re.compile(r"r([0-9]+)-([0-9]+)[.]csv")


def batch_path(sweep, chunk, first, last):
    return f"{RESULTS}/{sweep}/cells/{chunk}/r{first}-{last}.csv"


def chunks_of(sweep, cells=None):
    """The chunks running ``cells`` (default: every cell of the sweep), registered for params."""
    chunks = WF.sweeps[sweep].chunks(cells)
    CHUNKS[sweep].update(chunks)
    return chunks


def batches_on_disk(sweep, chunk):
    """(first, last) of the batch files a chunk already has."""
    folder = Path(RESULTS) / sweep / "cells" / chunk
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = BATCH_FILE.fullmatch(path.name)
            if match:
                found.append((int(match[1]), int(match[2])))
    return found


def tile(sweep, chunk, start, stop, boundaries, reuse=True):
    """Batch files covering replicates start..stop-1 of a chunk: from each position the longest
    batch already on disk that ends before ``stop`` (``reuse``), else a new batch up to the next
    design boundary."""
    on_disk = batches_on_disk(sweep, chunk) if reuse else []
    files, position = [], start
    while position < stop:
        known = [last for first, last in on_disk if first == position and last < stop]
        if known:
            last = max(known)
        else:
            ahead = [b for b in boundaries if b > position] + [stop]
            last = min(ahead) - 1
        files.append(batch_path(sweep, chunk, position, last))
        position = last + 1
    return files


def look_batches(sweep, look, cells):
    """The batch files that look ``look`` adds for ``cells``: replicates from the previous look's
    count to this look's (the first look reuses what is on disk)."""
    counts = WF.sweeps[sweep].design.looks()
    start = 0 if look == 0 else counts[look - 1]
    return [
        path
        for chunk in chunks_of(sweep, cells)
        for path in tile(sweep, chunk, start, counts[look], counts, reuse=look == 0)
    ]


def active_cells(sweep, look):
    """The cells that run look ``look``: all at the first, then those the previous look's
    checkpoint kept (cells read by a claim still undecided)."""
    if look == 0:
        return list(WF.sweeps[sweep].cells)
    with open(checkpoints.look.get(sweep=sweep, look=look - 1).output[0]) as handle:
        return json.load(handle)["active"]


def sweep_batches(sweep, through=None):
    """Every batch file of a sweep: a fixed design's one look, or a sequential design's looks up
    to ``through`` (default: until a look keeps no cell, or the last)."""
    design = WF.sweeps[sweep].design
    if design.n_looks == 1:
        return look_batches(sweep, 0, None)
    files, look = [], 0
    while True:
        files += look_batches(sweep, look, active_cells(sweep, look))
        if through is not None and look == through:
            return files
        if look + 1 == design.n_looks or not active_cells(sweep, look + 1):
            return files
        look += 1


def sweep_looks(sweep):
    """The looks' records of a sequential design, through the look that stops every cell (the
    last one at the latest); none for a fixed design."""
    if WF.sweeps[sweep].design.n_looks == 1:
        return []
    records, look = [], 0
    while True:
        record = checkpoints.look.get(sweep=sweep, look=look).output[0]
        records.append(record)
        with open(record) as handle:
            if not json.load(handle)["active"]:
                return records
        look += 1


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


def quoted(*words):
    """Words for a shell command, each quoted (a config value never reaches a shell as code)."""
    return " ".join(shlex.quote(str(word)) for word in words)


def spec_flags(sweep, chunk):
    """``--spec JSON`` for every cell of a chunk, quoted."""
    cells = WF.sweeps[sweep].cells
    return quoted(
        *[
            part
            for cell in CHUNKS[sweep][chunk]
            for part in ("--spec", json.dumps(cells[cell].as_dict(), sort_keys=True))
        ]
    )


onstart:
    # A SLURM run that cannot poll its jobs' states would wait forever: stop now instead.
    if (
        workflow.executor_plugin is not None
        and workflow.executor_plugin.name == "slurm"
    ):
        from gmmlearn.bench.slurm import check_status_polling

        check_status_polling(workflow.executor_settings)
