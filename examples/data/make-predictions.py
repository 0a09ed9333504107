#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate the bundled example data deterministically.

Writes classes.txt (one class name per line) and predictions.csv (a header
`y_true,y_pred`, then one pair of integer class ids per line) for a simulated
hyperspectral land-cover classifier: 3000 pixels, 5 imbalanced classes, about
85 % accuracy, with the confusions such a model really makes (water vs shadow,
vegetation vs soil, soil vs urban, urban vs shadow).

usage: make-predictions.py [--check] [OUTDIR]

OUTDIR defaults to the directory of this script. With --check nothing is
written; the exit status is 1 when the files in OUTDIR differ from what would be
generated. Standard library only; the Mersenne Twister stream of random.Random
with an integer seed is stable across Python 3 versions, and only random() is
used, so the output is identical everywhere.
"""

import os
import random
import sys

SEED = 20240611
N_SAMPLES = 3000

CLASSES = ["water", "vegetation", "soil", "urban", "shadow"]

# Share of each class among the pixels (the scene is mostly fields and bare soil).
PRIOR = [0.18, 0.34, 0.22, 0.18, 0.08]

# Row = true class, column = predicted class: probability of each prediction.
# Rows sum to 1; the diagonal is the per-class recall.
CONFUSION = [
    # water  veget  soil   urban  shadow
    [0.940, 0.009, 0.003, 0.006, 0.042],  # water: dark water looks like shadow
    [0.010, 0.900, 0.060, 0.010, 0.020],  # vegetation: sparse crops look like soil
    [0.010, 0.090, 0.800, 0.090, 0.010],  # soil: between vegetation and urban
    [0.010, 0.030, 0.090, 0.800, 0.070],  # urban: roofs vs soil, street canyons vs shadow
    [0.165, 0.045, 0.000, 0.090, 0.700],  # shadow: mostly confused with water
]


def draw(rng, probabilities):
    """Index drawn from a discrete distribution, using only rng.random()."""
    u = rng.random()
    acc = 0.0
    for i, p in enumerate(probabilities):
        acc += p
        if u < acc:
            return i
    return len(probabilities) - 1


def generate():
    for row in CONFUSION:
        assert abs(sum(row) - 1.0) < 1e-9, row
    assert abs(sum(PRIOR) - 1.0) < 1e-9
    rng = random.Random(SEED)
    lines = ["y_true,y_pred"]
    for _ in range(N_SAMPLES):
        t = draw(rng, PRIOR)
        p = draw(rng, CONFUSION[t])
        lines.append("%d,%d" % (t, p))
    return {
        "classes.txt": "\n".join(CLASSES) + "\n",
        "predictions.csv": "\n".join(lines) + "\n",
    }


def main(argv):
    check = "--check" in argv
    rest = [a for a in argv if a != "--check"]
    if len(rest) > 1 or any(a.startswith("-") for a in rest):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    outdir = rest[0] if rest else os.path.dirname(os.path.abspath(__file__))
    status = 0
    for name, text in generate().items():
        path = os.path.join(outdir, name)
        if check:
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    same = f.read() == text
            except OSError:
                same = False
            print("%s %s" % ("ok     " if same else "DIFFERS", path))
            status |= not same
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
    if not check:
        lines = generate()["predictions.csv"].splitlines()[1:]
        correct = sum(1 for line in lines if line.split(",")[0] == line.split(",")[1])
        print("wrote %s: %d samples, accuracy %.3f" % (outdir, len(lines), correct / len(lines)))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
