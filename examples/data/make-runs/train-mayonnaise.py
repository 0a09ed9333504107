#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Train a small 1-D CNN on the mayonnaise NIR spectra and write its run directory.

usage: train-mayonnaise.py MAYONNAISE.csv OUTDIR

MAYONNAISE.csv is what export-mayonnaise.R writes. The data set's own train flag
gives 120 training and 42 held-out spectra; the network is validated on the 42
after every epoch and trained for EPOCHS epochs, far past its best validation
loss, so that the log shows it overfitting. OUTDIR receives run.conf,
history.csv, classes.txt, predictions.csv, inputs.npy, activations.npy,
gradients.npy and axis.txt (see PROVENANCE.md). The model is not saved.
"""

import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runcommon as rc  # noqa: E402

SEED = 20260214
EPOCHS = 600
BATCH = 16
LR = 1e-3


def snv(x):
    return (x - x.mean(1, keepdim=True)) / x.std(1, keepdim=True, unbiased=False)


class SpectraCNN(nn.Module):
    """SNV, per-band standardization (training statistics, fixed), four Conv1d, global average, linear.

    SNV (standard normal variate: each spectrum minus its own mean, divided by
    its own standard deviation) removes the scatter offset and gain that differ
    from one measurement of an emulsion to the next; it has no parameters.
    """

    def __init__(self, mean, std, n_bands, n_classes):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))
        self.features = nn.Sequential(
            nn.Conv1d(1, 8, kernel_size=7, padding=3), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(8, 16, kernel_size=7, padding=3), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(16, 32, kernel_size=7, padding=3), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(32, 32, kernel_size=5, padding=2), nn.ReLU(),  # the last conv layer
        )
        # Global average pooling: each logit is a weighted mean of the last maps,
        # so for the predicted class Grad-CAM is its class activation map.
        self.head = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(32, n_classes))

    def conv_out(self, x):
        return self.features(((snv(x) - self.mean) / self.std).unsqueeze(1))

    def forward(self, x):
        return self.head(self.conv_out(x))


def evaluate(model, x, y, loss_fn):
    with torch.no_grad():
        logits = model(x)
        return loss_fn(logits, y).item(), (logits.argmax(1) == y).sum().item() / len(y)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 64
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rc.deterministic(SEED)

    ids, y_all, classes, train, wavelength, x_all = rc.read_mayonnaise(src)
    xtr = torch.tensor(x_all[train], dtype=torch.float32)
    ytr = torch.tensor(y_all[train])
    xva = torch.tensor(x_all[~train], dtype=torch.float32)
    yva = torch.tensor(y_all[~train])
    xs = snv(torch.tensor(x_all[train], dtype=torch.float32))
    mean = xs.mean(0)
    std = xs.std(0, unbiased=False)

    model = SpectraCNN(mean, std, x_all.shape[1], len(classes))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    hist = rc.HistoryWriter(os.path.join(out, "history.csv"),
                            ["loss", "accuracy", "val_loss", "val_accuracy"])
    for epoch in range(EPOCHS):
        # Training loss and accuracy as Keras reports them: averaged over the
        # epoch's mini-batches while the weights move (sample-weighted).
        model.train()
        perm = torch.randperm(len(ytr), generator=gen)
        tot_loss, correct = 0.0, 0
        for i in range(0, len(perm), BATCH):
            b = perm[i:i + BATCH]
            opt.zero_grad()
            logits = model(xtr[b])
            loss = loss_fn(logits, ytr[b])
            loss.backward()
            opt.step()
            tot_loss += loss.item() * len(b)
            correct += (logits.argmax(1) == ytr[b]).sum().item()
        model.eval()
        val_loss, val_acc = evaluate(model, xva, yva, loss_fn)
        hist.row(epoch, {"loss": tot_loss / len(ytr), "accuracy": correct / len(ytr),
                         "val_loss": val_loss, "val_accuracy": val_acc})
    hist.close()

    model.eval()
    act, grad, logits, pred = rc.cam_tensors(model.conv_out, model.head, xva, None)
    probs = rc.softmax64(logits)
    pred_idx = rc.write_predictions(os.path.join(out, "predictions.csv"), ids[~train],
                                    y_all[~train], probs, classes)
    assert (pred_idx == pred).all()
    # The head averages each map over its positions and applies one linear
    # layer, so the gradient of logit c is that layer's weight W[c, k] / length
    # at every position of map k, whatever the input.
    w = model.head[2].weight.detach().numpy()
    assert np.allclose(grad, (w[pred] / act.shape[2])[:, :, None], rtol=1e-6, atol=0)
    rc.write_lines(os.path.join(out, "classes.txt"), classes)
    rc.save_npy(os.path.join(out, "activations.npy"), act, "<f4")
    rc.save_npy(os.path.join(out, "gradients.npy"), grad, "<f4")
    rc.save_npy(os.path.join(out, "inputs.npy"), xva.numpy(), "<f4")
    rc.write_axis(os.path.join(out, "axis.txt"), wavelength)
    rc.write_conf(os.path.join(out, "run.conf"), [
        ("title", "Mayonnaise NIR spectra: oil type from 351 bands"),
        ("task", "classification"),
        ("description",
         "Near-infrared spectra (1100-2500 nm, 4 nm steps) of mayonnaise made with six oil types, "
         "measured in triplicate (162 spectra; Indahl et al. 1999, as shipped in the R package pls). "
         "A small 1-D CNN (SNV and per-band standardization, four Conv1d layers with max pooling, "
         "global average pooling, one linear layer) was trained for "
         f"{EPOCHS} epochs on the data set's 120 training spectra and validated on its 42 test "
         "spectra, which were never used for training; no corn sample is in the test set."),
        ("history", "history.csv"),
        ("classes", "classes.txt"),
        ("predictions", "predictions.csv"),
        ("activations", "activations.npy"),
        ("gradients", "gradients.npy"),
        ("cam_target", "predicted"),
        ("inputs", "inputs.npy"),
        ("axis", "axis.txt"),
        ("axis_label", "Wavelength (nm)"),
        ("source", "R package pls 2.8-1 (Debian r-cran-pls), data set mayonnaise, GPL-2; see PROVENANCE.md"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
