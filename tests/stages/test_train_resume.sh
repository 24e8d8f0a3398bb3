#!/usr/bin/env bash
# achrome-train is deterministic and resumable, for every model in MODELS (adding one is one word):
# (a) two runs of the same command give byte-identical model.pt, predictions.tsv, saliency.npy,
#     alpha.npy, beta.npy and options.yaml, and metrics.json / history.tsv equal apart from seconds;
# (b) a run killed with SIGKILL after its epoch-2 checkpoint exists, while a later epoch runs, and
#     started again with the same command resumes from the checkpoint and ends with the same files as
#     the uninterrupted run; the checkpoint and the killed run's temporaries are gone afterwards;
# (c) a checkpoint of another training (another seed) is ignored with a one-line warning, and the run
#     is then the same as one that never saw it.
source "$(dirname "$0")/lib.sh"
need_python numpy
TRAIN="$ACHROME_BIN/achrome-train"
MARKS="H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3"
MODELS="attentivechrome achrome-net deepchrome cnn-attn cnn-alpha-beta"
EPOCHS=6

"$PY" - "$WORK" "$ACHROME_TESTS/models" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
sys.path.insert(0, sys.argv[2])
import tiny_study
tiny_study.write(out, seed=7, genes=480, bins=100, background=2.0, peak=(45, 55), on_rate=4.0, off_rate=0.3)
PY

mark_flags=()
for m in $MARKS; do mark_flags+=(--mark "$m=$WORK/$m.npy"); done

# command MODEL OUT SEED sets cmd to the one command every part runs (the same command resumes);
# train MODEL OUT SEED runs it. The killed run starts "${cmd[@]}" itself, so that $! is the trainer's
# pid and SIGKILL reaches it, not a shell around it.
command_for() {
  cmd=("$TRAIN" --model "$1" --genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" "${mark_flags[@]}"
       --out "$2" --epochs "$EPOCHS" --lr 0.002 --seed "$3" --threads 1)
}
train() {
  command_for "$@"
  "${cmd[@]}"
}

# wait_for_line FILE PATTERN PID: polls (at most 120 s) until FILE has a line matching PATTERN;
# fails at once if the process ends first.
wait_for_line() {
  local file="$1" pattern="$2" pid="$3" tries=0
  until grep -qE -- "$pattern" "$file" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || return 1
    tries=$((tries + 1))
    [ "$tries" -le 6000 ] || return 1
    sleep 0.02
  done
}

# same_run A B: the files of two run folders agree (byte for byte but for the timing fields).
same_run() {
  "$PY" - "$1" "$2" <<'PY'
import filecmp, json, os, sys
a, b = sys.argv[1:]
names = sorted(os.listdir(a))
assert names == sorted(os.listdir(b)), (names, sorted(os.listdir(b)))
for name in ["model.pt", "predictions.tsv", "saliency.npy", "alpha.npy", "beta.npy", "attention_genes.tsv",
             "model.json", "options.yaml"]:
    if os.path.exists(f"{a}/{name}") or os.path.exists(f"{b}/{name}"):
        assert filecmp.cmp(f"{a}/{name}", f"{b}/{name}", shallow=False), f"{name} differs"
def untimed(path):
    m = json.load(open(path))
    m.pop("seconds"), m.pop("seconds_per_epoch")
    return m
assert untimed(f"{a}/metrics.json") == untimed(f"{b}/metrics.json"), "metrics.json differs"
def history(path):
    rows = [line.rstrip("\n").split("\t") for line in open(path)]
    assert rows[0][-1] == "seconds"
    return [row[:-1] for row in rows]
assert history(f"{a}/history.tsv") == history(f"{b}/history.tsv"), "history.tsv differs"
PY
}

