# SPDX-License-Identifier: MIT
"""Score-CAM and Ablation-CAM through a forward callback, against a torch
reimplementation of pytorch-grad-cam's score_cam.py and ablation_cam.py on a
small real CNN."""
import numpy as np
import pytest

import trainmetrics as tm

torch = pytest.importorskip("torch")
F = torch.nn.functional


def scale_cam_image(cam, target_size=None):
    """pytorch-grad-cam's utils/image.py scale_cam_image on float32 maps, with
    cv2.resize(INTER_LINEAR) replaced by torch's bilinear align_corners=False
    (the same half-pixel formula; cv2 is not installed here)."""
    result = []
    for img in cam:
        img = img - np.min(img)
        img = img / (1e-7 + np.max(img))
        if target_size is not None:
            t = torch.from_numpy(np.float32(img))[None, None]
            mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[img.ndim]
            img = F.interpolate(t, size=target_size, mode=mode, align_corners=False)[0, 0].numpy()
        result.append(img)
    return np.float32(result)


def pytorch_grad_cam_pipeline(cam, target_size):
    """base_cam.py: relu, scale_cam_image with the target size, then (one layer)
    aggregate_multi_layers: relu, mean over layers, scale_cam_image again."""
    scaled = scale_cam_image(np.maximum(cam, 0), target_size)
    return scale_cam_image(np.maximum(scaled, 0))


def make_net(seed=4, conv=torch.nn.Conv2d, pool=torch.nn.AdaptiveAvgPool2d, in_channels=3):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(conv(in_channels, 6, 3, padding=1), torch.nn.ReLU(),
                              conv(6, 10, 3, stride=2, padding=1), torch.nn.ReLU(),
                              pool(1), torch.nn.Flatten(), torch.nn.Linear(10, 5))
    return net.eval()


def activations_of(net, layer, x):
    seen = {}
    handle = net[layer].register_forward_hook(lambda m, i, o: seen.__setitem__("a", o.detach().clone()))
    with torch.no_grad():
        out = net(x)
    handle.remove()
    return seen["a"], out


def scorecam_weights_reference(net, x, acts, targets, batch_size=16):
    """pytorch-grad-cam's ScoreCAM.get_cam_weights, for 1 to 3 spatial axes."""
    with torch.no_grad():
        mode = {3: "linear", 4: "bilinear", 5: "trilinear"}[acts.ndim]
        upsampled = F.interpolate(acts, size=x.shape[2:], mode=mode, align_corners=True)
        flat = upsampled.reshape(upsampled.shape[0], upsampled.shape[1], -1)
        shape = (upsampled.shape[0], upsampled.shape[1]) + (1,) * (acts.ndim - 2)
        maxs, mins = flat.max(dim=-1)[0].reshape(shape), flat.min(dim=-1)[0].reshape(shape)
        upsampled = (upsampled - mins) / (maxs - mins + 1e-8)
        inputs = x[:, None] * upsampled[:, :, None]
        scores = []
        for target, tensor in zip(targets, inputs):
            for i in range(0, tensor.size(0), batch_size):
                scores.extend(o[target].item() for o in net(tensor[i:i + batch_size]))
        scores = torch.tensor(scores, dtype=torch.float32).view(acts.shape[0], acts.shape[1])
        return torch.softmax(scores, dim=-1).numpy()


def ablation_weights_reference(head, acts, targets):
    """pytorch-grad-cam's AblationCAM.get_cam_weights with its AblationLayer, one
    ablated tensor per forward (batch_size=1: the ablation value is then
    min - 1e7 for every channel, or 0 when the minimum is 0)."""
    with torch.no_grad():
        original = np.float32([head(acts[s:s + 1])[0, t].item() for s, t in enumerate(targets)])
        weights = []
        for s, t in enumerate(targets):
            for k in range(acts.shape[1]):
                ablated = acts[s:s + 1].clone()
                low = torch.min(ablated)
                ablated[0, k] = 0 if low == 0 else low - 1e7
                weights.append(head(ablated)[0, t].item())
        weights = np.float32(weights).reshape(acts.shape[:2])
        return (original[:, None] - weights) / original[:, None]


