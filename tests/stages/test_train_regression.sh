#!/usr/bin/env bash
# achrome-train --target regression on a tiny study whose labels carry expression values (ON genes
# about 5, OFF genes below 1): for attentivechrome and achrome-net the run folder records the target,
# the test r is finite, and metrics.json's Pearson and Spearman r and squared error per split equal
# SciPy's from predictions.tsv and labels.tsv; achrome-predict --labels gives the same numbers on the
# same genes; achrome-report draws the run; labels whose value column only repeats the 0/1 label (as
# achrome-import writes) are refused in one line naming the file, by achrome-train and achrome-predict.
source "$(dirname "$0")/lib.sh"
need_python numpy scipy
TRAIN="$ACHROME_BIN/achrome-train"
PREDICT="$ACHROME_BIN/achrome-predict"
REPORT="$ACHROME_BIN/achrome-report"
MARKS="H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3"

"$PY" - "$WORK" "$ACHROME_TESTS/models" <<'PY'
import sys
out = sys.argv[1]
sys.path.insert(0, sys.argv[2])
import tiny_study
tiny_study.write(out, seed=5, genes=240, bins=40, background=2.0, peak=(16, 24), on_rate=6.0, off_rate=0.3)
# The published data's labels as achrome-import writes them: the value column repeats the label.
rows = [line.rstrip("\n").split("\t") for line in open(f"{out}/labels.tsv")]
with open(f"{out}/imported_labels.tsv", "w") as f:
    f.write("\t".join(rows[0]) + "\n")
    for gene, value, label, split in rows[1:]:
        f.write(f"{gene}\t{label}\t{label}\t{split}\n")
PY

mark_flags=()
for m in $MARKS; do mark_flags+=(--mark "$m=$WORK/$m.npy"); done

for model in attentivechrome achrome-net; do
  run="$WORK/$model"
  if "$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${mark_flags[@]}" --out "$run" --model "$model" \
       --target regression --epochs 2 --lr 0.005 --seed 3 --threads 2 2>"$WORK/$model.log"; then
    ok "$model: regression trains"
  else
    not_ok "$model: regression training failed: $(tail -3 "$WORK/$model.log")"
    continue
  fi
  if [ "$(grep -c 'epoch [0-9]/2 train loss .* r .* | valid r .* | test r .*' "$WORK/$model.log")" -eq 2 ]; then
    ok "$model: the log gives r per epoch"
  else
    not_ok "$model: log: $(cat "$WORK/$model.log")"
  fi
  if "$PY" - "$WORK" "$model" <<'PY'
import sys, csv, json, math
import numpy as np
from scipy.stats import pearsonr, spearmanr
work, model = sys.argv[1], sys.argv[2]
run = f"{work}/{model}"
metrics = json.load(open(f"{run}/metrics.json"))
assert metrics["target"] == "regression", metrics.get("target")
assert json.load(open(f"{run}/model.json"))["target"] == "regression"
assert metrics["hyperparameters"]["selection"] == "epoch with the best validation Pearson r"
options = open(f"{run}/options.yaml").read()
assert "target: regression" in options, options
# The measured values come from labels.tsv itself, not from the run folder.
value = {r["gene_id"]: float(r["value"]) for r in csv.DictReader(open(f"{work}/labels.tsv"), delimiter="\t")}
rows = list(csv.DictReader(open(f"{run}/predictions.tsv"), delimiter="\t"))
assert list(rows[0]) == ["gene_id", "split", "label", "value", "target", "prediction"], list(rows[0])
assert len(rows) == 240
for split in ["train", "valid", "test"]:
    part = [r for r in rows if r["split"] == split]
    y = np.log1p([value[r["gene_id"]] for r in part])
    p = np.array([float(r["prediction"]) for r in part])
    assert np.abs(np.array([float(r["target"]) for r in part]) - y).max() < 1e-12
    m = metrics["splits"][split]
    assert set(m) == {"pearson", "spearman", "mse", "genes"}, m
    assert m["genes"] == len(part)
    r, rho, mse = pearsonr(p, y)[0], spearmanr(p, y).correlation, np.mean((p - y) ** 2)
    assert abs(r - m["pearson"]) < 1e-6 and abs(rho - m["spearman"]) < 1e-6 and abs(mse - m["mse"]) < 1e-6, (split, r, rho, mse, m)
