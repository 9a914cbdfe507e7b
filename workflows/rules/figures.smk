# claims: every sweep's results -> results/claims.csv and .md; figure: summary + claims ->
# paper_figures/<sweep>.pdf and .png; index: paper_figures/index.md. Outputs marked report() go
# into `snakemake --report report.html`, one category per claim sweep.


rule claims:
    input:
        [f"{RESULTS}/{sweep}/results.csv" for sweep in WF.sweeps],
    output:
        csv=report(
            f"{RESULTS}/claims.csv", category="claims", caption="../report/claims.rst"
        ),
        md=f"{RESULTS}/claims.md",
    log:
        f"{RESULTS}/logs/claims.log",
    localrule: True
    conda:
        "../envs/gmmlearn.yaml"
    params:
        sweeps=quoted(
            *[part for sweep in WF.sweeps for part in ("--sweep", sweep)],
            *[
                part
                for claim, sweep in WF.claim_sweeps.items()
                for part in ("--claim", f"{claim}={sweep}")
            ],
        ),
        results=lambda w, output: os.path.dirname(output.csv),
        code=CLAIMS_HASH,
    shell:
        "gmmlearn claims {params.results:q} {params.sweeps} --out {output.csv:q} --out {output.md:q} "
        "> {log:q} 2>&1"


rule figure:
    input:
        summary=f"{RESULTS}/{{sweep}}/summary.csv",
        claims=f"{RESULTS}/claims.csv",
    output:
        pdf=f"{FIGURES}/{{sweep}}.pdf",
        png=report(
            f"{FIGURES}/{{sweep}}.png",
            category="{sweep}",
            caption="../report/figure.rst",
        ),
    log:
        f"{RESULTS}/{{sweep}}/logs/figure.log",
    localrule: True
    conda:
        "../envs/gmmlearn.yaml"
    params:
        name=lambda w: WF.sweeps[w.sweep].figure,
        prefix=lambda w: f"{FIGURES}/{w.sweep}",
        code=FIGURE_HASH,
    shell:
        "gmmlearn figure {params.name:q} {input.summary:q} --claims {input.claims:q} "
        "--out {params.prefix:q} > {log:q} 2>&1"


rule index:
    input:
        claims=f"{RESULTS}/claims.csv",
        figures=all_figures(),
    output:
        f"{FIGURES}/index.md",
    log:
        f"{RESULTS}/logs/index.log",
    localrule: True
    conda:
        "../envs/gmmlearn.yaml"
    params:
        config=CONFIG_FILE,
        code=FIGURE_HASH,
        figures=lambda w, output: os.path.dirname(output[0]),
        results=lambda w, input: os.path.dirname(input.claims),
    shell:
        "gmmlearn index --config {params.config:q} --claims {input.claims:q} "
        "--figures-dir {params.figures:q} --results-dir {params.results:q} --out {output:q} "
        "> {log:q} 2>&1"
