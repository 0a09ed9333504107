# SPDX-License-Identifier: MIT
"""Class activation maps (the Grad-CAM family), colormaps and overlays."""
import ctypes as C
import numbers
import sys

import numpy as np

from ._args import c_integer
from ._arrays import as_array
from ._errors import InvalidArgumentError, MismatchError, TrainmetricsError
from ._lib import FORWARD_FN, H, SZ, call, lib, register_translation

METHODS = {"gradcam": 0, "gradcam++": 1, "gradcam_plus_plus": 1, "xgradcam": 2, "hirescam": 3,
           "gradcam_elementwise": 4, "layercam": 5, "eigencam": 6, "eigengradcam": 7, "scorecam": 8,
           "ablationcam": 9}
FORWARD_METHODS = (8, 9)
LAYOUTS = {"channels_first": 0, "channels_last": 1}
LAYOUT_NAMES = {code: name for name, code in LAYOUTS.items()}
COLORMAPS = {"jet": 0, "viridis": 1, "inferno": 2, "gray": 3, "turbo": 4}
# normalize=: True and False stay the 0.2 spellings of "minmax" and "none".
NORMALIZE = {"none": 0, "minmax": 1, "minmax_after_resize": 2}
RESIZES = {"linear": 0, "cubic_spline": 1}
# cam(preset=...): the options each preset sets unless given explicitly.
PRESETS = {"pytorch-grad-cam": {"normalize": "minmax_after_resize"}, "trainmetrics": {"normalize": "minmax"}}
_METHOD_NAMES = {0: "gradcam", 1: "gradcam++", 2: "xgradcam", 3: "hirescam", 4: "gradcam_elementwise",
                 5: "layercam", 6: "eigencam", 7: "eigengradcam", 8: "scorecam", 9: "ablationcam"}
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


def _normalize_code(normalize):
    if isinstance(normalize, str):
        return _key(NORMALIZE, normalize, "normalize")
    return 1 if normalize else 0


def _torch_module(forward):
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(forward, torch.nn.Module)


def _torch_scores(module, targets, unperturbed):
    """A forward(batch, sample) of a torch module: the logit of each sample's target
    class, the argmax of the module on the unperturbed tensor when targets is None."""
    import torch

    def logits(batch):
        with torch.no_grad():
            out = module(torch.from_numpy(np.array(batch)))  # a copy: torch wants writable memory
        return out.reshape(out.shape[0], -1).double().numpy()

    chosen = {}

    def forward(batch, sample):
        if sample not in chosen:
            if targets is not None:
                chosen[sample] = int(targets[sample])
            else:
                chosen[sample] = int(np.argmax(logits(np.ascontiguousarray(unperturbed[sample:sample + 1]))[0]))
        return logits(batch)[:, chosen[sample]]

    return forward


class _Trampoline:
    """The C callback around a Python forward(batch, sample): it hands over the
    tensors as a read-only array (valid during the call only), writes the scores
    back and keeps the first exception, which the caller re-raises."""

    def __init__(self, forward, item_shape):
        self.forward = forward
        self.item_shape = tuple(item_shape)
        self.item_size = int(np.prod(self.item_shape))
        self.error = None
        self.c_function = FORWARD_FN(self._call)

    def _call(self, _opaque, sample, inputs, n_inputs, scores):
        try:
            batch = np.ctypeslib.as_array(inputs, shape=(n_inputs * self.item_size,))
            batch = batch.reshape((n_inputs,) + self.item_shape)
            batch.flags.writeable = False
            got = np.asarray(self.forward(batch, int(sample)), dtype=np.float64).reshape(-1)
            if got.shape != (n_inputs,):
                raise ValueError(f"forward must return {n_inputs} scores for a batch of {n_inputs}, got "
                                 f"{got.size}")
            np.ctypeslib.as_array(scores, shape=(n_inputs,))[:] = got
            return 0
        except BaseException as error:  # noqa: B902 - handed back to the caller, not swallowed
            if self.error is None:
                self.error = error
            return 1


