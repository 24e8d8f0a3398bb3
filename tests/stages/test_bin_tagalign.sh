#!/usr/bin/env bash
# achrome-bin on tagAlign / BED reads, and --five-prime / --extend on reads, must equal bedtools:
#   - default: `bedtools intersect -c -a bins.bed -b reads.bed` (a read counts in every bin it
#     overlaps by >= 1 bp, as multicov) and the same reads as a BAM through achrome-bin;
#   - --five-prime: the reads turned into their 5' base with awk, then intersect -c;
#   - --extend N: the reads turned into N bp fragments from their 5' end (clipped to the
#     chromosome) with awk, then intersect -c; BAM and tagAlign alike.
# The reads are shuffled (no sort order), include reads running past a chromosome end, windows
# hanging off both chromosome ends, overlapping windows on both strands, alias chromosome names,
# and come plain, gzip (one inflate stream) and BGZF.
source "$(dirname "$0")/lib.sh"
need bedtools bgzip samtools tabix
need_python numpy
BIN="$ACHROME_BIN/achrome-bin"
cd "$WORK"

"$PY" - <<'EOF'
import random
random.seed(5)
chroms = {"chr1": 60000, "chr2": 30000, "chr3": 20000}
with open("chrom.sizes", "w") as f:
    for c, n in chroms.items():
        f.write(f"{c}\t{n}\n")
genes = [
    ("G01", "1", 20000, "+"), ("G02", "chr1", 23000, "-"), ("G03", "chr1", 23050, "+"),
    ("G04", "chr1", 2999, "-"), ("G05", "chr1", 57999, "+"), ("G06", "chr2", 10000, "-"),
    ("G07", "2", 29500, "+"), ("G08", "chr3", 100, "+"), ("G09", "chrZ", 5000, "+"),
]
with open("genes.tsv", "w") as f:
    f.write("gene_id\tname\tchrom\ttss\tstrand\n")
    for g in genes:
        f.write(f"{g[0]}\t{g[0]}\t{g[1]}\t{g[2]}\t{g[3]}\n")
alias = {"1": "chr1", "2": "chr2"}
with open("bins.bed", "w") as f:
    for row, (gid, chrom, tss, strand) in enumerate(genes):
        c = alias.get(chrom, chrom)
        if c not in chroms:
            continue
        start = tss + 1 - 5000
        for k in range(100):
            a, b = max(start + 100 * k, 0), min(start + 100 * (k + 1), chroms[c])
            if a < b:
                f.write(f"{c}\t{a}\t{b}\t{row}:{k}\n")
reads = []
centres = {"chr1": [20000, 23000, 3000, 58000], "chr2": [10000, 29500], "chr3": [100]}
for i in range(8000):
    c = random.choice(["chr1", "chr1", "chr2", "chr3"])
    length = random.choice([36, 36, 36, 1, 50, 101])
    if random.random() < 0.8:
        s = int(random.gauss(random.choice(centres[c]), 2500))
    else:
        s = random.randrange(chroms[c])
    s = max(0, min(chroms[c] - 1, s))
    e = s + length
    if random.random() > 0.02:  # a few run past the chromosome end, as aligners can emit
        e = min(e, chroms[c])
    reads.append((c, s, e, random.choice("+-")))
# Hand-made edges around G01's bin edge at 15001 + 100k.
edge = 15001 + 2000
reads += [("chr1", edge - 36, edge, "+"), ("chr1", edge, edge + 36, "-"), ("chr1", edge - 1, edge, "-"),
          ("chr1", edge - 18, edge + 18, "+"), ("chr1", 59990, 60000, "-"), ("chr2", 0, 36, "-"),
          ("chrUn", 100, 136, "+")]  # a chromosome without genes
random.shuffle(reads)
with open("reads.tagAlign", "w") as f:
    for c, s, e, strand in reads:
        f.write(f"{c}\t{s}\t{e}\tN\t1000\t{strand}\n")
with open("reads3.bed", "w") as f:  # BED3 with a track line: reads without names or strands
    f.write("track name=reads\n")
    for c, s, e, strand in reads:
        f.write(f"{c} {s} {e}\n")
