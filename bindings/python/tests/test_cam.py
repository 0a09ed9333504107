# SPDX-License-Identifier: MIT
"""trainmetrics.cam / CAM / colormap / overlay against NumPy and torch computations."""
import numpy as np
import pytest

import trainmetrics as tm

RNG = np.random.default_rng(5)


def minmax(maps):
    axes = tuple(range(1, maps.ndim))
    maps = maps - maps.min(axis=axes, keepdims=True)
    return maps / (1e-7 + maps.max(axis=axes, keepdims=True))


def test_gradcam_of_a_cnn_through_hooks():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    torch.manual_seed(3)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 6, 3, padding=1), torch.nn.ReLU(),
                              torch.nn.Conv2d(6, 12, 3, stride=2, padding=1), torch.nn.ReLU(),
                              torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(12, 4))
    seen = {}
    net[3].register_forward_hook(lambda m, i, o: seen.__setitem__("a", o))
    net[3].register_full_backward_hook(lambda m, gi, go: seen.__setitem__("g", go[0]))
    scores = net(torch.randn(2, 3, 24, 24))
    (scores[0, 2] + scores[1, 0]).backward()
    a, g = seen["a"].detach().double(), seen["g"].detach().double()
    with torch.no_grad():
        ref = torch.relu((g.mean(dim=(2, 3), keepdim=True) * a).sum(dim=1)).numpy()
        ref = F.interpolate(torch.from_numpy(minmax(ref))[:, None], size=(24, 24), mode="bilinear",
                            align_corners=False)[:, 0].numpy()
    # preset="trainmetrics": normalize, then resize (the C library's and CAM's order)
    maps = tm.cam(a.numpy(), g.numpy(), "gradcam", preset="trainmetrics", output_shape=(24, 24))
    assert maps.shape == (2, 24, 24) and maps.dtype == np.float32
    np.testing.assert_allclose(maps, ref, rtol=0, atol=1e-5)
    np.testing.assert_array_equal(tm.CAM("gradcam", output_shape=(24, 24))(a.numpy(), g.numpy()), maps)
    # cam()'s default is pytorch-grad-cam's order: normalize, resize, normalize again
    maps = tm.cam(a.numpy(), g.numpy(), "gradcam", output_shape=(24, 24))
    np.testing.assert_allclose(maps, minmax(ref), rtol=0, atol=1e-5)


@pytest.mark.parametrize("method", ["gradcam", "gradcam++", "xgradcam", "hirescam", "gradcam_elementwise",
                                    "layercam", "eigencam", "eigengradcam"])
def test_layouts_agree(method):
    a = np.abs(RNG.standard_normal((2, 5, 4, 3)))
    g = RNG.standard_normal(a.shape)
    first = tm.cam(a, g, method)
    last = tm.CAM(method, layout="channels_last")(np.moveaxis(a, 1, -1), np.moveaxis(g, 1, -1))
    np.testing.assert_allclose(first, last, rtol=1e-5, atol=1e-6)


def test_hirescam_and_layercam_against_numpy():
    a = RNG.standard_normal((3, 4, 7))
    g = RNG.standard_normal(a.shape)
    np.testing.assert_allclose(tm.cam(a, g, "hirescam", relu=False, normalize=False), (g * a).sum(axis=1),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tm.cam(a, g, "layercam"), minmax(np.maximum((np.maximum(g, 0) * a).sum(axis=1), 0)),
                               rtol=1e-5, atol=1e-6)


def test_weights_and_eigencam_without_gradients():
    a = RNG.standard_normal((2, 3, 2, 2, 2))
    g = RNG.standard_normal(a.shape)
    calc = tm.CAM("gradcam")
    np.testing.assert_allclose(calc.weights(a, g), g.mean(axis=(2, 3, 4)), rtol=1e-5, atol=1e-7)
    assert tm.cam(a, method="eigencam").shape == (2, 2, 2, 2)
    with pytest.raises(tm.InvalidArgumentError):
        tm.CAM("hirescam").weights(a, g)
    with pytest.raises(tm.InvalidArgumentError):
        tm.cam(a, method="gradcam")  # gradients are required


def test_errors():
    a = np.ones((1, 2, 3))
    g = np.zeros_like(a)
    g[0, 1, 2] = np.nan
    with pytest.raises(tm.NonFiniteError, match=r"sample 0, channel 1, position \(2\)"):
        tm.cam(a, g)
    with pytest.raises(tm.InvalidArgumentError):
        tm.CAM("no_such_cam")
    with pytest.raises(tm.MismatchError):
        tm.cam(a, np.ones((1, 2, 4)))
    with pytest.raises(tm.InvalidArgumentError):
        tm.cam(np.ones((2, 3)), np.ones((2, 3)))


def test_colormap_and_overlay():
    rgb = tm.colormap([[0.0, 1.0], [0.5, 2.0]], "jet")
    assert rgb.shape == (2, 2, 3)
    assert rgb[0, 0].tolist() == [0, 0, 128] and rgb[0, 1].tolist() == [128, 0, 0] == rgb[1, 1].tolist()
    assert tm.colormap([0.5], "gray")[0].tolist() == [127, 127, 127]
    image = RNG.integers(0, 256, size=(5, 6, 3), dtype=np.uint8)
    mask = ((RNG.integers(0, 256, size=(5, 6)) + 0.5) / 255).astype(np.float32)
    heat = tm.colormap(mask, "viridis").astype(np.float64) / 255
    blend = 0.6 * heat + 0.4 * image / 255
    expected = np.floor(255 * (blend / blend.max()) + 1e-9).astype(np.uint8)
    np.testing.assert_array_equal(tm.overlay(image, mask, "viridis", image_weight=0.4), expected)
    with pytest.raises(tm.InvalidArgumentError):
        tm.overlay(image, mask, image_weight=1.5)
    with pytest.raises(TypeError):
        tm.overlay(image.astype(np.float32), mask)
    with pytest.raises(tm.MismatchError):
        tm.overlay(image, mask[:4])
