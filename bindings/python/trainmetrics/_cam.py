# SPDX-License-Identifier: MIT
"""Class activation maps (the Grad-CAM family), colormaps and overlays."""
import ctypes as C

import numpy as np

from ._args import c_integer
from ._arrays import as_array
from ._errors import InvalidArgumentError, MismatchError
from ._lib import H, SZ, call, lib, register_translation

METHODS = {"gradcam": 0, "gradcam++": 1, "gradcam_plus_plus": 1, "xgradcam": 2, "hirescam": 3,
           "gradcam_elementwise": 4, "layercam": 5, "eigencam": 6, "eigengradcam": 7}
LAYOUTS = {"channels_first": 0, "channels_last": 1}
LAYOUT_NAMES = {code: name for name, code in LAYOUTS.items()}
COLORMAPS = {"jet": 0, "viridis": 1, "inferno": 2, "gray": 3}
_METHOD_NAMES = {0: "gradcam", 1: "gradcam++", 2: "xgradcam", 3: "hirescam", 4: "gradcam_elementwise",
                 5: "layercam", 6: "eigencam", 7: "eigengradcam"}
assert all(METHODS[name] == code for code, name in _METHOD_NAMES.items())

register_translation(r"method (\d+) has no channel weights \(only GRADCAM, GRADCAM_PLUS_PLUS and XGRADCAM do\)",
                     lambda m: f"method={_METHOD_NAMES.get(int(m.group(1)), m.group(1))!r} has no channel weights "
                               "(only 'gradcam', 'gradcam++' and 'xgradcam' do)")


def _key(table, key, what):
    if key not in table:
        raise InvalidArgumentError(f"{what} must be one of {list(table)}, got {key!r}")
    return table[key]


def _sizes(dims):
    return (SZ * max(len(dims), 1))(*dims)


def _float32(values, name="array"):
    if values is None:
        return None
    return np.ascontiguousarray(as_array(values, name), dtype=np.float32)


class CAM:
    """A reusable calculator: it keeps its workspace between calls of the same shapes.

    ``method`` is one of 'gradcam', 'gradcam++', 'xgradcam', 'hirescam',
    'gradcam_elementwise', 'layercam', 'eigencam', 'eigengradcam'; ``layout``
    'channels_first' for (N, C, spatial...) tensors or 'channels_last' for
    (N, spatial..., C); 1 to 3 spatial axes, so a 3-D array is always a batch of
    1-D maps, (N, C, L) or (N, L, C). A single image's (C, H, W) needs its batch
    axis (``activations[None]``): with a 2-D ``output_shape`` a 3-D array raises
    ValueError naming the expected shape rather than being read as (N, C, L), and
    any input whose spatial axes do not match ``output_shape`` or that has an
    empty axis raises too. ``output_shape`` resizes every map
    (linear, bilinear or trilinear with half-pixel centres, as torch's
    ``interpolate(align_corners=False)``); None keeps the feature resolution.
    """

    __slots__ = ("_h", "_layout", "_output_shape")

    def __init__(self, method="gradcam", *, layout="channels_first", relu=True, normalize=True,
                 output_shape=None):
        self._h = H()
        call("trm_cam_new", C.byref(self._h), _key(METHODS, method, "method"), None)
        self._layout = _key(LAYOUTS, layout, "layout")
        call("trm_cam_set_layout", self._h, self._layout)
        call("trm_cam_set_relu", self._h, 1 if relu else 0)
        call("trm_cam_set_normalize", self._h, 1 if normalize else 0)
        if output_shape is not None:
            if isinstance(output_shape, (int, np.integer)) or isinstance(output_shape, (str, bytes)):
                raise InvalidArgumentError(f"output_shape must be a tuple of 1 to 3 sizes, got {output_shape!r}")
            output_shape = tuple(c_integer(d, f"output_shape[{i}]", "size_t") for i, d in enumerate(output_shape))
        self._output_shape = output_shape
        dims = self._output_shape or ()
        call("trm_cam_set_output_shape", self._h, len(dims), _sizes(dims))

    def __del__(self):
        handle = getattr(self, "_h", None)
        if handle:
            lib.trm_cam_free(handle)
            self._h = None

    def _split(self, activations, gradients):
        a = _float32(activations, "activations")
        g = _float32(gradients, "gradients")
        layout = "(N, C, L), (N, C, H, W) or (N, C, D, H, W)" if self._layout == 0 else \
            "(N, L, C), (N, H, W, C) or (N, D, H, W, C)"
        if a.ndim < 3 or a.ndim > 5:
            hint = " (add the batch axis: activations[None])" if a.ndim == 2 else ""
            raise InvalidArgumentError(f"activations must have 3 to 5 axes (batch, channels and 1 to 3 spatial): "
                                       f"{layout} for layout={LAYOUT_NAMES[self._layout]!r}, got shape "
                                       f"{a.shape}{hint}")
        if g is not None and g.shape != a.shape:
            raise MismatchError(f"gradients have shape {g.shape}, activations {a.shape}")
        if self._layout == 0:
            channels, spatial = a.shape[1], a.shape[2:]
        else:
            channels, spatial = a.shape[-1], a.shape[1:-1]
        if self._output_shape is not None and len(self._output_shape) != len(spatial):
            # A 3-D array read as (N, C, L) against a 2-D output_shape is most often a
            # single (C, H, W) map without its batch axis: say so instead of guessing.
            want = len(self._output_shape)
            axes = ("N", "C") + ("D", "H", "W")[3 - want:] if self._layout == 0 else \
                ("N",) + ("D", "H", "W")[3 - want:] + ("C",)
            hint = ""
            if a.ndim == want + 1:
                hint = (f"; a single map of shape {a.shape} needs its batch axis (activations[None]"
                        + (", gradients[None]" if g is not None else "") + ")")
            raise InvalidArgumentError(
                f"output_shape={self._output_shape} has {want} spatial {'axis' if want == 1 else 'axes'}, so activations must have shape "
                f"({', '.join(axes)}) for layout={LAYOUT_NAMES[self._layout]!r}; got shape {a.shape}, read as "
                f"{len(spatial)} spatial {'axis' if len(spatial) == 1 else 'axes'} {tuple(spatial)}{hint}")
        if 0 in a.shape:
            raise InvalidArgumentError(f"activations of shape {a.shape} have an empty axis: expected {layout} "
                                       f"for layout={LAYOUT_NAMES[self._layout]!r}, every size >= 1")
        return a, g, a.shape[0], channels, tuple(spatial)

    def __call__(self, activations, gradients=None):
        """The maps of a batch: float32 of shape (batch, *output spatial shape)."""
        a, g, batch, channels, spatial = self._split(activations, gradients)
        out = np.empty((batch,) + (self._output_shape or spatial), dtype=np.float32)
        call("trm_cam_compute_f32", self._h, a.ctypes.data, None if g is None else g.ctypes.data, batch,
             channels, len(spatial), _sizes(spatial), out.ctypes.data)
        return out

    def weights(self, activations, gradients):
        """Channel weights of gradcam, gradcam++ and xgradcam: float32 of shape (batch, channels)."""
        a, g, batch, channels, spatial = self._split(activations, gradients)
        if g is None:
            raise InvalidArgumentError("weights need gradients")
        out = np.empty((batch, channels), dtype=np.float32)
        call("trm_cam_weights_f32", self._h, a.ctypes.data, g.ctypes.data, batch, channels, len(spatial),
             _sizes(spatial), out.ctypes.data)
        return out


