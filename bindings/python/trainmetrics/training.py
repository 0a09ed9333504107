# SPDX-License-Identifier: MIT
"""Early stopping in training loops, on top of OverfitDetector.

``TrainingMonitor`` is framework-free: call ``epoch_end(logs)`` once per epoch with
a dict of that epoch's numbers and stop when it returns True. ``KerasEarlyStopping``
and ``LightningEarlyStopping`` wrap it in the callback protocols of Keras 3 and
Lightning 2; they subclass ``keras.callbacks.Callback`` / ``lightning.pytorch.Callback``
when those import, else they are plain classes with the same methods. Neither
framework is imported before one of the two names is first used.

What the callbacks use of the frameworks, and nothing else:

* Keras 3: ``set_model(model)`` (the base class's, else ours), ``on_train_begin(logs)``,
  ``on_epoch_end(epoch, logs)`` with a 0-based ``epoch`` and ``logs`` a dict of floats,
  ``on_train_end(logs)``; ``model.stop_training = True`` to stop and, with
  ``restore_best_weights``, ``model.get_weights()`` / ``model.set_weights(weights)``.
* Lightning 2: ``on_validation_end(trainer, pl_module)`` (or ``on_train_epoch_end`` with
  ``check_on_train_epoch_end=True``), ``on_fit_end(trainer, pl_module)``, ``state_dict()`` /
  ``load_state_dict(state)``; ``trainer.callback_metrics`` (a dict of tensors or floats),
  ``trainer.sanity_checking``, ``trainer.state.fn`` (checks run while fitting only),
  ``trainer.fast_dev_run``, ``trainer.current_epoch``, ``trainer.should_stop`` and, when
  present, ``trainer.strategy.reduce_boolean_decision(stop, all=False)`` so that every
  process stops together; with ``restore_best_state``, ``pl_module.state_dict()`` /
  ``pl_module.load_state_dict(state)``.
"""
import copy
import importlib
import math
import warnings

from ._errors import InvalidArgumentError
from ._overfit import OverfitDetector

__all__ = ["TrainingMonitor", "KerasEarlyStopping", "LightningEarlyStopping"]

# Metric names whose better direction is up, for mode='auto'.
_HIGHER_IS_BETTER = ("acc", "auc", "f1", "fbeta", "precision", "recall", "iou", "dice", "r2", "map", "top_k",
                     "kappa", "mcc", "jaccard", "specificity", "sensitivity")
_LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "rmse", "mape", "perplexity", "entropy", "hinge", "divergence")


