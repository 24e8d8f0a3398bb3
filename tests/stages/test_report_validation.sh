#!/usr/bin/env bash
# The run page's check of attention against a mark the model never saw (lib/report/validation.hpp):
# a simulated study with H3K27ac binned beside the five inputs, AttentiveChrome trained on the true
# labels and on the same labels shuffled among the genes. Every correlation in validation.tsv must
# equal numpy's from the run folder's files and the H3K27ac matrix; the learned check must be
# positive for the true labels and clearly lower for the shuffled ones; bad tracks are refused.
source "$(dirname "$0")/lib.sh"
need_python numpy
if [ ! -x "$ACHROME_BIN/achrome-train" ] && [ "${ACHROME_WITH_TORCH:-ON}" != ON ]; then
  echo "ok - skipped: built without LibTorch (no achrome-train)"
  finish
  exit
fi
simulate_small_study H3K27ac
# The same labels, shuffled among the genes (each keeps its split): a model that can learn nothing.
"$PY" - "$WORK/labels.tsv" "$WORK/shuffled.tsv" <<'PY'
import sys
import numpy as np
rows = open(sys.argv[1]).read().splitlines()
body = [r.split("\t") for r in rows[1:]]
order = np.random.default_rng(7).permutation(len(body))
with open(sys.argv[2], "w") as out:
    out.write(rows[0] + "\n")
    for row, source in zip(body, order):
        out.write("\t".join([row[0], body[source][1], body[source][2], row[3]]) + "\n")
PY
for labels in labels shuffled; do
  "$ACHROME_BIN/achrome-train" --genes "$WORK/genes.tsv" --labels "$WORK/$labels.tsv" "${mark_flags[@]}" \
    --out "$WORK/run-$labels" --epigenome E001 --epochs 6 --lr 0.005 --seed 1 -t 2 -q 2>"$WORK/train.log" \
    && ok "trained on $labels" || not_ok "train on $labels: $(tail -2 "$WORK/train.log")"
  # Without --genes: the genes.tsv that geometry.json names, unchanged since the training.
  "$ACHROME_BIN/achrome-report" --run "$WORK/run-$labels" --out "$WORK/reports/$labels.html" \
    --validation "H3K27ac=$WORK/bins/H3K27ac.npy" 2>"$WORK/report.log" \
    && ok "page with the validation track ($labels)" || not_ok "report: $(cat "$WORK/report.log")"
done
grep -q "Attention against a mark the model never saw: H3K27ac" "$WORK/reports/labels.html" \
  && grep -q "r-learned-alpha" "$WORK/reports/labels.html" && ok "the page has the check" || not_ok "no validation section"

# numpy from the files: predicted ON = probability >= 0.5, profiles 5' to 3' (minus-strand genes reversed).
if "$PY" - "$WORK" <<'PY'
import csv, sys
import numpy as np
work = sys.argv[1]
index = {r["gene_id"]: i for i, r in enumerate(csv.DictReader(open(f"{work}/genes.tsv"), delimiter="\t"))}
track_all = np.load(f"{work}/bins/H3K27ac.npy").astype(np.float64)
result = {}
for labels in ("labels", "shuffled"):
    run = f"{work}/run-{labels}"
    genes = list(csv.DictReader(open(f"{run}/attention_genes.tsv"), delimiter="\t"))
    alpha = np.load(f"{run}/alpha.npy")[:, 3, :].astype(np.float64)  # H3K4me3 is the 4th mark
    grad = np.load(f"{run}/saliency.npy")[:, 3, :].astype(np.float64)
    track = track_all[[index[g["gene_id"]] for g in genes]]
    minus = np.array([g["strand"] == "-" for g in genes])
    for a in (alpha, grad, track):
        a[minus] = a[minus][:, ::-1]
    on = np.array([float(g["probability"]) >= 0.5 for g in genes])
    label = np.array([g["label"] == "1" for g in genes])
    r = lambda a, b: np.corrcoef(a, b)[0, 1] if np.std(a) > 0 and np.std(b) > 0 else float("nan")
    contrast = track[label].mean(0) - track[~label].mean(0)
    want = {("learned", "alpha"): r((alpha * grad).mean(0), contrast),
            ("learned", "saliency"): r(grad.mean(0), contrast)}
    if on.any():
        want[("paper", "alpha")] = r(alpha[on].mean(0), track[on].mean(0))
        want[("paper", "saliency")] = r(np.abs(grad[on]).mean(0), track[on].mean(0))
    got = {(row["check"], row["view"]): (float(row["r"]), int(row["genes"]))
           for row in csv.DictReader(open(f"{work}/reports/{labels}.validation.tsv"), delimiter="\t")}
    for key, value in want.items():
        assert abs(got[key][0] - value) < 1e-5, (labels, key, got[key], value)
    assert got[("learned", "alpha")][1] == len(genes)
    if on.any():
        assert got[("paper", "alpha")][1] == on.sum()
    result[labels] = got[("learned", "alpha")][0]
    print(f"# {labels}: " + ", ".join(f"{c} {v} r={got[(c, v)][0]:.3f}" for c, v in sorted(got)))
# The learned check: positive on the true labels, clearly lower on shuffled ones.
assert result["labels"] > 0.5, result
assert result["shuffled"] < result["labels"] - 0.3, result
PY
then ok "validation.tsv equals numpy; learned r positive, lower for shuffled labels"; else not_ok "validation numbers"; fi

# A track binned over another window is refused, naming it; so is a mark the run does not have.
"$ACHROME_BIN/achrome-bin" --genes "$WORK/genes.tsv" --signal "$S/signal/E001/H3K27ac.bw" --out "$WORK/bins/wide.npy" \
  --upstream 10000 --downstream 10000 --bin-size 200 -q
expect_fail "track over another window" "wide.npy: its bins are not the run's" \
  "$ACHROME_BIN/achrome-report" --run "$WORK/run-labels" --out "$WORK/reports/x.html" \
  --validation "H3K27ac=$WORK/bins/wide.npy"
expect_fail "unknown --validation-mark" "--validation-mark H3K4me2: not a mark of the run" \
  "$ACHROME_BIN/achrome-report" --run "$WORK/run-labels" --out "$WORK/reports/x.html" \
  --validation "H3K27ac=$WORK/bins/H3K27ac.npy" --validation-mark H3K4me2
expect_fail "--validation with --summary" "--validation only applies to a run page" \
  "$ACHROME_BIN/achrome-report" --summary --run "$WORK/run-labels" --out "$WORK/reports/s.html" \
  --validation "H3K27ac=$WORK/bins/H3K27ac.npy"
[ ! -e "$WORK/reports/x.html" ] && ok "nothing written on refusal" || not_ok "x.html written"
finish
