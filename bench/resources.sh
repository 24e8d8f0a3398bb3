#!/usr/bin/env bash
# What each job of the paper's study costs at full size: wall time, CPU time and peak memory of every
# rule's command, measured one at a time with GNU time on this machine. The table it prints is the one in
# docs/resources.md, and the `resources:` section it prints is the one in config/config.yaml (threads,
# mem_mb and runtime of every rule, which the SLURM profile turns into sbatch requests).
#
#   bash bench/resources.sh [--bin-dir DIR] [--epochs N] [--resume]
#
# --resume keeps the jobs already measured in bench/out/resources/times.tsv and measures the rest.
#
# Inputs at full size:
#   genes, label   the real ones: the published 19,802 gene windows with GENCODE v10 strands, and E003's
#                  column of the Roadmap RPKM matrix with the published split (config/data/roadmap/);
#   download, bin  a simulated 30M-read tagAlign.gz (19,802 genes; a consolidated Roadmap tagAlign holds
#                  about 30M 36 bp reads): `gzip -t` is the download rule's integrity check;
#   train, report  a simulated 5-mark study of 19,802 genes (bigWig, binned by achrome-bin), split
#                  6601/6601/6600; each model trains N epochs (default 1) at 1 thread, and the cost of the
#                  configured 30 epochs is extrapolated from its per-epoch seconds (history.tsv) plus the
#                  fixed cost (reading, scoring, writing): the table says which numbers are extrapolated;
#   summary        one page over 56 epigenomes x the 8 models (the trained run folders, copied 56 times);
#   import         the training study written as published CSVs (achrome-export), read back.
# How a measurement becomes a request: mem_mb = 2 x the peak resident memory (at least 200 MB), runtime =
# 3 x the wall time (at least 5 minutes; a download's transfer is taken at 5 MB/s, not measured); a job SLURM stops for either is retried with twice both (the
# rules scale them by the attempt number).
# Writes under bench/out/resources/ (git-ignored); the tables go to bench/out/resources.md and stdout.
# Needs: samtools, GNU time, python3 with numpy.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin_dir="$root/build/bin"
epochs=1
resume=0
while [ $# -gt 0 ]; do
  case $1 in
    --bin-dir) bin_dir=$(cd "$2" && pwd); shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --resume) resume=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/resources.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
PY=${ACHROME_PYTHON:-/usr/bin/python3}
MARKS=(H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3)
MODELS=(${ACHROME_MODELS:-deepchrome lstm cnn-attn cnn-alpha-beta lstm-attn lstm-alpha attentivechrome achrome-net})
data="$root/config/data/roadmap"
out="$here/out/resources"
mkdir -p "$out"
cd "$out"
log() { echo "[resources] $*" >&2; }

[ "$resume" = 1 ] && [ -f times.tsv ] || : > times.tsv
measure() {  # measure JOB THREADS COMMAND...: appends "job threads wall_s user_s sys_s peak_kB"
  local job=$1 threads=$2; shift 2
  if cut -f1 times.tsv | grep -qxF "$job"; then log "$job: measured already"; return; fi
  log "$job"
  /usr/bin/time -f "%e %U %S %M" -o time.txt "$@"
  read -r wall user sys rss < time.txt
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$job" "$threads" "$wall" "$user" "$sys" "$rss" >> times.tsv
}

# --- the real gene set and labels --------------------------------------------------------------
measure genes 1 "$bin_dir/achrome-genes" --quiet --annotation "$data/deepchrome.gene_windows.bed" --out roadmap-genes.tsv \
  --duplicates first --strands "$data/gencode.v10.genes.gtf.gz"
measure label 1 "$bin_dir/achrome-label" --quiet --genes roadmap-genes.tsv --expression "$data/57epigenomes.RPKM.pc.gz" \
  --epigenome E003 --format matrix --split file --split-file "$data/published_split.tsv" --out roadmap-labels.tsv

# --- one mark's 30M reads, as a tagAlign.gz ----------------------------------------------------
reads="reads-30M"
if [ ! -s "$reads/reads.tagAlign.gz" ]; then
  log "simulating 30M reads (not measured)"
  "$bin_dir/achrome-simulate" --out "$reads" --genes 19802 --epigenomes E001 --marks H3K4me3 --depth 2.8 --seed 1 \
    --formats bam --threads 2 --quiet
  "$bin_dir/achrome-genes" --quiet --annotation "$reads/genes.gtf" --out "$reads/genes.tsv"
  bash "$here/tagalign_from_bam.sh" "$reads/signal/E001/H3K4me3.bam" "$reads/reads.tagAlign.gz"
  rm -f "$reads/signal/E001/H3K4me3.bam" "$reads/signal/E001/H3K4me3.bam.bai"
