#!/usr/bin/env bash
# For every one of the 56 epigenomes of the real Roadmap RPKM matrix (all
# columns but E000) and the genes of the published window file, achrome-label's labels equal an
# independent numpy computation of value > median, with a class balance near 50/50 and the paper
# split; then the same run twice is byte-identical.
source "$(dirname "$0")/lib.sh"
need_python numpy
LABEL="$ACHROME_BIN/achrome-label"
MATRIX="$ACHROME_DATA/roadmap/57epigenomes.RPKM.pc.gz"
WINDOWS="$ACHROME_DATA/roadmap/deepchrome.gene_windows.bed"

if "$ACHROME_BIN/achrome-genes" --annotation "$WINDOWS" --duplicates first --out "$WORK/genes.tsv" --quiet; then
  ok "genes.tsv from the published window file"
else
  not_ok "achrome-genes failed"; finish; exit 1
fi

EIDS=$("$PY" -c 'import gzip, sys; print(" ".join(c for c in gzip.open(sys.argv[1], "rt").readline().split()[1:] if c != "E000"))' "$MATRIX")
[ "$(echo $EIDS | wc -w)" -eq 56 ] && ok "56 epigenomes in the matrix" || not_ok "epigenomes: $EIDS"

failed=0
for eid in $EIDS; do
  "$LABEL" --quiet --genes "$WORK/genes.tsv" --expression "$MATRIX" --epigenome "$eid" \
    --out "$WORK/labels/$eid.tsv" 2>>"$WORK/label.log" || failed=$((failed + 1))
done
[ "$failed" -eq 0 ] && ok "achrome-label ran for all 56" || not_ok "$failed runs failed: $(head -5 "$WORK/label.log")"

if "$PY" - "$MATRIX" "$WORK/genes.tsv" "$WORK/labels" $EIDS <<'PYEOF'
import gzip, json, sys
import numpy as np
matrix, genes_path, labels_dir, *eids = sys.argv[1:]
with gzip.open(matrix, "rt") as f:
    header = f.readline().rstrip("\n").split("\t")
    rows = [line.rstrip("\n").split("\t") for line in f]
index = {r[0]: i for i, r in enumerate(rows)}
genes = [l.split("\t")[0] for l in open(genes_path)][1:]
order = [index[g.split(".")[0]] for g in genes if g.split(".")[0] in index]
kept = [g for g in genes if g.split(".")[0] in index]
n = len(kept)
cut = round(n * 6601 / 19802)
split = ["train"] * cut + ["valid"] * cut + ["test"] * (n - 2 * cut)
balances = []
for eid in eids:
    col = header.index(eid)
    values = np.array([float(rows[i][col]) for i in order])
    median = np.median(values)
    expected = (values > median).astype(int)
    got = [l.rstrip("\n").split("\t") for l in open(f"{labels_dir}/{eid}.tsv")]
    assert got[0] == ["gene_id", "value", "label", "split"], (eid, got[0])
    got = got[1:]
    assert len(got) == n, (eid, len(got), n)
    assert [g[0] for g in got] == kept, eid
    assert [float(g[1]) for g in got] == list(values), eid
    assert [int(g[2]) for g in got] == list(expected), eid
    assert [g[3] for g in got] == split, eid
    summary = json.load(open(f"{labels_dir}/{eid}.json"))
    assert summary["epigenome"] == eid and summary["threshold"] == median, (eid, summary["threshold"], median)
    assert summary["positives"] == int(expected.sum()), eid
    balance = expected.mean()
    assert abs(balance - 0.5) < 0.02, (eid, balance)
    balances.append(balance)
print(f"{len(eids)} epigenomes, {n} genes each; positive fraction {min(balances):.4f} .. {max(balances):.4f}")
PYEOF
then ok "labels, splits and thresholds of all 56 equal numpy's value > median"; else not_ok "differs from numpy"; fi

"$LABEL" --quiet --genes "$WORK/genes.tsv" --expression "$MATRIX" --epigenome E116 --out "$WORK/again/E116.tsv"
cmp -s "$WORK/labels/E116.tsv" "$WORK/again/E116.tsv" && ok "rerun gives byte-identical labels" \
  || not_ok "rerun differs"

finish
