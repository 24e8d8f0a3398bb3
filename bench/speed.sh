#!/usr/bin/env bash
# Training speed of every model against its plain-PyTorch twin, at full size, one thread.
#
# Study: bench/models.sh's "simulated-full" set (achrome-simulate --genes 19802 --depth 1 --seed 2, one
# epigenome, 5 marks x 100 bins, binned and labelled as the demo does: 6,601 train / 6,601 valid / 6,600
# test genes); --set simulated takes its 2,000-gene set instead (667 / 667 / 666), for a quick check.
# For each model, back to back on the same files:
#   ours  achrome-train --model NAME --threads 1 (default trainer: Adam lr 2e-4, batch 16, clip 1;
#         valid and test scored every epoch, in whatever batches the trainer uses).
#   twin  the same model in plain PyTorch at torch.set_num_threads(1): tests/models/twins.py's module
#         trained by bench/train_twin.py (Adam, BCEWithLogits, clip 1, batches of 16 over the training
#         genes, then valid + test scored in batches of 16), except attentivechrome, whose twin is the
#         published model and loop, bench/published_attentivechrome.py.
# Reported: wall seconds per epoch (training plus scoring valid and test, mean over the epochs run,
# less the first --skip of them), peak RSS of the whole process (GNU time -v), and twin / ours.
# With --repeat N, each model's twin and ours run N times, alternating (twin, ours, twin, ours, ...), so
# that both see the machine's changing load alike: the row gives the medians of the seconds and of the
# peaks, and the median of the N ratios with their range.
#
#   bash bench/speed.sh [--models "deepchrome lstm ..."] [--epochs 2] [--skip 0] [--set simulated-full] [--repeat 1]
#
# Needs the executables in build/bin (or ACHROME_BIN), GNU time, and Debian's python3 with torch,
# numpy and sklearn. Writes bench/out/speed/ (runs, logs) and prints the Markdown table, also kept in
# bench/out/speed.md. Full size, 2 epochs: about 12 minutes here, most of it the twins of attentivechrome
# and lstm-alpha (1.5 to 2 minutes per epoch each at one thread).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ACHROME_BIN:-build/bin}
py=${ACHROME_PYTHON:-/usr/bin/python3}
models="deepchrome lstm cnn-attn cnn-alpha-beta lstm-attn lstm-alpha attentivechrome achrome-net"
epochs=2
skip=0
repeat=1
set=simulated-full
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --skip) skip=$2; shift 2 ;;
    --set) set=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    *) echo "bench/speed.sh: unknown option $1 (--models, --epochs, --skip, --set, --repeat)" >&2; exit 2 ;;
  esac
done
if [ "$skip" -ge "$epochs" ]; then echo "bench/speed.sh: --skip $skip leaves none of --epochs $epochs" >&2; exit 2; fi
case "$set" in simulated|simulated-full) ;; *) echo "bench/speed.sh: --set simulated or simulated-full" >&2; exit 2 ;; esac
case "$repeat" in '' | *[!0-9]* | 0) echo "bench/speed.sh: --repeat takes a positive whole number" >&2; exit 2 ;; esac

# The data set as bench/models.sh makes it (made once, then reused).
bash bench/models.sh --sets "$set" --prepare-only
data=bench/out/models/data/$set
out=bench/out/speed/$set
mkdir -p "$out"
marks=()
for mark in H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3; do marks+=(--mark "$mark=$data/$mark.npy"); done
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1  # the twins' torch and numpy: one thread

# mean of the per-epoch seconds after the first $skip, from lines "... seconds S ..." or a history.tsv
mean_seconds() { awk -v skip="$skip" '$1 == "epoch" && $3 == "seconds" { if (++n > skip) { s += $4; k++ } }
                                      END { if (k) printf "%.4f", s / k; else print "nan" }' "$1"; }
history_seconds() { awk -F'\t' -v skip="$skip" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") c = i; next }
                                               { if (++n > skip) { s += $c; k++ } }
                                               END { if (k) printf "%.4f", s / k; else print "nan" }' "$1"; }
rss_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }

for model in $models; do
  if [ "$model" = attentivechrome ]; then
    twin=(bench/published_attentivechrome.py "$data" 1 "$epochs")
    twin_name="published AttentiveChrome"
  else
    twin=(bench/train_twin.py "$model" "$data" 1 "$epochs")
    twin_name="twins.py"
  fi
  : > "$out/$model.runs"  # one line per repetition: twin s, twin MB, ours s, ours MB
  for ((r = 1; r <= repeat; r++)); do
    echo "bench/speed.sh: $model, twin then ours, $epochs epochs (run $r of $repeat)" >&2
    /usr/bin/time -v "$py" "${twin[@]}" > "$out/$model.twin.log" 2> "$out/$model.twin.time"
    rm -rf "$out/$model.run" "$out/$model.run.checkpoint"
    /usr/bin/time -v "$bin/achrome-train" --genes "$data/genes.tsv" --labels "$data/labels.tsv" "${marks[@]}" \
      --model "$model" --epochs "$epochs" --threads 1 --out "$out/$model.run" 2> "$out/$model.ours.time"
    echo "$(mean_seconds "$out/$model.twin.log") $(rss_mb "$out/$model.twin.time")" \
      "$(history_seconds "$out/$model.run/history.tsv") $(rss_mb "$out/$model.ours.time")" >> "$out/$model.runs"
  done
  # One row file per model, so that an interrupted run keeps the models it finished.
  "$py" - "$model" "$twin_name" "$out/$model.runs" > "$out/$model.row" <<'PY'
import statistics, sys
model, twin_name, runs = sys.argv[1], sys.argv[2], [list(map(float, line.split())) for line in open(sys.argv[3])]
twin_s, twin_mb, ours_s, ours_mb = (statistics.median(column) for column in zip(*runs))
ratios = [r[0] / r[2] for r in runs]
ratio = f"{statistics.median(ratios):.1f}x"
if len(runs) > 1:  # the median of the runs' ratios, and their range
    ratio += f" ({min(ratios):.1f}-{max(ratios):.1f}x, {len(runs)} runs)"
print(f"| `{model}` | {twin_name} | {twin_s:.2f} | {twin_mb:.0f} | {ours_s:.2f} | {ours_mb:.0f} | {ratio} |")
PY
  cat "$out/$model.row" >&2
done

genes=$(($(wc -l < "$data/labels.tsv") - 1))
{
  echo "Seconds per epoch (train + score valid and test; mean of epochs $((skip + 1))..$epochs), $genes genes ($set), 1 thread, $(lscpu | sed -n 's/^Model name: *//p'):"
  echo
  echo "| model | twin | twin s/epoch | twin peak MB | achrome-train s/epoch | achrome-train peak MB | twin / ours |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for model in $models; do cat "$out/$model.row"; done
} | tee bench/out/speed.md
