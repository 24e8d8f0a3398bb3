#!/usr/bin/env bash
# achrome-bin refuses bad signal files with one line naming the file, a non-zero exit, and no
# output file (not even a temporary one) left behind.
source "$(dirname "$0")/lib.sh"
BIN="$ACHROME_BIN/achrome-bin"
cd "$WORK"

printf 'gene_id\tname\tchrom\ttss\tstrand\nG1\tG1\tchr1\t20000\t+\nG2\tG2\tchr1\t30000\t-\n' > genes.tsv
"$PY" - <<'EOF'
import random
random.seed(3)
with open("reads.sam", "w") as f:
    f.write("@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:100000\n")
    for i, pos in enumerate(sorted(random.randrange(1, 99000) for _ in range(20000))):
        f.write(f"r{i}\t0\tchr1\t{pos}\t30\t36M\t*\t0\t0\t*\t*\n")
with open("other.sam", "w") as f:
    f.write("@SQ\tSN:chrA\tLN:1000\n@SQ\tSN:chrB\tLN:1000\nr\t0\tchrA\t10\t30\t36M\t*\t0\t0\t*\t*\n")
EOF
samtools view -b -o reads.bam reads.sam
samtools view -b -o other.bam other.sam
size=$(stat -c %s reads.bam)
head -c $((size / 2)) reads.bam > truncated.bam
# A cut body followed by a valid end-of-file block: only the record stream itself is broken.
{ head -c $((size / 2)) reads.bam; tail -c 28 reads.bam; } > cut_with_eof.bam
: > empty.bam
"$PY" -c "
import pyBigWig
bw = pyBigWig.open('track.bw', 'w'); bw.addHeader([('chr1', 100000)])
bw.addEntries(['chr1'] * 5000, list(range(0, 100000, 20)), ends=list(range(10, 100010, 20)), values=[1.0] * 5000)
bw.close()"
head -c 300 track.bw > truncated.bw

# Sanity: the good inputs work, so the failures below come from what was broken.
if "$BIN" -q --genes genes.tsv --signal reads.bam --out out/good.npy && [ -s out/good.npy ]; then
  ok "intact BAM is binned"; else not_ok "intact BAM is binned"; fi
if "$BIN" -q --genes genes.tsv --signal track.bw --out out/good_bw.npy && [ -s out/good_bw.npy ]; then
  ok "intact bigWig is binned"; else not_ok "intact bigWig is binned"; fi
rm -rf out

bad() {  # bad "what" "pattern" signal-file [flags]
  local what=$1 pattern=$2 signal=$3
  shift 3
  mkdir -p out
  expect_fail "$what" "achrome-bin: error: .*$pattern" "$BIN" --genes genes.tsv --signal "$signal" --out out/x.npy "$@"
  if [ -n "$(ls -A out)" ]; then not_ok "$what: left $(ls -A out)"; fi
  rm -rf out
}
bad "missing file" "missing.bam: cannot open" missing.bam
bad "not a signal file" "genes.tsv: not a BAM/SAM/CRAM or bigWig file" genes.tsv
bad "truncated BAM" "truncated.bam: truncated" truncated.bam
# Found only while streaming, after the progress log has started: --quiet leaves the error alone.
bad "BAM cut mid-stream" "cut_with_eof.bam: read error after record" cut_with_eof.bam --threads 1 --quiet
bad "BAM cut mid-stream, 2 threads" "cut_with_eof.bam: read error after record" cut_with_eof.bam --threads 2 -q
bad "empty file" "empty.bam: empty file" empty.bam
bad "no shared chromosome" "other.bam: shares no chromosome with genes.tsv.*chrA.*chr1" other.bam
bad "truncated bigWig" "truncated.bw: truncated bigWig" truncated.bw
bad "format disagrees with content" "reads.bam: --format bigwig .* bam" reads.bam --format bigwig
mkdir -p a_folder
bad "folder as signal" "a_folder: is a folder" a_folder
finish
