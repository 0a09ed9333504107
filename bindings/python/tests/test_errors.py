# SPDX-License-Identifier: MIT
"""Status codes, exceptions and adversarial inputs.

Every TRM_E_* status raises its exception class carrying trm_last_error()'s
text; every rejected input raises the documented exception and leaves the
matrix exactly as it was (its serialization is compared before and after).
"""
import ctypes as C
import math
import struct
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

import trainmetrics
from trainmetrics import (ConfusionMatrix, CorruptDataError, EmptyError, InvalidArgumentError, LabelError,
                          MismatchError, NonFiniteError, TrainmetricsError, TrainmetricsMemoryError,
                          TrainmetricsOverflowError, VersionError)
from trainmetrics import _lib
from trainmetrics import sklearn as ts
from trainmetrics._errors import ERRORS


def last_error():
    return _lib.lib.trm_last_error().decode()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def reseal(blob):
    """The blob with its trailing CRC-32C recomputed (a damaged blob that passes the checksum)."""
    body = bytes(blob[:-4])
    return body + struct.pack("<I", crc32c(body))


def filled(**options):
    cm = ConfusionMatrix(3, **options)
    weights = [1.0, 2.0, 0.5, 1.0] if options.get("weighted") else None
    return cm.update([0, 1, 2, 2], [0, 2, 2, 1], weights)


# ---- status codes ----------------------------------------------------------------------------------

def _serialize_into_a_short_buffer():
    # TRM_E_BUFFER has no class of its own: the package always sizes its buffers
    # first, so it can only come from a direct call; the base class carries it.
    cm = filled()
    need = len(cm.to_bytes())
    size = C.c_size_t()
    buf = C.create_string_buffer(10)
    _lib.lib.trm_clear_last_error()
    rc = _lib.lib.trm_confusion_serialize(cm._h, C.cast(buf, C.c_void_p), len(buf), C.byref(size))
    assert size.value == need
    _lib.check(rc)


def _version_blob():
    blob = bytearray(filled().to_bytes())
    blob[4] = 3  # format version 3 (the confusion matrix reads 1 and 2), checksum made valid again
    ConfusionMatrix.from_bytes(reseal(blob))


def _kind_blob():
    blob = bytearray(filled().to_bytes())
    blob[6] = 5  # another handle kind
    ConfusionMatrix.from_bytes(reseal(blob))


STATUS_TRIGGERS = [
    (-1, InvalidArgumentError, ValueError, lambda: ConfusionMatrix(0)),
    (-1, InvalidArgumentError, ValueError, lambda: filled().fbeta(-2.0)),
    (-1, InvalidArgumentError, ValueError, lambda: filled(weighted=True).update([0], [0], [-1.0])),
    (-2, TrainmetricsMemoryError, MemoryError, lambda: ConfusionMatrix(2 ** 29)),
    (-3, LabelError, ValueError, lambda: filled().update([0, 1, 3], [0, 1, 2])),
    (-3, LabelError, ValueError, lambda: filled().update([0, 1, 2], [0, -1, 2])),
    (-4, NonFiniteError, ValueError, lambda: filled().update_argmax([0, 1], [[0.0, 1.0, 2.0], [0.0, np.nan, 1.0]])),
    (-4, NonFiniteError, ValueError, lambda: filled(weighted=True).update([0], [0], [np.inf])),
    (-5, MismatchError, ValueError, lambda: filled().merge(ConfusionMatrix(4))),
    (-5, MismatchError, ValueError, lambda: filled().update_threshold([0], [0.5])),
    (-5, MismatchError, ValueError, _kind_blob),
    (-6, TrainmetricsOverflowError, OverflowError, lambda: ConfusionMatrix(2 ** 31)),
    (-6, TrainmetricsOverflowError, OverflowError, lambda: filled(weighted=True).update([0], [0], [1e300])),
    (-6, TrainmetricsOverflowError, OverflowError,
     lambda: filled().add_counts(np.full((3, 3), 2 ** 64 - 1, dtype=np.uint64))),
    (-7, TrainmetricsError, Exception, _serialize_into_a_short_buffer),
    (-8, CorruptDataError, ValueError, lambda: ConfusionMatrix.from_bytes(b"TRMB not a blob")),
    (-9, VersionError, ValueError, _version_blob),
    (-10, EmptyError, ValueError, lambda: trainmetrics.TopK(5, 3).accuracy()),
    (-10, EmptyError, ValueError, lambda: trainmetrics.RegressionErrors().metric("mae")),
]


