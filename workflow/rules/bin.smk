# Signal -> [genes, bins] matrix, one per (epigenome, mark).
rule bin:
    input:
        genes=f"{RESULTS}/genes.tsv",
        signal=lambda wc: local(SIGNAL[(wc.eid, wc.mark)]),
    output:
        f"{RESULTS}/bins/{{eid}}/{{mark}}.npy",
    params:
        exe=achrome("bin"),
        extra=stage_params("bin"),
        window=lambda wc: (
            f"--upstream {config['bins']['upstream']} --downstream {config['bins']['downstream']}"
            f" --bin-size {config['bins']['bin_size']} --orientation {config['bins']['orientation']}"
            + (f" --chrom-sizes {config['bins']['chrom_sizes']}" if config["bins"].get("chrom_sizes") else "")
        ),
    log:
        f"{RESULTS}/logs/bin/{{eid}}/{{mark}}.log",
    # A download and the binning of what it fetched are one cluster job (docs/resources.md).
    group:
        "bin"
    threads: threads_of("bin")
    resources:
        mem_mb=mem_mb_of("bin"),
        runtime=runtime_of("bin"),
    shell:
        "{params.exe} --genes {input.genes} --signal {input.signal} --out {output}"
        " {params.window} --threads {threads} {params.extra} 2> {log}"
