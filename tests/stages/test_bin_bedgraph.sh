#!/usr/bin/env bash
# bedGraph tracks must bin exactly as the same intervals in a bigWig (and so as deepTools
# computeMatrix reference-point --averageTypeBins mean, checked here directly as well), in both
# --missing modes and both orientations; plain and gzip. The intervals have gaps, zero stretches,
# negative values, widths crossing bin edges, windows off both chromosome ends, and are written
# unsorted (chromosomes interleaved). Values are multiples of 1/16, exact in float32 and double,
# so the two routes must agree bit for bit whatever their summation order.
#
# Also: --export-deeptools writes a matrix that deepTools' own reader loads back to our values and
# plotHeatmap draws, with the header line deepTools writes for the same computeMatrix run.
source "$(dirname "$0")/lib.sh"
need computeMatrix
need_python numpy pyBigWig deeptools
BIN="$ACHROME_BIN/achrome-bin"
cd "$WORK"

"$PY" - <<'EOF'
import random
import pyBigWig
random.seed(13)
chroms = [("chr1", 40000), ("chr2", 15000)]
intervals = []
for chrom, length in chroms:
    pos = 0
    while True:
        pos += random.choice([0, 0, 1, 9, 60, 300])
        if pos >= length:
            break
        width = min(random.choice([1, 5, 30, 99, 100, 101, 260, 900]), length - pos)
        r = random.random()
        value = 0.0 if r < 0.15 else random.randrange(-40, 800) / 16
        intervals.append((chrom, pos, pos + width, value))
        pos += width
bw = pyBigWig.open("track.bw", "w")
bw.addHeader(chroms)
for chrom, _ in chroms:
    mine = [i for i in intervals if i[0] == chrom]
    bw.addEntries([chrom] * len(mine), [i[1] for i in mine], ends=[i[2] for i in mine], values=[i[3] for i in mine])
bw.close()
shuffled = intervals[:]
# Unsorted: whole chromosomes in reverse order, and each chromosome cut in two halves swapped.
shuffled = [i for i in intervals if i[0] == "chr2"] + [i for i in intervals if i[0] == "chr1"]
half = len(shuffled) // 2
shuffled = shuffled[half:] + shuffled[:half]
with open("track.bedGraph", "w") as f:
    f.write("track type=bedGraph name=test\n")
    for chrom, s, e, v in shuffled:
        f.write(f"{chrom}\t{s}\t{e}\t{v:g}\n")
# Any line order: every line shuffled, and every other line first, then the rest (two long ascending
# runs per chromosome whose spans interleave on the genome: checked line by line in a second pass).
lines = [f"{c}\t{s}\t{e}\t{v:g}\n" for c, s, e, v in intervals]
rng = random.Random(5)
for name, order in [("shuffled", rng.sample(lines, len(lines))), ("interleaved", lines[0::2] + lines[1::2])]:
    with open(f"{name}.bedGraph", "w") as f:
        f.writelines(order)
with open("sorted.bedGraph", "w") as f:
    f.writelines(lines)
with open("chrom.sizes", "w") as f:
    for c, n in chroms:
        f.write(f"{c}\t{n}\n")

genes = []
for i in range(30):
    chrom, length = random.choice(chroms)
    genes.append((f"G{i:02d}", chrom, random.randrange(length), random.choice("+-")))
genes += [("END1", "chr1", 39990, "+"), ("END2", "chr1", 39000, "-"), ("START1", "chr2", 10, "-"),
          ("ALIAS", "2", 7000, "+")]
with open("genes.tsv", "w") as f:
    f.write("gene_id\tname\tchrom\ttss\tstrand\n")
    for g in genes:
        f.write(f"{g[0]}\t{g[0]}\t{g[1]}\t{g[2]}\t{g[3]}\n")
# deepTools regions giving our windows (see test_bin_deeptools.sh): the anchor base tss+1.
with open("genes.bed", "w") as f:
    for gid, chrom, tss, strand in genes:
        chrom = "chr2" if chrom == "2" else chrom
        s = tss + 1 if strand == "+" else tss
        f.write(f"{chrom}\t{s}\t{s + 1}\t{gid}\t0\t{strand}\n")
EOF
gzip -c track.bedGraph > track.bedGraph.gz

same() {  # same "what" A.npy B.npy: bit-identical (NaN where NaN)
  if "$PY" -c "
import numpy as np, sys
a, b = np.load('$2'), np.load('$3')
sys.exit(not (a.shape == b.shape and np.array_equal(a, b, equal_nan=True) and np.nansum(np.abs(a)) > 0))
"; then ok "$1"; else not_ok "$1"; fi
}
run() { "$BIN" --quiet --genes genes.tsv "$@"; }

