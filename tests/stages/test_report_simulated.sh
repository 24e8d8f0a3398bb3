#!/usr/bin/env bash
# The run page on a simulated study, end to end (simulate, genes, label, bin, train, report): the
# bins carry geometry sidecars, the run folder geometry.json and strands, and the page draws every
# gene 5' to 3'. achrome-simulate plants H3K4me3 at the TSS and H3K36me3 over the gene body
# downstream of it, so with minus-strand genes read backwards the ON genes' H3K36me3 rises
# downstream and not upstream; the page's profiles.tsv must equal the strand-corrected means
# recomputed here from the matrices, and averaging the strands without reversing would not.
source "$(dirname "$0")/lib.sh"
need_python numpy
if [ ! -x "$ACHROME_BIN/achrome-train" ] && [ "${ACHROME_WITH_TORCH:-ON}" != ON ]; then
  echo "ok - skipped: built without LibTorch (no achrome-train)"
  finish
  exit
fi
simulate_small_study

# Sidecars: what the columns are and what they came from.
if "$PY" - "$WORK" <<'PY'
import hashlib, json, os, sys
work = sys.argv[1]
for mark in ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]:
    g = json.load(open(f"{work}/bins/{mark}.npy.json"))
    assert (g["upstream"], g["downstream"], g["bin_size"], g["bins"]) == (5000, 5000, 100, 100), g
    assert g["anchor"] == {"at": "tss", "offset": 1} and g["orientation"] == "genomic", g
    assert g["genes"]["md5"] == hashlib.md5(open(f"{work}/genes.tsv", "rb").read()).hexdigest(), g
    assert g["genes"]["genes"] == sum(1 for _ in open(f"{work}/genes.tsv")) - 1, g
    signal = f"{work}/study/signal/E001/{mark}.bw"
    assert g["signal"]["format"] == "bigwig" and g["signal"]["size"] == os.path.getsize(signal), g
PY
then ok "every matrix has its geometry sidecar"; else not_ok "sidecars"; fi

"$ACHROME_BIN/achrome-train" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${mark_flags[@]}" \
  --out "$WORK/run" --epigenome E001 --epochs 6 --lr 0.005 --seed 1 -t 2 -q 2>"$WORK/train.log" \
  && ok "trained" || not_ok "train: $(tail -2 "$WORK/train.log")"
if "$PY" - "$WORK" <<'PY'
import csv, json, sys
work = sys.argv[1]
g = json.load(open(f"{work}/run/geometry.json"))
assert g["bins"] == 100 and g["orientation"] == "genomic" and list(g["signals"]) == \
    ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"], g
strand = {r["gene_id"]: r["strand"] for r in csv.DictReader(open(f"{work}/genes.tsv"), delimiter="\t")}
rows = list(csv.DictReader(open(f"{work}/run/attention_genes.tsv"), delimiter="\t"))
assert rows and all(r["strand"] == strand[r["gene_id"]] for r in rows)
assert {r["strand"] for r in rows} == {"+", "-"}
PY
then ok "run folder has geometry.json and the test genes' strands"; else not_ok "geometry.json / strands"; fi

gene=$(awk -F'\t' 'NR == 2 {print $1}' "$WORK/run/attention_genes.tsv")
page="$WORK/reports/E001.html"
"$ACHROME_BIN/achrome-report" --run "$WORK/run" --out "$page" --genes "$WORK/genes.tsv" "${mark_flags[@]}" \
  --gene "$gene" 2>"$WORK/report.log" && ok "page written" || not_ok "report: $(cat "$WORK/report.log")"
for table in profiles heatmap beta named_genes roc; do
  [ -s "$WORK/reports/E001.$table.tsv" ] || not_ok "no E001.$table.tsv"
done
grep -q "kb from TSS, 5&#39; to 3&#39;" "$page" && grep -q "are drawn reversed" "$page" \
  && ok "axis and caption say 5' to 3'" || not_ok "axis label or orientation caption missing"
[ -z "$(ls -A "$WORK/reports" | grep tmp)" ] || not_ok "temporaries left: $(ls -A "$WORK/reports")"

if "$PY" - "$WORK" <<'PY'
import csv, sys
import numpy as np
work = sys.argv[1]
rows = list(csv.DictReader(open(f"{work}/run/attention_genes.tsv"), delimiter="\t"))
index = {r["gene_id"]: i for i, r in enumerate(csv.DictReader(open(f"{work}/genes.tsv"), delimiter="\t"))}
prof = {}
for r in csv.DictReader(open(f"{work}/reports/E001.profiles.tsv"), delimiter="\t"):
    prof.setdefault((r["mark"], r["group"], r["kind"]), []).append((float(r["kb"]), float(r["value"])))
kb = np.array([k for k, _ in prof[("H3K36me3", "ON", "signal")]])
assert len(kb) == 100 and abs(kb[0] + 4.95) < 1e-9 and abs(kb[-1] - 4.95) < 1e-9
on = [r for r in rows if r["label"] == "1"]
for mark in ["H3K36me3", "H3K4me3"]:
    m = np.load(f"{work}/bins/{mark}.npy")
    x = np.array([m[index[r["gene_id"]]][::-1] if r["strand"] == "-" else m[index[r["gene_id"]]] for r in on])
    want = x.mean(axis=0)
    got = np.array([v for _, v in prof[(mark, "ON", "signal")]])
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6), (mark, got[:5], want[:5])
    # Without reversing the minus strand the profile would differ: the check has teeth.
    mixed = np.array([m[index[r["gene_id"]]] for r in on]).mean(axis=0)
    assert not np.allclose(got, mixed, rtol=1e-3), mark

