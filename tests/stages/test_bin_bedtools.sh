#!/usr/bin/env bash
# achrome-bin on reads must equal `bedtools multicov -bams X.bam -bed bins.bed` (bedtools 2.30),
# the tool that made the published AttentiveChrome counts, bin for bin, with and without options.
#
# The BAM holds every case that has tripped read counters: reads ending exactly on bin edges,
# spliced (N) and deleted (D) CIGARs, soft clips and insertions, duplicate / QC-fail / secondary /
# supplementary / unmapped records, MAPQ 0..60, reads running past a chromosome end, overlapping
# gene windows on both strands, windows hanging off both chromosome ends, plus random volume.
#
# bedtools behaviour this pins down (found empirically, bedtools 2.30):
#   - a read's interval is [pos, bam_endpos): N and D inside it count, soft clips / insertions not;
#   - -split cuts reads at N only (a D stays inside its block); a read counts once per bin even
#     when two of its blocks fall in the same bin;
#   - supplementary and secondary alignments count; duplicates and QC-fail do not; -q Q keeps MAPQ >= Q;
#   - unmapped records that carry a position are counted by bedtools as covering [pos, pos+1). They
#     are not alignments, so achrome-bin skips them: we compare against bedtools on the BAM without
#     0x4 records, and check separately that unmapped records change nothing.
source "$(dirname "$0")/lib.sh"
need bedtools samtools
need_python numpy
BIN="$ACHROME_BIN/achrome-bin"
cd "$WORK"

"$PY" - <<'EOF'
import random
random.seed(7)
chroms = {"chr1": 60000, "chr2": 30000, "chr3": 20000}
with open("genome.fa", "w") as fa:
    for c, n in chroms.items():
        fa.write(f">{c}\n")
        seq = "".join(random.choice("ACGT") for _ in range(n))
        for i in range(0, n, 60):
            fa.write(seq[i:i + 60] + "\n")
# Genes: '1' and 'chrM'-style aliases exercise chromosome matching; chrZ is absent from the BAM.
genes = [
    ("G01", "1", 20000, "+"), ("G02", "1", 23000, "-"),     # overlapping windows, both strands
    ("G03", "1", 23050, "+"), ("G04", "1", 2999, "-"),      # window starts below 0
    ("G05", "1", 57999, "+"), ("G06", "chr1", 40000, "-"),  # window ends past 60000
    ("G07", "chr2", 10000, "+"), ("G08", "2", 10049, "-"),
    ("G09", "chr2", 26000, "-"), ("G10", "chrZ", 5000, "+"),
    ("G11", "chr3", 10000, "+"), ("G12", "chr1", 20000, "+"),  # same TSS as G01
]
with open("genes.tsv", "w") as f:
    f.write("gene_id\tname\tchrom\ttss\tstrand\n")
    for g in genes:
        f.write(f"{g[0]}\t{g[0]}\t{g[1]}\t{g[2]}\t{g[3]}\n")
bam_name = {"1": "chr1", "2": "chr2", "chr1": "chr1", "chr2": "chr2", "chr3": "chr3"}

# Bins BED, clipped to the chromosome (bedtools cannot count outside it); name = row:bin.
with open("bins.bed", "w") as f, open("outside.txt", "w") as o:
    for row, (gid, chrom, tss, strand) in enumerate(genes):
        if chrom not in bam_name:
            continue
        c = bam_name[chrom]
        start = tss + 1 - 5000  # the published window, same on both strands with 5000/5000
        for k in range(100):
            a, b = start + 100 * k, start + 100 * (k + 1)
            a2, b2 = max(a, 0), min(b, chroms[c])
            if a2 < b2:
                f.write(f"{c}\t{a2}\t{b2}\t{row}:{k}\n")
            else:
                o.write(f"{row}:{k}\n")

def cigar_len(cigar):
    import re
    return sum(int(n) for n, op in re.findall(r"(\d+)([MIDNSHP=X])", cigar) if op in "MDN=X")

recs = []
def add(name, flag, chrom, pos0, mapq, cigar):
    recs.append(f"{name}\t{flag}\t{chrom}\t{pos0 + 1}\t{mapq}\t{cigar}\t*\t0\t0\t*\t*")

