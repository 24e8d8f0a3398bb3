#!/usr/bin/env bash
# The workflow on a real SLURM cluster: a one-node cluster on this machine (tests/cluster/slurm-localhost.sh
# starts it when none answers), the tiny simulated study run with --profile workflow/profiles/slurm, then
# SLURM's own job-completion log must list every job as COMPLETED, and the outputs must equal those of a
# local run of the same config.
source "$ACHROME_TESTS/stages/lib.sh"
need snakemake sbatch sinfo munged slurmctld slurmd
need_python numpy yaml

if bash "$ACHROME_TESTS/cluster/slurm-localhost.sh" 2> "$WORK/cluster.err"; then
  ok "a SLURM cluster answers ($(sinfo -h -o '%N %c CPUs %m MB' | head -n 1))"
else
  not_ok "no SLURM cluster: $(cat "$WORK/cluster.err")"
  finish
  exit 1
fi
jobcomp=$(scontrol show config | awk -F'= ' '/^JobCompLoc/ {print $2}')

make_study() {  # make_study DIR: the same config and sheet in DIR
  local dir="$1" results="$1/results"
  mkdir -p "$dir"
  {
    printf 'epigenome\tmark\tsignal\n'
    for mark in H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3; do
      printf 'E001\t%s\t%s/simulated/signal/E001/%s.bam\n' "$mark" "$results" "$mark"
      printf 'E002\t%s\t%s/simulated/signal/E002/%s.bw\n' "$mark" "$results" "$mark"
    done
  } > "$dir/samples.tsv"
  cat > "$dir/config.yaml" <<YAML
results: $results
binaries: $ACHROME_BIN
samples: $dir/samples.tsv
simulate: {enabled: true, out: $results/simulated, genes: 200, epigenomes: [E001, E002], seed: 11, depth: 1.0}
annotation: {gtf: $results/simulated/genes.gtf}
expression: {matrix: $results/simulated/expression.tsv}
marks: [H3K27me3, H3K36me3, H3K4me1, H3K4me3, H3K9me3]
bins: {upstream: 5000, downstream: 5000, bin_size: 100, orientation: genomic}
train: {models: [attentivechrome], epochs: 2, batch_size: 16, lr: 0.0002, seed: 1, device: cpu, threads: 1}
YAML
}
make_study "$WORK/local"
make_study "$WORK/slurm"

cd "$WORK/local"
snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK/local" --configfile config.yaml --cores 2 > run.log 2>&1 \
  && ok "local run" || not_ok "local run failed: $(tail -n 20 run.log)"

cd "$WORK/slurm"
start=$(date +%s)
before=$( [ -f "$jobcomp" ] && wc -l < "$jobcomp" || echo 0)
if timeout 900 snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK/slurm" --configfile config.yaml \
    --profile "$ACHROME_SOURCE/workflow/profiles/slurm" --jobs 4 --latency-wait 10 > run.log 2>&1; then
  ok "run under SLURM ($(( $(date +%s) - start )) s)"
