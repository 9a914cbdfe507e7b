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
        sweeps=" ".join(
            [f"--sweep {sweep}" for sweep in WF.sweeps]
            + [f"--claim {claim}={sweep}" for claim, sweep in WF.claim_sweeps.items()]
        ),
        results=lambda w, output: os.path.dirname(output.csv),
        code=CLAIMS_HASH,
    shell:
        "gmmlearn claims {params.results} {params.sweeps} --out {output.csv} --out {output.md} > {log} 2>&1"


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
        "gmmlearn figure {params.name} {input.summary} --claims {input.claims} --out {params.prefix} > {log} 2>&1"


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
        "gmmlearn index --config {params.config} --claims {input.claims} --figures-dir {params.figures} "
        "--results-dir {params.results} --out {output} > {log} 2>&1"
