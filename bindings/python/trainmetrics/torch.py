# SPDX-License-Identifier: MIT
"""Capturing activations and gradients of a torch model, and its class activation maps.

The pieces pytorch-grad-cam's wrapper has, on top of :func:`trainmetrics.cam`:

* :class:`ActivationsAndGradients`, a context manager that registers a forward
  hook on each target layer (keeping a detached copy of its output) and a
  tensor hook on that output (keeping its gradient when a backward pass reaches
  it), and removes every hook on exit;
* targets, callables that pick the score to explain from one sample's model
  output: :class:`ClassifierOutputTarget` (the raw logit of a class) and
  :class:`ClassifierOutputSoftmaxTarget` (its softmax probability);
* :func:`cam_for`, which runs the forward and backward passes and hands the
  captured tensors to :func:`trainmetrics.cam`.

torch is imported when one of these is used, never by ``import trainmetrics``
(``import trainmetrics.torch`` itself does not need torch either).
"""
import numpy as np

from ._cam import CAM, METHODS
from ._errors import InvalidArgumentError

__all__ = ["ActivationsAndGradients", "ClassifierOutputSoftmaxTarget", "ClassifierOutputTarget", "cam_for"]

# Methods whose maps are computed from the activations alone: no backward pass.
GRADIENT_FREE = frozenset({"eigencam"})


def _torch():
    import torch  # deferred: the package must import without torch
    return torch


def _select(model_output, category):
    """One sample's output (C,) or a batch's (N, C), at ``category``."""
    if model_output.ndim == 1:
        return model_output[category]
    return model_output[:, category]


class ClassifierOutputTarget:
    """The raw model output (logit) of class ``category``: pytorch-grad-cam's target of the same name."""

    def __init__(self, category):
        self.category = int(category)

    def __call__(self, model_output):
        return _select(model_output, self.category)

    def __repr__(self):
        return f"ClassifierOutputTarget({self.category})"


class ClassifierOutputSoftmaxTarget:
    """The softmax probability of class ``category`` over the last axis of the output."""

    def __init__(self, category):
        self.category = int(category)

    def __call__(self, model_output):
        return _select(_torch().softmax(model_output, dim=-1), self.category)

    def __repr__(self):
        return f"ClassifierOutputSoftmaxTarget({self.category})"


