"""Writes one parity case per model for tests/stages/test_model_parity.sh.

usage: make_parity_case.py OUT_DIR
OUT_DIR/inputs.npy      float32 [16, 100, 5] raw counts (shared by all models)
OUT_DIR/NAME/weights.pt the twin's state_dict as a plain dict (torch.save)
OUT_DIR/NAME/{logits,alpha,beta,saliency}.npy  the twin's outputs in eval mode (alpha/beta only where
                        the model has them; saliency = d logit / d input as [genes, marks, bins])
OUT_DIR/NAME/count      the twin's parameter count

Weights are the twin's own initialisation with the attention context vectors and the LSTM weights
scaled up and the LayerNorm's affine parameters moved off 1 and 0, so that attention differs between bins and genes and the logits spread: a parity check
on near-uniform attention and near-constant logits would prove little.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import twins  # noqa: E402

GENES, BINS, MARKS = 16, 100, 5


def inputs():
    rng = np.random.default_rng(2017)
    x = rng.poisson(2.0, (GENES, BINS, MARKS)).astype(np.float32)
    # A peak of varying height and place per gene and mark, as around real TSSs.
    for g in range(GENES):
        for m in range(MARKS):
            centre = rng.integers(10, 90)
            x[g, centre - 5:centre + 5, m] += rng.poisson(rng.uniform(0, 12), 10)
    return x


def sharpen(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bin_context_vector") or name == "bin_context":
                p.mul_(20)
            elif "rnn." in name:  # LSTM weights and biases
                p.mul_(5)
            elif name.startswith("norm."):  # LayerNorm starts at weight 1, bias 0: make both matter
                p.add_(torch.empty_like(p).uniform_(-0.5, 0.5))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    x = inputs()
    np.save(f"{out}/inputs.npy", x)
    for index, name in enumerate(twins.MODELS):
        torch.manual_seed(100 + index)
        model = twins.make(name, MARKS, BINS)
        sharpen(model)
        model.eval()
        folder = f"{out}/{name}"
        os.makedirs(folder, exist_ok=True)
        torch.save(dict(model.state_dict()), f"{folder}/weights.pt")
        xt = torch.from_numpy(x).requires_grad_(True)
        logits, alpha, beta = model(xt)
        (saliency,) = torch.autograd.grad(logits.sum(), xt)
        np.save(f"{folder}/logits.npy", logits.detach().numpy())
        np.save(f"{folder}/saliency.npy", saliency.permute(0, 2, 1).contiguous().numpy())
        if alpha is not None:
            np.save(f"{folder}/alpha.npy", alpha.detach().numpy())
        if beta is not None:
            np.save(f"{folder}/beta.npy", beta.detach().numpy())
        with open(f"{folder}/count", "w") as f:
            f.write(f"{twins.parameter_count(model)}\n")


if __name__ == "__main__":
    main()
