#!/usr/bin/env bash
# Benchmark of achrome-bin against the tools users would otherwise run, side by side on the same
# files and machine:
#
#   BAM      achrome-bin            vs  bedtools multicov -bams x.bam -bed bins.bed      (target >= 10x)
#   tagAlign achrome-bin x.tagAlign.gz  vs  bedtools bedtobam | samtools sort | index | bedtools multicov
#                                                                                        (target >= 20x)
#   bigWig   achrome-bin            vs  deepTools computeMatrix reference-point -p 2     (target >= 10x)
#   floor    achrome-bin BAM        vs  samtools view -c -@2 x.bam (decoding the BAM)   (target <= 1.5x)
#
# The study is simulated (achrome-simulate: 19,802 genes on 4 chromosomes, one mark, 36 bp reads);
# the tagAlign.gz holds the BAM's countable reads (not unmapped/duplicate/QC-fail) in the Roadmap
# layout `chrom start end N 1000 strand`, gzip (not BGZF, like the Roadmap files); bins.bed holds the
# 1.98M bins (100 per gene) clipped to the chromosomes. Each run is measured with /usr/bin/time
# (wall seconds, peak resident memory); achrome-bin and samtools get 2 threads, bedtools has none.
# The counts are checked too: achrome-bin on the BAM == multicov, and on the tagAlign == on the BAM.
#
# Usage: bench/bin.sh [--reads N | --quick] [--bin-dir DIR]
#   --reads N    reads in the simulated BAM (default 30000000; about 10.7M reads per unit of
#                achrome-simulate --depth at 19,802 genes, checked with samtools idxstats)
#   --quick      --reads 2000000 (a few minutes in all)
#   --bin-dir    folder with achrome-simulate, achrome-genes and achrome-bin (default build/bin)
# Writes everything under bench/out/ (git-ignored); the table goes to bench/out/bin.md and stdout.
# Needs: bedtools, samtools, deepTools (computeMatrix), GNU time, python3 with numpy (/usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
reads=30000000
bin_dir="$root/build/bin"
while [ $# -gt 0 ]; do
  case $1 in
    --reads) reads=$2; shift 2 ;;
    --quick) reads=2000000; shift ;;
    --bin-dir) bin_dir=$(cd "$2" && pwd); shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/bin.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
PY=${ACHROME_PYTHON:-/usr/bin/python3}
threads=2
out="$here/out"
study="$out/study-$reads"
work="$out/bin-$reads"
mkdir -p "$out" "$work"
log() { echo "[bench] $*" >&2; }

# --- the study (reused when already built for this read count) --------------------------------
bam="$study/signal/E001/H3K4me3.bam"
bw="$study/signal/E001/H3K4me3.bw"
if [ ! -s "$bam" ] || [ ! -s "$bw" ]; then
  depth=$("$PY" -c "print(round($reads / 10.7e6, 4))")
  log "simulating $reads reads (--depth $depth)"
  "$bin_dir/achrome-simulate" --out "$study" --genes 19802 --epigenomes E001 --marks H3K4me3 --depth "$depth" \
    --seed 1 --formats bam,bigwig --threads "$threads" --quiet
fi
actual=$(samtools idxstats "$bam" | awk '{n += $3 + $4} END {print n}')
log "BAM holds $actual reads"

cd "$work"
sizes="$study/genome.chrom.sizes"
[ -s genes.tsv ] || "$bin_dir/achrome-genes" --annotation "$study/genes.gtf" --out genes.tsv --quiet
if [ ! -s bins.bed ]; then  # 100 bins of 100 bp per gene, the published window, clipped to the chromosome
  awk -v OFS='\t' 'NR == FNR {len[$1] = $2; next} FNR > 1 {
      start = $4 + 1 - 5000
      for (k = 0; k < 100; k++) {
        a = start + 100 * k; b = a + 100
        if (a < 0) a = 0
        if (b > len[$3]) b = len[$3]
        if (a < b) print $3, a, b, (FNR - 2) ":" k
      }
    }' "$sizes" genes.tsv > bins.bed
  # computeMatrix regions: the anchor base, so deepTools' window is ours (see docs/binning.md)
  awk -v OFS='\t' 'FNR > 1 {s = ($5 == "+") ? $4 + 1 : $4; print $3, s, s + 1, $1, 0, $5}' genes.tsv > regions.bed
fi
if [ ! -s reads.tagAlign.gz ]; then
  log "writing reads.tagAlign.gz"
  bash "$here/tagalign_from_bam.sh" "$bam" reads.tagAlign.gz
fi

