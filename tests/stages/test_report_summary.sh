#!/usr/bin/env bash
# achrome-report --summary over 3 epigenomes x 3 models of run folders made with numpy: the
# epigenome x model table and its summary rows against numbers computed here, the published numbers
# found without a flag, --published / --no-published, mean beta and a named gene's beta against
# beta.npy, all tables written together, and one-line errors.
source "$(dirname "$0")/lib.sh"
need_python numpy
REPORT="$ACHROME_BIN/achrome-report"

"$PY" - "$WORK/runs" <<'PYEOF'
import json, os, sys
import numpy as np
marks = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
rng = np.random.default_rng(5)
aurocs = {}
for eid in ["E123", "E003", "E116"]:  # given out of order: the table sorts them
    for model in ["attentivechrome", "deepchrome", "my-net"]:
        run = os.path.join(sys.argv[1], eid, model)
        os.makedirs(run)
        auroc = float(np.round(rng.uniform(0.6, 0.95), 6))
        aurocs[f"{eid} {model}"] = auroc
        metrics = {"model": model, "epigenome": eid, "marks": marks, "bins": 100, "best_epoch": 2, "epochs_run": 3,
                   "splits": {s: {"auroc": auroc, "aupr": 0.7, "loss": 0.5, "genes": 50} for s in ("train", "valid", "test")}}
        json.dump(metrics, open(os.path.join(run, "metrics.json"), "w"))
        if model != "attentivechrome":
            continue
        genes = [f"ENSG{i:011d}.3" for i in range(50)]
        genes[7] = "ENSG00000196092.9"  # PAX5
        label = rng.integers(0, 2, 50)
        beta = rng.random((50, 5)).astype(np.float32)
        beta /= beta.sum(axis=1, keepdims=True)
        np.save(os.path.join(run, "beta.npy"), beta)
        with open(os.path.join(run, "attention_genes.tsv"), "w") as f:
            f.write("gene_id\tlabel\tlogit\tprobability\n")
            for g, l in zip(genes, label):
                f.write(f"{g}\t{l}\t0.1\t0.525\n")
json.dump(aurocs, open(os.path.join(sys.argv[1], "aurocs.json"), "w"))
PYEOF

runs=()
for eid in E123 E003 E116; do for model in attentivechrome deepchrome my-net; do runs+=(--run "$WORK/runs/$eid/$model"); done; done

out="$WORK/reports/summary.html"
if "$REPORT" --summary "${runs[@]}" --gene ENSG00000196092 --gene ENSG99999999999 --out "$out" 2>"$WORK/log"; then
  ok "summary written"
else
  not_ok "summary: $(cat "$WORK/log")"
fi
ls "$WORK/reports" | sort | tr '\n' ' ' >"$WORK/files"
[ "$(cat "$WORK/files")" = "summary.auroc.tsv summary.beta.tsv summary.genes.tsv summary.html summary.table2.tsv summary.tsv " ] \
  && ok "page and its five tables" || not_ok "files: $(cat "$WORK/files")"
grep -q "published numbers from .*config/data/published" "$WORK/log" && ok "published numbers found without a flag" \
  || not_ok "log: $(cat "$WORK/log")"
[ "$(grep -c "ENSG99999999999: not a test gene" "$WORK/log")" -eq 1 ] && ! grep -q "ENSG00000196092: not" "$WORK/log" \
  && ok "one warning for a gene in no run" || not_ok "gene warnings: $(cat "$WORK/log")"

if "$PY" - "$WORK" <<'PYEOF'
import csv, json, statistics, sys
import numpy as np
work = sys.argv[1]
aurocs = json.load(open(f"{work}/runs/aurocs.json"))
def rows(name):
    return list(csv.DictReader(open(f"{work}/reports/{name}"), delimiter="\t"))
eids, models = ["E003", "E116", "E123"], ["deepchrome", "attentivechrome", "my-net"]
published = {"E003": 0.77, "E116": 0.91, "E123": 0.92}

table = rows("summary.auroc.tsv")
assert list(table[0]) == ["epigenome", "name", "published_deepchrome"] + models, list(table[0])
assert [r["epigenome"] for r in table] == eids
for r in table:
    assert float(r["published_deepchrome"]) == published[r["epigenome"]], r
    for m in models:
        assert abs(float(r[m]) - aurocs[f"{r['epigenome']} {m}"]) < 1e-6, (r, m)
