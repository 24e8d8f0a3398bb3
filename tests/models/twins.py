"""PyTorch twins of achrome's expression models (lib/model/, docs/models.md).

One nn.Module per model with the state_dict names and the arithmetic of its LibTorch counterpart, so
that weights saved here load into achrome-predict --model NAME (and achrome-train's model.pt loads
here), and both give the same logits, attention and input gradients. Every forward takes
x [B, bins, marks] (raw counts) and returns (logits [B], alpha [B, A, bins] or None, beta [B, marks] or None),
A = marks for per-mark attention, 1 for one attention shared by all marks.

make(name, marks, bins, **sizes) builds one; MODELS lists the names; SIZES their default sizes.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

MODELS = ["deepchrome", "lstm", "cnn-attn", "cnn-alpha-beta", "lstm-attn", "lstm-alpha", "attentivechrome",
          "achrome-net"]

SIZES = {
    "deepchrome": {"filters": 50, "kernel": 10, "pool": 5, "hidden1": 625, "hidden2": 125},
    "lstm": {"hidden": 32},
    "cnn-attn": {"filters": 50, "kernel": 10},
    "cnn-alpha-beta": {"filters": 50, "kernel": 10},
    "lstm-attn": {"hidden": 32},
    "lstm-alpha": {"bin_hidden": 32},
    "attentivechrome": {"bin_hidden": 32, "mark_hidden": 16},
    "achrome-net": {"channels": 32, "kernel": 10, "hidden": 32},
}


def attend(states, context):
    """states [B, T, D], context [D, 1] -> (softmax over T of <state_t, context> [B, T], weighted sum [B, D])."""
    weights = torch.softmax(torch.matmul(states, context).squeeze(2), 1)
    return weights, torch.bmm(weights.unsqueeze(1), states).squeeze(1)


def pad_same(x, kernel):
    """Zero padding keeping one position per bin: (kernel - 1) // 2 before, the rest after."""
    before = (kernel - 1) // 2
    return F.pad(x, (before, kernel - 1 - before))


def bilstm(inputs, hidden):
    return nn.LSTM(inputs, hidden, num_layers=1, bidirectional=True)


def uniform_all(module, bound=0.1):
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-bound, bound)


