# SPDX-License-Identifier: MIT
"""OverfitDetector against the worked example of the overfitting issue (hand-checked numbers)."""
import math
import pickle

import pytest

import trainmetrics as tm

TRAIN = [1.0, .8, .65, .55, .48, .43, .39, .36, .33, .31, .30, .295, .292, .290, .289, .288, .2875, .287,
         .2866, .2863]
VAL = [1.05, .85, .72, .64, .60, .58, .57, .575, .565, .57, .58, .585, .60, .59, .61, .63, .62, .65, .67, .70]


def run_until_stop(detector):
    for train, val in zip(TRAIN, VAL):
        detector.push(train, val)
        if detector.should_stop:
            break
    return detector


@pytest.mark.parametrize("alpha, epoch", [(1, 11), (2, 11), (3, 12), (5, 13)])
def test_generalization_loss_first_fires(alpha, epoch):
    detector = tm.OverfitDetector("prechelt_gl", gl_alpha=alpha).push_many(TRAIN, VAL)
    assert detector.fired["gl"] == epoch
    assert detector.stop_epoch == epoch


def test_progress_quotient_and_up():
    assert tm.OverfitDetector("prechelt_pq").push_many(TRAIN, VAL).stop_epoch == 15
    assert tm.OverfitDetector("prechelt_pq", pq=(0.75, 5)).push_many(TRAIN, VAL).stop_epoch == 20
    assert tm.OverfitDetector("prechelt_up", up=(2, 5)).push_many(TRAIN, VAL).stop_epoch == 20
    assert tm.OverfitDetector("prechelt_up").push_many(TRAIN, VAL).stop_epoch is None


def test_keras_patience():
    detector = run_until_stop(tm.OverfitDetector("keras", patience=3, min_delta=0.004))
    assert (detector.stop_epoch, detector.best_epoch, detector.best_value) == (12, 9, 0.565)
    detector = run_until_stop(tm.OverfitDetector("keras"))
    assert (detector.stop_epoch, detector.best_epoch) == (8, 7)


def test_trend_verdict_and_statistics():
    detector = tm.OverfitDetector().push_many(TRAIN, VAL)
    assert detector.verdict == "overfitting"
    assert detector.onset_epoch == 10
    # Mann-Kendall over epochs 13..20: S = 24, Var(S) = 8*7*21/18, Z = 23/sqrt(Var)
    assert detector.statistic("trend_z") == pytest.approx(23 / math.sqrt(8 * 7 * 21 / 18), rel=1e-12)
    assert detector.statistic("progress") == pytest.approx(2.7244, abs=1e-4)
    assert "Overfitting since epoch 10" in detector.explain()
    train, val = detector.history
    assert list(train) == TRAIN and list(val) == VAL


def test_nonfinite_and_resume():
    detector = tm.OverfitDetector().push_many(TRAIN[:5], VAL[:5]).push(0.4, float("nan"))
    assert detector.verdict == "diverged"
    assert detector.fired["nonfinite"] == 6
    resumed = pickle.loads(pickle.dumps(tm.OverfitDetector().push_many(TRAIN[:10], VAL[:10])))
    resumed.push_many(TRAIN[10:], VAL[10:])
    whole = tm.OverfitDetector().push_many(TRAIN, VAL)
    assert resumed.to_bytes() == whole.to_bytes()
    assert resumed.fired == whole.fired and resumed.explain() == whole.explain()


def test_bad_options():
    with pytest.raises(tm.InvalidArgumentError):
        tm.OverfitDetector(patience=3, min_delta=-1)
    with pytest.raises(tm.InvalidArgumentError):
        tm.OverfitDetector(trend=(3, 0.05))
    with pytest.raises(tm.InvalidArgumentError):
        tm.OverfitDetector("sklearn")
    with pytest.raises(tm.CorruptDataError):
        tm.OverfitDetector.from_bytes(tm.OverfitDetector().push(1, 1).to_bytes()[:-1])


def test_keras_restore_epoch_with_min_delta():
    # Keras restores the last epoch that beat its stored best by more than min_delta (issue 15)
    detector = run_until_stop_on([1, .8, .795, .79, .85, .86], tm.OverfitDetector("keras", patience=3, min_delta=0.02))
    assert (detector.stop_epoch, detector.best_epoch, detector.restore_epoch) == (5, 4, 2)
    assert detector.restore_value == .8 and detector.best_value == .79
    assert tm.OverfitDetector("keras").restore_epoch is None
    assert math.isnan(tm.OverfitDetector("keras").restore_value)


def test_keras_start_from_epoch_and_warmup():
    val = [1, .5, .6, .7, .8, .9, .95, .97]
    # epochs before start_from_epoch are not monitored at all: stop 7, restore 5
    for detector in (tm.OverfitDetector("keras", patience=2, warmup=4),
                     tm.OverfitDetector("keras", patience=2, start_from_epoch=4),
                     tm.OverfitDetector(criteria=["patience"], patience=2, start_from_epoch=4)):
        run_until_stop_on(val, detector)
        assert (detector.stop_epoch, detector.restore_epoch, detector.best_epoch) == (7, 5, 2)
    # the default preset's warm-up only delays the stop: stop 5
    detector = run_until_stop_on(val, tm.OverfitDetector(criteria=["patience"], patience=2, warmup=4))
    assert detector.stop_epoch == 5
    with pytest.raises(tm.InvalidArgumentError):
        tm.OverfitDetector(start_from_epoch=-1)


def test_keras_baseline_survives_pickle():
    # baseline .5 never beaten: improvements at 1 and 2 keep counting, stop at 3
    detector = tm.OverfitDetector("keras", patience=2, baseline=.5).push_many([0, 0], [1, .9])
    resumed = pickle.loads(pickle.dumps(detector)).push(0, .9)
    assert (resumed.stop_epoch, resumed.restore_epoch) == (3, 2)
    assert tm.OverfitDetector("keras", patience=2).push_many([0] * 3, [1, .9, .9]).stop_epoch is None
    with pytest.raises(tm.InvalidArgumentError):
        tm.OverfitDetector(baseline=math.inf)


def run_until_stop_on(val, detector):
    for v in val:
        detector.push(0.0, v)
        if detector.should_stop:
            break
    return detector


def test_explain_names_the_keras_restore_epoch_where_it_differs():
    """Keras restores epoch 2 on 1, .8, .795, .79, .85, .86 (patience 3, min_delta .02); the best is 4."""
    detector = tm.OverfitDetector("keras", patience=3, min_delta=0.02)
    for value in [1, .8, .795, .79, .85, .86]:
        detector.push(0.0, value)
    assert detector.restore_epoch == 2 and detector.best_epoch == 4
    assert "restore_best_weights would restore epoch 2 (validation 0.8)" in detector.explain()
    same = tm.OverfitDetector("keras", patience=3)
    for value in [1, .8, .795, .79, .85, .86]:
        same.push(0.0, value)
    assert same.restore_epoch == same.best_epoch == 4 and "restore_best_weights" not in same.explain()
