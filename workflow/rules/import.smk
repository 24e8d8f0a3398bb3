# The published-data route: one DeepChrome/AttentiveChrome CSV folder per epigenome (the Zenodo 2652278
# layout: train.csv, valid.csv, test.csv) becomes genes.tsv, one .npy per mark and labels.tsv, which train
# reads as it reads binned signal. Only active with config 'published'.
if PUBLISHED:

    rule import_published:
        input:
            [f"{PUBLISHED['folder']}/{{eid}}/{split}.csv" for split in ("train", "valid", "test")],
        output:
            genes=f"{RESULTS}/published/{{eid}}/genes.tsv",
            labels=f"{RESULTS}/published/{{eid}}/labels.tsv",
            marks=[f"{RESULTS}/published/{{eid}}/{mark}.npy" for mark in MARKS],
        params:
            exe=achrome("import"),
            folder=lambda wc: f"{PUBLISHED['folder']}/{wc.eid}",
            out=lambda wc, output: os.path.dirname(output.genes),
            marks=" ".join(MARKS),
            annotation=f"--annotation {PUBLISHED['annotation']}" if PUBLISHED.get("annotation") else "",
            extra=stage_params("import"),
        log:
            f"{RESULTS}/logs/import/{{eid}}.log",
        threads: threads_of("import")
        resources:
            mem_mb=mem_mb_of("import"),
            runtime=runtime_of("import"),
        shell:
            "{params.exe} --layout deepchrome --input {params.folder} --out {params.out} --marks {params.marks}"
            " {params.annotation} {params.extra} 2> {log}"
