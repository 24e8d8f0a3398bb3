# Expression -> 0/1 labels (above the epigenome's median) and the train/valid/test split.
rule label:
    input:
        genes=f"{RESULTS}/genes.tsv",
        expression=lambda wc: local(expression_file(wc.eid)),
    output:
        labels=f"{RESULTS}/labels/{{eid}}.tsv",
        summary=f"{RESULTS}/labels/{{eid}}.json",
    params:
        exe=achrome("label"),
        how=lambda wc: expression_flags(wc.eid),
        extra=stage_params("label"),
    log:
        f"{RESULTS}/logs/label/{{eid}}.log",
    threads: threads_of("label")
    resources:
        mem_mb=mem_mb_of("label"),
        runtime=runtime_of("label"),
    shell:
        "{params.exe} --genes {input.genes} --expression {input.expression} --epigenome {wildcards.eid} {params.how}"
        " --out {output.labels} --summary {output.summary} {params.extra} 2> {log}"