assert table[1]["name"] == "GM12878"

t2 = {(r["source"], r["model"]): r for r in rows("summary.table2.tsv")}
for m in models:
    values = [aurocs[f"{e} {m}"] for e in eids]
    r = t2[("achrome", m)]
    assert r["epigenomes"] == "3"
    for key, want in [("mean", statistics.mean(values)), ("median", statistics.median(values)),
                      ("max", max(values)), ("min", min(values))]:
        assert abs(float(r[key]) - want) < 1e-6, (m, key, r[key], want)
    if m == "deepchrome":
        assert r["better_than_deepchrome"] == "nan"
    else:
        better = sum(aurocs[f"{e} {m}"] > aurocs[f"{e} deepchrome"] for e in eids)
        assert (r["better_than_deepchrome"], r["compared_with_deepchrome"]) == (str(better), "3"), (m, r)
pub = t2[("published_per_epigenome", "deepchrome")]
assert abs(float(pub["mean"]) - statistics.mean(published.values())) < 1e-6, pub
paper = t2[("paper", "attentivechrome")]
assert (paper["epigenomes"], paper["mean"], paper["better_than_deepchrome"], paper["compared_with_deepchrome"]) == \
    ("56", "0.811500", "49", "56"), paper
assert t2[("paper", "lstm")]["better_than_deepchrome"] == "36"

marks = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
beta_rows = rows("summary.beta.tsv")
assert len(beta_rows) == 15 and {r["model"] for r in beta_rows} == {"attentivechrome"}
for r in beta_rows:
    run = f"{work}/runs/{r['epigenome']}/attentivechrome"
    beta = np.load(f"{run}/beta.npy")
    label = np.array([int(l.split("\t")[1]) for l in open(f"{run}/attention_genes.tsv").readlines()[1:]])
    m = marks.index(r["mark"])
    assert r["test_genes"] == "50"
    for key, part in [("mean_beta", slice(None)), ("mean_beta_on", label == 1), ("mean_beta_off", label == 0)]:
        assert abs(float(r[key]) - beta[part, m].astype(np.float64).mean()) < 2e-6, (r, key)
gene_rows = rows("summary.genes.tsv")
assert len(gene_rows) == 15 and {r["gene_id"] for r in gene_rows} == {"ENSG00000196092.9"}
for r in gene_rows:
    beta = np.load(f"{work}/runs/{r['epigenome']}/attentivechrome/beta.npy")
    assert abs(float(r["beta"]) - float(beta[7, marks.index(r["mark"])])) < 1e-6, r
PYEOF
then ok "tables equal the numbers computed from the run folders and the published files"
else not_ok "tables"; fi

page="$out"
grep -q '<th>published DeepChrome</th>' "$page" && grep -q '<td class="text"><span class="name" title="H1 Cell Line">H1 Cell Line</span></td><td>0.77</td>' "$page" \
  && ok "page: published DeepChrome column" || not_ok "page lacks the published DeepChrome column"
grep -q '<th>AttentiveChrome (paper)</th><th>AttentiveChrome (achrome)</th>' "$page" && grep -q '<td>49 of 56</td>' "$page" \
  && ok "page: the paper's Table 2 beside ours" || not_ok "page lacks Table 2"
grep -q '<h3>ENSG00000196092</h3>' "$page" && grep -A1 '<h3>ENSG99999999999</h3>' "$page" | grep -q '<p class="note">Not among' \
  && ok "page: named genes" || not_ok "page lacks the named genes"
! grep -qiE '<script|(src|href)="?(https?:)?//' "$page" && ok "page: self-contained" || not_ok "page refers outside"

# --genes: --gene may name a gene; a value that is neither an id nor a name is an error.
printf 'gene_id\tname\tchrom\ttss\tstrand\nENSG00000196092\tPAX5\tchr9\t37034185\t-\nENSG00000000001\tA1\tchr1\t100\t+\n' \
  >"$WORK/genes.tsv"
"$REPORT" --summary "${runs[@]}" --genes "$WORK/genes.tsv" --gene PAX5 --out "$WORK/named/summary.html" 2>"$WORK/log" \
  && grep -q '<h3>ENSG00000196092 (PAX5)</h3>' "$WORK/named/summary.html" \
  && [ "$(grep -c $'^ENSG00000196092.9\tattentivechrome\t' "$WORK/named/summary.genes.tsv")" -eq 15 ] \
  && ok "--gene PAX5 with --genes" || not_ok "--gene by name: $(cat "$WORK/log")"
