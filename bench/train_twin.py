"""One model's plain-PyTorch twin (tests/models/twins.py) trained the way a PyTorch user would: Adam
(lr 2e-4), BCEWithLogits, gradient-norm clip 1, shuffled batches of 16 over the training genes, then
the valid and test genes scored in batches of 16 under no_grad (as the published train.py does), every
epoch timed. The peer of achrome-train --model NAME in bench/speed.sh; not used by the pipeline.

usage: train_twin.py MODEL DATA_DIR THREADS EPOCHS
DATA_DIR holds genes.tsv, {mark}.npy [genes, bins] in its row order and labels.tsv (gene_id value label
split). Prints one line per epoch in bench/published_attentivechrome.py's format:
  epoch N seconds S valid_auroc A test_auroc B
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn import metrics

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "models"))
import twins  # noqa: E402

MARKS = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
BATCH = 16


def load(data):
    """Inputs [genes, bins, marks] of the labelled genes, their labels and splits, in genes.tsv order."""
    X = np.stack([np.load(f"{data}/{m}.npy") for m in MARKS], -1).astype(np.float32)
    with open(f"{data}/genes.tsv") as f:
        header = f.readline().rstrip("\n").split("\t")
        column = header.index("gene_id")
        order = {line.rstrip("\n").split("\t")[column]: i for i, line in enumerate(f)}
    rows, y, split = [], [], []
    with open(f"{data}/labels.tsv") as f:
        f.readline()
        for line in f:
            gene, _, label, part = line.rstrip("\n").split("\t")[:4]
            rows.append(order[gene])
            y.append(float(label))
            split.append(part)
    return X[rows], np.array(y, np.float32), np.array(split)


def main():
    name, data, threads, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    X, y, split = load(data)
    model = twins.make(name, marks=X.shape[2], bins=X.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=2e-4)

    def batches(part, shuffle):
        idx = np.where(split == part)[0]
        if shuffle:
            idx = idx[torch.randperm(len(idx)).numpy()]
        for i in range(0, len(idx), BATCH):
            j = idx[i:i + BATCH]
            yield torch.from_numpy(X[j]), torch.from_numpy(y[j])

    for epoch in range(epochs):
        start = time.time()
        model.train()
        for xb, yb in batches("train", True):
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(xb)[0], yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1)
            opt.step()
        model.eval()
        aucs = []
        with torch.no_grad():
            for part in ("valid", "test"):
                preds, ys = [], []
                for xb, yb in batches(part, False):
                    preds.append(model(xb)[0])
                    ys.append(yb)
                aucs.append(metrics.roc_auc_score(torch.cat(ys).numpy(), torch.cat(preds).numpy()))
        print(f"epoch {epoch + 1} seconds {time.time() - start:.3f} valid_auroc {aucs[0]:.4f} test_auroc {aucs[1]:.4f}",
              flush=True)


if __name__ == "__main__":
    main()
