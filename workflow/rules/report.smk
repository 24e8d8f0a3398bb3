# Self-contained HTML pages: one per run, and a summary over all runs (+ summary.tsv).
def _validation_input(wc):
    """The epigenome's binned validation track, if the config names one and the sample sheet has it."""
    if VALIDATION and (wc.eid, VALIDATION["track"]) in SIGNAL:
        return {"validation": bins_of(wc.eid, VALIDATION["track"])}
    return {}


def _validation_flags(wc, input):
    if "validation" not in input.keys():
        return ""
    return f"--validation {VALIDATION['track']}={input.validation} --validation-mark {VALIDATION['mark']}"


rule report:
    input:
        unpack(_validation_input),
        metrics=lambda wc: f"{run_dir(wc.eid, wc.model)}/metrics.json",
    output:
        report(f"{RESULTS}/reports/{{eid}}/{{model}}.html", caption="../report/run.rst", category="Runs"),
    params:
        exe=achrome("report"),
        extra=stage_params("report"),
        run=lambda wc, input: os.path.dirname(input.metrics),
        validation=_validation_flags,
    log:
        f"{RESULTS}/logs/report/{{eid}}/{{model}}.log",
    group:
        "train"
    threads: threads_of("report")
    resources:
        mem_mb=mem_mb_of("report"),
        runtime=runtime_of("report"),
    shell:
        "{params.exe} --run {params.run} --out {output} {params.validation} {params.extra} 2> {log}"


rule summary:
    input:
        [f"{run_dir(eid, model)}/metrics.json" for eid in EPIGENOMES for model in MODELS],
    output:
        html=report(f"{RESULTS}/reports/summary.html", caption="../report/summary.rst", category="Summary"),
        table=f"{RESULTS}/reports/summary.tsv",
        tables=[f"{RESULTS}/reports/summary.{name}.tsv" for name in ("auroc", "table2", "beta", "genes")],
    params:
        exe=achrome("report"),
        extra=stage_params("summary"),
        runs=" ".join(f"--run {run_dir(eid, model)}" for eid in EPIGENOMES for model in MODELS),
    log:
        f"{RESULTS}/logs/report/summary.log",
    threads: threads_of("summary")
    resources:
        mem_mb=mem_mb_of("summary"),
        runtime=runtime_of("summary"),
    shell:
        "{params.exe} --summary {params.runs} --out {output.html} {params.extra} 2> {log}"