expect_fail "--gene neither id nor name of --genes" "--gene NOPE: neither a gene_id nor a name in .*genes.tsv" \
  "$REPORT" --summary "${runs[@]}" --genes "$WORK/genes.tsv" --gene NOPE --out "$WORK/bad/summary.html"

# --no-published: no published column; --published DIR: read from there.
"$REPORT" --summary "${runs[@]}" --no-published --out "$WORK/plain/summary.html" 2>/dev/null \
  && ! grep -q 'published DeepChrome' "$WORK/plain/summary.html" && grep -q 'The published numbers were not found' "$WORK/plain/summary.html" \
  && grep -q "^achrome" "$WORK/plain/summary.table2.tsv" && ! grep -q "^paper" "$WORK/plain/summary.table2.tsv" \
  && ok "--no-published leaves them out" || not_ok "--no-published"
mkdir -p "$WORK/mine"
cp "$ACHROME_SOURCE/config/data/published/"*.tsv "$WORK/mine/"
sed -i 's/^E003\tH1_Cell_Line\t0.77/E003\tH1_Cell_Line\t0.55/' "$WORK/mine/deepchrome_per_epigenome.tsv"
"$REPORT" --summary "${runs[@]}" --published "$WORK/mine" --out "$WORK/mine-out/summary.html" 2>/dev/null \
  && grep -q '<td class="text"><span class="name" title="H1 Cell Line">H1 Cell Line</span></td><td>0.55</td>' "$WORK/mine-out/summary.html" \
  && ok "--published DIR is read" || not_ok "--published DIR"

# Errors: one line, nothing written.
mkdir -p "$WORK/empty"
expect_fail "--published without the files names the file" "empty/deepchrome_per_epigenome.tsv: no such file" \
  "$REPORT" --summary "${runs[@]}" --published "$WORK/empty" --out "$WORK/bad/summary.html"
printf 'model\tmean\tmedian\tmax\tmin\tbetter_than_deepchrome_of_56\nX\t0.8\tx\t0.9\t0.7\t\n' >"$WORK/mine/attentivechrome_table2.tsv"
expect_fail "a malformed published file names file:line" "mine/attentivechrome_table2.tsv:2: median: 'x' is not a number" \
  "$REPORT" --summary "${runs[@]}" --published "$WORK/mine" --out "$WORK/bad/summary.html"
cp -r "$WORK/runs/E003/deepchrome" "$WORK/runs/again"
expect_fail "two runs of one epigenome and model" "--run .*again: epigenome E003 model deepchrome is also --run .*E003/deepchrome" \
  "$REPORT" --summary "${runs[@]}" --run "$WORK/runs/again" --out "$WORK/bad/summary.html"
cp -r "$WORK/runs/E003/attentivechrome" "$WORK/runs/nogenes" && rm "$WORK/runs/nogenes/attention_genes.tsv"
sed -i 's/"E003"/"E999"/' "$WORK/runs/nogenes/metrics.json"
expect_fail "beta.npy without attention_genes.tsv" "nogenes: beta.npy without attention_genes.tsv" \
  "$REPORT" --summary "${runs[@]}" --run "$WORK/runs/nogenes" --out "$WORK/bad/summary.html"
expect_fail "--published without --summary is refused" "--published and --no-published only apply with --summary" \
  "$REPORT" --run "$WORK/runs/E003/attentivechrome" --published "$WORK/mine" --out "$WORK/bad/page.html"
status=0; "$REPORT" --run "$WORK/runs/E003/attentivechrome" --no-published --out "$WORK/bad/page.html" 2>/dev/null || status=$?
[ "$status" -eq 2 ] && ok "a usage error exits 2" || not_ok "--no-published without --summary exited $status"
expect_fail "--mark with --summary is refused" "--mark only applies to a run page" \
  "$REPORT" --summary "${runs[@]}" --mark H3K4me3=x.npy --out "$WORK/bad/summary.html"
expect_fail "--published with --no-published is refused" "excludes" \
  "$REPORT" --summary "${runs[@]}" --published "$WORK/mine" --no-published --out "$WORK/bad/summary.html"
[ -z "$(ls -A "$WORK/bad" 2>/dev/null)" ] && ok "no file left by failed runs" || not_ok "left: $(ls -A "$WORK/bad")"

finish