@pytest.mark.parametrize("code,cls,builtin,trigger", STATUS_TRIGGERS,
                         ids=[f"{t[0]}-{t[1].__name__}-{i}" for i, t in enumerate(STATUS_TRIGGERS)])
def test_every_status_raises_its_exception_with_the_library_text(code, cls, builtin, trigger):
    with pytest.raises(cls) as info:
        trigger()
    e = info.value
    assert type(e) is cls, f"{type(e).__name__} raised for status {code}"
    assert isinstance(e, TrainmetricsError) and isinstance(e, builtin)
    assert e.code == code
    text = last_error()
    # the library's own detail, not a generic message (C names turned into Python ones)
    assert text and str(e) == _lib.python_message(text)
    assert text.startswith("trm_") and str(e).startswith(text.split(":")[0] + ":")
    assert "TRM_" not in str(e)


def test_status_table_is_complete():
    codes = {cls.code: cls for cls in ERRORS.values()}
    assert set(codes) == {-1, -2, -3, -4, -5, -6, -8, -9, -10, -11}  # TRM_E_BUFFER (-7) never reaches Python
    for code, cls in codes.items():
        assert ERRORS[code] is cls and issubclass(cls, TrainmetricsError)
        assert _lib.lib.trm_strerror(code).decode()
        # Without a detail the library's generic text for the status is used.
        _lib.lib.trm_clear_last_error()
        with pytest.raises(cls) as info:
            _lib.check(code)
        assert str(info.value) == _lib.lib.trm_strerror(code).decode() and info.value.code == code
    for cls in (InvalidArgumentError, LabelError, NonFiniteError, MismatchError, CorruptDataError, VersionError,
                EmptyError):
        assert issubclass(cls, ValueError)
    assert issubclass(TrainmetricsOverflowError, OverflowError)
    assert issubclass(TrainmetricsMemoryError, MemoryError)
    _lib.check(0)  # TRM_OK raises nothing


def test_stale_error_text_is_not_reused():
    with pytest.raises(LabelError):
        filled().update([7], [0])
    with pytest.raises(EmptyError) as info:
        trainmetrics.TopK(2, 1).accuracy()
    assert "outside" not in str(info.value) and "no sample" in str(info.value)


@pytest.mark.parametrize("k", [2 ** 29, 2 ** 30, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40, 2 ** 63, 2 ** 64 - 1, 2 ** 64,
                               2 ** 64 + 3, 2 ** 100])
def test_huge_class_counts_raise_overflow_or_memory_error(k):
    # Never a crash, never a matrix of some other size (ctypes would silently
    # truncate an integer wider than size_t).
    with pytest.raises((OverflowError, MemoryError)):
        cm = ConfusionMatrix(k)
        pytest.fail(f"ConfusionMatrix({k}) created a matrix with n_classes={cm.n_classes}")


@pytest.mark.parametrize("k", [0, -1, -2 ** 70, 2.0, 3.5, True, "3", None])
def test_invalid_class_counts(k):
    with pytest.raises(ValueError):
        ConfusionMatrix(k)


# ---- corrupt serializations -------------------------------------------------------------------------

