# SPDX-License-Identifier: MIT
"""Drop-in versions of scikit-learn's classification metrics, computed by trainmetrics.

Same signatures and defaults for the keywords supported here (``labels``,
``pos_label``, ``sample_weight``, ``normalize``, ``average``, ``zero_division``,
``target_names``, ``digits``, ``output_dict``), with scikit-learn >= 1.4 semantics:
F-beta from counts, ``zero_division=np.nan`` dropping undefined classes from
averages. Labels may be any sortable values; they are mapped to dense class ids
the way scikit-learn does (sorted unique values of y_true and y_pred, or the
``labels`` given, in that order). Undefined metrics warn with scikit-learn's
``UndefinedMetricWarning`` text when zero_division is left at "warn".
"""
import warnings

import numpy as np

from ._arrays import as_array
from ._confusion import ConfusionMatrix, zero_division_code
from ._errors import UndefinedMetricWarning

__all__ = ["confusion_matrix", "precision_recall_fscore_support", "precision_score", "recall_score",
           "f1_score", "fbeta_score", "accuracy_score", "balanced_accuracy_score", "cohen_kappa_score",
           "matthews_corrcoef", "jaccard_score", "classification_report", "roc_auc_score",
           "average_precision_score", "roc_curve", "precision_recall_curve"]


class _Encoded:
    """Dense ids for the labels: the requested ones first (n_selected of them), then
    any other label present, so metrics over a label subset still see every sample."""

    def __init__(self, y_true, y_pred, labels=None):
        y_true, y_pred = as_array(y_true, "y_true"), as_array(y_pred, "y_pred")
        if y_true.ndim != 1 or y_pred.ndim != 1:
            raise ValueError(f"y_true and y_pred must be 1-D label arrays, got shapes {y_true.shape} "
                             f"and {y_pred.shape}")
        if y_true.shape != y_pred.shape:
            raise ValueError("Found input variables with inconsistent numbers of samples: "
                             f"[{y_true.shape[0]}, {y_pred.shape[0]}]")
        if (y_true.dtype.kind in "USO") != (y_pred.dtype.kind in "USO") and y_true.size and y_pred.size:
            raise ValueError("Mix of label input types (string and number)")
        present = np.unique(np.concatenate([y_true, y_pred]))
        if labels is None:
            classes = present
        else:
            labels = as_array(labels, "labels")
            if labels.size == 0:
                raise ValueError("'labels' should contains at least one label.")
            classes = np.concatenate([labels, np.setdiff1d(present, labels)])
        self.classes = classes
        self.n_selected = len(classes) if labels is None else len(labels)
        order = np.argsort(classes, kind="stable")
        self.y_true = order[np.searchsorted(classes[order], y_true)].astype(np.int64)
        self.y_pred = order[np.searchsorted(classes[order], y_pred)].astype(np.int64)

    def matrix(self, sample_weight):
        k = max(len(self.classes), 1)
        cm = ConfusionMatrix(k, weighted=sample_weight is not None)
        cm.update(self.y_true, self.y_pred, sample_weight)
        return cm


def _selected_matrix(cm, n_selected):
    """The matrix restricted to the first n_selected classes (samples of others dropped)."""
    if n_selected == cm.n_classes:
        return cm
    sub = ConfusionMatrix(n_selected, weighted=cm.weighted)
    return sub.add_counts(cm.counts[:n_selected, :n_selected])


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    enc = _Encoded(y_true, y_pred, labels)
    if labels is not None and not np.any(enc.y_true < enc.n_selected):
        raise ValueError("At least one label specified must be in y_true")
    cm = _selected_matrix(enc.matrix(sample_weight), enc.n_selected)
    if normalize is not None:
        return cm.matrix(normalize)
    integral = sample_weight is None or as_array(sample_weight, "sample_weight").dtype.kind in "iub"
    return cm.matrix().astype(np.int64) if integral else cm.matrix()


# ---- precision, recall, F-beta ------------------------------------------------------

_WARNINGS = {
    "precision": ("Precision is", "predicted"),
    "recall": ("Recall is", "true"),
    "f-score": ("F-score is", "true nor predicted"),
    "jaccard": ("Jaccard is", "true or predicted"),
}


