# SPDX-License-Identifier: MIT
"""trainmetrics.torch: hooks, targets and cam_for against a NumPy Grad-CAM of torch's own gradients."""
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import trainmetrics  # noqa: E402
from trainmetrics import torch as tmt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class SmallCNN(torch.nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 6, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(6)
        self.relu1 = torch.nn.ReLU(inplace=True)  # in place right after a hooked layer
        self.conv2 = torch.nn.Conv2d(6, 8, 3, padding=1, stride=2)
        self.relu2 = torch.nn.ReLU()
        self.head = torch.nn.Linear(8, n_classes)

    def forward(self, x):
        x = self.relu1(self.bn(self.conv1(x)))
        x = self.relu2(self.conv2(x))
        return self.head(x.mean(dim=(2, 3)))


@pytest.fixture
def model():
    torch.manual_seed(7)
    m = SmallCNN()
    m.train()  # cam_for must switch to eval and back
    with torch.no_grad():  # non-trivial running statistics, so eval differs from train
        m.bn.running_mean.uniform_(-0.5, 0.5)
        m.bn.running_var.uniform_(0.5, 2.0)
    return m


def oracle_capture(model, x, layer_name, score_fn):
    """Activations of one layer and d(score)/d(activation) with plain torch (eval mode)."""
    model.eval()
    try:
        x = x.detach().requires_grad_(True)
        h = model.relu1(model.bn(model.conv1(x))).clone() if layer_name == "relu1" else None
        a1 = model.bn(model.conv1(x))
        r1 = torch.relu(a1)
        a2 = model.conv2(r1)
        out = model.head(torch.relu(a2).mean(dim=(2, 3)))
        act = {"bn": a1, "conv2": a2}[layer_name] if h is None else h
        score = score_fn(out)
        (grad,) = torch.autograd.grad(score, [act])
        return act.detach().numpy(), grad.numpy(), out.detach()
    finally:
        model.train()


def numpy_gradcam(a, g, relu=True, normalize=False):
    w = g.mean(axis=(2, 3), keepdims=True)
    maps = (w * a).sum(axis=1)
    if relu:
        maps = np.maximum(maps, 0)
    if normalize:
        low = maps.min(axis=(1, 2), keepdims=True)
        maps = (maps - low) / (maps.max(axis=(1, 2), keepdims=True) - low + 1e-7)
    return maps


def test_package_imports_without_torch():
    code = ("import sys; sys.modules['torch'] = None\n"
            "import trainmetrics, trainmetrics.torch, numpy as np\n"
            "cm = trainmetrics.ConfusionMatrix(3).update(np.array([0, 1]), np.array([1, 1]))\n"
            "assert cm.total == 2\n"
            "try:\n    trainmetrics.torch.ClassifierOutputSoftmaxTarget(1)(np.zeros(3))\n"
            "except ImportError:\n    print('lazy')\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "lazy"


def test_capture_matches_torch_autograd(model):
    x = torch.randn(3, 3, 10, 10, generator=torch.Generator().manual_seed(1))
    model.eval()
    with tmt.ActivationsAndGradients(model, [model.bn, model.conv2]) as capture:
        out = capture(x)
        out[:, 2].sum().backward()
        assert len(capture.activations) == 2 and all(g is not None for g in capture.gradients)
        for i, name in enumerate(("bn", "conv2")):
            a, g, _ = oracle_capture(model, x, name, lambda o: o[:, 2].sum())
            np.testing.assert_allclose(capture.activations[i].numpy(), a, rtol=1e-6, atol=1e-6)
            np.testing.assert_allclose(capture.gradients[i].numpy(), g, rtol=1e-5, atol=1e-7)
    # The in-place ReLU after bn did not reach the kept activation: it still has negatives.
    assert (capture.activations[0] < 0).any()
    assert not model.bn._forward_hooks and not model.conv2._forward_hooks


def test_cam_for_default_targets_is_argmax_gradcam(model):
    x = torch.randn(4, 3, 12, 12, generator=torch.Generator().manual_seed(2))
    maps, acts, grads, out = tmt.cam_for(model, [model.conv2], x, relu=True, normalize=False, output_shape=None,
                                         return_captured=True)
    assert model.training  # restored
    assert all(p.grad is None for p in model.parameters())  # .grad untouched
    categories = out.argmax(dim=1)
    a, g, want_out = oracle_capture(model, x, "conv2", lambda o: o.gather(1, categories[:, None]).sum())
    torch.testing.assert_close(out, want_out)
    np.testing.assert_allclose(acts[0], a, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grads[0], g, rtol=1e-5, atol=1e-7)
    want = numpy_gradcam(a, g)
    assert maps.shape == (4, 6, 6) and maps.dtype == np.float32
    np.testing.assert_allclose(maps, want, rtol=1e-4, atol=1e-6 * np.abs(want).max())


@pytest.mark.parametrize("target_cls", [tmt.ClassifierOutputTarget, tmt.ClassifierOutputSoftmaxTarget])
def test_cam_for_explicit_targets_resized_and_normalized(model, target_cls):
    x = torch.randn(2, 3, 12, 12, generator=torch.Generator().manual_seed(3))
    categories = [4, 1]
    targets = [target_cls(c) for c in categories]
    maps = tmt.cam_for(model, [model.conv2], x, targets=targets, relu=True, normalize=True)
    if target_cls is tmt.ClassifierOutputTarget:
        def score(o):
            return o[0, 4] + o[1, 1]
    else:
        def score(o):
            p = torch.softmax(o, dim=1)
            return p[0, 4] + p[1, 1]
    a, g, _ = oracle_capture(model, x, "conv2", score)
    small = numpy_gradcam(a, g, relu=True, normalize=True).astype(np.float32)
    want = torch.nn.functional.interpolate(torch.from_numpy(small)[:, None], size=(12, 12), mode="bilinear",
                                           align_corners=False)[:, 0].numpy()
    assert maps.shape == (2, 12, 12)
    np.testing.assert_allclose(maps, want, atol=2e-5)


def test_cam_for_two_layers_mean_of_maps(model):
    x = torch.randn(2, 3, 12, 12, generator=torch.Generator().manual_seed(4))
    targets = [tmt.ClassifierOutputTarget(0), tmt.ClassifierOutputTarget(3)]
    maps = tmt.cam_for(model, [model.bn, model.conv2], x, targets=targets, relu=True, normalize=True)

    def score(o):
        return o[0, 0] + o[1, 3]
    per_layer = []
    for name in ("bn", "conv2"):
        a, g, _ = oracle_capture(model, x, name, score)
        m = numpy_gradcam(a, g, relu=True, normalize=True).astype(np.float32)
        per_layer.append(torch.nn.functional.interpolate(torch.from_numpy(m)[:, None], size=(12, 12),
                                                         mode="bilinear", align_corners=False)[:, 0].numpy())
    mean = np.maximum(np.stack(per_layer, axis=1), 0).mean(axis=1)
    low = mean.min(axis=(1, 2), keepdims=True)
    want = (mean - low) / ((mean - low).max(axis=(1, 2), keepdims=True) + 1e-7)
    np.testing.assert_allclose(maps, want, atol=2e-5)


def test_cam_for_other_methods_match_cam_on_captured(model):
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(5))
    for method in ("gradcam++", "layercam", "eigencam"):
        maps, acts, grads, _ = tmt.cam_for(model, [model.conv2], x, method=method, relu=True, normalize=False,
                                           output_shape=None, return_captured=True)
        want = trainmetrics.cam(acts[0], None if method == "eigencam" else grads[0], method, relu=True,
                                normalize=False)
        np.testing.assert_array_equal(maps, want)
    # LayerCAM by hand: sum over channels of relu(G) * A, then ReLU.
    maps, acts, grads, _ = tmt.cam_for(model, [model.conv2], x, method="layercam", relu=True, normalize=False,
                                       output_shape=None, return_captured=True)
    want = np.maximum((np.maximum(grads[0], 0) * acts[0]).sum(axis=1), 0)
    np.testing.assert_allclose(maps, want, rtol=1e-4, atol=1e-6)


def test_cam_for_refuses_bad_arguments(model):
    x = torch.randn(2, 3, 8, 8)
    with pytest.raises(trainmetrics.InvalidArgumentError):
        tmt.cam_for(model, [model.conv2], x, method="nope")
    with pytest.raises(trainmetrics.InvalidArgumentError):
        tmt.cam_for(model, [model.conv2], x, targets=[tmt.ClassifierOutputTarget(0)])
    with pytest.raises(trainmetrics.InvalidArgumentError):
        tmt.cam_for(model, [], x)
    with pytest.raises(trainmetrics.InvalidArgumentError):
        tmt.cam_for(model, [model.conv2], x.numpy())
    assert not model.conv2._forward_hooks and model.training