class CAM:
    """A reusable calculator: it keeps its workspace between calls of the same shapes.

    ``method`` is one of 'gradcam', 'gradcam++', 'xgradcam', 'hirescam',
    'gradcam_elementwise', 'layercam', 'eigencam', 'eigengradcam', and the
    gradient-free 'scorecam' and 'ablationcam', which run the model through
    ``forward=`` (see :meth:`__call__`; ``forward_batch`` is the most tensors
    one forward call gets, pytorch-grad-cam's ``batch_size``: 16 for Score-CAM,
    32 for Ablation-CAM by default; ``ratio_channels_to_ablate``, 1 by default, is
    pytorch-grad-cam's experimental Ablation-CAM shortcut: a ratio r < 1 ablates
    only the floor(C r) channels with the most and the floor(C r) with the least of
    their activation inside the Eigen-CAM objectness mask, and gives the others
    weight 0, see ``trm_cam_set_ablation_ratio``); ``layout``
    'channels_first' for (N, C, spatial...) tensors or 'channels_last' for
    (N, spatial..., C); 1 to 3 spatial axes, so a 3-D array is always a batch of
    1-D maps, (N, C, L) or (N, L, C). A single image's (C, H, W) needs its batch
    axis (``activations[None]``): with a 2-D ``output_shape`` a 3-D array raises
    ValueError naming the expected shape rather than being read as (N, C, L), and
    any input whose spatial axes do not match ``output_shape`` or that has an
    empty axis raises too. ``output_shape`` resizes every map
    (linear, bilinear or trilinear with half-pixel centres, as torch's
    ``interpolate(align_corners=False)``), or with ``resize="cubic_spline"`` as
    ``scipy.ndimage.zoom`` (order 3, its defaults), which pytorch-grad-cam uses for
    volumes; None keeps the feature resolution.
    ``normalize`` is True or 'minmax' (the default, as the C library: min-max
    normalization at the feature resolution, then the resize), 'minmax_after_resize'
    (pytorch-grad-cam's order: normalize, resize, normalize again, so resized maps
    peak within 1e-6 of 1), or False / 'none'. :func:`cam` defaults to pytorch-grad-cam's.
    """

    __slots__ = ("_h", "_layout", "_output_shape", "_method")

    def __init__(self, method="gradcam", *, layout="channels_first", relu=True, normalize=True,
                 output_shape=None, resize="linear", forward_batch=None, ratio_channels_to_ablate=None):
        self._h = H()
        self._method = _key(METHODS, method, "method")
        call("trm_cam_new", C.byref(self._h), self._method, None)
        self._layout = _key(LAYOUTS, layout, "layout")
        call("trm_cam_set_layout", self._h, self._layout)
        call("trm_cam_set_relu", self._h, 1 if relu else 0)
        call("trm_cam_set_normalize", self._h, _normalize_code(normalize))
        call("trm_cam_set_resize", self._h, _key(RESIZES, resize, "resize"))
        if forward_batch is not None:
            call("trm_cam_set_forward_batch", self._h, c_integer(forward_batch, "forward_batch", "size_t"))
        if ratio_channels_to_ablate is not None:
            if isinstance(ratio_channels_to_ablate, bool) or not isinstance(ratio_channels_to_ablate, numbers.Real):
                raise InvalidArgumentError(f"ratio_channels_to_ablate must be a number in (0, 1], got "
                                           f"{ratio_channels_to_ablate!r}")
            call("trm_cam_set_ablation_ratio", self._h, float(ratio_channels_to_ablate))
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

    def _forward(self, name, a, batch, channels, spatial, forward, inputs, targets, out):
        if forward is None:
            raise InvalidArgumentError(f"method={_METHOD_NAMES[self._method]!r} needs forward=: a torch module "
                                       "or a callable forward(batch, sample) returning one score per tensor")
        x = None
        if self._method == 8:
            if inputs is None:
                raise InvalidArgumentError("scorecam needs inputs=: the model inputs the activations came from")
            x = _float32(inputs)
            if x.ndim != a.ndim or x.shape[0] != batch:
                raise MismatchError(f"inputs of shape {x.shape} do not match activations of shape {a.shape}: "
                                    "expected the same batch and number of spatial axes")
            in_channels, in_spatial = (x.shape[1], x.shape[2:]) if self._layout == 0 else (x.shape[-1], x.shape[1:-1])
            item_shape = x.shape[1:]
        else:
            in_channels, in_spatial = 0, ()
            item_shape = a.shape[1:]
        if _torch_module(forward):
            forward = _torch_scores(forward, targets, x if self._method == 8 else a)
        elif targets is not None:
            raise InvalidArgumentError("targets= goes with a torch module; a forward callable picks its own scores")
        trampoline = _Trampoline(forward, item_shape)
        try:
            call(name, self._h, a.ctypes.data, batch, channels, len(spatial), _sizes(spatial),
                 None if x is None else x.ctypes.data, in_channels, _sizes(tuple(in_spatial) or (0,)),
                 trampoline.c_function, None, out.ctypes.data)
        except TrainmetricsError as error:
            if trampoline.error is not None:
                raise trampoline.error from error
            raise

    def __call__(self, activations, gradients=None, *, forward=None, inputs=None, targets=None):
        """The maps of a batch: float32 of shape (batch, *output spatial shape).

        'scorecam' and 'ablationcam' take no gradients but ``forward=``: a torch
        module, or a callable ``forward(batch, sample)`` returning one target score
        per tensor of ``batch`` (a read-only float32 array, valid during the call
        only). Score-CAM gives it masked copies of ``inputs`` (the model inputs,
        same layout, batch and number of spatial axes as the activations), so the
        module is the whole model; Ablation-CAM gives it copies of one sample's
        activations with a channel ablated, so the module is the part of the
        model after the target layer. With a module, ``targets`` lists each
        sample's class (None: the class the module predicts for the unperturbed
        sample, as pytorch-grad-cam does).
        """
        if self._method in FORWARD_METHODS:
            if gradients is not None:
                raise InvalidArgumentError(f"method={_METHOD_NAMES[self._method]!r} takes no gradients")
            a, _, batch, channels, spatial = self._split(activations, None)
            out = np.empty((batch,) + (self._output_shape or spatial), dtype=np.float32)
            self._forward("trm_cam_compute_forward_f32", a, batch, channels, spatial, forward, inputs, targets, out)
            return out
        if forward is not None or inputs is not None or targets is not None:
            raise InvalidArgumentError(f"forward=, inputs= and targets= are for 'scorecam' and 'ablationcam', not "
                                       f"{_METHOD_NAMES[self._method]!r}")
        a, g, batch, channels, spatial = self._split(activations, gradients)
        out = np.empty((batch,) + (self._output_shape or spatial), dtype=np.float32)
        call("trm_cam_compute_f32", self._h, a.ctypes.data, None if g is None else g.ctypes.data, batch,
             channels, len(spatial), _sizes(spatial), out.ctypes.data)
        return out

    def weights(self, activations, gradients=None, *, forward=None, inputs=None, targets=None):
        """Channel weights of gradcam, gradcam++, xgradcam (from gradients) and of scorecam and
        ablationcam (from ``forward=``, as in :meth:`__call__`): float32 of shape (batch, channels)."""
        if self._method in FORWARD_METHODS:
            a, _, batch, channels, spatial = self._split(activations, None)
            out = np.empty((batch, channels), dtype=np.float32)
            self._forward("trm_cam_forward_weights_f32", a, batch, channels, spatial, forward, inputs, targets, out)
            return out
        a, g, batch, channels, spatial = self._split(activations, gradients)
        if g is None:
            raise InvalidArgumentError("weights need gradients")
        out = np.empty((batch, channels), dtype=np.float32)
        call("trm_cam_weights_f32", self._h, a.ctypes.data, g.ctypes.data, batch, channels, len(spatial),
             _sizes(spatial), out.ctypes.data)
        return out