def _warn_undefined(metric, result_size):
    msg_start, modifier = _WARNINGS[metric]
    where = "due to" if result_size == 1 else "in labels with"
    warnings.warn(f"{msg_start} ill-defined and being set to 0.0 {where} no {modifier} samples. "
                  "Use `zero_division` parameter to control this behavior.", UndefinedMetricWarning,
                  stacklevel=3)


def _counts(cm, n_selected):
    """tp, true and predicted sums of the selected classes."""
    cells = cm.matrix()
    return (np.diag(cells)[:n_selected], cells.sum(axis=1)[:n_selected], cells.sum(axis=0)[:n_selected])


def _nanaverage(values, weights):
    """scikit-learn >= 1.4: NaN values leave with their weights; nothing left gives NaN."""
    keep = ~np.isnan(values)
    if not keep.any():
        return np.nan
    values, weights = values[keep], weights[keep]
    return float(np.average(values, weights=weights)) if weights.sum() != 0 else float(values.mean())


def _average(per_class, support, average, micro):
    """Average the selected classes' values like scikit-learn (zero_division NaNs dropped)."""
    if average == "micro":
        return micro
    if per_class.size == 0:  # scikit-learn versions disagree here (NaN, 0.0); refuse instead
        raise ValueError(f"average={average!r} over no labels: y_true and y_pred are empty")
    return _nanaverage(per_class, support if average == "weighted" else np.ones_like(per_class))


def _ratio(num, den, zd_value):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1), zd_value)


def _binary_labels(enc_args, pos_label, average):
    y_true, y_pred, labels = enc_args
    if average != "binary":
        return labels
    present = _present_labels(y_true, y_pred)
    if len(present) > 2:
        raise ValueError("Target is multiclass but average='binary'. Please choose another average "
                         "setting, one of [None, 'micro', 'macro', 'weighted'].")
    if pos_label not in present.tolist() and len(present) >= 2:
        raise ValueError(f"pos_label={pos_label!r} is not a valid label. It should be one of {list(present)}")
    return [pos_label]


def _present_labels(y_true, y_pred):
    """scikit-learn's unique_labels: every label in the data, whatever its sample weight."""
    return np.unique(np.concatenate([as_array(y_true, "y_true"), as_array(y_pred, "y_pred")]))


def _check_average(average, allowed=(None, "binary", "micro", "macro", "weighted")):
    if average not in allowed:
        raise ValueError(f"average has to be one of {allowed}")


def precision_recall_fscore_support(y_true, y_pred, *, beta=1.0, labels=None, pos_label=1, average=None,
                                    warn_for=("precision", "recall", "f-score"), sample_weight=None,
                                    zero_division="warn"):
    _check_average(average)
    if beta < 0:
        raise ValueError("beta should be >=0 in the F-beta score")
    zd = zero_division_code(zero_division)
    labels = _binary_labels((y_true, y_pred, labels), pos_label, average)
    enc = _Encoded(y_true, y_pred, labels)
    cm = enc.matrix(sample_weight)
    L = enc.n_selected
    p = cm.precision(None, zero_division)[:L]
    r = cm.recall(None, zero_division)[:L]
    f = cm.fbeta(beta, None, zero_division)[:L]
    support = cm.support()[:L]
    # Counts are integers without sample_weight, always: scikit-learn returns them as
    # float64 in its "pathological case" (no sample at all with y_true == y_pred), an
    # artefact of its zero-filled tp array that is not followed here.
    if sample_weight is None:
        support = support.astype(np.int64)
    tp, true_sum, pred_sum = _counts(cm, L)

    if average == "micro":
        tp, true_sum, pred_sum = (np.array([x.sum()]) for x in (tp, true_sum, pred_sum))
    if isinstance(zero_division, str) and zero_division == "warn":
        size = len(tp)
        undefined = {"precision": pred_sum == 0, "recall": true_sum == 0, "f-score": (true_sum + pred_sum) == 0}
        for metric in warn_for:
            if undefined[metric].any():
                _warn_undefined(metric, size)

    if average in (None, "binary"):
        if average == "binary":
            return float(p[0]), float(r[0]), float(f[0]), None
        return p, r, f, support
    micro = [None, None, None]
    if average == "micro":
        zd_value, b2 = [0.0, 1.0, np.nan][zd], beta * beta
        micro[0] = _ratio(tp, pred_sum, zd_value)[0]
        micro[1] = _ratio(tp, true_sum, zd_value)[0]
        micro[2] = (float(micro[1]) if np.isinf(beta) else
                    float(_ratio((1 + b2) * tp, b2 * true_sum + pred_sum, zd_value)[0]))
    values = [_average(x, support.astype(float), average, m) for x, m in zip((p, r, f), micro)]
    return float(values[0]), float(values[1]), float(values[2]), None


