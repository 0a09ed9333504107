#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential test of cam.h.

Oracles, written here from pytorch-grad-cam's formulas and independent of the C code:
  * every method in NumPy float64 (channels-first; channels-last inputs are the same
    tensors with the channel axis moved), Eigen-CAM by numpy.linalg.svd;
  * ReLU and scale_cam_image's min-max normalization in NumPy, resizing by
    torch.nn.functional.interpolate(mode='linear'/'bilinear'/'trilinear',
    align_corners=False) in float64 (and in float32, to 1e-5);
  * Grad-CAM from a small PyTorch CNN through forward and backward hooks, computed
    in torch;
  * colormaps and the overlay against OpenCV's applyColorMap and pytorch-grad-cam's
    show_cam_on_image when cv2 is installed (python3-opencv), else against the
    JET formula and, if installed, matplotlib's tables.
Maps agree when |lib - ref| <= 1e-5 * max(1e-30, max |ref|) per map.
Exit status 77 (skipped) without NumPy or torch.
"""
import ctypes as C
import itertools
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover
    print(f"skipping: {e}")
    sys.exit(77)
try:
    import cv2
except ImportError:
    cv2 = None

from oracle_lib import Tally, lib  # noqa: E402  (after the skips above)

H, SZ = C.c_void_p, C.c_size_t
FP, U8P, SZP = C.POINTER(C.c_float), C.POINTER(C.c_uint8), C.POINTER(C.c_size_t)

GRADCAM, PLUS_PLUS, XGRADCAM, HIRES, ELEMENTWISE, LAYER, EIGEN, EIGENGRAD = range(8)
METHOD_NAMES = ["GRADCAM", "GRADCAM_PLUS_PLUS", "XGRADCAM", "HIRESCAM", "GRADCAM_ELEMENTWISE",
                "LAYERCAM", "EIGENCAM", "EIGENGRADCAM"]
FIRST, LAST = 0, 1
JET, VIRIDIS, INFERNO, GRAY = range(4)
NONFINITE = -4

tally = Tally(shown=30)


def expect(what, ok):
    tally.check(bool(ok), what)


def close(lib_maps, ref_maps, tol=1e-5):
    """Per map (first axis): |lib - ref| <= tol * max |ref|."""
    lib_maps = np.asarray(lib_maps, dtype=np.float64).reshape(len(ref_maps), -1)
    ref_maps = np.asarray(ref_maps, dtype=np.float64).reshape(len(ref_maps), -1)
    scale = np.maximum(np.abs(ref_maps).max(axis=1, keepdims=True), 1e-30)
    err = np.abs(lib_maps - ref_maps) / scale
    return bool(np.all(err <= tol)), float(err.max())


def ptr(a, kind=FP):
    return a.ctypes.data_as(kind)


def sizes(dims):
    return (SZ * max(len(dims), 1))(*dims)


class Cam:
    def __init__(self, method, layout=FIRST, relu=1, normalize=1, out_shape=()):
        self.h = H()
        assert lib.trm_cam_new(C.byref(self.h), method, None) == 0
        assert lib.trm_cam_set_layout(self.h, layout) == 0
        assert lib.trm_cam_set_relu(self.h, relu) == 0
        assert lib.trm_cam_set_normalize(self.h, normalize) == 0
        assert lib.trm_cam_set_output_shape(self.h, len(out_shape), sizes(out_shape)) == 0
        self.layout, self.out_shape = layout, tuple(out_shape)

    def __del__(self):
        lib.trm_cam_free(self.h)

    def _args(self, a, g):
        """a, g channels-first float64 arrays -> contiguous float32 in the handle's layout."""
        if self.layout == LAST:
            a, g = np.moveaxis(a, 1, -1), (None if g is None else np.moveaxis(g, 1, -1))
        a = np.ascontiguousarray(a, dtype=np.float32)
        g = None if g is None else np.ascontiguousarray(g, dtype=np.float32)
        return a, g

    def compute(self, a, g):
        batch, channels, spatial = a.shape[0], a.shape[1], a.shape[2:]
        out_spatial = self.out_shape or spatial
        out = np.zeros((batch,) + tuple(out_spatial), dtype=np.float32)
        a32, g32 = self._args(a, g)
        rc = lib.trm_cam_compute_f32(self.h, ptr(a32), None if g32 is None else ptr(g32), batch, channels,
                                     len(spatial), sizes(spatial), ptr(out))
        assert rc == 0, (rc, lib.trm_last_error())
        return out

    def weights(self, a, g):
        batch, channels, spatial = a.shape[0], a.shape[1], a.shape[2:]
        out = np.zeros((batch, channels), dtype=np.float32)
        a32, g32 = self._args(a, g)
        rc = lib.trm_cam_weights_f32(self.h, ptr(a32), ptr(g32), batch, channels, len(spatial), sizes(spatial),
                                     ptr(out))
        return rc, out


