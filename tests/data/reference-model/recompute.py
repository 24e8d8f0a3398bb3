"""Recomputes the fixture's expected outputs (logits.npy, alpha.npy, beta.npy) from weights.pt and
inputs.npy with the published AttentiveChrome PyTorch model (QData/AttentiveChrome v2PyTorch/models.py,
transcribed in bench/published_attentivechrome.py), reading the two attention maps off its attention
modules with forward hooks, since the published forward returns only the logits.

usage: recompute.py OUT_DIR      (writes OUT_DIR/{logits,alpha,beta}.npy, float32)
The stage test tests/stages/test_predict_fixture.sh runs it and checks that the stored outputs equal it.
"""
import os
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "bench"))
from published_attentivechrome import att_chrome  # noqa: E402

out = sys.argv[1]
torch.set_num_threads(1)
model = att_chrome(5)
model.load_state_dict(torch.load(os.path.join(here, "weights.pt")))
model.eval()
attention = []
for encoder in list(model.rnn_hms) + [model.hm_level_rnn_1]:
    encoder.bin_attention.register_forward_hook(lambda module, inputs, output: attention.append(output[1]))
x = torch.from_numpy(np.load(os.path.join(here, "inputs.npy")))
with torch.no_grad():
    logits = model(x).squeeze(1)
alpha = torch.stack(attention[:5], 1)  # [genes, marks, bins]
beta = attention[5]                   # [genes, marks]
os.makedirs(out, exist_ok=True)
for name, value in (("logits", logits), ("alpha", alpha), ("beta", beta)):
    np.save(os.path.join(out, f"{name}.npy"), value.numpy().astype(np.float32))
