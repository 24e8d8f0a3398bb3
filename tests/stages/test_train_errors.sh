#!/usr/bin/env bash
# achrome-train when things go wrong: a diverging learning rate stops in one line naming the epoch
# (never a hang); an output folder that cannot be written fails before any training; a rerun that
# fails while writing leaves the previous run folder exactly as it was; SIGTERM leaves no temporaries;
# and temporaries of a killed earlier run are cleaned by the next one.
source "$(dirname "$0")/lib.sh"
need_python numpy
TRAIN="$ACHROME_BIN/achrome-train"
MARKS="H3K4me3 H3K27me3"

# A tiny study as test_train.sh makes it, with long gene ids so that predictions.tsv is the largest
# file of the run folder (larger than model.pt): a file size limit between the two makes the writing
# fail after model.pt.
"$PY" - "$WORK" <<'PY'
import sys, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(5)
n, bins = 150, 20
labels = rng.integers(0, 2, n)
ids = [f"ENSG{i:05d}" + "x" * 4000 for i in range(n)]
with open(f"{out}/genes.tsv", "w") as f:
    f.write("gene_id\tname\tchrom\ttss\tstrand\n")
    for i in range(n):
        f.write(f"{ids[i]}\tG{i}\tchr1\t{10000 + 20000 * i}\t+\n")
with open(f"{out}/labels.tsv", "w") as f:
    f.write("gene_id\tvalue\tlabel\tsplit\n")
    for i in range(n):
        f.write(f"{ids[i]}\t{labels[i]}\t{labels[i]}\t{['train', 'valid', 'test'][i * 3 // n]}\n")
for mark in ["H3K4me3", "H3K27me3"]:
    x = rng.poisson(2.0, (n, bins)).astype(np.float32)
    if mark == "H3K4me3":
        x[:, 8:12] += rng.poisson(np.where(labels[:, None] == 1, 6.0, 0.3), (n, 4))
    np.save(f"{out}/{mark}.npy", x)
PY
args=(--genes "$WORK/genes.tsv" --labels "$WORK/labels.tsv" --threads 1)
for m in $MARKS; do args+=(--mark "$m=$WORK/$m.npy"); done

no_temporaries() {  # no hidden .NAME.tmpPID / .NAME.oldPID file or folder anywhere under $1
  [ -z "$(find "$1" -name '.*.tmp*' -o -name '.*.old[0-9]*')" ]
}

# A learning rate this high overflows the weights within a few steps: a clear error, not an endless loop.
expect_fail "--lr 1e30 stops with one line naming the epoch" \
  "error: epoch [0-9]+: training (loss|scores) .*; the learning rate 1e\+30 is likely too high, try a lower --lr" \
  timeout 120 "$TRAIN" "${args[@]}" --out "$WORK/diverged/run" --epochs 5 --lr 1e30 --quiet
[ ! -e "$WORK/diverged/run" ] && no_temporaries "$WORK/diverged" && ok "a diverged run writes nothing" \
  || not_ok "a diverged run left: $(ls -A "$WORK/diverged")"

# Output folders that cannot be written fail at once: one line, so no epoch was logged before it.
touch "$WORK/afile"
expect_fail "--out under a file fails before training" "afile: cannot create folder" \
  "$TRAIN" "${args[@]}" --out "$WORK/afile/run" --epochs 1
expect_fail "--out that is a file fails before training" "afile: exists and is not a folder" \
  "$TRAIN" "${args[@]}" --out "$WORK/afile" --epochs 1
mkdir -p "$WORK/results"
touch "$WORK/results/notes.txt"
expect_fail "--out holding other files is not replaced" "results: holds 'notes.txt', which is not one of its outputs" \
  "$TRAIN" "${args[@]}" --out "$WORK/results" --epochs 1
[ -e "$WORK/results/notes.txt" ] && ok "the other files are kept" || not_ok "notes.txt was deleted"

# A finished run; stale temporaries of a killed earlier run beside it (a pid that is gone, and a
# live one: pid 1) are cleaned up by the next run, the live one kept.
sh -c 'exit 0' &
dead=$!
wait "$dead"
mkdir -p "$WORK/runs/.run.tmp$dead" "$WORK/runs/.run.tmp1"
touch "$WORK/runs/.run.tmp$dead/model.pt" "$WORK/runs/.run.tmp1/model.pt"
if "$TRAIN" "${args[@]}" --out "$WORK/runs/run" --epochs 1 --lr 0.005 --seed 3 2>"$WORK/first.log"; then
  ok "train runs"
