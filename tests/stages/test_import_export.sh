#!/usr/bin/env bash
# achrome-import / achrome-export: the published DeepChrome layout in and back out byte for byte (the
# authors' toy set and a larger synthetic set with large counts and CRLF line endings), values checked
# against numpy, bad inputs rejected with one-line errors naming file:line and leaving no output,
# the DeepDiff variant, and training on the imported toy set.
source "$(dirname "$0")/lib.sh"
need_python numpy
IMPORT="$ACHROME_BIN/achrome-import"
EXPORT="$ACHROME_BIN/achrome-export"
TOY="$ACHROME_TESTS/data/deepchrome-toy"

same_files() {  # same_files what dir_a dir_b: train/valid/test.csv identical byte for byte
  local what="$1" a="$2" b="$3" f
  for f in train valid test; do
    if cmp -s "$a/$f.csv" "$b/$f.csv"; then ok "$what: $f.csv byte-identical"; else not_ok "$what: $f.csv differs"; fi
  done
}

# --- 1. the authors' toy set ---------------------------------------------------------------------
if "$IMPORT" --layout deepchrome --input "$TOY" --out "$WORK/toy" 2>"$WORK/toy.log"; then
  ok "toy: import runs"
else
  not_ok "toy: import failed: $(cat "$WORK/toy.log")"
fi
"$EXPORT" --input "$WORK/toy" --out "$WORK/toy-out" 2>"$WORK/toy-export.log" && ok "toy: export runs" \
  || not_ok "toy: export failed: $(cat "$WORK/toy-export.log")"
same_files toy "$TOY" "$WORK/toy-out"

# The imported files say what the CSVs say (read independently with numpy).
check_import() {  # check_import what csv_dir import_dir
  "$PY" - "$@" <<'PYEOF'
import csv, sys
import numpy as np
what, src, dst = sys.argv[1:]
marks = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
ids, labels, splits, rows = [], [], [], []
for split in ("train", "valid", "test"):
    table = np.loadtxt(f"{src}/{split}.csv", delimiter=",", dtype=str)
    for g in range(0, len(table), 100):
        block = table[g:g + 100]
        ids.append("ENSG00000" + block[0, 0])
        labels.append(int(block[0, -1]))
        splits.append(split)
        rows.append(block[:, 2:7].astype(np.int64))
counts = np.stack(rows)  # [genes, bins, marks]
genes = [line.rstrip("\n").split("\t") for line in open(f"{dst}/genes.tsv")]
assert genes[0] == ["gene_id", "name", "chrom", "tss", "strand"], genes[0]
assert [g[0] for g in genes[1:]] == ids, "genes.tsv ids/order"
for m, mark in enumerate(marks):
    a = np.load(f"{dst}/{mark}.npy")
    assert a.dtype == np.float32 and a.shape == (len(ids), 100), (mark, a.dtype, a.shape)
    assert np.array_equal(a.astype(np.int64), counts[:, :, m]), mark
lab = [line.rstrip("\n").split("\t") for line in open(f"{dst}/labels.tsv")][1:]
assert [r[0] for r in lab] == ids
assert [int(r[2]) for r in lab] == labels and [float(r[1]) for r in lab] == labels
assert [r[3] for r in lab] == splits
PYEOF
}
check_import toy "$TOY" "$WORK/toy" && ok "toy: genes.tsv, npys and labels.tsv match numpy's reading" \
  || not_ok "toy: imported files do not match the CSVs"
grep -q '"line_ending": "LF"' "$WORK/toy/import.json" && ok "toy: import.json records LF" \
  || not_ok "toy: import.json: $(cat "$WORK/toy/import.json")"
# Every matrix describes itself: the published windows (100 bins of 100 bp around tss + 1, genomic order).
if "$PY" - "$WORK/toy" <<'PYEOF'
import hashlib, json, sys
out = sys.argv[1]
for mark in ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]:
    g = json.load(open(f"{out}/{mark}.npy.json"))
    assert (g["upstream"], g["downstream"], g["bin_size"], g["bins"], g["orientation"]) == (5000, 5000, 100, 100, "genomic"), g
    assert g["anchor"] == {"at": "tss", "offset": 1} and g["signal"]["format"] == "deepchrome-csv", g
    assert g["genes"]["md5"] == hashlib.md5(open(f"{out}/genes.tsv", "rb").read()).hexdigest(), g
