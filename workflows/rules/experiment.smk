# batch (a chunk of cells, replicates first..last) -> [look: the claims after each look of a
# sequential design, a checkpoint] -> aggregate -> status
#
# Starting Python with numpy/scipy/pandas costs about a second, more than many cells: a batch
# runs all its replicates in one process (each replicate forked, with its own seed stream), and
# the light cells of one target (oracle, exact, moment methods) share one batch.


rule batch:
    """Replicates first..last of a chunk of cells: data -> fit -> sample -> metrics -> tidy rows.
    A failed or timed-out cell writes its status=failed/timeout rows and exits 3, which the job
    accepts: the sweep goes on (a strict run fails at the status check)."""
    output:
        f"{RESULTS}/{{sweep}}/cells/{{chunk}}/r{{first}}-{{last}}.csv",
    log:
        f"{RESULTS}/{{sweep}}/logs/{{chunk}}_r{{first}}-{{last}}.log",
    benchmark:
        f"{RESULTS}/{{sweep}}/benchmarks/{{chunk}}_r{{first}}-{{last}}.tsv"
    conda:
        "../envs/gmmlearn.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        specs=lambda w: spec_flags(w.sweep, w.chunk),
        seed=lambda w: WF.sweeps[w.sweep].seed,
        config_hash=lambda w: WF.sweeps[w.sweep].config_hash,
        timeout=lambda w: (
            quoted("--timeout", WF.sweeps[w.sweep].timeout)
            if WF.sweeps[w.sweep].timeout
            else ""
        ),
        code=CODE_HASH,
    shell:
        "export OMP_NUM_THREADS={threads} OPENBLAS_NUM_THREADS={threads} MKL_NUM_THREADS={threads}; "
        "gmmlearn -v cell {params.specs} --sweep {wildcards.sweep:q} --sweep-seed {params.seed:q} "
        "--config-hash {params.config_hash:q} --first {wildcards.first:q} --last {wildcards.last:q} "
        "{params.timeout} --out {output:q} 2> {log:q} || test $? -eq 3"


checkpoint look:
    """A look of a sequential design: the claims over the sweep on the replicates so far; writes
    which cells run the next look (those a still undecided claim reads)."""
    input:
        lambda w: sweep_batches(w.sweep, through=int(w.look)),
    output:
        f"{RESULTS}/{{sweep}}/looks/{{look}}.json",
    log:
        f"{RESULTS}/{{sweep}}/logs/look_{{look}}.log",
    localrule: True
    conda:
        "../envs/gmmlearn.yaml"
    params:
        design=lambda w: quoted("--design", WF.sweeps[w.sweep].design.text()),
        claims=lambda w: quoted(
            *[part for claim in claims_of(WF, w.sweep) for part in ("--claim", claim)]
        ),
        code=CLAIMS_HASH,
    shell:
        "gmmlearn look {input:q} --sweep {wildcards.sweep:q} --look {wildcards.look:q} "
        "{params.design} {params.claims} --out {output:q} > {log:q} 2>&1"


rule aggregate:
    """All rows of a sweep (results.csv) and their summary over seeds (summary.csv).

    ``--allow-mixed``: every batch has the package's code hash and the sweep's config hash as
    params, so Snakemake reruns them all when either changes; batches computed at commits that
    differ in nothing the cells depend on (a commit made while a long run goes on) pool here,
    while ``gmmlearn aggregate`` run by hand refuses them. Duplicate rows are refused anyway.
    """
    input:
        batches=lambda w: sweep_batches(w.sweep),
        looks=lambda w: sweep_looks(w.sweep),
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
        "gmmlearn aggregate {input.batches:q} --allow-mixed --out {output.results:q} "
        "--summary {output.summary:q} > {log:q} 2>&1"


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
        "gmmlearn status {input.results:q} --strict --out {output:q} > {log:q} 2>&1 "
        "|| {{ cat {log:q} >&2; exit 3; }}"