def test_scorecam_matches_pytorch_grad_cam_on_a_cnn():
    net = make_net()
    x = torch.randn(2, 3, 20, 20)
    acts, out = activations_of(net, 3, x)
    targets = [2, 4]
    want_w = scorecam_weights_reference(net, x, acts, targets)
    got_w = tm.CAM("scorecam").weights(acts.numpy(), inputs=x.numpy(), forward=net, targets=targets)
    np.testing.assert_allclose(got_w, want_w, rtol=0, atol=2e-6)
    cam = (want_w[:, :, None, None] * acts.numpy()).sum(axis=1)
    want = pytorch_grad_cam_pipeline(cam, (20, 20))
    got = tm.cam(acts.numpy(), method="scorecam", inputs=x.numpy(), forward=net, targets=targets,
                 output_shape=(20, 20))
    assert got.shape == (2, 20, 20) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-5)
    assert got.max(axis=(1, 2)).min() >= 1 - 1e-6


def test_scorecam_default_targets_are_the_predicted_classes():
    net = make_net(seed=7)
    x = torch.randn(3, 3, 12, 12)
    acts, out = activations_of(net, 3, x)
    predicted = out.argmax(dim=1).tolist()
    implicit = tm.CAM("scorecam").weights(acts.numpy(), inputs=x.numpy(), forward=net)
    explicit = tm.CAM("scorecam").weights(acts.numpy(), inputs=x.numpy(), forward=net, targets=predicted)
    np.testing.assert_array_equal(implicit, explicit)


@pytest.mark.parametrize("batch", [1, 3, 16, 64])
def test_scorecam_batch_size_does_not_change_the_weights(batch):
    net = make_net(seed=2)
    x = torch.randn(1, 3, 10, 10)
    acts, _ = activations_of(net, 3, x)
    calls = []

    def forward(tensors, sample):
        calls.append(len(tensors))
        with torch.no_grad():
            return net(torch.from_numpy(np.array(tensors)))[:, 1].numpy()

    got = tm.CAM("scorecam", forward_batch=batch).weights(acts.numpy(), inputs=x.numpy(), forward=forward)
    want = scorecam_weights_reference(net, x, acts, [1], batch_size=batch)
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6)
    assert sum(calls) == 10 and max(calls) == min(batch, 10)


def test_scorecam_one_and_three_spatial_axes():
    for conv, pool, shape in ((torch.nn.Conv1d, torch.nn.AdaptiveAvgPool1d, (2, 3, 17)),
                              (torch.nn.Conv3d, torch.nn.AdaptiveAvgPool3d, (1, 3, 6, 5, 7))):
        net = make_net(conv=conv, pool=pool)
        x = torch.randn(*shape)
        acts, _ = activations_of(net, 3, x)
        targets = [0] * shape[0]
        want_w = scorecam_weights_reference(net, x, acts, targets)
        got_w = tm.CAM("scorecam").weights(acts.numpy(), inputs=x.numpy(), forward=net, targets=targets)
        np.testing.assert_allclose(got_w, want_w, rtol=0, atol=2e-6)
        # at the feature resolution the map is relu, then min-max (once or twice)
        cam = np.maximum((want_w.reshape(want_w.shape + (1,) * (acts.ndim - 2)) * acts.numpy()).sum(axis=1), 0)
        want = scale_cam_image(scale_cam_image(cam))
        got = tm.cam(acts.numpy(), method="scorecam", inputs=x.numpy(), forward=net, targets=targets)
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-5)


def test_ablationcam_matches_pytorch_grad_cam_on_a_cnn():
    net = make_net(seed=11)
    x = torch.randn(2, 3, 16, 16)
    acts, _ = activations_of(net, 3, x)  # after a ReLU: the minimum is 0
    assert acts.min() == 0
    head = net[4:]
    targets = [1, 3]
    want_w = ablation_weights_reference(head, acts, targets)
    calc = tm.CAM("ablationcam")
    got_w = calc.weights(acts.numpy(), forward=head, targets=targets)
    np.testing.assert_allclose(got_w, want_w, rtol=1e-5, atol=1e-6)
    cam = (want_w[:, :, None, None] * acts.numpy()).sum(axis=1)
    got = tm.cam(acts.numpy(), method="ablationcam", forward=head, targets=targets, output_shape=(16, 16))
    np.testing.assert_allclose(got, pytorch_grad_cam_pipeline(cam, (16, 16)), rtol=0, atol=2e-5)


def test_ablationcam_negative_activations_use_min_minus_1e7():
    net = make_net(seed=5)
    x = torch.randn(2, 3, 12, 12)
    acts, _ = activations_of(net, 2, x)  # the conv before its ReLU: negative values
    assert acts.min() < 0
    head = net[3:]
    targets = [0, 2]
    want_w = ablation_weights_reference(head, acts, targets)
    for batch in (1, 4, 32):
        got_w = tm.CAM("ablationcam", forward_batch=batch).weights(acts.numpy(), forward=head, targets=targets)
        np.testing.assert_allclose(got_w, want_w, rtol=1e-4, atol=1e-5)