@pytest.mark.parametrize("options", [{}, {"weighted": True, "ignore_index": -1}])
def test_every_truncation_and_bit_flip_is_corrupt(options):
    blob = filled(**options).to_bytes()
    for size in range(len(blob)):
        with pytest.raises(CorruptDataError):
            ConfusionMatrix.from_bytes(blob[:size])
    for position in range(len(blob)):
        for bit in (0, 3, 7):
            damaged = bytearray(blob)
            damaged[position] ^= 1 << bit
            with pytest.raises(CorruptDataError):
                ConfusionMatrix.from_bytes(bytes(damaged))
    for extra in (b"\0", b"\0" * 8, blob):
        with pytest.raises(CorruptDataError):
            ConfusionMatrix.from_bytes(blob + extra)


def test_garbage_and_inconsistent_blobs(rng):
    for _ in range(300):
        size = int(rng.integers(0, 200))
        junk = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        if rng.random() < 0.5 and size >= 4:
            junk = b"TRMB" + junk[4:]
        with pytest.raises(CorruptDataError):
            ConfusionMatrix.from_bytes(junk)
    blob = filled().to_bytes()  # K u64 @8, flags u32 @16, reserved u32 @20, ignore i64 @24, cells @32
    for offset, value in [(8, struct.pack("<Q", 0)), (8, struct.pack("<Q", 4)), (8, struct.pack("<Q", 2 ** 40)),
                          (8, struct.pack("<Q", 2 ** 64 - 1)), (16, struct.pack("<I", 6)),
                          (20, struct.pack("<I", 1)), (32, struct.pack("<Q", 2 ** 64 - 1))]:
        damaged = bytearray(blob)
        damaged[offset:offset + len(value)] = value
        with pytest.raises(CorruptDataError):
            ConfusionMatrix.from_bytes(reseal(damaged))
    with pytest.raises(TypeError):
        ConfusionMatrix.from_bytes("TRMB")


# ---- adversarial updates: documented exception, matrix unchanged --------------------------------------

BIG = np.iinfo(np.int64).max

