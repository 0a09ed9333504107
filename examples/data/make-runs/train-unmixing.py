#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Synthetic linear mixtures of the six mayonnaise oil-type mean spectra; train an unmixing net.

usage: train-unmixing.py MAYONNAISE.csv OUTDIR

The endmembers are real: the mean NIR spectrum of each oil type over the
mayonnaise data set's 120 training spectra. The mixtures are synthetic:
abundances drawn from a Dirichlet distribution (fixed seed), each mixture the
abundance-weighted sum of the six endmembers plus white Gaussian noise. A small
MLP with a softmax output (so its abundances are non-negative and sum to one) is
trained with the mean squared error on N_TRAIN mixtures and validated after
every epoch on N_VAL other mixtures, long past its best validation error.
OUTDIR receives run.conf, history.csv, outputs.txt, truth.npy, estimates.npy,
endmembers.npy, inputs.npy and axis.txt (see PROVENANCE.md).
"""

import math
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runcommon as rc  # noqa: E402

SEED = 20260216
N_TRAIN = 100
N_VAL = 200
ALPHA = 1.0          # Dirichlet concentration: uniform over the simplex
NOISE = 0.001        # standard deviation of the added noise, in absorbance units
EPOCHS = 400
BATCH = 20
LR = 1e-3
HIDDEN = 256


class UnmixingMLP(nn.Module):
    """Per-band standardization (training statistics, fixed), two hidden layers, softmax."""

    def __init__(self, mean, std, n_bands, n_out):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))
        self.net = nn.Sequential(
            nn.Linear(n_bands, HIDDEN), nn.ReLU(),
            nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
            nn.Linear(HIDDEN, n_out), nn.Softmax(dim=1),
        )

    def forward(self, x):
        return self.net((x - self.mean) / self.std)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 64
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rc.deterministic(SEED)

    _, y_all, classes, train, wavelength, x_all = rc.read_mayonnaise(src)
    endmembers = np.array([x_all[train & (y_all == k)].mean(axis=0) for k in range(len(classes))])

    rng = np.random.default_rng(SEED)
    abund = rng.dirichlet(np.full(len(classes), ALPHA), size=N_TRAIN + N_VAL)
    mixtures = abund @ endmembers + rng.normal(0.0, NOISE, size=(N_TRAIN + N_VAL, endmembers.shape[1]))
    atr, ava = abund[:N_TRAIN], abund[N_TRAIN:]
    mtr, mva = mixtures[:N_TRAIN], mixtures[N_TRAIN:]

    xtr = torch.tensor(mtr, dtype=torch.float32)
    ytr = torch.tensor(atr, dtype=torch.float32)
    xva = torch.tensor(mva, dtype=torch.float32)
    yva = torch.tensor(ava, dtype=torch.float32)
    model = UnmixingMLP(xtr.mean(0), xtr.std(0, unbiased=False), xtr.shape[1], len(classes))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    gen = torch.Generator().manual_seed(SEED)
    hist = rc.HistoryWriter(os.path.join(out, "history.csv"), ["loss", "rmse", "val_loss", "val_rmse"])
    for epoch in range(EPOCHS):
        # loss = mean squared error over every abundance of the epoch's batches
        # while the weights move (as Keras reports it); rmse = its square root,
        # the way Keras' RootMeanSquaredError accumulates over an epoch.
        model.train()
        perm = torch.randperm(len(ytr), generator=gen)
        sse = 0.0
        for i in range(0, len(perm), BATCH):
            b = perm[i:i + BATCH]
            opt.zero_grad()
            loss = ((model(xtr[b]) - ytr[b]) ** 2).mean()
            loss.backward()
            opt.step()
            sse += loss.item() * ytr[b].numel()
        mse = sse / ytr.numel()
        model.eval()
        with torch.no_grad():
            val_mse = ((model(xva) - yva) ** 2).mean().item()
        hist.row(epoch, {"loss": mse, "rmse": math.sqrt(mse),
                         "val_loss": val_mse, "val_rmse": math.sqrt(val_mse)})
    hist.close()

    model.eval()
    with torch.no_grad():
        est = model(xva).numpy()
    rc.write_lines(os.path.join(out, "outputs.txt"), classes)
    rc.save_npy(os.path.join(out, "truth.npy"), ava, "<f8")
    rc.save_npy(os.path.join(out, "estimates.npy"), est.astype(np.float64), "<f8")
    rc.save_npy(os.path.join(out, "endmembers.npy"), endmembers, "<f8")
    rc.save_npy(os.path.join(out, "inputs.npy"), xva.numpy(), "<f4")
    rc.write_axis(os.path.join(out, "axis.txt"), wavelength)
    rc.write_conf(os.path.join(out, "run.conf"), [
        ("title", "Unmixing synthetic mixtures of six real oil-type NIR spectra"),
        ("task", "regression"),
        ("description",
         "The mixtures are synthetic: the endmembers are real, the mean NIR spectra (1100-2500 nm) of "
         "the six oil types over the 120 training spectra of the mayonnaise data set (R package pls), "
         "and each mixture is a known Dirichlet-drawn abundance vector times them plus Gaussian noise "
         f"(sd {NOISE} absorbance). A small MLP with a softmax output (abundances sum to one) was "
         f"trained with the mean squared error for {EPOCHS} epochs on {N_TRAIN} mixtures and validated "
         f"on {N_VAL} other mixtures, which were never used for training."),
        ("history", "history.csv"),
        ("outputs", "outputs.txt"),
        ("truth", "truth.npy"),
        ("estimates", "estimates.npy"),
        ("endmembers", "endmembers.npy"),
        ("inputs", "inputs.npy"),
        ("axis", "axis.txt"),
        ("axis_label", "Wavelength (nm)"),
        ("source", "endmembers from the mayonnaise data set of R package pls 2.8-1 (Debian r-cran-pls), GPL-2; synthetic mixtures; see PROVENANCE.md"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