test = metrics["splits"]["test"]["pearson"]
assert isinstance(test, float) and math.isfinite(test), test
hist = list(csv.DictReader(open(f"{run}/history.tsv"), delimiter="\t"))
assert list(hist[0]) == ["epoch", "train_loss", "train_pearson", "valid_loss", "valid_pearson", "test_pearson", "seconds"]
best = max(range(len(hist)), key=lambda i: (float(hist[i]["valid_pearson"]), i))
assert best + 1 == metrics["best_epoch"], (hist, metrics["best_epoch"])
assert abs(float(hist[best]["test_pearson"]) - test) < 1e-5
print(f"{model}: test Pearson r {test:.4f}, Spearman r {metrics['splits']['test']['spearman']:.4f}")
PY
  then ok "$model: metrics.json r, Spearman r and squared error = SciPy's on predictions.tsv and labels.tsv"
  else not_ok "$model: run folder checks"; fi

  # The run's weights score the same genes again: the same r per split.
  if "$PREDICT" --run "$run" --genes "$WORK/genes.tsv" "${mark_flags[@]}" --labels "$WORK/labels.tsv" \
       --out "$WORK/$model-pred" --threads 2 2>"$WORK/$model-pred.log" && "$PY" - "$WORK" "$model" <<'PY'
import sys, json, csv
work, model = sys.argv[1], sys.argv[2]
run = json.load(open(f"{work}/{model}/metrics.json"))
pred = json.load(open(f"{work}/{model}-pred/metrics.json"))
assert pred["target"] == "regression"
for split in ["train", "valid", "test"]:
    for key in ["pearson", "spearman", "mse"]:
        assert abs(pred["splits"][split][key] - run["splits"][split][key]) < 1e-6, (split, key, pred, run)
    assert pred["splits"][split]["genes"] == run["splits"][split]["genes"]
a = list(csv.reader(open(f"{work}/{model}/predictions.tsv"), delimiter="\t"))
b = list(csv.reader(open(f"{work}/{model}-pred/predictions.tsv"), delimiter="\t"))
assert a[0] == b[0] and [r[0] for r in a] == [r[0] for r in b]
assert max(abs(float(x[5]) - float(y[5])) for x, y in zip(a[1:], b[1:])) < 1e-5
PY
  then ok "$model: achrome-predict --labels gives the run's r on the same genes"
  else not_ok "$model: predict: $(tail -2 "$WORK/$model-pred.log")"; fi
done

# The target goes through --config like every training option: the run's options.yaml trains it again.
if "$TRAIN" --config "$WORK/attentivechrome/options.yaml" --out "$WORK/from-config" 2>"$WORK/config.log" \
   && cmp -s "$WORK/attentivechrome/predictions.tsv" "$WORK/from-config/predictions.tsv" \
   && grep -q '"target": "regression"' "$WORK/from-config/model.json"; then
  ok "--config options.yaml retrains the regression run, byte for byte"
else
  not_ok "--config options.yaml: $(tail -2 "$WORK/config.log")"
fi

# The run page shows r, not AUROC, and writes the plotted groups beside it.
if "$REPORT" --run "$WORK/attentivechrome" --out "$WORK/report/run.html" 2>"$WORK/report.log" \
   && grep -q "test Pearson r" "$WORK/report/run.html" && ! grep -q "test AUROC" "$WORK/report/run.html" \
   && [ "$(wc -l < "$WORK/report/run.deciles.tsv")" -eq 11 ]; then
  ok "achrome-report draws the regression run"
else
  not_ok "achrome-report on a regression run: $(tail -2 "$WORK/report.log")"
fi

expect_fail "train: labels without expression refused" \
  "^achrome-train: error: .*imported_labels.tsv: every value is the gene's 0/1 label" \
  "$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/imported_labels.tsv" "${mark_flags[@]}" --out "$WORK/bad" \
  --target regression --epochs 1
if "$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/imported_labels.tsv" "${mark_flags[@]}" --out "$WORK/bad" \
     --target regression --epochs 1 2>/dev/null; then not_ok "exit status 0"
else status=$?; [ "$status" -eq 1 ] && ok "exit status 1" || not_ok "exit status $status, not 1"; fi
if [ -e "$WORK/bad" ] || ls -a "$WORK" | grep -q '^\.bad'; then not_ok "refused run left files"; else ok "refused run left nothing"; fi
expect_fail "predict: labels without expression refused for a regression run" \
  "^achrome-predict: error: .*imported_labels.tsv: every value is the gene's 0/1 label" \
  "$PREDICT" --run "$WORK/attentivechrome" --genes "$WORK/genes.tsv" "${mark_flags[@]}" \
  --labels "$WORK/imported_labels.tsv" --out "$WORK/bad-pred"
expect_fail "unknown --target" "--target" \
  "$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${mark_flags[@]}" --out "$WORK/bad2" --target rpkm
finish