ADVERSARIAL = [
    # (name, options, exception, action)
    ("negative true label", {}, LabelError, lambda cm: cm.update([0, 1, -1], [0, 1, 2])),
    ("negative int8 label", {}, LabelError,
     lambda cm: cm.update(np.array([0, -5], np.int8), np.array([0, 1], np.int8))),
    ("true label == K, last", {}, LabelError, lambda cm: cm.update(np.arange(3).tolist() * 100 + [3],
                                                                  [0] * 301)),
    ("pred label >= K", {}, LabelError, lambda cm: cm.update([0, 1, 2], [0, 1, 200])),
    ("uint8 label >= K", {}, LabelError, lambda cm: cm.update(np.array([0, 255], np.uint8),
                                                              np.array([0, 1], np.uint8))),
    ("uint16 label >= K", {}, LabelError, lambda cm: cm.update(np.array([0, 3], np.uint16),
                                                               np.array([0, 1], np.uint16))),
    ("int64 max label", {}, LabelError, lambda cm: cm.update(np.array([BIG]), np.array([0]))),
    ("uint64 2**63", {}, LabelError, lambda cm: cm.update(np.array([2 ** 63], np.uint64), np.array([0], np.uint64))),
    ("uint64 2**64-1", {"ignore_index": -1}, LabelError,
     lambda cm: cm.update(np.array([2 ** 64 - 1], np.uint64), np.array([0], np.uint64))),
    # 2**63 + 1 must not be mistaken for the ignore label -(2**63) + 1 (int64 wrap-around).
    ("uint64 2**63+1 vs ignore", {"ignore_index": -(2 ** 63) + 1}, LabelError,
     lambda cm: cm.update(np.array([2 ** 63 + 1], np.uint64), np.array([0], np.uint64))),
    ("float labels", {}, TypeError, lambda cm: cm.update(np.array([0.0, 1.0]), np.array([0.0, 1.0]))),
    ("float32 pred", {}, TypeError, lambda cm: cm.update([0, 1], np.array([0, 1], np.float32))),
    ("float list", {}, TypeError, lambda cm: cm.update([0.0, 1.5], [0, 1])),
    ("NaN labels", {}, TypeError, lambda cm: cm.update([np.nan], [0])),
    ("complex labels", {}, TypeError, lambda cm: cm.update(np.array([1j]), np.array([0]))),
    ("string labels", {}, TypeError, lambda cm: cm.update(["a", "b"], ["a", "b"])),
    ("object labels", {}, TypeError, lambda cm: cm.update(np.array([0, "x"], dtype=object), [0, 1])),
    ("2-D labels", {}, ValueError, lambda cm: cm.update(np.zeros((2, 2), int), np.zeros((2, 2), int))),
    ("0-D labels", {}, ValueError, lambda cm: cm.update(1, 1)),
    ("lengths differ", {}, MismatchError, lambda cm: cm.update([0, 1, 2], [0, 1])),
    ("weights on unweighted", {}, MismatchError, lambda cm: cm.update([0], [0], [1.0])),
    ("negative weight", {"weighted": True}, InvalidArgumentError,
     lambda cm: cm.update([0, 1], [0, 1], [1.0, -0.5])),
    ("NaN weight", {"weighted": True}, NonFiniteError, lambda cm: cm.update([0, 1], [0, 1], [1.0, np.nan])),
    ("inf weight", {"weighted": True}, NonFiniteError, lambda cm: cm.update([0, 1], [0, 1], [np.inf, 1.0])),
    ("weights length", {"weighted": True}, MismatchError, lambda cm: cm.update([0, 1], [0, 1], [1.0])),
    ("2-D weights", {"weighted": True}, ValueError, lambda cm: cm.update([0], [0], [[1.0]])),
    ("weight total > 2^500", {"weighted": True}, OverflowError, lambda cm: cm.update([0, 1], [0, 1], [1e151, 1e151])),
    ("weighted bad label", {"weighted": True}, LabelError, lambda cm: cm.update([0, 3], [0, 1], [1.0, 1.0])),
    ("argmax NaN score, last row", {}, NonFiniteError,
     lambda cm: cm.update_argmax([0, 1, 2], [[1.0, 0, 0], [0, 1.0, 0], [0, 0, np.nan]])),
    ("argmax -inf score", {}, NonFiniteError,
     lambda cm: cm.update_argmax([0], np.array([[-np.inf, 0, 0]], np.float32))),
    ("argmax width", {}, MismatchError, lambda cm: cm.update_argmax([0], [[0.1, 0.9]])),
    ("argmax 1-D scores", {}, ValueError, lambda cm: cm.update_argmax([0], [0.1, 0.2, 0.7])),
    ("argmax 3-D scores", {}, ValueError, lambda cm: cm.update_argmax([0], np.zeros((1, 3, 1)))),
    ("argmax rows vs labels", {}, MismatchError, lambda cm: cm.update_argmax([0, 1], [[0.1, 0.2, 0.7]])),
    ("argmax label >= K", {}, LabelError, lambda cm: cm.update_argmax([0, 3], np.eye(2, 3))),
    ("argmax label beyond int32", {}, LabelError, lambda cm: cm.update_argmax([2 ** 32], np.eye(1, 3))),
    ("argmax float labels", {}, TypeError, lambda cm: cm.update_argmax([0.0], np.eye(1, 3))),
    ("argmax 2-D labels", {}, ValueError, lambda cm: cm.update_argmax([[0]], np.eye(1, 3))),
    ("threshold K=3", {}, MismatchError, lambda cm: cm.update_threshold([0], [0.7])),
    ("add_counts shape", {}, ValueError, lambda cm: cm.add_counts(np.ones((3, 4), int))),
    ("add_counts negative", {}, ValueError, lambda cm: cm.add_counts(-np.eye(3, dtype=int))),
    ("add_counts float on unweighted", {}, ValueError, lambda cm: cm.add_counts(np.eye(3))),
    ("add_counts overflow", {}, OverflowError,
     lambda cm: cm.add_counts(np.full((3, 3), 2 ** 63, dtype=np.uint64))),
    ("add_counts NaN weights", {"weighted": True}, NonFiniteError,
     lambda cm: cm.add_counts(np.where(np.eye(3) > 0, np.nan, 1.0))),
    ("add_counts negative weights", {"weighted": True}, ValueError, lambda cm: cm.add_counts(-np.eye(3))),
    ("merge other K", {}, MismatchError, lambda cm: cm.merge(ConfusionMatrix(2))),
    ("merge weighted into unweighted", {}, MismatchError, lambda cm: cm.merge(filled(weighted=True))),
    ("merge ignore differs", {"ignore_index": 5}, MismatchError, lambda cm: cm.merge(filled())),
    ("merge non-matrix", {}, ValueError, lambda cm: cm.merge([[1, 0, 0]] * 3)),
    ("ignore_index float", {"ignore_index": 5}, ValueError, lambda cm: setattr(cm, "ignore_index", 1.5)),
    ("ignore_index reserved", {"ignore_index": 5}, ValueError, lambda cm: setattr(cm, "ignore_index", -(2 ** 63))),
    ("ignore_index too big", {"ignore_index": 5}, ValueError, lambda cm: setattr(cm, "ignore_index", 2 ** 63)),
]


