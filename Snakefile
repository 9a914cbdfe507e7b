# gmmlearn workflow: sweeps of experiment cells -> tidy tables -> summaries -> figures.
#   snakemake --cores all                                   # the quick config (default)
#   snakemake --cores all --configfile workflows/config/<sweep>.yaml
#   snakemake --profile workflows/profiles/slurm            # on a SLURM cluster
from snakemake.utils import min_version, validate

min_version("9.0")


# The quick config unless the user gives one (--configfile replaces it rather than merging into it).
if not config.get("sweeps"):

    configfile: f"{workflow.basedir}/workflows/config/quick.yaml"


validate(config, "workflows/schemas/config.schema.yaml", set_default=False)


include: "workflows/rules/common.smk"
include: "workflows/rules/experiment.smk"
include: "workflows/rules/figures.smk"


rule all:
    default_target: True
    input:
        all_figures(),
        all_summaries(),
