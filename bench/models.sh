#!/usr/bin/env bash
# The models side by side: test AUROC (mean ± sd over seeds) and seconds per epoch of achrome-train's
# models, default trainer settings (30 epochs, Adam lr 2e-4, batch 16, clip 1, best validation AUROC),
# one training thread, one training at a time, on two data sets:
#
#   real-k562  bench/data/real-k562: Roadmap E123 (K562) read counts of 600 genes (200 train / 200 valid /
#              200 test) in the DeepDiff layout, imported with achrome-import --layout deepdiff; the central
#              100 of the 200 bins (the +/-5 kb AttentiveChrome window); labels from E123's column of
#              config/data/roadmap/57epigenomes.RPKM.pc.gz, thresholded at its median over all the
#              matrix's genes (the paper's rule), by achrome-label --threshold value:MEDIAN.
#   simulated  achrome-simulate --genes 2000 (one epigenome, BAM), then achrome-genes, achrome-bin and
#              achrome-label as the demo workflow runs them (paper split, scaled: 667 / 667 / 666 genes).
#   simulated-full  the full-size study: achrome-simulate --genes 19802 --depth 1 --seed 2 (bigWig), binned and
#              labelled the same way (6,601 / 6,601 / 6,600 genes): the same study bench/resources.sh times.
#              About 10 minutes per attentivechrome run here.
#
#   bash bench/models.sh [--models "achrome-net attentivechrome"] [--sets "real-k562 simulated simulated-full"]
#                        [--seeds "1 2 3"] [--epochs 30] [--sim-genes 2000] [--prepare-only] [--target regression]
#
# --prepare-only makes the data sets and stops (bench/speed.sh uses it for its full-size study).
# --target regression trains the models to predict log(1 + RPKM) of the same labels files instead (run
# folders MODEL-regression/), and the table gives Pearson r (and test Spearman r) in place of AUROC.
#
# Needs the executables in build/bin (or ACHROME_BIN) and Debian's python3 with numpy. Writes
# bench/out/models/ (data, one run folder per model, set and seed) and prints the Markdown table,
# also kept in bench/out/models/table.md. Run folders already complete are reused, so an interrupted
# run resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ACHROME_BIN:-build/bin}
py=${ACHROME_PYTHON:-/usr/bin/python3}
models="achrome-net attentivechrome"
sets="real-k562 simulated"
seeds="1 2 3"
epochs=30
sim_genes=2000
prepare_only=0
target=class
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models=$2; shift 2 ;;
    --sets) sets=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --sim-genes) sim_genes=$2; shift 2 ;;
    --prepare-only) prepare_only=1; shift ;;
    --target) target=$2; shift 2 ;;
    *) echo "bench/models.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out=bench/out/models
mkdir -p "$out"
marks="H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3"