@pytest.mark.parametrize("name,options,exception,action", ADVERSARIAL, ids=[a[0] for a in ADVERSARIAL])
def test_rejected_input_leaves_the_matrix_unchanged(name, options, exception, action):
    cm = filled(**options)
    before = cm.to_bytes()
    with pytest.raises(exception):
        action(cm)
    assert cm.to_bytes() == before, f"{name}: the matrix changed although the input was rejected"


def test_rejected_threshold_input_leaves_the_matrix_unchanged():
    cm = ConfusionMatrix(2).update([0, 1, 1], [0, 1, 0])
    before = cm.to_bytes()
    for exception, action in [
        (NonFiniteError, lambda: cm.update_threshold([0, 1, 1], [0.2, 0.9, np.nan])),
        (NonFiniteError, lambda: cm.update_threshold([0, 1], np.array([np.inf, 0.1], np.float32))),
        (InvalidArgumentError, lambda: cm.update_threshold([0, 1], [0.2, 0.9], threshold=np.nan)),
        (LabelError, lambda: cm.update_threshold([0, 2], [0.2, 0.9])),
        (LabelError, lambda: cm.update_threshold([0, -1], [0.2, 0.9])),
        (MismatchError, lambda: cm.update_threshold([0, 1], [0.2])),
        (ValueError, lambda: cm.update_threshold([0], [[0.2]])),
        (TypeError, lambda: cm.update_threshold([0.0], [0.2])),
    ]:
        with pytest.raises(exception):
            action()
        assert cm.to_bytes() == before


def test_count_overflow_is_refused_without_change():
    cm = ConfusionMatrix(2).add_counts(np.array([[2 ** 64 - 2, 0], [0, 0]], dtype=np.uint64))
    before = cm.to_bytes()
    cm.update([1], [1])  # total reaches 2^64 - 1: still fine
    before = cm.to_bytes()
    for action in (lambda: cm.update([1], [0]), lambda: cm.update(np.array([0], np.uint8), np.array([0], np.uint8)),
                   lambda: cm.update_argmax([0], [[1.0, 0.0]]), lambda: cm.update_threshold([0], [0.9]),
                   lambda: cm.merge(cm), lambda: cm.add_counts(np.eye(2, dtype=int))):
        with pytest.raises(OverflowError):
            action()
        assert cm.to_bytes() == before


