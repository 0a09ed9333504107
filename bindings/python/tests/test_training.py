# SPDX-License-Identifier: MIT
"""trainmetrics.training: TrainingMonitor and the Keras 3 / Lightning 2 callbacks.

Oracles, written here from the frameworks' published source, independent of the C code:
  * keras_replay: Keras 3 EarlyStopping.on_epoch_end / on_train_end with
    restore_best_weights=True (keras/src/callbacks/early_stopping.py);
  * lightning_replay: Lightning 2 EarlyStopping._evaluate_stopping_criteria.
Neither framework is a Debian package, so the callbacks are driven by stand-ins that
call exactly what Keras 3's fit() and Lightning 2's fit loop call (listed in the
module's docstring), and one real PyTorch training loop uses TrainingMonitor.
"""
import math
import sys
import types

import numpy as np
import pytest

import trainmetrics as tm
import trainmetrics.keras  # noqa: F401  (tm.keras.EarlyStopping)
import trainmetrics.lightning  # noqa: F401  (tm.lightning.EarlyStopping)
from trainmetrics import training


def keras_replay(val, patience=0, min_delta=0.0, mode="min", baseline=None, start_from_epoch=0):
    """(stopped epoch, restored epoch), 1-based, or None."""
    better = (lambda a, b: a < b) if mode == "min" else (lambda a, b: a > b)
    delta = -abs(min_delta) if mode == "min" else abs(min_delta)
    best, wait, best_epoch, kept = (math.inf if mode == "min" else -math.inf), 0, None, False
    for epoch, current in enumerate(val):
        if epoch < start_from_epoch:
            continue
        if not kept:
            kept, best_epoch = True, epoch
        wait += 1
        if better(current - delta, best):
            best, best_epoch = current, epoch
            if baseline is None or better(current - delta, baseline):
                wait = 0
            continue
        if wait >= patience and epoch > 0:
            return epoch + 1, best_epoch + 1
    return None, (None if best_epoch is None else best_epoch + 1)


def lightning_replay(val, patience=3, min_delta=0.0, mode="min", check_finite=True, stopping_threshold=None,
                     divergence_threshold=None):
    """The 1-based epoch Lightning's EarlyStopping stops at, or None."""
    better = (lambda a, b: a < b) if mode == "min" else (lambda a, b: a > b)
    delta = -abs(min_delta) if mode == "min" else abs(min_delta)
    best, wait = (math.inf if mode == "min" else -math.inf), 0
    for epoch, current in enumerate(val):
        if check_finite and not math.isfinite(current):
            return epoch + 1
        if stopping_threshold is not None and better(current, stopping_threshold):
            return epoch + 1
        if divergence_threshold is not None and better(-current, -divergence_threshold):
            return epoch + 1
        if better(current - delta, best):
            best, wait = current, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch + 1
    return None


def random_curve(rng, n, mode):
    t = np.arange(n)
    val = 1.0 / (1 + 0.3 * t) + rng.uniform(0, 0.02) * t + rng.normal(0, rng.uniform(0.001, 0.05), n)
    val = np.round(val, int(rng.integers(2, 5)))
    return list(np.round(1 - val, 5) if mode == "max" else val)


# ---- TrainingMonitor -----------------------------------------------------------------------

def run(monitor, val, key="val_loss"):
    for v in val:
        if monitor.epoch_end({key: v, "loss": 0.1}):
            break
    return monitor


def test_issue_examples():
    m = run(training.TrainingMonitor(patience=3, min_delta=0.02), [1, .8, .795, .79, .85, .86])
    assert (m.stop_epoch, m.best_epoch, m.restore_epoch, m.restore_value) == (5, 4, 2, .8)
    assert keras_replay([1, .8, .795, .79, .85, .86], 3, 0.02) == (5, 2)
    m = run(training.TrainingMonitor(patience=2, start_from_epoch=4), [1, .5, .6, .7, .8, .9, .95, .97])
    assert (m.stop_epoch, m.restore_epoch, m.best_epoch) == (7, 5, 2)
    assert keras_replay([1, .5, .6, .7, .8, .9, .95, .97], 2, start_from_epoch=4) == (7, 5)
    assert m.verdict == "plateau" and m.history["val_loss"] == [1, .5, .6, .7, .8, .9, .95]


