#!/usr/bin/env bash
# The workflow on a real SLURM cluster: a one-node cluster on this machine (tests/cluster/slurm-localhost.sh
# starts it when none answers), the tiny simulated study run with --profile workflow/profiles/slurm, then
# SLURM's own job-completion log must list every job as COMPLETED, and the outputs must equal those of a
# local run of the same config.
source "$ACHROME_TESTS/stages/lib.sh"
need snakemake sbatch sinfo munged slurmctld slurmd
need_python numpy

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

# SLURM's own record: each job snakemake submitted is in the job-completion log, COMPLETED, exit 0.
submitted=$(grep -oE "Submitted job [0-9]+ with external jobid '[0-9]+'" run.log | grep -oE "'[0-9]+'" | tr -d "'" | sort -n)
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
for rule in simulate genes bin label train report summary; do
  grep -qE "Name=achrome-$rule JobState=COMPLETED" jobcomp.txt || not_ok "no SLURM job for rule $rule"
done

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
