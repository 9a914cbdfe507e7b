# figure: summary table -> paper_figures/<sweep>.pdf and .png


rule figure:
    input:
        f"{RESULTS}/{{sweep}}/summary.csv",
    output:
        pdf=f"{FIGURES}/{{sweep}}.pdf",
        png=f"{FIGURES}/{{sweep}}.png",
    params:
        name=lambda w: WF.sweeps[w.sweep].figure,
        title=lambda w: shlex.quote(f"{w.sweep} ({WF.name} config)"),
        prefix=lambda w: f"{FIGURES}/{w.sweep}",
        code=FIGURE_HASH,
    log:
        f"{RESULTS}/{{sweep}}/logs/figure.log",
    localrule: True
    shell:
        "gmmlearn figure {params.name} {input} --out {params.prefix} --title {params.title} > {log} 2>&1"
