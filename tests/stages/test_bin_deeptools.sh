#!/usr/bin/env bash
# achrome-bin on a bigWig must equal deepTools 3.5
#   computeMatrix reference-point --referencePoint TSS -a D -b U -bs 100 --averageTypeBins mean
# to float32 precision: with --missingDataAsZero for our default (--missing zero), without it for
# --missing nan. The track has gaps (no data), stretches of exact zeros, intervals crossing bin
# edges and windows hanging off both chromosome ends.
#
# What deepTools does (heatmapper.coverage_from_big_wig): it reads per-base values over the window,
# marks bases without data (and bases past a chromosome end) NaN, with --missingDataAsZero turns
# those NaNs into 0, and then takes np.ma.mean over each bin ignoring NaN. So:
#   --missingDataAsZero: bin = sum(value x covered bases) / bin size
#   default:             bin = mean over covered bases; NaN when the bin has no data.
#
# Making deepTools' window equal ours. Ours: [tss+1-U, tss+1+D) on '+', [tss+1-D, tss+1+U) on '-'.
# deepTools (TSS reference point, BED region [s, e)): '+' -> [s-U, s+D); '-' -> [e-D, e+U), and
# minus-strand rows reversed (its bin 0 is always upstream). So the BED region of a gene is
# [tss+1, tss+1+L) on '+' and [tss+1-L, tss+1) on '-', for any gene length L; deepTools' rows then
# equal our --orientation transcript rows, and our genomic rows after reversing minus-strand genes.
source "$(dirname "$0")/lib.sh"
need computeMatrix
need_python numpy pyBigWig
BIN="$ACHROME_BIN/achrome-bin"
cd "$WORK"

"$PY" - <<'EOF'
import random
import pyBigWig
random.seed(11)
chroms = [("chr1", 50000), ("chr2", 20000)]
bw = pyBigWig.open("track.bw", "w")
bw.addHeader(chroms)
for chrom, length in chroms:
    starts, ends, values = [], [], []
    pos = 0
    while pos < length:
        pos += random.choice([0, 0, 0, 1, 7, 40, 150, 600])  # gaps: bases without data
        if pos >= length:
            break
        width = min(random.choice([1, 3, 25, 50, 99, 100, 101, 250, 1000]), length - pos)
        r = random.random()
        value = 0.0 if r < 0.15 else random.uniform(0, 50) if r < 0.95 else random.uniform(-5, 0)
        starts.append(pos); ends.append(pos + width); values.append(value)
        pos += width
    bw.addEntries([chrom] * len(starts), starts, ends=ends, values=values)
bw.close()

genes = []
for i in range(40):
    chrom, length = random.choice(chroms)
    tss = random.randrange(length)
    genes.append((f"G{i:02d}", chrom, tss, random.choice("+-")))
genes += [("END1", "chr1", 49990, "+"), ("END2", "chr1", 49000, "-"), ("START1", "chr2", 10, "-"),
          ("START2", "chr2", 2000, "+"), ("ALIAS", "2", 15000, "+")]
with open("genes.tsv", "w") as f:
    f.write("gene_id\tname\tchrom\ttss\tstrand\n")
    for g in genes:
        f.write(f"{g[0]}\t{g[0]}\t{g[1]}\t{g[2]}\t{g[3]}\n")
    f.write("ABSENT\tABSENT\tchrZ\t5000\t+\n")  # not in the track: a zero row, not in deepTools' input
with open("genes.bed", "w") as f:
    for gid, chrom, tss, strand in genes:
        chrom = "chr2" if chrom == "2" else chrom
        s, e = (tss + 1, tss + 1 + 2000) if strand == "+" else (tss + 1 - 2000, tss + 1)
        f.write(f"{chrom}\t{max(s, 0)}\t{e}\t{gid}\t0\t{strand}\n")
EOF

