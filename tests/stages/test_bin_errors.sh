#!/usr/bin/env bash
# achrome-bin refuses bad signal files with one line naming the file, a non-zero exit, and no
# output file (not even a temporary one) left behind.
source "$(dirname "$0")/lib.sh"
need bgzip samtools
need_python pyBigWig
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
bad "not a signal file" "genes.tsv: not a BAM/SAM/CRAM, bigWig, tagAlign/BED or bedGraph file" genes.tsv
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

# Text signal files (tagAlign/BED reads, bedGraph): the line number of the first broken line. Found
# while streaming, after the progress log: -q leaves the error alone (as for BAMs above).
good=$'chr1\t20000\t20036\tN\t1000\t+'
printf '%s\n%s\nchr1\t2x000\t20036\tN\t1000\t-\n' "$good" "$good" > bad_start.tagAlign
bad "tagAlign start not a number" "bad_start.tagAlign:3: start '2x000' is not a non-negative integer" bad_start.tagAlign -q
{ for i in $(seq 1 5000); do echo "$good"; done; printf 'chr1\t20036\t20000\tN\t1000\t+\n'; } | gzip > bad_end.tagAlign.gz
bad "tagAlign.gz end before start (line 5001, past the first chunk of lines)" \
  "bad_end.tagAlign.gz:5001: end '20000' is not an integer greater than start 20036" bad_end.tagAlign.gz -q
printf '%s\nchr1\t20000\n' "$good" > short.tagAlign
bad "tagAlign with 2 columns" "short.tagAlign:2: expected 'chrom start end" short.tagAlign -q
printf '%s\nchr1\t100\t136\tN\t1000\t*\n' "$good" > bad_strand.tagAlign
bad "--extend with a bad strand" "bad_strand.tagAlign:2: strand '\*' must be \+ or -" bad_strand.tagAlign --extend 200 -q
printf 'track type=bedGraph\nchr1\t0\t100\t1.5\nchr1\t100\t200\tabc\n' > bad_value.bedGraph
bad "bedGraph value not a number" "bad_value.bedGraph:3: value 'abc' is not a number" bad_value.bedGraph -q
printf 'chr1\t0\t100\t1.5\nchr1\t50\t200\t2\n' > overlap.bedGraph
bad "bedGraph overlapping intervals" "overlap.bedGraph:2: interval chr1:50-200 overlaps line 1 \(chr1:0-100\)" overlap.bedGraph -q
# Lines of another chromosome in between: the bin used to get both values added (doubled).
printf 'chr1\t19000\t19100\t1\nchr2\t0\t100\t1\nchr1\t19050\t19060\t2\n' > overlap_apart.bedGraph
bad "bedGraph overlap after another chromosome's lines" \
  "overlap_apart.bedGraph:3: interval chr1:19050-19060 overlaps line 1 \(chr1:19000-19100\)" overlap_apart.bedGraph -q
printf 'chr1\t19000\t19100\t1\nchr2\t0\t100\t1\nchr1\t19000\t19100\t1\n' > repeated.bedGraph
bad "bedGraph line repeated after another chromosome's lines" "repeated.bedGraph:3: interval chr1:19000-19100 overlaps line 1" \
  repeated.bedGraph -q
# ~7 MB, several 4 MB chunks parsed by 2 threads; the repeat comes chunks after the line it repeats.
awk 'BEGIN { for (i = 0; i < 400000; i++) printf "chr1\t%d\t%d\t1\n", 10 * i, 10 * i + 10; print "chr2\t0\t10\t1";
             print "chr1\t40\t45\t1" }' > big_overlap.bedGraph
bad "bedGraph overlap chunks apart (2 threads)" "big_overlap.bedGraph:400002: interval chr1:40-45 overlaps line 5 \(chr1:40-50\)" \
  big_overlap.bedGraph -q --threads 2
gzip -c big_overlap.bedGraph > big_overlap.bedGraph.gz
bad "bedGraph.gz overlap chunks apart" "big_overlap.bedGraph.gz:400002: interval chr1:40-45 overlaps line 5" \
  big_overlap.bedGraph.gz -q --threads 2
printf 'chr1\t0\t100\t1.5\nchr1\t100\t200\t2\t7\n' > wide.bedGraph
bad "bedGraph with 5 columns" "wide.bedGraph:2: expected 'chrom start end value'" wide.bedGraph --format bedgraph -q
printf 'chrZ\t100\t136\tN\t1000\t+\nchrY\t100\t136\tN\t1000\t+\n' > other.tagAlign
bad "tagAlign sharing no chromosome" "other.tagAlign: shares no chromosome with genes.tsv .*chrY, chrZ.*chr1" other.tagAlign -q
printf 'track name=x\n# nothing else\n' > headers_only.tagAlign
bad "tagAlign with headers only" "headers_only.tagAlign: no data lines" headers_only.tagAlign
: | gzip > empty.tagAlign.gz
bad "empty gzip file" "empty.tagAlign.gz: empty file" empty.tagAlign.gz
{ for i in $(seq 1 20000); do echo "chr1	$((i * 4))	$((i * 4 + 36))	N	1000	+"; done; } > many.tagAlign
gzip -c many.tagAlign > many.tagAlign.gz
head -c $(($(stat -c %s many.tagAlign.gz) / 2)) many.tagAlign.gz > cut.tagAlign.gz
bad "gzip tagAlign cut short" "cut.tagAlign.gz: read error after line" cut.tagAlign.gz -q
bgzip -c many.tagAlign > many.tagAlign.bgz
head -c $(($(stat -c %s many.tagAlign.bgz) - 28)) many.tagAlign.bgz > cut_eof.tagAlign.bgz
bad "BGZF tagAlign without its EOF block" "cut_eof.tagAlign.bgz: truncated file" cut_eof.tagAlign.bgz

# SAM: a line that does not parse is malformed (not "truncated"), named by its line; a SAM without its
# header (samtools view without -h) places no record.
{ head -5 reads.sam; printf 'bad\t0\tchr1\tx100\t30\t36M\t*\t0\t0\t*\t*\n'; tail -n +6 reads.sam; } > malformed.sam
bad "malformed SAM record" "malformed.sam:6: malformed SAM record" malformed.sam -q --threads 1
bad "malformed SAM record, 2 threads" "malformed.sam:6: malformed SAM record" malformed.sam -q --threads 2
grep -v '^@' reads.sam > headerless.sam
bad "SAM without its header" "headerless.sam: the header lists no reference sequences" headerless.sam -q

# libBigWig prints its own complaints about a damaged file; only our one line may appear. The
# chromosome tree is overwritten (the header, its offsets and the closing magic stay intact).
"$PY" - <<'EOF'
import struct
data = bytearray(open("track.bw", "rb").read())
tree = struct.unpack_from("<Q", data, 8)[0]
data[tree:tree + 48] = b"\xff" * 48
open("bad_tree.bw", "wb").write(data)
EOF
bad "bigWig with a damaged chromosome tree" "bad_tree.bw: " bad_tree.bw -q

# A bigWig that is not one: text in a .bw file, and the bigWig magic over garbage.
cp genes.tsv fake.bw
bad "text named .bw" "fake.bw: not a BAM/SAM/CRAM, bigWig" fake.bw
{ head -c 4 track.bw; head -c 2000 /dev/urandom; } > garbage.bw
bad "bigWig magic over garbage" "garbage.bw: (truncated|cannot read as a) bigWig" garbage.bw
finish