prepare_k562() {
  local dir=$out/data/real-k562
  [ -s "$dir/labels.tsv" ] && return
  rm -rf "$dir" && mkdir -p "$dir"
  # One file, the splits in train, valid, test order, so that the paper split (file order, scaled)
  # gives exactly the 200 / 200 / 200 genes of the files.
  cat bench/data/real-k562/{train,valid,test}.csv > "$dir/all.csv"
  "$bin/achrome-import" --layout deepdiff --input "$dir/all.csv" --out "$dir/imported" \
    --marks H3K4me1,H3K4me3,H3K9me3,H3K27me3,H3K36me3 --threads 1 2> "$dir/import.log"
  # The AttentiveChrome input: bins 51..150 of the 200.
  for mark in $marks; do
    "$py" -c "import numpy as np, sys; np.save(sys.argv[2], np.ascontiguousarray(np.load(sys.argv[1])[:, 50:150]))" \
      "$dir/imported/$mark.npy" "$dir/$mark.npy"
  done
  cp "$dir/imported/genes.tsv" "$dir/genes.tsv"
  local median
  median=$("$py" -c "
import gzip, numpy as np
with gzip.open('config/data/roadmap/57epigenomes.RPKM.pc.gz', 'rt') as f:
    column = f.readline().rstrip('\n').split('\t').index('E123')
    print(repr(float(np.median([float(line.rstrip('\n').split('\t')[column]) for line in f]))))")
  "$bin/achrome-label" --genes "$dir/genes.tsv" --expression config/data/roadmap/57epigenomes.RPKM.pc.gz \
    --epigenome E123 --threshold "value:$median" --out "$dir/labels.tsv" 2> "$dir/label.log"
}

# prepare_simulation NAME EXT THREADS SIMULATE-FLAGS...: one simulated epigenome (E001) in signal files of
# extension EXT, binned and labelled as the demo workflow does (paper split, scaled).
prepare_simulation() {
  local dir=$out/data/$1 ext=$2 threads=$3
  shift 3
  [ -s "$dir/labels.tsv" ] && return
  rm -rf "$dir" && mkdir -p "$dir"
  "$bin/achrome-simulate" --out "$dir/study" --epigenomes E001 "$@" --threads "$threads" 2> "$dir/simulate.log"
  "$bin/achrome-genes" --annotation "$dir/study/genes.gtf" --out "$dir/genes.tsv" 2> "$dir/genes.log"
  for mark in $marks; do
    "$bin/achrome-bin" --genes "$dir/genes.tsv" --signal "$dir/study/signal/E001/$mark.$ext" --out "$dir/$mark.npy" \
      --threads "$threads" 2>> "$dir/bin.log"
  done
  "$bin/achrome-label" --genes "$dir/genes.tsv" --expression "$dir/study/expression.tsv" --epigenome E001 \
    --format matrix --out "$dir/labels.tsv" 2> "$dir/label.log"
  rm -rf "$dir/study/signal"  # the binned matrices are all the runs read
}

for set in $sets; do
  case "$set" in
    real-k562) prepare_k562 ;;
    simulated) prepare_simulation simulated bam 1 --genes "$sim_genes" --marks "${marks// /,}" --seed 1 --formats bam ;;
    simulated-full) prepare_simulation simulated-full bw 2 --genes 19802 --depth 1 --seed 2 --formats bigwig ;;
    *) echo "bench/models.sh: unknown data set $set (real-k562, simulated, simulated-full)" >&2; exit 2 ;;
  esac
done
[ "$prepare_only" = 1 ] && exit 0

suffix=$([ "$target" = regression ] && echo -regression || true)
for set in $sets; do
  data=$out/data/$set
  mark_args=()
  for mark in $marks; do mark_args+=(--mark "$mark=$data/$mark.npy"); done
  for model in $models; do
    for seed in $seeds; do
      run=$out/runs/$set/$model$suffix/seed$seed
      [ -s "$run/metrics.json" ] && continue
      echo "bench/models.sh: $set $model seed $seed" >&2
      mkdir -p "$(dirname "$run")"
      "$bin/achrome-train" --genes "$data/genes.tsv" --labels "$data/labels.tsv" "${mark_args[@]}" --model "$model" \
        --target "$target" --seed "$seed" --epochs "$epochs" --threads 1 --out "$run" 2> "$run.log"
    done
  done
done

"$py" - "$out" "$epochs" "$sets" "$models" "$seeds" "$target" <<'PY' | tee "$out/table$suffix.md"
import json, sys
import numpy as np
out, epochs, sets, models, seeds, target = (sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split(),
                                            sys.argv[5].split(), sys.argv[6])
regression = target == "regression"
score = "pearson" if regression else "auroc"
name = "Pearson r" if regression else "AUROC"
sd = lambda a: a.std(ddof=1) if len(a) > 1 else 0.0
extra = " test Spearman r |" if regression else ""
print(f"| model | data set | test {name} (mean ± sd, seeds {', '.join(seeds)}) | valid {name} |{extra} seconds per epoch |")
print("|---|---|---:|---:|" + ("---:|" if regression else "") + "---:|")
for data in sets:
    for model in models:
        folder = f"{model}-regression" if regression else model
        runs = [json.load(open(f"{out}/runs/{data}/{folder}/seed{seed}/metrics.json")) for seed in seeds]
        test = np.array([r["splits"]["test"][score] for r in runs])
        valid = np.array([r["splits"]["valid"][score] for r in runs])
        speed = np.mean([r["seconds_per_epoch"] for r in runs])
        cells = f" {test.mean():.4f} ± {sd(test):.4f} | {valid.mean():.4f} ± {sd(valid):.4f} |"
        if regression:
            spearman = np.array([r["splits"]["test"]["spearman"] for r in runs])
            cells += f" {spearman.mean():.4f} ± {sd(spearman):.4f} |"
        print(f"| {model} | {data} |{cells} {speed:.2f} |")
PY
