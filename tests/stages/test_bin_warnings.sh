#!/usr/bin/env bash
# Inputs that are valid but leave rows (or the whole matrix) at zero get one warning line each,
# with a count, and the matrix is still written: a BAM/SAM without records, SAM records on
# references the header lacks, genes whose window lies wholly off their chromosome, and an
# --anchor-offset that moves every window off the genome.
source "$(dirname "$0")/lib.sh"
need samtools
BIN="$ACHROME_BIN/achrome-bin"
cd "$WORK"

# warns "what" "pattern" N cmd...: exit 0, the .npy written, exactly N warning lines (with -q nothing
# else is printed), one of them matching.
warns() {
  local what="$1" pattern="$2" count="$3"
  shift 3
  rm -f out.npy
  if ! "$@" -q -o out.npy 2>stderr.txt; then
    not_ok "$what: failed: $(head -c 300 stderr.txt)"
  elif [ ! -s out.npy ]; then
    not_ok "$what: no matrix written"
  elif [ "$(grep -c . stderr.txt)" -ne "$count" ] || { [ "$count" -gt 0 ] && ! grep -qE -- "$pattern" stderr.txt; }; then
    not_ok "$what: stderr was: $(head -c 400 stderr.txt)"
  else
    ok "$what"
  fi
}

printf 'gene_id\tname\tchrom\ttss\tstrand\nG1\tG1\tchr1\t2000\t+\nG2\tG2\tchr1\t3000\t-\n' > genes.tsv
# G3 and G4 sit past the end of chr1 (10,000 bp): their windows [tss+1-5000, tss+1+5000) start after it.
cp genes.tsv genes_off.tsv
printf 'G3\tG3\tchr1\t20000\t+\nG4\tG4\tchr1\t16000\t-\n' >> genes_off.tsv
printf '@SQ\tSN:chr1\tLN:10000\n' > header.sam
{ cat header.sam; printf 'r1\t0\tchr1\t1990\t30\t36M\t*\t0\t0\t*\t*\n'; } > reads.sam
samtools view -b -o reads.bam reads.sam
samtools view -b -o empty.bam header.sam
{ cat reads.sam
  printf 'r2\t0\tchrZ\t100\t30\t36M\t*\t0\t0\t*\t*\n'
  printf 'r3\t0\tchrY\t200\t30\t36M\t*\t0\t0\t*\t*\n'
  printf 'r4\t4\t*\t0\t0\t*\t*\t0\t0\t*\t*\n'; } > unknown_refs.sam
printf 'chr1\t100\t136\tN\t0\t+\n' > reads.tagAlign

warns "BAM without records" "empty.bam: no records" 1 "$BIN" -g genes.tsv -s empty.bam
warns "SAM without records" "header.sam: no records" 1 "$BIN" -g genes.tsv -s header.sam
# r4 is unmapped in the file ('*'): not counted among the missing references.
warns "SAM records on references missing from the header" "unknown_refs.sam: 2 records name a reference missing from the header" 1 \
  "$BIN" -g genes.tsv -s unknown_refs.sam
warns "genes whose windows lie past the chromosome end" \
  "reads.bam: 2 genes have windows wholly outside their chromosome \(first: G3\)" 1 "$BIN" -g genes_off.tsv -s reads.bam
if "$PY" -c "
import numpy as np, sys
m = np.load('out.npy'); sys.exit(not (m.shape == (4, 100) and m[2:].sum() == 0 and m[:2].sum() == 4))"; then
  ok "their rows are zeros, the others counted"; else not_ok "rows of genes off the chromosome"; fi
warns "--anchor-offset moving every window off the genome" \
  "reads.bam: all 2 genes have windows wholly outside their chromosome \(first: G1; --anchor-offset 100000\)" 1 \
  "$BIN" -g genes.tsv -s reads.bam --anchor-offset 100000
warns "a negative --anchor-offset, text reads without chromosome sizes" "all 2 genes have windows wholly outside" 1 \
  "$BIN" -g genes.tsv -s reads.tagAlign --anchor-offset=-100000
warns "an ordinary file warns nothing" "" 0 "$BIN" -g genes.tsv -s reads.bam
finish
