# The embedded demo: a synthetic study in the real formats (BAM, bigWig, GTF, RPKM matrix).
# Only active when config 'simulate.enabled' is true; real studies name their own files.
if config["simulate"]["enabled"]:
    _sim = config["simulate"]
    # The validation track too, if it is a mark the simulation knows (the paper's H3K27ac).
    SIMULATED_MARKS = MARKS + ([VALIDATION["track"]] if VALIDATION and VALIDATION["track"] == "H3K27ac" else [])

    rule simulate:
        output:
            gtf=f"{_sim['out']}/genes.gtf",
            expression=f"{_sim['out']}/expression.tsv",
            truth=f"{_sim['out']}/truth.tsv",
            signals=[
                f"{_sim['out']}/signal/{eid}/{mark}.{ext}"
                for eid in _sim["epigenomes"]
                for mark in SIMULATED_MARKS
                for ext in ("bam", "bam.bai", "bw")
            ],
        params:
            exe=achrome("simulate"),
            epigenomes=",".join(_sim["epigenomes"]),
            marks=",".join(SIMULATED_MARKS),
            out=lambda wc, output: os.path.dirname(output.gtf),
            genes=_sim["genes"],
            seed=_sim["seed"],
            depth=_sim["depth"],
        log:
            f"{RESULTS}/logs/simulate.log",
        threads: threads_of("simulate")
        resources:
            mem_mb=mem_mb_of("simulate"),
            runtime=runtime_of("simulate"),
        shell:
            "{params.exe} --out {params.out} --genes {params.genes} --epigenomes {params.epigenomes}"
            " --marks {params.marks} --seed {params.seed} --depth {params.depth} --threads {threads}"
            " 2> {log}"