def precision_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
                    zero_division="warn"):
    return precision_recall_fscore_support(y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
                                           warn_for=("precision",), sample_weight=sample_weight,
                                           zero_division=zero_division)[0]


def recall_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
                 zero_division="warn"):
    return precision_recall_fscore_support(y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
                                           warn_for=("recall",), sample_weight=sample_weight,
                                           zero_division=zero_division)[1]


def fbeta_score(y_true, y_pred, *, beta, labels=None, pos_label=1, average="binary", sample_weight=None,
                zero_division="warn"):
    return precision_recall_fscore_support(y_true, y_pred, beta=beta, labels=labels, pos_label=pos_label,
                                           average=average, warn_for=("f-score",), sample_weight=sample_weight,
                                           zero_division=zero_division)[2]


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
             zero_division="warn"):
    return fbeta_score(y_true, y_pred, beta=1.0, labels=labels, pos_label=pos_label, average=average,
                       sample_weight=sample_weight, zero_division=zero_division)


def jaccard_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
                  zero_division="warn"):
    _check_average(average)
    zd = zero_division_code(zero_division)
    labels = _binary_labels((y_true, y_pred, labels), pos_label, average)
    enc = _Encoded(y_true, y_pred, labels)
    cm = enc.matrix(sample_weight)
    L = enc.n_selected
    values = cm.jaccard(None, zero_division)[:L]
    tp, true_sum, pred_sum = _counts(cm, L)
    if average == "micro":
        tp, true_sum, pred_sum = (np.array([x.sum()]) for x in (tp, true_sum, pred_sum))
    union = true_sum + pred_sum - tp
    if isinstance(zero_division, str) and zero_division == "warn" and (union == 0).any():
        _warn_undefined("jaccard", len(union))
    if average is None:
        return values
    if average == "binary":
        return float(values[0])
    micro = float(_ratio(tp, union, [0.0, 1.0, np.nan][zd])[0]) if average == "micro" else None
    return float(_average(values, cm.support()[:L], average, micro))


# ---- scores over the whole matrix ------------------------------------------------------

def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    cm = _Encoded(y_true, y_pred).matrix(sample_weight)
    if normalize:
        if cm.total == 0 and sample_weight is not None and as_array(sample_weight, "sample_weight").size:
            raise ValueError("Weights sum to zero, can't be normalized")  # scikit-learn raises here too
        return cm.accuracy()  # NaN for empty input, as scikit-learn
    correct = float(np.trace(cm.matrix()))
    return int(correct) if sample_weight is None else correct


def balanced_accuracy_score(y_true, y_pred, *, sample_weight=None, adjusted=False):
    cm = _Encoded(y_true, y_pred).matrix(sample_weight)
    if adjusted and cm.total == 0:
        raise ValueError("adjusted=True over no samples: the chance level is undefined")  # scikit-learn: ZeroDivisionError
    return cm.balanced_accuracy(adjusted)  # NaN for empty input, as scikit-learn


def cohen_kappa_score(y1, y2, *, labels=None, weights=None, sample_weight=None):
    enc = _Encoded(y1, y2, labels)
    if labels is not None and not np.any(enc.y_true < enc.n_selected):
        raise ValueError("At least one label specified must be in y_true")  # as scikit-learn's confusion_matrix
    if enc.n_selected == 0:  # empty input: scikit-learn's 0/0
        return float("nan")
    return _selected_matrix(enc.matrix(sample_weight), enc.n_selected).cohen_kappa(weights)


def matthews_corrcoef(y_true, y_pred, *, sample_weight=None):
    return _Encoded(y_true, y_pred).matrix(sample_weight).matthews_corrcoef()