def means(mark, kind):
    v = np.array([v for _, v in prof[(mark, "ON", kind)]])
    return v[kb < -1].mean(), v[np.abs(kb) < 1].mean(), v[kb > 1].mean()

# Means over the bins more than 1 kb upstream, within 1 kb, and more than 1 kb downstream of the TSS.
for kind in ["signal", "saliency", "alpha"]:
    for mark in ["H3K36me3", "H3K4me3"]:
        print(f"{mark} ON {kind}: upstream %.5f TSS %.5f downstream %.5f" % means(mark, kind))
up, mid, down = means("H3K36me3", "signal")
assert down > 1.4 * up and down > 1.4 * mid, ("H3K36me3 signal", up, mid, down)
up, mid, down = means("H3K4me3", "signal")
assert mid > 4 * max(up, down), ("H3K4me3 signal", up, mid, down)
up, mid, down = means("H3K36me3", "saliency")
assert down > 1.1 * up, ("H3K36me3 saliency", up, down)
up, mid, down = means("H3K4me3", "saliency")
assert mid > 4 * max(up, down), ("H3K4me3 saliency", up, mid, down)
up, mid, down = means("H3K4me3", "alpha")
assert mid > 2 * max(up, down), ("H3K4me3 alpha", up, mid, down)
PY
then ok "ON genes: H3K36me3 rises downstream, H3K4me3 peaks at the TSS (signal, saliency; alpha of H3K4me3)"
else not_ok "profiles.tsv"; fi

# Without --genes/--mark the page takes the matrices geometry.json names, when they are unchanged.
"$ACHROME_BIN/achrome-report" --run "$WORK/run" --out "$WORK/auto/E001.html" -q \
  && cmp -s "$WORK/auto/E001.profiles.tsv" "$WORK/reports/E001.profiles.tsv" \
  && ok "input signal found through geometry.json" || not_ok "signal through geometry.json differs or is missing"
cp "$WORK/bins/H3K9me3.npy" "$WORK/H3K9me3.keep"
"$PY" -c "import numpy as np, sys; a = np.load(sys.argv[1]); a[0, 0] += 1; np.save(sys.argv[1], a)" "$WORK/bins/H3K9me3.npy"
"$ACHROME_BIN/achrome-report" --run "$WORK/run" --out "$WORK/auto/E001.html" 2>"$WORK/auto.log" \
  && grep -q "H3K9me3.npy changed since the training" "$WORK/auto.log" && ! grep -q $'\tsignal\t' "$WORK/auto/E001.profiles.tsv" \
  && ok "a changed matrix is not drawn as the run's input" || not_ok "changed matrix: $(cat "$WORK/auto.log")"
mv "$WORK/H3K9me3.keep" "$WORK/bins/H3K9me3.npy"

# The window given on the command line must agree with geometry.json.
expect_fail "--upstream contradicting geometry.json" "--upstream 2000 disagrees with .*geometry.json \(upstream 5000\)" \
  "$ACHROME_BIN/achrome-report" --run "$WORK/run" --out "$WORK/bad/E001.html" --upstream 2000
expect_fail "--gene that is not a test gene" "--gene NOPE: not a test gene" \
  "$ACHROME_BIN/achrome-report" --run "$WORK/run" --out "$WORK/bad/E001.html" --gene NOPE
# Marks binned over different windows cannot feed one model.
"$ACHROME_BIN/achrome-bin" --genes "$WORK/genes.tsv" --signal "$S/signal/E001/H3K9me3.bw" --out "$WORK/bins2/H3K9me3.npy" \
  --upstream 2000 --downstream 8000 -q
odd=("${mark_flags[@]:0:8}" --mark "H3K9me3=$WORK/bins2/H3K9me3.npy")
expect_fail "marks with different windows" "bins2/H3K9me3.npy.json: its bins differ from those of .*bins/H3K27me3.npy.json \(upstream 5000 vs 2000\)" \
  "$ACHROME_BIN/achrome-train" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${odd[@]}" --out "$WORK/bad/run" --epochs 1 -q
# ... nor be scored by a model trained on another window, though the bin count is the same (100 bins).
wide=()
for m in $MARKS; do
  "$ACHROME_BIN/achrome-bin" --genes "$WORK/genes.tsv" --signal "$S/signal/E001/$m.bw" --out "$WORK/wide/$m.npy" \
    --upstream 10000 --downstream 10000 --bin-size 200 -t 2 -q
  wide+=(--mark "$m=$WORK/wide/$m.npy")
done
expect_fail "predict on bins over another window" "wide/H3K27me3.npy: its bins are not those the model was trained on \(.*: upstream 5000 vs 10000" \
  "$ACHROME_BIN/achrome-predict" --run "$WORK/run" --genes "$WORK/genes.tsv" "${wide[@]}" --out "$WORK/bad/predict"
"$ACHROME_BIN/achrome-predict" --run "$WORK/run" --genes "$WORK/genes.tsv" "${mark_flags[@]}" --out "$WORK/predict" -q \
  && ok "predict on the training window" || not_ok "predict on the same window failed"
[ -z "$(ls -A "$WORK/bad" 2>/dev/null)" ] && ok "nothing left by the failures" || not_ok "left: $(ls -A "$WORK/bad")"

finish