# The same reads as a BAM (CIGAR = length M), for the BAM route of --five-prime / --extend.
with open("reads.sam", "w") as f:
    f.write("@HD\tVN:1.6\tSO:unsorted\n")
    for c, n in chroms.items():
        f.write(f"@SQ\tSN:{c}\tLN:{n}\n")
    for i, (c, s, e, strand) in enumerate(reads):
        if c in chroms and e <= chroms[c]:  # htslib refuses nothing here, but keep the BAM valid
            f.write(f"r{i}\t{16 if strand == '-' else 0}\t{c}\t{s + 1}\t30\t{e - s}M\t*\t0\t0\t*\t*\n")
EOF
gzip -c reads.tagAlign > reads.tagAlign.gz
bgzip -c reads.tagAlign > reads.tagAlign.bgz  # BGZF (tabix package)
samtools view -b -o reads.bam reads.sam 2>/dev/null
# The reads the BAM holds, as BED, so bedtools sees exactly what the BAM route sees.
awk -v OFS='\t' 'NR==FNR {len[$1]=$2; next} ($1 in len) && $3 <= len[$1]' chrom.sizes reads.tagAlign > bam_reads.bed

# bedtools on interval files: clip to the chromosome (as achrome-bin with --chrom-sizes).
clip='NR==FNR {len[$1]=$2; next} {if (!($1 in len)) next; if ($2 < 0) $2 = 0; if ($3 > len[$1]) $3 = len[$1]; if ($2 < $3) print}'
five='{if ($6 == "+") {$3 = $2 + 1} else {$2 = $3 - 1}; print}'
extend='{if ($6 == "+") {$3 = $2 + N} else {$2 = $3 - N}; print}'
bt() {  # bt OUT READS.bed
  awk -v OFS='\t' "$clip" chrom.sizes "$2" | bedtools intersect -c -a bins.bed -b - > "$1"
}
bt bt.default.txt reads.tagAlign
awk -v OFS='\t' "$five" reads.tagAlign > five.bed && bt bt.five.txt five.bed
awk -v OFS='\t' -v N=200 "$extend" reads.tagAlign > ext200.bed && bt bt.ext200.txt ext200.bed
awk -v OFS='\t' -v N=20 "$extend" reads.tagAlign > ext20.bed && bt bt.ext20.txt ext20.bed
bt bt.bam.txt bam_reads.bed
awk -v OFS='\t' "$five" bam_reads.bed > bam_five.bed && bt bt.bam_five.txt bam_five.bed
awk -v OFS='\t' -v N=150 "$extend" bam_reads.bed > bam_ext.bed && bt bt.bam_ext.txt bam_ext.bed
# bedtools multicov on the BAM agrees with intersect -c on its reads (the two peers are one rule).
samtools sort -o sorted.bam reads.bam 2>/dev/null && samtools index sorted.bam
bedtools multicov -bams sorted.bam -bed bins.bed > bt.multicov.txt
if cmp -s <(cut -f5 bt.multicov.txt) <(cut -f5 bt.bam.txt); then ok "multicov on the BAM == intersect -c on its reads"
else not_ok "multicov on the BAM == intersect -c on its reads"; fi

compare() {  # compare NPY BEDTOOLS_OUT: every bin inside the chromosome equals bedtools; the rest 0
  "$PY" - "$1" "$2" <<'EOF'
import sys
import numpy as np
m = np.load(sys.argv[1])
want = np.zeros((9, 100), dtype=np.float32)
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("\t")
    row, k = map(int, f[3].split(":"))
    want[row, k] = float(f[4])
bad = np.argwhere(m != want)
for r, k in bad[:8]:
    print(f"  row {r} bin {k}: achrome {m[r, k]} bedtools {want[r, k]}")
if want.sum() == 0:
    print("  bedtools counted nothing: the comparison proves nothing")
sys.exit(1 if len(bad) or want.sum() == 0 else 0)
EOF
}
check() {
  if compare "$2" "$3"; then ok "$1"; else not_ok "$1"; fi
}
run() { "$BIN" --quiet --genes genes.tsv "$@"; }