fi
read_count=$(gzip -dc "$reads/reads.tagAlign.gz" | wc -l)
tagalign_bytes=$(stat -c %s "$reads/reads.tagAlign.gz")
measure download 1 gzip -t "$reads/reads.tagAlign.gz"
measure bin 2 "$bin_dir/achrome-bin" --quiet --threads 2 --genes "$reads/genes.tsv" --signal "$reads/reads.tagAlign.gz" \
  --chrom-sizes "$reads/genome.chrom.sizes" --out "$reads/H3K4me3.npy"

# --- a full-size 5-mark training set -----------------------------------------------------------
study="study-19802"
if [ ! -s "$study/labels.tsv" ]; then
  log "simulating the 5-mark training study (not measured)"
  "$bin_dir/achrome-simulate" --out "$study/sim" --genes 19802 --epigenomes E001 --depth 1 --seed 2 --formats bigwig \
    --threads 2 --quiet
  "$bin_dir/achrome-genes" --quiet --annotation "$study/sim/genes.gtf" --out "$study/genes.tsv"
  for mark in "${MARKS[@]}"; do
    "$bin_dir/achrome-bin" --quiet --threads 2 --genes "$study/genes.tsv" --signal "$study/sim/signal/E001/$mark.bw" \
      --out "$study/$mark.npy"
  done
  "$bin_dir/achrome-label" --quiet --genes "$study/genes.tsv" --expression "$study/sim/expression.tsv" --epigenome E001 \
    --format matrix --out "$study/labels.tsv"
fi
mark_flags=()
for mark in "${MARKS[@]}"; do mark_flags+=(--mark "$mark=$study/$mark.npy"); done
for model in "${MODELS[@]}"; do
  measure "train $model" 1 "$bin_dir/achrome-train" --quiet --threads 1 --genes "$study/genes.tsv" \
    --labels "$study/labels.tsv" "${mark_flags[@]}" --model "$model" --epochs "$epochs" --out "runs/E001/$model"
  measure "report $model" 1 "$bin_dir/achrome-report" --quiet --threads 1 --run "runs/E001/$model" \
    --out "reports/$model.html"
done

# The summary over 56 epigenomes x the models: each trained run stands in for all 56 epigenomes (copies
# made of hard links, each with its own metrics.json naming its epigenome: achrome-report refuses one run
# given twice).
summary_runs=()
for i in $(seq 1 56); do
  eid=$(printf 'E%03d' "$i")
  for model in "${MODELS[@]}"; do
    mkdir -p "runs56/$eid"
    if [ ! -d "runs56/$eid/$model" ]; then
      cp -al "runs/E001/$model" "runs56/$eid/$model"
      rm "runs56/$eid/$model/metrics.json"  # a hard link: the copy gets its own, naming its epigenome
      sed "s/\"epigenome\": *\"[^\"]*\"/\"epigenome\": \"$eid\"/" "runs/E001/$model/metrics.json" \
        > "runs56/$eid/$model/metrics.json"
    fi
    summary_runs+=(--run "runs56/$eid/$model")
  done
done
measure summary 1 "$bin_dir/achrome-report" --quiet --threads 1 --summary "${summary_runs[@]}" --out reports/summary.html

# The published-data route: the same study as published CSVs.
if [ ! -s published/E001/test.csv ]; then
  mkdir -p published-in
  cp "$study/genes.tsv" "$study/labels.tsv" published-in/
  # The published CSVs hold read counts: the bigWig means rounded to integers.
  for mark in "${MARKS[@]}"; do
    "$PY" -c "import numpy as np, sys; np.save(sys.argv[2], np.rint(np.load(sys.argv[1])).astype(np.float32))" \
      "$study/$mark.npy" "published-in/$mark.npy"
  done
  "$bin_dir/achrome-export" --quiet --input published-in --out published/E001
fi
measure import 1 "$bin_dir/achrome-import" --quiet --layout deepchrome --input published/E001 --out imported/E001

# The demo's simulate rule (the only simulate job a study has).
measure simulate 2 "$bin_dir/achrome-simulate" --quiet --threads 2 --out demo-sim --genes 2000 --epigenomes E001,E002,E003

# --- the tables --------------------------------------------------------------------------------
"$PY" - "$epochs" "$read_count" "$tagalign_bytes" <<'PY' | tee "$here/out/resources.md"
import csv, math, sys
epochs_run, read_count, tagalign_bytes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
EPOCHS = 30
rows = [r for r in csv.reader(open("times.tsv"), delimiter="\t")]
print(f"Per job, measured one at a time ({read_count:,} reads in the tagAlign.gz, {tagalign_bytes / 1e6:.0f} MB;"
      f" training {epochs_run} epoch(s) at 1 thread, extrapolated to {EPOCHS}):\n")
