#!/usr/bin/env bash
# The run page's check of attention against a mark the models never see (lib/report/validation.hpp),
# on true labels and on shuffled ones: does it tell a model that learned something from one that
# could not?
#
# Data: achrome-simulate --genes 2000 --seed 1 (one epigenome, bigWig) with H3K27ac beside the five
# input marks, binned and labelled as the demo workflow does (667 / 667 / 666 genes). For each seed,
# each model is trained twice, 30 epochs at one thread: on the labels, and on the labels shuffled among
# the genes (Python's random.Random(seed) shuffles the (value, label) pairs; every gene keeps its split).
# achrome-report --validation H3K27ac=... writes each run's validation.tsv; the table lists the four
# correlations of every run (H3K4me3 against H3K27ac) and their mean over the seeds.
#
#   bash bench/validation.sh [--models "attentivechrome achrome-net"] [--seeds "1 2 3 4 5 6"]
#
# Needs build/bin (or ACHROME_BIN) and Debian's python3 with numpy. Writes bench/out/validation/ and
# prints the Markdown table, kept in bench/out/validation/table.md. Finished runs are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ACHROME_BIN:-build/bin}
py=${ACHROME_PYTHON:-/usr/bin/python3}
models="attentivechrome achrome-net"
seeds="1 2 3 4 5 6"
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    *) echo "bench/validation.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out=bench/out/validation
data=$out/data
marks="H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3"
mkdir -p "$data" "$out/runs" "$out/reports"

if [ ! -s "$data/labels.tsv" ]; then
  "$bin/achrome-simulate" --out "$data/study" --epigenomes E001 --genes 2000 --seed 1 --formats bigwig --threads 1 \
    --marks "${marks// /,},H3K27ac" -q
  "$bin/achrome-genes" --annotation "$data/study/genes.gtf" --out "$data/genes.tsv" -q
  for mark in $marks H3K27ac; do
    "$bin/achrome-bin" --genes "$data/genes.tsv" --signal "$data/study/signal/E001/$mark.bw" --out "$data/$mark.npy" -q
  done
  "$bin/achrome-label" --genes "$data/genes.tsv" --expression "$data/study/expression.tsv" --epigenome E001 \
    --format matrix --out "$data/labels.tsv" -q
fi

mark_flags=()
for mark in $marks; do mark_flags+=(--mark "$mark=$data/$mark.npy"); done
for seed in $seeds; do
  "$py" - "$data/labels.tsv" "$data/shuffled$seed.tsv" "$seed" <<'PY'
import random, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
head, body = rows[0], rows[1:]
pairs = [(row[1], row[2]) for row in body]
random.Random(int(sys.argv[3])).shuffle(pairs)
with open(sys.argv[2], "w") as out:
    out.write("\t".join(head) + "\n")
    for row, (value, label) in zip(body, pairs):
        out.write("\t".join([row[0], value, label, row[3]]) + "\n")
PY
  for model in $models; do
    for labels in true shuffled; do
      name=$labels-$model-$seed
      file=$data/labels.tsv
      [ "$labels" = shuffled ] && file=$data/shuffled$seed.tsv
      [ -s "$out/runs/$name/metrics.json" ] || "$bin/achrome-train" --genes "$data/genes.tsv" --labels "$file" \
        "${mark_flags[@]}" --model "$model" --seed "$seed" --epochs 30 --threads 1 --out "$out/runs/$name" -q
      "$bin/achrome-report" --run "$out/runs/$name" --out "$out/reports/$name.html" --genes "$data/genes.tsv" \
        --validation "H3K27ac=$data/H3K27ac.npy" -q
    done
  done
done

"$py" - "$out" "$models" "$seeds" <<'PY' | tee "$out/table.md"
import csv, json, sys
import numpy as np
out, models, seeds = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
columns = [("paper", "alpha"), ("paper", "saliency"), ("learned", "alpha"), ("learned", "saliency")]
print("| model | labels | seed | test AUROC | genes predicted ON | paper, alpha | paper, saliency | learned, alpha | learned, saliency |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|")
for model in models:
    for labels in ("true", "shuffled"):
        values = []
        for seed in seeds:
            name = f"{labels}-{model}-{seed}"
            auroc = json.load(open(f"{out}/runs/{name}/metrics.json"))["splits"]["test"]["auroc"]
            rows = {(r["check"], r["view"]): r for r in csv.DictReader(open(f"{out}/reports/{name}.validation.tsv"), delimiter="\t")}
            r = [float(rows[c]["r"]) for c in columns]
            values.append(r)
            cells = " | ".join("n/a" if np.isnan(v) else f"{v:.3f}" for v in r)
            print(f"| {model} | {labels} | {seed} | {auroc:.3f} | {rows[('paper', 'alpha')]['genes']} | {cells} |")
        values = np.array(values)
        means = " | ".join(f"{np.nanmean(values[:, i]):.3f}" if not np.all(np.isnan(values[:, i])) else "n/a"
                           for i in range(4))
        print(f"| {model} | {labels} | mean | | | {means} |")
PY
