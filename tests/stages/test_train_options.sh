#!/usr/bin/env bash
# achrome-train's options beyond the paper's: the progress bar (only on a terminal), --input-transform
# log1p (recorded in model.json, the PyTorch twin with log1p inputs gives the run's logits, and
# achrome-predict applies it again), and --config FILE.yaml (the command line wins, unknown keys and
# broken files are refused naming the file, options.yaml of a run retrains the same model), and --size
# (a model size by name, from either; recorded in model.json; names the model lacks are refused).
source "$(dirname "$0")/lib.sh"
need_python numpy torch
need script
TRAIN="$ACHROME_BIN/achrome-train"
PREDICT="$ACHROME_BIN/achrome-predict"
MARKS="H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3"

# A tall H3K4me3 peak on ON genes: the long tail that --input-transform log1p tames.
"$PY" - "$WORK" "$ACHROME_TESTS/models" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
sys.path.insert(0, sys.argv[2])
import tiny_study
tiny_study.write(out, seed=3, genes=180, bins=20, background=3.0, peak=(8, 12), on_rate=60.0, off_rate=0.5)
bad = np.load(f"{out}/H3K9me3.npy")
bad[4, 7] = -1
np.save(f"{out}/negative.npy", bad)
PY

mark_flags=()
for m in $MARKS; do mark_flags+=(--mark "$m=$WORK/$m.npy"); done
args=(--genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${mark_flags[@]}" --lr 0.005 --seed 2 --threads 1)

# --- Progress ---------------------------------------------------------------------------------------
# On a terminal (script gives the command one): a bar redrawn per batch, each time erasing the line
# first ("\r" ESC "[K"); the per-epoch log lines still appear whole. The shell waits a moment after the
# command: script can lose the last lines a child writes just before it exits, on a busy machine.
if script -qec "$(printf '%q ' "$TRAIN" "${args[@]}" --out "$WORK/tty-run" --epochs 2); status=\$?; sleep 0.5; exit \$status" \
     "$WORK/tty.txt" >/dev/null 2>&1 \
   && "$PY" - "$WORK/tty.txt" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace", newline="").read()  # keep each "\r"
text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # the log's colours (a terminal gets them); not the erasing ESC [K
bars = re.findall(r"\r\x1b\[Kepoch (\d)/2 \[[#.]{30}\] (\d+)/(\d+) batches, .* left", text)
assert bars, text[:600]
assert {b[0] for b in bars} == {"1", "2"}, bars
assert any(b[1] == b[2] for b in bars), bars
# Every log line starts on an erased line: no bar text before a log line's timestamp.
for line in re.findall(r"[^\r\n]*\[\d\d:\d\d:\d\d\] achrome-train: epoch \d/2 train loss", text):
    assert not re.search(r"batches, .* left\[", line), line
assert len(re.findall(r"achrome-train: epoch \d/2 train loss .* s, .* left", text)) == 2
PY
then ok "on a terminal: a progress bar per batch, erased before log lines"
else not_ok "terminal progress: $(head -c 600 "$WORK/tty.txt" | cat -v)"; fi
# Not a terminal: log lines only, no control characters.
"$TRAIN" "${args[@]}" --out "$WORK/run-raw" --epochs 3 2>"$WORK/raw.log"
if ! grep -q $'\r' "$WORK/raw.log" && ! grep -q $'\033' "$WORK/raw.log" \
   && [ "$(grep -c 'epoch [0-9]/3 train loss .* s, [0-9]* s left$' "$WORK/raw.log")" -eq 3 ]; then
  ok "stderr not a terminal: one line per epoch with the time left, no bar"
else
  not_ok "log: $(cat -v "$WORK/raw.log")"
fi

# --- --input-transform log1p ------------------------------------------------------------------------
if "$TRAIN" "${args[@]}" --out "$WORK/run-log" --epochs 3 --input-transform log1p 2>"$WORK/log.log" \
   && "$PREDICT" --run "$WORK/run-log" --genes "$WORK/genes.tsv" "${mark_flags[@]}" --labels "$WORK/labels.tsv" \
        --out "$WORK/pred-log" --threads 1 2>"$WORK/pred-log.log" \
   && "$PREDICT" --weights "$WORK/run-log/model.pt" --input "$WORK/stacked.npy" --out "$WORK/pred-log-stacked" \
        --threads 1 2>/dev/null \
   && "$PY" - "$WORK" "$ACHROME_TESTS/models" <<'PY'
import csv, json, sys
import numpy as np, torch
work, twins_dir = sys.argv[1:]
sys.path.insert(0, twins_dir)
import twins
run = f"{work}/run-log"
assert json.load(open(f"{run}/model.json"))["input_transform"] == "log1p"
assert json.load(open(f"{run}/metrics.json"))["hyperparameters"]["input_transform"] == "log1p"
assert json.load(open(f"{work}/run-raw/model.json"))["input_transform"] == "raw"
rows = list(csv.DictReader(open(f"{run}/predictions.tsv"), delimiter="\t"))
logits = np.array([float(r["logit"]) for r in rows], np.float32)
# The PyTorch twin with model.pt, fed log(1 + counts), gives the run's logits.
twin = twins.make("attentivechrome", 5, 20)
twin.load_state_dict(torch.load(f"{run}/model.pt"))
twin.eval()
x = np.log1p(np.load(f"{work}/stacked.npy"))
with torch.no_grad():
    ref = twin(torch.from_numpy(x))[0].numpy()
assert np.abs(ref - logits).max() < 1e-5, np.abs(ref - logits).max()
# achrome-predict applies model.json's transform again: the same logits, from the files or a stacked array.
pred = list(csv.DictReader(open(f"{work}/pred-log/predictions.tsv"), delimiter="\t"))
assert [r["logit"] for r in pred] == [r["logit"] for r in rows]
assert np.abs(np.load(f"{work}/pred-log-stacked/logits.npy") - logits).max() < 1e-5
raw = np.array([float(r["logit"]) for r in csv.DictReader(open(f"{work}/run-raw/predictions.tsv"), delimiter="\t")])
assert np.abs(raw - logits).max() > 1e-3  # the transform changed the training
PY
then
  ok "--input-transform log1p: in model.json, the twin on log1p inputs agrees, achrome-predict applies it"
else
  not_ok "log1p: $(tail -n 2 "$WORK/log.log" "$WORK/pred-log.log" 2>/dev/null)"
fi
grep -q "inputs transformed with log1p as in training" "$WORK/pred-log.log" && ok "predict says it applies log1p" \
  || not_ok "predict log: $(cat "$WORK/pred-log.log")"
neg_flags=("${mark_flags[@]}")
neg_flags[9]="H3K9me3=$WORK/negative.npy"
expect_fail "log1p of a count of -1" "negative.npy: gene ENSG00004, bin 8 is -1, where log1p is undefined" \
  "$TRAIN" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${neg_flags[@]}" --out "$WORK/neg" --epochs 1 \
  --input-transform log1p
expect_fail "an unknown transform" "--input-transform: sqrt not in \{raw,log1p\}" \
  "$TRAIN" "${args[@]}" --out "$WORK/neg" --input-transform sqrt

# --- --config FILE.yaml -----------------------------------------------------------------------------
cat >"$WORK/options.yaml" <<EOF
# a comment
genes: $WORK/genes.tsv
labels: $WORK/labels.tsv
mark:
$(for m in $MARKS; do echo "  - $m=$WORK/$m.npy"; done)
epochs: 2
lr: 0.005
seed: 2
threads: 1
EOF
if "$TRAIN" --config "$WORK/options.yaml" --out "$WORK/run-config" 2>/dev/null \
   && "$TRAIN" --config "$WORK/options.yaml" --out "$WORK/run-config3" --epochs 3 2>/dev/null \
   && "$PY" - "$WORK" <<'PY'
import filecmp, json, sys
work = sys.argv[1]
assert json.load(open(f"{work}/run-config/metrics.json"))["epochs_run"] == 2
assert json.load(open(f"{work}/run-config3/metrics.json"))["epochs_run"] == 3  # the command line wins
# Three epochs from the file plus --epochs are the three epochs of the command line alone.
assert filecmp.cmp(f"{work}/run-config3/model.pt", f"{work}/run-raw/model.pt", shallow=False)
PY
then ok "--config sets the options, the command line wins"
else not_ok "--config runs"; fi

# options.yaml of a run is a valid --config that trains the same model again (from another folder).
if (cd / && "$TRAIN" --config "$WORK/run-log/options.yaml" --out "$WORK/run-again" 2>"$WORK/again.log") \
   && cmp -s "$WORK/run-log/model.pt" "$WORK/run-again/model.pt" \
   && cmp -s "$WORK/run-log/predictions.tsv" "$WORK/run-again/predictions.tsv" \
   && cmp -s "$WORK/run-log/options.yaml" "$WORK/run-again/options.yaml" \
   && grep -q "^input-transform: log1p$" "$WORK/run-log/options.yaml" && ! grep -q "^out:" "$WORK/run-log/options.yaml"; then
  ok "retraining from a run's options.yaml gives the same model.pt and predictions"
else
  not_ok "options.yaml retrain: $(cat "$WORK/run-log/options.yaml"; tail -n 2 "$WORK/again.log")"
fi

# --- --size NAME=VALUE: model sizes, from the command line or the file --------------------------------
printf 'size: [hidden=12]\n' >"$WORK/sizes.yaml"
if "$TRAIN" "${args[@]}" --model lstm --size hidden=6 --out "$WORK/run-size" --epochs 1 2>"$WORK/size.log" \
   && "$TRAIN" "${args[@]}" --model lstm --config "$WORK/sizes.yaml" --out "$WORK/run-size-file" --epochs 1 2>/dev/null \
   && (cd / && "$TRAIN" --config "$WORK/run-size/options.yaml" --out "$WORK/run-size-again" 2>/dev/null) \
   && cmp -s "$WORK/run-size/model.pt" "$WORK/run-size-again/model.pt" \
   && "$PY" - "$WORK" "$ACHROME_TESTS/models" <<'PY'
import json, sys
import torch
work, twins_dir = sys.argv[1:]
sys.path.insert(0, twins_dir)
import twins
for run, hidden in (("run-size", 6), ("run-size-file", 12)):
    model = json.load(open(f"{work}/{run}/model.json"))
    assert model["hidden"] == hidden, model
    state = torch.load(f"{work}/{run}/model.pt")
    assert state["rnn.weight_hh_l0"].shape == (4 * hidden, hidden), state["rnn.weight_hh_l0"].shape
    twin = twins.make("lstm", 5, 20, hidden=hidden)
    twin.load_state_dict(state)
assert "size:\n  - hidden=6" in open(f"{work}/run-size/options.yaml").read()
PY
then ok "--size sets a model size (command line or --config), model.json and options.yaml record it"
else not_ok "--size: $(tail -n 3 "$WORK/size.log"; cat "$WORK/run-size/options.yaml" 2>/dev/null)"; fi
expect_fail "a size the model does not have" "model lstm has no size 'filters' \\(its sizes: hidden\\)" \
  "$TRAIN" "${args[@]}" --model lstm --size filters=8 --out "$WORK/bad" --epochs 1
expect_fail "a size that is not a positive whole number" "--size 'hidden=0': expected NAME=VALUE with a positive whole VALUE" \
  "$TRAIN" "${args[@]}" --model lstm --size hidden=0 --out "$WORK/bad" --epochs 1
expect_fail "a size given twice" "--size hidden is given twice" \
  "$TRAIN" "${args[@]}" --model lstm --size hidden=4 --size hidden=5 --out "$WORK/bad" --epochs 1

printf 'epochs: 2\nlearning-rate: 0.1\n' >"$WORK/unknown.yaml"
expect_fail "an unknown key in --config" "error: --config .*unknown.yaml: line 2: unknown option 'learning-rate'" \
  "$TRAIN" "${args[@]}" --config "$WORK/unknown.yaml" --out "$WORK/bad"
printf 'epochs: [2\nlr: 0.1\n' >"$WORK/broken.yaml"
expect_fail "a broken --config file" "error: --config .*broken.yaml: line [0-9]+: not valid YAML" \
  "$TRAIN" "${args[@]}" --config "$WORK/broken.yaml" --out "$WORK/bad"
printf 'epochs: 0\n' >"$WORK/zero.yaml"
expect_fail "a value out of range in --config" "--epochs: must be a positive number, got 0" \
  "$TRAIN" "${args[@]}" --config "$WORK/zero.yaml" --out "$WORK/bad"
expect_fail "a missing --config file" "nothing.yaml" \
  "$TRAIN" "${args[@]}" --config "$WORK/nothing.yaml" --out "$WORK/bad"
for f in unknown broken zero; do
  status=0
  "$TRAIN" "${args[@]}" --config "$WORK/$f.yaml" --out "$WORK/bad" 2>/dev/null || status=$?
  [ "$status" -eq 2 ] || not_ok "--config $f.yaml: exit status $status, not 2"
done
finish
