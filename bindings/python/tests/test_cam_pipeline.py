# SPDX-License-Identifier: MIT
"""The two output pipelines (trainmetrics' normalize -> resize and
pytorch-grad-cam's normalize -> resize -> normalize), the cubic-spline resize,
cam(preset=), and the turbo colormap, against NumPy/torch/scipy
reimplementations and matplotlib."""
import numpy as np
import pytest

import trainmetrics as tm

torch = pytest.importorskip("torch")
F = torch.nn.functional
RNG = np.random.default_rng(15)


def minmax_f32(img):
    """scale_cam_image's normalization on a float32 map, in float32 as numpy does it."""
    img = np.float32(img)
    img = img - np.min(img)
    return img / (1e-7 + np.max(img))


def resize(img, size):
    mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[img.ndim]
    return F.interpolate(torch.from_numpy(np.float32(img))[None, None], size=size, mode=mode,
                         align_corners=False)[0, 0].numpy()


def zoom(img, size):
    """pytorch-grad-cam's resize of a volume: scipy.ndimage.zoom(np.float32(img), factors)."""
    ndi = pytest.importorskip("scipy.ndimage")
    return ndi.zoom(np.float32(img), [t / i for i, t in zip(img.shape, size)])


def pytorch_grad_cam_resize(img, size):
    """cv2.resize (torch's bilinear here: the same formula) for images, scipy's zoom for volumes."""
    return zoom(img, size) if img.ndim == 3 else resize(img, size)


def gradcam_raw(a, g):
    w = g.mean(axis=tuple(range(2, a.ndim)), keepdims=True)
    return np.maximum((w * a).sum(axis=1), 0).astype(np.float32)


@pytest.mark.parametrize("shape,size", [((2, 5, 7, 7), (224, 224)), ((1, 4, 9, 6), (4, 3)),
                                        ((2, 3, 11), (40,)), ((1, 3, 3, 4, 5), (7, 8, 9)),
                                        ((2, 6, 8, 8), (16, 16)), ((1, 3, 8, 8), (8, 8))])
def test_pytorch_grad_cam_order(shape, size):
    a = RNG.standard_normal(shape).astype(np.float32)
    g = RNG.standard_normal(shape).astype(np.float32)
    raw = gradcam_raw(a, g)
    # scale_cam_image(cam, size), then aggregate_multi_layers' relu and scale_cam_image
    want = np.stack([minmax_f32(np.maximum(pytorch_grad_cam_resize(minmax_f32(m), size), 0)) for m in raw])
    got = tm.cam(a, g, "gradcam", output_shape=size)  # the default preset
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6)
    same = tm.CAM("gradcam", normalize="minmax_after_resize", output_shape=size,
                  resize="cubic_spline" if len(size) == 3 else "linear")(a, g)
    np.testing.assert_array_equal(got, same)
    assert np.all(got.max(axis=tuple(range(1, got.ndim))) >= 1 - 1e-6)
    assert got.min() == 0
    # the trainmetrics order: one normalization at the feature resolution
    old = np.stack([resize(minmax_f32(m), size) for m in raw])
    np.testing.assert_allclose(tm.cam(a, g, "gradcam", preset="trainmetrics", output_shape=size), old,
                               rtol=0, atol=2e-6)
    np.testing.assert_array_equal(tm.cam(a, g, "gradcam", preset="trainmetrics", output_shape=size),
                                  tm.CAM("gradcam", output_shape=size)(a, g))


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_cubic_spline_equals_scipy_zoom(ndim):
    """Random maps and sizes, up- and downscaling, against scipy.ndimage.zoom
    with its defaults; HiResCAM of one channel with gradient 1 is the map itself."""
    rng = np.random.default_rng(40 + ndim)
    for _ in range(40):
        shape = tuple(int(v) for v in rng.integers(1, 9, ndim))
        size = tuple(int(v) for v in rng.integers(1, 30, ndim))
        a = rng.standard_normal((1, 1) + shape).astype(np.float32)
        got = tm.CAM("hirescam", relu=False, normalize=False, output_shape=size, resize="cubic_spline")(
            a, np.ones_like(a))[0]
        want = zoom(a[0, 0], size)
        assert want.shape == size
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-7 * max(1.0, float(np.abs(want).max())))