run --signal reads.tagAlign --chrom-sizes chrom.sizes --out plain.npy 2>warn.txt
check "tagAlign (unsorted, plain) == bedtools intersect -c" plain.npy bt.default.txt
if grep -q "1 genes on chromosomes absent" warn.txt && grep -q chrZ warn.txt; then ok "absent chromosome reported"
else not_ok "absent chromosome reported: $(cat warn.txt)"; fi
run --signal reads.tagAlign.gz --chrom-sizes chrom.sizes --out gz.npy --threads 1
check "tagAlign.gz (gzip), 1 thread" gz.npy bt.default.txt
run --signal reads.tagAlign.bgz --chrom-sizes chrom.sizes --out bgz.npy --threads 2
check "tagAlign BGZF, 2 threads" bgz.npy bt.default.txt
run --signal reads3.bed --chrom-sizes chrom.sizes --out bed3.npy
check "BED3 reads with a track line, space-separated" bed3.npy bt.default.txt
run --signal reads.tagAlign --chrom-sizes chrom.sizes --out five.npy --five-prime
check "--five-prime (tagAlign) == 5' bases | intersect -c" five.npy bt.five.txt
run --signal reads.tagAlign.gz --chrom-sizes chrom.sizes --out ext200.npy --extend 200
check "--extend 200 (tagAlign) == fragments | intersect -c" ext200.npy bt.ext200.txt
run --signal reads.tagAlign --chrom-sizes chrom.sizes --out ext20.npy --extend 20
check "--extend 20 (shorter than reads) == fragments | intersect -c" ext20.npy bt.ext20.txt
run --signal reads.bam --out bam.npy
check "BAM of the same reads == intersect -c" bam.npy bt.bam.txt
run --signal reads.bam --out bam_five.npy --five-prime
check "--five-prime (BAM) == 5' bases | intersect -c" bam_five.npy bt.bam_five.txt
run --signal reads.bam --out bam_ext.npy --extend 150 --threads 2
check "--extend 150 (BAM) == fragments | intersect -c" bam_ext.npy bt.bam_ext.txt

# Without --chrom-sizes a text file gives no chromosome ends: only bins wholly past an end may then
# differ (reads running past the end reach them); every other bin is the same.
run --signal reads.tagAlign --out nosizes.npy
if "$PY" -c "
import numpy as np, sys
a, b = np.load('nosizes.npy'), np.load('plain.npy')
sizes = dict(l.split() for l in open('chrom.sizes'))
alias = {'1': 'chr1', '2': 'chr2'}
genes = [l.split() for l in open('genes.tsv').readlines()[1:]]
for row, (gid, _, chrom, tss, strand) in enumerate(genes):
    n = int(sizes.get(alias.get(chrom, chrom), 10**12))
    start = int(tss) + 1 - 5000
    inside = np.array([start + 100 * k < n for k in range(100)])
    if (a[row][inside] != b[row][inside]).any(): sys.exit(f'row {row} differs inside')
"; then ok "without --chrom-sizes, bins inside chromosomes are unchanged"; else not_ok "without --chrom-sizes"; fi

if "$PY" -c "
import numpy as np, sys
a = np.load('plain.npy')
sys.exit(any((np.load(f + '.npy') == a).all() for f in ['five', 'ext200', 'ext20']))
"; then ok "--five-prime and --extend change counts"; else not_ok "an option changed nothing"; fi

expect_fail "--split with tagAlign" "reads.tagAlign: --split needs CIGARs" "$BIN" -g genes.tsv -s reads.tagAlign -o x.npy --split
expect_fail "--five-prime with --extend" "cannot be combined" "$BIN" -g genes.tsv -s reads.bam -o x.npy --five-prime --extend 10
expect_fail "--five-prime needs strands" "reads3.bed:2: --five-prime/--extend need the strand" \
  "$BIN" -q -g genes.tsv -s reads3.bed -o x.npy --five-prime
finish
