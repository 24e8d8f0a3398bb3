"""Design variants of achrome-net, compared on validation AUROC (docs/models.md, `achrome-net`).

usage: python3 bench/achrome_net_variants.py VARIANT...   (after bash bench/models.sh has written its data)
VARIANT: scale1-k7 scale4-k7 scale10-k7 scale10-k10 scale20-k10 scale10-k15 nonorm-scale4-k7 posbias-scale4-k7
         (convolutions on the log counts alone, as the model was before its position channels), positions (the model),
         or logistic (no network: scikit-learn's logistic regression, C 0.1, on the log of summed counts in
         4 blocks of 25 bins per mark, fitted on train, scored on valid; what a simple model reaches)

Trains the PyTorch twin (tests/models/twins.py) with a replica of achrome-train's loop (Adam lr 2e-4,
batch 16 reshuffled every epoch, BCE with logits, gradient norm clipped to 1, 30 epochs, the epoch
with the best validation AUROC kept; later epoch on ties) on bench/out/models/data/{real-k562,simulated},
seeds 1, 2, 3, one thread, and prints the mean and sd of the validation AUROC at that epoch. Test
AUROC is not printed: the design was chosen on validation alone.
"""
import csv
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "models"))
import twins  # noqa: E402

MARKS = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]


def load(folder):
    x = np.stack([np.load(f"{folder}/{mark}.npy") for mark in MARKS], 2).astype(np.float32)
    with open(f"{folder}/genes.tsv") as f:
        row_of = {line.split("\t")[0]: i for i, line in enumerate(f.read().splitlines()[1:])}
    with open(f"{folder}/labels.tsv") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    data = {}
    for split in ("train", "valid", "test"):
        chosen = [r for r in rows if r["split"] == split]
        data[split] = (torch.from_numpy(x[[row_of[r["gene_id"]] for r in chosen]]),
                       np.array([int(r["label"]) for r in chosen]))
    return data


def train(model, data, seed, epochs=30):
    shuffle = torch.Generator().manual_seed(seed)
    x, y = data["train"][0], torch.from_numpy(data["train"][1]).float()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4)
    best = -1.0
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=shuffle)
        for start in range(0, len(x), 16):
            rows = order[start:start + 16]
            optimizer.zero_grad()
            F.binary_cross_entropy_with_logits(model(x[rows])[0], y[rows]).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        model.eval()
        with torch.no_grad():
            valid = roc_auc_score(data["valid"][1], model(data["valid"][0])[0].numpy())
        best = max(best, valid)
    return best


class Scaled(twins.AchromeNet):
    """The design before the position channels: each mark's convolution reads its log counts alone."""

    def __init__(self, scale, channels=32, kernel=10, hidden=32):
        # twins.AchromeNet's layers in its order (so the same seed draws the same weights), the
        # convolution on one input channel per mark
        nn.Module.__init__(self)
        self.marks, self.channels, self.kernel = 5, channels, kernel
        self.conv = nn.Conv1d(5, 5 * channels, kernel, groups=5)
        self.bin_context = nn.Parameter(torch.empty(5, channels).uniform_(-0.1, 0.1))
        bound = 1 / channels ** 0.5
        self.encoder_weight = nn.Parameter(torch.empty(5, channels, hidden).uniform_(-bound, bound))
        self.encoder_bias = nn.Parameter(torch.empty(5, hidden).uniform_(-bound, bound))
        self.norm = nn.LayerNorm(hidden)
        self.mark_attention = twins.ContextAttention(hidden)
        self.output = nn.Linear(hidden, 1)
        self.OUTPUT_SCALE = scale

    def forward(self, x):
        b, t, m = x.shape
        z = torch.log1p(x.clamp(min=0)).transpose(1, 2)
        h = F.relu(self.conv(twins.pad_same(z, self.kernel))).view(b, m, self.channels, t)
        alpha = torch.softmax(torch.einsum("bmct,mc->bmt", h, self.bin_context), 2)
        e = torch.einsum("bmct,bmt->bmc", h, alpha)
        s = F.relu(self.norm(torch.einsum("bmc,mcd->bmd", e, self.encoder_weight) + self.encoder_bias))
        beta, v = twins.attend(s, self.mark_attention.bin_context_vector)
        return self.OUTPUT_SCALE * self.output(v).squeeze(1), alpha, beta


class NoNorm(Scaled):
    def __init__(self, scale, **sizes):
        super().__init__(scale, **sizes)
        self.norm = nn.Identity()


class PositionBias(Scaled):
    """A learned bias per mark and bin added to the bin attention scores."""

    def __init__(self, scale, **sizes):
        super().__init__(scale, **sizes)
        self.bin_position = nn.Parameter(torch.zeros(5, 100))

    def forward(self, x):
        b, t, m = x.shape
        z = torch.log1p(x.clamp(min=0)).transpose(1, 2)
        h = F.relu(self.conv(twins.pad_same(z, self.kernel))).view(b, m, self.channels, t)
        alpha = torch.softmax(torch.einsum("bmct,mc->bmt", h, self.bin_context) + self.bin_position, 2)
        e = torch.einsum("bmct,bmt->bmc", h, alpha)
        s = F.relu(self.norm(torch.einsum("bmc,mcd->bmd", e, self.encoder_weight) + self.encoder_bias))
        beta, v = twins.attend(s, self.mark_attention.bin_context_vector)
        return self.OUTPUT_SCALE * self.output(v).squeeze(1), alpha, beta


VARIANTS = {
    "scale1-k7": lambda: Scaled(1.0, kernel=7),
    "scale4-k7": lambda: Scaled(4.0, kernel=7),
    "scale10-k7": lambda: Scaled(10.0, kernel=7),
    "scale10-k10": lambda: Scaled(10.0, kernel=10),  # the design before the position channels
    "positions": lambda: twins.AchromeNet(5, 100),  # the model: scale10-k10 with the position channels
    "scale20-k10": lambda: Scaled(20.0, kernel=10),
    "scale10-k15": lambda: Scaled(10.0, kernel=15),
    "nonorm-scale4-k7": lambda: NoNorm(4.0, kernel=7),
    "posbias-scale4-k7": lambda: PositionBias(4.0, kernel=7),
}


def main():
    torch.set_num_threads(1)
    sets = {name: load(f"{ROOT}/bench/out/models/data/{name}") for name in ("real-k562", "simulated")}
    for variant in sys.argv[1:]:
        for name, data in sets.items():
            if variant == "logistic":
                blocks = lambda x: np.log1p(x.numpy().reshape(len(x), 4, 25, -1).sum(2)).reshape(len(x), -1)
                fit = LogisticRegression(C=0.1, max_iter=2000).fit(blocks(data["train"][0]), data["train"][1])
                valid = roc_auc_score(data["valid"][1], fit.decision_function(blocks(data["valid"][0])))
                print(f"{variant}\t{name}\tvalid AUROC {valid:.4f}", flush=True)
                continue
            scores = []
            for seed in (1, 2, 3):
                torch.manual_seed(seed)
                scores.append(train(VARIANTS[variant](), data, seed))
            print(f"{variant}\t{name}\tvalid AUROC {np.mean(scores):.4f} ± {np.std(scores, ddof=1):.4f}", flush=True)


if __name__ == "__main__":
    main()
