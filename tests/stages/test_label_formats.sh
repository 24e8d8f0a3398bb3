#!/usr/bin/env bash
# achrome-label on a small example of every supported quantification format, written here in each
# tool's documented layout, compared with values and labels computed independently in Python;
# thresholds, splits, determinism; bad inputs give one-line file:line errors and leave no output.
source "$(dirname "$0")/lib.sh"
need_python numpy
LABEL="$ACHROME_BIN/achrome-label"
IN="$WORK/in"
mkdir -p "$IN"

"$PY" - "$IN" <<'PYEOF'
import json, random, sys
d = sys.argv[1]
rng = random.Random(4)
chroms = ["chr1", "chr2", "chr3", "chrX"]
genes = [f"ENSG{100000 + 17 * i:011d}" for i in range(40)]
with open(f"{d}/genes.tsv", "w") as f:  # GENCODE-versioned ids; the last gene has no value anywhere
    f.write("gene_id\tname\tchrom\ttss\tstrand\n")
    for i, g in enumerate(genes + ["ENSG99999999999"]):
        f.write(f"{g}.{1 + i % 3}\tG{i}\t{chroms[i % 4]}\t{1000 * i}\t{'+-'[i % 2]}\n")
extra = "ENSG77777777777"  # quantified but not in genes.tsv: ignored
ids = genes + [extra]
expected = {}
def rnd(scale=100.0):  # values with ties (zeros) like real data
    return 0.0 if rng.random() < 0.15 else round(rng.uniform(0, scale), 3)

# matrix, TSV (Roadmap style: header gene_id E003 E005; trailing tab on rows)
e3 = {g: rnd() for g in ids}; e5 = {g: rnd() for g in ids}
with open(f"{d}/matrix.tsv", "w") as f:
    f.write("gene_id\tE003\tE005\n")
    for g in ids: f.write(f"{g}\t{e3[g]}\t{e5[g]}\t\n")
expected["matrix_tsv"] = e5
# matrix, CSV as R's write.csv writes it (quoted names, empty first header name)
with open(f"{d}/matrix.csv", "w") as f:
    f.write('"","E003","E005"\n')
    for g in ids: f.write(f'"{g}",{e3[g]},{e5[g]}\n')
expected["matrix_csv"] = e3
# matrix as R's write.table(sep="\t", quote=FALSE) writes it: the header names only the samples
with open(f"{d}/matrix_r.tsv", "w") as f:
    f.write("E003\tE005\n")
    for g in ids: f.write(f"{g}.4\t{e3[g]}\t{e5[g]}\n")
expected["matrix_r"] = e5

# RSEM genes.results
fpkm, tpm = {}, {}
with open(f"{d}/sample.genes.results", "w") as f:
    f.write("gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM\n")
    for i, g in enumerate(ids):
        fpkm[g], tpm[g] = rnd(), rnd()
        f.write(f"{g}.{i % 5 + 1}\tENST{i:011d}.1,ENST{i + 500:011d}.2\t{1000 + i}.00\t{900.5 + i:.2f}\t{rng.randint(0, 5000)}.00\t{tpm[g]:.2f}\t{fpkm[g]:.2f}\n")
        fpkm[g], tpm[g] = float(f"{fpkm[g]:.2f}"), float(f"{tpm[g]:.2f}")
expected["rsem"] = fpkm
expected["rsem_tpm"] = tpm

# salmon quant.sf / kallisto abundance.tsv: 1-3 transcripts per gene, summed via tx2gene
tx = []
for i, g in enumerate(ids):
    for k in range(1 + i % 3):
        tx.append((f"ENST{200000 + 10 * i + k:011d}", g))
tx_unmapped = "ENST00000999999"
with open(f"{d}/tx2gene.tsv", "w") as f:
    f.write("TXNAME\tGENEID\n")  # tximport-style header: names no quantified transcript
    for t, g in tx: f.write(f"{t}.3\t{g}.9\n")
with open(f"{d}/tx2gene.csv", "w") as f:
    for t, g in tx: f.write(f"{t},{g}\n")
