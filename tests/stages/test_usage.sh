#!/usr/bin/env bash
# How every stage answers a wrong command line: one line naming the option and what it got, exit
# status 2 (README: data errors exit 1); an output path that is also an input (under any name: ./,
# .., a symbolic or hard link) is refused before anything is read or written, so the input survives.
source "$(dirname "$0")/lib.sh"
need samtools
cd "$WORK"

# expect_status CODE "what" "stderr pattern" cmd...: exit status CODE and one matching stderr line.
expect_status() {
  local code="$1" what="$2" pattern="$3"
  shift 3
  local status=0
  "$@" >/dev/null 2>stderr.txt || status=$?
  if [ "$status" -ne "$code" ]; then
    not_ok "$what: exit status $status, expected $code; stderr: $(head -c 300 stderr.txt)"
  elif ! grep -qE -- "$pattern" stderr.txt || [ "$(grep -c . stderr.txt)" -ne 1 ]; then
    not_ok "$what: stderr was: $(head -c 400 stderr.txt)"
  else
    ok "$what"
  fi
}
B="$ACHROME_BIN"

printf 'gene_id\tname\tchrom\ttss\tstrand\nG1\tG1\tchr1\t2000\t+\nG2\tG2\tchr1\t3000\t-\n' > genes.tsv
printf '@SQ\tSN:chr1\tLN:10000\nr1\t0\tchr1\t1990\t30\t36M\t*\t0\t0\t*\t*\n' > reads.sam
samtools view -b -o reads.bam reads.sam
printf 'gene_id\tE003\nG1\t5\nG2\t1\n' > expression.tsv
md5sum reads.bam genes.tsv expression.tsv > before.md5

# Option values: readable, short, exit 2 (CLI11 printed 300 digits and exited 105 before).
expect_status 2 "bin --bin-size 0" "^achrome-bin: error: --bin-size: must be a positive number, got 0 \(see --help\)$" \
  "$B/achrome-bin" -g genes.tsv -s reads.bam -o x.npy --bin-size 0
expect_status 2 "bin --upstream -5" "--upstream: must be 0 or a positive number, got -5" \
  "$B/achrome-bin" -g genes.tsv -s reads.bam -o x.npy --upstream=-5
expect_status 2 "bin --min-mapq 300" "--min-mapq: must be a whole number from 0 to 255, got 300" \
  "$B/achrome-bin" -g genes.tsv -s reads.bam -o x.npy --min-mapq 300
expect_status 2 "bin --extend -1" "--extend: must be 0 or a positive number, got -1" \
  "$B/achrome-bin" -g genes.tsv -s reads.bam -o x.npy --extend=-1
expect_status 2 "bin --threads -2" "--threads: must be 0 or a positive number, got -2" \
  "$B/achrome-bin" -g genes.tsv -s reads.bam -o x.npy --threads=-2
expect_status 2 "bin unknown option" "achrome-bin: error: .*--bogus" "$B/achrome-bin" -g genes.tsv -s reads.bam -o x.npy --bogus
expect_status 2 "bin missing --out" "achrome-bin: error: .*--out" "$B/achrome-bin" -g genes.tsv -s reads.bam
expect_status 2 "simulate --genes 0" "--genes: must be a positive number, got 0" "$B/achrome-simulate" -o sim --genes 0
expect_status 2 "simulate --read-length 5" "--read-length: must be a whole number from 10 to 1000, got 5" \
  "$B/achrome-simulate" -o sim --read-length 5
if [ -x "$B/achrome-train" ]; then
  expect_status 2 "train --epochs 0" "^achrome-train: error: --epochs: must be a positive number, got 0 \(see --help\)$" \
    "$B/achrome-train" --genes genes.tsv --labels genes.tsv --mark a=x.npy -o run --epochs 0
  expect_status 2 "train --lr -1" "--lr: must be a positive number, got -1" \
    "$B/achrome-train" --genes genes.tsv --labels genes.tsv --mark a=x.npy -o run --lr=-1
  expect_status 2 "train --patience -1" "--patience: must be 0 or a positive number, got -1" \
    "$B/achrome-train" --genes genes.tsv --labels genes.tsv --mark a=x.npy -o run --patience=-1
  expect_status 2 "predict --batch-size 0" "--batch-size: must be a positive number, got 0" \
    "$B/achrome-predict" --weights genes.tsv --input genes.tsv -o pred --batch-size 0