def test_monitor_against_keras_replay_on_random_curves():
    rng = np.random.default_rng(151)
    for case in range(300):
        mode = "max" if case % 3 == 0 else "min"
        n = int(rng.integers(1, 40))
        val = random_curve(rng, n, mode)
        patience = int(rng.integers(0, 5))
        min_delta = float(rng.choice([0.0, 0.002, 0.02]))
        start = int(rng.integers(0, n + 1)) if case % 2 else 0
        baseline = float(np.quantile(val, rng.random())) if case % 5 == 0 else None
        key = "val_accuracy" if mode == "max" else "val_loss"
        m = run(training.TrainingMonitor(monitor=key, patience=patience, min_delta=min_delta,
                                         start_from_epoch=start, baseline=baseline), val, key)
        assert m.mode == mode
        want = keras_replay(val, patience, min_delta, mode, baseline, start)
        assert (m.stop_epoch, m.restore_epoch) == want, (case, val, patience, min_delta, start, baseline)


def test_monitor_options_and_errors():
    m = training.TrainingMonitor(preset="default", monitor="val_loss")
    with pytest.raises(KeyError, match="val_loss"):
        m.epoch_end({"loss": 1.0})
    assert m.epoch == 0
    with pytest.raises(tm.InvalidArgumentError, match="mode"):
        training.TrainingMonitor(monitor="val_widget")
    assert training.TrainingMonitor(monitor="val_auc").mode == "max"
    assert training.TrainingMonitor(monitor="val_widget", mode="max").mode == "max"
    with pytest.raises(tm.InvalidArgumentError):
        m.epoch_end({"val_loss": "high"})
    # the training value feeds the gap; without it the gap is 0
    m.epoch_end({"val_loss": np.float32(0.5), "loss": 0.25})
    m.epoch_end({"val_loss": 0.4})
    assert m.history == {"val_loss": [0.5, pytest.approx(0.4)], "loss": [0.25, pytest.approx(0.4)]}
    assert m.detector.statistic("gap") == 0.0
    resumed = training.TrainingMonitor(preset="default")
    resumed.load_state_dict(m.state_dict())
    assert resumed.detector.to_bytes() == m.detector.to_bytes() and resumed.history == m.history
    assert m.reset().epoch == 0 and m.history == {"val_loss": [], "loss": []}


# ---- Keras 3 ---------------------------------------------------------------------------------

class KerasModelStandIn:
    """What EarlyStopping touches on a Keras 3 model: stop_training, get/set_weights."""

    def __init__(self):
        self.stop_training = False
        self.weights = [np.zeros(2)]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]


def keras_fit(callback, model, val, key="val_loss"):
    """The callback calls of Keras 3's Model.fit (CallbackList): the weights after epoch e
    are [e, e] so that the restored weights name their epoch. Returns the epochs run."""
    callback.set_model(model)
    callback.set_params({"epochs": len(val), "steps": 1, "verbose": 0})
    model.stop_training = False
    callback.on_train_begin()
    epochs = 0
    for epoch, v in enumerate(val):
        callback.on_epoch_begin(epoch)
        callback.on_train_batch_begin(0)
        model.weights = [np.full(2, float(epoch))]
        callback.on_train_batch_end(0, {"loss": 0.1})
        callback.on_test_begin()
        callback.on_test_end({"loss": v})
        callback.on_epoch_end(epoch, {"loss": 0.1, key: v})
        epochs += 1
        if model.stop_training:
            break
    callback.on_train_end({"loss": 0.1})
    return epochs


def test_keras_callback_against_replay():
    rng = np.random.default_rng(153)
    for case in range(150):
        mode = "max" if case % 2 else "min"
        val = random_curve(rng, int(rng.integers(1, 30)), mode)
        patience, min_delta = int(rng.integers(0, 4)), float(rng.choice([0.0, 0.01]))
        start = int(rng.integers(0, 5))
        baseline = float(np.median(val)) if case % 4 == 0 else None
        key = "val_acc" if mode == "max" else "val_loss"
        callback = tm.keras.EarlyStopping(monitor=key, patience=patience, min_delta=min_delta, baseline=baseline,
                                          start_from_epoch=start, restore_best_weights=True)
        model = KerasModelStandIn()
        epochs = keras_fit(callback, model, val, key)
        stop, restore = keras_replay(val, patience, min_delta, mode, baseline, start)
        assert epochs == (stop or len(val))
        assert callback.stopped_epoch == (stop - 1 if stop else 0)
        if restore is None:  # nothing monitored: Keras keeps the last weights
            assert callback.best_weights is None and model.weights[0][0] == epochs - 1
        else:
            assert callback.best_epoch == restore - 1
            assert model.weights[0][0] == restore - 1, (case, val)


