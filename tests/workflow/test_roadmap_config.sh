#!/usr/bin/env bash
# The paper's configuration (config/roadmap.yaml: 56 epigenomes x 5 marks). The plan is a dry run, since
# the tagAlign files are downloads of tens of GB; the gene set and the labels ship in the repository, so
# those jobs run for real and are checked against the published gene windows and the published split.
source "$ACHROME_TESTS/stages/lib.sh"
need snakemake
need_python numpy yaml

as_repository_root
smk() { snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK" --configfile config/roadmap.yaml "$@"; }

if smk -n -p > plan.txt 2>&1; then
  ok "roadmap config validates and plans"
else
  not_ok "roadmap dry run failed: $(tail -n 20 plan.txt)"
fi
count() { awk -v rule="$1" '$1 == rule {print $2; exit}' plan.txt; }
[ "$(count bin)" = 280 ] && ok "280 bin jobs (56 x 5)" || not_ok "bin jobs: $(count bin)"
[ "$(count label)" = 56 ] && ok "56 label jobs" || not_ok "label jobs: $(count label)"
[ "$(count train)" = 392 ] && ok "392 training runs (56 epigenomes x the paper's 7 models)" || not_ok "train jobs: $(count train)"
[ "$(count report)" = 392 ] && [ "$(count summary)" = 1 ] && ok "392 run reports and a summary" || not_ok "reports: $(count report) + $(count summary)"
[ "$(count genes)" = 1 ] && ok "one gene set" || not_ok "genes jobs: $(count genes)"
[ "$(count download)" = 280 ] && ok "280 downloads (the tagAlign files; annotation and matrix ship here)" || not_ok "downloads: $(count download)"
grep -q "egg2.wustl.edu/roadmap/data/byFileType/alignments/consolidated/E003-H3K4me3.tagAlign.gz" plan.txt \
  && ok "names the upstream consolidated tagAlign" || not_ok "upstream URL missing from the plan"

# Every job asks for what config resources: says (the measured table of docs/resources.md, whose YAML block
# must be config/config.yaml's section): training 3 x (fixed + 30 epochs x per epoch) minutes.
"$PY" - "$ACHROME_SOURCE" plan.txt <<'PY' && ok "every planned job's mem_mb and runtime are config resources:, which docs/resources.md lists" || not_ok "planned resources differ from config/docs"
import math, re, sys
import yaml
root, plan = sys.argv[1:]
res = yaml.safe_load(open(f"{root}/config/config.yaml"))["resources"]
doc = open(f"{root}/docs/resources.md").read()
block = re.search(r"```yaml\n(resources:.*?)```", doc, re.S)
assert block and yaml.safe_load(block.group(1))["resources"] == res, "docs/resources.md's resources block is not config/config.yaml's"
checked = {}
for job in open(plan).read().split("\n\n"):
    rule = re.search(r"^(?:localrule|rule) (\w+):", job, re.M)
    got = re.search(r"resources: .*mem_mb=(\d+).*runtime=(\d+)", job)
    if not rule or not got or rule.group(1) == "all":
        continue
    rule = rule.group(1)
    if rule == "train":
        model = re.search(r"model=([a-z-]+)", job).group(1)
        t = res["train"].get(model, res["train"]["default"])
        want = (t["mem_mb"], max(5, math.ceil(3 * (t["fixed_seconds"] + 30 * t["epoch_seconds"]) / 60)))
    else:
        want = (res[rule]["mem_mb"], res[rule]["runtime"])
    assert (int(got.group(1)), int(got.group(2))) == want, (rule, got.groups(), want)
    checked[rule] = checked.get(rule, 0) + 1
assert checked.get("train") == 392 and checked.get("bin") == 280 and checked.get("download") == 280, checked
PY

# One model instead of the seven: one training job and one report per epigenome.
printf 'train: {models: [attentivechrome]}\n' > one.yaml
smk one.yaml -n > one.txt 2>&1 || true
ocount() { awk -v rule="$1" '$1 == rule {print $2; exit}' one.txt; }
[ "$(ocount train)" = 56 ] && [ "$(ocount report)" = 56 ] && [ "$(ocount bin)" = 280 ] \
  && ok "models: [attentivechrome] plans 56 training runs and reports on the same 280 bin jobs" \
  || not_ok "one-model plan: train $(ocount train), report $(ocount report), bin $(ocount bin): $(tail -n 5 one.txt)"

# The gene set and the labels build without network: run them.
if smk --cores 2 results/genes.tsv results/labels/E003.tsv results/labels/E123.tsv > jobs.log 2>&1; then
  ok "genes and labels of E003, E123 built from the shipped files"
else
  not_ok "genes/labels failed: $(tail -n 20 jobs.log)"
fi
"$PY" - "$ACHROME_SOURCE/config/data/roadmap" results <<'PY' && ok "gene set = the published windows in the published order, strands from GENCODE v10" || not_ok "gene set differs from the published windows"
import gzip, sys
data, results = sys.argv[1:]
rows = [line.split("\t") for line in open(f"{data}/deepchrome.gene_windows.bed")]
assert len(rows) == 19802, len(rows)
first, seen = [], set()
for chrom, start, end, name in rows:
    gene_id = name.strip().split("_")[0]
    if gene_id not in seen:
        seen.add(gene_id)
        first.append((gene_id, chrom, (int(start) + int(end)) // 2 - 1))
genes = [line.rstrip("\n").split("\t") for line in open(f"{results}/genes.tsv")][1:]
assert len(genes) == len(first) == 19795, (len(genes), len(first))
assert [(g[0], g[2], int(g[3])) for g in genes] == first, "order or TSS differs"
strand = {}
for line in gzip.open(f"{data}/gencode.v10.genes.gtf.gz", "rt"):
    f = line.split("\t")
    if len(f) > 8 and f[2] == "gene":
        gene_id = f[8].split('gene_id "')[1].split('"')[0].split(".")[0]
        tss = int(f[3]) - 1 if f[6] == "+" else int(f[4]) - 1
        strand[(gene_id, f[0], tss)] = f[6]
assert all(strand[(g[0], g[2], int(g[3]))] == g[4] for g in genes), "strand differs from GENCODE v10"
PY
# The published split: window-file rows 1-6601 train, 6602-13202 valid, the rest test (first occurrence of
# each id), and its class balance as the published README computes it (E003: 62.9% / 52.8% / 34.3% ON).
"$PY" - "$ACHROME_SOURCE/config/data/roadmap" results <<'PY' && ok "published split boundaries and E003's ON fractions per split" || not_ok "published split"
import json, sys
data, results = sys.argv[1:]
expect, seen = {}, set()
for row, line in enumerate(open(f"{data}/deepchrome.gene_windows.bed")):
    gene_id = line.split("\t")[3].split("_")[0]
    if gene_id not in seen:
        seen.add(gene_id)
        expect[gene_id] = "train" if row < 6601 else "valid" if row < 13202 else "test"
labels = [line.rstrip("\n").split("\t") for line in open(f"{results}/labels/E003.tsv")][1:]
assert {r[0]: r[3] for r in labels} == expect
fractions = {}
for name in ("train", "valid", "test"):
    split = [int(r[2]) for r in labels if r[3] == name]
    fractions[name] = round(100 * sum(split) / len(split), 1)
assert fractions == {"train": 62.9, "valid": 52.8, "test": 34.3}, fractions
summary = json.load(open(f"{results}/labels/E003.json"))
assert summary["split"]["method"] == "file", summary["split"]
PY
"$PY" - results <<'PY' && ok "E123's ON fractions lie in the published ranges" || not_ok "E123 fractions"
import sys
labels = [line.rstrip("\n").split("\t") for line in open(f"{sys.argv[1]}/labels/E123.tsv")][1:]
f = {n: 100 * sum(int(r[2]) for r in labels if r[3] == n) / sum(1 for r in labels if r[3] == n) for n in ("train", "valid", "test")}
assert 60.7 <= f["train"] <= 63.6 and 50.8 <= f["valid"] <= 53.8 and 33.4 <= f["test"] <= 38.1, f
PY

# A sample sheet that misses a mark for an epigenome is refused before anything runs.
head -n 5 "$ACHROME_SOURCE/config/roadmap-samples.tsv" > short.tsv
if smk -n --config samples="$WORK/short.tsv" > short.txt 2>&1; then
  not_ok "incomplete sample sheet accepted"
else
  grep -q "has no signal for marks H3K9me3" short.txt && ok "incomplete sample sheet refused, naming the mark" || not_ok "unclear error: $(tail -n 5 short.txt)"
fi
finish