sal, kal = {}, {}
with open(f"{d}/quant.sf", "w") as f, open(f"{d}/abundance.tsv", "w") as k:
    f.write("Name\tLength\tEffectiveLength\tTPM\tNumReads\n")
    k.write("target_id\tlength\teff_length\test_counts\ttpm\n")
    for t, g in tx + [(tx_unmapped, None)]:
        a, b = rnd(50), rnd(50)
        f.write(f"{t}.3\t1657\t1491.000\t{a:.6f}\t{rng.randint(0, 900)}.000\n")
        k.write(f"{t}.3\t1657\t1491.11\t{rng.randint(0, 900)}\t{b}\n")
        if g:
            sal[g] = sal.get(g, 0.0) + float(f"{a:.6f}")
            kal[g] = kal.get(g, 0.0) + b
expected["salmon"] = sal
expected["kallisto"] = kal
# salmon gene level (quant.genes.sf: same header, gene ids)
sg = {g: rnd() for g in ids}
with open(f"{d}/quant.genes.sf", "w") as f:
    f.write("Name\tLength\tEffectiveLength\tTPM\tNumReads\n")
    for g in ids: f.write(f"{g}.2\t2000.5\t1800.2\t{sg[g]}\t{rng.randint(0, 900)}.0\n")
expected["salmon_genes"] = sg
# kallisto on a GENCODE transcriptome without --gencode: "ENST|ENSG|OTTHUMG|OTTHUMT|name-201|name|len|biotype|"
kg = {}
with open(f"{d}/abundance_gencode.tsv", "w") as f:
    f.write("target_id\tlength\teff_length\test_counts\ttpm\n")
    for t, g in tx:
        b = rnd(50)
        f.write(f"{t}.3|{g}.9|OTTHUMG00000000961.2|OTTHUMT00000362751.1|X-201|X|1657|protein_coding|\t1657\t1491.11\t7\t{b}\n")
        kg[g] = kg.get(g, 0.0) + b
expected["kallisto_gencode"] = kg

# featureCounts: program line, header, two BAM columns; RPKM and TPM of E005.bam from counts and Length
lengths = {g: rng.randint(300, 20000) for g in ids}
c3 = {g: rng.randint(0, 3000) if rng.random() > 0.1 else 0 for g in ids}
c5 = {g: rng.randint(0, 3000) if rng.random() > 0.1 else 0 for g in ids}
with open(f"{d}/counts.txt", "w") as f:
    f.write('# Program:featureCounts v2.0.3; Command:"featureCounts" "-T" "2" "-a" "genes.gtf" "-o" "counts.txt" "/data/bams/E003.bam" "/data/bams/E005.bam" \n')
    f.write("Geneid\tChr\tStart\tEnd\tStrand\tLength\t/data/bams/E003.bam\t/data/bams/E005.bam\n")
    for g in ids:
        f.write(f"{g}.5\tchr1;chr1\t100;900\t500;{900 + lengths[g]}\t+;+\t{lengths[g]}\t{c3[g]}\t{c5[g]}\n")
total = 0.0
for g in ids: total += c5[g]
expected["featurecounts"] = {g: c5[g] * 1e9 / (lengths[g] * total) for g in ids}
rate_total = 0.0
for g in ids: rate_total += c5[g] / lengths[g]
expected["featurecounts_tpm"] = {g: c5[g] / lengths[g] / rate_total * 1e6 for g in ids}

# STAR ReadsPerGene.out.tab: 4 N_ lines, then gene unstranded forward reverse; lengths from a file
sr = {g: rng.randint(0, 3000) for g in ids}
with open(f"{d}/ReadsPerGene.out.tab", "w") as f:
    f.write("N_unmapped\t2674603\t2674603\t2674603\nN_multimapping\t2959550\t2959550\t2959550\n")
    f.write("N_noFeature\t3618\t15465476\t15471256\nN_ambiguous\t8063\t3390\t3385\n")
    for g in ids: f.write(f"{g}.5\t{rng.randint(0, 9000)}\t{rng.randint(0, 50)}\t{sr[g]}\n")
with open(f"{d}/gene_lengths.tsv", "w") as f:
    f.write("gene_id\tlength\n")
    for g in ids: f.write(f"{g}\t{lengths[g]}\n")
