#!/usr/bin/env bash
# The reports in a real browser: headless Chromium renders a run page of a tiny trained run and the
# summary of 3 epigenomes x 2 models (deepchrome, attentivechrome; 2 epochs on small synthetic data).
# Fails on any console message (an SVG attribute Chromium cannot parse is one), a page that renders
# blank, a test AUROC on the page other than metrics.json's, or missing published numbers.
# Skips (exit 77) only when chromium is not installed (bash containers/install-packages.sh --tests).
source "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "skipped - chromium is not installed (bash containers/install-packages.sh --tests installs it)"
  exit 77
fi
need_python numpy
TRAIN="$ACHROME_BIN/achrome-train"
REPORT="$ACHROME_BIN/achrome-report"
MARKS="H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3"
PAX5=ENSG00000196092

# Three epigenomes, 240 genes x 20 bins; H3K4me3 around the TSS marks the ON genes, less clearly in E123.
"$PY" - "$WORK" "$PAX5" <<'PY'
import sys, numpy as np
out, pax5 = sys.argv[1], sys.argv[2]
n, bins = 240, 20
marks = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
ids = [f"ENSG{i:011d}" for i in range(n)]
ids[200] = pax5  # a test gene in every epigenome (the paper's PAX5 example)
with open(f"{out}/genes.tsv", "w") as f:
    f.write("gene_id\tname\tchrom\ttss\tstrand\n")
    for i, g in enumerate(ids):
        f.write(f"{g}\tG{i}\tchr1\t{10000 + 20000 * i}\t+\n")
for eid, seed, strength in [("E003", 1, 5.0), ("E116", 2, 4.0), ("E123", 3, 2.5)]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    with open(f"{out}/{eid}.labels.tsv", "w") as f:
        f.write("gene_id\tvalue\tlabel\tsplit\n")
        for i, g in enumerate(ids):
            f.write(f"{g}\t{labels[i]}\t{labels[i]}\t{['train', 'valid', 'test'][i * 3 // n]}\n")
    for mark in marks:
        x = rng.poisson(2.0, (n, bins)).astype(np.float32)
        if mark == "H3K4me3":
            x[:, 8:12] += rng.poisson(np.where(labels[:, None] == 1, strength, 0.3), (n, 4))
        np.save(f"{out}/{eid}.{mark}.npy", x)
    # A validation track for the run page's check (not a model input), drawn last so the marks stay as they were.
    x = rng.poisson(1.0, (n, bins)).astype(np.float32)
    x[:, 9:11] += rng.poisson(np.where(labels[:, None] == 1, strength, 0.3), (n, 2))
    np.save(f"{out}/{eid}.H3K27ac.npy", x)
PY

runs=()
for eid in E003 E116 E123; do
  mark_flags=()
  for m in $MARKS; do mark_flags+=(--mark "$m=$WORK/$eid.$m.npy"); done
  for model in deepchrome attentivechrome; do
    "$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/$eid.labels.tsv" "${mark_flags[@]}" --model "$model" \
      --out "$WORK/runs/$eid/$model" --epigenome "$eid" --epochs 2 --lr 0.005 --seed 1 --threads 1 \
      2>"$WORK/train.log" || { not_ok "train $eid $model: $(tail -2 "$WORK/train.log")"; finish; exit 1; }
    runs+=(--run "$WORK/runs/$eid/$model")
  done
done
ok "6 runs trained"

mkdir -p "$WORK/reports/E003"
"$REPORT" --run "$WORK/runs/E003/attentivechrome" --out "$WORK/reports/E003/attentivechrome.html" \
    --genes "$WORK/genes.tsv" --validation "H3K27ac=$WORK/E003.H3K27ac.npy" 2>"$WORK/report.log" \
  && "$REPORT" --summary "${runs[@]}" --page-name "{epigenome}/{model}.html" --gene "$PAX5" \
       --out "$WORK/reports/summary.html" 2>>"$WORK/report.log" \
  && ok "run page and summary written" || { not_ok "achrome-report: $(cat "$WORK/report.log")"; finish; exit 1; }

# render NAME PAGE: the DOM after loading (NAME.dom), a screenshot of the first screen (NAME.png), and
# every console message of the page (NAME.console: lines of Chromium's log that carry CONSOLE).
render() {
  local name="$1" page="$2"
  local flags=(--headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 --user-data-dir="$WORK/profile.$name"
               --hide-scrollbars --window-size=1100,900)
  timeout 60 "$CHROMIUM" "${flags[@]}" --dump-dom --screenshot="$WORK/$name.png" "file://$page" \
    >"$WORK/$name.dom" 2>"$WORK/$name.log" || true
  grep -E 'CONSOLE|Uncaught' "$WORK/$name.log" >"$WORK/$name.console" || true
  if [ -n "${ACHROME_KEEP_SCREENSHOTS:-}" ]; then cp "$WORK/$name.png" "$ACHROME_KEEP_SCREENSHOTS/$name.png"; fi
}