for model in $MODELS; do
  # (a) Two uninterrupted runs.
  if train "$model" "$WORK/$model-a1" 5 2>"$WORK/$model-a1.log" && train "$model" "$WORK/$model-a2" 5 2>"$WORK/$model-a2.log"; then
    if same_run "$WORK/$model-a1" "$WORK/$model-a2"; then ok "$model: two runs of one command give the same files"
    else not_ok "$model: two runs differ"; fi
    if [ ! -e "$WORK/$model-a1.checkpoint" ] && ! grep -q "resuming" "$WORK/$model-a1.log"; then
      ok "$model: a finished run leaves no checkpoint"
    else
      not_ok "$model: checkpoint left or resumed from nothing: $(ls -a "$WORK")"
    fi
  else
    not_ok "$model: train failed: $(tail -n 2 "$WORK/$model-a1.log" "$WORK/$model-a2.log")"
    continue
  fi

  # (b) Killed with SIGKILL during epoch 3 or later, then the same command again.
  run="$WORK/$model-b"
  command_for "$model" "$run" 5
  "${cmd[@]}" 2>"$WORK/$model-b1.log" &
  pid=$!
  if wait_for_line "$WORK/$model-b1.log" "epoch 2/$EPOCHS " "$pid"; then
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    last=$(grep -oE "epoch [0-9]+/$EPOCHS " "$WORK/$model-b1.log" | tail -n 1 | grep -oE "[0-9]+" | head -n 1)
    if [ -s "$run.checkpoint" ] && [ ! -e "$run" ] && [ "$last" -lt "$EPOCHS" ]; then
      ok "$model: killed after epoch $last: $run.checkpoint is there, no run folder"
    else
      not_ok "$model: after SIGKILL (last epoch $last): $(ls -a "$WORK")"
    fi
    if train "$model" "$run" 5 2>"$WORK/$model-b2.log"; then
      # The kill may land between a checkpoint and its log line: the rerun may start one epoch later.
      resumed=$(sed -nE "s/.*resuming from epoch ([0-9]+) of .*$model-b\.checkpoint$/\1/p" "$WORK/$model-b2.log")
      if [ -n "$resumed" ] && [ "$resumed" -ge "$last" ] && [ "$resumed" -lt "$EPOCHS" ] \
         && [ "$(grep -cE "epoch [0-9]+/$EPOCHS " "$WORK/$model-b2.log")" -eq $((EPOCHS - resumed)) ]; then
        ok "$model: the rerun resumed from epoch $resumed and ran only the epochs left"
      else
        not_ok "$model: rerun log: $(cat "$WORK/$model-b2.log")"
      fi
      if same_run "$WORK/$model-a1" "$run"; then ok "$model: killed and resumed = uninterrupted, byte for byte"
      else not_ok "$model: the resumed run differs from the uninterrupted one"; fi
      leftovers=$(cd "$WORK" && ls -a | grep -E "^\.?$model-b(\.checkpoint|\..*tmp[0-9]+)" || true)
      if [ -z "$leftovers" ]; then ok "$model: no checkpoint or temporaries left after the rerun"
      else not_ok "$model: left behind: $leftovers"; fi
    else
      not_ok "$model: rerun failed: $(tail -n 2 "$WORK/$model-b2.log")"
    fi
  else
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    not_ok "$model: epoch 2 never logged, or the run ended before it could be killed: $(tail -n 3 "$WORK/$model-b1.log")"
  fi

  # (c) A seed-4 run killed after its first checkpoint, then the seed-5 command on the same folder: the
  # checkpoint is ignored, and the run is the fresh seed-5 run of (a).
  run="$WORK/$model-c"
  command_for "$model" "$run" 4
  "${cmd[@]}" 2>"$WORK/$model-c4.log" &
  pid=$!
  wait_for_line "$WORK/$model-c4.log" "epoch 1/$EPOCHS " "$pid" || true
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ ! -s "$run.checkpoint" ] || [ -e "$run" ]; then
    not_ok "$model: no checkpoint of a killed seed-4 run: $(tail -n 2 "$WORK/$model-c4.log")"
  elif train "$model" "$run" 5 2>"$WORK/$model-c.log"; then
    if [ "$(grep -c "checkpoint" "$WORK/$model-c.log")" -eq 1 ] \
       && grep -q "$model-c.checkpoint: saved by another training (it differs in seed (4 there, 5 now)); starting from epoch 1" "$WORK/$model-c.log" \
       && ! grep -q resuming "$WORK/$model-c.log" && [ ! -e "$run.checkpoint" ]; then
      ok "$model: a checkpoint of another seed is ignored with one warning"
    else
      not_ok "$model: other-seed log: $(cat "$WORK/$model-c.log")"
    fi
    if same_run "$WORK/$model-a1" "$run"; then ok "$model: the run that ignored it is a fresh run"
    else not_ok "$model: the run that ignored another training's checkpoint differs from a fresh one"; fi
  else
    not_ok "$model: seed-5 run failed: $(tail -n 2 "$WORK/$model-c.log")"
  fi
done
finish