PYEOF
then ok "toy: a geometry sidecar beside every matrix"; else not_ok "toy: geometry sidecars"; fi

# --- 2. a larger synthetic set: 3 x 200 genes, large counts, CRLF in one file ----------------------
"$PY" - "$WORK/synthetic" <<'PYEOF'
import os, sys
import numpy as np
out = sys.argv[1]
os.makedirs(out)
rng = np.random.default_rng(7)
ids = rng.choice(np.arange(1, 999999), size=600, replace=False)
for s, split in enumerate(("train", "valid", "test")):
    ending = "\r\n" if split == "valid" else "\n"
    lines = []
    for g in ids[200 * s:200 * (s + 1)]:
        label = int(rng.integers(0, 2))
        counts = rng.poisson(rng.uniform(0, 40), size=(100, 5))
        if g % 7 == 0:  # large counts, up to the float32-exact limit 2^24
            counts[rng.integers(0, 100, size=5), rng.integers(0, 5, size=5)] = [16777216, 9999999, 123456, 1000000, 65536]
        for b in range(100):
            lines.append(f"{g:06d},{b + 1}," + ",".join(str(int(v)) for v in counts[b]) + f",{label}")
    text = ending.join(lines) + (ending if split != "test" else "")  # test.csv: no final newline
    open(f"{out}/{split}.csv", "w", newline="").write(text)
PYEOF
if "$IMPORT" --input "$WORK/synthetic" --out "$WORK/syn" 2>"$WORK/syn.log" \
  && "$EXPORT" --input "$WORK/syn" --out "$WORK/syn-out" 2>>"$WORK/syn.log"; then
  ok "synthetic: import and export run"
else
  not_ok "synthetic: failed: $(cat "$WORK/syn.log")"
fi
same_files synthetic "$WORK/synthetic" "$WORK/syn-out"
check_import synthetic "$WORK/synthetic" "$WORK/syn" && ok "synthetic: imported files match numpy's reading" \
  || not_ok "synthetic: imported files do not match the CSVs"

# --annotation: coordinates from a genes.tsv, matched by unversioned id.
printf 'gene_id\tname\tchrom\ttss\tstrand\nENSG00000000005.5\tTNMD\tchrX\t99894988\t-\n' >"$WORK/annotation.tsv"
"$IMPORT" --input "$TOY" --out "$WORK/toy-annotated" --annotation "$WORK/annotation.tsv" 2>"$WORK/ann.log" || true
if grep -qP '^ENSG00000000005\tTNMD\tchrX\t99894988\t-$' "$WORK/toy-annotated/genes.tsv" 2>/dev/null \
  && grep -qP '^ENSG00000000003\tENSG00000000003\t\.\t0\t\+$' "$WORK/toy-annotated/genes.tsv" \
  && grep -q '29 of 30 genes are not in' "$WORK/ann.log"; then
  ok "annotation: coordinates applied, the others counted in the log"
else
  not_ok "annotation: $(cat "$WORK/ann.log" "$WORK/toy-annotated/genes.tsv" 2>&1 | head -5)"
fi

# Values that are not counts: written with decimals and a warning; import then rejects them.
"$PY" -c "import numpy as np, sys; a = np.load(sys.argv[1]); a[0, 0] = 0.5; np.save(sys.argv[1], a)" "$WORK/toy/H3K4me3.npy"
if "$EXPORT" --input "$WORK/toy" --out "$WORK/toy-float" 2>"$WORK/float.log" \
  && grep -q 'not integral' "$WORK/float.log" && head -1 "$WORK/toy-float/train.csv" | grep -qx '000003,1,0,1,0,0.5,0,1'; then
  ok "export: a non-integral value is printed as 0.5 with a warning"
else
  not_ok "export of a non-integral value: $(cat "$WORK/float.log")"
fi
expect_fail "import rejects the decimals" "train.csv:1: H3K4me3: '0.5' is not a read count" \
  "$IMPORT" --input "$WORK/toy-float" --out "$WORK/never"