# nonwhite PNG: share of the pixels of the screenshot's top 200 rows (heading, facts, the first chart or
# table) that are not white; decoded here, as no imaging library is among the test packages.
nonwhite() {
  "$PY" - "$1" <<'PY'
import sys, struct, zlib, numpy as np
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height, channels = 8, b"", 0, 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    chunk = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
        assert depth == 8 and color in (2, 6), (depth, color)
        channels = 3 if color == 2 else 4
    elif kind == b"IDAT":
        idat += chunk
    pos += 12 + length
raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * channels)
height = min(height, 200)  # rows depend only on those above them
stride, out = width * channels, np.zeros((height, width * channels), np.int32)
prev = np.zeros(stride, np.int32)
for y in range(height):
    f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
    if f == 0: row = line
    elif f == 2: row = (line + prev) & 255
    elif f == 1: row = np.cumsum(line.reshape(width, channels), axis=0).reshape(-1) & 255
    else:  # Average and Paeth depend on the pixel to the left: one byte at a time
        row = np.zeros(stride, np.int32)
        for x in range(stride):
            a = row[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            if f == 3: p = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            row[x] = (line[x] + p) & 255
    out[y], prev = row, row
rgb = out.reshape(height, width, channels)[:, :, :3]
print(f"{(rgb.min(axis=2) < 235).mean():.4f}")
PY
}

# A page with a script error and an SVG attribute Chromium cannot parse must be caught: the check can fail.
cat >"$WORK/broken.html" <<'HTML'
<!DOCTYPE html><html><body><h1>broken</h1><svg width="10" height="10"><circle cx="nan" cy="1" r="1"/></svg>
<script>throw new Error("deliberate")</script></body></html>
HTML
render broken "$WORK/broken.html"
[ -s "$WORK/broken.console" ] && ok "console errors are caught (a broken page shows $(wc -l <"$WORK/broken.console"))" \
  || not_ok "a page with a script error gave no console line: $(tail -3 "$WORK/broken.log")"

# ... and so must a blank page.
printf '<!DOCTYPE html><html><body></body></html>\n' >"$WORK/blank.html"
render blank "$WORK/blank.html"
share=$(nonwhite "$WORK/blank.png" 2>&1) || share=error
[ "$share" = "0.0000" ] && ok "a blank page is caught (nothing but white)" || not_ok "blank page check: $share"

for name in run summary; do
  page="$WORK/reports/E003/attentivechrome.html"
  [ "$name" = summary ] && page="$WORK/reports/summary.html"
  render "$name" "$page"
  [ ! -s "$WORK/$name.console" ] && ok "$name page: no console messages" \
    || not_ok "$name page: console: $(head -c 600 "$WORK/$name.console")"
  grep -q '<h1>' "$WORK/$name.dom" && [ "$(grep -c '<svg' "$WORK/$name.dom")" -ge 1 ] \
    && ok "$name page: DOM has its heading and charts" || not_ok "$name page: DOM: $(head -c 300 "$WORK/$name.dom")"
  share=$(nonwhite "$WORK/$name.png" 2>&1) || share=0
  "$PY" -c "import sys; sys.exit(0 if float(sys.argv[1]) > 0.01 else 1)" "$share" 2>/dev/null \
    && ok "$name page: rendered, $share of the first screen not white" || not_ok "$name page: blank screenshot ($share)"
done

# What the browser shows against metrics.json: the run page's test AUROC, every cell of the summary's
# epigenome x model table, the published DeepChrome values and the paper's Table 2 rows.
if "$PY" - "$WORK" <<'PY'
import json, re, sys, html
work = sys.argv[1]
def text(dom):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom)))
def metric(eid, model):
    return json.load(open(f"{work}/runs/{eid}/{model}/metrics.json"))["splits"]["test"]["auroc"]
run = open(f"{work}/run.dom").read()
want = f"{metric('E003', 'attentivechrome'):.4f}"
shown = re.search(r"test AUROC\s*([0-9.]+)", text(run))
assert shown and shown.group(1) == want, (shown and shown.group(1), want)
# The validation check as the browser shows it: the r of validation.tsv, to 3 decimals.
rows = [line.split("\t") for line in open(f"{work}/reports/E003/attentivechrome.validation.tsv").read().splitlines()[1:]]
for check, view, _, _, _, r in rows:
    cell = re.search(rf'class="r-{check}-{view}">([^<]*)<', run)
    assert cell and (cell.group(1) == f"{float(r):.3f}" or r == "nan"), (check, view, cell and cell.group(1), r)
assert "Attention against a mark the model never saw: H3K27ac" in text(run)

dom = open(f"{work}/summary.dom").read()
table = re.search(r'<table class="auroc">(.*?)</table>', dom, re.S).group(1)
rows = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]
cells = [[text(c).strip() for c in r] for r in rows]
header = cells[0]
assert header == ["epigenome", "cell type", "published DeepChrome", "deepchrome", "attentivechrome"], header
published = {"E003": "0.77", "E116": "0.91", "E123": "0.92"}  # config/data/published/deepchrome_per_epigenome.tsv
for row in cells[1:4]:
    eid = row[0]
    assert row[2] == published[eid], row
    for column, model in [(3, "deepchrome"), (4, "attentivechrome")]:
        assert row[column] == f"{metric(eid, model):.4f}", (row, model, metric(eid, model))
better = sum(metric(e, "attentivechrome") > metric(e, "deepchrome") for e in published)
assert cells[-1] == ["better than DeepChrome", "", "", "\u2014", f"{better} of 3"], cells[-1]
page = text(dom)
for expected in ["DeepChrome (paper)", "AttentiveChrome (paper)", "LSTM (paper)", "0.8115", "0.8008", "0.7215",
                 "49 of 56", "36 of 56", "\u03b2 of named genes", "ENSG00000196092"]:
    assert expected in page, expected
PY
then ok "browser shows metrics.json's AUROCs, the published DeepChrome values and Table 2"
else not_ok "numbers on the rendered pages"; fi

finish