def cam(activations, gradients=None, method="gradcam", **options):
    """Class activation maps of a batch in one call; see :class:`CAM` for the options."""
    return CAM(method, **options)(activations, gradients)


def colormap(values, name="jet"):
    """RGB bytes of values in [0, 1] (clamped): uint8 of shape values.shape + (3,).

    'jet' is OpenCV's COLORMAP_JET, 'viridis' and 'inferno' matplotlib's tables
    (equal to OpenCV's), 'gray' r = g = b = floor(255 v).
    """
    v = _float32(values, "values")
    rgb = np.empty(v.shape + (3,), dtype=np.uint8)
    call("trm_colormap_apply", v.ctypes.data, v.size, _key(COLORMAPS, name, "colormap"), rgb.ctypes.data)
    return rgb


def overlay(image, cam_map, colormap="jet", image_weight=0.5):
    """pytorch-grad-cam's ``show_cam_on_image(image / 255, cam_map, use_rgb=True, image_weight=...)``.

    ``image`` is uint8 RGB of shape (..., 3), ``cam_map`` the matching values in
    [0, 1] of shape image.shape[:-1]; returns uint8 of the image's shape.
    """
    img = as_array(image, "image")
    if img.dtype != np.uint8:
        raise TypeError(f"image must be uint8 RGB, got dtype {img.dtype}")
    if img.ndim < 1 or img.shape[-1] != 3:
        raise InvalidArgumentError(f"image must have 3 channels on its last axis, got shape {img.shape}")
    img = np.ascontiguousarray(img)
    m = _float32(cam_map, "cam_map")
    if m.shape != img.shape[:-1]:
        raise MismatchError(f"cam_map has shape {m.shape}, the image {img.shape[:-1]}")
    out = np.empty_like(img)
    call("trm_cam_overlay_rgb8", img.ctypes.data, m.ctypes.data, m.size, _key(COLORMAPS, colormap, "colormap"),
         float(image_weight), out.ctypes.data)
    return out
