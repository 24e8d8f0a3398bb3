#!/usr/bin/env bash
# achrome-train on a small synthetic study with a planted signal (H3K4me3 central bins higher in
# ON genes): the run folder has every file of docs/formats.md with the right shapes, AUROC in
# metrics.json equals scikit-learn's on predictions.tsv, achrome-predict with model.pt reproduces
# the logits, and bad inputs fail in one line without a metrics.json.
source "$(dirname "$0")/lib.sh"
need_python numpy sklearn torch
TRAIN="$ACHROME_BIN/achrome-train"
PREDICT="$ACHROME_BIN/achrome-predict"
MARKS="H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3"

# Genes 0..9 carry no label (absent from labels.tsv), as genes without an expression value.
"$PY" - "$WORK" "$ACHROME_TESTS/models" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
sys.path.insert(0, sys.argv[2])
import tiny_study
tiny_study.write(out, seed=11, genes=300, bins=40, background=2.0, peak=(16, 24), on_rate=6.0, off_rate=0.3, unlabelled=10)
n, bins = 300, 40
np.save(f"{out}/short.npy", np.zeros((n - 1, bins), np.float32))
with open(f"{out}/labels_unknown.tsv", "w") as f:
    f.write("gene_id\tvalue\tlabel\tsplit\nENSG00010\t1\t1\ttrain\nENSG99999\t2\t0\tvalid\n")
PY

mark_flags=()
for m in $MARKS; do mark_flags+=(--mark "$m=$WORK/$m.npy"); done

if "$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${mark_flags[@]}" --out "$WORK/run" \
     --epigenome E000 --epochs 4 --lr 0.005 --seed 3 --threads 2 2>"$WORK/train.log"; then
  ok "train runs"
else
  not_ok "train failed: $(tail -3 "$WORK/train.log")"
fi
if [ "$(grep -c 'epoch [0-9]/4 train loss .* auroc .* | valid auroc .* | test auroc .* | [0-9.]* s, [0-9]* s left$' "$WORK/train.log")" -eq 4 ] \
   && grep -q "best epoch" "$WORK/train.log"; then
  ok "one progress line per epoch and the best epoch in the log"
else
  not_ok "log lines: $(cat "$WORK/train.log")"
fi

if "$PY" - "$WORK" <<'PY'
import sys, json, csv, numpy as np, torch
from sklearn.metrics import roc_auc_score, average_precision_score
work = sys.argv[1]
run = f"{work}/run"
marks = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
metrics = json.load(open(f"{run}/metrics.json"))
model = json.load(open(f"{run}/model.json"))
assert model == {"model": "attentivechrome", "marks": marks, "bins": 40, "bin_hidden": 32, "mark_hidden": 16,
                 "input_transform": "raw", "target": "class"}, model
for key in ["model", "epigenome", "marks", "bins", "best_epoch", "epochs_run", "seed", "device", "splits", "data",
            "software", "hyperparameters"]:
    assert key in metrics, key
assert metrics["epigenome"] == "E000" and metrics["epochs_run"] == 4 and 1 <= metrics["best_epoch"] <= 4
assert set(metrics["data"]["inputs"]) == set(marks) and len(metrics["data"]["labels"]) == 32
assert metrics["software"]["libtorch"]

rows = list(csv.DictReader(open(f"{run}/predictions.tsv"), delimiter="\t"))
assert list(rows[0]) == ["gene_id", "split", "label", "logit", "probability"]
assert len(rows) == 290 and rows[0]["gene_id"] == "ENSG00010"
for split in ["train", "valid", "test"]:
    part = [r for r in rows if r["split"] == split]
    y = [int(r["label"]) for r in part]
    s = [float(r["logit"]) for r in part]
    auc, ap = roc_auc_score(y, s), average_precision_score(y, s)
    m = metrics["splits"][split]
    assert m["genes"] == len(part), (split, m["genes"], len(part))
    assert abs(auc - m["auroc"]) < 1e-6 and abs(ap - m["aupr"]) < 1e-6, (split, auc, m)
    p = np.array([float(r["probability"]) for r in part])
    assert np.allclose(p, 1 / (1 + np.exp(-np.array(s))), atol=1e-6)
assert metrics["splits"]["test"]["auroc"] > 0.7, metrics["splits"]["test"]

hist = list(csv.DictReader(open(f"{run}/history.tsv"), delimiter="\t"))
assert list(hist[0]) == ["epoch", "train_loss", "train_auroc", "valid_loss", "valid_auroc", "test_auroc", "seconds"]
assert [int(h["epoch"]) for h in hist] == [1, 2, 3, 4]
best = max(range(4), key=lambda i: (float(hist[i]["valid_auroc"]), i))
assert best + 1 == metrics["best_epoch"], (best, metrics["best_epoch"])
assert abs(float(hist[best]["test_auroc"]) - metrics["splits"]["test"]["auroc"]) < 1e-5

