#!/usr/bin/env bash
# Training speed: achrome-train vs the published PyTorch AttentiveChrome (bench/published_attentivechrome.py)
# on the same input, the same CPU and the same thread count; seconds per epoch and peak memory.
#
#   bash bench/train.sh [EPOCHS] [THREADS]      (defaults 3 and 1)
#
# Input: the demo study's E001 (run `snakemake --cores 2` first; needs results/bins/E001 and
# results/labels/E001.tsv). Output: a Markdown table on stdout and in bench/out/train.md.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-3}
threads=${2:-1}
bin=${ACHROME_BIN:-build/bin}
py=${ACHROME_PYTHON:-/usr/bin/python3}
out=bench/out/train
mkdir -p "$out/data"
for mark in H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3; do cp results/bins/E001/$mark.npy "$out/data/"; done
cp results/labels/E001.tsv "$out/data/labels.tsv"
cp results/genes.tsv "$out/data/genes.tsv"
genes=$(($(wc -l < "$out/data/labels.tsv") - 1))

marks=()
for mark in H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3; do marks+=(--mark "$mark=$out/data/$mark.npy"); done
/usr/bin/time -v "$bin/achrome-train" --genes "$out/data/genes.tsv" --labels "$out/data/labels.tsv" "${marks[@]}" \
  --out "$out/run" --epochs "$epochs" --threads "$threads" 2> "$out/achrome.log"
/usr/bin/time -v "$py" bench/published_attentivechrome.py "$out/data" "$threads" "$epochs" > "$out/published.log" 2> "$out/published.time"

ours=$("$py" -c "import json; print(json.load(open('$out/run/metrics.json'))['seconds_per_epoch'])")
theirs=$(awk '{s += $4; n++} END {print s / n}' "$out/published.log")
rss() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }
{
  echo "| model | s/epoch ($genes genes, $threads thread(s), $epochs epochs) | peak RSS MB | speed-up |"
  echo "|---|---|---|---|"
  printf '| published PyTorch | %.2f | %s | 1.0x |\n' "$theirs" "$(rss "$out/published.time")"
  printf '| achrome-train | %.2f | %s | %.1fx |\n' "$ours" "$(rss "$out/achrome.log")" "$(echo "$theirs / $ours" | bc -l)"
} | tee bench/out/train.md
