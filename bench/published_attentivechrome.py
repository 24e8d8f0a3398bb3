"""The published AttentiveChrome PyTorch model (QData/AttentiveChrome, v2PyTorch/models.py structure:
per-mark bidirectional LSTMs with bin attention, a mark-level LSTM with mark attention, one linear
output), trained as its train.py does (Adam, batch 16, gradient-norm clip 1, U(-0.1, 0.1) init), timed
per epoch. The peer of achrome-train in bench/train.sh; not used by the pipeline.

usage: published_attentivechrome.py DATA_DIR THREADS EPOCHS
DATA_DIR holds genes.tsv-ordered {mark}.npy [genes, bins] and labels.tsv with every gene labelled.
"""
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn import metrics

MARKS = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]


def batch_product(iput, mat2):
    # As published: one torch.mm per batch element.
    result = None
    for i in range(iput.size()[0]):
        op = torch.mm(iput[i], mat2).unsqueeze(0)
        result = op if result is None else torch.cat((result, op), 0)
    return result.squeeze(2)


class rec_attention(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.bin_context_vector = nn.Parameter(torch.Tensor(size, 1))
        self.softmax = nn.Softmax(dim=1)

    def forward(self, iput):
        alpha = self.softmax(batch_product(iput, self.bin_context_vector))
        b, t, _ = iput.size()
        return torch.bmm(alpha.unsqueeze(2).view(b, -1, t), iput), alpha


class recurrent_encoder(nn.Module):
    def __init__(self, ip, hidden):
        super().__init__()
        self.rnn = nn.LSTM(ip, hidden, num_layers=1, bidirectional=True)
        self.bin_attention = rec_attention(2 * hidden)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.bin_attention(out.permute(1, 0, 2))


class att_chrome(nn.Module):
    def __init__(self, marks):
        super().__init__()
        self.rnn_hms = nn.ModuleList([recurrent_encoder(1, 32) for _ in range(marks)])
        self.hm_level_rnn_1 = recurrent_encoder(64, 16)
        self.fdiff1_1 = nn.Linear(32, 1)

    def forward(self, iput):
        reps = []
        for hm, enc in enumerate(self.rnn_hms):
            op, _ = enc(torch.t(iput[:, :, hm].contiguous()).unsqueeze(2))
            reps.append(op)
        rep = torch.cat(reps, 1).permute(1, 0, 2)
        final, _ = self.hm_level_rnn_1(rep)
        return self.fdiff1_1(final.squeeze(1))


def main():
    data, threads, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    X = np.stack([np.load(f"{data}/{m}.npy") for m in MARKS], -1).astype(np.float32)
    rows = [line.rstrip("\n").split("\t") for line in open(f"{data}/labels.tsv")][1:]
    y = np.array([int(r[2]) for r in rows], np.float32)
    split = np.array([r[3] for r in rows])
    assert len(rows) == len(X), "bench needs every gene labelled"
    model = att_chrome(len(MARKS))
    for p in model.parameters():
        p.data.uniform_(-0.1, 0.1)
    opt = torch.optim.Adam(model.parameters(), lr=2e-4)

    def batches(name, shuffle):
        idx = np.where(split == name)[0]
        if shuffle:
            idx = idx[torch.randperm(len(idx)).numpy()]
        for i in range(0, len(idx), 16):
            j = idx[i:i + 16]
            yield torch.from_numpy(X[j]), torch.from_numpy(y[j]).unsqueeze(1)

    for epoch in range(epochs):
        start = time.time()
        model.train()
        for xb, yb in batches("train", True):
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(xb), yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1)
            opt.step()
        model.eval()
        aucs = []
        with torch.no_grad():
            for name in ("valid", "test"):
                preds, ys = [], []
                for xb, yb in batches(name, False):
                    preds.append(model(xb))
                    ys.append(yb)
                aucs.append(metrics.roc_auc_score(torch.cat(ys).numpy(), torch.cat(preds).numpy()))
        print(f"epoch {epoch + 1} seconds {time.time() - start:.3f} valid_auroc {aucs[0]:.4f} test_auroc {aucs[1]:.4f}",
              flush=True)


if __name__ == "__main__":
    main()
