"""``cairn.plot``: the charts W&B users rely on, computed here with numpy (W&B's ``wandb.plot``).

Each function returns a chart (:class:`cairn.media.chart.Chart`): log it with
``run.log({"key": chart})``; its data is logged at the same step as the table ``<key>_table``.

- ``confusion_matrix(probs=, y_true=, preds=, class_names=, title=)``: table ``Actual``,
  ``Predicted``, ``nPredictions`` (every pair of classes, zeros included).
- ``pr_curve(y_true, y_probas, labels=, classes_to_plot=, title=)``: table ``class``,
  ``recall``, ``precision``; ``roc_curve(...)``: ``class``, ``fpr``, ``tpr``. One-vs-rest per
  class, at most 1000 points per class (evenly thinned); a class without positive examples (or,
  for ROC, without negative ones) has no curve.
- ``line(table, x, y)``, ``scatter(table, x, y)``, ``bar(table, label, value)``,
  ``histogram(table, value)``: a chart of columns of a :class:`cairn.Table`, fixed when called.

Class labels are integer ids ``0..n-1`` (the columns of ``y_probas``); names go in
``class_names``/``labels``. Bad input raises :class:`cairn.errors.InvalidInputError` naming the
argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cairn.errors import InvalidInputError
from cairn.media.chart import Chart
from cairn.media.curves import confusion_counts, pr_points, roc_points, thin
from cairn.media.table import Table, TableSnapshot

__all__ = ["bar", "confusion_matrix", "histogram", "line", "pr_curve", "roc_curve", "scatter"]

Array = np.ndarray[Any, Any]
PROBABILITY_SUM_TOLERANCE = 0.01


def confusion_matrix(
    probs: Any = None,
    y_true: Any = None,
    preds: Any = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Chart:
    """Counts of (actual, predicted) class pairs; pass ``preds`` (ids) or ``probs`` (N, C)."""
    title = _title(title, "Confusion Matrix")
    if y_true is None:
        raise InvalidInputError("confusion_matrix: y_true (the true class ids) is required")
    if (preds is None) == (probs is None):
        raise InvalidInputError(
            "confusion_matrix: pass either preds (predicted class ids) or probs "
            "(class probabilities, shape (N, n_classes)), not both and not neither"
        )
    names = _names(class_names, "class_names")
    if probs is not None:
        probabilities = _probabilities(probs, "probs", names)
        n_classes = probabilities.shape[1]
        predicted = probabilities.argmax(axis=1)
    actual = _class_ids(y_true, "y_true", len(names) if names else None)
    if preds is not None:
        predicted = _class_ids(preds, "preds", len(names) if names else None)
        n_classes = len(names) if names else int(max(actual.max(), predicted.max())) + 1
    if names is None:
        names = [str(i) for i in range(n_classes)]
    _same_length(actual, "y_true", predicted, "preds" if preds is not None else "probs")
    if probs is not None and actual.size and actual.max() >= n_classes:
        raise InvalidInputError(
            f"confusion_matrix: y_true holds class {int(actual.max())} but probs has "
            f"{n_classes} columns (classes 0..{n_classes - 1})"
        )
    counts = confusion_counts(actual, predicted, n_classes)
    rows = [
        (names[a], names[p], int(counts[a, p])) for a in range(n_classes) for p in range(n_classes)
    ]
    table = _snapshot(("Actual", "Predicted", "nPredictions"), rows, ("text", "text", "number"))
    fields = {"x": "Predicted", "y": "Actual", "value": "nPredictions"}
    return Chart("confusion_matrix", table, fields, title)


def pr_curve(
    y_true: Any = None,
    y_probas: Any = None,
    labels: Sequence[str] | None = None,
    classes_to_plot: Sequence[int] | None = None,
    title: str | None = None,
) -> Chart:
    """Precision against recall per class (one-vs-rest)."""
    rows = _curve_rows("pr_curve", y_true, y_probas, labels, classes_to_plot, pr_points, False)
    table = _snapshot(("class", "recall", "precision"), rows, ("text", "number", "number"))
    fields = {"x": "recall", "y": "precision", "class": "class"}
    return Chart("pr_curve", table, fields, _title(title, "Precision v. Recall"))


def roc_curve(
    y_true: Any = None,
    y_probas: Any = None,
    labels: Sequence[str] | None = None,
    classes_to_plot: Sequence[int] | None = None,
    title: str | None = None,
) -> Chart:
    """True-positive rate against false-positive rate per class (one-vs-rest)."""
    rows = _curve_rows("roc_curve", y_true, y_probas, labels, classes_to_plot, roc_points, True)
    table = _snapshot(("class", "fpr", "tpr"), rows, ("text", "number", "number"))
    fields = {"x": "fpr", "y": "tpr", "class": "class"}
    return Chart("roc_curve", table, fields, _title(title, "ROC"))


def line(table: Table, x: str, y: str, title: str | None = None) -> Chart:
    """A line of column ``y`` against column ``x``."""
    _numeric_columns("line", table, x=x, y=y)
    return Chart("line", table._full_snapshot("IMMUTABLE"), {"x": x, "y": y}, _title(title, ""))


def scatter(table: Table, x: str, y: str, title: str | None = None) -> Chart:
    """Points of column ``y`` against column ``x``."""
    _numeric_columns("scatter", table, x=x, y=y)
    return Chart("scatter", table._full_snapshot("IMMUTABLE"), {"x": x, "y": y}, _title(title, ""))


def bar(table: Table, label: str, value: str, title: str | None = None) -> Chart:
    """One bar per row: column ``value`` (numbers), named by column ``label``."""
    _table("bar", table)
    _column("bar", table, "label", label)
    _numeric_columns("bar", table, value=value)
    fields = {"x": label, "y": value}
    return Chart("bar", table._full_snapshot("IMMUTABLE"), fields, _title(title, ""))


def histogram(table: Table, value: str, title: str | None = None) -> Chart:
    """The distribution of column ``value`` (numbers), binned by the panel."""
    _numeric_columns("histogram", table, value=value)
    fields = {"x": value}
    return Chart("histogram", table._full_snapshot("IMMUTABLE"), fields, _title(title, ""))


# -- checks --------------------------------------------------------------------------------------


def _curve_rows(
    fn: str,
    y_true: Any,
    y_probas: Any,
    labels: Sequence[str] | None,
    classes_to_plot: Sequence[int] | None,
    points: Any,
    needs_negatives: bool,
) -> list[tuple[str, float, float]]:
    if y_true is None or y_probas is None:
        raise InvalidInputError(f"{fn}: y_true and y_probas are both required")
    names = _names(labels, "labels")
    probas = _probabilities(y_probas, "y_probas", names)
    n_classes = probas.shape[1]
    actual = _class_ids(y_true, "y_true", n_classes, "y_probas has")
    _same_length(actual, "y_true", probas, "y_probas")
    if names is None:
        names = [str(i) for i in range(n_classes)]
    if classes_to_plot is None:
        chosen = list(range(n_classes))
    else:
        chosen = _class_ids(classes_to_plot, "classes_to_plot", n_classes, "y_probas has").tolist()
    rows: list[tuple[str, float, float]] = []
    for c in chosen:
        positive = actual == c
        if not positive.any() or (needs_negatives and positive.all()):
            continue
        xs, ys = points(positive, probas[:, c])
        keep = thin(len(xs))
        rows.extend(zip([names[c]] * len(keep), xs[keep].tolist(), ys[keep].tolist(), strict=True))
    if not rows:
        need = "both positive and negative examples" if needs_negatives else "positive examples"
        raise InvalidInputError(f"{fn}: y_true has no class to plot with {need}")
    return rows


def _class_ids(values: Any, arg: str, n_classes: int | None, what: str = "there are") -> Array:
    """Integer class ids, 1-D, in ``0..n_classes-1`` when that is known."""
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise InvalidInputError(
            f"{arg} must be a non-empty 1-D sequence of class ids, got shape {array.shape}"
        )
    integral = array.dtype.kind in "iub" or (
        array.dtype.kind == "f" and np.isfinite(array).all() and (array == np.round(array)).all()
    )
    if not integral:
        raise InvalidInputError(
            f"{arg} must hold integer class ids 0..n-1, got {array.dtype} values; map class "
            "names to ids and pass the names as class_names/labels"
        )
    ids = array.astype(np.int64)
    bad = np.flatnonzero((ids < 0) | (ids >= n_classes if n_classes is not None else ids < 0))
    if bad.size:
        i = int(bad[0])
        span = f"0..{n_classes - 1} ({what} {n_classes} classes)" if n_classes else "0 or more"
        raise InvalidInputError(f"{arg}: value {int(ids[i])} at index {i} is not a class {span}")
    return ids


def _probabilities(values: Any, arg: str, names: list[str] | None) -> Array:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{arg} must be numbers, shape (N, n_classes)") from None
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] < 2:
        raise InvalidInputError(
            f"{arg} must have shape (N, n_classes) with at least 2 classes, got {array.shape}; "
            "for a binary classifier with one score p, pass np.stack([1 - p, p], axis=1)"
        )
    if not np.isfinite(array).all() or (array < 0).any() or (array > 1).any():
        raise InvalidInputError(f"{arg} must be probabilities in [0, 1] (no NaN)")
    sums = array.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1) > PROBABILITY_SUM_TOLERANCE)
    if off.size:
        i = int(off[0])
        raise InvalidInputError(
            f"{arg}: row {i} sums to {sums[i]:.4g}, not 1; pass class probabilities "
            "(e.g. a softmax of the logits), one row per example"
        )
    if names is not None and len(names) != array.shape[1]:
        raise InvalidInputError(
            f"{arg} has {array.shape[1]} columns but {len(names)} class names were given"
        )
    return array


def _names(names: Sequence[str] | None, arg: str) -> list[str] | None:
    if names is None:
        return None
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise InvalidInputError(f"{arg} must be a list of class names (strings)")
    out = list(names)
    if len(set(out)) != len(out):
        raise InvalidInputError(f"{arg}: class names must be unique")
    return out


def _same_length(a: Array, a_name: str, b: Array, b_name: str) -> None:
    if len(a) != len(b):
        raise InvalidInputError(
            f"{a_name} has {len(a)} values but {b_name} has {len(b)}; they must be one per example"
        )


def _table(fn: str, table: Any) -> None:
    if not isinstance(table, Table):
        raise InvalidInputError(f"{fn}: table must be a cairn.Table, got {type(table).__name__}")


def _column(fn: str, table: Table, arg: str, name: Any) -> None:
    if name not in table.columns:
        raise InvalidInputError(
            f"{fn}: {arg}={name!r} is not a column of the table; its columns are {table.columns}"
        )


def _numeric_columns(fn: str, table: Any, **columns: str) -> None:
    _table(fn, table)
    types = table.column_types
    for arg, name in columns.items():
        _column(fn, table, arg, name)
        empty = all(v is None for v in table.get_column(name))
        if types[name] != "number" and not empty:
            raise InvalidInputError(
                f"{fn}: {arg}={name!r} must be a column of numbers, but it holds {types[name]}"
            )


def _title(title: Any, default: str) -> str:
    if title is None:
        return default
    if not isinstance(title, str):
        raise InvalidInputError(f"title must be a string, got {type(title).__name__}")
    return title


def _snapshot(
    columns: tuple[str, ...], rows: list[tuple[Any, ...]], types: tuple[str, ...]
) -> TableSnapshot:
    # rows built here from checked numbers and names: no per-cell conversion needed
    return TableSnapshot(columns, rows, dict(zip(columns, types, strict=True)), "IMMUTABLE")
