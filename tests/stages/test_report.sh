#!/usr/bin/env bash
# achrome-report on two run folders made with numpy to the docs/formats.md "Run folder" contract:
# pages exist, are self-contained, state the AUROCs; a folder without metrics.json fails cleanly.
source "$(dirname "$0")/lib.sh"
need_python numpy
REPORT="$ACHROME_BIN/achrome-report"

"$PY" - "$WORK/runs" <<'PYEOF'
import json, os, sys
import numpy as np

def roc_auc(scores, labels):
    # Mann-Whitney with mid-ranks, as sklearn's roc_auc_score
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    s = scores[order]
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        ranks[order[i:j]] = (i + j - 1) / 2 + 1
        i = j
    pos = labels.sum(); neg = len(labels) - pos
    return (ranks[labels == 1].sum() - pos * (pos + 1) / 2) / (pos * neg)

marks = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
for eid, signal, seed in [("E003", 1.5, 1), ("E128", 0.6, 2)]:
    rng = np.random.default_rng(seed)
    run = os.path.join(sys.argv[1], eid, "attentivechrome")
    os.makedirs(run)
    n = 300
    genes = [f"ENSG{eid}{i:05d}" for i in range(n)]
    split = np.array(["train"] * 100 + ["valid"] * 100 + ["test"] * 100)
    label = rng.integers(0, 2, n)
    logit = (label * 2 - 1) * signal + rng.normal(0, 1, n)
    genes[250], label[250], logit[250] = "GENE<&\"x>", 1, 9.0  # the top test gene needs escaping
    prob = 1 / (1 + np.exp(-logit))
    with open(os.path.join(run, "predictions.tsv"), "w") as f:
        f.write("gene_id\tsplit\tlabel\tlogit\tprobability\n")
        for g, s, l, z, p in zip(genes, split, label, logit, prob):
            f.write(f"{g}\t{s}\t{l}\t{z:.6f}\t{p:.6f}\n")
    aurocs = {s: roc_auc(logit[split == s].astype(np.float32), label[split == s]) for s in ("train", "valid", "test")}
    metrics = {"model": "attentivechrome", "epigenome": eid, "marks": marks, "bins": 100, "best_epoch": 4,
               "epochs_run": 6, "seed": seed, "device": "cpu",
               "splits": {s: {"auroc": aurocs[s], "aupr": 0.7, "loss": 0.55, "genes": 100} for s in aurocs},
               "data": {"labels": "0" * 32, "inputs": {m: "1" * 32 for m in marks}},
               "software": {"achrome": "0.1.0", "libtorch": "1.13"},
               "hyperparameters": {"lr": 2e-4, "batch_size": 16}}
    json.dump(metrics, open(os.path.join(run, "metrics.json"), "w"), indent=1)
    with open(os.path.join(run, "history.tsv"), "w") as f:
        f.write("epoch\ttrain_loss\ttrain_auroc\tvalid_loss\tvalid_auroc\ttest_auroc\tseconds\n")
        for e in range(1, 7):
            f.write(f"{e}\t{0.7 - 0.03 * e:.4f}\t{0.6 + 0.04 * e:.4f}\t{0.68 - 0.02 * e:.4f}\t{0.6 + 0.03 * e:.4f}\t{0.6 + 0.028 * e:.4f}\t1.5\n")
    test = np.where(split == "test")[0]
    alpha = rng.random((len(test), 5, 100)).astype(np.float32)
    alpha[label[test] == 1, 3, 45:55] += 5  # H3K4me3 at the TSS for ON genes
    alpha /= alpha.sum(axis=2, keepdims=True)
    beta = rng.random((len(test), 5)).astype(np.float32)
    beta /= beta.sum(axis=1, keepdims=True)
    np.save(os.path.join(run, "alpha.npy"), alpha)
    np.save(os.path.join(run, "beta.npy"), beta)
    with open(os.path.join(run, "attention_genes.tsv"), "w") as f:
        f.write("gene_id\tlabel\tlogit\tprobability\n")
        for i in test:
            f.write(f"{genes[i]}\t{label[i]}\t{logit[i]:.6f}\t{prob[i]:.6f}\n")
    with open(os.path.join(sys.argv[1], eid + ".auroc"), "w") as f:
        f.write(f"{aurocs['test']:.4f}\n")
PYEOF

# A title is text, never markup.
"$REPORT" --run "$WORK/runs/E003/attentivechrome" --out "$WORK/reports/titled.html" --title 'E003 <script>x</script> & co' 2>/dev/null
grep -q '<h1>E003 &lt;script&gt;x&lt;/script&gt; &amp; co</h1>' "$WORK/reports/titled.html" && ! grep -q '<script' "$WORK/reports/titled.html" \
  && ok "title escaped" || not_ok "title not escaped"

# Links and self-containment: no external src/href, no scripts.
self_contained() {
  ! grep -qiE '(src|href)="?(https?:)?//' "$1" && ! grep -qi '<script' "$1" && ! grep -qi '<link' "$1"
}

