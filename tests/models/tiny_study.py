"""A tiny synthetic study for the training stage tests: genes.tsv, labels.tsv and one float32
[genes, bins] .npy per mark (plus stacked.npy, [genes, bins, marks], for the PyTorch twins), in the
formats achrome-train reads. Labels are random; ON genes get extra H3K4me3 reads in a window at the
TSS, so the models have something to learn in a couple of epochs. The same arguments give the same
files (one numpy generator, drawn in a fixed order)."""
import numpy as np

MARKS = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]


def write(out, *, seed, genes, bins, background, peak, on_rate, off_rate, unlabelled=0):
    """Writes the study into folder `out`. peak = (first, last) bins (half open) of the H3K4me3 window, where
    ON genes draw Poisson(on_rate) more reads and OFF genes Poisson(off_rate). The first `unlabelled` genes get
    no row in labels.tsv (as genes without an expression value) and the rest are split train/valid/test in
    three blocks; without unlabelled genes the split cycles train, valid, test. Returns the labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, genes)
    with open(f"{out}/genes.tsv", "w") as f:
        f.write("gene_id\tname\tchrom\ttss\tstrand\n")
        for i in range(genes):
            f.write(f"ENSG{i:05d}\tG{i}\tchr1\t{10000 + 20000 * i}\t{'+-'[i % 2]}\n")
    with open(f"{out}/labels.tsv", "w") as f:
        f.write("gene_id\tvalue\tlabel\tsplit\n")
        for i in range(unlabelled, genes):
            if unlabelled:
                split = ["train", "valid", "test"][(i - unlabelled) * 3 // (genes - unlabelled)]
            else:
                split = ["train", "valid", "test"][i % 3]
            f.write(f"ENSG{i:05d}\t{labels[i] * 5 + rng.random():.3f}\t{labels[i]}\t{split}\n")
    stacked = np.zeros((genes, bins, len(MARKS)), np.float32)
    first, last = peak
    for m, mark in enumerate(MARKS):
        x = rng.poisson(background, (genes, bins)).astype(np.float32)
        if mark == "H3K4me3":
            x[:, first:last] += rng.poisson(np.where(labels[:, None] == 1, on_rate, off_rate), (genes, last - first))
        np.save(f"{out}/{mark}.npy", x)
        stacked[:, :, m] = x
    np.save(f"{out}/stacked.npy", stacked)
    return labels