else
  not_ok "SLURM run failed: $(tail -n 30 run.log)"
  tail -n 20 logs/slurm/*.out 2>/dev/null | tail -n 40
fi

# SLURM's own record: each job snakemake submitted (a group of jobs is one) is in the job-completion log,
# COMPLETED, exit 0.
submitted=$(grep -oE "Submitted (group )?job [0-9a-f-]+ with external jobid '[0-9]+'" run.log | grep -oE "'[0-9]+'" | tr -d "'" | sort -n)
count=$(echo "$submitted" | grep -c . || true)
tail -n +"$((before + 1))" "$jobcomp" > jobcomp.txt
completed=0
for id in $submitted; do
  grep -qE "^JobId=$id .*Name=achrome-[a-z_]+ JobState=COMPLETED .*ExitCode=0:0" jobcomp.txt && completed=$((completed + 1))
done
if [ "$count" -ge 10 ] && [ "$completed" -eq "$count" ]; then
  ok "SLURM's job-completion log lists all $count submitted jobs as COMPLETED"
else
  not_ok "jobcomp: $completed of $count submitted jobs completed: $(head -n 3 jobcomp.txt)"
fi
# One job per rule, except the groups: a training run and its report are one job (achrome-train), as
# are a download and its binning (achrome-bin; this study downloads nothing).
for job in simulate genes bin label train summary; do
  grep -qE "Name=achrome-$job JobState=COMPLETED" jobcomp.txt || not_ok "no SLURM job achrome-$job"
done
if grep -qE "Name=achrome-report " jobcomp.txt; then
  not_ok "a report ran as its own SLURM job, not in its training run's group"
else
  ok "each report ran in its training run's SLURM job"
fi

# The requests SLURM got are config resources: (docs/resources.md): --time and --mem per job, a group asking
# for the sum of its jobs' runtimes and the largest memory.
"$PY" - "$ACHROME_SOURCE/config/config.yaml" jobcomp.txt <<'PY' && ok "SLURM got the configured threads, memory and time of every job" || not_ok "SLURM's requests differ from config resources"
import math, re, sys
import yaml
res = yaml.safe_load(open(sys.argv[1]))["resources"]
train = res["train"].get("attentivechrome", res["train"]["default"])
train_minutes = max(5, math.ceil(3 * (train["fixed_seconds"] + 2 * train["epoch_seconds"]) / 60))  # epochs: 2
want = {
    "simulate": (res["simulate"]["threads"], res["simulate"]["mem_mb"], res["simulate"]["runtime"]),
    "genes": (res["genes"]["threads"], res["genes"]["mem_mb"], res["genes"]["runtime"]),
    "bin": (res["bin"]["threads"], res["bin"]["mem_mb"], res["bin"]["runtime"]),
    "label": (res["label"]["threads"], res["label"]["mem_mb"], res["label"]["runtime"]),
    "train": (1, max(train["mem_mb"], res["report"]["mem_mb"]), train_minutes + res["report"]["runtime"]),
    "summary": (res["summary"]["threads"], res["summary"]["mem_mb"], res["summary"]["runtime"]),
}
seen = 0
for line in open(sys.argv[2]):
    name = re.search(r"Name=achrome-(\S+)", line).group(1)
    if name not in want:
        continue
    got = (int(re.search(r"ProcCnt=(\d+)", line).group(1)), int(re.search(r"mem=(\d+)M", line).group(1)),
           int(re.search(r"TimeLimit=(\d+)", line).group(1)))
    assert got == want[name], f"achrome-{name}: SLURM got cpus, MB, minutes {got}, config says {want[name]}"
    seen += 1
assert seen >= 6, seen
PY

# The same outputs as the local run: genes, bins, labels, predictions and metrics.
"$PY" - "$WORK/local/results" "$WORK/slurm/results" <<'PY' && ok "SLURM outputs equal the local run's" || not_ok "outputs differ between SLURM and local runs"
import filecmp, json, sys
import numpy as np
local, slurm = sys.argv[1:]
assert filecmp.cmp(f"{local}/genes.tsv", f"{slurm}/genes.tsv", shallow=False)
for eid in ("E001", "E002"):
    assert filecmp.cmp(f"{local}/labels/{eid}.tsv", f"{slurm}/labels/{eid}.tsv", shallow=False), eid
    for mark in ("H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"):
        assert np.array_equal(np.load(f"{local}/bins/{eid}/{mark}.npy"), np.load(f"{slurm}/bins/{eid}/{mark}.npy")), (eid, mark)
    run = f"runs/{eid}/attentivechrome"
    assert filecmp.cmp(f"{local}/{run}/predictions.tsv", f"{slurm}/{run}/predictions.tsv", shallow=False), eid
    a, b = json.load(open(f"{local}/{run}/metrics.json")), json.load(open(f"{slurm}/{run}/metrics.json"))
    assert a["splits"] == b["splits"], eid
PY
finish
