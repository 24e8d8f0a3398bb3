#!/usr/bin/env bash
# achrome-simulate: a tiny study checked with the peers (samtools, pyBigWig) and the genes stage;
# same seed -> same files.
source "$(dirname "$0")/lib.sh"
need samtools
need_python numpy pyBigWig sklearn
SIM="$ACHROME_BIN/achrome-simulate"
A="$WORK/a"
B="$WORK/b"

"$SIM" --out "$A" --genes 200 --epigenomes E001,E002 --chromosomes 2 --seed 3 -t 2 -q && ok "tiny study runs" || not_ok "tiny study runs"

for f in genome.chrom.sizes genes.gtf expression.tsv truth.tsv; do
  [ -s "$A/$f" ] && ok "$f written" || not_ok "$f missing"
done
n_bam=$(ls "$A"/signal/E00{1,2}/*.bam | wc -l)
n_bai=$(ls "$A"/signal/E00{1,2}/*.bam.bai | wc -l)
n_bw=$(ls "$A"/signal/E00{1,2}/*.bw | wc -l)
[ "$n_bam" = 10 ] && [ "$n_bai" = 10 ] && [ "$n_bw" = 10 ] && ok "2 epigenomes x 5 marks: bam, bai, bw" \
  || not_ok "signal files: $n_bam bam, $n_bai bai, $n_bw bw"
[ -z "$(find "$A" -name '.*tmp*')" ] && ok "no temporary files left" || not_ok "temporary files left: $(find "$A" -name '.*tmp*')"

# BAMs: valid, coordinate-sorted, indexed, 36M single-end reads, some duplicates.
samtools quickcheck "$A"/signal/*/*.bam && ok "samtools quickcheck" || not_ok "samtools quickcheck"
bam="$A/signal/E001/H3K4me3.bam"
samtools view -H "$bam" | grep -q $'^@HD.*SO:coordinate' && ok "header SO:coordinate" || not_ok "header SO:coordinate"
[ "$(samtools view -H "$bam" | grep -c '^@SQ')" = 2 ] && ok "one @SQ per chromosome" || not_ok "@SQ lines"
diff <(samtools view -H "$bam" | awk -F'\t' '$1=="@SQ"{sub("SN:","",$2); sub("LN:","",$3); print $2"\t"$3}') \
  "$A/genome.chrom.sizes" >/dev/null && ok "@SQ matches genome.chrom.sizes" || not_ok "@SQ differs from genome.chrom.sizes"
total=$(samtools view -c "$bam")
mapped=$(samtools idxstats "$bam" | awk '{s += $3} END {print s}')
[ "$total" -gt 1000 ] && [ "$total" = "$mapped" ] && ok "idxstats counts all $total reads" || not_ok "idxstats $mapped vs view -c $total"
samtools view "$bam" | awk -F'\t' -v order="$(cut -f1 "$A/genome.chrom.sizes" | tr '\n' ' ')" '
  BEGIN { n = split(order, names, " "); for (i = 1; i <= n; i++) rank[names[i]] = i }
  { if (rank[$3] < last_rank || (rank[$3] == last_rank && $4 < last_pos)) bad++; last_rank = rank[$3]; last_pos = $4
    if ($6 != "36M") cigar++ }
  END { exit (bad || cigar) ? 1 : 0 }' && ok "records sorted, CIGAR 36M" || not_ok "records out of order or wrong CIGAR"
dups=$(samtools view -c -f 0x400 "$bam")
[ "$dups" -gt 0 ] && [ "$dups" -lt $((total / 10)) ] && ok "some duplicates flagged ($dups)" || not_ok "duplicates: $dups of $total"
# Indexed access works (random region).
samtools view -c "$bam" chr2:100000-200000 >/dev/null && ok "indexed region query" || not_ok "indexed region query"

# The bigWig holds the coverage of the same non-duplicate reads: samtools depth (which skips
# duplicates by default) at every base of a 300 kb stretch on each chromosome.
for chrom in chr1 chr2; do
  samtools depth -a -r "$chrom:1-300000" "$bam" >"$WORK/depth.$chrom.tsv"
  "$PY" - "$A/signal/E001/H3K4me3.bw" "$WORK/depth.$chrom.tsv" "$chrom" <<'PYEOF' && ok "bigWig = samtools depth on $chrom" || not_ok "bigWig differs from samtools depth on $chrom"
import sys, numpy as np, pyBigWig
bw = pyBigWig.open(sys.argv[1])
depth = np.loadtxt(sys.argv[2], usecols=(1, 2), dtype=np.int64)
values = np.nan_to_num(np.array(bw.values(sys.argv[3], 0, 300000)))
expected = np.zeros(300000)
expected[depth[:, 0] - 1] = depth[:, 1]
mismatch = np.flatnonzero(values != expected)
assert expected.sum() > 0, "no coverage"
if mismatch.size:
    sys.exit(f"{mismatch.size} bases differ, first at {mismatch[0]}: {values[mismatch[0]]} vs {expected[mismatch[0]]}")
PYEOF
done

# expression.tsv: Roadmap layout, unversioned ids in GTF order, RPKM floats with zeros.
[ "$(head -1 "$A/expression.tsv")" = $'gene_id\tE001\tE002' ] && ok "expression header" || not_ok "expression header: $(head -1 "$A/expression.tsv")"
awk -F'\t' 'NR > 1 { if (NF != 3 || $1 !~ /^ENSGS[0-9]+$/ || $2 !~ /^[0-9]+\.[0-9]+$/ || $3 !~ /^[0-9]+\.[0-9]+$/) bad++; if ($2 == 0) zeros++; rows++ }
  END { exit (bad || rows != 200 || !zeros) ? 1 : 0 }' "$A/expression.tsv" && ok "expression rows" || not_ok "expression rows"

# The GTF parses with the genes stage; TSS strand-aware; ids match expression.tsv.
if [ -x "$ACHROME_BIN/achrome-genes" ]; then
  "$ACHROME_BIN/achrome-genes" --annotation "$A/genes.gtf" --out "$WORK/genes.tsv" -q && ok "achrome-genes reads genes.gtf" || not_ok "achrome-genes reads genes.gtf"
  [ "$(tail -n +2 "$WORK/genes.tsv" | wc -l)" = 200 ] && ok "200 genes" || not_ok "gene count"
  paste <(grep -v '^#' "$A/genes.gtf" | awk -F'\t' '{print ($7 == "+") ? $4 - 1 : $5 - 1}') <(tail -n +2 "$WORK/genes.tsv" | cut -f4) \
    | awk '$1 != $2 {bad++} END {exit bad ? 1 : 0}' && ok "TSS strand-aware" || not_ok "TSS differs"
  diff <(tail -n +2 "$WORK/genes.tsv" | cut -f1 | sed 's/\.[0-9]*$//') <(tail -n +2 "$A/expression.tsv" | cut -f1) >/dev/null \
    && ok "expression ids follow the GTF" || not_ok "expression ids differ from the GTF"
else
  not_ok "achrome-genes not built"
fi
[ "$(grep -v '^#' "$A/genes.gtf" | cut -f7 | sort -u | tr -d '\n')" = "+-" ] && ok "both strands" || not_ok "strands"
[ "$(head -1 "$A/truth.tsv" | cut -f1-5)" = $'mark\tregion\tbin_start\tbin_end\teffect' ] && ok "truth header" || not_ok "truth header"

# The planted biology is learnable: H3K4me3 around the TSS separates the median-split labels.
"$PY" - "$A" <<'PYEOF' && ok "H3K4me3 at the TSS predicts expression" || not_ok "H3K4me3 at the TSS does not predict expression"
import sys, numpy as np, pyBigWig
from sklearn.metrics import roc_auc_score
d = sys.argv[1]
expr = {l.split()[0]: float(l.split()[1]) for l in list(open(f"{d}/expression.tsv"))[1:]}
bw = pyBigWig.open(f"{d}/signal/E001/H3K4me3.bw")
x, y = [], []
for line in open(f"{d}/genes.gtf"):
    if line.startswith("#"): continue
    f = line.split("\t")
    tss = int(f[3]) - 1 if f[6] == "+" else int(f[4]) - 1
    x.append(bw.stats(f[0], max(0, tss - 1000), tss + 1000, type="mean", exact=True)[0] or 0)
    y.append(expr[f[8].split('"')[1].split(".")[0]])
y = np.array(y) > np.median(y)
auc = roc_auc_score(y, x)
print("H3K4me3 TSS AUROC", round(auc, 3))
sys.exit(0 if 0.75 < auc < 0.99 else 1)
PYEOF

# Same seed -> identical files and records; another seed -> different data.
"$SIM" --out "$B" --genes 200 --epigenomes E001,E002 --chromosomes 2 --seed 3 -t 1 -q
cmp -s "$A/expression.tsv" "$B/expression.tsv" && cmp -s "$A/genes.gtf" "$B/genes.gtf" && ok "same seed: identical tables" || not_ok "same seed: tables differ"
[ "$(samtools view "$A/signal/E002/H3K27me3.bam" | md5sum)" = "$(samtools view "$B/signal/E002/H3K27me3.bam" | md5sum)" ] \
  && ok "same seed: identical BAM records" || not_ok "same seed: BAM records differ"
cmp -s "$A/signal/E002/H3K27me3.bw" "$B/signal/E002/H3K27me3.bw" && ok "same seed: identical bigWig" || not_ok "same seed: bigWig differs"
"$SIM" --out "$WORK/c" --genes 200 --epigenomes E001,E002 --chromosomes 2 --seed 4 -q
cmp -s "$A/expression.tsv" "$WORK/c/expression.tsv" && not_ok "another seed: same expression" || ok "another seed: different expression"

# --formats picks the signal formats; other marks.
"$SIM" --out "$WORK/d" --genes 30 --epigenomes X1 --marks H3K4me3,H3K27ac --chromosomes 1 --formats bigwig -q
[ -s "$WORK/d/signal/X1/H3K27ac.bw" ] && [ -z "$(ls "$WORK"/d/signal/X1/*.bam 2>/dev/null)" ] && ok "--formats bigwig" || not_ok "--formats bigwig"

# Bad flags: one-line errors, nothing written.
expect_fail "unknown mark" "unknown mark 'H3K79me2'" "$SIM" --out "$WORK/e" --marks H3K4me3,H3K79me2
expect_fail "zero depth" "--depth" "$SIM" --out "$WORK/e" --depth 0
expect_fail "repeated epigenome" "listed twice" "$SIM" --out "$WORK/e" --epigenomes E001,E001
[ ! -e "$WORK/e" ] && ok "no output after errors" || not_ok "output written after errors"

finish