# ---- the NumPy float64 oracle (pytorch-grad-cam's formulas over any rank) -------------

def ref_weights(method, a, g):
    axes = tuple(range(2, a.ndim))
    if method == GRADCAM:
        return g.mean(axis=axes)
    sum_a = a.sum(axis=axes)
    expand = (slice(None), slice(None)) + (None,) * len(axes)
    if method == XGRADCAM:
        return (g * a / (sum_a[expand] + 1e-7)).sum(axis=axes)
    g2, g3 = g ** 2, g ** 3
    aij = g2 / (2 * g2 + sum_a[expand] * g3 + 1e-6)
    aij = np.where(g != 0, aij, 0)
    return (np.maximum(g, 0) * aij).sum(axis=axes)


def sign_rule(p):
    big = np.abs(p).max()
    if big == 0:
        return p
    first = np.nonzero(np.abs(p) >= big * (1 - 1e-10))[0][0]
    return p if p[first] > 0 else -p


def ref_eigen(x):
    """x: (C, spatial...) for one sample."""
    m = x.reshape(x.shape[0], -1).T
    m = m - m.mean(axis=0)
    _, _, vt = np.linalg.svd(m, full_matrices=False)
    return sign_rule(m @ vt[0]).reshape(x.shape[1:])


def ref_raw(method, a, g):
    if method in (GRADCAM, PLUS_PLUS, XGRADCAM):
        w = ref_weights(method, a, g)
        return np.einsum("bc,bc...->b...", w, a)
    if method == HIRES:
        return (g * a).sum(axis=1)
    if method == ELEMENTWISE:
        return np.maximum(g * a, 0).sum(axis=1)
    if method == LAYER:
        return (np.maximum(g, 0) * a).sum(axis=1)
    x = a if method == EIGEN else g * a
    return np.stack([ref_eigen(s) for s in x])


MODES = {1: "linear", 2: "bilinear", 3: "trilinear"}


def torch_resize(maps, out_shape, dtype=torch.float64):
    t = torch.from_numpy(np.ascontiguousarray(maps)).to(dtype)[:, None]
    r = F.interpolate(t, size=tuple(out_shape), mode=MODES[len(out_shape)], align_corners=False)
    return r[:, 0].to(torch.float64).numpy()


def ref_pipeline(method, a, g, relu=True, normalize=True, out_shape=()):
    cam = ref_raw(method, a, g)
    if relu:
        cam = np.maximum(cam, 0)
    if normalize:
        axes = tuple(range(1, cam.ndim))
        low = cam.min(axis=axes, keepdims=True)
        cam = cam - low
        cam = cam / (1e-7 + cam.max(axis=axes, keepdims=True))
    if out_shape:
        cam = torch_resize(cam, out_shape)
    return cam


# ---- random tensors through every method, rank, layout and option ------------------

rng = np.random.default_rng(20240611)
SHAPES = [  # (batch, channels, spatial, output shapes to try)
    (1, 1, (1,), [(), (3,)]),
    (2, 3, (3,), [(), (5,), (1,)]),
    (3, 7, (17,), [(), (40,), (6,)]),
    (2, 16, (2, 2), [(), (4, 4), (1, 3)]),
    (3, 5, (7, 6), [(), (14, 3), (32, 32)]),
    (1, 2, (1, 5), [(), (3, 5)]),
    (2, 4, (3, 5, 4), [(), (6, 2, 9), (3, 5, 4)]),
    (1, 40, (2, 3, 2), [(), (4, 4, 4)]),
    (2, 6, (40, 32), [(), (64, 48)]),  # long rows: the four-channel weighted pass, then a tail
]
for method, (batch, channels, spatial, outs), layout in itertools.product(range(8), SHAPES, (FIRST, LAST)):
    signed_a = method != PLUS_PLUS  # Grad-CAM++ is meant for (post-ReLU) non-negative activations
    a = rng.standard_normal((batch, channels) + spatial)
    a = a if signed_a else np.abs(a)
    g = rng.standard_normal(a.shape)
    a = a.astype(np.float32).astype(np.float64)
    g = g.astype(np.float32).astype(np.float64)
    for out_shape, relu, normalize in itertools.product(outs, (1, 0), (1, 0)):
        cam = Cam(method, layout, relu, normalize, out_shape)
        got = cam.compute(a, None if method == EIGEN else g)
        ref = ref_pipeline(method, a, g, relu, normalize, out_shape)
        ok, err = close(got, ref)
        expect(f"{METHOD_NAMES[method]} layout={layout} {a.shape} -> {out_shape} relu={relu} "
               f"normalize={normalize}: max rel err {err:.3g}", ok)
    rc, w = Cam(method, layout).weights(a, g)
    if method in (GRADCAM, PLUS_PLUS, XGRADCAM):
        ok, err = close(w, ref_weights(method, a, g))
        expect(f"weights {METHOD_NAMES[method]} layout={layout} {a.shape}: rc {rc}, err {err:.3g}",
               rc == 0 and ok)
    else:
        expect(f"weights of {METHOD_NAMES[method]} must be refused", rc == -1)

