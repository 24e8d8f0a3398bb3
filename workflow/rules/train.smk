# One run per epigenome and model; everything the report needs lands in the run folder.
_train = config["train"]


rule train:
    input:
        genes=lambda wc: genes_of(wc.eid),
        labels=lambda wc: labels_of(wc.eid),
        marks=lambda wc: [bins_of(wc.eid, mark) for mark in MARKS],
    output:
        metrics=f"{RESULTS}/runs/{{eid}}/{{model}}/metrics.json",
        predictions=f"{RESULTS}/runs/{{eid}}/{{model}}/predictions.tsv",
        history=f"{RESULTS}/runs/{{eid}}/{{model}}/history.tsv",
        model=f"{RESULTS}/runs/{{eid}}/{{model}}/model.pt",
    params:
        exe=achrome("train"),
        extra=stage_params("train"),
        out=lambda wc, output: os.path.dirname(output.metrics),
        marks=lambda wc: " ".join(f"--mark {mark}={bins_of(wc.eid, mark)}" for mark in MARKS),
        hyper=(
            f"--epochs {_train['epochs']} --batch-size {_train['batch_size']} --lr {_train['lr']}"
            f" --seed {_train['seed']} --device {_train['device']}"
        ),
        # train.sizes: {MODEL: {NAME: VALUE}}, each as --size NAME=VALUE for that model's runs only.
        sizes=lambda wc: " ".join(
            f"--size {name}={value}" for name, value in _train.get("sizes", {}).get(wc.model, {}).items()
        ),
    log:
        f"{RESULTS}/logs/train/{{eid}}/{{model}}.log",
    # A training run and its report are one cluster job (docs/resources.md).
    group:
        "train"
    threads: _train["threads"]
    resources:
        mem_mb=train_mem_mb,
        runtime=train_runtime,
    shell:
        "{params.exe} --genes {input.genes} --labels {input.labels} {params.marks} --out {params.out}"
        " --epigenome {wildcards.eid} --model {wildcards.model} {params.hyper} {params.sizes} --threads {threads}"
        " {params.extra} 2> {log}"
