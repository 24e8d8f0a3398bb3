#!/usr/bin/env bash
# achrome-genes on the real GENCODE v10 annotation: for the 19,802 genes of the published
# AttentiveChrome window file, our TSS and window must equal the published windows exactly.
source "$(dirname "$0")/lib.sh"
roadmap="$ACHROME_DATA/roadmap"

"$ACHROME_BIN/achrome-genes" --annotation "$roadmap/gencode.v10.genes.gtf.gz" --strip-version --out "$WORK/genes.tsv" -q \
  && ok "GENCODE v10 read" || not_ok "achrome-genes failed on GENCODE v10"

"$PY" - "$WORK/genes.tsv" "$roadmap/deepchrome.gene_windows.bed" <<'PY' && ok "TSS = published window midpoints for all 19,802 genes" || not_ok "TSS differs from published windows"
import sys
genes = {}
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        gid, name, chrom, tss, strand = line.rstrip("\n").split("\t")
        genes[gid] = (chrom, int(tss), strand)
n = bad = 0
for line in open(sys.argv[2]):
    chrom, start, end, label = line.split()
    gid = label.split("_")[0]
    n += 1
    g = genes[gid]
    # achrome's window rule (genome/window.hpp) at +-10 kb: [tss + 1 - 10000, tss + 1 + 10000)
    if g[0] != chrom or g[1] + 1 - 10000 != int(start) or g[1] + 1 + 10000 != int(end):
        bad += 1
        if bad < 5: print("mismatch", gid, g, chrom, start, end)
print(n, "windows,", bad, "mismatches")
assert n == 19802 and bad == 0
PY

# The same check through the stage alone: GENCODE restricted to the published genes (--keep-ids) and
# the published window file read as BED (TSS = midpoint) must give the same TSS table.
"$ACHROME_BIN/achrome-genes" --annotation "$roadmap/gencode.v10.genes.gtf.gz" --strip-version \
  --keep-ids "$roadmap/deepchrome.gene_windows.bed" --out "$WORK/gencode_published.tsv" -q
# The window file lists 7 Ensembl ids twice (two symbols, one window): 19,802 rows, 19,795 ids.
expect_fail "duplicate ids are an error by default" "7 gene ids occur more than once" \
  "$ACHROME_BIN/achrome-genes" --annotation "$roadmap/deepchrome.gene_windows.bed" --out "$WORK/windows.tsv"
"$ACHROME_BIN/achrome-genes" --annotation "$roadmap/deepchrome.gene_windows.bed" --duplicates first --out "$WORK/windows.tsv" -q 2>/dev/null
[ "$(wc -l < "$WORK/gencode_published.tsv")" -eq 19796 ] && ok "--keep-ids keeps the 19,795 published gene ids" || not_ok "--keep-ids count"
if diff <(tail -n +2 "$WORK/gencode_published.tsv" | cut -f1,3,4 | sort) <(tail -n +2 "$WORK/windows.tsv" | cut -f1,3,4 | sort) > /dev/null; then
  ok "GENCODE v10 TSS table = published window midpoints (achrome-genes, both formats)"
else
  not_ok "GENCODE TSS table differs from the BED midpoints"
fi
cut -f4 "$roadmap/deepchrome.gene_windows.bed" | cut -d_ -f1 | awk '!seen[$0]++' > "$WORK/published_order.txt"
tail -n +2 "$WORK/windows.tsv" | cut -f1 | cmp -s - "$WORK/published_order.txt" && ok "BED windows keep the published row order" || not_ok "BED row order"

# Bad inputs: one line naming the file, non-zero exit, nothing written.
printf 'chr1\tx\tgene\t100\tabc\t.\t+\t.\tgene_id "G1";\n' > "$WORK/bad.gtf"
expect_fail "malformed GTF names file:line" "bad.gtf:1" "$ACHROME_BIN/achrome-genes" --annotation "$WORK/bad.gtf" --out "$WORK/bad.tsv"
[ ! -e "$WORK/bad.tsv" ] && ok "no output after failure" || not_ok "output left after failure"
expect_fail "missing annotation" "missing.gtf" "$ACHROME_BIN/achrome-genes" --annotation "$WORK/missing.gtf" --out "$WORK/x.tsv"
"$ACHROME_BIN/achrome-genes" --help | grep -q -- "--annotation" && ok "--help" || not_ok "--help"
"$ACHROME_BIN/achrome-genes" --version | grep -q "achrome" && ok "--version" || not_ok "--version"
finish