class ContextAttention(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.bin_context_vector = nn.Parameter(torch.empty(size, 1).uniform_(-0.1, 0.1))


class RecurrentEncoder(nn.Module):
    def __init__(self, inputs, hidden):
        super().__init__()
        self.rnn = bilstm(inputs, hidden)
        self.bin_attention = ContextAttention(2 * hidden)

    def states(self, sequence_first):  # [T, B, I] -> [B, T, 2H]
        return self.rnn(sequence_first)[0].transpose(0, 1)


class DeepChrome(nn.Module):
    def __init__(self, marks, bins, filters=50, kernel=10, pool=5, hidden1=625, hidden2=125):
        super().__init__()
        self.pool = pool
        positions = (bins - kernel + 1) // pool
        self.conv = nn.Conv1d(marks, filters, kernel)
        self.dropout = nn.Dropout(0.5)
        self.hidden1 = nn.Linear(filters * positions, hidden1)
        self.hidden2 = nn.Linear(hidden1, hidden2)
        self.output = nn.Linear(hidden2, 1)

    def forward(self, x):
        h = F.relu(self.conv(x.transpose(1, 2)))
        h = F.max_pool1d(h, self.pool)
        h = self.dropout(h.flatten(1))
        h = F.relu(self.hidden1(h))
        h = F.relu(self.hidden2(h))
        return self.output(h).squeeze(1), None, None


class Lstm(nn.Module):
    def __init__(self, marks, bins, hidden=32):
        super().__init__()
        self.rnn = bilstm(marks, hidden)
        self.dropout = nn.Dropout(0.5)
        self.output = nn.Linear(2 * hidden, 1)
        uniform_all(self)

    def forward(self, x):
        _, (h_n, _) = self.rnn(x.transpose(0, 1))
        pooled = torch.cat([h_n[0], h_n[1]], 1)
        return self.output(self.dropout(pooled)).squeeze(1), None, None


class LstmAttn(nn.Module):
    def __init__(self, marks, bins, hidden=32):
        super().__init__()
        self.rnn = bilstm(marks, hidden)
        self.bin_attention = ContextAttention(2 * hidden)
        self.dropout = nn.Dropout(0.5)
        self.output = nn.Linear(2 * hidden, 1)
        uniform_all(self)

    def forward(self, x):
        states = self.rnn(x.transpose(0, 1))[0].transpose(0, 1)
        alpha, pooled = attend(self.dropout(states), self.bin_attention.bin_context_vector)
        return self.output(pooled).squeeze(1), alpha.unsqueeze(1), None


class LstmAlpha(nn.Module):
    def __init__(self, marks, bins, bin_hidden=32):
        super().__init__()
        self.rnn_hms = nn.ModuleList([RecurrentEncoder(1, bin_hidden) for _ in range(marks)])
        self.dropout = nn.Dropout(0.5)
        self.output = nn.Linear(marks * 2 * bin_hidden, 1)
        uniform_all(self)

    def forward(self, x):
        embeddings, alphas = [], []
        for m, encoder in enumerate(self.rnn_hms):
            states = encoder.states(x[:, :, m].t().unsqueeze(2))
            alpha, pooled = attend(self.dropout(states), encoder.bin_attention.bin_context_vector)
            embeddings.append(pooled)
            alphas.append(alpha)
        return self.output(torch.cat(embeddings, 1)).squeeze(1), torch.stack(alphas, 1), None


class CnnAttn(nn.Module):
    def __init__(self, marks, bins, filters=50, kernel=10):
        super().__init__()
        self.kernel = kernel
        self.conv = nn.Conv1d(marks, filters, kernel)
        self.bin_attention = ContextAttention(filters)
        self.output = nn.Linear(filters, 1)

    def forward(self, x):
        features = F.relu(self.conv(pad_same(x.transpose(1, 2), self.kernel)))
        alpha, pooled = attend(features.transpose(1, 2), self.bin_attention.bin_context_vector)
        return self.output(pooled).squeeze(1), alpha.unsqueeze(1), None


class ConvEncoder(nn.Module):
    def __init__(self, filters, kernel):
        super().__init__()
        self.conv = nn.Conv1d(1, filters, kernel)
        self.bin_attention = ContextAttention(filters)


class CnnAlphaBeta(nn.Module):
    def __init__(self, marks, bins, filters=50, kernel=10):
        super().__init__()
        self.kernel = kernel
        self.conv_hms = nn.ModuleList([ConvEncoder(filters, kernel) for _ in range(marks)])
        self.mark_attention = ContextAttention(filters)
        self.output = nn.Linear(filters, 1)

    def forward(self, x):
        embeddings, alphas = [], []
        for m, encoder in enumerate(self.conv_hms):
            features = F.relu(encoder.conv(pad_same(x[:, :, m].unsqueeze(1), self.kernel)))
            alpha, pooled = attend(features.transpose(1, 2), encoder.bin_attention.bin_context_vector)
            embeddings.append(pooled)
            alphas.append(alpha)
        beta, representation = attend(torch.stack(embeddings, 1), self.mark_attention.bin_context_vector)
        return self.output(representation).squeeze(1), torch.stack(alphas, 1), beta


class AttentiveChrome(nn.Module):
    """The published model (QData/AttentiveChrome v2PyTorch/models.py), returning its attention too."""

    def __init__(self, marks, bins, bin_hidden=32, mark_hidden=16):
        super().__init__()
        self.rnn_hms = nn.ModuleList([RecurrentEncoder(1, bin_hidden) for _ in range(marks)])
        self.hm_level_rnn_1 = RecurrentEncoder(2 * bin_hidden, mark_hidden)
        self.fdiff1_1 = nn.Linear(2 * mark_hidden, 1)
        uniform_all(self)

    def forward(self, x):
        embeddings, alphas = [], []
        for m, encoder in enumerate(self.rnn_hms):
            alpha, pooled = attend(encoder.states(x[:, :, m].t().unsqueeze(2)), encoder.bin_attention.bin_context_vector)
            embeddings.append(pooled)
            alphas.append(alpha)
        mark_states = self.hm_level_rnn_1.states(torch.stack(embeddings, 0))  # marks as the sequence
        beta, representation = attend(mark_states, self.hm_level_rnn_1.bin_attention.bin_context_vector)
        return self.fdiff1_1(representation).squeeze(1), torch.stack(alphas, 1), beta


class AchromeNet(nn.Module):
    """achrome's own model (docs/models.md): log1p of the counts beside two position channels, per mark a
    convolution over the bins with bin attention, a per-mark dense encoder with LayerNorm, mark attention,
    a scaled linear output."""

    OUTPUT_SCALE = 10.0

    def __init__(self, marks, bins, channels=32, kernel=10, hidden=32):
        super().__init__()
        self.marks, self.channels, self.kernel = marks, channels, kernel
        # one set of filters per mark, reading its log counts, p_t and |p_t| (input channels 3m .. 3m + 2)
        self.conv = nn.Conv1d(3 * marks, marks * channels, kernel, groups=marks)
        self.bin_context = nn.Parameter(torch.empty(marks, channels).uniform_(-0.1, 0.1))
        bound = 1 / channels ** 0.5
        self.encoder_weight = nn.Parameter(torch.empty(marks, channels, hidden).uniform_(-bound, bound))
        self.encoder_bias = nn.Parameter(torch.empty(marks, hidden).uniform_(-bound, bound))
        self.norm = nn.LayerNorm(hidden)
        self.mark_attention = ContextAttention(hidden)
        self.output = nn.Linear(hidden, 1)

    def forward(self, x):
        b, t, m = x.shape
        counts = torch.log1p(x.clamp(min=0)).transpose(1, 2)  # [B, M, T]
        place = ((torch.arange(t, dtype=x.dtype) - 0.5 * (t - 1)) / t).expand_as(counts)  # bin position around the TSS
        z = torch.stack([counts, place, place.abs()], 2).reshape(b, 3 * m, t)  # [B, M * 3, T]
        h = F.relu(self.conv(pad_same(z, self.kernel))).view(b, m, self.channels, t)  # [B, M, C, T]
        alpha = torch.softmax(torch.einsum("bmct,mc->bmt", h, self.bin_context), 2)
        e = torch.einsum("bmct,bmt->bmc", h, alpha)  # mark embeddings [B, M, C]
        s = F.relu(self.norm(torch.einsum("bmc,mcd->bmd", e, self.encoder_weight) + self.encoder_bias))
        beta, v = attend(s, self.mark_attention.bin_context_vector)
        return self.OUTPUT_SCALE * self.output(v).squeeze(1), alpha, beta


CLASSES = {
    "deepchrome": DeepChrome,
    "lstm": Lstm,
    "cnn-attn": CnnAttn,
    "cnn-alpha-beta": CnnAlphaBeta,
    "lstm-attn": LstmAttn,
    "lstm-alpha": LstmAlpha,
    "attentivechrome": AttentiveChrome,
    "achrome-net": AchromeNet,
}


def make(name, marks=5, bins=100, **sizes):
    return CLASSES[name](marks, bins, **sizes)


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())