def test_cubic_spline_reproduces_scipys_zero_past_the_edge():
    """scipy's coordinate of the last of 188 samples from 4 rounds past 3 and
    mode='constant' writes 0 there; a spline keeps constants elsewhere."""
    ones = np.ones((1, 1, 4, 2, 4), dtype=np.float32)
    got = tm.CAM("hirescam", relu=False, normalize=False, output_shape=(188, 3, 187), resize="cubic_spline")(
        ones, ones)[0]
    want = zoom(ones[0, 0], (188, 3, 187))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert np.all(got[-1] == 0) and np.allclose(got[:-1], 1)


def test_the_pytorch_grad_cam_preset_zooms_volumes_only():
    a = RNG.standard_normal((1, 3, 3, 4, 5)).astype(np.float32)
    g = RNG.standard_normal(a.shape).astype(np.float32)
    volume = tm.cam(a, g, output_shape=(7, 8, 9))
    np.testing.assert_array_equal(volume, tm.CAM(normalize="minmax_after_resize", output_shape=(7, 8, 9),
                                                 resize="cubic_spline")(a, g))
    linear = tm.cam(a, g, output_shape=(7, 8, 9), resize="linear")  # an explicit option wins
    np.testing.assert_array_equal(linear, tm.CAM(normalize="minmax_after_resize", output_shape=(7, 8, 9))(a, g))
    assert not np.array_equal(volume, linear)
    images = RNG.standard_normal((1, 3, 5, 6)).astype(np.float32)
    np.testing.assert_array_equal(tm.cam(images, images, output_shape=(10, 12)),
                                  tm.CAM(normalize="minmax_after_resize", output_shape=(10, 12))(images, images))
    with pytest.raises(tm.InvalidArgumentError, match="resize must be one of"):
        tm.CAM(resize="cubic")
    # output_shape as CAM takes it: any sequence of sizes
    np.testing.assert_array_equal(tm.cam(a, g, output_shape=np.array([7, 8, 9])), volume)
    np.testing.assert_array_equal(tm.cam(a, g, output_shape=(d for d in (7, 8, 9))), volume)
    with pytest.raises(tm.InvalidArgumentError, match="output_shape must be a tuple"):
        tm.cam(a, g, output_shape=5)


def test_cubic_spline_overshoot_beyond_float_range_raises():
    a = (np.float32([1, 1, -1, -1, 1, 1, -1, -1, 1, 1]) * np.float32(0.95 * np.finfo(np.float32).max))[None, None]
    calc = tm.CAM("hirescam", relu=False, normalize=False, output_shape=(37,), resize="cubic_spline")
    with pytest.raises(tm.TrainmetricsOverflowError, match="overshoots the float range"):
        calc(a, np.ones_like(a))


def test_upscaled_maps_peak_below_one_only_in_the_trainmetrics_order():
    a = RNG.standard_normal((4, 8, 7, 7)).astype(np.float32)
    g = RNG.standard_normal(a.shape).astype(np.float32)
    ours = tm.cam(a, g, preset="trainmetrics", output_shape=(224, 224)).max(axis=(1, 2))
    theirs = tm.cam(a, g, output_shape=(224, 224)).max(axis=(1, 2))
    assert ours.min() < 0.999 and theirs.min() >= 1 - 1e-6


def test_presets_and_options():
    a = np.abs(RNG.standard_normal((1, 2, 3, 3)))
    g = RNG.standard_normal(a.shape)
    with pytest.raises(tm.InvalidArgumentError, match="preset must be one of"):
        tm.cam(a, g, preset="keras")
    with pytest.raises(tm.InvalidArgumentError, match="normalize must be one of"):
        tm.CAM(normalize="twice")
    # an explicit option wins over the preset's
    np.testing.assert_array_equal(tm.cam(a, g, normalize=False), tm.CAM(normalize="none")(a, g))
    np.testing.assert_array_equal(tm.cam(a, g, normalize=True), tm.CAM()(a, g))