def test_keras_callback_reuse_missing_metric_and_no_restore():
    callback = tm.keras.EarlyStopping(patience=1)
    model = KerasModelStandIn()
    # e = 2 (.6) does not improve, wait 1 >= 1: stop after 3 epochs
    assert keras_fit(callback, model, [1, .5, .6, .7, .8]) == 3 and callback.stopped_epoch == 2
    assert model.weights[0][0] == 2  # restore_best_weights off: the last weights stay
    # on_train_begin starts afresh, as Keras's reset of wait, best and stopped_epoch
    assert keras_fit(callback, model, [1, .9, .8]) == 3 and callback.stopped_epoch == 0
    with pytest.warns(UserWarning, match="val_loss"):
        callback.on_epoch_end(3, {"loss": 1.0})
    assert callback.monitor_state.epoch == 3


def test_keras_callback_subclasses_keras_when_importable(monkeypatch):
    class Callback:  # Keras 3's base: set_model stores _model, model is a read-only property
        def __init__(self):
            self._model = None

        def set_model(self, model):
            self._model = model

        def set_params(self, params):
            self.params = params

        @property
        def model(self):
            return self._model

        def on_epoch_begin(self, epoch, logs=None):
            pass

        on_train_batch_begin = on_train_batch_end = on_epoch_begin

        def on_test_begin(self, logs=None):
            pass

        on_test_end = on_test_begin

    keras = types.ModuleType("keras")
    keras.callbacks = types.ModuleType("keras.callbacks")
    keras.callbacks.Callback = Callback
    monkeypatch.setitem(sys.modules, "keras", keras)
    monkeypatch.setitem(sys.modules, "keras.callbacks", keras.callbacks)
    cls = training._make_keras_early_stopping()
    assert issubclass(cls, Callback) and not issubclass(cls, training._KerasCallbackProtocol)
    callback, model = cls(patience=2, min_delta=0.02, restore_best_weights=True), KerasModelStandIn()
    assert keras_fit(callback, model, [1, .8, .795, .79, .85, .86]) == 4
    assert model.weights[0][0] == 1  # Keras's best_epoch 1 = epoch 2
    assert training._make_keras_early_stopping() is not cls  # each call builds; the module caches its own


# ---- Lightning 2 -----------------------------------------------------------------------------

class TrainerStandIn:
    """The Trainer attributes EarlyStopping reads and writes."""

    def __init__(self, world_stops=False):
        self.callback_metrics = {}
        self.should_stop = False
        self.current_epoch = 0
        self.sanity_checking = False
        self.fast_dev_run = False
        self.state = types.SimpleNamespace(fn=types.SimpleNamespace(value="fit"))
        self.decisions = []
        outer = self

        class Strategy:
            def reduce_boolean_decision(self, decision, all=True):
                outer.decisions.append((decision, all))
                return decision or world_stops

        self.strategy = Strategy()


class ModuleStandIn:
    def __init__(self):
        self.state = {"w": np.zeros(1)}

    def state_dict(self):
        return dict(self.state)

    def load_state_dict(self, state):
        self.state = dict(state)


def lightning_fit(callback, trainer, module, val, key="val_loss", max_epochs=None):
    """The order of Lightning 2's fit loop: a sanity check, then per epoch training, validation
    (on_validation_end) and on_train_epoch_end, until trainer.should_stop; on_fit_end."""
    trainer.sanity_checking = True
    trainer.callback_metrics = {key: 123.0}
    callback.on_validation_end(trainer, module)
    trainer.sanity_checking = False
    for epoch, v in enumerate(val[:max_epochs]):
        trainer.current_epoch = epoch
        module.state = {"w": np.full(1, float(epoch))}
        trainer.callback_metrics = {key: v, "train_loss": 0.1}
        callback.on_validation_end(trainer, module)
        callback.on_train_epoch_end(trainer, module)
        if trainer.should_stop:
            break
    callback.on_fit_end(trainer, module)
    return trainer.current_epoch + 1


def test_lightning_callback_against_replay():
    rng = np.random.default_rng(157)
    for case in range(150):
        mode = "max" if case % 2 else "min"
        val = random_curve(rng, int(rng.integers(1, 30)), mode)
        if case % 5 == 0:
            val[int(rng.integers(0, len(val)))] = math.nan
        patience, min_delta = int(rng.integers(1, 5)), float(rng.choice([0.0, 0.01]))
        stopping = float(np.quantile(val, 0.1 if mode == "min" else 0.9)) if case % 7 == 0 else None
        callback = tm.lightning.EarlyStopping("val_loss", patience=patience, min_delta=min_delta, mode=mode,
                                              stopping_threshold=stopping, restore_best_state=True)
        trainer, module = TrainerStandIn(), ModuleStandIn()
        epochs = lightning_fit(callback, trainer, module, val)
        want = lightning_replay(val, patience, min_delta, mode, stopping_threshold=stopping)
        assert epochs == (want or len(val)), (case, val, patience, min_delta, stopping)
        assert trainer.should_stop == (want is not None)
        assert callback.monitor_state.epoch == epochs  # the sanity check was not counted
        # the state kept is Keras's restore rule over the epochs run: the last improvement
        _, restore = keras_replay(val[:epochs], 10 ** 9, min_delta, mode)
        assert callback.monitor_state.restore_epoch == restore
        assert module.state["w"][0] == restore - 1