# Hand-made edge cases around G01's window [15001, 25001): bins start at 15001 + 100k.
e = 15001 + 100 * 20  # a bin edge
add("edge_end_at_edge", 0, "chr1", e - 36, 30, "36M")        # ends exactly at the edge: one bin
add("edge_start_at_edge", 0, "chr1", e, 30, "36M")           # starts at the edge
add("edge_cross", 16, "chr1", e - 18, 30, "36M")             # crosses: two bins
add("edge_1bp", 0, "chr1", e - 1, 30, "1M")
add("spliced", 0, "chr1", e - 10, 30, "10M450N10M")          # span 470, blocks in 2 bins
add("spliced_same_bin", 0, "chr1", e + 5, 30, "5M20N5M")     # two blocks in one bin
add("spliced_3", 0, "chr1", e + 300, 30, "5S10M200N10M1000N10M3S")
add("deleted", 0, "chr1", e + 40, 30, "10M300D10M")          # D never splits
add("del_and_splice", 0, "chr1", e + 60, 30, "10M120D5M2I5M400N10M")
add("insertion", 0, "chr1", e - 5, 30, "5M50I5M")
add("softclip", 0, "chr1", e, 30, "20S16M20S")
add("dup", 1024, "chr1", e, 30, "36M")
add("qcfail", 512, "chr1", e, 30, "36M")
add("dup_qcfail", 1536, "chr1", e, 30, "36M")
add("secondary", 256, "chr1", e + 100, 0, "36M")
add("supplementary", 2048, "chr1", e + 200, 5, "36M")
add("mapq0", 0, "chr1", e + 250, 0, "36M")
add("unmapped_placed", 4, "chr1", e + 400, 0, "*")
add("unmapped_cigar", 4, "chr1", e + 500, 0, "36M")
add("past_end", 0, "chr1", 59990, 30, "40M")                 # runs past chr1's end (60000)
add("past_end_spliced", 0, "chr2", 29900, 30, "20M200N20M")
add("at_start", 0, "chr1", 0, 30, "50M")
add("overlap_windows", 0, "chr1", 22990, 30, "36M")          # in G01, G02, G03, G12
add("long_span", 0, "chr1", 14000, 30, "10M12000N10M")       # spans all of G01's window

# Volume: random reads, flags, MAPQs and CIGARs over all chromosomes.
ops = ["36M", "50M", "20M100N16M", "10M5D26M", "5S31M", "30M6S", "18M2I16M", "10M300N10M3D10M", "76M",
       "3M1000N33M", "1M"]
flags = [0, 16, 0, 16, 0, 16, 1024, 512, 256, 2048, 4, 272, 2064, 1040, 0x1 | 0x2 | 0x40, 0x1 | 0x40 | 0x20]
for i in range(6000):
    c = random.choice(["chr1", "chr1", "chr2", "chr3"])
    if random.random() < 0.7:  # crowd the windows so bins get real counts
        centre = random.choice([20000, 23000, 3000, 58000, 40000, 10000, 26000]) % chroms[c]
        pos = max(0, min(chroms[c] - 1, int(random.gauss(centre, 3000))))
    else:
        pos = random.randrange(chroms[c])
    flag = random.choice(flags)
    cigar = "*" if flag & 4 and random.random() < 0.5 else random.choice(ops)
    add(f"r{i}", flag, c, pos, random.choice([0, 1, 5, 9, 10, 11, 20, 37, 60, 255]), cigar)

random.shuffle(recs)  # achrome-bin must not need sorted input
with open("reads.sam", "w") as f:
    f.write("@HD\tVN:1.6\tSO:unsorted\n")
    for c, n in chroms.items():
        f.write(f"@SQ\tSN:{c}\tLN:{n}\n")
    f.write("\n".join(recs) + "\n")
EOF

samtools view -b -o unsorted.bam reads.sam 2>/dev/null
samtools sort -o sorted.bam unsorted.bam 2>/dev/null && samtools index sorted.bam
samtools view -b -F 4 -o mapped.bam sorted.bam && samtools index mapped.bam
samtools view -b -F 0x104 -o noSecondary.bam sorted.bam && samtools index noSecondary.bam
samtools view -b -F 0x804 -o noSupplementary.bam sorted.bam && samtools index noSupplementary.bam
samtools faidx genome.fa
samtools view -C -T genome.fa -o reads.cram sorted.bam 2>/dev/null