class ActivationsAndGradients:
    """Hooks on ``target_layers`` of ``model`` that keep their outputs and gradients.

    ``with ActivationsAndGradients(model, [model.layer4]) as capture:`` then
    ``output = capture(x)`` runs the model; ``capture.activations`` holds one
    detached tensor per hooked call, in forward order (a layer called twice
    appears twice), and after ``output[...].backward()`` (or
    ``torch.autograd.grad``) ``capture.gradients[i]`` is the gradient of
    ``capture.activations[i]`` (None where no gradient reached it).
    ``reshape_transform`` maps a layer output to the (N, C, spatial...) layout
    (a vision transformer's tokens, say) before anything is kept. Each call of
    the wrapper starts with empty lists. The model goes on with a copy of each
    hooked output, so an in-place operation after the layer
    (``ReLU(inplace=True)``) changes neither the activation nor its gradient.
    Leaving the ``with`` block, or :meth:`release`, removes every hook.
    """

    def __init__(self, model, target_layers, reshape_transform=None):
        if not target_layers:
            raise InvalidArgumentError("target_layers must name at least one module of the model")
        self.model = model
        self.target_layers = list(target_layers)
        self.reshape_transform = reshape_transform
        self.activations = []
        self.gradients = []
        self.outputs = []  # the layers' own outputs (in the graph), for torch.autograd.grad
        self._handles = [layer.register_forward_hook(self._save_activation) for layer in self.target_layers]

    def _save_activation(self, module, inputs, output):
        torch = _torch()
        if not isinstance(output, torch.Tensor):
            raise InvalidArgumentError(f"target layer {type(module).__name__} returned a {type(output).__name__}, "
                                       "not a tensor: hook a layer with a tensor output")
        value = output if self.reshape_transform is None else self.reshape_transform(output)
        slot = len(self.activations)
        self.activations.append(value.detach())
        self.gradients.append(None)
        self.outputs.append(output)
        if output.requires_grad:
            output.register_hook(lambda grad, slot=slot: self.store_gradient(slot, grad))
        # The rest of the model gets an equal copy, so an in-place operation after the
        # layer (ReLU(inplace=True)) changes neither the kept activation nor the
        # tensor whose gradient is taken: both stay the layer's own output.
        return output.clone()

    def store_gradient(self, slot, grad):
        """Keep ``grad`` as the gradient of ``activations[slot]`` (reshape_transform applied)."""
        if self.reshape_transform is not None:
            grad = self.reshape_transform(grad)
        self.gradients[slot] = grad.detach().clone()

    def __call__(self, x):
        self.activations, self.gradients, self.outputs = [], [], []
        return self.model(x)

    def release(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
        return False


def _default_targets(output):
    """pytorch-grad-cam's default: each sample's highest-scoring class."""
    categories = np.argmax(output.detach().cpu().numpy(), axis=-1)
    return [ClassifierOutputTarget(int(c)) for c in np.atleast_1d(categories)]


def _min_max(maps):
    """pytorch-grad-cam's scale_cam_image per sample: (x - min) / (max - min + 1e-7)."""
    axes = tuple(range(1, maps.ndim))
    low = maps.min(axis=axes, keepdims=True)
    shifted = maps - low
    return (shifted / (shifted.max(axis=axes, keepdims=True) + np.float32(1e-7))).astype(np.float32)


def cam_for(model, target_layers, input_tensor, targets=None, method="gradcam", *, reshape_transform=None,
            output_shape="input", relu=True, normalize=True, eval_mode=True, return_captured=False):
    """Class activation maps of ``input_tensor`` (N, C, spatial...) for ``targets``.

    Runs ``model`` forward with hooks on ``target_layers``, back-propagates the
    sum of each sample's target score (``targets[i](output[i])``; None picks each
    sample's argmax class, as pytorch-grad-cam) and computes one map per sample
    and layer with :class:`trainmetrics.CAM` (``method``, ``relu``, ``normalize``
    passed explicitly). ``output_shape='input'`` resizes the maps to the input's
    spatial shape, None keeps each layer's resolution, a tuple is used as is.
    Several layers are combined as pytorch-grad-cam does: the mean of the per-layer
    maps (clipped at 0 when ``relu``), min-max scaled again when ``normalize``;
    their resolutions must then match.
    The parameters' ``.grad`` are not touched (the gradients are taken with
    ``torch.autograd.grad``). ``eval_mode=True`` runs the model in eval mode and
    restores its mode afterwards. Returns float32 maps of shape (N, *spatial);
    with ``return_captured=True`` returns ``(maps, activations, gradients,
    output)``, the captured tensors as NumPy arrays and the model output.
    """
    torch = _torch()
    if method not in METHODS:
        raise InvalidArgumentError(f"method must be one of {list(METHODS)}, got {method!r}")
    if not isinstance(input_tensor, torch.Tensor):
        raise InvalidArgumentError(f"input_tensor must be a torch.Tensor, got {type(input_tensor).__name__}")
    if input_tensor.ndim < 3:
        raise InvalidArgumentError(f"input_tensor must be (N, C, spatial...), got shape {tuple(input_tensor.shape)}")
    if isinstance(output_shape, str):
        if output_shape != "input":
            raise InvalidArgumentError(f"output_shape must be 'input', None or a tuple, got {output_shape!r}")
        output_shape = tuple(input_tensor.shape[2:])
    was_training = model.training
    if eval_mode:
        model.eval()
    try:
        x = input_tensor.detach().requires_grad_(input_tensor.is_floating_point())
        with ActivationsAndGradients(model, target_layers, reshape_transform) as capture:
            with torch.enable_grad():
                output = capture(x)
                if targets is None:
                    targets = _default_targets(output)
                if len(targets) != output.shape[0]:
                    raise InvalidArgumentError(f"{len(targets)} targets for a batch of {output.shape[0]}")
                if method not in GRADIENT_FREE:
                    score = sum(target(sample) for target, sample in zip(targets, output))
                    slots = [i for i, o in enumerate(capture.outputs) if o.requires_grad]
                    if not slots:
                        raise InvalidArgumentError("no target layer output requires grad: nothing to "
                                                   "differentiate (are the layers before it frozen under no_grad?)")
                    # Tensor hooks do not see gradients that autograd.grad returns for its own
                    # inputs, so the capture is filled from what it returns.
                    grads = torch.autograd.grad(score, [capture.outputs[i] for i in slots], allow_unused=True)
                    for i, grad in zip(slots, grads):
                        if grad is not None:
                            capture.store_gradient(i, grad)
            activations = [a.cpu().numpy() for a in capture.activations]
            gradients = [None if g is None else g.cpu().numpy() for g in capture.gradients]
    finally:
        if eval_mode and was_training:
            model.train()
    if not activations:
        raise InvalidArgumentError("no target layer ran in the forward pass")
    engine = CAM(method, relu=relu, normalize=normalize, output_shape=output_shape)
    maps = []
    for a, g in zip(activations, gradients):
        if g is None and method not in GRADIENT_FREE:
            raise InvalidArgumentError("a target layer received no gradient from the targets' scores")
        maps.append(engine(a, None if method in GRADIENT_FREE else g))
    if len(maps) == 1:
        result = maps[0]
    else:
        stacked = np.stack(maps, axis=1)
        if relu:
            stacked = np.maximum(stacked, 0)
        result = stacked.mean(axis=1, dtype=np.float32)
        if normalize:
            result = _min_max(result)
    if return_captured:
        return result, activations, gradients, output.detach()
    return result
