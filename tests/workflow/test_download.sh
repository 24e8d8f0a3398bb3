#!/usr/bin/env bash
# Downloads resume, verify, and never leave a partial file under the final name; a mirror folder replaces
# an upstream URL prefix. file:// URLs stand in for the upstream servers (curl treats them alike).
source "$ACHROME_TESTS/stages/lib.sh"
need snakemake curl

cd "$WORK"
mkdir -p upstream/data signal
head -c 200000 /dev/urandom | gzip > whole.gz && head -c 20000 whole.gz > upstream/data/cut.tsv.gz  # a gzip cut short
printf 'epigenome\tmark\tsignal\n' > samples.tsv
for mark in H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3; do
  touch "signal/$mark.bw"
  printf 'E001\t%s\tsignal/%s.bw\n' "$mark" "$mark" >> samples.tsv
done
touch genes.gtf
config() {  # config FILE MATRIX_URL [more yaml]
  cat > "$1" <<YAML
results: $WORK/results
binaries: $ACHROME_BIN
samples: $WORK/samples.tsv
simulate: {enabled: false}
annotation: {gtf: genes.gtf}
expression: {matrix: "$2"}
marks: [H3K27me3, H3K36me3, H3K4me1, H3K4me3, H3K9me3]
bins: {upstream: 5000, downstream: 5000, bin_size: 100, orientation: genomic}
train: {models: [attentivechrome], epochs: 3, batch_size: 16, lr: 0.0002, seed: 1, device: cpu, threads: 1}
${3:-}
YAML
}
smk() { snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK" --cores 1 "$@"; }
downloads="$WORK/results/downloads"

# A download killed halfway resumes from its .part file: the bytes already there are kept (so the .part
# here holds other bytes than upstream's, to tell a resume from a fresh download), the rest is fetched.
head -c 200000 /dev/urandom > upstream/data/matrix.tsv
config resume.yaml "file://$WORK/upstream/data/matrix.tsv"
mkdir -p "$downloads"
head -c 70000 /dev/zero > "$downloads/matrix.tsv.part"
{ head -c 70000 /dev/zero; tail -c +70001 upstream/data/matrix.tsv; } > resumed.expected
if smk "$downloads/matrix.tsv" --configfile resume.yaml > resume.log 2>&1 \
    && cmp -s "$downloads/matrix.tsv" resumed.expected && [ ! -e "$downloads/matrix.tsv.part" ]; then
  ok "a partial download resumes where it stopped and completes"
else
  not_ok "resume: $(tail -n 5 resume.log)"
fi

# A file that fails its integrity check never gets the final name, and the partial file goes too.
config cut.yaml "file://$WORK/upstream/data/cut.tsv.gz"
if smk "$downloads/cut.tsv.gz" --configfile cut.yaml > cut.log 2>&1; then
  not_ok "a truncated gzip was accepted"
else
  [ ! -e "$downloads/cut.tsv.gz" ] && [ ! -e "$downloads/cut.tsv.gz.part" ] \
    && grep -q "fails its integrity check" "$WORK/results/logs/download/cut.tsv.gz.log" \
    && ok "a truncated gzip fails the download, leaves nothing, and the log says why" \
    || not_ok "truncated gzip left $(ls "$downloads")"
fi

# A missing upstream file fails without leaving a file either.
config missing.yaml "file://$WORK/upstream/data/none.tsv.gz"
if smk "$downloads/none.tsv.gz" --configfile missing.yaml > missing.log 2>&1; then not_ok "a missing URL succeeded"; else
  [ ! -e "$downloads/none.tsv.gz" ] && ok "a missing URL fails and leaves no file" || not_ok "missing URL left a file"
fi

# mirror: URLs under the prefix are read from the folder: nothing is downloaded.
cp whole.gz upstream/data/matrix.tsv.gz
config mirror.yaml "https://example.org/roadmap/data/matrix.tsv.gz" "mirror: {prefix: 'https://example.org/roadmap/', folder: $WORK/upstream}"
if smk "$WORK/results/labels/E001.tsv" -n -p --configfile mirror.yaml > mirror.log 2>&1 \
    && ! grep -q "^download" mirror.log && grep -q -- "--expression $WORK/upstream/data/matrix.tsv.gz" mirror.log; then
  ok "mirror folder replaces the URL prefix; no download planned"
else
  not_ok "mirror: $(grep -v '^  File' mirror.log | tail -n 8)"
fi
finish