def _auto_mode(monitor):
    """'min' for losses and errors, 'max' for accuracy-like scores, from the metric's name."""
    name = monitor.lower()
    for prefix in ("val_", "valid_", "validation_", "test_", "train_"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    if any(word in name for word in _LOWER_IS_BETTER):
        return "min"
    if any(word in name for word in _HIGHER_IS_BETTER):
        return "max"
    raise InvalidArgumentError(f"mode='auto' cannot tell whether {monitor!r} should go down or up; "
                               "pass mode='min' or mode='max'")


def _scalar(value, name):
    """A float from a Python number, NumPy scalar or one-element tensor."""
    if hasattr(value, "detach"):  # torch.Tensor: no gradient, on the CPU
        value = value.detach().cpu()
    if hasattr(value, "item"):
        value = value.item()
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{name} = {value!r} is not a number") from None


class TrainingMonitor:
    """Watches one metric per epoch and says when to stop.

    ``monitor`` names the value in ``logs`` the stop rule follows (``'val_loss'``);
    ``train_monitor`` the training value of the same quantity (``'loss'``), which the
    gap and trend criteria compare with it (missing: the monitored value is used, so
    there is no gap). ``mode`` is 'min', 'max' or 'auto' (from the name). ``preset`` and
    every other keyword are OverfitDetector's: 'keras' (default) stops as
    keras.callbacks.EarlyStopping, 'lightning' as Lightning's, 'default' adds the trend
    test. Epochs are numbered from 1.
    """

    def __init__(self, preset="keras", monitor="val_loss", train_monitor="loss", mode="auto", **options):
        self.monitor = monitor
        self.train_monitor = train_monitor
        self.mode = _auto_mode(monitor) if mode == "auto" else mode
        self.preset = preset
        self._options = dict(options)
        self.detector = OverfitDetector(preset, mode=self.mode, **options)
        self.history = {monitor: [], train_monitor: []}

    def reset(self):
        """Forget every epoch; the options are kept."""
        self.detector.reset()
        self.history = {self.monitor: [], self.train_monitor: []}
        return self

    def epoch_end(self, logs):
        """Records one epoch's ``logs`` and returns whether training should stop.

        Raises KeyError when ``logs`` lacks the monitored value."""
        if self.monitor not in logs or logs[self.monitor] is None:
            raise KeyError(f"the monitored value {self.monitor!r} is not in the logs; "
                           f"they hold {sorted(logs)}")
        val = _scalar(logs[self.monitor], self.monitor)
        train = logs.get(self.train_monitor)
        train = val if train is None else _scalar(train, self.train_monitor)
        self.detector.push(train, val)
        self.history[self.monitor].append(val)
        self.history[self.train_monitor].append(train)
        return self.should_stop

    @property
    def epoch(self):
        """Epochs recorded so far."""
        return self.detector.n_epochs

    @property
    def should_stop(self):
        return self.detector.should_stop

    @property
    def stop_epoch(self):
        """The first epoch a stop criterion fired, or None."""
        return self.detector.stop_epoch

    @property
    def best_epoch(self):
        """The epoch of the best monitored value (the true best), or None."""
        return self.detector.best_epoch

    @property
    def best_value(self):
        return self.detector.best_value

    @property
    def restore_epoch(self):
        """The epoch whose weights Keras's restore_best_weights=True would restore, or None."""
        return self.detector.restore_epoch

    @property
    def restore_value(self):
        return self.detector.restore_value

    @property
    def verdict(self):
        """'warmup', 'improving', 'plateau', 'overfitting' or 'diverged'."""
        return self.detector.verdict

    def explain(self):
        return self.detector.explain()

    def state_dict(self):
        """What a checkpoint needs to resume this monitor."""
        return {"detector": self.detector.to_bytes(), "history": copy.deepcopy(self.history)}

    def load_state_dict(self, state):
        self.detector = OverfitDetector.from_bytes(state["detector"])
        self.history = copy.deepcopy(state["history"])

    def __repr__(self):
        return (f"<TrainingMonitor {self.monitor} ({self.mode}) epochs={self.epoch} verdict={self.verdict} "
                f"stop_epoch={self.stop_epoch} restore_epoch={self.restore_epoch}>")


# ---- Keras 3 ---------------------------------------------------------------------------------

class _KerasCallbackProtocol:
    """The part of keras.callbacks.Callback that fit() calls, for when Keras is absent."""

    def __init__(self):
        self._model = None
        self.params = None

    def set_model(self, model):
        self._model = model

    def set_params(self, params):
        self.params = params

    @property
    def model(self):
        return self._model

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass


class _KerasEarlyStoppingLogic:
    """keras.callbacks.EarlyStopping's arguments and attributes, decided by TrainingMonitor.

    With the 'keras' preset it stops at Keras's epoch and restores Keras's weights
    (start_from_epoch, baseline and min_delta included); another preset changes the
    stop rule and keeps the restore rule. ``stopped_epoch`` and ``best_epoch`` are
    0-based, as Keras's attributes; ``monitor_state`` is the TrainingMonitor. Epochs
    are counted from the first on_epoch_end after on_train_begin (fit from epoch 0).
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0, *, preset="keras", train_monitor="loss",
                 **options):
        super().__init__()
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self._config = dict(preset=preset, monitor=monitor, train_monitor=train_monitor, mode=mode,
                            patience=patience, min_delta=self.min_delta, baseline=baseline,
                            start_from_epoch=start_from_epoch, **options)
        self.monitor_state = TrainingMonitor(**self._config)
        self.best_weights = None
        self.best_epoch = 0
        self.stopped_epoch = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        # as Keras, an instance can be reused for another fit()
        self.monitor_state = TrainingMonitor(**self._config)
        self.best_weights = None
        self.best_epoch = 0
        self.stopped_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if logs.get(self.monitor) is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs)}", stacklevel=2)
            return
        state = self.monitor_state
        was_stopped = state.should_stop
        state.epoch_end(logs)
        restore = state.restore_epoch
        if restore is not None and restore == state.epoch and not was_stopped:
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
        if state.should_stop and not was_stopped:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


# ---- Lightning 2 -----------------------------------------------------------------------------

class _LightningCallbackProtocol:
    """The Lightning Callback methods used here, for when Lightning is absent."""

    def state_dict(self):
        return {}

    def load_state_dict(self, state_dict):
        pass


def _fitting(trainer):
    """Lightning's EarlyStopping runs only while fitting, never in the sanity check."""
    if getattr(trainer, "sanity_checking", False):
        return False
    fn = getattr(getattr(trainer, "state", None), "fn", None)
    if fn is None:
        return True
    return getattr(fn, "value", fn) == "fit"


class _LightningEarlyStoppingLogic:
    """lightning.pytorch.callbacks.EarlyStopping's arguments, decided by TrainingMonitor.

    The 'lightning' preset (default) stops where Lightning's does: patience 3, a
    non-finite value stops, ``stopping_threshold`` and ``divergence_threshold``. With
    ``restore_best_state`` the module's state_dict at ``restore_epoch`` is kept and
    loaded back in on_fit_end. ``strict`` raises when the metric is missing.
    """

    def __init__(self, monitor, min_delta=0.0, patience=3, verbose=False, mode="min", strict=True,
                 check_finite=True, stopping_threshold=None, divergence_threshold=None,
                 check_on_train_epoch_end=False, *, preset="lightning", train_monitor="train_loss",
                 restore_best_state=False, **options):
        super().__init__()
        self.monitor = monitor
        self.strict = strict
        self.verbose = verbose
        self.restore_best_state = restore_best_state
        self.check_on_train_epoch_end = check_on_train_epoch_end
        criteria = options.pop("criteria", None)
        if criteria is None and preset == "lightning":
            criteria = ["patience"] + (["nonfinite"] if check_finite else []) + ["threshold", "divergence"]
        self._config = dict(preset=preset, monitor=monitor, train_monitor=train_monitor, mode=mode,
                            patience=patience, min_delta=abs(min_delta),
                            stop_threshold=math.nan if stopping_threshold is None else stopping_threshold,
                            divergence_threshold=math.nan if divergence_threshold is None else divergence_threshold,
                            criteria=criteria, **options)
        self.monitor_state = TrainingMonitor(**self._config)
        self.best_state = None
        self.stopped_epoch = 0

    def on_train_epoch_end(self, trainer, pl_module):
        if self.check_on_train_epoch_end and _fitting(trainer):
            self._check(trainer, pl_module)

    def on_validation_end(self, trainer, pl_module):
        if not self.check_on_train_epoch_end and _fitting(trainer):
            self._check(trainer, pl_module)

    def _check(self, trainer, pl_module):
        if getattr(trainer, "fast_dev_run", False):
            return
        logs = trainer.callback_metrics
        if logs.get(self.monitor) is None:
            message = (f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                       f"Available metrics: {', '.join(logs)}")
            if self.strict:
                raise RuntimeError(message)
            if self.verbose:
                warnings.warn(message, RuntimeWarning, stacklevel=2)
            return
        state = self.monitor_state
        was_stopped = state.should_stop
        state.epoch_end(logs)
        if self.restore_best_state and state.restore_epoch == state.epoch and not was_stopped:
            self.best_state = {k: v.detach().clone() if hasattr(v, "detach") else copy.deepcopy(v)
                               for k, v in pl_module.state_dict().items()}
        stop = state.should_stop and not was_stopped
        strategy = getattr(trainer, "strategy", None)
        if strategy is not None and hasattr(strategy, "reduce_boolean_decision"):
            stop = bool(strategy.reduce_boolean_decision(stop, all=False))
        trainer.should_stop = bool(trainer.should_stop or stop)
        if stop:
            self.stopped_epoch = trainer.current_epoch

    def on_fit_end(self, trainer, pl_module):
        if self.restore_best_state and self.best_state is not None:
            pl_module.load_state_dict(self.best_state)

    def state_dict(self):
        return {"monitor": self.monitor_state.state_dict(), "stopped_epoch": self.stopped_epoch}

    def load_state_dict(self, state_dict):
        self.monitor_state.load_state_dict(state_dict["monitor"])
        self.stopped_epoch = state_dict["stopped_epoch"]


# ---- the framework base classes, resolved on first use -----------------------------------------

def _import_base(candidates):
    for module, attr in candidates:
        try:
            return getattr(importlib.import_module(module), attr)
        except Exception:  # not installed, or broken: fall back to the plain protocol
            continue
    return None


def _make_keras_early_stopping(base=None):
    """The Keras callback class over ``base`` (default: keras.callbacks.Callback if it imports)."""
    base = base or _import_base([("keras.callbacks", "Callback")]) or _KerasCallbackProtocol
    return type("KerasEarlyStopping", (_KerasEarlyStoppingLogic, base),
                {"__doc__": _KerasEarlyStoppingLogic.__doc__, "__module__": __name__})


def _make_lightning_early_stopping(base=None):
    """The Lightning callback class over ``base`` (default: lightning.pytorch.Callback if it imports)."""
    base = base or _import_base([("lightning.pytorch", "Callback"), ("pytorch_lightning", "Callback")]) \
        or _LightningCallbackProtocol
    return type("LightningEarlyStopping", (_LightningEarlyStoppingLogic, base),
                {"__doc__": _LightningEarlyStoppingLogic.__doc__, "__module__": __name__})


_made = {}


def __getattr__(name):
    makers = {"KerasEarlyStopping": _make_keras_early_stopping,
              "LightningEarlyStopping": _make_lightning_early_stopping}
    if name not in makers:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _made:
        _made[name] = makers[name]()
    return _made[name]