def objectness_mask_reference(a):
    """ablation_layer.py's objectiveness_mask_from_svd on one sample (C, spatial...)
    of float32: the first principal projection (svd_on_activations.py's
    get_2d_projection), |.|, min-max normalized, above 0.01."""
    flat = a.reshape(a.shape[0], -1).T
    flat = flat - flat.mean(axis=0)
    _, _, vt = np.linalg.svd(flat, full_matrices=True)
    p = np.abs(flat @ vt[0, :]).reshape(a.shape[1:])
    p = p - p.min()
    with np.errstate(invalid="ignore"):
        p = p / p.max()
    return p > 0.01


def channels_to_ablate_reference(a, ratio):
    """AblationLayer.activations_to_be_ablated: score each channel by its share of
    normalized |activation| inside the mask (NaN for a constant channel), then the
    top and the bottom int(C ratio) of numpy's argsort."""
    mask = objectness_mask_reference(a)
    scores = []
    with np.errstate(invalid="ignore"):
        for channel in a:
            u = np.abs(channel)
            u = u - u.min()
            u = u / np.max(u)
            scores.append((mask * u).sum() / u.sum())
    order = list(np.argsort(np.float32(scores)))
    n = int(len(order) * ratio)
    return order[::-1][:n] + order[:n]


def ablation_ratio_weights_reference(head, acts, targets, ratio):
    """AblationCAM.get_cam_weights with ratio_channels_to_ablate (batch_size=1):
    the chosen channels' relative score drops, 0 for the others (their score is
    the original). Only for 2 int(C ratio) <= C, where no channel is listed twice."""
    weights = np.zeros(acts.shape[:2], dtype=np.float32)
    chosen_all = []
    with torch.no_grad():
        for s, t in enumerate(targets):
            original = np.float32(head(acts[s:s + 1])[0, t].item())
            chosen = channels_to_ablate_reference(acts[s].numpy(), ratio)
            assert len(set(chosen)) == len(chosen)
            chosen_all.append(sorted(int(k) for k in chosen))
            for k in chosen:
                ablated = acts[s:s + 1].clone()
                low = torch.min(ablated)
                ablated[0, k] = 0 if low == 0 else low - 1e7
                weights[s, k] = (original - np.float32(head(ablated)[0, t].item())) / original
    return weights, chosen_all


def ablated_channels_seen(calls, acts_numpy):
    """The channel each recorded tensor ablates: the one that differs from the
    activations (a dead channel ablated to 0 differs nowhere and counts as None)."""
    seen = []
    for sample, tensors in calls:
        for t in tensors:
            diff = [k for k in range(t.shape[0]) if not np.array_equal(t[k], acts_numpy[sample, k])]
            seen.append((sample, diff[0] if diff else None))
    return seen


@pytest.mark.parametrize("ratio", [0.1, 0.2, 0.3, 0.45, 0.5])
def test_ablationcam_ratio_matches_pytorch_grad_cam_on_a_cnn(ratio):
    net = make_net(seed=11)
    x = torch.randn(3, 3, 16, 16)
    acts, _ = activations_of(net, 3, x)  # after a ReLU: the minimum is 0
    head = net[4:]
    targets = [1, 3, 0]
    want_w, chosen = ablation_ratio_weights_reference(head, acts, targets, ratio)
    calls = []

    def forward(tensors, sample):
        tensors = np.array(tensors)
        calls.append((sample, tensors))
        with torch.no_grad():
            return head(torch.from_numpy(tensors))[:, targets[sample]].numpy()

    got_w = tm.CAM("ablationcam", ratio_channels_to_ablate=ratio).weights(acts.numpy(), forward=forward)
    np.testing.assert_allclose(got_w, want_w, rtol=1e-5, atol=1e-6)
    n = int(10 * ratio)
    assert [len(c) for c in chosen] == [2 * n] * 3
    # per sample: the unablated tensor, then the chosen channels in channel order
    assert [len(t) for _, t in calls] == [1, 2 * n] * 3
    seen = ablated_channels_seen(calls[1::2], acts.numpy())
    for s in range(3):
        live = [k for k in chosen[s] if acts[s, k].abs().max() > 0]
        assert [k for sample, k in seen if sample == s and k is not None] == live
    cam = (want_w[:, :, None, None] * acts.numpy()).sum(axis=1)
    got = tm.cam(acts.numpy(), method="ablationcam", forward=head, targets=targets, output_shape=(16, 16),
                 ratio_channels_to_ablate=ratio)
    np.testing.assert_allclose(got, pytorch_grad_cam_pipeline(cam, (16, 16)), rtol=0, atol=2e-5)


