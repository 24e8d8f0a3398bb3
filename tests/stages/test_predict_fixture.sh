#!/usr/bin/env bash
# achrome-predict on the reference-model fixture: the published PyTorch model's logits and attention
# for fixed weights must come out to 1e-5; bad inputs fail with one line and write nothing.
source "$(dirname "$0")/lib.sh"
need_python numpy
FIXTURE="$ACHROME_TESTS/data/reference-model"
PREDICT="$ACHROME_BIN/achrome-predict"

# The fixture's expected outputs are the published PyTorch model's forward pass on its weights and inputs.
if "$PY" "$FIXTURE/recompute.py" "$WORK/published" && "$PY" - "$FIXTURE" "$WORK/published" <<'PY'
import sys, numpy as np
fixture, published = sys.argv[1:]
for name in ("logits", "alpha", "beta"):
    diff = np.abs(np.load(f"{fixture}/{name}.npy") - np.load(f"{published}/{name}.npy")).max()
    assert diff < 1e-6, (name, diff)
PY
then ok "fixture outputs = the published PyTorch model on the fixture's weights and inputs"; else not_ok "fixture does not match the published model"; fi

if "$PREDICT" --model attentivechrome --weights "$FIXTURE/weights.pt" --input "$FIXTURE/inputs.npy" \
     --out "$WORK/out" --threads 1 2>"$WORK/log"; then
  ok "predict runs on the fixture"
else
  not_ok "predict failed: $(cat "$WORK/log")"
fi

if "$PY" - "$FIXTURE" "$WORK/out" <<'PY'
import sys, numpy as np
fixture, out = sys.argv[1:]
expect = {"logits": (10,), "alpha": (10, 5, 100), "beta": (10, 5)}
for name, shape in expect.items():
    got, ref = np.load(f"{out}/{name}.npy"), np.load(f"{fixture}/{name}.npy")
    assert got.dtype == np.float32 and got.shape == shape, (name, got.dtype, got.shape)
    diff = np.abs(got - ref).max()
    assert diff < 1e-5, (name, diff)
    print(f"{name}: max abs diff {diff:.2e}")
assert np.allclose(np.load(f"{out}/alpha.npy").sum(-1), 1, atol=1e-5)
assert np.allclose(np.load(f"{out}/beta.npy").sum(-1), 1, atol=1e-5)
PY
then ok "logits, alpha, beta match the published model within 1e-5"; else not_ok "fixture parity"; fi

# Bad inputs: wrong number of marks, a 2-D input, weights that are not a state_dict, no GPU.
"$PY" -c "import numpy as np; np.save('$WORK/four.npy', np.ones((3, 100, 4), np.float32)); np.save('$WORK/flat.npy', np.ones((3, 100), np.float32))"
echo "not weights" > "$WORK/bad.pt"
expect_fail "marks differ from the weights" "four.npy: 4 marks.*for 5 marks" \
  "$PREDICT" --weights "$FIXTURE/weights.pt" --input "$WORK/four.npy" --out "$WORK/bad1"
expect_fail "2-D input" "flat.npy: expected a stacked input" \
  "$PREDICT" --weights "$FIXTURE/weights.pt" --input "$WORK/flat.npy" --out "$WORK/bad2"
expect_fail "not a weights file" "bad.pt: not a PyTorch weights file" \
  "$PREDICT" --weights "$WORK/bad.pt" --input "$FIXTURE/inputs.npy" --out "$WORK/bad3"
for d in bad1 bad2 bad3; do
  if [ -e "$WORK/$d/logits.npy" ]; then not_ok "$d left an output"; else ok "$d wrote nothing"; fi
done