@pytest.mark.parametrize("options", [{}, {"weighted": True}, {"ignore_index": -100}])
def test_empty_input_is_a_no_op(options):
    cm = filled(**options)
    before = cm.to_bytes()
    weights = [] if options.get("weighted") else None
    cm.update([], [], weights)
    cm.update(np.array([], np.int32), np.array([], np.int32), weights)
    cm.update(np.array([], np.uint8), np.array([], np.uint8))
    cm.update(np.array([]), np.array([]))  # an empty float array holds no non-integer label
    cm.update(np.arange(10)[5:5], np.arange(10)[7:7])
    cm.update_argmax([], np.zeros((0, 3)))
    cm.update_argmax(np.array([], np.int64), np.zeros((0, 3), np.float32))
    cm.add_counts(np.zeros((3, 3), int))
    assert cm.to_bytes() == before
    binary = ConfusionMatrix(2).update([0, 1], [1, 1])
    before = binary.to_bytes()
    binary.update_threshold([], [])
    binary.update_threshold(np.array([], np.int32), np.array([], np.float32), 0.3)
    assert binary.to_bytes() == before
    assert ConfusionMatrix(3).update([], []).total == 0


def test_metrics_of_an_empty_matrix():
    # The rule itself is tested in test_python_contract.py; here: no raise, nothing changed.
    cm = ConfusionMatrix(3)
    before = cm.to_bytes()
    for score in (cm.accuracy, cm.balanced_accuracy, cm.cohen_kappa):
        assert math.isnan(score())
    assert cm.matthews_corrcoef() == 0.0
    assert not cm.precision().any() and not cm.counts.any() and cm.total == 0
    assert np.isnan(cm.precision("macro", np.nan))
    assert cm.precision("macro", 1) == 1.0
    assert "precision" in cm.classification_report()
    assert cm.to_bytes() == before


# ---- the scikit-learn layer with adversarial input -----------------------------------------------------

EMPTY_CALLS = {
    "confusion_matrix": [{}, {"labels": [0, 1]}, {"normalize": "true"}],
    "precision_recall_fscore_support": [{}, {"average": "macro"}, {"labels": [0, 1], "average": "weighted"}],
    "precision_score": [{}, {"average": "micro"}],
    "recall_score": [{"average": "macro"}],
    "f1_score": [{}, {"average": "weighted"}],
    "fbeta_score": [{"beta": 2.0, "average": None}],
    "jaccard_score": [{"average": "macro"}, {"average": None}],
    "accuracy_score": [{}, {"normalize": False}],
    "balanced_accuracy_score": [{}, {"adjusted": True}],
    "cohen_kappa_score": [{}, {"weights": "linear"}],
    "matthews_corrcoef": [{}],
    "classification_report": [{}, {"output_dict": True}],
}


def same_result(got, want):
    if isinstance(want, tuple):
        return isinstance(got, tuple) and len(got) == len(want) and all(
            (g is None and w is None) or (g is not None and w is not None and np.shape(g) == np.shape(w)
                                          and np.allclose(g, w, equal_nan=True)) for g, w in zip(got, want))
    if isinstance(want, (str, dict)):
        return got == want
    return np.shape(got) == np.shape(want) and np.allclose(np.asarray(got, float), np.asarray(want, float),
                                                           equal_nan=True)


