# gmmlearn workflow: sweeps of experiment cells -> tidy tables -> summaries -> claims -> figures.
#   snakemake --cores all                                   # the quick config (default)
#   snakemake --cores all --configfile workflows/config/<sweep>.yaml
#   snakemake --cores all --config strict=true              # fail if any cell failed
#   snakemake --workflow-profile workflows/profiles/slurm   # on a SLURM cluster (README)
from snakemake.utils import min_version

min_version("9.0")


include: "workflows/rules/common.smk"
include: "workflows/rules/experiment.smk"
include: "workflows/rules/figures.smk"


rule all:
    default_target: True
    input:
        all_figures(),
        all_summaries(),
        f"{RESULTS}/claims.md",
        f"{FIGURES}/index.md",
        all_status_checks(),
