#!/usr/bin/env bash
# The whole workflow on a tiny simulated study: simulate -> genes -> bin -> label -> train -> report.
# Two epigenomes (one from BAMs, one from bigWigs), a few hundred genes, a few epochs.
source "$ACHROME_TESTS/stages/lib.sh"
need snakemake
need_python numpy

cd "$WORK"
results="$WORK/results"
{
  printf 'epigenome\tmark\tsignal\n'
  for mark in H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3; do
    printf 'E001\t%s\t%s/simulated/signal/E001/%s.bam\n' "$mark" "$results" "$mark"
    printf 'E002\t%s\t%s/simulated/signal/E002/%s.bw\n' "$mark" "$results" "$mark"
  done
} > samples.tsv
cat > config.yaml <<YAML
results: $results
binaries: $ACHROME_BIN
samples: $WORK/samples.tsv
simulate: {enabled: true, out: $results/simulated, genes: 300, epigenomes: [E001, E002], seed: 7, depth: 1.0}
annotation: {gtf: $results/simulated/genes.gtf}
expression: {matrix: "file://$results/simulated/expression.tsv"}  # a URL: exercises the download rule
marks: [H3K27me3, H3K36me3, H3K4me1, H3K4me3, H3K9me3]
bins: {upstream: 5000, downstream: 5000, bin_size: 100, orientation: genomic}
train: {models: [attentivechrome], epochs: 3, batch_size: 16, lr: 0.0002, seed: 1, device: cpu, threads: 1}
YAML

if snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK" --configfile config.yaml --cores 2 -q > snakemake.log 2>&1; then
  ok "workflow ran"
else
  not_ok "workflow failed: $(tail -n 30 snakemake.log)"
  for log in $(find "$results/logs" -name '*.log' 2>/dev/null); do echo "== $log"; tail -n 5 "$log"; done
  finish
  exit 1
fi

for eid in E001 E002; do
  [ -s "$results/reports/$eid/attentivechrome.html" ] && ok "report $eid" || not_ok "report $eid missing"
  [ -s "$results/runs/$eid/attentivechrome/metrics.json" ] && ok "metrics $eid" || not_ok "metrics $eid missing"
done
cmp -s "$results/downloads/expression.tsv" "$results/simulated/expression.tsv" && ok "URL input downloaded" || not_ok "download of a URL input"
[ -s "$results/reports/summary.html" ] && ok "summary page" || not_ok "summary page missing"
[ "$(wc -l < "$results/reports/summary.tsv")" -eq 3 ] && ok "summary.tsv has 2 runs" || not_ok "summary.tsv rows"

# Bin matrices are [genes, bins] float32 and line up with genes.tsv.
"$PY" - "$results" <<'PY' && ok "matrices line up with genes.tsv" || not_ok "matrix shapes"
import sys, numpy as np
results = sys.argv[1]
genes = sum(1 for _ in open(f"{results}/genes.tsv")) - 1
for eid in ("E001", "E002"):
    for mark in ("H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"):
        m = np.load(f"{results}/bins/{eid}/{mark}.npy")
        assert m.dtype == np.float32 and m.shape == (genes, 100), (eid, mark, m.shape)
        assert m.sum() > 0, (eid, mark)
PY

# Nothing half-written anywhere: no temporary files left behind.
leftovers=$(find "$results" -name '.*.tmp*' | head -3)
[ -z "$leftovers" ] && ok "no temporary files left" || not_ok "temporary files left: $leftovers"

# Re-running is a no-op (every output is complete and newer than its inputs).
if snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK" --configfile config.yaml --cores 2 -n 2>&1 | grep -q "Nothing to be done"; then
  ok "second run has nothing to do"
else
  not_ok "second run would redo work"
fi

# A deleted model is rebuilt although the reports made from it are newer: rule all asks for run folders.
rm "$results/runs/E001/attentivechrome/model.pt"
if snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK" --configfile config.yaml --cores 2 -n > rerun.log 2>&1 \
    && awk '$1 == "train" {print $2}' rerun.log | grep -qx 1; then
  ok "a deleted model.pt plans its training job again"
else
  not_ok "deleted model.pt not rebuilt: $(tail -n 5 rerun.log)"
fi
finish
