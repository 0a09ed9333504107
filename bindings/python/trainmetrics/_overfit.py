# SPDX-License-Identifier: MIT
"""OverfitDetector: whether a training run overfits, since when, and when to stop."""
import ctypes as C
import math

import numpy as np

from ._args import c_integer
from ._arrays import as_array
from ._errors import InvalidArgumentError
from ._handle import Handle
from ._lib import H, call, lib, register_translation

# The library names its options as the C setters do; say them as the keywords here.
register_translation(r"min_delta_abs = (\S+) and min_delta_rel = (\S+)", r"min_delta = \1 and min_delta_rel = \2")
register_translation(r"GL alpha = ", "gl_alpha = ")
register_translation(r"PQ alpha = (\S+) must be finite and >= 0, strip = (\d+) >= 1",
                     r"pq=(alpha, strip) = (\1, \2): alpha must be finite and >= 0, strip >= 1")
register_translation(r"UP s = (\d+) and strip = (\d+) must be >= 1",
                     r"up=(s, strip) = (\1, \2): s and strip must be >= 1")
register_translation(r"trend window (\d+) is outside", r"trend=(window, alpha): window = \1 is outside")
register_translation(r"trend alpha = ", "trend=(window, alpha): alpha = ")

CRITERIA = {"patience": 1 << 0, "gl": 1 << 1, "pq": 1 << 2, "up": 1 << 3, "threshold": 1 << 4,
            "divergence": 1 << 5, "nonfinite": 1 << 6, "trend": 1 << 7}
PRESETS = {"default": 0, "keras": 1, "lightning": 2, "prechelt_gl": 3, "prechelt_pq": 4, "prechelt_up": 5}
VERDICTS = ("warmup", "improving", "plateau", "overfitting", "diverged")
STATISTICS = {"gl": 0, "progress": 1, "pq": 2, "gap": 3, "val_slope": 4, "gap_slope": 5, "trend_z": 6,
              "trend_p": 7}


def _epoch(value):
    return None if value < 0 else int(value)


def _pair(value, name):
    try:
        first, second = value
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{name} must be a pair, got {value!r}") from None
    return first, second


def _key(table, key, what):
    if key not in table:
        raise InvalidArgumentError(f"{what} must be one of {list(table)}, got {key!r}")
    return table[key]


