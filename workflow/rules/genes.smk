# The gene spine: one row per gene, fixed order for every matrix downstream.
rule genes:
    input:
        local(config["annotation"]["gtf"]),
    output:
        f"{RESULTS}/genes.tsv",
    params:
        exe=achrome("genes"),
        extra=" ".join(
            [f"--gene-type {t}" for t in config["annotation"].get("gene_types", [])]
            + (["--strip-version"] if config["annotation"].get("strip_version", False) else [])
            + [stage_params("genes")]
        ),
    log:
        f"{RESULTS}/logs/genes.log",
    threads: threads_of("genes")
    resources:
        mem_mb=mem_mb_of("genes"),
        runtime=runtime_of("genes"),
    shell:
        "{params.exe} --annotation {input} --out {output} {params.extra} 2> {log}"