deeptools() {  # deeptools OUT UPSTREAM DOWNSTREAM [extra computeMatrix flags]
  local out=$1 up=$2 down=$3
  shift 3
  computeMatrix reference-point --referencePoint TSS -S track.bw -R genes.bed -b "$up" -a "$down" -bs 100 \
    --averageTypeBins mean -p 1 --quiet -o "$out" "$@"
}
deeptools dt.zero.gz 5000 5000 --missingDataAsZero
deeptools dt.nan.gz 5000 5000
deeptools dt.asym.gz 3000 2000 --missingDataAsZero

compare() {  # compare NPY DEEPTOOLS_GZ ORIENTATION
  "$PY" - "$@" <<'EOF'
import gzip, sys
import numpy as np
npy, gz, orientation = sys.argv[1:4]
m = np.load(npy)
genes = [l.rstrip("\n").split("\t") for l in open("genes.tsv").readlines()[1:]]
row_of = {g[0]: i for i, g in enumerate(genes)}
seen = 0
with gzip.open(gz, "rt") as f:
    next(f)  # the @{json} header
    for line in f:
        fields = line.rstrip("\n").split("\t")
        want = np.array([float(x) for x in fields[6:]])  # written with %f
        row = row_of[fields[3]]
        ours = m[row].astype(np.float64)
        if orientation == "genomic" and genes[row][4] == "-":
            ours = ours[::-1]
        # float32 rounding on our side, 6 decimals on deepTools' side.
        if want.shape != ours.shape or not np.allclose(ours, want, rtol=1e-6, atol=6e-7, equal_nan=True):
            bad = np.flatnonzero(~np.isclose(ours, want, rtol=1e-6, atol=6e-7, equal_nan=True))
            print(f"  {fields[3]}: bins {bad[:5]}: achrome {ours[bad[:5]]} deepTools {want[bad[:5]]}")
            sys.exit(1)
        seen += 1
absent = m[row_of["ABSENT"]]
if seen != len(genes) - 1 or (absent != 0).any():
    print(f"  compared {seen} of {len(genes) - 1} genes; absent row {absent[:3]}"); sys.exit(1)
if np.isnan(m).sum() == 0 and "nan" in npy:
    print("  no NaN bins: the missing-data case is not exercised"); sys.exit(1)
EOF
}
check() {
  if compare "$2" "$3" "$4"; then ok "$1"; else not_ok "$1"; fi
}

run() { "$BIN" --quiet --genes genes.tsv --signal track.bw "$@" 2>>log.txt; }
run --out transcript.npy --orientation transcript
check "default (missing zero) == deepTools --missingDataAsZero, transcript" transcript.npy dt.zero.gz transcript
run --out genomic.npy --threads 2
check "default == deepTools --missingDataAsZero, genomic (minus rows reversed)" genomic.npy dt.zero.gz genomic
run --out nan.npy --missing nan --orientation transcript
check "--missing nan == deepTools default" nan.npy dt.nan.gz transcript
run --out asym.npy --upstream 3000 --downstream 2000 --orientation transcript
check "--upstream 3000 --downstream 2000 == -b 3000 -a 2000" asym.npy dt.asym.gz transcript
if grep -q "1 genes on chromosomes absent" log.txt; then ok "absent chromosome reported"; else not_ok "absent chromosome reported"; fi

# Zero padding past the ends, checked on our own: END1's window [44991, 54991) leaves chr1 (50000)
# in bin 50; START1's '-' window [-4989, 5011) enters chr2 in bin 49.
if "$PY" -c "
import numpy as np, sys
m = np.load('genomic.npy')
ids = [l.split()[0] for l in open('genes.tsv').readlines()[1:]]
end1, start1 = m[ids.index('END1')], m[ids.index('START1')]
sys.exit(not ((end1[51:] == 0).all() and (start1[:49] == 0).all() and end1[:50].any() and start1[50:].any()))
"; then ok "bins past chromosome ends are 0"; else not_ok "bins past chromosome ends are 0"; fi

finish
