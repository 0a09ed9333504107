# SPDX-License-Identifier: MIT
"""Torch tensors wherever arrays are taken: zero-copy on the CPU, detached, converted once otherwise."""
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

torch = pytest.importorskip("torch")
import trainmetrics  # noqa: E402
import trainmetrics.sklearn as tsk  # noqa: E402
from trainmetrics import _arrays, _confusion  # noqa: E402
from testlib import report_dict_differences  # noqa: E402


def labels(rng, k, n):
    t = rng.integers(0, k, n)
    p = np.where(rng.random(n) < 0.6, t, rng.integers(0, k, n))
    return torch.from_numpy(t), torch.from_numpy(p)


def bincount_counts(k, t, p):
    t, p = np.asarray(t, dtype=np.int64), np.asarray(p, dtype=np.int64)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def test_int64_cpu_tensors_are_passed_without_a_copy(monkeypatch, rng):
    t, p = labels(rng, 6, 500)
    seen = []
    real = _confusion.call
    monkeypatch.setattr(_confusion, "call", lambda name, *args: (seen.append((name, args)), real(name, *args))[1])
    cm = trainmetrics.ConfusionMatrix(6).update(t, p)
    ((name, args),) = [c for c in seen if c[0].startswith("trm_confusion_update")]
    assert name == "trm_confusion_update_i64"
    assert args[1] == t.data_ptr() and args[2] == p.data_ptr()
    np.testing.assert_array_equal(cm.counts, bincount_counts(6, t.numpy(), p.numpy()))
    assert np.shares_memory(_arrays.as_array(t), t.numpy())


def test_tensor_views_dtypes_and_weights(rng):
    t, p = labels(rng, 9, 3001)
    cm = trainmetrics.ConfusionMatrix(9)
    cm.update(t[::2], p[::2])                      # non-contiguous views
    cm.update(t[1::2].int(), p[1::2].to(torch.int16))  # mixed widths
    np.testing.assert_array_equal(cm.counts, bincount_counts(9, t.numpy(), p.numpy()))
    w = torch.rand(3001, dtype=torch.float32, requires_grad=True)
    weighted = trainmetrics.ConfusionMatrix(9, weighted=True).update(t, p, w)
    want = skm.confusion_matrix(t.numpy(), p.numpy(), labels=range(9), sample_weight=w.detach().double().numpy())
    np.testing.assert_allclose(weighted.counts, want, rtol=1e-12)
    assert trainmetrics.ConfusionMatrix(2).update(torch.tensor([True, False]), torch.tensor([True, True])).total == 2


def test_float32_scores_argmax_threshold_and_topk(rng):
    n, k = 400, 7
    y = torch.from_numpy(rng.integers(0, k, n))
    scores = torch.from_numpy(rng.random((k, n), dtype=np.float32)).T  # a transposed, strided view
    scores.requires_grad_(True)
    cm = trainmetrics.ConfusionMatrix(k).update_argmax(y, scores)
    pred = scores.detach().numpy().argmax(axis=1)
    np.testing.assert_array_equal(cm.counts, bincount_counts(k, y.numpy(), pred))
    topk = trainmetrics.TopK(k, 3).update(y, scores)
    for kk in (1, 2, 3):
        assert topk.accuracy(kk) == pytest.approx(skm.top_k_accuracy_score(y.numpy(), scores.detach().numpy(), k=kk,
                                                                           labels=range(k)), abs=1e-12)
    yb = torch.from_numpy(rng.integers(0, 2, n))
    s = torch.rand(n, requires_grad=True)
    binary = trainmetrics.ConfusionMatrix(2).update_threshold(yb, s, 0.3)
    np.testing.assert_array_equal(binary.counts, bincount_counts(2, yb.numpy(), (s.detach().numpy() > 0.3)))
    bf16 = scores.detach().to(torch.bfloat16)
    cm16 = trainmetrics.ConfusionMatrix(k).update_argmax(y, bf16)
    np.testing.assert_array_equal(cm16.counts, bincount_counts(k, y.numpy(), bf16.float().numpy().argmax(axis=1)))