total = 0.0
for g in ids: total += sr[g]
expected["star"] = {g: sr[g] * 1e9 / (lengths[g] * total) for g in ids}
json.dump(expected, open(f"{d}/expected.json", "w"))
PYEOF

# case  expected-format  file  flags...
run_case() {
  local name="$1" format="$2" file="$3"
  shift 3
  if "$LABEL" --quiet --genes "$IN/genes.tsv" --expression "$IN/$file" --out "$WORK/out/$name.tsv" "$@" \
      2>"$WORK/$name.log"; then
    if "$PY" - "$IN/expected.json" "$name" "$format" "$WORK/out/$name.tsv" "$WORK/out/$name.json" <<'PYEOF'
import json, sys
import numpy as np
expected_path, name, fmt, labels_path, summary_path = sys.argv[1:]
expected = json.load(open(expected_path))[name]
genes = [l.split("\t") for l in open(expected_path.replace("expected.json", "genes.tsv"))][1:]
kept = [(g[0], expected[g[0].split(".")[0]]) for g in genes if g[0].split(".")[0] in expected]
values = np.array([v for _, v in kept])
median = np.median(values)
got = [l.rstrip("\n").split("\t") for l in open(labels_path)][1:]
assert [g[0] for g in got] == [k for k, _ in kept], "gene ids / order"
for (gene, value, label, _), v in zip(got, values):
    assert abs(float(value) - v) <= 1e-12 * max(1.0, abs(v)), (gene, value, v)
    assert int(label) == int(v > median), (gene, value, median)
summary = json.load(open(summary_path))
assert summary["expression"]["format"] == fmt, summary["expression"]
assert summary["genes_dropped"] == 1 and summary["genes_labelled"] == 40, summary
assert abs(summary["threshold"] - median) <= 1e-12 * max(1.0, median), (summary["threshold"], median)
PYEOF
    then ok "$name: detected as $format; values and labels equal the independent computation"
    else not_ok "$name: differs"; fi
  else
    not_ok "$name: failed: $(cat "$WORK/$name.log")"
  fi
}

run_case matrix_tsv matrix matrix.tsv --epigenome E005
run_case matrix_csv matrix matrix.csv --epigenome E003
run_case matrix_r matrix matrix_r.tsv --epigenome E005
run_case rsem rsem sample.genes.results --epigenome E003
run_case rsem_tpm rsem sample.genes.results --epigenome E003 --value tpm
run_case salmon salmon quant.sf --epigenome E003 --tx2gene "$IN/tx2gene.tsv"
run_case salmon_genes salmon quant.genes.sf --epigenome E003
run_case kallisto kallisto abundance.tsv --epigenome E003 --tx2gene "$IN/tx2gene.csv"
run_case kallisto_gencode kallisto abundance_gencode.tsv --epigenome E003
run_case featurecounts featurecounts counts.txt --epigenome E005
run_case featurecounts_tpm featurecounts counts.txt --epigenome E005 --value tpm
run_case star star ReadsPerGene.out.tab --epigenome E003 --star-column reverse --gene-lengths "$IN/gene_lengths.tsv"

"$LABEL" --genes "$IN/genes.tsv" --expression "$IN/quant.sf" --epigenome E003 --tx2gene "$IN/tx2gene.tsv" \
  --out "$WORK/out/warn.tsv" 2>"$WORK/warn.log"
grep -q "1 of 41 genes have no value" "$WORK/warn.log" && ok "dropped genes counted in the log" \
  || not_ok "no dropped count in the log: $(cat "$WORK/warn.log")"
grep -q "1 of 82 transcripts .* are not in .*tx2gene.tsv" "$WORK/warn.log" \
  && ok "transcripts missing from tx2gene counted in the log" || not_ok "no unmapped-transcript count"
"$LABEL" --quiet --format matrix --genes "$IN/genes.tsv" --expression "$IN/matrix.tsv" --epigenome E003 \
  --value-column E005 --out "$WORK/out/vc.tsv"
