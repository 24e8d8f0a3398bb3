#!/usr/bin/env bash
# A bad config or sample sheet stops the workflow before any job runs, with a message naming the file,
# the row and the column (or the key path of the config).
source "$ACHROME_TESTS/stages/lib.sh"
need snakemake

cd "$WORK"
marks="H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3"
sheet() {  # sheet FILE EPIGENOME...: a complete sheet for the epigenomes
  local file="$1"
  shift
  printf 'epigenome\tmark\tsignal\n' > "$file"
  for eid in "$@"; do for mark in $marks; do printf '%s\t%s\tsignal/%s/%s.bw\n' "$eid" "$mark" "$eid" "$mark" >> "$file"; done; done
}
config() {  # config FILE SHEET [extra yaml for train]
  cat > "$1" <<YAML
results: $WORK/results
binaries: $ACHROME_BIN
samples: $2
simulate: {enabled: false}
annotation: {gtf: genes.gtf}
expression: {matrix: expression.tsv}
marks: [H3K27me3, H3K36me3, H3K4me1, H3K4me3, H3K9me3]
bins: {upstream: 5000, downstream: 5000, bin_size: 100, orientation: genomic}
train: {models: [attentivechrome], epochs: 3, batch_size: 16, lr: 0.0002, seed: 1, device: cpu, threads: 1${3:-}}
YAML
}
plan() { snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK" -n --configfile "$@" > plan.log 2>&1; }
# refused WHAT PATTERN CONFIG...: the dry run fails before planning any job, and says PATTERN.
refused() {
  local what="$1" pattern="$2"
  shift 2
  if plan "$@"; then
    not_ok "$what: accepted"
  elif grep -qE -- "$pattern" plan.log && ! grep -q "^Job stats" plan.log; then
    ok "$what"
  else
    not_ok "$what: $(grep -v '^  File' plan.log | head -n 4)"
  fi
}

sheet good.tsv E001 E002
touch genes.gtf expression.tsv; mkdir -p signal/E001 signal/E002; for e in E001 E002; do for m in $marks; do touch signal/$e/$m.bw; done; done
config good.yaml "$WORK/good.tsv"
plan good.yaml && ok "a good config and sheet plan" || not_ok "good config refused: $(tail -n 5 plan.log)"

config typo.yaml "$WORK/good.tsv" ", lerning_rate: 0.01"
refused "misspelt key in train" "typo.yaml: train.lerning_rate: unknown key \(known here: .*lr" typo.yaml
printf 'reslts: out\n' > top.yaml
refused "misspelt top-level key, in a second --configfile" "top.yaml: reslts: unknown key" good.yaml top.yaml
printf 'resources: {train: {lstm-alpah: {mem_mb: 2000, epoch_seconds: 200, fixed_seconds: 100}}}\n' > res.yaml
refused "misspelt model in resources" "res.yaml: resources.train.lstm-alpah: unknown key \(known here: .*lstm-alpha" good.yaml res.yaml
printf 'resources: {bin: {threads: 2, mem_mb: 0, runtime: 5}}\n' > res0.yaml
refused "a request of 0 MB" "res0.yaml: resources.bin.mem_mb: 0 is less than the minimum of 1" good.yaml res0.yaml
config badvalue.yaml "$WORK/good.tsv" ", epochs: 0"
refused "out-of-range value" "badvalue.yaml: train.epochs: 0 is less than the minimum of 1" badvalue.yaml

sheet dup.tsv E001 E002
printf 'E002\tH3K4me3\tsignal/E001/H3K4me3.bw\n' >> dup.tsv
config dup.yaml "$WORK/dup.tsv"
refused "duplicated (epigenome, mark) row" "dup.tsv:12: columns epigenome, mark: E002 H3K4me3 is listed twice \(first on line 10\)" dup.yaml

sheet extra.tsv E001
printf 'E001\tH3K9ac\tsignal/E001/H3K9ac.bw\n' >> extra.tsv
config extra.yaml "$WORK/extra.tsv"
refused "mark not in marks" "extra.tsv:7: column mark: 'H3K9ac' is not one of the config's marks \(.*\) nor its validation track \(H3K27ac\)" extra.yaml

# The validation track (the defaults name H3K27ac): its rows are binned and reach the run pages, and
# only there; an epigenome without one is reported without the check; it may not be a model input.
sheet track.tsv E001 E002
printf 'E001\tH3K27ac\tsignal/E001/H3K27ac.bw\n' >> track.tsv
config track.yaml "$WORK/track.tsv"
mkdir -p signal/E001 signal/E002
touch genes.gtf expression.tsv signal/E001/H3K27ac.bw
for eid in E001 E002; do for mark in $marks; do touch "signal/$eid/$mark.bw"; done; done
if plan track.yaml -p; then
  grep -q -- "--validation H3K27ac=$WORK/results/bins/E001/H3K27ac.npy --validation-mark H3K4me3" plan.log \
    && ! grep -q -- "--validation H3K27ac=$WORK/results/bins/E002" plan.log \
    && ! grep -E "achrome-train .*H3K27ac" plan.log | grep -q . \
    && ok "validation track binned and given to E001's run page only" || not_ok "validation track plan: $(grep -c . plan.log) lines"
else
  not_ok "validation track refused: $(grep -v '^  File' plan.log | head -n 4)"
fi
config notrack.yaml "$WORK/extra.tsv"
printf 'validation: {track: ""}\n' >> notrack.yaml
refused "validation switched off refuses the track's rows" "extra.tsv:7: column mark: 'H3K9ac' is not one of the config's marks \(H3K27me3, H3K36me3, H3K4me1, H3K4me3, H3K9me3\)$" notrack.yaml
config input.yaml "$WORK/track.tsv"
printf 'validation: {track: H3K4me3}\n' >> input.yaml
refused "validation track that is a model input" "validation.track: H3K4me3 is a model input" input.yaml

sheet short.tsv E001 E002
grep -v $'^E002\tH3K9me3' short.tsv > short2.tsv
config short.yaml "$WORK/short2.tsv"
refused "epigenome missing a mark" "short2.tsv:7: column mark: epigenome E002 has no signal for marks H3K9me3" short.yaml

printf 'epigenome\tmark\tfile\nE001\tH3K4me3\tx.bw\n' > nocol.tsv
config nocol.yaml "$WORK/nocol.tsv"
refused "sheet without a signal column" "nocol.tsv:1: no column 'signal' in the header" nocol.yaml

sheet badid.tsv E001
sed -i '3s/^E001/E 001/' badid.tsv
config badid.yaml "$WORK/badid.tsv"
refused "epigenome id with a space" "badid.tsv:3: column epigenome: 'E 001' is not valid" badid.yaml
finish