def call_quietly(fn, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001
            return e


@pytest.mark.parametrize("name", sorted(EMPTY_CALLS))
@pytest.mark.parametrize("inputs", ["empty", "zero_weights"])
def test_sklearn_layer_empty_input_matches_or_raises_value_error(name, inputs):
    """Empty input, or input whose weights are all zero: trainmetrics returns what
    scikit-learn returns, or raises ValueError (it never crashes or returns
    something else)."""
    if inputs == "empty":
        args, weight = ([], []), {}
    else:
        args, weight = ([0, 1, 1], [0, 1, 0]), {"sample_weight": [0.0, 0.0, 0.0]}
    for kwargs in EMPTY_CALLS[name]:
        want = call_quietly(getattr(skm, name), *args, **weight, **kwargs)
        got = call_quietly(getattr(ts, name), *args, **weight, **kwargs)
        if isinstance(got, ValueError):
            continue
        assert not isinstance(got, Exception), f"{name}{kwargs}: {got!r}"
        assert not isinstance(want, Exception), f"{name}{kwargs}: scikit-learn raised {want!r}, trainmetrics {got!r}"
        assert same_result(got, want), f"{name}{kwargs}: trainmetrics {got!r}, scikit-learn {want!r}"


@pytest.mark.parametrize("name", sorted(EMPTY_CALLS))
def test_sklearn_layer_rejects_bad_shapes_and_arguments(name):
    fn = getattr(ts, name)
    kwargs = {"average": "macro"} if name.endswith(("_score", "_support")) and "accuracy" not in name and name not in (
        "cohen_kappa_score",) else {}
    if name == "fbeta_score":
        kwargs["beta"] = 1.0
    y = [0, 1, 1, 2]
    call_raw(fn, y, y, **kwargs)  # the arguments themselves are fine
    with pytest.raises(ValueError):
        call_raw(fn, y, y[:3], **kwargs)  # lengths differ
    with pytest.raises(ValueError):
        call_raw(fn, np.zeros((2, 2), int), np.zeros((2, 2), int), **kwargs)  # 2-D labels
    with pytest.raises(ValueError):
        call_raw(fn, ["a", "b", "a", "b"], y, **kwargs)  # strings mixed with numbers
    with pytest.raises(ValueError):
        call_raw(fn, y, y, sample_weight=[1.0, 1.0], **kwargs)  # weights length


def call_raw(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", trainmetrics.UndefinedMetricWarning)
        return fn(*args, **kwargs)


def test_sklearn_layer_rejects_what_sklearn_rejects():
    y_true, y_pred = [0, 1, 2, 2], [0, 2, 2, 1]
    cases = [
        (ts.precision_score, dict(average="samples")),
        (ts.recall_score, dict(average="bogus")),
        (ts.f1_score, dict(average=None, zero_division=2)),
        (ts.f1_score, dict(average=None, zero_division="x")),
        (ts.precision_recall_fscore_support, dict(beta=-1.0)),
        (ts.fbeta_score, dict(beta=-0.5, average="macro")),
        (ts.f1_score, dict()),  # average='binary' on multiclass input
        (ts.jaccard_score, dict()),
        (ts.confusion_matrix, dict(normalize="rows")),
        (ts.confusion_matrix, dict(labels=[5, 6])),  # no label in y_true
        (ts.confusion_matrix, dict(labels=[])),
        (ts.classification_report, dict(target_names=["a"])),
    ]
    for fn, kwargs in cases:
        with pytest.raises(ValueError):
            call_raw(fn, y_true, y_pred, **kwargs)
        with pytest.raises(ValueError):
            call_raw(getattr(skm, fn.__name__), y_true, y_pred, **kwargs)
    # pos_label not among two present labels
    with pytest.raises(ValueError):
        ts.f1_score([0, 1], [1, 0], pos_label=2)


def test_sklearn_layer_default_pos_label_with_string_labels():
    # scikit-learn refuses pos_label=1 for labels "a"/"b" with a ValueError and no other warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="pos_label=1 is not a valid label"):
            ts.f1_score(["a", "b", "a"], ["a", "b", "b"])
        with pytest.raises(ValueError, match="pos_label=1 is not a valid label"):
            skm.f1_score(["a", "b", "a"], ["a", "b", "b"])


def test_sklearn_layer_accepts_any_sortable_labels():
    """Documented extension: labels are mapped to dense ids, whatever their values."""
    assert ts.accuracy_score([0.5, 1.5, 2.5], [0.5, 2.5, 2.5]) == pytest.approx(2 / 3)
    np.testing.assert_array_equal(ts.confusion_matrix(["b", "a", "b"], ["b", "b", "a"]), [[0, 1], [1, 1]])
    assert ts.matthews_corrcoef(np.array([-7, 10 ** 12, -7]), np.array([-7, 10 ** 12, 10 ** 12])) == pytest.approx(
        skm.matthews_corrcoef([0, 1, 0], [0, 1, 1]))
    assert math.isclose(ts.cohen_kappa_score(["x", "y", "x"], ["x", "y", "y"]),
                        skm.cohen_kappa_score(["x", "y", "x"], ["x", "y", "y"]))