# --- measurements ------------------------------------------------------------------------------
: > times.tsv
measure() {  # measure LABEL COMMAND...: appends "label<TAB>wall s<TAB>max RSS kB"
  local label=$1; shift
  log "$label"
  /usr/bin/time -f "%e %M" -o time.txt "$@"
  read -r wall rss < time.txt
  printf '%s\t%s\t%s\n' "$label" "$wall" "$rss" >> times.tsv
}
ab="$bin_dir/achrome-bin"
measure "achrome-bin (BAM)" "$ab" --quiet -t $threads -g genes.tsv -s "$bam" -o bam.npy
measure "bedtools multicov (BAM)" sh -c "bedtools multicov -bams '$bam' -bed bins.bed > multicov.txt"
measure "achrome-bin (tagAlign.gz)" "$ab" --quiet -t $threads -g genes.tsv -s reads.tagAlign.gz --chrom-sizes "$sizes" \
  -o tagalign.npy
measure "bedtools bedtobam + samtools sort/index + multicov (tagAlign.gz)" sh -c "
  bedtools bedtobam -i reads.tagAlign.gz -g '$sizes' > route.bam &&
  samtools sort -@ $threads -o route.sorted.bam route.bam 2>/dev/null && samtools index route.sorted.bam &&
  bedtools multicov -bams route.sorted.bam -bed bins.bed > route.txt"
measure "achrome-bin (bigWig)" "$ab" --quiet -t $threads -g genes.tsv -s "$bw" -o bigwig.npy --orientation transcript
measure "deepTools computeMatrix reference-point -p $threads (bigWig)" computeMatrix reference-point --referencePoint TSS \
  -S "$bw" -R regions.bed -b 5000 -a 5000 -bs 100 --averageTypeBins mean --missingDataAsZero -p $threads --quiet \
  -o computeMatrix.mat.gz
measure "samtools view -c -@$threads (BAM)" sh -c "samtools view -c -@ $threads '$bam' > samtools_count.txt"

# --- the counts agree (a fast wrong tool would be no result) ----------------------------------
"$PY" - <<'EOF' > checks.txt
import gzip
import numpy as np
bam, tag, bw = np.load("bam.npy"), np.load("tagalign.npy"), np.load("bigwig.npy")
want = np.zeros_like(bam)
for name in ["multicov.txt", "route.txt"]:
    want[:] = 0
    with open(name) as f:
        for line in f:
            c = line.rsplit("\t", 2)
            row, k = c[1].split(":")
            want[int(row), int(k)] = float(c[2])
    print(f"achrome-bin == {name.split('.')[0]} on all {want.size} bins: {'yes' if (bam == want).all() else 'NO'}")
print(f"achrome-bin tagAlign == achrome-bin BAM: {'yes' if (tag == bam).all() else 'NO'}")
with gzip.open("computeMatrix.mat.gz", "rt") as f:
    next(f)
    dt = np.array([[float(x) for x in l.split("\t")[6:]] for l in f])
print(f"achrome-bin bigWig == computeMatrix (%f precision): {'yes' if np.allclose(bw, dt, rtol=1e-6, atol=6e-7) else 'NO'}")
EOF

# --- the table ---------------------------------------------------------------------------------
"$PY" - "$actual" "$threads" <<'EOF' > "$out/bin.md"
import sys
reads, threads = int(sys.argv[1]), sys.argv[2]
rows = [l.rstrip("\n").split("\t") for l in open("times.tsv")]
t = {r[0]: (float(r[1]), int(r[2]) / 1024) for r in rows}
names = [r[0] for r in rows]
ours_bam, peer_bam, ours_tag, peer_tag, ours_bw, peer_bw, floor = names
print(f"Binning one simulated mark, {reads:,} reads (36 bp) / its bigWig, 19,802 genes x 100 bins "
      f"({threads} threads where a tool has them):\n")
print("| input | tool | wall s | max RSS MB | ratio |")
print("|---|---|---:|---:|---|")
def row(inp, name, ratio):
    w, m = t[name]
    print(f"| {inp} | {name} | {w:.1f} | {m:.0f} | {ratio} |")
for inp, ours, peer in [("BAM", ours_bam, peer_bam), ("tagAlign.gz", ours_tag, peer_tag), ("bigWig", ours_bw, peer_bw)]:
    row(inp, ours, "1")
    row(inp, peer, f"achrome-bin {t[peer][0] / max(t[ours][0], 0.01):.1f}x faster")
row("BAM", floor, f"achrome-bin takes {t[ours_bam][0] / max(t[floor][0], 0.01):.2f}x the decoding floor")
print()
for line in open("checks.txt"):
    print(f"- {line.strip()}")
EOF
cat "$out/bin.md"
