#!/usr/bin/env bash
# achrome-train --model NAME for every model on a tiny synthetic study (2 epochs): the run folder has
# metrics.json with AUROC equal to scikit-learn's on predictions.tsv, model.json naming the model and
# its sizes, alpha.npy / beta.npy exactly when the model has attention, saliency.npy and the rows of
# both in attention_genes.tsv; the PyTorch twin
# loaded with model.pt gives predictions.tsv's test logits, and achrome-predict (model taken from
# model.json) does too.
source "$(dirname "$0")/lib.sh"
need_python numpy sklearn torch
TRAIN="$ACHROME_BIN/achrome-train"
PREDICT="$ACHROME_BIN/achrome-predict"
MARKS="H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3"
MODELS="deepchrome lstm cnn-attn cnn-alpha-beta lstm-attn lstm-alpha attentivechrome achrome-net"

"$PY" - "$WORK" "$ACHROME_TESTS/models" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
sys.path.insert(0, sys.argv[2])
import tiny_study
tiny_study.write(out, seed=5, genes=150, bins=100, background=2.0, peak=(45, 55), on_rate=6.0, off_rate=0.3)
PY

mark_flags=()
for m in $MARKS; do mark_flags+=(--mark "$m=$WORK/$m.npy"); done

for model in $MODELS; do
  run="$WORK/run-$model"
  if ! "$TRAIN" --model "$model" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${mark_flags[@]}" \
       --out "$run" --epochs 2 --lr 0.002 --seed 4 --threads 2 2>"$WORK/$model.log"; then
    not_ok "$model: train failed: $(tail -2 "$WORK/$model.log")"
    continue
  fi
  if "$PY" - "$run" "$model" "$ACHROME_TESTS/models" "$WORK/stacked.npy" <<'PY'
import csv, json, os, sys
import numpy as np, torch
from sklearn.metrics import roc_auc_score, average_precision_score
run, model, twins_dir, stacked = sys.argv[1:]
sys.path.insert(0, twins_dir)
import twins
marks = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
metrics = json.load(open(f"{run}/metrics.json"))
assert metrics["model"] == model and metrics["epochs_run"] == 2, metrics
assert json.load(open(f"{run}/model.json")) == {"model": model, "marks": marks, "bins": 100, "input_transform": "raw", "target": "class",
                                                   **twins.SIZES[model]}
for size, value in twins.SIZES[model].items():
    assert metrics["hyperparameters"][size] == value, size
rows = list(csv.DictReader(open(f"{run}/predictions.tsv"), delimiter="\t"))
assert len(rows) == 150
for split in ["train", "valid", "test"]:
    part = [r for r in rows if r["split"] == split]
    y, s = [int(r["label"]) for r in part], [float(r["logit"]) for r in part]
    m = metrics["splits"][split]
    assert m["genes"] == len(part), (split, m)
    assert abs(roc_auc_score(y, s) - m["auroc"]) < 1e-6 and abs(average_precision_score(y, s) - m["aupr"]) < 1e-6, (split, m)

test = [r for r in rows if r["split"] == "test"]
twin = twins.make(model, 5, 100)
twin.load_state_dict(torch.load(f"{run}/model.pt"))  # strict: the same names and shapes
twin.eval()
x = torch.from_numpy(np.load(stacked)[[int(r["gene_id"][4:]) for r in test]]).requires_grad_(True)
logits, alpha, beta = twin(x)
diff = np.abs(logits.detach().numpy() - np.array([float(r["logit"]) for r in test], np.float32)).max()
assert diff < 1e-5, ("twin logits", diff)
for name, ref in [("alpha", alpha), ("beta", beta)]:
    assert os.path.exists(f"{run}/{name}.npy") == (ref is not None), (name, "presence")
    if ref is not None:
        got = np.load(f"{run}/{name}.npy")
        assert got.shape == tuple(ref.shape) and np.abs(got - ref.detach().numpy()).max() < 1e-5, name
(saliency,) = torch.autograd.grad(logits.sum(), x)
got = np.load(f"{run}/saliency.npy")
assert got.shape == (len(test), 5, 100) and np.abs(got - saliency.permute(0, 2, 1).numpy()).max() < 1e-5
# attention_genes.tsv lists the rows of the attention and saliency arrays (the test genes of
# predictions.tsv, in order), for every model.
att = [r["gene_id"] for r in csv.DictReader(open(f"{run}/attention_genes.tsv"), delimiter="\t")]
assert att == [r["gene_id"] for r in test]
PY
  then ok "$model: run folder complete, AUROC = sklearn, the twin with model.pt gives its logits, attention, saliency"
  else not_ok "$model: run folder checks"; fi

  # predict takes the model from model.json beside model.pt.
  if "$PREDICT" --weights "$run/model.pt" --input "$WORK/stacked.npy" --out "$WORK/pred-$model" --threads 1 2>/dev/null \
     && "$PY" - "$run" "$WORK/pred-$model" <<'PY'
import csv, sys, numpy as np
run, pred = sys.argv[1:]
rows = [r for r in csv.DictReader(open(f"{run}/predictions.tsv"), delimiter="\t")]
logits = np.load(f"{pred}/logits.npy")
idx = [int(r["gene_id"][4:]) for r in rows]
assert np.abs(logits[idx] - np.array([float(r["logit"]) for r in rows], np.float32)).max() < 1e-5
PY
  then ok "$model: predict with model.pt (model from model.json) reproduces predictions.tsv"
  else not_ok "$model: predict with model.pt"; fi

  # Every model's run gets a report page: per-mark alpha, alpha shared by the marks, no beta, or none.
  if "$ACHROME_BIN/achrome-report" --run "$run" --out "$WORK/report-$model.html" 2>"$WORK/report-$model.log" \
     && grep -q "Bin attention" "$WORK/report-$model.html"; then
    ok "$model: report page"
  else
    not_ok "$model: report failed: $(tail -n 2 "$WORK/report-$model.log")"
  fi
done

# --model must agree with model.json beside the weights.
expect_fail "--model contradicting model.json" "--model lstm: but .*model.json says the weights in .* are a deepchrome model" \
  "$PREDICT" --model lstm --weights "$WORK/run-deepchrome/model.pt" --input "$WORK/stacked.npy" --out "$WORK/bad"
expect_fail "unknown model" "--model: .*not in" \
  "$TRAIN" --model rnn --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${mark_flags[@]}" --out "$WORK/bad2"
finish