def cam(activations, gradients=None, method="gradcam", *, preset="pytorch-grad-cam", forward=None, inputs=None,
        targets=None, **options):
    """Class activation maps of a batch in one call; see :class:`CAM` for the options.

    ``preset`` picks the defaults of the options not given:

    * ``"pytorch-grad-cam"`` (the default here): its output pipeline, ReLU, min-max
      normalization, the resize to ``output_shape``, then min-max again
      (``normalize="minmax_after_resize"``), so resized maps peak within 1e-6 of 1 as
      pytorch-grad-cam's do; a 3-D ``output_shape`` is reached with scipy's cubic
      spline (``resize="cubic_spline"``) as pytorch-grad-cam zooms volumes; the
      numbers to compare with pytorch-grad-cam.
    * ``"trainmetrics"``: the C library's and :class:`CAM`'s defaults, ReLU and one
      min-max normalization before the resize (``normalize="minmax"``), which keeps
      the feature-resolution values and lets resized maps peak below 1.

    Without ``output_shape`` the two differ only by float rounding (below 2e-7).
    ``forward``, ``inputs`` and ``targets`` are for 'scorecam' and 'ablationcam'
    (see :meth:`CAM.__call__`).
    """
    if preset not in PRESETS:
        raise InvalidArgumentError(f"preset must be one of {list(PRESETS)}, got {preset!r}")
    options = {**PRESETS[preset], **options}
    calc = CAM(method, **options)
    # pytorch-grad-cam resizes images with cv2.resize (linear) and volumes with scipy's zoom
    if preset == "pytorch-grad-cam" and "resize" not in options and len(calc._output_shape or ()) == 3:
        call("trm_cam_set_resize", calc._h, RESIZES["cubic_spline"])
    if forward is None and inputs is None and targets is None:
        return calc(activations, gradients)
    return calc(activations, gradients, forward=forward, inputs=inputs, targets=targets)


def colormap(values, name="jet"):
    """RGB bytes of values in [0, 1] (clamped): uint8 of shape values.shape + (3,).

    'jet' is OpenCV's COLORMAP_JET, 'viridis' and 'inferno' matplotlib's tables
    (equal to OpenCV's), 'turbo' matplotlib's turbo table (Google's, Apache-2.0
    data), 'gray' r = g = b = floor(255 v).
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