# --- 3. bad inputs: one-line error naming file:line, non-zero exit, nothing written ---------------
bad_case() {  # bad_case what pattern python-edit: edits rows (list of lines of train.csv) in place
  local what="$1" pattern="$2" edit="$3" dir="$WORK/bad-$RANDOM"
  mkdir -p "$dir"
  cp "$TOY"/*.csv "$dir/" && chmod u+w "$dir"/*.csv
  "$PY" - "$dir" "$edit" <<'PYEOF'
import sys
d, edit = sys.argv[1:]
train = open(f"{d}/train.csv").read().split("\n")[:-1]
valid = open(f"{d}/valid.csv").read().split("\n")[:-1]
exec(edit)
open(f"{d}/train.csv", "w").write("".join(l + "\n" for l in train))
open(f"{d}/valid.csv", "w").write("".join(l + "\n" for l in valid))
PYEOF
  expect_fail "$what" "$pattern" "$IMPORT" --input "$dir" --out "$dir/out"
  if [ -e "$dir/out" ]; then not_ok "$what: output left behind: $(ls -a "$dir/out")"; else ok "$what: no output left"; fi
}
bad_case "wrong column count" "train.csv:3: expected 8 comma-separated columns" 'train[2] = "000003,3,0,5,2,6,1"'
bad_case "non-integer count" "train.csv:4: H3K4me1: '2.5' is not a read count" 'train[3] = "000003,4,1,2,2.5,2,1,1"'
bad_case "bins out of order" "train.csv:5: bin 6 where bin 5 was expected for gene 000003" 'train[4] = "000003,6,2,2,1,16,1,1"'
bad_case "gene with too few bins" "train.csv:100: gene 000003 ends after 99 of 100 bins" 'del train[99]'
bad_case "label change within a gene" "train.csv:150: label of gene 000005 changes from 0 to 1" \
  'train[149] = train[149][:-1] + "1"'
bad_case "gene in two files" "valid.csv:1001: gene 000005 is also in .*train.csv:101" 'valid += train[100:200]'
bad_case "empty file" "train.csv: empty file" 'train = []'
expect_fail "missing folder" "does not exist|not exist" "$IMPORT" --input "$WORK/nowhere" --out "$WORK/never"
expect_fail "wrong mark count" "train.csv:1: expected 7 comma-separated columns" \
  "$IMPORT" --input "$TOY" --out "$WORK/never" --marks H3K27me3,H3K36me3,H3K4me1,H3K4me3
[ -e "$WORK/never" ] && not_ok "failed imports left $WORK/never" || ok "failed imports left no output folder"
# All files of an import or none: labels.tsv cannot be written (a folder has its name), so genes.tsv
# and the matrices must not appear either.
mkdir -p "$WORK/clash/labels.tsv"
expect_fail "an output that cannot be written" "labels.tsv: is a folder" \
  "$IMPORT" --input "$TOY" --out "$WORK/clash" --quiet
[ "$(ls -A "$WORK/clash")" = labels.tsv ] && ok "a failed import writes none of its files" \
  || not_ok "a failed import left: $(ls -A "$WORK/clash")"

# Export: a labels.tsv naming a gene that genes.tsv lacks; a matrix of the wrong height.
cp -r "$WORK/syn" "$WORK/syn-bad"
printf 'ENSG00000999999\t1\t1\ttest\n' >>"$WORK/syn-bad/labels.tsv"
expect_fail "export: label for an unknown gene" "gene ENSG00000999999 is not in genes.tsv" \
  "$EXPORT" --input "$WORK/syn-bad" --out "$WORK/syn-bad-out"
cp "$WORK/toy/H3K9me3.npy" "$WORK/syn-bad/H3K9me3.npy"
cp "$WORK/syn/labels.tsv" "$WORK/syn-bad/labels.tsv"
expect_fail "export: matrix of the wrong height" "H3K9me3.npy: shape must be \[600 genes, bins\]" \
  "$EXPORT" --input "$WORK/syn-bad" --out "$WORK/syn-bad-out"
[ -e "$WORK/syn-bad-out" ] && not_ok "failed export left output" || ok "failed exports left no output"

# --- 4. the DeepDiff variant: ENSG_SYMBOL_bin rows, 200 bins, no labels -----------------------------
"$PY" - "$WORK/E004.train.csv" "$WORK/deepdiff-labels.tsv" <<'PYEOF'
import sys
import numpy as np
rng = np.random.default_rng(3)
genes = [("ENSG00000000003", "TSPAN6"), ("ENSG00000000005", "TNMD"), ("ENSG00000000419", "DPM1"), ("ENSG00000230417", "LINC_00856")]
with open(sys.argv[1], "w") as f:
    for gid, sym in genes:
        for b in range(200):
            f.write(f"{gid}_{sym}_{b + 1}," + ",".join(str(v) for v in rng.poisson(5 + b % 7, size=5)) + "\n")
with open(sys.argv[2], "w") as f:
    f.write("gene_id\tvalue\tlabel\tsplit\nENSG00000000419.12\t12.5\t1\ttrain\nENSG00000000003\t0.25\t0\tvalid\nENSG00000999999\t3\t1\ttest\n")
PYEOF
MARKS=H3K4me3,H3K27me3,H3K36me3,H3K4me1,H3K9me3
if "$IMPORT" --layout deepdiff --input "$WORK/E004.train.csv" --out "$WORK/dd" --marks "$MARKS" 2>"$WORK/dd.log" \
  && grep -q 'no labels' "$WORK/dd.log" && [ ! -e "$WORK/dd/labels.tsv" ]; then
  ok "deepdiff: imports without labels and says so"
else
  not_ok "deepdiff: $(cat "$WORK/dd.log")"
fi
"$PY" - "$WORK/E004.train.csv" "$WORK/dd" "$MARKS" <<'PYEOF' && ok "deepdiff: genes.tsv and [genes, 200] npys match the file" || not_ok "deepdiff: content differs"
import sys
import numpy as np
src, dst, marks = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
rows = [line.rstrip("\n").split(",") for line in open(src)]
genes = [line.rstrip("\n").split("\t") for line in open(f"{dst}/genes.tsv")][1:]
assert [(g[0], g[1]) for g in genes] == [("ENSG00000000003", "TSPAN6"), ("ENSG00000000005", "TNMD"),
                                         ("ENSG00000000419", "DPM1"), ("ENSG00000230417", "LINC_00856")], genes
values = np.array([[int(v) for v in r[1:]] for r in rows]).reshape(4, 200, 5)
for m, mark in enumerate(marks):
    a = np.load(f"{dst}/{mark}.npy")
    assert a.shape == (4, 200) and a.dtype == np.float32, a.shape
    assert np.array_equal(a, values[:, :, m]), mark
PYEOF
if "$IMPORT" --layout deepdiff --input "$WORK/E004.train.csv" --out "$WORK/dd-labelled" --marks "$MARKS" \
    --labels "$WORK/deepdiff-labels.tsv" 2>"$WORK/dd2.log" \
  && [ "$(cut -f1,3,4 "$WORK/dd-labelled/labels.tsv" | tr '\t' ' ' | tr '\n' ';')" = \
       "gene_id label split;ENSG00000000003 0 valid;ENSG00000000419 1 train;" ]; then
  ok "deepdiff: --labels attaches labels in genes.tsv order"
else
  not_ok "deepdiff --labels: $(cat "$WORK/dd2.log" "$WORK/dd-labelled/labels.tsv" 2>&1)"
fi
head -199 "$WORK/E004.train.csv" >"$WORK/E004.short.csv"
expect_fail "deepdiff: a gene short of 200 bins" "E004.short.csv:199: gene ENSG00000000003 ends after 199 of 200 bins" \
  "$IMPORT" --layout deepdiff --input "$WORK/E004.short.csv" --out "$WORK/never"

# --- 5. training on the imported toy set ----------------------------------------------------------
# achrome-train is only absent when the build was configured without LibTorch (ACHROME_WITH_TORCH=OFF).
TRAIN="$ACHROME_BIN/achrome-train"
if [ -x "$TRAIN" ] || [ "${ACHROME_WITH_TORCH:-ON}" = ON ]; then
  marks_args=()
  for mark in H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3; do marks_args+=(--mark "$mark=$WORK/toy-train/$mark.npy"); done
  "$IMPORT" --input "$TOY" --out "$WORK/toy-train" 2>/dev/null
  if "$TRAIN" --genes "$WORK/toy-train/genes.tsv" --labels "$WORK/toy-train/labels.tsv" "${marks_args[@]}" \
      --out "$WORK/run" --epochs 2 >"$WORK/train.log" 2>&1 && [ -s "$WORK/run/metrics.json" ]; then
    ok "train: 2 epochs on the imported toy set write metrics.json"
  else
    not_ok "train on the imported toy set: $(tail -5 "$WORK/train.log")"
  fi
else
  echo "# built without LibTorch: training check skipped"
fi

finish