print("| job | threads | wall s | CPU s | peak MB | extrapolated | mem_mb | runtime min |")
print("|---|---:|---:|---:|---:|---|---:|---:|")
requests = {}
train_seconds = {}
cpu_seconds = {}
for job, threads, wall, user, sys_, rss in rows:
    wall, cpu, peak = float(wall), float(user) + float(sys_), int(rss) / 1024
    note = ""
    if job.startswith("train "):
        model = job.split()[1]
        hist = list(csv.DictReader(open(f"runs/E001/{model}/history.tsv"), delimiter="\t"))
        per_epoch = sum(float(h["seconds"]) for h in hist) / len(hist)
        fixed = max(0.0, wall - per_epoch * len(hist))
        full = fixed + per_epoch * EPOCHS
        cpu = cpu * full / wall
        wall = full
        note = f"{EPOCHS} epochs from {per_epoch:.1f} s/epoch + {fixed:.1f} s"
        train_seconds[job] = (max(200, math.ceil(2 * peak / 100) * 100), per_epoch, fixed)
    if job == "download":
        # The transfer is not measured here (no network); it is taken at 5 MB/s, a slow cluster uplink.
        wall += tagalign_bytes / 5e6
        note = f"gzip -t + transfer at 5 MB/s (assumed)"
    mem_mb = max(200, math.ceil(2 * peak / 100) * 100)
    runtime = max(5, math.ceil(3 * wall / 60))
    requests[job] = (int(threads), mem_mb, runtime)
    cpu_seconds[job] = cpu
    print(f"| {job} | {threads} | {wall:.1f} | {cpu:.1f} | {peak:.0f} | {note} | {mem_mb} | {runtime} |")

print("\nThe `resources:` section of config/config.yaml these give (train: the measured seconds; the workflow"
      " asks for 3 x (fixed_seconds + epochs x epoch_seconds)):\n\n```yaml\nresources:")
for name in ("simulate", "genes", "download", "bin", "label", "import", "summary"):
    t, m, r = requests[name]
    print(f"  {name}: {{threads: {t}, mem_mb: {m}, runtime: {r}}}")
reports = [v for k, v in requests.items() if k.startswith("report ")]
print(f"  report: {{threads: 1, mem_mb: {max(m for _, m, _ in reports)}, runtime: {max(r for _, _, r in reports)}}}")
print("  train:")
trains = {k.split()[1]: v for k, v in train_seconds.items()}
worst = tuple(max(v[i] for v in trains.values()) for i in range(3))  # a model not measured: the largest of each
for model, (m, per_epoch, fixed) in [("default", worst)] + sorted(trains.items()):
    print(f"    {model}: {{mem_mb: {m}, epoch_seconds: {per_epoch:.1f}, fixed_seconds: {fixed:.1f}}}")
print("```")

# The whole study: 56 epigenomes x 5 marks, each epigenome x model trained once (the jobs that
# `snakemake -n --configfile config/roadmap.yaml` plans; the demo's simulate and the import route are not in it).
counts = {"genes": 1, "download": 280, "bin": 280, "label": 56, "summary": 1}
paper = ["deepchrome", "lstm", "cnn-attn", "cnn-alpha-beta", "lstm-attn", "lstm-alpha", "attentivechrome"]
# Core-hours from CPU time, not wall time: wall time on a shared machine counts the other jobs' turns too.
core_s = {job: 0.0 for job in ("genes", "download", "bin", "label", "train", "report", "summary")}
for job, cpu in cpu_seconds.items():
    kind, *model = job.split()
    if kind in core_s and (not model or model[0] in paper):
        core_s[kind] += counts.get(kind, 56) * cpu
print(f"\nThe paper's study (config/roadmap.yaml), 56 epigenomes x its 7 models: "
      f"{sum(counts.values()) + 2 * 56 * len(paper)} jobs, {1 + 280 + 56 + 56 * len(paper) + 1} SLURM jobs with the"
      " groups (a download with its binning, a training run with its report); "
      + ", ".join(f"{k} {v / 3600:.2f}" for k, v in core_s.items())
      + f" core-hours; {sum(core_s.values()) / 3600:.1f} core-hours in all; downloads {280 * tagalign_bytes / 1e9:.0f} GB"
      " at this file's size per tagAlign.")
if "train achrome-net" in cpu_seconds:
    print(f"achrome-net on the 56 epigenomes adds {56 * cpu_seconds['train achrome-net'] / 3600:.2f} core-hours.")
PY