class OverfitDetector(Handle):
    """Push (train, val) per epoch; ask whether to stop, since when it overfits, and why.

    ``preset`` is one of 'default', 'keras', 'lightning', 'prechelt_gl', 'prechelt_pq',
    'prechelt_up'; ``mode`` 'min' for losses, 'max' for accuracies. Options given as
    keywords are applied after the preset (see the setters for their meaning).

    ``warmup`` epochs keep the verdict 'warmup' and stop nothing, but are tracked;
    ``start_from_epoch`` is Keras's: the patience rule does not look at the first
    that many epochs at all (Keras's 0-based epochs 0 .. n-1 are epochs 1 .. n here).
    With ``preset='keras'`` the warm-up is also Keras's start_from_epoch, so the
    preset stops where ``keras.callbacks.EarlyStopping`` does. ``baseline`` is
    Keras's (None for none). ``best_epoch`` is the true best; ``restore_epoch`` the
    epoch whose weights Keras's ``restore_best_weights=True`` would restore.
    """

    __slots__ = ()
    _kind = "overfit"

    def __init__(self, preset="default", *, mode="min", criteria=None, patience=None, min_delta=0.0,
                 min_delta_rel=0.0, gl_alpha=None, pq=None, up=None, stop_threshold=math.nan,
                 divergence_threshold=math.nan, trend=None, warmup=0, start_from_epoch=0, baseline=None):
        self._h = H()
        call("trm_overfit_new", C.byref(self._h), None)
        call("trm_overfit_preset", self._h, _key(PRESETS, preset, "preset"))
        call("trm_overfit_set_mode", self._h, _key({"min": 0, "max": 1}, mode, "mode"))
        if criteria is not None:
            self.select_criteria(criteria)
        if patience is not None:
            call("trm_overfit_set_patience", self._h, c_integer(patience, "patience"), float(min_delta),
                 float(min_delta_rel))
        if gl_alpha is not None:
            call("trm_overfit_set_gl", self._h, float(gl_alpha))
        if pq is not None:
            alpha, strip = _pair(pq, "pq=(alpha, strip)")
            call("trm_overfit_set_pq", self._h, float(alpha), c_integer(strip, "pq[1] (strip)"))
        if up is not None:
            s, strip = _pair(up, "up=(s, strip)")
            call("trm_overfit_set_up", self._h, c_integer(s, "up[0] (s)"), c_integer(strip, "up[1] (strip)"))
        call("trm_overfit_set_thresholds", self._h, float(stop_threshold), float(divergence_threshold))
        if trend is not None:
            window, alpha = _pair(trend, "trend=(window, alpha)")
            call("trm_overfit_set_trend", self._h, c_integer(window, "trend[0] (window)"), float(alpha))
        call("trm_overfit_set_warmup", self._h, c_integer(warmup, "warmup"))
        call("trm_overfit_set_start_from_epoch", self._h, c_integer(start_from_epoch, "start_from_epoch"))
        if baseline is not None:
            call("trm_overfit_set_baseline", self._h, float(baseline))

    def select_criteria(self, names):
        """Choose, by name, the criteria that decide should_stop; returns self."""
        mask = 0
        for name in names:
            mask |= _key(CRITERIA, name, "criterion")
        call("trm_overfit_set_criteria", self._h, mask)
        return self

    def push(self, train, val):
        """Record one epoch; returns self."""
        call("trm_overfit_push", self._h, float(train), float(val))
        return self

    def push_many(self, train, val):
        t = np.ascontiguousarray(as_array(train, "train"), dtype=np.float64)
        v = np.ascontiguousarray(as_array(val, "val"), dtype=np.float64)
        if t.ndim != 1 or t.shape != v.shape:
            raise InvalidArgumentError(f"train and val must be 1-D of equal length, got {t.shape} and {v.shape}")
        if t.size:
            call("trm_overfit_push_many", self._h, t.ctypes.data, v.ctypes.data, t.size)
        return self

    @property
    def verdict(self):
        return VERDICTS[lib.trm_overfit_verdict(self._h)]

    @property
    def should_stop(self):
        return bool(lib.trm_overfit_should_stop(self._h))

    @property
    def n_epochs(self):
        return lib.trm_overfit_n_epochs(self._h)

    def __len__(self):
        return self.n_epochs

    @property
    def best_epoch(self):
        return _epoch(lib.trm_overfit_best_epoch(self._h))

    @property
    def best_value(self):
        return lib.trm_overfit_best_value(self._h)

    @property
    def restore_epoch(self):
        """The 1-based epoch Keras's restore_best_weights=True would restore (None before any
        monitored epoch): the last improvement by more than min_delta, taken at the stop epoch
        once training should stop. Keras's own best_epoch attribute is this minus 1."""
        return _epoch(lib.trm_overfit_restore_epoch(self._h))

    @property
    def restore_value(self):
        """The validation value at restore_epoch (NaN when there is none)."""
        return lib.trm_overfit_restore_value(self._h)

    @property
    def onset_epoch(self):
        return _epoch(lib.trm_overfit_onset_epoch(self._h))

    @property
    def stop_epoch(self):
        return _epoch(lib.trm_overfit_stop_epoch(self._h))

    @property
    def fired(self):
        """{criterion name: first epoch it fired} for every criterion that has fired."""
        return {name: int(lib.trm_overfit_first_fire(self._h, bit)) for name, bit in CRITERIA.items()
                if lib.trm_overfit_fired(self._h) & bit}

    def statistic(self, name):
        out = C.c_double()
        call("trm_overfit_statistic", self._h, _key(STATISTICS, name, "statistic"), C.byref(out))
        return out.value

    @property
    def history(self):
        """(train, val) arrays of every pushed epoch."""
        n = self.n_epochs
        train, val = np.empty(n), np.empty(n)
        call("trm_overfit_history", self._h, train.ctypes.data, val.ctypes.data)
        return train, val

    def compute(self):
        """The detector's state in one dict: ``"verdict"`` (str), ``"should_stop"``
        (bool), ``"n_epochs"``, ``"best_epoch"``, ``"onset_epoch"``, ``"stop_epoch"``
        (int or None), ``"best_value"`` (float), ``"fired"`` ({criterion: first
        epoch}) and every statistic of :meth:`statistic` under its name ("gl",
        "progress", "pq", "gap", "val_slope", "gap_slope", "trend_z", "trend_p");
        the statistics are NaN before the first epoch (where :meth:`statistic`
        raises EmptyError)."""
        result = {"verdict": self.verdict, "should_stop": self.should_stop, "n_epochs": self.n_epochs,
                  "best_epoch": self.best_epoch, "best_value": self.best_value, "onset_epoch": self.onset_epoch,
                  "stop_epoch": self.stop_epoch, "fired": self.fired}
        for name in STATISTICS:
            result[name] = self.statistic(name) if self.n_epochs else math.nan
        return result

    def explain(self):
        size = C.c_size_t()
        lib.trm_overfit_explain(self._h, None, 0, C.byref(size))
        buf = C.create_string_buffer(size.value)
        call("trm_overfit_explain", self._h, C.cast(buf, C.c_void_p), size.value, C.byref(size))
        return buf.value.decode()

    def reset(self):
        lib.trm_overfit_reset(self._h)
        return self

    def __repr__(self):
        return f"<OverfitDetector epochs={self.n_epochs} verdict={self.verdict} stop_epoch={self.stop_epoch}>"