for orientation in genomic transcript; do
  for missing in zero nan; do
    run --signal track.bw --out bw.$orientation.$missing.npy --orientation $orientation --missing $missing
    run --signal track.bedGraph --out bg.$orientation.$missing.npy --orientation $orientation --missing $missing
    same "bedGraph == bigWig ($orientation, --missing $missing)" bg.$orientation.$missing.npy bw.$orientation.$missing.npy
  done
done
for order in sorted shuffled interleaved; do
  run --signal $order.bedGraph --out $order.npy --threads 2
  same "$order bedGraph == bigWig" $order.npy bw.genomic.zero.npy
done
run --signal track.bedGraph.gz --out gz.npy --missing nan --threads 1 --chrom-sizes chrom.sizes
same "bedGraph.gz with --chrom-sizes == bigWig" gz.npy bw.genomic.nan.npy
if "$PY" -c "
import numpy as np, sys; sys.exit(not np.isnan(np.load('bg.genomic.nan.npy')).any())"; then ok "NaN bins exercised"
else not_ok "NaN bins exercised"; fi

# Straight against deepTools, through the bigWig of the same intervals.
computeMatrix reference-point --referencePoint TSS -S track.bw -R genes.bed -b 5000 -a 5000 -bs 100 \
  --averageTypeBins mean --missingDataAsZero -p 1 --quiet -o dt.zero.mat.gz
if "$PY" - <<'EOF'
import gzip, sys
import numpy as np
m = np.load("bg.transcript.zero.npy")
ids = [l.split("\t")[0] for l in open("genes.tsv").readlines()[1:]]
n = 0
with gzip.open("dt.zero.mat.gz", "rt") as f:
    next(f)
    for line in f:
        fields = line.rstrip("\n").split("\t")
        want = np.array([float(x) for x in fields[6:]])
        if not np.allclose(m[ids.index(fields[3])], want, rtol=1e-6, atol=6e-7):
            sys.exit(f"{fields[3]} differs")
        n += 1
sys.exit(n != len(ids))
EOF
then ok "bedGraph == deepTools computeMatrix --missingDataAsZero (transcript)"; else not_ok "bedGraph vs computeMatrix"; fi

# --export-deeptools: the header line equals deepTools' for the same run (same label: file stem
# "track", -p 1), the region columns equal, deepTools' reader gets our values back, plotHeatmap draws.
run --signal track.bw --out export.npy --export-deeptools export.mat.gz --threads 1
if cmp -s <(zcat export.mat.gz | head -1) <(zcat dt.zero.mat.gz | head -1); then ok "export header == deepTools header"
else not_ok "export header: $(zcat export.mat.gz | head -1 | cut -c1-300)"; fi
# (the export keeps genes.tsv's chromosome spelling: ALIAS is on "2" there, "chr2" in genes.bed)
if cmp -s <(zcat export.mat.gz | tail -n +2 | cut -f1-6 | sed 's/^2\t/chr2\t/') \
  <(zcat dt.zero.mat.gz | tail -n +2 | cut -f1-6); then
  ok "export regions == deepTools regions"; else not_ok "export regions"; fi
run --signal track.bedGraph --out export_nan.npy --missing nan --export-deeptools export_nan.mat.gz
if "$PY" - <<'EOF'
import sys
import numpy as np
from deeptools import heatmapper
for npy, mat in [("export.npy", "export.mat.gz"), ("export_nan.npy", "export_nan.mat.gz")]:
    hm = heatmapper.heatmapper()
    hm.read_matrix_file(mat)
    got = np.ma.filled(hm.matrix.matrix, np.nan)
    ours = np.load(npy).astype(np.float64)
    strands = [l.split("\t")[4].strip() for l in open("genes.tsv").readlines()[1:]]
    for i, s in enumerate(strands):  # our default is genomic; deepTools rows run upstream -> downstream
        if s == "-":
            ours[i] = ours[i][::-1]
    if got.shape != ours.shape or not np.allclose(got, ours, rtol=1e-6, atol=6e-7, equal_nan=True):
        sys.exit(f"{mat}: values differ")
    if hm.parameters["missing data as zero"] != (mat == "export.mat.gz"):
        sys.exit(f"{mat}: missing data flag")
EOF
then ok "deepTools heatmapper reads back our values (both missing modes)"; else not_ok "heatmapper read-back"; fi
if plotHeatmap -m export.mat.gz -o heatmap.png >plot.log 2>&1 && [ -s heatmap.png ]; then ok "plotHeatmap draws the export"
else not_ok "plotHeatmap: $(tail -3 plot.log)"; fi
if computeMatrixOperations info -m export.mat.gz 2>&1 | grep -q "track"; then ok "computeMatrixOperations info reads the export"
else not_ok "computeMatrixOperations info"; fi
finish
