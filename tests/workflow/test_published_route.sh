#!/usr/bin/env bash
# The published-data route (config/published.yaml): generated folders in the published CSV layout, one
# per epigenome, are imported, trained and reported by the workflow; the imported bins and labels equal
# the CSVs.
source "$ACHROME_TESTS/stages/lib.sh"
need snakemake
need_python numpy

as_repository_root
"$PY" - data/deepchrome <<'PY'
import os, sys
import numpy as np
root = sys.argv[1]
rng = np.random.default_rng(5)
for eid in ("E003", "E123"):
    os.makedirs(f"{root}/{eid}")
    gene = 0
    for split, genes in (("train", 120), ("valid", 60), ("test", 60)):
        with open(f"{root}/{eid}/{split}.csv", "w") as out:
            for _ in range(genes):
                gene += 1
                label = int(rng.random() < 0.5)
                counts = rng.poisson(1.0, size=(100, 5))
                counts[45:55, 3] += rng.poisson(6 if label else 1, size=10)  # H3K4me3 at the TSS
                for b in range(100):
                    out.write(f"{gene:06d},{b + 1}," + ",".join(str(c) for c in counts[b]) + f",{label}\n")
PY
printf 'published: {folder: %s/data/deepchrome}\ntrain: {epochs: 2}\n' "$WORK" > quick.yaml
if snakemake -s "$ACHROME_SOURCE/workflow/Snakefile" -d "$WORK" --configfile config/published.yaml quick.yaml --cores 2 > run.log 2>&1; then
  ok "published route runs end to end"
else
  not_ok "published route failed: $(tail -n 30 run.log)"
  for log in $(find results -name '*.log' 2>/dev/null); do echo "== $log"; tail -n 5 "$log"; done
  finish
  exit 1
fi
results=results/published-route
for eid in E003 E123; do
  [ -s "$results/runs/$eid/attentivechrome/metrics.json" ] && ok "$eid trained" || not_ok "$eid run missing"
  [ -s "$results/reports/$eid/attentivechrome.html" ] && ok "$eid report" || not_ok "$eid report missing"
done
"$PY" - data/deepchrome "$results" <<'PY' && ok "imported bins, labels and split equal the CSVs" || not_ok "import differs from the CSVs"
import sys
import numpy as np
data, results = sys.argv[1:]
marks = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
for eid in ("E003", "E123"):
    rows, splits = [], []
    for split in ("train", "valid", "test"):
        for line in open(f"{data}/{eid}/{split}.csv"):
            rows.append([int(v) for v in line.split(",")])
            splits.append(split)
    rows = np.array(rows)
    genes = len(rows) // 100
    for m, mark in enumerate(marks):
        got = np.load(f"{results}/published/{eid}/{mark}.npy")
        assert np.array_equal(got, rows[:, 2 + m].reshape(genes, 100)), (eid, mark)
    labels = [line.rstrip("\n").split("\t") for line in list(open(f"{results}/published/{eid}/labels.tsv"))[1:]]
    assert [int(r[2]) for r in labels] == list(rows[::100, -1]), eid
    assert [r[3] for r in labels] == splits[::100], eid
PY
[ "$(wc -l < "$results/reports/summary.tsv")" -eq 3 ] && ok "summary over both epigenomes" || not_ok "summary rows"
finish
