#!/usr/bin/env bash
# Every model of achrome-predict --model against its PyTorch twin (tests/models/twins.py): with the
# twin's weights, logits, attention and input saliency agree to 1e-5, the attention files exist
# exactly when the model has that attention, and the twin's parameter count is docs/models.md's.
source "$(dirname "$0")/lib.sh"
need_python numpy torch
PREDICT="$ACHROME_BIN/achrome-predict"
MODELS="deepchrome lstm cnn-attn cnn-alpha-beta lstm-attn lstm-alpha attentivechrome achrome-net"

if "$PY" "$ACHROME_TESTS/models/make_parity_case.py" "$WORK/case" 2>"$WORK/case.log"; then
  ok "twins wrote their weights and outputs"
else
  not_ok "make_parity_case.py: $(tail -3 "$WORK/case.log")"
fi

for model in $MODELS; do
  if ! "$PREDICT" --model "$model" --weights "$WORK/case/$model/weights.pt" --input "$WORK/case/inputs.npy" \
       --out "$WORK/out/$model" --threads 2 2>"$WORK/$model.log"; then
    not_ok "$model: predict failed: $(tail -2 "$WORK/$model.log")"
    continue
  fi
  if "$PY" - "$WORK/case/$model" "$WORK/out/$model" "$model" "$ACHROME_SOURCE/docs/models.md" <<'PY'
import os, re, sys
import numpy as np
case, out, model, doc = sys.argv[1:]
report = []
for name in ["logits", "alpha", "beta", "saliency"]:
    expected = os.path.exists(f"{case}/{name}.npy")
    assert expected == os.path.exists(f"{out}/{name}.npy"), (name, "present" if expected else "absent", "in the twin")
    if not expected:
        continue
    got, ref = np.load(f"{out}/{name}.npy"), np.load(f"{case}/{name}.npy")
    assert got.dtype == np.float32 and got.shape == ref.shape, (name, got.dtype, got.shape, ref.shape)
    diff = float(np.abs(got - ref).max())
    assert diff < 1e-5, (name, diff)
    report.append(f"{name} {diff:.1e}")
    if name in ("alpha", "beta"):
        assert np.allclose(got.sum(-1), 1, atol=1e-5), name
# docs/models.md states each model's parameter count for 5 marks and 100 bins.
text = open(doc).read()
section = re.search(r"^## `" + re.escape(model) + r"`(.*?)(?=^## |\Z)", text, re.M | re.S)
assert section, f"no section for {model} in {doc}"
stated = re.search(r"Parameters \(5 marks, 100 bins\): \*\*([\d,]+)\*\*", section.group(1))
assert stated, f"no parameter count for {model} in {doc}"
count = int(open(f"{case}/count").read())
assert int(stated.group(1).replace(",", "")) == count, (stated.group(1), count)
print(f"{model}: max abs diff " + ", ".join(report) + f"; {count} parameters")
PY
  then ok "$model: logits, attention and saliency equal the twin's within 1e-5; parameter count as documented"
  else not_ok "$model parity"; fi
done

# A weights file of one model given as another fails in one line naming the missing key.
expect_fail "deepchrome weights as lstm" "weights.pt: missing key 'rnn.weight_ih_l0' \(not a lstm state_dict\)" \
  "$PREDICT" --model lstm --weights "$WORK/case/deepchrome/weights.pt" --input "$WORK/case/inputs.npy" --out "$WORK/bad1"
expect_fail "cnn-attn weights as cnn-alpha-beta" "missing key 'conv_hms.0.conv.weight'" \
  "$PREDICT" --model cnn-alpha-beta --weights "$WORK/case/cnn-attn/weights.pt" --input "$WORK/case/inputs.npy" \
  --out "$WORK/bad2"
expect_fail "lstm-attn weights as lstm" "unexpected key 'bin_attention.bin_context_vector'" \
  "$PREDICT" --model lstm --weights "$WORK/case/lstm-attn/weights.pt" --input "$WORK/case/inputs.npy" --out "$WORK/bad3"
expect_fail "attentivechrome weights as achrome-net" "missing key 'bin_context' \(not a achrome-net state_dict\)" \
  "$PREDICT" --model achrome-net --weights "$WORK/case/attentivechrome/weights.pt" --input "$WORK/case/inputs.npy" \
  --out "$WORK/bad6"
# DeepChrome's first dense layer fixes the bins it reads (predict also warns that nothing beside the
# weights says which bins they were trained on, so the error is the last line, not the only one).
"$PY" -c "import numpy as np; np.save('$WORK/short.npy', np.ones((3, 60, 5), np.float32))"
if "$PREDICT" --model deepchrome --weights "$WORK/case/deepchrome/weights.pt" --input "$WORK/short.npy" \
     --out "$WORK/bad4" 2>"$WORK/bad4.err"; then
  not_ok "deepchrome on 60 bins: exited 0"
elif tail -1 "$WORK/bad4.err" | grep -q "hidden1.weight' has shape \[625, 900\], the model expects \[625, 500\]"; then
  ok "deepchrome on 60 bins"
else
  not_ok "deepchrome on 60 bins: $(cat "$WORK/bad4.err")"
fi
expect_fail "unknown model" "--model: .*not in" \
  "$PREDICT" --model cnn --weights "$WORK/case/deepchrome/weights.pt" --input "$WORK/case/inputs.npy" --out "$WORK/bad5"
for d in bad1 bad2 bad3 bad4 bad5 bad6; do
  if [ -e "$WORK/$d/logits.npy" ]; then not_ok "$d left an output"; else ok "$d wrote nothing"; fi
done
finish
