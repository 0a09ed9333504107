# SPDX-License-Identifier: MIT
"""Distributed accumulation: torch.distributed all-reduce and pickled matrices merged.

The worker code is the example's (examples/distributed.py), so the example is
tested too; the expected matrix is computed here, in one process, from the same
data (and cross-checked with scikit-learn).
"""
import importlib
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn import metrics as skm

from trainmetrics import ConfusionMatrix

from testlib import EXAMPLES, PACKAGE_ROOT

torch = pytest.importorskip("torch")
if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():  # pragma: no cover
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

if EXAMPLES not in sys.path:
    sys.path.insert(0, EXAMPLES)  # spawned children inherit sys.path and import the module by name
example = importlib.import_module("distributed")

SEED, N, K = 11, 6001, 7


def expected(weighted, ignore_index):
    """The matrix of the whole data set, in this process and in one update."""
    y, logits, weights = example.make_data(SEED, N, K, weighted, ignore_index)
    cm = ConfusionMatrix(K, weighted=weighted, ignore_index=ignore_index)
    pred = logits.argmax(axis=1)
    cm.update(y, pred, weights)
    keep = y != ignore_index if ignore_index is not None else np.ones(N, bool)
    want = skm.confusion_matrix(y[keep], pred[keep], labels=range(K),
                                sample_weight=None if weights is None else weights[keep])
    np.testing.assert_array_equal(cm.matrix(), want)
    return cm


@pytest.mark.parametrize("weighted,ignore_index", [(False, None), (True, -100)],
                         ids=["int64-counts", "float64-weights-ignore"])
def test_torch_all_reduce_equals_single_process(weighted, ignore_index):
    want = expected(weighted, ignore_index)
    ranks = example.torch_all_reduce(SEED, N, K, weighted=weighted, ignore_index=ignore_index, world_size=2)
    assert len(ranks) == 2
    for rank, cm in enumerate(ranks):
        assert cm.weighted == weighted and cm.ignore_index == ignore_index
        np.testing.assert_array_equal(cm.counts, want.counts, err_msg=f"rank {rank}")
        assert cm == want  # byte-identical serialization: same cells, options and total
        assert cm.to_bytes() == want.to_bytes()


@pytest.mark.parametrize("weighted,ignore_index", [(False, -1), (True, None)])
def test_pool_of_pickled_matrices_merges_exactly(weighted, ignore_index):
    want = expected(weighted, ignore_index)
    merged = example.pool_merge(SEED, N, K, weighted=weighted, ignore_index=ignore_index, world_size=2)
    assert merged == want
    np.testing.assert_array_equal(merged.counts, want.counts)
    assert merged.classification_report() == want.classification_report()


def test_example_runs_standalone():
    script = os.path.join(EXAMPLES, "distributed.py")
    run = subprocess.run(["/usr/bin/python3", script], cwd=PACKAGE_ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "all-reduce + add_counts: identical on every rank" in out
    assert "pickled matrices merged: identical" in out
    for text in ("precision", "recall", "f1-score", "support", "accuracy", "macro avg", "weighted avg", "cat"):
        assert text in out
    assert "20000" in out  # the merged report covers every sample
