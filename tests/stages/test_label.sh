#!/usr/bin/env bash
# achrome-label on the real Roadmap RPKM matrix, compared with numpy; then bad inputs.
source "$(dirname "$0")/lib.sh"
need_python numpy
LABEL="$ACHROME_BIN/achrome-label"
MATRIX="$ACHROME_DATA/roadmap/57epigenomes.RPKM.pc.gz"

# genes.tsv: the matrix's own ids, versioned like GENCODE, plus two genes the matrix lacks.
"$PY" - "$MATRIX" "$WORK/genes.tsv" <<'PYEOF'
import gzip, sys
ids = [line.split("\t")[0] for line in gzip.open(sys.argv[1], "rt")][1:]
ids = ids[:100] + ["ENSG99999999991"] + ids[100:] + ["ENSG99999999992"]
with open(sys.argv[2], "w") as out:
    out.write("gene_id\tname\tchrom\ttss\tstrand\n")
    for i, gene in enumerate(ids):
        out.write(f"{gene}.7\tG{i}\tchr1\t{1000 * i}\t+\n")
PYEOF

for eid in E003 E128; do
  if "$LABEL" --genes "$WORK/genes.tsv" --expression "$MATRIX" --epigenome "$eid" --out "$WORK/labels/$eid.tsv" \
      2>"$WORK/log.$eid"; then
    ok "$eid: runs"
  else
    not_ok "$eid: failed: $(cat "$WORK/log.$eid")"
    continue
  fi
  grep -q "2 of 19797 genes have no value" "$WORK/log.$eid" && ok "$eid: dropped genes counted in the log" \
    || not_ok "$eid: log lacks the dropped count: $(cat "$WORK/log.$eid")"
  if "$PY" - "$MATRIX" "$eid" "$WORK/labels/$eid.tsv" "$WORK/labels/$eid.json" <<'PYEOF'
import gzip, json, sys
import numpy as np
matrix, eid, labels_path, summary_path = sys.argv[1:]
with gzip.open(matrix, "rt") as f:
    header = f.readline().rstrip("\n").split("\t")
    col = header.index(eid)
    rows = [line.rstrip("\n").split("\t") for line in f]
ids = [r[0] for r in rows]
values = np.array([float(r[col]) for r in rows])
median = np.median(values)
n = len(ids)
cut = round(n * 6601 / 19802)
split = ["train"] * cut + ["valid"] * cut + ["test"] * (n - 2 * cut)
got = [l.rstrip("\n").split("\t") for l in open(labels_path)]
assert got[0] == ["gene_id", "value", "label", "split"], got[0]
got = got[1:]
assert len(got) == n, (len(got), n)
for i, (gene, value, label, sp) in enumerate(got):
    assert gene == ids[i] + ".7", (gene, ids[i])
    assert float(value) == values[i], (gene, value, values[i])
    assert int(label) == int(values[i] > median), (gene, value, median)
    assert sp == split[i], (i, sp, split[i])
summary = json.load(open(summary_path))
assert summary["method"] == "median"
assert abs(summary["threshold"] - median) < 1e-12, (summary["threshold"], median)
assert summary["genes_labelled"] == n and summary["genes_dropped"] == 2
assert summary["positives"] == int((values > median).sum())
assert summary["splits"]["test"]["genes"] == n - 2 * cut
assert abs(summary["positives"] / n - 0.5) < 0.01
PYEOF
  then ok "$eid: labels, splits and summary equal numpy's"; else not_ok "$eid: differs from numpy"; fi
done

# Bad inputs: one-line errors, no output left behind.
expect_fail "missing expression file" "nope.tsv" \
  "$LABEL" --genes "$WORK/genes.tsv" --expression "$WORK/nope.tsv" --epigenome E003 --out "$WORK/bad/a.tsv"
expect_fail "unknown epigenome lists the available ones" "no epigenome 'E999'.*available: E000 E003 .* E128" \
  "$LABEL" --genes "$WORK/genes.tsv" --expression "$MATRIX" --epigenome E999 --out "$WORK/bad/b.tsv"
printf 'gene_id\tE003\tE005\nENSG1\t1.0\t2.0\nENSG2\t3.0\tNA\n' > "$WORK/broken.tsv"
expect_fail "non-numeric value names file:line and column" "broken.tsv:3: column E005: 'NA' is not a number" \
  "$LABEL" --genes "$WORK/genes.tsv" --expression "$WORK/broken.tsv" --epigenome E005 --out "$WORK/bad/c.tsv"
expect_fail "no gene in common" "none of the 19797 genes" \
  "$LABEL" --genes "$WORK/genes.tsv" --expression "$WORK/broken.tsv" --epigenome E003 --out "$WORK/bad/d.tsv"
if [ -z "$(ls -A "$WORK/bad" 2>/dev/null)" ]; then ok "no output left by failed runs"; else not_ok "left: $(ls -A "$WORK/bad")"; fi

# The labels file and its summary appear together or not at all: a summary that cannot be written
# (its folder would be under a file; its name is taken by a folder) leaves no labels file either.
touch "$WORK/afile"
head -101 "$WORK/genes.tsv" >"$WORK/genes100.tsv"  # all in the matrix: no warning besides the error
expect_fail "--summary under a file" "afile: cannot create folder" \
  "$LABEL" --genes "$WORK/genes100.tsv" --expression "$MATRIX" --epigenome E003 --out "$WORK/pair/E003.tsv" \
  --summary "$WORK/afile/E003.json" --quiet
mkdir -p "$WORK/pair/E003.json"
expect_fail "--summary that is a folder" "E003.json: is a folder" \
  "$LABEL" --genes "$WORK/genes100.tsv" --expression "$MATRIX" --epigenome E003 --out "$WORK/pair/E003.tsv" --quiet
[ "$(ls -A "$WORK/pair")" = E003.json ] && ok "no labels file without its summary" \
  || not_ok "left: $(ls -A "$WORK/pair")"

finish