test = [r for r in rows if r["split"] == "test"]
alpha, beta = np.load(f"{run}/alpha.npy"), np.load(f"{run}/beta.npy")
assert alpha.dtype == np.float32 and alpha.shape == (len(test), 5, 40), alpha.shape
assert beta.shape == (len(test), 5), beta.shape
assert np.allclose(alpha.sum(-1), 1, atol=1e-5) and np.allclose(beta.sum(-1), 1, atol=1e-5)
att = list(csv.DictReader(open(f"{run}/attention_genes.tsv"), delimiter="\t"))
assert list(att[0]) == ["gene_id", "label", "logit", "probability", "strand"]
assert [a["gene_id"] for a in att] == [r["gene_id"] for r in test]
assert all(a["strand"] == "+-"[int(a["gene_id"][4:]) % 2] for a in att)  # genes.tsv's strands
# The planted signal sits in H3K4me3's central bins: attention should find it.
assert alpha[:, 3, 16:24].sum(-1).mean() > 8 / 40, alpha[:, 3, 16:24].sum(-1).mean()

weights = torch.load(f"{run}/model.pt")
assert isinstance(weights, dict) and len(weights) == 56
assert tuple(weights["rnn_hms.0.rnn.weight_hh_l0_reverse"].shape) == (128, 32)
assert tuple(weights["fdiff1_1.weight"].shape) == (1, 32)
assert not any(n.startswith(".") for n in __import__("os").listdir(run)), "temporary files left"
PY
then ok "run folder: files, shapes, headers, AUROC = sklearn on predictions.tsv, torch.load reads model.pt"
else not_ok "run folder checks"; fi

# achrome-predict with the run's weights gives predictions.tsv's logits for the test genes.
if "$PREDICT" --weights "$WORK/run/model.pt" --input "$WORK/stacked.npy" --out "$WORK/pred" --threads 1 2>/dev/null \
   && "$PY" - "$WORK" <<'PY'
import sys, csv, numpy as np
work = sys.argv[1]
logits = np.load(f"{work}/pred/logits.npy")
assert logits.shape == (300,)
rows = [r for r in csv.DictReader(open(f"{work}/run/predictions.tsv"), delimiter="\t") if r["split"] == "test"]
idx = [int(r["gene_id"][4:]) for r in rows]
diff = np.abs(logits[idx] - np.array([float(r["logit"]) for r in rows], np.float32)).max()
assert diff < 1e-5, diff
alpha = np.load(f"{work}/pred/alpha.npy")[idx]
assert np.abs(alpha - np.load(f"{work}/run/alpha.npy")).max() < 1e-5
PY
then ok "predict with model.pt reproduces the test logits and alpha"
else not_ok "predict with model.pt"; fi

# The same seed gives the same run.
"$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${mark_flags[@]}" --out "$WORK/run2" \
  --epigenome E000 --epochs 1 --lr 0.005 --seed 3 --threads 2 2>/dev/null
"$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${mark_flags[@]}" --out "$WORK/run3" \
  --epigenome E000 --epochs 1 --lr 0.005 --seed 3 --threads 2 2>/dev/null
if cmp -s "$WORK/run2/predictions.tsv" "$WORK/run3/predictions.tsv"; then ok "same seed, same predictions"
else not_ok "same seed gave different predictions"; fi

# Bad inputs: one line naming the file, non-zero, no metrics.json.
bad_marks=(--mark "H3K4me3=$WORK/H3K4me3.npy" --mark "H3K9me3=$WORK/short.npy")
expect_fail "npy with the wrong number of rows" "short.npy: 299 rows, but .*genes.tsv has 300 genes" \
  "$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${bad_marks[@]}" --out "$WORK/bad1" --epochs 1
expect_fail "unknown gene in labels" "labels_unknown.tsv:3: gene 'ENSG99999' is not in" \
  "$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/labels_unknown.tsv" "${mark_flags[@]}" --out "$WORK/bad2" --epochs 1
expect_fail "malformed --mark" "expected MARK=FILE.npy" \
  "$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" --mark "$WORK/H3K4me3.npy" --out "$WORK/bad3" --epochs 1
for d in bad1 bad2 bad3; do
  if [ -e "$WORK/$d/metrics.json" ]; then not_ok "$d wrote metrics.json"; else ok "$d: no metrics.json"; fi
done
finish