def test_ablationcam_ratio_on_many_channels_with_dead_ones():
    """48 channels, 6 of them dead (all zero, numpy's NaN score ranks them first
    among the 'best'), negative activations in another sample; a linear head."""
    rng = np.random.default_rng(21)
    a = rng.standard_normal((2, 48, 5, 7)).astype(np.float32)
    a[0] = np.maximum(a[0], 0)
    a[0, [3, 9, 17, 30, 31, 44]] = 0
    coef = rng.standard_normal(48)

    def head(t):
        return torch.from_numpy(np.asarray(t).reshape(len(t), 48, -1).mean(axis=2) @ coef + 5.0)[:, None]

    acts = torch.from_numpy(a)
    for ratio in (0.05, 0.25, 0.5):
        want_w, _ = ablation_ratio_weights_reference(head, acts, [0, 0], ratio)
        got_w = tm.CAM("ablationcam", ratio_channels_to_ablate=ratio).weights(
            a, forward=lambda t, s: head(t)[:, 0].numpy())
        np.testing.assert_allclose(got_w, want_w, rtol=1e-4, atol=1e-5)
        assert np.count_nonzero(got_w[1]) == 2 * int(48 * ratio)
        last = tm.CAM("ablationcam", layout="channels_last", ratio_channels_to_ablate=ratio).weights(
            np.moveaxis(a, 1, -1), forward=lambda t, s: head(np.moveaxis(np.asarray(t), -1, 1))[:, 0].numpy())
        np.testing.assert_array_equal(last != 0, got_w != 0)  # the same channels
        np.testing.assert_allclose(last, got_w, rtol=1e-5)  # the head's sums differ in rounding


@pytest.mark.parametrize("seed", range(6))
def test_ablationcam_ratio_ties_round_as_numpys_float32_sums(seed):
    """Integer-valued activations (quantized, or small counts after a ReLU)
    make many channel scores equal in exact arithmetic; numpy's float32
    pairwise sums order them, and so must the library. 12 channels: numpy's
    argsort is then an insertion sort, stable, so the reference is exact."""
    rng = np.random.default_rng(60 + seed)
    a = rng.integers(0, 4, (1, 12, 6, 7)).astype(np.float32)
    coef = rng.standard_normal(12)

    def head(t):
        return torch.from_numpy(np.asarray(t, np.float64).reshape(len(t), 12, -1).mean(axis=2) @ coef + 3.0)[:, None]

    for ratio in (0.1, 0.25, 0.34):
        want_w, chosen = ablation_ratio_weights_reference(head, torch.from_numpy(a), [0], ratio)
        got_w = tm.CAM("ablationcam", ratio_channels_to_ablate=ratio).weights(
            a, forward=lambda t, s: head(t)[:, 0].numpy())
        assert sorted(np.flatnonzero(got_w[0])) == sorted(k for k in chosen[0] if want_w[0, k] != 0)
        np.testing.assert_allclose(got_w, want_w, rtol=1e-5, atol=1e-6)


def test_ablationcam_ratio_above_one_half_ablates_every_channel_once():
    net = make_net(seed=11)
    acts, _ = activations_of(net, 3, torch.randn(1, 3, 16, 16))
    head = net[4:]
    full = tm.CAM("ablationcam").weights(acts.numpy(), forward=head, targets=[2])
    sizes = []

    def forward(tensors, sample):
        sizes.append(len(tensors))
        with torch.no_grad():
            return head(torch.from_numpy(np.array(tensors)))[:, 2].numpy()

    got = tm.CAM("ablationcam", ratio_channels_to_ablate=0.8).weights(acts.numpy(), forward=forward)
    np.testing.assert_array_equal(got, full)
    assert sizes == [1, 10]


@pytest.mark.parametrize("ratio", [0, -0.5, 1.5, float("nan"), "0.5", True])
def test_ablationcam_bad_ratio(ratio):
    with pytest.raises(tm.InvalidArgumentError, match="ratio"):
        tm.CAM("ablationcam", ratio_channels_to_ablate=ratio)