def emulate_cv2_resize_linear(img, out_h, out_w):
    """cv2.resize(img, (out_w, out_h), interpolation=INTER_LINEAR) on a float32
    image, transcribed from the formulas of OpenCV's imgproc/src/resize.cpp
    (cv2 itself is not installed): scale = 1 / (dsize / ssize) in double,
    fx = float((d + 0.5) scale - 0.5), sx = floor(fx), fx -= sx, clamped at both
    borders, coefficients (1 - fx, fx) in float, rows then columns in float; an
    exact 2x reduction is INTER_AREA, the 2x2 mean."""
    h, w = img.shape
    if out_h * 2 == h and out_w * 2 == w:
        return np.float32(0.25) * (img[0::2, 0::2] + img[0::2, 1::2] + img[1::2, 0::2] + img[1::2, 1::2])

    def taps(n, m):
        scale = 1.0 / (m / n)
        lo, hi, f = np.zeros(m, int), np.zeros(m, int), np.zeros(m, np.float32)
        for d in range(m):
            fx = np.float32((d + 0.5) * scale - 0.5)
            sx = int(np.floor(fx))
            fx = np.float32(fx - np.float32(sx))
            if sx < 0:
                fx, sx = np.float32(0), 0
            if sx >= n - 1:
                fx, sx = np.float32(0), n - 1
            lo[d], hi[d], f[d] = sx, min(sx + 1, n - 1), fx
        return lo, hi, f

    x0, x1, fx = taps(w, out_w)
    y0, y1, fy = taps(h, out_h)
    rows = img[:, x0] * (np.float32(1) - fx) + img[:, x1] * fx
    return rows[y0] * (np.float32(1) - fy)[:, None] + rows[y1] * fy[:, None]


@pytest.mark.parametrize("h,w,out_h,out_w", [(7, 7, 224, 224), (7, 9, 30, 20), (14, 14, 7, 7),
                                             (20, 30, 7, 11), (5, 6, 13, 3)])
def test_cv2_inter_linear_formula_equals_torch_bilinear(h, w, out_h, out_w):
    img = RNG.random((h, w)).astype(np.float32)
    cv2_like = emulate_cv2_resize_linear(img, out_h, out_w)
    torch_out = resize(img, (out_h, out_w))
    np.testing.assert_allclose(cv2_like, torch_out, rtol=0, atol=1e-6)
    np.testing.assert_allclose(tm.cam(img[None, None], np.ones_like(img)[None, None], "hirescam", relu=False,
                                      normalize=False, output_shape=(out_h, out_w))[0], torch_out,
                               rtol=0, atol=1e-6)


def test_turbo_equals_matplotlib():
    matplotlib = pytest.importorskip("matplotlib")
    colors = np.array(matplotlib.colormaps["turbo"].colors)
    assert colors.shape == (256, 3)
    centres = (np.arange(256) + 0.5) / 255  # floor(255 v) = i
    centres[-1] = 1.0
    np.testing.assert_array_equal(tm.colormap(centres, "turbo"), np.rint(255 * colors).astype(np.uint8))
    # the same indexing rule as viridis: floor(255 v) of v clamped to [0, 1]
    v = np.concatenate([RNG.random(1000), [-1.0, 0.0, 1.0, 2.0, 0.5, 1 / 255, 254 / 255]]).astype(np.float32)
    idx = np.floor(255 * np.clip(v.astype(np.float64), 0, 1)).astype(int)
    np.testing.assert_array_equal(tm.colormap(v, "turbo"), np.rint(255 * colors[idx]).astype(np.uint8))
    viridis = np.rint(255 * np.array(matplotlib.colormaps["viridis"].colors)).astype(np.uint8)
    np.testing.assert_array_equal(tm.colormap(v, "viridis"), viridis[idx])
    image = RNG.integers(0, 256, size=(4, 5, 3), dtype=np.uint8)
    mask = RNG.random((4, 5)).astype(np.float32)
    heat = tm.colormap(mask, "turbo").astype(np.float64) / 255
    blend = 0.5 * heat + 0.5 * image / 255
    np.testing.assert_array_equal(tm.overlay(image, mask, "turbo"),
                                  np.floor(255 * (blend / blend.max()) + 1e-9).astype(np.uint8))
