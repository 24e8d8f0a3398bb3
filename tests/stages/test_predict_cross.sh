#!/usr/bin/env bash
# Cross-cell-type prediction: train on epigenome A, then achrome-predict scores epigenome B from a run
# folder and B's bins as achrome-train takes them (--genes, --mark), and with --labels writes B's AUROC,
# equal to scikit-learn's on the predictions it writes.
source "$(dirname "$0")/lib.sh"
need_python numpy sklearn
MARKS="H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3"

"$PY" - "$WORK" <<'PY'
import sys, numpy as np
out = sys.argv[1]
n, bins = 150, 100
marks = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
with open(f"{out}/genes.tsv", "w") as f:
    f.write("gene_id\tname\tchrom\ttss\tstrand\n")
    for i in range(n):
        f.write(f"ENSG{i:05d}\tG{i}\tchr1\t{10000 + 20000 * i}\t+\n")
for eid, seed in (("A", 1), ("B", 2)):  # the same biology, other genes ON
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    with open(f"{out}/{eid}.labels.tsv", "w") as f:
        f.write("gene_id\tvalue\tlabel\tsplit\n")
        for i in range(n):
            f.write(f"ENSG{i:05d}\t{labels[i]:.1f}\t{labels[i]}\t{['train', 'valid', 'test'][i % 3]}\n")
    for mark in marks:
        x = rng.poisson(2.0, (n, bins)).astype(np.float32)
        if mark == "H3K4me3":
            x[:, 45:55] += rng.poisson(np.where(labels[:, None] == 1, 8.0, 0.3), (n, 10))
        np.save(f"{out}/{eid}.{mark}.npy", x)
PY
marks_of() { for m in $MARKS; do printf -- '--mark %s=%s/%s.%s.npy ' "$m" "$WORK" "$1" "$m"; done; }
# shellcheck disable=SC2046
"$ACHROME_BIN/achrome-train" --genes "$WORK/genes.tsv" --labels "$WORK/A.labels.tsv" $(marks_of A) \
  --out "$WORK/runA" --epochs 3 --lr 0.005 --threads 2 2> "$WORK/train.log" && ok "trained on A" || not_ok "train: $(tail -n 3 "$WORK/train.log")"

# shellcheck disable=SC2046
if "$ACHROME_BIN/achrome-predict" --run "$WORK/runA" --genes "$WORK/genes.tsv" $(marks_of B) --labels "$WORK/B.labels.tsv" \
     --out "$WORK/AonB" --threads 2 2> "$WORK/predict.log"; then
  ok "predict B from A's run folder"
else
  not_ok "predict: $(tail -n 3 "$WORK/predict.log")"
fi
"$PY" - "$WORK/AonB" "$WORK/B.labels.tsv" <<'PY' && ok "B's metrics.json = scikit-learn on predictions.tsv, every labelled gene scored" || not_ok "cross-cell metrics"
import csv, json, sys
import numpy as np
from sklearn.metrics import roc_auc_score, average_precision_score
out, labels_tsv = sys.argv[1:]
rows = list(csv.DictReader(open(f"{out}/predictions.tsv"), delimiter="\t"))
labels = list(csv.DictReader(open(labels_tsv), delimiter="\t"))
assert [r["gene_id"] for r in rows] == [r["gene_id"] for r in labels]
assert [r["label"] for r in rows] == [r["label"] for r in labels]
m = json.load(open(f"{out}/metrics.json"))
y, s = [int(r["label"]) for r in rows], [float(r["logit"]) for r in rows]
assert abs(m["all"]["auroc"] - roc_auc_score(y, s)) < 1e-6 and abs(m["all"]["aupr"] - average_precision_score(y, s)) < 1e-6, m
test = [r for r in rows if r["split"] == "test"]
assert abs(m["splits"]["test"]["auroc"] - roc_auc_score([int(r["label"]) for r in test], [float(r["logit"]) for r in test])) < 1e-6
assert m["all"]["auroc"] > 0.7, m["all"]  # the planted biology carries over
logits = np.load(f"{out}/logits.npy")
assert logits.shape == (len(rows),) and np.abs(logits - np.array(s, np.float32)).max() < 1e-5
PY

# Without labels: every gene of genes.tsv is scored.
# shellcheck disable=SC2046
"$ACHROME_BIN/achrome-predict" --run "$WORK/runA" --genes "$WORK/genes.tsv" $(marks_of B) --out "$WORK/AonB-nolabels" \
  --threads 2 2>/dev/null && [ "$(tail -n +2 "$WORK/AonB-nolabels/predictions.tsv" | wc -l)" -eq 150 ] \
  && [ ! -e "$WORK/AonB-nolabels/metrics.json" ] && ok "without --labels: all 150 genes scored, no metrics" || not_ok "unlabelled scoring"

# The marks must be the model's, in its order.
expect_fail "marks in another order" "--mark: marks H3K36me3,H3K27me3,.* given, but the model in .* was trained on H3K27me3,H3K36me3" \
  "$ACHROME_BIN/achrome-predict" --run "$WORK/runA" --genes "$WORK/genes.tsv" --mark "H3K36me3=$WORK/B.H3K36me3.npy" \
  --mark "H3K27me3=$WORK/B.H3K27me3.npy" --mark "H3K4me1=$WORK/B.H3K4me1.npy" --mark "H3K4me3=$WORK/B.H3K4me3.npy" \
  --mark "H3K9me3=$WORK/B.H3K9me3.npy" --out "$WORK/bad"
expect_fail "--genes without --mark" "--genes needs --mark" \
  "$ACHROME_BIN/achrome-predict" --run "$WORK/runA" --genes "$WORK/genes.tsv" --out "$WORK/bad"
expect_fail "neither --weights nor --run" "--weights or --run is required" \
  "$ACHROME_BIN/achrome-predict" --input "$WORK/A.H3K27me3.npy" --out "$WORK/bad"
finish