# ---- resizing alone: the map of HiResCAM with one channel and unit gradients is A ----

for spatial, out_shape in [((1,), (3,)), ((2,), (4,)), ((4,), (2,)), ((3,), (1,)), ((3,), (5,)),
                           ((13,), (7,)), ((5, 3), (2, 11)), ((4, 6, 2), (7, 3, 5)), ((2, 2, 2), (1, 1, 1))]:
    a = rng.standard_normal((2, 1) + spatial).astype(np.float32).astype(np.float64)
    got = Cam(HIRES, FIRST, 0, 0, out_shape).compute(a, np.ones_like(a))
    ok64, err64 = close(got, torch_resize(a[:, 0], out_shape))
    ok32, err32 = close(got, torch_resize(a[:, 0], out_shape, torch.float32))
    expect(f"resize {spatial} -> {out_shape}: float64 err {err64:.3g}, float32 err {err32:.3g}", ok64 and ok32)

# ---- Eigen-CAM: the sign does not depend on the sign of the input --------------------

for spatial in [(9,), (3, 4), (2, 3, 2)]:
    a = rng.standard_normal((1, 4) + spatial).astype(np.float32).astype(np.float64)
    cam = Cam(EIGEN, FIRST, 0, 0)
    expect(f"Eigen-CAM sign invariance {spatial}", np.array_equal(cam.compute(a, None), cam.compute(-a, None)))

# ---- a non-finite input is refused and named ------------------------------------------

a = rng.standard_normal((2, 3, 4, 5))
g = rng.standard_normal(a.shape)
g[1, 2, 3, 1] = np.nan
cam = Cam(GRADCAM)
out = np.full((2, 4, 5), 7.0, dtype=np.float32)
a32, g32 = cam._args(a, g)
rc = lib.trm_cam_compute_f32(cam.h, ptr(a32), ptr(g32), 2, 3, 2, sizes((4, 5)), ptr(out))
expect("NaN gradient refused, output untouched, index named",
       rc == NONFINITE and np.all(out == 7.0) and b"channel 2, position (3, 1)" in lib.trm_last_error())

# ---- Grad-CAM of a small CNN, activations and gradients taken by hooks ----------------

torch.manual_seed(7)
net = torch.nn.Sequential(
    torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(),
    torch.nn.Conv2d(8, 16, 3, padding=1, stride=2), torch.nn.ReLU(),
    torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(16, 5))
target_layer = net[3]
captured = {}
target_layer.register_forward_hook(lambda module, inputs, output: captured.__setitem__("a", output))
target_layer.register_full_backward_hook(lambda module, gin, gout: captured.__setitem__("g", gout[0]))
images = torch.randn(3, 3, 32, 32)
scores = net(images)
targets = [1, 4, 0]
net.zero_grad()
sum(scores[i, t] for i, t in enumerate(targets)).backward()
acts = captured["a"].detach().double()
grads = captured["g"].detach().double()
with torch.no_grad():
    weights = grads.mean(dim=(2, 3), keepdim=True)
    maps = torch.relu((weights * acts).sum(dim=1))
    flat = maps.reshape(maps.shape[0], -1)
    maps = maps - flat.min(dim=1).values[:, None, None]
    maps = maps / (1e-7 + maps.reshape(maps.shape[0], -1).max(dim=1).values[:, None, None])
    maps = F.interpolate(maps[:, None], size=(32, 32), mode="bilinear", align_corners=False)[:, 0]
for layout in (FIRST, LAST):
    got = Cam(GRADCAM, layout, out_shape=(32, 32)).compute(acts.numpy(), grads.numpy())
    ok, err = close(got, maps.numpy())
    expect(f"CNN Grad-CAM through hooks, layout {layout}: err {err:.3g}", ok)