cut -f2 "$WORK/out/vc.tsv" | cmp -s - <(cut -f2 "$WORK/out/matrix_tsv.tsv") \
  && ok "--value-column picks another column" || not_ok "--value-column ignored"

# Thresholds and splits against numpy, on the matrix case's values.
M=(--genes "$IN/genes.tsv" --expression "$IN/matrix.tsv" --epigenome E005 --quiet)
"$LABEL" "${M[@]}" --threshold quantile:0.75 --out "$WORK/out/q.tsv"
"$LABEL" "${M[@]}" --threshold value:40 --out "$WORK/out/v.tsv"
"$LABEL" "${M[@]}" --split chromosome --valid-chroms chr2 --test-chroms 3,X --out "$WORK/out/chrom.tsv"
"$LABEL" "${M[@]}" --split random --seed 7 --out "$WORK/out/r7a.tsv"
"$LABEL" "${M[@]}" --split random --seed 7 --out "$WORK/out/r7b.tsv"
"$LABEL" "${M[@]}" --split random --seed 8 --out "$WORK/out/r8.tsv"
"$LABEL" "${M[@]}" --split random --seed 7 --fractions 0.5,0.25 --out "$WORK/out/rf.tsv"
if "$PY" - "$WORK/out" "$IN/genes.tsv" <<'PYEOF'
import json, sys
import numpy as np
out, genes_path = sys.argv[1:]
chrom = {l.split("\t")[0]: l.split("\t")[2] for l in open(genes_path)}
def load(name):
    rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/{name}.tsv")][1:]
    return rows, json.load(open(f"{out}/{name}.json"))
rows, s = load("q")
values = np.array([float(r[1]) for r in rows])
q = np.quantile(values, 0.75)
assert s["threshold"] == q and s["method"] == "quantile" and s["threshold_rule"] == "quantile:0.75", (s, q)
assert [int(r[2]) for r in rows] == list((values > q).astype(int))
assert s["positives"] == int((values > q).sum())
rows, s = load("v")
assert s["threshold"] == 40 and [int(r[2]) for r in rows] == list((values > 40).astype(int))
rows, s = load("chrom")
want = {"chr2": "valid", "chr3": "test", "chrX": "test", "chr1": "train"}
assert all(r[3] == want[chrom[r[0]]] for r in rows)
assert s["split"] == {"method": "chromosome", "valid_chroms": ["chr2"], "test_chroms": ["3", "X"]}, s["split"]
a, s = load("r7a")
b, _ = load("r8")
assert [r[0] for r in a] == [r[0] for r in b], "random split keeps genes.tsv order"
assert [r[3] for r in a] != [r[3] for r in b], "seeds 7 and 8 give the same split"
n = len(a)
counts = [sum(r[3] == x for r in a) for x in ("train", "valid", "test")]
cut = round(n * 6601 / 19802)
assert counts == [cut, cut, n - 2 * cut], counts
assert s["split"] == {"method": "random", "seed": 7}, s["split"]
f, s = load("rf")
assert [sum(r[3] == x for r in f) for x in ("train", "valid", "test")] == [20, 10, 10]
PYEOF
then ok "quantile/value thresholds, chromosome and random splits as specified"; else not_ok "thresholds/splits"; fi
cmp -s "$WORK/out/r7a.tsv" "$WORK/out/r7b.tsv" && cmp -s "$WORK/out/r7a.json" "$WORK/out/r7b.json" \
  && ok "same seed, same flags: byte-identical labels and JSON" || not_ok "random split not reproducible"

# Bad inputs: one line naming file:line, non-zero exit, nothing left in $WORK/bad.
B="$WORK/bad"
G=(--genes "$IN/genes.tsv")
sed 's/\tFPKM$/\tFPKM_x/' "$IN/sample.genes.results" > "$IN/nofpkm.genes.results"
expect_fail "RSEM without FPKM column" "nofpkm.genes.results:1: no column 'FPKM' .*columns: gene_id" \
  "$LABEL" "${G[@]}" --expression "$IN/nofpkm.genes.results" --epigenome E003 --out "$B/1.tsv"