# compare NPY BEDTOOLS_OUT: every bin inside the chromosome equals bedtools' count of the clipped
# bin; bins wholly outside it are 0; the chrZ gene's row is 0.
compare() {
  "$PY" - "$1" "$2" "${3:-genomic}" <<'EOF'
import sys
import numpy as np
npy, bt, orientation = sys.argv[1], sys.argv[2], sys.argv[3]
m = np.load(npy)
strands = [l.split("\t")[4].strip() for l in open("genes.tsv").readlines()[1:]]
assert m.shape == (len(strands), 100) and m.dtype == np.float32, (m.shape, m.dtype)
want = np.zeros_like(m)
for line in open(bt):
    f = line.split("\t")
    row, k = map(int, f[3].split(":"))
    if orientation == "transcript" and strands[row] == "-":
        k = 99 - k
    want[row, k] = float(f[4])
bad = np.argwhere(m != want)
if len(bad):
    for r, k in bad[:10]:
        print(f"  row {r} bin {k}: achrome {m[r, k]} bedtools {want[r, k]}")
    sys.exit(1)
if want.sum() == 0:
    print("  no counts at all: the comparison proves nothing"); sys.exit(1)
EOF
}

check() {  # check "what" npy bedtools-output [orientation]
  if compare "$2" "$3" "${4:-genomic}"; then ok "$1"; else not_ok "$1"; fi
}

bedtools multicov -bams mapped.bam -bed bins.bed > bt.default.txt
bedtools multicov -q 10 -bams mapped.bam -bed bins.bed > bt.q10.txt
bedtools multicov -split -bams mapped.bam -bed bins.bed > bt.split.txt
bedtools multicov -split -q 20 -bams mapped.bam -bed bins.bed > bt.split.q20.txt
bedtools multicov -D -F -bams mapped.bam -bed bins.bed > bt.DF.txt
bedtools multicov -p -bams mapped.bam -bed bins.bed > bt.proper.txt
bedtools multicov -bams noSecondary.bam -bed bins.bed > bt.nosec.txt
bedtools multicov -bams noSupplementary.bam -bed bins.bed > bt.nosup.txt

run() { "$BIN" --quiet --genes genes.tsv "$@"; }

run --signal unsorted.bam --out default.npy 2>warn.txt
check "default == bedtools multicov (unsorted BAM)" default.npy bt.default.txt
if grep -q "1 genes on chromosomes absent" warn.txt && grep -q chrZ warn.txt; then ok "absent chromosome reported"
else not_ok "absent chromosome reported: $(cat warn.txt)"; fi
run --signal sorted.bam --out sorted.npy --threads 2
check "sorted BAM, 2 threads" sorted.npy bt.default.txt
run --signal reads.sam --out sam.npy
check "SAM input" sam.npy bt.default.txt
run --signal reads.cram --reference genome.fa --out cram.npy
check "CRAM input" cram.npy bt.default.txt
run --signal mapped.bam --out mapped.npy
check "unmapped records change nothing" mapped.npy bt.default.txt
run --signal unsorted.bam --out q10.npy --min-mapq 10
check "--min-mapq 10 == multicov -q 10" q10.npy bt.q10.txt
run --signal unsorted.bam --out split.npy --split
check "--split == multicov -split" split.npy bt.split.txt
run --signal unsorted.bam --out split20.npy --split --min-mapq 20
check "--split --min-mapq 20 == multicov -split -q 20" split20.npy bt.split.q20.txt
run --signal unsorted.bam --out df.npy --keep-duplicates --keep-qc-fail
check "--keep-duplicates --keep-qc-fail == multicov -D -F" df.npy bt.DF.txt
run --signal unsorted.bam --out proper.npy --proper-pairs
check "--proper-pairs == multicov -p" proper.npy bt.proper.txt
run --signal unsorted.bam --out nosec.npy --skip-secondary
check "--skip-secondary" nosec.npy bt.nosec.txt
run --signal unsorted.bam --out nosup.npy --skip-supplementary
check "--skip-supplementary" nosup.npy bt.nosup.txt
run --signal unsorted.bam --out transcript.npy --orientation transcript
check "--orientation transcript reverses minus-strand rows" transcript.npy bt.default.txt transcript

# The options must matter on this data, or the comparisons above prove little.
if "$PY" -c "
import numpy as np, sys
a = np.load('default.npy')
for f in ['q10', 'split', 'df', 'proper', 'nosec', 'nosup']:
    if (np.load(f + '.npy') == a).all(): sys.exit(f)
"; then ok "every option changes some count"; else not_ok "an option changed nothing"; fi

finish