# ---- colormaps and the overlay ---------------------------------------------------------

def lib_colormap(values, colormap):
    values = np.ascontiguousarray(values, dtype=np.float32)
    rgb = np.zeros((values.size, 3), dtype=np.uint8)
    assert lib.trm_colormap_apply(ptr(values), values.size, colormap, ptr(rgb, U8P)) == 0
    return rgb


def jet_formula():
    x = np.arange(256) / 255.0
    cols = [np.clip(np.minimum(4 * x + lo, hi - 4 * x), 0, 1) for lo, hi in ((-1.5, 4.5), (-0.5, 3.5), (0.5, 2.5))]
    # 255 * value is exactly k + 0.5 on every slope: round those half to even, as OpenCV's cvRound.
    table = np.stack([np.round(np.round(255 * c * 2) / 2) for c in cols], axis=1).astype(int)
    table[159, 2] = 1  # OpenCV's own table entry, just below 1.5/255
    return table


# Values strictly inside each bin, so float32 and exact products agree on floor(255 v).
centres = (np.arange(256) + 0.5) / 255.0
centres[-1] = 1.0
if cv2 is not None:
    codes = {JET: cv2.COLORMAP_JET, VIRIDIS: cv2.COLORMAP_VIRIDIS, INFERNO: cv2.COLORMAP_INFERNO}
    for colormap, code in codes.items():
        ref = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], code)[:, 0, ::-1]
        expect(f"colormap {colormap} equals OpenCV", np.array_equal(lib_colormap(centres, colormap), ref))
else:
    expect("JET formula", np.array_equal(lib_colormap(centres, JET), jet_formula()))
    try:
        import matplotlib
    except ImportError:
        print("neither cv2 nor matplotlib: VIRIDIS and INFERNO tables not compared")
    else:
        for colormap, name in ((VIRIDIS, "viridis"), (INFERNO, "inferno")):
            ref = np.rint(255 * np.array(matplotlib.colormaps[name].colors)).astype(int)
            expect(f"colormap {name}", np.array_equal(lib_colormap(centres, colormap), ref))
expect("GRAY", np.array_equal(lib_colormap(centres, GRAY), np.repeat(np.arange(256)[:, None], 3, axis=1)))
expect("clamping", np.array_equal(lib_colormap([-3.0, 7.0], JET), lib_colormap([0.0, 1.0], JET)))


def show_cam_on_image(img, mask, colormap, image_weight, dtype):
    """pytorch-grad-cam's show_cam_on_image(img, mask, use_rgb=True, colormap, image_weight)."""
    heat = lib_colormap(mask.ravel(), colormap).reshape(img.shape)
    if cv2 is not None and colormap != GRAY:
        code = {JET: cv2.COLORMAP_JET, VIRIDIS: cv2.COLORMAP_VIRIDIS, INFERNO: cv2.COLORMAP_INFERNO}[colormap]
        heat = cv2.cvtColor(cv2.applyColorMap(np.uint8(255 * mask), code), cv2.COLOR_BGR2RGB)
    heat = heat.astype(dtype) / 255
    cam = (1 - image_weight) * heat + image_weight * (img.astype(dtype) / 255)
    cam = cam / np.max(cam)
    if dtype == np.float64:
        return np.floor(255 * cam + 1e-9).astype(np.uint8)  # the library's documented slack
    return np.uint8(255 * cam)


for colormap, weight in itertools.product(range(4), (0.0, 0.3, 0.5, 1.0)):
    img = rng.integers(0, 256, size=(12, 9, 3), dtype=np.uint8)
    # float64 masks strictly inside bins, so that every reference sees the same colour index
    mask = ((rng.integers(0, 256, size=(12, 9)) + 0.5) / 255.0).astype(np.float32)
    out = np.zeros_like(img)
    rc = lib.trm_cam_overlay_rgb8(ptr(img, U8P), ptr(mask), mask.size, colormap, weight, ptr(out, U8P))
    exact = show_cam_on_image(img, mask, colormap, np.float32(weight).astype(np.float64), np.float64)
    single = show_cam_on_image(img, mask, colormap, weight, np.float32)
    diff32 = np.abs(out.astype(int) - single.astype(int)).max()
    expect(f"overlay colormap {colormap} weight {weight}: rc {rc}, float64 reference equal, float32 "
           f"pytorch-grad-cam within 1 (max diff {diff32})",
           rc == 0 and np.array_equal(out, exact) and diff32 <= 1)

sys.exit(tally.summary())