else
  not_ok "train failed: $(tail -3 "$WORK/first.log")"
fi
[ ! -e "$WORK/runs/.run.tmp$dead" ] && ok "a dead process's temporary folder is removed" \
  || not_ok "stale .run.tmp$dead left"
[ -e "$WORK/runs/.run.tmp1" ] && ok "a live process's temporary folder is kept" || not_ok ".run.tmp1 removed"
rm -rf "$WORK/runs/.run.tmp1"
checksums() { (cd "$1" && md5sum $(ls -A | sort)); }
checksums "$WORK/runs/run" >"$WORK/before.md5"

# A rerun (another seed, so other weights) that fails while writing: its checkpoint after the first
# epoch (several times the size of model.pt, the largest file it writes) exceeds the file size limit.
# The old run folder must be left exactly as it was.
size_kb=$(( $(stat -c %s "$WORK/runs/run/model.pt") * 2 / 1024 ))
if (trap '' XFSZ; ulimit -f "$size_kb"; exec "$TRAIN" "${args[@]}" --out "$WORK/runs/run" --epochs 1 --lr 0.005 \
      --seed 4) 2>"$WORK/rerun.log"; then
  not_ok "the rerun under a file size limit of $size_kb KiB did not fail"
elif grep -q "error: .*run.checkpoint: write failed: File too large" "$WORK/rerun.log"; then
  ok "a rerun failing while writing says which file"
else
  not_ok "rerun: $(tail -2 "$WORK/rerun.log")"
fi
checksums "$WORK/runs/run" >"$WORK/after.md5"
cmp -s "$WORK/before.md5" "$WORK/after.md5" && ok "the failed rerun left the previous run folder as it was" \
  || not_ok "run folder changed: $(diff "$WORK/before.md5" "$WORK/after.md5" | head -4)"
no_temporaries "$WORK/runs" && ok "the failed rerun left no temporaries" || not_ok "left: $(ls -A "$WORK/runs")"

# A rerun that succeeds replaces the folder as a whole.
if "$TRAIN" "${args[@]}" --out "$WORK/runs/run" --epochs 1 --lr 0.005 --seed 4 2>/dev/null \
   && [ "$(ls -A "$WORK/runs")" = run ] && ! cmp -s "$WORK/before.md5" <(checksums "$WORK/runs/run"); then
  ok "a successful rerun replaces the run folder"
else
  not_ok "rerun: $(ls -A "$WORK/runs")"
fi

# SIGTERM while training (what a scheduler sends): the process dies by it, its temporary run folder
# is removed, and nothing appears at --out.
"$TRAIN" "${args[@]}" --out "$WORK/killed/run" --epochs 100000 --lr 0.005 2>"$WORK/killed.log" &
pid=$!
for _ in $(seq 600); do
  [ -n "$(find "$WORK/killed" -maxdepth 1 -name '.run.tmp*' 2>/dev/null)" ] && grep -q "epoch 1/" "$WORK/killed.log" && break
  sleep 0.1
done
[ -n "$(find "$WORK/killed" -maxdepth 1 -name '.run.tmp*' 2>/dev/null)" ] \
  && ok "training works in a temporary folder beside --out" || not_ok "no temporary folder while training"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 143 ] && ok "SIGTERM still ends the process by SIGTERM" || not_ok "exit status $status after SIGTERM"
if [ ! -e "$WORK/killed/run" ] && no_temporaries "$WORK/killed"; then
  ok "SIGTERM leaves no temporaries"
else
  not_ok "SIGTERM left: $(ls -A "$WORK/killed")"
fi
# The finished epochs are not lost: the checkpoint is not a temporary, a rerun resumes from it.
[ -s "$WORK/killed/run.checkpoint" ] && ok "SIGTERM keeps the checkpoint of the finished epochs" \
  || not_ok "no checkpoint after SIGTERM: $(ls -A "$WORK/killed")"
finish