def test_lightning_strict_train_epoch_end_state_and_reduction():
    callback = tm.lightning.EarlyStopping("val_loss", patience=1)
    trainer, module = TrainerStandIn(), ModuleStandIn()
    trainer.callback_metrics = {"train_loss": 1.0}
    with pytest.raises(RuntimeError, match="val_loss"):
        callback.on_validation_end(trainer, module)
    lax = tm.lightning.EarlyStopping("val_loss", strict=False)
    lax.on_validation_end(trainer, module)
    assert lax.monitor_state.epoch == 0
    # checked on train epoch end only when asked; not outside fitting
    on_train = tm.lightning.EarlyStopping("val_loss", patience=1, check_on_train_epoch_end=True)
    trainer.callback_metrics = {"val_loss": 1.0}
    on_train.on_validation_end(trainer, module)
    assert on_train.monitor_state.epoch == 0
    on_train.on_train_epoch_end(trainer, module)
    assert on_train.monitor_state.epoch == 1
    trainer.state.fn.value = "validate"
    on_train.on_train_epoch_end(trainer, module)
    assert on_train.monitor_state.epoch == 1
    # another process deciding to stop stops this one too
    trainer = TrainerStandIn(world_stops=True)
    trainer.callback_metrics = {"val_loss": 1.0}
    callback.on_validation_end(trainer, module)
    assert trainer.should_stop and trainer.decisions == [(False, False)]
    # the checkpoint state resumes the decision
    first = tm.lightning.EarlyStopping("val_loss", patience=2)
    assert lightning_fit(first, TrainerStandIn(), module, [1, .9, .95], max_epochs=3) == 3
    second = tm.lightning.EarlyStopping("val_loss", patience=2)
    second.load_state_dict(first.state_dict())
    trainer = TrainerStandIn()
    trainer.callback_metrics = {"val_loss": .97}
    second.on_validation_end(trainer, module)
    assert trainer.should_stop and second.monitor_state.stop_epoch == 4 == lightning_replay([1, .9, .95, .97], 2)


# ---- a real PyTorch loop -----------------------------------------------------------------------

def test_torch_loop_stops_and_restores_best_state():
    torch = pytest.importorskip("torch")
    datasets = pytest.importorskip("sklearn.datasets")
    torch.manual_seed(0)
    x, y = datasets.load_digits(return_X_y=True)
    x = torch.tensor(x / 16.0, dtype=torch.float32)
    y = torch.tensor(y)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(1))
    train_idx, val_idx = perm[:150], perm[150:750]  # a small training set: it overfits
    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def val_loss():
        with torch.no_grad():
            return float(loss_fn(model(x[val_idx]), y[val_idx]))

    monitor = training.TrainingMonitor(preset="keras", patience=5, min_delta=1e-3)
    best_state, max_epochs, epochs = None, 400, 0
    for epoch in range(1, max_epochs + 1):
        optimizer.zero_grad()
        loss = loss_fn(model(x[train_idx]), y[train_idx])
        loss.backward()
        optimizer.step()
        stop = monitor.epoch_end({"loss": float(loss), "val_loss": val_loss()})
        if monitor.restore_epoch == epoch:
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        epochs = epoch
        if stop:
            break
    recorded = monitor.history["val_loss"]
    stop, restore = keras_replay(recorded, patience=5, min_delta=1e-3)
    assert stop is not None and stop < max_epochs, "the small model did not overfit"
    assert (monitor.stop_epoch, monitor.restore_epoch, epochs) == (stop, restore, stop)
    assert monitor.best_epoch == int(np.argmin(recorded)) + 1
    assert restore < stop
    # Keras's rule: no later epoch beat the restored one by more than min_delta
    assert min(recorded[restore:]) >= recorded[restore - 1] - 1e-3
    model.load_state_dict(best_state)
    assert val_loss() == recorded[restore - 1]  # the same weights give the same loss, bit for bit
