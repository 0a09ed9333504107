# SPDX-License-Identifier: MIT
"""The trainmetrics command against independent answers: scikit-learn for the
reports, NumPy and PyTorch for the maps, hand-worked epochs for the curves,
xmllint for the page; and every malformed input against its exact message."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import sklearn.metrics as skm

CLI = os.environ["TRAINMETRICS_CLI"]
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(SOURCE, "examples", "data")


def run(*args, cwd=None):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def ok(*args, cwd=None):
    result = run(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return str(path)


def features(name):
    """Whether the binary was built with PNG or JSON support."""
    probe = run("report", "--json", os.path.join(DATA, "predictions.csv"))
    return {"json": probe.returncode == 0}[name]


# --- report -----------------------------------------------------------------

def land_cover():
    labels = np.loadtxt(os.path.join(DATA, "predictions.csv"), delimiter=",", skiprows=1, dtype=int)
    with open(os.path.join(DATA, "classes.txt")) as f:
        names = f.read().split()
    return labels[:, 0], labels[:, 1], names


def test_report_text_is_scikit_learns():
    y_true, y_pred, names = land_cover()
    out = ok("report", "--classes", os.path.join(DATA, "classes.txt"), os.path.join(DATA, "predictions.csv"))
    expected = skm.classification_report(y_true, y_pred, target_names=names, digits=2)
    assert expected in out
    lines = dict(line.rsplit(None, 1) for line in out.splitlines()
                 if line.startswith(("accuracy ", "balanced", "Cohen", "Matthews")))
    assert float(lines["accuracy"]) == pytest.approx(skm.accuracy_score(y_true, y_pred), abs=5e-5)
    assert float(lines["balanced accuracy"]) == pytest.approx(skm.balanced_accuracy_score(y_true, y_pred), abs=5e-5)
    assert float(lines["Cohen's kappa"]) == pytest.approx(skm.cohen_kappa_score(y_true, y_pred), abs=5e-5)
    assert float(lines["Matthews correlation coefficient"]) == pytest.approx(skm.matthews_corrcoef(y_true, y_pred), abs=5e-5)
    cm = skm.confusion_matrix(y_true, y_pred)
    rate = cm / cm.sum(axis=1, keepdims=True)
    np.fill_diagonal(rate, -1)
    t, p = np.unravel_index(np.argmax(rate), rate.shape)
    first = out.split("Most confused\n")[1].splitlines()[0]
    assert first == f"  {names[t]} mistaken for {names[p]} {100 * rate[t, p]:.1f}% ({cm[t, p]} of {cm[t].sum()})"


@pytest.mark.skipif(not features("json"), reason="built without jansson")
def test_report_json_is_scikit_learns_output_dict():
    y_true, y_pred, names = land_cover()
    got = json.loads(ok("report", "--json", "--classes", os.path.join(DATA, "classes.txt"),
                        os.path.join(DATA, "predictions.csv")))
    want = skm.classification_report(y_true, y_pred, target_names=names, output_dict=True)
    assert got["report"].keys() == want.keys()
    for key, value in want.items():
        if isinstance(value, dict):
            for metric, v in value.items():
                assert got["report"][key][metric] == pytest.approx(v, rel=1e-15, abs=1e-15), (key, metric)
        else:
            assert got["report"][key] == pytest.approx(value, rel=1e-15)
    assert got["confusion_matrix"] == skm.confusion_matrix(y_true, y_pred).tolist()
    np.testing.assert_allclose(got["normalized_true"], skm.confusion_matrix(y_true, y_pred, normalize="true"), rtol=1e-15)
    assert got["matthews_corrcoef"] == pytest.approx(skm.matthews_corrcoef(y_true, y_pred), rel=1e-12)
    assert got["samples"] == len(y_true)


def test_report_iou_is_scikit_learns_jaccard():
    y_true, y_pred, names = land_cover()
    out = ok("report", "--classes", os.path.join(DATA, "classes.txt"), os.path.join(DATA, "predictions.csv"))
    section = out.split("Intersection over union (Jaccard) per class\n")[1].split("\n\n")[0].splitlines()
    got = {" ".join(line.split()[:-1]): line.split()[-1] for line in section}
    want = skm.jaccard_score(y_true, y_pred, labels=range(len(names)), average=None)
    for name, value in zip(names, want):
        assert float(got[name]) == pytest.approx(value, abs=5e-5), name
    assert float(got["mean IoU"]) == pytest.approx(skm.jaccard_score(y_true, y_pred, average="macro"), abs=5e-5)
    assert section[-1].split()[:2] == ["mean", "IoU"]


def test_report_iou_marks_absent_classes(tmp_path):
    """A listed class nobody predicted nor labelled is absent: no IoU, out of the mean (torchmetrics)."""
    classes = write(tmp_path / "classes.txt", "water\nsoil\nurban\nice\n")
    path = write(tmp_path / "p.csv", "y_true,y_pred\nwater,water\nsoil,urban\nurban,urban\nsoil,soil\n")
    out = ok("report", "--classes", classes, path)
    section = out.split("Intersection over union (Jaccard) per class\n")[1].split("\n\n")[0]
    assert "  ice       absent" in section
    y_true, y_pred = [0, 1, 2, 1], [0, 2, 2, 1]
    mean = skm.jaccard_score(y_true, y_pred, labels=[0, 1, 2], average="macro")
    assert f"  mean IoU  {mean:.4f}" in section
    if features("json"):
        got = json.loads(ok("report", "--json", "--classes", classes, path))
        want = skm.jaccard_score(y_true, y_pred, labels=[0, 1, 2], average=None)
        assert [got["iou"][n] for n in ("water", "soil", "urban")] == pytest.approx(list(want), rel=1e-15)
        assert got["iou"]["ice"] is None
        assert got["mean_iou"] == pytest.approx(mean, rel=1e-15)


@pytest.mark.skipif(not features("json"), reason="built without jansson")
def test_report_json_iou_is_scikit_learns_jaccard():
    y_true, y_pred, names = land_cover()
    got = json.loads(ok("report", "--json", "--classes", os.path.join(DATA, "classes.txt"),
                        os.path.join(DATA, "predictions.csv")))
    want = skm.jaccard_score(y_true, y_pred, labels=range(len(names)), average=None)
    assert [got["iou"][n] for n in names] == pytest.approx(list(want), rel=1e-15)
    assert got["mean_iou"] == pytest.approx(skm.jaccard_score(y_true, y_pred, average="macro"), rel=1e-15)


def test_report_from_score_columns_is_the_argmax(tmp_path):
    rng = np.random.default_rng(7)
    scores = rng.random((500, 4))
    y_true = rng.integers(0, 4, 500)
    names = ["water", "soil", "urban", "forest"]
    rows = ["id,true," + ",".join("p_" + n for n in names)]
    rows += [f"{i},{names[t]}," + ",".join(repr(float(v)) for v in s) for i, (t, s) in enumerate(zip(y_true, scores))]
    path = write(tmp_path / "scores.csv", "\n".join(rows) + "\n")
    out = ok("report", path)
    assert skm.classification_report(y_true, scores.argmax(1), target_names=names) in out
    np.save(tmp_path / "t.npy", y_true)
    np.save(tmp_path / "s.npy", scores.astype(np.float32))
    out = ok("report", "--true-npy", tmp_path / "t.npy", "--scores-npy", tmp_path / "s.npy")
    assert skm.classification_report(y_true, scores.astype(np.float32).argmax(1)) in out


def test_report_orders_unlisted_labels_as_scikit_learn_does(tmp_path):
    y_true = ["urban", "soil", "water", "soil", "urban", "water", "soil"]
    y_pred = ["urban", "water", "water", "soil", "soil", "water", "soil"]
    path = write(tmp_path / "p.csv", "y_true,y_pred\n" + "".join(f"{t},{p}\n" for t, p in zip(y_true, y_pred)))
    assert skm.classification_report(y_true, y_pred) in ok("report", path)
    numbers = write(tmp_path / "n.csv", "true,pred\n10,2\n2,2\n10,10\n3,2\n")
    assert skm.classification_report([10, 2, 10, 3], [2, 2, 10, 2], zero_division=0) in ok("report", numbers)


def test_report_streams_more_rows_than_a_batch(tmp_path):
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 3, 20000)
    y_pred = np.where(rng.random(20000) < 0.7, y_true, rng.integers(0, 3, 20000))
    path = write(tmp_path / "big.csv", "true,pred\n" + "".join(f"{t},{p}\n" for t, p in zip(y_true, y_pred)))
    out = ok("report", "--digits", "4", path)
    assert skm.classification_report(y_true, y_pred, digits=4) in out


# --- curves ----------------------------------------------------------------

KERAS_LOG = """epoch,accuracy,loss,val_accuracy,val_loss
0,0.5,1.0,0.5,1.0
1,0.6,0.8,0.55,0.8
2,0.7,0.6,0.6,0.7
3,0.8,0.5,0.62,0.75
4,0.85,0.4,0.63,0.8
5,0.9,0.3,0.62,0.85
6,0.92,0.25,0.61,0.9
7,0.95,0.2,0.6,0.95
8,0.96,0.15,0.6,1.0
9,0.97,0.1,0.59,1.1
"""


def keras_early_stopping(values, patience, min_delta=0.0):
    """keras.callbacks.EarlyStopping(monitor='val_loss', mode='min'): the epoch
    (from 1) at which it stops, and its best epoch."""
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, v in enumerate(values, 1):
        wait += 1
        if v < best - min_delta or best_epoch == 0:
            best, best_epoch, wait = v, epoch, 0
        if wait >= patience and epoch > 1:
            return epoch, best_epoch
    return None, best_epoch


@pytest.mark.skipif(not features("json"), reason="built without jansson")
@pytest.mark.parametrize("patience", [1, 2, 3, 10])
def test_curves_keras_row_is_keras(tmp_path, patience):
    path = write(tmp_path / "log.csv", KERAS_LOG)
    got = json.loads(ok("curves", "--json", "--patience", patience, path))
    keras = next(c for c in got["criteria"] if c["criterion"].startswith("Keras"))
    val = [float(line.split(",")[4]) for line in KERAS_LOG.splitlines()[1:]]
    stop, best = keras_early_stopping(val, patience)
    assert keras["stop_epoch"] == stop
    assert keras["best_epoch"] == best == 3
    assert got["monitor"] == "val_loss" and got["train"] == "loss" and got["mode"] == "min"


def test_curves_text_names_the_verdict_and_epochs(tmp_path):
    out = ok("curves", write(tmp_path / "log.csv", KERAS_LOG))
    assert "10 epochs; val_loss (lower is better) against loss" in out
    # val_loss is lowest at the third row (epoch 3 counted from 1) and rises after it.
    assert "verdict: overfitting since epoch 4; best val_loss 0.7 at epoch 3" in out


ISSUE_LOG = "epoch,loss,val_loss\n0,1,1\n1,.9,.8\n2,.8,.795\n3,.7,.79\n4,.6,.85\n5,.5,.86\n"


@pytest.mark.skipif(not features("json"), reason="built without jansson")
@pytest.mark.parametrize("log, patience, min_delta", [(ISSUE_LOG, 3, 0.02), (ISSUE_LOG, 3, 0.0), (ISSUE_LOG, 1, 0.003),
                                                      (KERAS_LOG, 2, 0.0), (KERAS_LOG, 10, 0.2)])
def test_curves_keras_row_restore_epoch(tmp_path, log, patience, min_delta):
    # restore_best_weights=True restores Keras's best epoch: the last improvement by more than min_delta
    path = write(tmp_path / "log.csv", log)
    got = json.loads(ok("curves", "--json", "--patience", patience, "--min-delta", min_delta, path))
    keras = next(c for c in got["criteria"] if c["criterion"].startswith("Keras"))
    val = [float(line.split(",")[-1]) for line in log.splitlines()[1:]]
    stop, best = keras_early_stopping(val, patience, min_delta)
    assert (keras["stop_epoch"], keras["restore_epoch"]) == (stop, best)
    assert all("restore_epoch" not in c for c in got["criteria"] if c is not keras)
    if log is ISSUE_LOG and min_delta == 0.02:
        assert (keras["best_epoch"], keras["restore_epoch"]) == (4, 2)  # the true best is 4
        row = next(line for line in ok("curves", "--patience", patience, "--min-delta", min_delta, path).splitlines()
                   if line.startswith("Keras"))
        assert row.split()[-4:] == ["4", "5", "5", "2"]  # best, onset, stop, restore


@pytest.mark.skipif(not features("json"), reason="built without jansson")
def test_curves_merge_lightning_rows_and_skip_gaps(tmp_path):
    log = ("epoch,step,train_loss,val_loss,val_acc\n"
           "0,9,0.9,,\n0,9,,0.95,0.4\n1,19,0.7,,\n"          # epoch 1 has no validation: not a point
           "2,29,0.5,,\n2,29,,0.85,0.5\n3,39,0.4,,\n3,39,,0.9,0.45\n4,49,0.3,,\n4,49,,0.99,0.4\n")
    got = json.loads(ok("curves", "--json", "--patience", "1", write(tmp_path / "metrics.csv", log)))
    assert got["epochs"] == 4 and got["train"] == "train_loss"
    keras = next(c for c in got["criteria"] if c["criterion"].startswith("Keras"))
    # Points at epochs 1, 3, 4, 5 (counted from 1): best 0.85 at epoch 3, worse at 4 -> stop there.
    assert keras["best_epoch"] == 3 and keras["stop_epoch"] == 4
    acc = json.loads(ok("curves", "--json", "--monitor", "val_acc", "--train", "train_loss",
                        write(tmp_path / "m2.csv", log)))
    assert acc["mode"] == "max"


# --- cam -------------------------------------------------------------------

def gradcam_numpy(a, g):
    w = g.mean(axis=tuple(range(2, a.ndim)), keepdims=True)
    cam = np.maximum((w * a).sum(axis=1), 0)
    flat = cam.reshape(len(cam), -1)
    lo, hi = flat.min(1), flat.max(1)
    return ((flat - lo[:, None]) / (hi - lo + 1e-7)[:, None]).reshape(cam.shape)


def test_cam_maps_are_numpys_gradcam(tmp_path):
    rng = np.random.default_rng(11)
    a = rng.standard_normal((3, 8, 5, 6)).astype(np.float32)
    g = rng.standard_normal((3, 8, 5, 6)).astype(np.float32)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "g.npy", g)
    ok("cam", "--activations", tmp_path / "a.npy", "--gradients", tmp_path / "g.npy", "-o", tmp_path / "m.npy")
    np.testing.assert_allclose(np.load(tmp_path / "m.npy"), gradcam_numpy(a.astype(np.float64), g), atol=2e-6)
    np.save(tmp_path / "al.npy", np.ascontiguousarray(a.transpose(0, 2, 3, 1)))
    np.save(tmp_path / "gl.npy", np.ascontiguousarray(g.transpose(0, 2, 3, 1)))
    ok("cam", "--layout", "channels-last", "--activations", tmp_path / "al.npy", "--gradients", tmp_path / "gl.npy",
       "-o", tmp_path / "ml.npy")
    np.testing.assert_allclose(np.load(tmp_path / "ml.npy"), np.load(tmp_path / "m.npy"), atol=2e-6)


def test_cam_resize_is_torchs_interpolate(tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 4, 7)).astype(np.float32)
    g = rng.standard_normal((2, 4, 7)).astype(np.float32)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "g.npy", g)
    out = ok("cam", "--activations", tmp_path / "a.npy", "--gradients", tmp_path / "g.npy", "--size", "20")
    got = np.loadtxt(out.splitlines()[1:], delimiter=",")[:, 1:].T
    # The library normalizes at the layer's resolution, then resizes (see cam.h).
    small = torch.from_numpy(gradcam_numpy(a.astype(np.float64), g)[:, None, :])
    big = torch.nn.functional.interpolate(small, size=20, mode="linear", align_corners=False)[:, 0].numpy()
    np.testing.assert_allclose(got, big, atol=2e-6)


def test_cam_normalize_after_resize_is_pytorch_grad_cams_order(tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(15)
    a = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    g = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "g.npy", g)
    ok("cam", "--activations", tmp_path / "a.npy", "--gradients", tmp_path / "g.npy", "--size", "17x13",
       "--normalize-after-resize", "-o", tmp_path / "m.npy")
    small = torch.from_numpy(gradcam_numpy(a.astype(np.float64), g)[:, None].astype(np.float32))
    big = torch.nn.functional.interpolate(small, size=(17, 13), mode="bilinear", align_corners=False)[:, 0].numpy()
    low = big.min(axis=(1, 2), keepdims=True)
    want = (big - low) / (big.max(axis=(1, 2), keepdims=True) - low + 1e-7)
    got = np.load(tmp_path / "m.npy")
    np.testing.assert_allclose(got, want, atol=2e-6)
    assert got.max(axis=(1, 2)).min() >= 1 - 1e-6
    result = run("cam", "--activations", tmp_path / "a.npy", "--gradients", tmp_path / "g.npy",
                 "--normalize-after-resize", "--no-normalize", "-o", tmp_path / "x.npy")
    assert result.returncode == 64
    assert "--normalize-after-resize and --no-normalize contradict each other" in result.stderr
    assert not (tmp_path / "x.npy").exists()


def test_cam_png_turbo_is_matplotlibs(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    matplotlib = pytest.importorskip("matplotlib")
    rng = np.random.default_rng(4)
    a = rng.random((1, 3, 6, 5)).astype(np.float32)
    g = rng.random((1, 3, 6, 5)).astype(np.float32)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "g.npy", g)
    result = run("cam", "--activations", tmp_path / "a.npy", "--gradients", tmp_path / "g.npy",
                 "--colormap", "turbo", "--png", tmp_path / "t.png")
    if result.returncode == 64 and "without PNG" in result.stderr:
        pytest.skip("built without libpng")
    assert result.returncode == 0, result.stderr
    cam = gradcam_numpy(a.astype(np.float64), g)[0].astype(np.float32)
    table = np.rint(255 * np.array(matplotlib.colormaps["turbo"].colors)).astype(np.uint8)
    want = table[np.floor(255 * np.clip(cam.astype(np.float64), 0, 1)).astype(int)]
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "t.png").convert("RGB")), want)
    result = run("cam", "--activations", tmp_path / "a.npy", "--gradients", tmp_path / "g.npy",
                 "--colormap", "plasma", "--png", tmp_path / "p.png")
    assert result.returncode == 64
    assert "--colormap: expected jet, viridis, inferno, gray or turbo, found 'plasma'" in result.stderr


def test_cam_png_heatmap_and_overlay_decode_to_the_formula(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(2)
    a = rng.random((1, 3, 4, 4)).astype(np.float32)
    g = rng.random((1, 3, 4, 4)).astype(np.float32)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "g.npy", g)
    result = run("cam", "--activations", tmp_path / "a.npy", "--gradients", tmp_path / "g.npy",
                 "--colormap", "gray", "--png", tmp_path / "h.png")
    if result.returncode == 64 and "without PNG" in result.stderr:
        pytest.skip("built without libpng")
    assert result.returncode == 0, result.stderr
    cam = gradcam_numpy(a.astype(np.float64), g)[0]
    heat = np.floor(255 * cam).astype(np.uint8)
    decoded = np.asarray(Image.open(tmp_path / "h.png").convert("RGB"))
    assert decoded.shape == (4, 4, 3)
    assert np.abs(decoded.astype(int) - heat[..., None].astype(int)).max() <= 1
    image = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    Image.fromarray(image).save(tmp_path / "img.png")
    ok("cam", "--activations", tmp_path / "a.npy", "--gradients", tmp_path / "g.npy", "--colormap", "gray",
       "--png", tmp_path / "o.png", "--image", tmp_path / "img.png", "--image-weight", "0.5")
    # pytorch-grad-cam's show_cam_on_image: mix in [0, 1], divide by the maximum.
    mix = 0.5 * heat[..., None] / 255.0 + 0.5 * image / 255.0
    want = np.uint8(255 * mix / mix.max())
    got = np.asarray(Image.open(tmp_path / "o.png").convert("RGB"))
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1


# --- bad input ------------------------------------------------------------

BAD_CSV = [
    ("ragged.csv", "true,pred\na,b\nb\n", "ragged.csv:3:2: expected 2 fields as in the header, found 1"),
    ("text.csv", "true,p_a,p_b\na,0.1,x\n", "text.csv:2:3: expected a finite number, found 'x'"),
    ("nan.csv", "true,p_a,p_b\na,nan,0.2\n", "nan.csv:2:2: expected a finite number, found 'nan'"),
    ("quote.csv", 'true,pred\na,"b\n', "quote.csv:2:2: expected a closing quote"),
    ("inner.csv", 'true,pred\na,b"c"\n', "inner.csv:2:2: expected a comma or the end of the line"),
    ("dup.csv", "true,pred,pred\na,b,b\n", "dup.csv:1:3: expected each column name once, found 'pred' again (column 2)"),
    ("nul.csv", "true,pred\na\0x,b\n", "nul.csv:2:1: expected text, found a NUL byte"),
    ("columns.csv", "foo,bar\n1,2\n", "columns.csv:1:1: expected a column 'true' or 'y_true' (or --true COL); the header has 'foo', 'bar'"),
    ("empty.csv", "", "empty.csv:1:1: expected a header line, found an empty file"),
    ("header.csv", "true,pred\n", "header.csv:2:1: expected at least one row of predictions, found none"),
]


@pytest.mark.parametrize("name,content,message", BAD_CSV, ids=[b[0] for b in BAD_CSV])
def test_report_rejects_bad_csv_with_its_position(tmp_path, name, content, message):
    write(tmp_path / name, content)
    result = run("report", name, cwd=tmp_path)
    assert result.returncode == 65
    assert result.stderr.startswith(message), result.stderr
    assert result.stdout == ""


def test_report_rejects_an_unknown_class_name(tmp_path):
    write(tmp_path / "classes.txt", "a\nb\n")
    write(tmp_path / "p.csv", "true,pred\na,b\na,c\n")
    result = run("report", "--classes", "classes.txt", "p.csv", cwd=tmp_path)
    assert result.returncode == 65
    assert result.stderr == "p.csv:3:2: expected a class name (a, b), found 'c'\n"


def npy_bytes(array):
    import io
    f = io.BytesIO()
    np.save(f, array)
    return f.getvalue()


BAD_NPY = [
    ("magic.npy", b"hello world", "magic.npy:1:1: expected a NumPy .npy file (magic \\x93NUMPY)"),
    ("truncated.npy", npy_bytes(np.zeros((3, 4), np.float32))[:-5],
     "truncated.npy:1:129: expected 48 bytes of data for shape (3, 4) of 4-byte elements, found 43"),
    ("fortran.npy", npy_bytes(np.asfortranarray(np.zeros((3, 4), np.float32))),
     "fortran.npy:1:28: expected C order ('fortran_order': False)"),
    ("complex.npy", npy_bytes(np.zeros((3, 4), np.complex64)),
     "complex.npy:1:20: expected a float, integer or bool dtype (<f4, <f8, <i8, |u1, |b1, ...), found '<c8'"),
    ("shape.npy", npy_bytes(np.zeros((2, 4), np.float32)),
     "shape.npy:1:1: expected scores of shape (3, K) to match labels.npy, found shape (2, 4)"),
]


@pytest.mark.parametrize("name,content,message", BAD_NPY, ids=[b[0] for b in BAD_NPY])
def test_report_rejects_bad_npy_with_its_position(tmp_path, name, content, message):
    np.save(tmp_path / "labels.npy", np.array([0, 1, 2]))
    (tmp_path / name).write_bytes(content)
    result = run("report", "--true-npy", "labels.npy", "--scores-npy", name, cwd=tmp_path)
    assert result.returncode == 65
    assert result.stderr.startswith(message), result.stderr


def test_cam_rejects_mismatched_gradients(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((2, 3, 4, 4), np.float32))
    np.save(tmp_path / "g.npy", np.zeros((2, 3, 4, 5), np.float32))
    result = run("cam", "--activations", "a.npy", "--gradients", "g.npy", "-o", "m.npy", cwd=tmp_path)
    assert result.returncode == 65
    assert result.stderr == "g.npy:1:1: expected the activations' shape (2, 3, 4, 4), found (2, 3, 4, 5)\n"
    assert not (tmp_path / "m.npy").exists()


@pytest.mark.parametrize("args,message", [
    ([], "trainmetrics: expected one PRED.csv"),
    (["--bogus"], "trainmetrics: unknown option '--bogus'"),
    (["--digits"], "trainmetrics: --digits needs a value"),
    (["--pred", "a", "--scores", "b", "x.csv"], "trainmetrics: --pred, --scores and --scores-prefix exclude each other"),
])
def test_usage_errors_exit_64_with_the_usage_line(args, message):
    result = run("report", *args)
    assert result.returncode == 64
    assert result.stderr.startswith(message + "\nusage: trainmetrics report "), result.stderr


def test_unknown_command_and_missing_file():
    assert run("frobnicate").returncode == 64
    result = run("report", "/nonexistent/p.csv")
    assert result.returncode == 66 and "No such file" in result.stderr


def test_a_failed_command_leaves_the_output_as_it_was(tmp_path):
    target = write(tmp_path / "report.txt", "an earlier report\n")
    write(tmp_path / "bad.csv", "true,pred\na,b\nb\n")
    assert run("report", "-o", target, tmp_path / "bad.csv").returncode == 65
    assert open(target).read() == "an earlier report\n"
    assert sorted(os.listdir(tmp_path)) == ["bad.csv", "report.txt"]


# --- page --------------------------------------------------------------------

def xml_well_formed(path):
    xmllint = shutil.which("xmllint")
    if not xmllint:
        pytest.skip("xmllint (libxml2-utils) is not installed")
    result = subprocess.run([xmllint, "--noout", "--nonet", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def spectra_run(tmp_path):
    """A small classification run over 1-D spectra, written as the contract says."""
    rng = np.random.default_rng(1)
    n, c, length, bands, names = 12, 4, 10, 40, ["olive", "corn", "soy"]
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    y_true = rng.integers(0, 3, n)
    probs = rng.dirichlet(np.ones(3), n)
    y_pred = probs.argmax(1)
    history = "epoch,accuracy,loss,val_accuracy,val_loss\n" + "".join(
        f"{e},{0.5 + e / 40},{1 / (e + 1)},{0.5 + e / 80},{abs(e - 8) / 10 + 0.3}\n" for e in range(20))
    write(run_dir / "history.csv", history)
    write(run_dir / "classes.txt", "\n".join(names) + "\n")
    write(run_dir / "predictions.csv", "id,true,pred," + ",".join("p_" + x for x in names) + "\n" + "".join(
        f"{i},{names[t]},{names[p]}," + ",".join(map(repr, map(float, pr))) + "\n"
        for i, (t, p, pr) in enumerate(zip(y_true, y_pred, probs))))
    np.save(run_dir / "activations.npy", rng.random((n, c, length)).astype(np.float32))
    np.save(run_dir / "gradients.npy", rng.standard_normal((n, c, length)).astype(np.float32))
    np.save(run_dir / "inputs.npy", rng.random((n, bands)).astype(np.float32))
    write(run_dir / "wavelengths.txt", "".join(f"{1100 + 10 * i}\n" for i in range(bands)))
    write(run_dir / "run.conf", "title = A <small> & test run\ntask = classification\nhistory = history.csv\n"
          "predictions = predictions.csv\nclasses = classes.txt\nactivations = activations.npy\n"
          "gradients = gradients.npy\ninputs = inputs.npy\naxis = wavelengths.txt\naxis_label = Wavelength (nm)\n")
    return run_dir, y_true, y_pred, names


def test_page_is_well_formed_and_carries_the_numbers(tmp_path):
    run_dir, y_true, y_pred, names = spectra_run(tmp_path)
    page = tmp_path / "page.html"
    ok("page", run_dir, "-o", page)
    xml_well_formed(page)
    html = page.read_text()
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    assert "A &lt;small&gt; &amp; test run" in html
    for section in ('id="summary"', 'id="curves"', 'id="confusion"', 'id="cam"', 'id="loss-curves"',
                    'id="confusion-heatmap"', 'id="criteria"'):
        assert section in html
    assert f"{skm.accuracy_score(y_true, y_pred):.3f}" in html
    present = len(set(y_pred))
    assert html.count('class="band"') == 40 * present
    assert 'data-wavelength="1100"' in html and 'data-wavelength="1490"' in html


def test_page_rejects_a_run_without_its_files(tmp_path):
    run_dir, *_ = spectra_run(tmp_path)
    os.remove(run_dir / "inputs.npy")
    page = tmp_path / "page.html"
    result = run("page", run_dir, "-o", page)
    assert result.returncode == 66 and "inputs.npy" in result.stderr
    assert not page.exists()
    result = run("page", tmp_path / "nowhere", "-o", page)
    assert result.returncode == 66 and "run.conf" in result.stderr


def test_demo_renders_every_bundled_run(tmp_path):
    if not os.path.exists(os.path.join(DATA, "mayonnaise", "run.conf")):
        pytest.skip("the bundled runs are not in this tree")
    out = ok("demo", "--out", tmp_path / "demo")
    assert "The Training Metrics page: " in out
    for name in ("mayonnaise", "digits", "unmixing"):
        xml_well_formed(tmp_path / "demo" / f"{name}.html")
        assert (tmp_path / "demo" / name / "curves.txt").exists()
    assert (tmp_path / "demo" / "mayonnaise" / "report.txt").exists()


# --- what a hostile reviewer found -----------------------------------------

def npy_header(descr, shape, data=b""):
    """A v1.0 .npy file with any header, for shapes NumPy would not write."""
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}".encode()
    text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + data


def test_npy_shapes_whose_size_wraps_are_refused(tmp_path):
    np.save(tmp_path / "t.npy", np.array([0]))
    (tmp_path / "wrap.npy").write_bytes(npy_header("<f8", "(1, 2305843009213693953)", b"\0" * 8))
    result = run("report", "--true-npy", "t.npy", "--scores-npy", "wrap.npy", cwd=tmp_path)
    assert result.returncode == 65, result.stderr
    assert result.stderr.startswith("wrap.npy:1:129: expected ") and "found 8" in result.stderr
    (tmp_path / "act.npy").write_bytes(npy_header("<f4", "(1, 2147483648, 2147483648)", b"\0" * 64))
    result = run("cam", "--activations", "act.npy", "--method", "eigencam", "-o", "m.npy", cwd=tmp_path)
    assert result.returncode == 65, result.stderr


def test_a_huge_label_without_classes_is_refused_not_allocated(tmp_path):
    np.save(tmp_path / "t.npy", np.array([0, 2000000000, 1]))
    np.save(tmp_path / "p.npy", np.array([0, 1, 2]))
    result = run("report", "--true-npy", "t.npy", "--pred-npy", "p.npy", cwd=tmp_path)
    assert result.returncode == 65
    # element 1 of an <i8 array whose data starts at byte 128
    assert result.stderr.startswith("t.npy:1:137: expected a label in 0..4095 (name more classes with --classes)")


def test_integer_class_names_are_names_never_indexes(tmp_path):
    write(tmp_path / "classes.txt", "1\n2\n3\n")
    write(tmp_path / "p.csv", "true,pred\n0,1\n1,2\n")
    result = run("report", "--classes", "classes.txt", "p.csv", cwd=tmp_path)
    assert result.returncode == 65
    assert result.stderr == "p.csv:2:1: expected a class name (1, 2, 3), found '0'\n"
    write(tmp_path / "names.txt", "water\nsoil\n")
    write(tmp_path / "i.csv", "true,pred\n0,1\n1,1\n")
    assert skm.classification_report([0, 1], [1, 1], target_names=["water", "soil"], zero_division=0) in \
        ok("report", "--classes", "names.txt", "i.csv", cwd=tmp_path)


@pytest.mark.skipif(not features("json"), reason="built without jansson")
def test_losses_are_lower_better_whatever_they_measure(tmp_path):
    log = "epoch,dice_loss,val_dice_loss\n" + "".join(f"{e},{1 / (e + 1)},{1 / (e + 1) + 0.01}\n" for e in range(6))
    got = json.loads(ok("curves", "--json", write(tmp_path / "d.csv", log)))
    assert got["mode"] == "min" and got["criteria"][0]["best_epoch"] == 6


def test_inputs_and_outputs_that_are_directories(tmp_path):
    (tmp_path / "d").mkdir()
    assert run("report", tmp_path / "d").returncode == 66
    data = os.path.join(DATA, "predictions.csv")
    assert run("report", "-o", tmp_path / "d", data).returncode == 73
    assert os.listdir(tmp_path / "d") == []


def test_cam_writes_no_output_unless_it_can_write_all(tmp_path):
    np.save(tmp_path / "a.npy", np.ones((1, 2, 3, 3), np.float32))
    np.save(tmp_path / "g.npy", np.ones((1, 2, 3, 3), np.float32))
    result = run("cam", "--activations", "a.npy", "--gradients", "g.npy", "-o", "m.npy",
                 "--png", "/nonexistent/x.png", cwd=tmp_path)
    assert result.returncode in (64, 73)
    assert not (tmp_path / "m.npy").exists()
    result = run("cam", "--activations", "a.npy", "--gradients", "g.npy", "--size", "65536x65536", "-o", "m.npy",
                 cwd=tmp_path)
    assert result.returncode == 64 and "GiB" in result.stderr


def test_page_draws_a_decreasing_axis_and_refuses_a_ragged_one(tmp_path):
    run_dir, *_ = spectra_run(tmp_path)
    write(run_dir / "wavelengths.txt", "".join(f"{4000 - 50 * i}\n" for i in range(40)))
    ok("page", run_dir, "-o", tmp_path / "p.html")
    html = (tmp_path / "p.html").read_text()
    xs = [float(x) for x in __import__("re").findall(r'class="band" x="([-0-9.]+)"', html)]
    assert min(xs) >= 64 - 1e-9 and max(xs) <= 64 + 396
    write(run_dir / "wavelengths.txt", "".join(f"{1100 + 10 * i}\n" for i in range(39)) + "1000\n")
    result = run("page", run_dir, "-o", tmp_path / "q.html")
    assert result.returncode == 65 and "wavelengths.txt:40:1: expected values that keep increasing, found 1000 after 1480" in result.stderr