# Weights with a NaN (a diverged training, a damaged file) would score every gene NaN: an error naming
# the parameter, and nothing written.
need_python torch
"$PY" - "$FIXTURE/weights.pt" "$WORK/nan.pt" <<'PY'
import sys, torch
weights = torch.load(sys.argv[1])
weights["rnn_hms.2.rnn.weight_hh_l0"][3, 1] = float("nan")
torch.save(weights, sys.argv[2])
PY
expect_fail "non-finite weights" "nan.pt: parameter rnn_hms.2.rnn.weight_hh_l0 has non-finite values \(1 of 4096\)" \
  "$PREDICT" --weights "$WORK/nan.pt" --input "$FIXTURE/inputs.npy" --out "$WORK/bad4"
[ ! -e "$WORK/bad4" ] && ok "non-finite weights: nothing written" || not_ok "non-finite weights left $(ls -A "$WORK/bad4")"

# A model.json beside the weights (as achrome-train writes it) fixes the bins the input must have;
# without one the published weights score any bin count, with a warning when it is not 100.
mkdir -p "$WORK/trained"
cp "$FIXTURE/weights.pt" "$WORK/trained/model.pt"
echo '{"model": "attentivechrome", "marks": ["a", "b", "c", "d", "e"], "bins": 100, "bin_hidden": 32, "mark_hidden": 16}' \
  >"$WORK/trained/model.json"
"$PY" -c "import numpy as np; np.save('$WORK/fifty.npy', np.ones((3, 50, 5), np.float32))"
expect_fail "input bins differ from model.json" "fifty.npy: 50 bins, but the model in .*model.pt was trained on 100 bins" \
  "$PREDICT" --weights "$WORK/trained/model.pt" --input "$WORK/fifty.npy" --out "$WORK/bad5"
if "$PREDICT" --weights "$FIXTURE/weights.pt" --input "$WORK/fifty.npy" --out "$WORK/fifty" 2>"$WORK/fifty.err" \
   && grep -q "50 bins, but no model.json beside" "$WORK/fifty.err" && [ -s "$WORK/fifty/alpha.npy" ]; then
  ok "published weights without model.json: other bins warned about"
else
  not_ok "published weights on 50 bins: $(cat "$WORK/fifty.err")"
fi

# --out is replaced as a whole, is checked before scoring, and never deletes files that are not its own.
touch "$WORK/afile"
expect_fail "--out under a file" "afile: cannot create folder" \
  "$PREDICT" --weights "$FIXTURE/weights.pt" --input "$FIXTURE/inputs.npy" --out "$WORK/afile/out"
mkdir -p "$WORK/mixed" && touch "$WORK/mixed/keep.txt"
expect_fail "--out holding other files" "mixed: holds 'keep.txt', which is not one of its outputs" \
  "$PREDICT" --weights "$FIXTURE/weights.pt" --input "$FIXTURE/inputs.npy" --out "$WORK/mixed"
if "$PREDICT" --weights "$FIXTURE/weights.pt" --input "$FIXTURE/inputs.npy" --out "$WORK/fifty" 2>/dev/null \
   && [ "$(ls -A "$WORK" "$WORK/fifty" | grep -c '^\.')" -eq 0 ] \
   && "$PY" -c "import numpy as np; assert np.load('$WORK/fifty/alpha.npy').shape == (10, 5, 100)"; then
  ok "a rerun replaces --out as a whole"
else
  not_ok "rerun into --out: $(ls -A "$WORK" "$WORK/fifty")"
fi

# This build may or may not see a GPU; without one --device cuda must say so in one line.
if "$PREDICT" --weights "$FIXTURE/weights.pt" --input "$FIXTURE/inputs.npy" --out "$WORK/gpu" --device cuda \
     >/dev/null 2>"$WORK/gpu.err"; then
  ok "--device cuda runs (GPU available)"
else
  if grep -q "CUDA is not available" "$WORK/gpu.err" && [ "$(grep -c . "$WORK/gpu.err")" -eq 1 ]; then
    ok "--device cuda without a GPU: one-line error"
  else
    not_ok "--device cuda: $(cat "$WORK/gpu.err")"
  fi
fi
finish
