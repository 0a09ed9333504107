#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Train a small 2-D CNN on scikit-learn's digits and write its run directory.

usage: train-digits.py OUTDIR

load_digits() (1797 images of 8x8 pixels, 0..16, ten digits) is split once,
stratified, into 1437 training and 360 held-out images with a fixed seed; the
network sees the pixels divided by 16 and is validated on the 360 after every
epoch. OUTDIR receives run.conf, history.csv, classes.txt, predictions.csv,
inputs.npy, activations.npy and gradients.npy (see PROVENANCE.md).
"""

import os
import sys

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runcommon as rc  # noqa: E402

SEED = 20260215
EPOCHS = 60
BATCH = 32
LR = 3e-3
N_TEST = 360


class DigitsCNN(nn.Module):
    """Two 3x3 convolutions at 8x8, 2x2 max pooling, a third at 4x4 (the last), global average, linear."""

    def __init__(self, n_classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 16, kernel_size=3, padding=1), nn.ReLU(),  # the last conv layer: 16 x 4 x 4
        )
        # Global average pooling: each logit is a weighted mean of the last maps,
        # so for the predicted class Grad-CAM is its class activation map.
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, n_classes))

    def conv_out(self, x):
        return self.features(x.unsqueeze(1))

    def forward(self, x):
        return self.head(self.conv_out(x))


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 64
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rc.deterministic(SEED)

    digits = load_digits()
    ids = np.arange(len(digits.target))  # row index in load_digits()
    idx_tr, idx_va = train_test_split(ids, test_size=N_TEST, stratify=digits.target,
                                      random_state=SEED % (2**32))
    idx_va = np.sort(idx_va)
    images = (digits.images / 16.0).astype(np.float32)
    xtr = torch.tensor(images[idx_tr])
    ytr = torch.tensor(digits.target[idx_tr])
    xva = torch.tensor(images[idx_va])
    yva = torch.tensor(digits.target[idx_va])
    classes = [str(c) for c in digits.target_names]

    model = DigitsCNN(len(classes))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    hist = rc.HistoryWriter(os.path.join(out, "history.csv"),
                            ["loss", "accuracy", "val_loss", "val_accuracy"])
    for epoch in range(EPOCHS):
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
        with torch.no_grad():
            logits = model(xva)
            val_loss = loss_fn(logits, yva).item()
            val_acc = (logits.argmax(1) == yva).sum().item() / len(yva)
        hist.row(epoch, {"loss": tot_loss / len(ytr), "accuracy": correct / len(ytr),
                         "val_loss": val_loss, "val_accuracy": val_acc})
    hist.close()

    model.eval()
    act, grad, logits, pred = rc.cam_tensors(model.conv_out, model.head, xva, None)
    probs = rc.softmax64(logits)
    pred_idx = rc.write_predictions(os.path.join(out, "predictions.csv"), idx_va,
                                    digits.target[idx_va], probs, classes)
    assert (pred_idx == pred).all()
    # The head averages each map over its 4x4 positions and applies one linear
    # layer, so the gradient of logit c is W[c, k] / 16 at every position of map k.
    w = model.head[2].weight.detach().numpy()
    assert np.allclose(grad, (w[pred] / 16.0)[:, :, None, None], rtol=1e-6, atol=0)
    rc.write_lines(os.path.join(out, "classes.txt"), classes)
    rc.save_npy(os.path.join(out, "activations.npy"), act, "<f4")
    rc.save_npy(os.path.join(out, "gradients.npy"), grad, "<f4")
    rc.save_npy(os.path.join(out, "inputs.npy"), xva.numpy(), "<f4")
    rc.write_conf(os.path.join(out, "run.conf"), [
        ("title", "Handwritten digits: 8x8 images, ten classes"),
        ("task", "classification"),
        ("description",
         "Handwritten digits 0-9 as 8x8 images of pen-stroke counts (the UCI optdigits test set, "
         "1797 images from 13 writers, as shipped with scikit-learn). A small 2-D CNN (three 3x3 "
         f"convolutions, the last on 4x4 maps, global average pooling, one linear layer) was trained for {EPOCHS} epochs on "
         f"1437 images and validated on a fixed stratified hold-out of {N_TEST} images, which were "
         "never used for training."),
        ("history", "history.csv"),
        ("classes", "classes.txt"),
        ("predictions", "predictions.csv"),
        ("activations", "activations.npy"),
        ("gradients", "gradients.npy"),
        ("cam_target", "predicted"),
        ("inputs", "inputs.npy"),
        ("source", "scikit-learn's copy of the UCI optdigits test set (sklearn.datasets.load_digits); see PROVENANCE.md"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