awk 'NR == 3 { $4 = "abc" } 1' OFS='\t' "$IN/quant.sf" > "$IN/bad.quant.sf"
expect_fail "salmon non-numeric TPM" "bad.quant.sf:3: column TPM: 'abc' is not a number" \
  "$LABEL" "${G[@]}" --expression "$IN/bad.quant.sf" --epigenome E003 --tx2gene "$IN/tx2gene.tsv" --out "$B/2.tsv"
expect_fail "featureCounts unknown sample lists the available" \
  "counts.txt:2: no sample column 'E999'.*available: /data/bams/E003.bam /data/bams/E005.bam" \
  "$LABEL" "${G[@]}" --expression "$IN/counts.txt" --epigenome E999 --out "$B/3.tsv"
expect_fail "matrix unknown epigenome lists the available" "matrix.csv:1: no epigenome 'E999' .*available: E003 E005" \
  "$LABEL" "${G[@]}" --expression "$IN/matrix.csv" --epigenome E999 --out "$B/4.tsv"
expect_fail "kallisto transcripts without a map" "abundance.tsv:2: 'ENST.*' is a transcript id; give --tx2gene" \
  "$LABEL" "${G[@]}" --expression "$IN/abundance.tsv" --epigenome E003 --out "$B/5.tsv"
sed -n '1,3p;3p' "$IN/sample.genes.results" > "$IN/dup.genes.results"
expect_fail "RSEM duplicated gene id" "dup.genes.results:4: gene id '.*' repeats \(first at .*dup.genes.results:3" \
  "$LABEL" "${G[@]}" --expression "$IN/dup.genes.results" --epigenome E003 --out "$B/6.tsv"
expect_fail "STAR needs gene lengths" "ReadsPerGene.out.tab: .*--gene-lengths" \
  "$LABEL" "${G[@]}" --expression "$IN/ReadsPerGene.out.tab" --epigenome E003 --out "$B/7.tsv"
head -5 "$IN/gene_lengths.tsv" > "$IN/few_lengths.tsv"
expect_fail "STAR gene without a length" "ReadsPerGene.out.tab:9: gene '.*' has no length in .*few_lengths.tsv" \
  "$LABEL" "${G[@]}" --expression "$IN/ReadsPerGene.out.tab" --epigenome E003 --gene-lengths "$IN/few_lengths.tsv" \
  --out "$B/8.tsv"
{ cat "$IN/tx2gene.tsv"; printf 'ENST00000200000.3\tENSG00000000001\n'; } > "$IN/conflict.tsv"
expect_fail "tx2gene conflict names file:line" "conflict.tsv:83: transcript 'ENST00000200000.3' mapped to gene" \
  "$LABEL" "${G[@]}" --expression "$IN/quant.sf" --epigenome E003 --tx2gene "$IN/conflict.tsv" --out "$B/9.tsv"
printf 'Geneid\tChr\tStart\tEnd\tStrand\tLength\tE003.bam\nENSG1\tchr1\t1\t100\t+\t0\t5\n' > "$IN/zero.txt"
expect_fail "featureCounts zero length" "zero.txt:2: Length '0' must be a positive" \
  "$LABEL" "${G[@]}" --expression "$IN/zero.txt" --epigenome E003 --out "$B/10.tsv"
expect_fail "bad threshold" "--threshold quantile:2" \
  "$LABEL" "${M[@]}" --threshold quantile:2 --out "$B/11.tsv"
expect_fail "held-out chromosome without genes" "no labelled gene on chromosome 'chr22'.*chr1 chr2 chr3 chrX" \
  "$LABEL" "${M[@]}" --split chromosome --valid-chroms chr22 --test-chroms chr3 --out "$B/12.tsv"
expect_fail "chromosome in two splits" "chromosome 'chr3' is named twice" \
  "$LABEL" "${M[@]}" --split chromosome --valid-chroms 3 --test-chroms chr3 --out "$B/13.tsv"
expect_fail "unknown format" "unknown expression format 'cufflinks'" \
  "$LABEL" "${M[@]}" --format cufflinks --out "$B/14.tsv"
if [ -z "$(ls -A "$B" 2>/dev/null)" ]; then ok "no output left by failed runs"; else not_ok "left: $(ls -A "$B")"; fi

finish