fi
# A data error is status 1.
expect_status 1 "missing signal file is a data error" "achrome-bin: error: missing.bam: cannot open" \
  "$B/achrome-bin" -g genes.tsv -s missing.bam -o x.npy

# Outputs that are inputs.
expect_status 2 "bin --out = --signal" "achrome-bin: error: --out reads.bam is also the --signal input" \
  "$B/achrome-bin" -g genes.tsv -s reads.bam -o reads.bam
expect_status 2 "bin --out = --genes, spelled ./" "--out ./genes.tsv is also the --genes input" \
  "$B/achrome-bin" -g genes.tsv -s reads.bam -o ./genes.tsv
mkdir -p sub
ln -s ../reads.bam sub/link.bam
ln reads.bam hard.bam
expect_status 2 "bin --out a symbolic link to the signal" "--out sub/link.bam is also the --signal input" \
  "$B/achrome-bin" -g genes.tsv -s reads.bam -o sub/link.bam
expect_status 2 "bin --out a hard link to the signal" "--out hard.bam is also the --signal input" \
  "$B/achrome-bin" -g genes.tsv -s reads.bam -o hard.bam
expect_status 2 "bin --export-deeptools = --out" "--export-deeptools sub/../x.npy is also the --out output" \
  "$B/achrome-bin" -g genes.tsv -s reads.bam -o x.npy --export-deeptools sub/../x.npy
expect_status 2 "genes --out = --annotation" "achrome-genes: error: --out genes.tsv is also the --annotation input" \
  "$B/achrome-genes" -a genes.tsv -o genes.tsv --format tsv
expect_status 2 "label --out = --expression" "achrome-label: error: --out expression.tsv is also the --expression input" \
  "$B/achrome-label" -g genes.tsv -e expression.tsv --epigenome E003 -o expression.tsv
expect_status 2 "label --summary = --genes" "achrome-label: error: --summary genes.tsv is also the --genes input" \
  "$B/achrome-label" -g genes.tsv -e expression.tsv --epigenome E003 -o labels.tsv --summary genes.tsv
if cmp -s <(md5sum reads.bam genes.tsv expression.tsv) before.md5; then ok "inputs unchanged"; else not_ok "an input was changed"; fi

# Folder outputs: the files a stage writes there are compared with its inputs.
mkdir -p study
"$B/achrome-bin" -q -g genes.tsv -s reads.bam -o study/H3K4me3.npy
cp genes.tsv study/genes.tsv
printf 'gene_id\tvalue\tlabel\tsplit\nG1\t1\t1\ttrain\nG2\t0\t0\ttest\n' > study/labels.tsv
"$B/achrome-export" -q -i study -o published --marks H3K4me3
expect_status 2 "export into a folder holding the genes it reads" "achrome-export: error: --out .*train.csv is also the --genes input" \
  "$B/achrome-export" -i study -o published --marks H3K4me3 --genes published/train.csv
expect_status 2 "import --out over its own --annotation" "achrome-import: error: --out .*genes.tsv is also the --annotation input" \
  "$B/achrome-import" -i published -o study --marks H3K4me3 --annotation study/genes.tsv
if [ -x "$B/achrome-train" ]; then
  expect_status 2 "train --out holding a --mark input" "achrome-train: error: --out .*alpha.npy is also the --mark a input" \
    "$B/achrome-train" --genes genes.tsv --labels study/labels.tsv --mark a=run/alpha.npy -o run
  cp study/H3K4me3.npy study/beta.npy
  expect_status 2 "predict --out holding its --input" "achrome-predict: error: --out .*beta.npy is also the --input input" \
    "$B/achrome-predict" --weights genes.tsv --input study/beta.npy -o study
fi
finish