def test_multilabel_regression_overfit_and_cam_take_tensors(rng):
    t = torch.from_numpy(rng.integers(0, 2, (50, 4))).bool()
    s = torch.rand(50, 4, requires_grad=True)
    ml = trainmetrics.Multilabel(4).update_threshold(t, s, 0.5)
    want = skm.multilabel_confusion_matrix(t.numpy(), (s.detach().numpy() > 0.5))
    np.testing.assert_array_equal(ml.counts, want)

    yt = torch.randn(30, 2, dtype=torch.float32)
    yp = (yt + 0.1 * torch.randn(30, 2)).requires_grad_(True)
    reg = trainmetrics.RegressionErrors(2).update(yt, yp)
    assert reg.metric("mae") == pytest.approx(skm.mean_absolute_error(yt.numpy(), yp.detach().numpy()), rel=1e-6)
    assert reg.metric("r2") == pytest.approx(skm.r2_score(yt.numpy(), yp.detach().numpy()), rel=1e-5)

    det = trainmetrics.OverfitDetector().push_many(torch.linspace(1, 0.1, 5), torch.linspace(1, 0.2, 5))
    det.push(torch.tensor(0.05), torch.tensor(0.5, requires_grad=True))
    train, val = det.history
    np.testing.assert_allclose(val, np.r_[np.linspace(1, 0.2, 5, dtype=np.float32), 0.5], rtol=1e-6)

    a = torch.rand(2, 5, 4, 4, requires_grad=True)
    g = torch.randn(2, 5, 4, 4)
    got = trainmetrics.cam(a, g, "gradcam", relu=True, normalize=False)
    want = np.maximum((g.numpy().mean(axis=(2, 3), keepdims=True) * a.detach().numpy()).sum(axis=1), 0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_sklearn_functions_take_tensors(rng):
    t, p = labels(rng, 4, 300)
    w = torch.rand(300, dtype=torch.float64)
    assert tsk.f1_score(t, p, average="macro") == pytest.approx(
        skm.f1_score(t.numpy(), p.numpy(), average="macro"), abs=1e-12)
    assert tsk.accuracy_score(t, p, sample_weight=w) == pytest.approx(
        skm.accuracy_score(t.numpy(), p.numpy(), sample_weight=w.numpy()), abs=1e-12)
    got = tsk.classification_report(t, p, output_dict=True, labels=torch.tensor([0, 2]))
    assert not report_dict_differences(got, skm.classification_report(t.numpy(), p.numpy(), output_dict=True,
                                                                      labels=[0, 2]))


def test_parameter_and_grad_tensors_are_detached(rng):
    scores = torch.nn.Parameter(torch.rand(10, 3))
    y = torch.from_numpy(rng.integers(0, 3, 10))
    cm = trainmetrics.ConfusionMatrix(3).update_argmax(y, scores)
    np.testing.assert_array_equal(cm.counts, bincount_counts(3, y.numpy(), scores.detach().numpy().argmax(1)))
    assert scores.grad is None and scores.requires_grad


class FakeDeviceTensor:
    """Just enough of a CUDA tensor's surface for the device branch (no GPU on this machine)."""

    def __init__(self, host):
        self.host, self.requires_grad = host, False
        self.device = type("device", (), {"type": "cuda", "__str__": lambda self: "cuda:0"})()
        self.copies = 0

    def numel(self):
        return self.host.numel()

    def element_size(self):
        return self.host.element_size()

    def cpu(self):
        self.copies += 1
        return self.host.clone()


def test_device_tensors_are_copied_with_one_warning(monkeypatch):
    monkeypatch.setattr(_arrays, "_device_copy_warned", False)
    fake = FakeDeviceTensor(torch.arange(12, dtype=torch.float32))
    with pytest.warns(trainmetrics.DeviceCopyWarning, match=r"scores is a tensor on cuda:0.*48 bytes"):
        out = _arrays._torch_to_numpy(fake, "scores")
    np.testing.assert_array_equal(out, np.arange(12, dtype=np.float32))
    assert fake.copies == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _arrays._torch_to_numpy(fake, "scores")  # once per process: no second warning
    assert fake.copies == 2


def test_fast_path_fallbacks_and_errors(rng):
    t, p = labels(rng, 5, 200)
    t, p = t.numpy().copy(), p.numpy().copy()
    want = bincount_counts(5, t, p)
    ro_t, ro_p = t.copy(), p.copy()
    ro_t.flags.writeable = False
    ro_p.flags.writeable = False
    for a, b in [(ro_t, ro_p), (t[::1], p.astype(np.int32)), (np.asfortranarray(t), p)]:
        np.testing.assert_array_equal(trainmetrics.ConfusionMatrix(5).update(a, b).counts, want)
    cm = trainmetrics.ConfusionMatrix(5).update(t, p)
    bad = t.copy()
    bad[17] = 5
    with pytest.raises(trainmetrics.LabelError, match=r"y_true\[17\] = 5"):
        cm.update(bad, p)
    np.testing.assert_array_equal(cm.counts, want)  # unchanged
    with pytest.raises(trainmetrics.MismatchError):
        cm.update(t, p[:-1])
    with pytest.raises(trainmetrics.InvalidArgumentError):
        cm.update(t.reshape(20, 10), p.reshape(20, 10))


def test_weighted_and_argmax_fast_paths_match_sklearn(rng):
    k, n = 6, 257
    t = rng.integers(0, k, n)
    p = rng.integers(0, k, n)
    w = rng.random(n)
    for dtype in (np.int32, np.int64):
        cm = trainmetrics.ConfusionMatrix(k, weighted=True).update(t.astype(dtype), p.astype(dtype), w)
        np.testing.assert_allclose(cm.counts, skm.confusion_matrix(t, p, labels=range(k), sample_weight=w),
                                   rtol=1e-12)
    bad_w = w.copy()
    bad_w[3] = -1.0
    with pytest.raises(trainmetrics.InvalidArgumentError, match=r"sample_weight\[3\]"):
        cm.update(t, p, bad_w)
    scores = rng.random((n, k))
    for dtype in (np.float32, np.float64):
        s = scores.astype(dtype)
        cm = trainmetrics.ConfusionMatrix(k).update_argmax(t.astype(np.int32), s)
        np.testing.assert_array_equal(cm.counts, bincount_counts(k, t, s.argmax(axis=1)))
    s = scores.copy()
    s[5, 2] = np.nan
    with pytest.raises(trainmetrics.NonFiniteError):
        cm.update_argmax(t.astype(np.int32), s)
