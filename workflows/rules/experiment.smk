# instance -> fit_and_evaluate (one job per cell, all its replicates) -> aggregate -> status
#
# A job runs every replicate of its cell: starting Python with numpy/scipy/POT/scikit-learn costs
# ~3 s, more than most cells. Each replicate keeps its own seed stream, so the rows are the
# same as if the replicates ran as separate jobs.


rule instance:
    """Materialise a target (exact arrays) as JSON; a target that cannot be built records why."""
    output:
        f"{RESULTS}/{{sweep}}/instances/{{target}}.json",
    log:
        f"{RESULTS}/{{sweep}}/logs/instance_{{target}}.log",
    localrule: True
    conda:
        "../envs/gmmlearn.yaml"
    params:
        spec=lambda w: quoted_json(WF.sweeps[w.sweep].targets()[w.target]),
        code=CODE_HASH,
    shell:
        "gmmlearn instance --spec {params.spec} --out {output} 2> {log}"


rule fit_and_evaluate:
    """One cell, replicates 0..R-1: data -> fit -> sample -> metrics -> tidy rows. A failed or
    timed-out cell writes its status=failed/timeout rows and exits 3, which the job accepts:
    the sweep goes on (a strict run fails at the status check)."""
    input:
        lambda w: f"{RESULTS}/{w.sweep}/instances/{WF.sweeps[w.sweep].cells[w.cell].target_id()}.json",
    output:
        f"{RESULTS}/{{sweep}}/cells/{{cell}}.csv",
    log:
        f"{RESULTS}/{{sweep}}/logs/{{cell}}.log",
    benchmark:
        f"{RESULTS}/{{sweep}}/benchmarks/{{cell}}.tsv"
    conda:
        "../envs/gmmlearn.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=lambda w: quoted_json(WF.sweeps[w.sweep].cells[w.cell].as_dict()),
        seed=lambda w: WF.sweeps[w.sweep].seed,
        replicates=lambda w: WF.sweeps[w.sweep].replicates,
        config_hash=lambda w: WF.sweeps[w.sweep].config_hash,
        timeout=lambda w: (
            f"--timeout {WF.sweeps[w.sweep].timeout}"
            if WF.sweeps[w.sweep].timeout
            else ""
        ),
        code=CODE_HASH,
    shell:
        "export OMP_NUM_THREADS={threads} OPENBLAS_NUM_THREADS={threads} MKL_NUM_THREADS={threads}; "
        "gmmlearn -v cell --spec {params.spec} --target-file {input} --sweep {wildcards.sweep} "
        "--sweep-seed {params.seed} --config-hash {params.config_hash} "
        "--replicates {params.replicates} {params.timeout} --out {output} 2> {log} "
        "|| test $? -eq 3"


rule aggregate:
    """All rows of a sweep (results.csv) and their summary over seeds (summary.csv).

    ``--allow-mixed``: every cell job has the package's code hash and the sweep's config hash as
    params, so Snakemake reruns them all when either changes; cells computed at commits that differ
    in nothing the cells depend on (a commit made while a long run goes on) pool here, while
    ``gmmlearn aggregate`` run by hand refuses them. Duplicate rows are refused anyway.
    """
    input:
        lambda w: cell_outputs(w.sweep),
    output:
        results=f"{RESULTS}/{{sweep}}/results.csv",
        summary=f"{RESULTS}/{{sweep}}/summary.csv",
    log:
        f"{RESULTS}/{{sweep}}/logs/aggregate.log",
    localrule: True
    conda:
        "../envs/gmmlearn.yaml"
    params:
        code=CODE_HASH,
    shell:
        "gmmlearn aggregate {input} --allow-mixed --out {output.results} --summary {output.summary} > {log} 2>&1"


rule status:
    """Strict runs only (strict: true): fails, printing the failed cells, when any row of the
    sweep is not ok. It runs after the sweep's tables and figure, which stay."""
    input:
        results=f"{RESULTS}/{{sweep}}/results.csv",
        drawn=lambda w: sweep_figures(w.sweep),
    output:
        f"{RESULTS}/{{sweep}}/status.txt",
    log:
        f"{RESULTS}/{{sweep}}/logs/status.log",
    localrule: True
    conda:
        "../envs/gmmlearn.yaml"
    shell:
        "gmmlearn status {input.results} --strict --out {output} > {log} 2>&1 || {{ cat {log} >&2; exit 3; }}"