for eid in E003 E128; do
  page="$WORK/reports/$eid.html"
  if "$REPORT" --run "$WORK/runs/$eid/attentivechrome" --out "$page" 2>"$WORK/log.$eid" && [ -s "$page" ]; then
    ok "$eid: page written"
  else
    not_ok "$eid: $(cat "$WORK/log.$eid")"
    continue
  fi
  self_contained "$page" && ok "$eid: self-contained" || not_ok "$eid: refers to external resources"
  auroc=$(cat "$WORK/runs/$eid.auroc")
  grep -q "AUROC = $auroc" "$page" && ok "$eid: ROC states the test AUROC $auroc" || not_ok "$eid: no 'AUROC = $auroc'"
  [ "$(grep -c '<svg' "$page")" -ge 9 ] && ok "$eid: ROC, history, 5 alpha and 1 beta charts" \
    || not_ok "$eid: $(grep -c '<svg' "$page") charts"
  grep -q "<td class=\"text\">ENSG$eid" "$page" && ok "$eid: top genes table" || not_ok "$eid: no top genes table"
  # Tables beside the page; this fixture's attention_genes.tsv predates the strand column.
  [ "$(grep -c $'^H3K4me3\tON\talpha\t' "$WORK/reports/$eid.profiles.tsv")" = 100 ] && [ -s "$WORK/reports/$eid.beta.tsv" ] \
    && [ -s "$WORK/reports/$eid.heatmap.tsv" ] && [ -s "$WORK/reports/$eid.roc.tsv" ] \
    && ok "$eid: tables beside the page" || not_ok "$eid: tables missing"
  grep -q "records no strands" "$page" && ok "$eid: says the strands are unknown" || not_ok "$eid: no note on strands"
  grep -q '<td class="text">GENE&lt;&amp;&quot;x&gt;</td>' "$page" && ! grep -q 'GENE<&' "$page" \
    && ok "$eid: gene names escaped" || not_ok "$eid: gene name not escaped"
done

if "$REPORT" --summary --run "$WORK/runs/E003/attentivechrome" --run "$WORK/runs/E128/attentivechrome" \
    --out "$WORK/reports/summary.html" 2>"$WORK/log.summary"; then
  ok "summary written"
  self_contained "$WORK/reports/summary.html" && ok "summary self-contained" || not_ok "summary refers to external resources"
  grep -q 'href="E003.html"' "$WORK/reports/summary.html" && grep -q 'href="E128.html"' "$WORK/reports/summary.html" \
    && ok "summary links the run pages" || not_ok "summary lacks links"
  for eid in E003 E128; do
    auroc=$(cat "$WORK/runs/$eid.auroc")
    grep -q "<b>$auroc</b>" "$WORK/reports/summary.html" && ok "summary shows $eid test AUROC" || not_ok "summary lacks $auroc"
  done
  if "$PY" - "$WORK/reports/summary.tsv" "$WORK/runs" <<'PYEOF'
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
assert rows[0] == ["epigenome", "model", "best_epoch", "train_auroc", "train_aupr", "valid_auroc", "valid_aupr",
                   "test_auroc", "test_aupr", "genes"], rows[0]
assert [r[0] for r in rows[1:]] == ["E003", "E128"]
for r in rows[1:]:
    want = float(open(f"{sys.argv[2]}/{r[0]}.auroc").read())
    assert abs(float(r[7]) - want) < 6e-5, (r, want)
    assert r[1] == "attentivechrome" and r[2] == "4" and r[9] == "300", r
PYEOF
  then ok "summary.tsv columns and values"; else not_ok "summary.tsv"; fi
else
  not_ok "summary: $(cat "$WORK/log.summary")"
fi

# Failures: one line, no page.
mkdir -p "$WORK/runs/empty"
expect_fail "run folder without metrics.json" "metrics.json" \
  "$REPORT" --run "$WORK/runs/empty" --out "$WORK/bad/E000.html"
expect_fail "summary with a run lacking metrics.json" "empty/metrics.json" \
  "$REPORT" --summary --run "$WORK/runs/E003/attentivechrome" --run "$WORK/runs/empty" --out "$WORK/bad/summary.html"
cp -r "$WORK/runs/E003/attentivechrome" "$WORK/runs/broken"
printf 'gene_id\tsplit\tlabel\tlogit\tprobability\nG1\ttest\t1\tabc\t0.5\n' > "$WORK/runs/broken/predictions.tsv"
expect_fail "malformed predictions.tsv names file:line" "predictions.tsv:2: logit: 'abc' is not a number" \
  "$REPORT" --run "$WORK/runs/broken" --out "$WORK/bad/broken.html"
# A NaN logit has no rank: an error naming file:line, never a hang.
cp -r "$WORK/runs/E003/attentivechrome" "$WORK/runs/nan"
sed -i '3s/\t[^\t]*\t\([^\t]*\)$/\tnan\t\1/' "$WORK/runs/nan/predictions.tsv"
expect_fail "a nan logit names file:line" "predictions.tsv:3: logit 'nan' is not finite" \
  timeout 60 "$REPORT" --run "$WORK/runs/nan" --out "$WORK/bad/nan.html"
# alpha.npy must be [test genes, marks, bins] of the run (metrics.json says 100 bins).
cp -r "$WORK/runs/E003/attentivechrome" "$WORK/runs/bins"
"$PY" -c "import numpy as np, sys; a = np.load(sys.argv[1]); np.save(sys.argv[1], a[:, :, :50] / a[:, :, :50].sum(-1, keepdims=True))" \
  "$WORK/runs/bins/alpha.npy"
expect_fail "alpha.npy with other bins names the file and both shapes" \
  "bins/alpha.npy: shape \[100, 5, 50\] but the run has \[genes, marks, bins\] = \[100, 5, 100\]" \
  "$REPORT" --run "$WORK/runs/bins" --out "$WORK/bad/bins.html"
# One run twice would count twice in the summary's statistics.
expect_fail "summary with the same run twice" "--run .*E003/attentivechrome/: the same run folder is given twice" \
  "$REPORT" --summary --run "$WORK/runs/E003/attentivechrome" --run "$WORK/runs/E128/attentivechrome" \
  --run "$WORK/runs/E003/attentivechrome/" --out "$WORK/bad/twice.html"
[ -z "$(ls -A "$WORK/bad" 2>/dev/null)" ] && ok "no page left by failed runs" || not_ok "left: $(ls -A "$WORK/bad")"

finish
