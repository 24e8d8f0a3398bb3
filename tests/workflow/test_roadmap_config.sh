#!/usr/bin/env bash
# The paper's configuration (config/roadmap.yaml: 56 epigenomes x 5 marks from the upstream URLs) plans
# the whole study: a dry run, since the files are downloads of tens of GB.
source "$ACHROME_TESTS/stages/lib.sh"
need snakemake
cd "$WORK"
if snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK" -n -p \
    --configfile "$ACHROME_SOURCE/config/roadmap.yaml" \
    --config samples="$ACHROME_SOURCE/config/roadmap-samples.tsv" > plan.txt 2>&1; then
  ok "roadmap config validates and plans"
else
  not_ok "roadmap dry run failed: $(tail -n 20 plan.txt)"
fi
count() { awk -v rule="$1" '$1 == rule {print $2; exit}' plan.txt; }
[ "$(count bin)" = 280 ] && ok "280 bin jobs (56 x 5)" || not_ok "bin jobs: $(count bin)"
[ "$(count train)" = 56 ] && ok "56 training runs" || not_ok "train jobs: $(count train)"
[ "$(count download)" = 282 ] && ok "282 downloads (280 tagAlign + GTF + RPKM matrix)" || not_ok "downloads: $(count download)"
grep -q "egg2.wustl.edu/roadmap/data/byFileType/alignments/consolidated/E003-H3K4me3.tagAlign.gz" plan.txt \
  && ok "names the upstream consolidated tagAlign" || not_ok "upstream URL missing from the plan"

# A sample sheet that misses a mark for an epigenome is refused before anything runs.
head -n 5 "$ACHROME_SOURCE/config/roadmap-samples.tsv" > short.tsv
if snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK" -n --configfile "$ACHROME_SOURCE/config/roadmap.yaml" \
    --config samples="$WORK/short.tsv" > short.txt 2>&1; then
  not_ok "incomplete sample sheet accepted"
else
  grep -q "has no signal for marks H3K9me3" short.txt && ok "incomplete sample sheet refused, naming the mark" || not_ok "unclear error: $(tail -n 5 short.txt)"
fi
finish