# ---- classification report ---------------------------------------------------------------

def classification_report(y_true, y_pred, *, labels=None, target_names=None, sample_weight=None, digits=2,
                          output_dict=False, zero_division="warn"):
    """scikit-learn's classification_report, text or (output_dict=True) the same dict.

    The dict has one entry per class keyed by its target name (the label's str()
    without target_names) holding {"precision", "recall", "f1-score", "support"},
    then "accuracy" (a float: micro precision) when every label of the data is
    reported, else a "micro avg" entry, then "macro avg" and "weighted avg".
    Values are Python floats; support is an int, or a float with sample_weight
    (scikit-learn also gives floats when no sample has y_pred == y_true, an
    artefact of its zero-filled true-positive counts; here counts stay ints).
    The labels present are those of the data, whatever their weights, so a class
    whose only samples weigh 0 still counts as present (scikit-learn's
    unique_labels). With ``labels`` given, target_names of another length warn
    (and pair up as far as both go); without, they raise.
    """
    enc = _Encoded(y_true, y_pred, labels)
    selected = enc.classes[:enc.n_selected]
    if target_names is not None and len(target_names) != len(selected):
        if labels is not None:
            warnings.warn(f"labels size, {len(selected)}, does not match size of target_names, "
                          f"{len(target_names)}", stacklevel=2)
        else:
            raise ValueError(f"Number of classes, {len(selected)}, does not match size of target_names, "
                             f"{len(target_names)}. Try specifying the labels parameter")
    if target_names is None:
        target_names = ["%s" % label for label in selected]
    keywords = dict(labels=selected, sample_weight=sample_weight, zero_division=zero_division)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, **keywords)
    present = _present_labels(y_true, y_pred)
    micro_is_accuracy = labels is None or set(as_array(labels, "labels").tolist()) == set(present.tolist())
    # zip pairs names and classes as far as both go, as scikit-learn's report does.
    rows = [(name, (float(p[i]), float(r[i]), float(f[i]), s[i].item()))
            for i, name in zip(range(len(selected)), target_names)]
    total = s.sum().item()
    averages = {}
    for average in ("micro", "macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(y_true, y_pred, average=average, **keywords)
        heading = "accuracy" if average == "micro" and micro_is_accuracy else f"{average} avg"
        averages[heading] = (float(ap), float(ar), float(af), total)
    if output_dict:
        keys = ("precision", "recall", "f1-score", "support")
        report = {name: dict(zip(keys, values)) for name, values in rows}
        for heading, values in averages.items():
            # scikit-learn keeps the micro precision as the accuracy.
            report[heading] = values[0] if heading == "accuracy" else dict(zip(keys, values))
        return report
    return _report_text(rows, averages, digits, target_names)


def _report_text(rows, averages, digits, target_names):
    width = max([len("weighted avg"), digits] + [len(name) for name in target_names])
    lines = [" " * width + " " + "".join(f" {h:>9}" for h in ("precision", "recall", "f1-score", "support")), ""]
    for name, (p, r, f, s) in rows:
        lines.append(f"{name:>{width}s} " + "".join(f" {v:>9.{digits}f}" for v in (p, r, f)) + f" {s:>9}")
    lines.append("")
    for heading, (p, r, f, s) in averages.items():
        if heading == "accuracy":
            lines.append(f"{heading:>{width}s} " + " " * 20 + f" {f:>9.{digits}f}" + f" {s:>9}")
        else:
            lines.append(f"{heading:>{width}s} " + "".join(f" {v:>9.{digits}f}" for v in (p, r, f)) + f" {s:>9}")
    return "\n".join(lines) + "\n"


# ---- probabilistic losses (issue 15) ---------------------------------------------------

__all__ += ["log_loss", "brier_score_loss"]

def _loss_classes(y_true, labels):
    """Sorted classes (scikit-learn's LabelBinarizer order) and y_true as dense ids."""
    y_true = np.asarray(y_true)
    if y_true.ndim != 1:
        raise ValueError(f"y_true must be a 1-D label array, got shape {y_true.shape}")
    classes = np.unique(y_true) if labels is None else np.unique(np.asarray(labels))
    ids = np.searchsorted(classes, y_true)
    inside = ids < len(classes)
    if not np.all(inside) or not np.all(classes[np.minimum(ids, len(classes) - 1)] == y_true):
        raise ValueError(f"y_true contains labels not in labels={list(labels)}")
    return classes, ids.astype(np.int64)


def log_loss(y_true, y_pred, *, normalize=True, sample_weight=None, labels=None):
    """scikit-learn >= 1.5 ``log_loss``: probabilities clipped to [eps, 1 - eps]
    with eps the dtype's machine epsilon, rows not renormalized; values outside
    [0, 1] raise. A 1-D ``y_pred`` holds the probability of the greater class."""
    from ._loss import Loss

    y_pred = np.asarray(y_pred)
    if y_pred.dtype not in (np.float32, np.float64):
        y_pred = y_pred.astype(np.float64)
    classes, ids = _loss_classes(y_true, labels)
    if len(classes) < 2:
        if labels is None:
            raise ValueError(f"y_true contains only one label ({classes[0] if len(classes) else None}). Please "
                             "provide the true labels explicitly through the labels argument.")
        raise ValueError(f"The labels array needs to contain at least two labels for log_loss, got {classes}.")
    columns = 2 if y_pred.ndim == 1 or y_pred.shape[1] == 1 else y_pred.shape[1]
    if columns != len(classes):
        raise ValueError(f"y_true and y_pred contain different number of classes {len(classes)}, {columns}. "
                         "Please provide the true labels explicitly through the labels argument.")
    if y_pred.ndim == 2 and y_pred.shape[1] == 1:
        y_pred = y_pred[:, 0]
    loss = Loss("cross_entropy", len(classes)).update_probs(ids, y_pred, sample_weight)
    return loss.value() if normalize else loss.sum()


def brier_score_loss(y_true, y_proba, *, sample_weight=None, pos_label=None, labels=None, scale_by_half="auto"):
    """scikit-learn's ``brier_score_loss``: for a 1-D ``y_proba`` (the binary form
    of every version) the mean of (p - [y == pos_label])^2; for an (n, K) matrix
    (scikit-learn >= 1.7) the mean of sum_k (p_k - onehot_k)^2, halved when
    ``scale_by_half`` is True or, with 'auto', when K is 2."""
    from ._loss import Loss

    y_proba = np.asarray(y_proba)
    if y_proba.dtype not in (np.float32, np.float64):
        y_proba = y_proba.astype(np.float64)
    if scale_by_half not in ("auto", True, False):
        raise ValueError(f"scale_by_half must be 'auto', True or False, got {scale_by_half!r}")
    y_true = np.asarray(y_true)
    if y_proba.ndim == 1:
        present = np.unique(y_true)
        if len(present) > 2:
            raise ValueError("Only binary classification is supported. The type of the target is multiclass.")
        if pos_label is None:
            if present.dtype.kind in "OUS":
                raise ValueError(f"y_true takes value in {set(present.tolist())} and pos_label is not specified: "
                                 "either make y_true take value in {0, 1} or {-1, 1} or pass pos_label explicitly.")
            pos_label = 1 if set(present.tolist()) <= {0, 1} or set(present.tolist()) <= {-1, 1} else present[-1]
        loss = Loss("brier", 2).update_probs((y_true == pos_label).astype(np.int32), y_proba, sample_weight)
        return loss.value() * (2.0 if scale_by_half is False else 1.0)
    classes, ids = _loss_classes(y_true, labels)
    if y_proba.ndim != 2 or y_proba.shape[1] != max(len(classes), 2):
        raise ValueError(f"y_proba has {y_proba.shape[1] if y_proba.ndim == 2 else y_proba.ndim} columns for "
                         f"{len(classes)} classes; pass labels explicitly")
    k = y_proba.shape[1]
    value = Loss("brier", k).update_probs(ids, y_proba, sample_weight).value()
    if k == 2 and scale_by_half is False:
        return 2.0 * value
    if k > 2 and scale_by_half is True:
        return 0.5 * value
    return value
# ---- ranking metrics (trainmetrics.Ranking, exact mode: scikit-learn 1.2's numbers) ----

def _binary_targets(y_true, pos_label):
    """0/1 targets of a binary y_true, with scikit-learn's pos_label rules."""
    y_true = np.asarray(y_true)
    classes = np.unique(y_true)
    if pos_label is None:
        if classes.size > 2:
            raise ValueError(f"y_true takes value in {classes.tolist()}: only binary y_true is supported here")
        if not (set(classes.tolist()) <= {0, 1} or set(classes.tolist()) <= {-1, 1}):
            raise ValueError(f"y_true takes value in {classes.tolist()} and pos_label is not specified: "
                             "either make y_true take value in {0, 1} or {-1, 1} or pass pos_label explicitly.")
        pos_label = 1
    return (y_true == pos_label).astype(np.int32)


def _ranking_of(y_true, y_score, sample_weight, *, multi_class="ovr", labels=None, pos_label=None):
    from ._ranking import Ranking
    y_true, y_score = np.asarray(y_true), np.asarray(y_score)
    if y_true.ndim == 2:
        r = Ranking("multilabel", n_labels=y_true.shape[1])
        targets = y_true
    elif y_score.ndim == 2 and y_score.shape[1] > 1:
        if multi_class != "ovr":
            raise ValueError("multi_class must be 'ovr' for multiclass y_true (the one-vs-one form is not offered)")
        classes = np.unique(y_true) if labels is None else np.asarray(labels)
        if len(classes) != y_score.shape[1]:
            raise ValueError("Number of classes in y_true not equal to the number of columns in 'y_score'")
        if np.setdiff1d(y_true, classes).size:
            raise ValueError("'y_true' contains labels not in parameter 'labels'")
        order = np.argsort(classes, kind="stable")
        targets = order[np.searchsorted(classes[order], y_true)]
        r = Ranking("multiclass", n_classes=len(classes))
    else:
        if y_score.ndim == 2 and y_score.shape[1] == 1:
            y_score = y_score[:, 0]
        targets = _binary_targets(y_true, pos_label)
        r = Ranking("binary")
    r.update(targets, y_score, sample_weight)
    return r


def _ranking_average(average):
    if average not in (None, "macro", "micro", "weighted"):
        raise ValueError(f"average must be None, 'macro', 'micro' or 'weighted', got {average!r}"
                         + (" ('samples' is not offered)" if average == "samples" else ""))
    return average


def roc_auc_score(y_true, y_score, *, average="macro", sample_weight=None, max_fpr=None, multi_class="raise",
                  labels=None):
    """scikit-learn's roc_auc_score for binary, multilabel and one-vs-rest multiclass
    input; a column with one class only raises ValueError as there. Multiclass
    scores need not sum to 1. max_fpr and multi_class='ovo' are not offered."""
    if max_fpr is not None:
        raise ValueError("max_fpr (partial AUC) is not offered")
    y_true, y_score = np.asarray(y_true), np.asarray(y_score)
    if y_true.ndim == 1 and y_score.ndim == 2 and y_score.shape[1] > 1 and multi_class == "raise":
        raise ValueError("multi_class must be in ('ovo', 'ovr')")
    r = _ranking_of(y_true, y_score, sample_weight, multi_class=multi_class, labels=labels)
    return r.roc_auc(_ranking_average(average) if r.n_columns > 1 else "macro")


def average_precision_score(y_true, y_score, *, average="macro", pos_label=1, sample_weight=None):
    """scikit-learn's average_precision_score (binary and multilabel, and multiclass
    one-vs-rest as scikit-learn >= 1.3 does it)."""
    r = _ranking_of(y_true, y_score, sample_weight, pos_label=pos_label)
    return r.average_precision(_ranking_average(average) if r.n_columns > 1 else "macro")


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True):
    """scikit-learn 1.2's roc_curve: the first threshold is max(y_score) + 1."""
    from ._ranking import Ranking
    r = Ranking("binary").update(_binary_targets(y_true, pos_label), np.asarray(y_score), sample_weight)
    return r.roc_curve(drop_intermediate=drop_intermediate)


def precision_recall_curve(y_true, probas_pred, *, pos_label=None, sample_weight=None):
    """scikit-learn 1.2's precision_recall_curve (every threshold, increasing)."""
    from ._ranking import Ranking
    r = Ranking("binary").update(_binary_targets(y_true, pos_label), np.asarray(probas_pred), sample_weight)
    return r.precision_recall_curve()