def test_layouts_agree_for_forward_methods():
    rng = np.random.default_rng(8)
    a = np.abs(rng.standard_normal((2, 4, 3, 5))).astype(np.float32)
    x = rng.standard_normal((2, 2, 6, 10)).astype(np.float32)
    weights = rng.standard_normal(4)

    def head_first(t, s):  # a linear model of the channel means, channels-first
        return t.reshape(len(t), 4, -1).mean(axis=2) @ weights + s

    def head_last(t, s):
        return head_first(np.moveaxis(t, -1, 1), s)

    def model_first(t, s):
        return (t ** 2).sum(axis=(1, 2, 3)) * (s + 1) / 100

    def model_last(t, s):
        return model_first(np.moveaxis(t, -1, 1), s)

    for method, kwargs_first, kwargs_last in (
            ("ablationcam", {"forward": head_first}, {"forward": head_last}),
            ("scorecam", {"forward": model_first, "inputs": x},
             {"forward": model_last, "inputs": np.moveaxis(x, 1, -1)})):
        first = tm.cam(a, method=method, **kwargs_first)
        last = tm.CAM(method, layout="channels_last", normalize="minmax_after_resize")(np.moveaxis(a, 1, -1),
                                                                                       **kwargs_last)
        np.testing.assert_allclose(first, last, rtol=0, atol=1e-6)


def test_forward_errors():
    a = np.abs(np.random.default_rng(1).standard_normal((1, 3, 4, 4))).astype(np.float32)
    x = np.ones((1, 2, 8, 8), dtype=np.float32)

    def boom(tensors, sample):
        raise KeyError("model failed")

    with pytest.raises(KeyError, match="model failed") as info:
        tm.cam(a, method="scorecam", inputs=x, forward=boom)
    assert isinstance(info.value.__cause__, tm.InvalidArgumentError)
    assert "the forward callback returned 1 for sample 0, channels 0 to 2" in str(info.value.__cause__)
    with pytest.raises(ValueError, match="must return 1 scores for a batch of 1, got 2"):
        tm.cam(a, method="ablationcam", forward=lambda t, s: np.zeros(len(t) + 1))
    with pytest.raises(tm.NonFiniteError, match="the forward callback gave the score nan"):
        tm.cam(a, method="scorecam", inputs=x, forward=lambda t, s: np.full(len(t), np.nan))
    with pytest.raises(tm.InvalidArgumentError, match="needs forward="):
        tm.cam(a, method="ablationcam")
    with pytest.raises(tm.InvalidArgumentError, match="needs inputs="):
        tm.cam(a, method="scorecam", forward=lambda t, s: np.zeros(len(t)))
    with pytest.raises(tm.MismatchError):
        tm.cam(a, method="scorecam", inputs=x[0], forward=lambda t, s: np.zeros(len(t)))
    with pytest.raises(tm.InvalidArgumentError, match="takes no gradients"):
        tm.cam(a, a, method="scorecam", inputs=x, forward=lambda t, s: np.zeros(len(t)))
    with pytest.raises(tm.InvalidArgumentError, match="are for 'scorecam' and 'ablationcam'"):
        tm.cam(a, a, method="gradcam", forward=lambda t, s: np.zeros(len(t)))
    with pytest.raises(tm.InvalidArgumentError, match="forward_batch"):
        tm.CAM("scorecam", forward_batch=0)
    bad = a.copy()
    bad[0, 1, 2, 3] = np.inf
    called = []
    with pytest.raises(tm.NonFiniteError, match=r"sample 0, channel 1, position \(2, 3\)"):
        tm.cam(bad, method="ablationcam", forward=lambda t, s: called.append(1) or np.zeros(len(t)))
    assert not called  # checked before the model runs
    x_bad = x.copy()
    x_bad[0, 1, 7, 0] = np.nan
    with pytest.raises(tm.NonFiniteError, match=r"inputs\[120\] = nan .*channel 1, position \(7, 0\)"):
        tm.cam(a, method="scorecam", inputs=x_bad, forward=lambda t, s: np.zeros(len(t)))
    with pytest.raises(tm.InvalidArgumentError, match="use trm_cam_compute_forward_f32"):
        from trainmetrics._lib import call, lib  # the C entry point refuses a forward method
        import ctypes as C
        h = C.c_void_p()
        call("trm_cam_new", C.byref(h), 8, None)
        try:
            out = np.zeros(16, dtype=np.float32)
            sizes = (C.c_size_t * 2)(4, 4)
            call("trm_cam_compute_f32", h, a.ctypes.data, a.ctypes.data, 1, 3, 2, sizes, out.ctypes.data)
        finally:
            lib.trm_cam_free(h)
