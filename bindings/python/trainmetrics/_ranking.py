# SPDX-License-Identifier: MIT
"""Ranking: ROC AUC, average precision and their curves, exact (scikit-learn 1.2's
numbers) or binned at fixed thresholds (torchmetrics' ``thresholds=`` numbers)."""
import ctypes as C

import numpy as np

from ._accumulators import _Mergeable
from ._errors import InvalidArgumentError, MismatchError
from ._lib import H, call, lib

TASKS = {"binary": 0, "multiclass": 1, "multilabel": 2}
_TASK_NAMES = {code: name for name, code in TASKS.items()}
RANKING_METRICS = {"roc_auc": 0, "average_precision": 1}
RANKING_AVERAGES = {"macro": 0, "micro": 1, "weighted": 2}
MICRO = C.c_size_t(-1).value


class Ranking(_Mergeable):
    """Streaming ROC AUC / average precision for a binary, multiclass (one-vs-rest)
    or multilabel task.

    ``Ranking("binary")`` keeps every sample (exact, scikit-learn's values);
    ``Ranking("multiclass", n_classes=5, thresholds=100)`` counts at 100 thresholds
    ``linspace(0, 1, 100)`` (or at the increasing list given), torchmetrics' binned
    values in constant memory. ``compute()`` returns a dict of the scores.
    """

    __slots__ = ()
    _kind = "ranking"

    def __init__(self, task="binary", n_classes=None, *, n_labels=None, thresholds=None):
        if task not in TASKS:
            raise InvalidArgumentError(f"task must be one of {list(TASKS)}, got {task!r}")
        if task == "binary":
            columns = 1
        elif task == "multiclass":
            if n_classes is None:
                raise InvalidArgumentError("a multiclass task needs n_classes")
            columns = int(n_classes)
        else:
            columns = n_labels if n_labels is not None else n_classes
            if columns is None:
                raise InvalidArgumentError("a multilabel task needs n_labels")
            columns = int(columns)
        if columns < 0:
            raise InvalidArgumentError(f"the class count must be positive, got {columns}")
        self._h = H()
        if thresholds is None:
            call("trm_ranking_new", C.byref(self._h), TASKS[task], columns, None)
        elif isinstance(thresholds, (int, np.integer)) and not isinstance(thresholds, bool):
            if thresholds < 0:
                raise InvalidArgumentError(f"thresholds must be at least 2, got {thresholds}")
            call("trm_ranking_new_binned", C.byref(self._h), TASKS[task], columns, int(thresholds), None, None)
        else:
            grid = np.ascontiguousarray(thresholds, dtype=np.float64)
            if grid.ndim != 1:
                raise InvalidArgumentError(f"thresholds must be an int or a 1-D list, got shape {grid.shape}")
            call("trm_ranking_new_binned", C.byref(self._h), TASKS[task], columns, grid.size,
                 grid.ctypes.data, None)

    @property
    def task(self):
        return _TASK_NAMES[lib.trm_ranking_task(self._h)]

    @property
    def binned(self):
        return lib.trm_ranking_mode(self._h) == 1

    @property
    def n_columns(self):
        return lib.trm_ranking_n_columns(self._h)

    @property
    def thresholds(self):
        """The fixed thresholds of a binned accumulator (increasing), or None."""
        if not self.binned:
            return None
        out = np.empty(lib.trm_ranking_n_thresholds(self._h))
        call("trm_ranking_thresholds", self._h, out.ctypes.data)
        return out

    def _inputs(self, y_true, y_score):
        c = self.n_columns
        scores = np.asarray(y_score)
        dtype = np.float32 if scores.dtype == np.float32 else np.float64
        scores = np.ascontiguousarray(scores, dtype=dtype)
        labels = np.asarray(y_true)
        task = self.task
        if task == "multilabel":
            if labels.ndim == 1 and c == 1:
                labels = labels[:, None]
            if scores.ndim == 1 and c == 1:
                scores = scores[:, None]
            if labels.ndim != 2 or labels.shape[1] != c:
                raise MismatchError(f"y_true must have shape (n, {c}), got {labels.shape}")
        elif labels.ndim != 1:
            raise MismatchError(f"y_true must be 1-D, got shape {labels.shape}")
        n = labels.shape[0]
        if task == "binary":
            if scores.ndim == 2 and scores.shape[1] == 1:
                scores = scores[:, 0]
            if scores.shape != (n,):
                raise MismatchError(f"y_score must have shape ({n},), got {scores.shape}")
        elif scores.shape != (n, c):
            raise MismatchError(f"y_score must have shape ({n}, {c}), got {scores.shape}")
        if labels.size and labels.dtype.kind not in "iub":
            if not np.all(np.mod(labels, 1) == 0):
                raise InvalidArgumentError("y_true must hold integer labels")
        wide = labels.astype(np.int64)
        if wide.size and (wide.min() < -2**31 or wide.max() >= 2**31):
            bad = wide.max() if wide.max() >= 2**31 else wide.min()
            raise InvalidArgumentError(f"label {bad} does not fit int32")
        return np.ascontiguousarray(wide, dtype=np.int32), scores, n, dtype

    def update(self, y_true, y_score, sample_weight=None):
        """Add a batch: y_true (n,) or (n, L) labels, y_score (n,) or (n, C) scores."""
        labels, scores, n, dtype = self._inputs(y_true, y_score)
        suffix = "f32" if dtype is np.float32 else "f64"
        if sample_weight is None:
            call("trm_ranking_update_" + suffix, self._h, labels.ctypes.data, scores.ctypes.data, n)
        else:
            weights = np.ascontiguousarray(sample_weight, dtype=np.float64)
            if weights.shape != (n,):
                raise MismatchError(f"sample_weight must have shape ({n},), got {weights.shape}")
            call("trm_ranking_update_weighted_" + suffix, self._h, labels.ctypes.data, scores.ctypes.data,
                 weights.ctypes.data, n)
        return self

    def score(self, metric="roc_auc", average="macro"):
        """One score: metric 'roc_auc' or 'average_precision'; average 'macro', 'micro',
        'weighted' or None (one value per column)."""
        if metric not in RANKING_METRICS:
            raise InvalidArgumentError(f"metric must be one of {list(RANKING_METRICS)}, got {metric!r}")
        if average is None:
            out = np.empty(self.n_columns)
            call("trm_ranking_metric_per_class", self._h, RANKING_METRICS[metric], out.ctypes.data)
            return out
        if average not in RANKING_AVERAGES:
            raise InvalidArgumentError(f"average must be None or one of {list(RANKING_AVERAGES)}, got {average!r}")
        out = C.c_double()
        call("trm_ranking_metric_average", self._h, RANKING_METRICS[metric], RANKING_AVERAGES[average],
             C.byref(out))
        return out.value

    def roc_auc(self, average="macro"):
        return self.score("roc_auc", average)

    def average_precision(self, average="macro"):
        return self.score("average_precision", average)

    def compute(self, average="macro"):
        """{'roc_auc': ..., 'average_precision': ...} with the given average."""
        return {name: self.score(name, average) for name in RANKING_METRICS}

    def _column(self, column):
        if column is None or column == "micro":
            if column is None and self.n_columns != 1:
                raise InvalidArgumentError("name a column (or 'micro') of a multi-column task")
            return MICRO if column == "micro" else 0
        return int(column)

    def _curve(self, name, column, extra):
        n = C.c_size_t()
        col = self._column(column)
        status = getattr(lib, name)(self._h, col, *extra, None, None, None, 0, C.byref(n))
        if status != -7:  # anything but TRM_E_BUFFER is the real answer (an error)
            call(name, self._h, col, *extra, None, None, None, 0, C.byref(n))
        a, b, t = np.empty(n.value), np.empty(n.value), np.empty(n.value)
        call(name, self._h, col, *extra, a.ctypes.data, b.ctypes.data, t.ctypes.data, n.value, C.byref(n))
        return a, b, t

    def roc_curve(self, column=None, drop_intermediate=True):
        """(fpr, tpr, thresholds) of a column (None for a binary task, or 'micro')."""
        return self._curve("trm_ranking_roc_curve", column, (1 if drop_intermediate else 0,))

    def precision_recall_curve(self, column=None):
        """(precision, recall, thresholds) of a column; thresholds has one value less."""
        p, r, t = self._curve("trm_ranking_pr_curve", column, ())
        return p, r, t[:-1]

    def __repr__(self):
        mode = f"thresholds={lib.trm_ranking_n_thresholds(self._h)}" if self.binned else "exact"
        return f"<Ranking {self.task} n_columns={self.n_columns} {mode} n_samples={self.n_samples}>"
