#!/usr/bin/env bash
# A cell type from outside Roadmap by config alone (config/examples/new-cell-type.yaml): a GENCODE-style
# GTF with versioned ids, bigWig signal, a Roadmap-layout matrix column for E001 and an RSEM genes.results
# for LAB1, in one study, end to end on simulated files placed where the example config expects them.
source "$ACHROME_TESTS/stages/lib.sh"
need snakemake
need_python numpy

as_repository_root
"$ACHROME_BIN/achrome-simulate" -q --out sim --genes 300 --epigenomes E001,LAB1 --formats bigwig --seed 3
mkdir -p mylab
cp sim/genes.gtf mylab/gencode.annotation.gtf
ln -s "$WORK/sim/signal" mylab/signal
"$PY" - sim mylab <<'PY'
import sys
sim, lab = sys.argv[1:]
rows = [line.rstrip("\n").split("\t") for line in open(f"{sim}/expression.tsv")]
header = rows[0]
e001, lab1 = header.index("E001"), header.index("LAB1")
with open(f"{lab}/roadmap-style-matrix.tsv", "w") as out:
    out.write("gene_id\tE001\n")
    for r in rows[1:]:
        out.write(f"{r[0]}\t{r[e001]}\n")
# RSEM *.genes.results with versioned ids, as RSEM writes it against a GENCODE annotation.
with open(f"{lab}/LAB1.genes.results", "w") as out:
    out.write("gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM\n")
    for r in rows[1:]:
        fpkm = float(r[lab1])
        out.write(f"{r[0]}.7\t{r[0].replace('ENSG', 'ENST')}.7\t2000.00\t1850.00\t{fpkm * 3:.2f}\t{fpkm * 0.9:.2f}\t{fpkm:.2f}\n")
PY
# Two epochs, and a model size through train.sizes (smaller and faster than the default, 32).
printf 'train: {epochs: 2, sizes: {attentivechrome: {bin_hidden: 8}}}\n' > quick.yaml
smk() { snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK" --configfile config/examples/new-cell-type.yaml quick.yaml "$@"; }
if smk --cores 2 > run.log 2>&1; then
  ok "the example config runs end to end"
else
  not_ok "workflow failed: $(tail -n 30 run.log)"
  for log in $(find results -name '*.log' 2>/dev/null); do echo "== $log"; tail -n 5 "$log"; done
  finish
  exit 1
fi
results=results/new-cell-type
for eid in E001 LAB1; do
  [ -s "$results/runs/$eid/attentivechrome/metrics.json" ] && ok "$eid trained" || not_ok "$eid run missing"
  [ -s "$results/reports/$eid/attentivechrome.html" ] && ok "$eid report" || not_ok "$eid report missing"
done
[ "$(wc -l < "$results/reports/summary.tsv")" -eq 3 ] && ok "summary of both cell types" || not_ok "summary rows"
"$PY" -c 'import json, sys; assert json.load(open(sys.argv[1]))["bin_hidden"] == 8' \
  "$results/runs/LAB1/attentivechrome/model.json" && ok "train.sizes reaches the model (model.json)" \
  || not_ok "train.sizes not applied: $(cat "$results/runs/LAB1/attentivechrome/model.json")"
"$PY" - "$results" mylab sim <<'PY' && ok "LAB1 labelled from its RSEM FPKM, E001 from the matrix column" || not_ok "labels do not follow their sources"
import json, sys
import numpy as np
results, lab, sim = sys.argv[1:]
def labels(eid):
    return {r[0]: int(r[2]) for r in (line.rstrip("\n").split("\t") for line in list(open(f"{results}/labels/{eid}.tsv"))[1:])}
def expected(path, id_col, value_col, strip):
    rows = [line.rstrip("\n").split("\t") for line in list(open(path))[1:]]
    values = {(r[id_col].split(".")[0] if strip else r[id_col]): float(r[value_col]) for r in rows}
    median = np.median(list(values.values()))
    return {g: int(v > median) for g, v in values.items()}
assert labels("LAB1") == expected(f"{lab}/LAB1.genes.results", 0, 6, True)
assert labels("E001") == expected(f"{lab}/roadmap-style-matrix.tsv", 0, 1, False)
assert json.load(open(f"{results}/labels/LAB1.json"))["expression"]["format"] == "rsem"
PY

# The expression sheet is checked before any job, like the sample sheet.
printf 'epigenome\tfile\tformat\nLAB2\tx.results\trsem\n' > bad-expression.tsv
printf 'expression: {sheet: %s/bad-expression.tsv}\n' "$WORK" > bad.yaml
if smk bad.yaml -n > bad.log 2>&1; then not_ok "unknown epigenome in the expression sheet accepted"; else
  grep -q "bad-expression.tsv:2: column epigenome: 'LAB2' is not in the sample sheet" bad.log \
    && ok "expression sheet row for an unknown epigenome refused, naming file, row and column" || not_ok "unclear: $(grep -v '^  File' bad.log | head -n 3)"
fi
finish
