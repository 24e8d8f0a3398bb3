#!/usr/bin/env bash
# Writes a BAM's countable reads (not unmapped, duplicate or QC-fail) as a Roadmap-style tagAlign.gz:
# `chrom start end N 1000 strand`, plain gzip (not BGZF), as the consolidated Roadmap files are.
#   bench/tagalign_from_bam.sh IN.bam OUT.tagAlign.gz
# The end is the start plus the reference length of the CIGAR (M, D, N, = and X operations).
set -euo pipefail
bam=$1
out=$2
samtools view -F 0x604 "$bam" | awk -v OFS='\t' '{
    c = $6; len = 0
    while (match(c, /^[0-9]+[MIDNSHP=X]/)) {
      op = substr(c, RLENGTH, 1); if (op ~ /[MDN=X]/) len += substr(c, 1, RLENGTH - 1)
      c = substr(c, RLENGTH + 1)
    }
    print $3, $4 - 1, $4 - 1 + len, "N", 1000, (int($2 / 16) % 2) ? "-" : "+"
  }' | gzip > "$out.part"
mv "$out.part" "$out"
