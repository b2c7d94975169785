"""Confusion counts, ROC and precision-recall points: pure numpy, no scikit-learn.

The curves follow scikit-learn's definitions (one point per distinct score, from the highest
threshold down), so their points can be checked against it or by hand.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

MAX_CURVE_POINTS: Final = 1000

Array = np.ndarray[Any, Any]


def confusion_counts(actual: Array, predicted: Array, n_classes: int) -> Array:
    """``counts[a, p]``: how many examples of class ``a`` were predicted as ``p``."""
    flat = actual.astype(np.int64) * n_classes + predicted.astype(np.int64)
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _counts(positive: Array, scores: Array) -> tuple[Array, Array]:
    """False and true positives at each distinct threshold, highest threshold first."""
    order = np.argsort(-scores, kind="mergesort")
    sorted_scores = scores[order]
    hits = positive[order].astype(np.int64)
    last = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(sorted_scores) - 1]
    tps = np.cumsum(hits)[last]
    fps = last + 1 - tps
    return fps, tps


def roc_points(positive: Array, scores: Array) -> tuple[Array, Array]:
    """(fpr, tpr), starting at (0, 0); needs both positive and negative examples."""
    fps, tps = _counts(positive, scores)
    fpr = np.r_[0.0, fps / fps[-1]]
    tpr = np.r_[0.0, tps / tps[-1]]
    return fpr, tpr


def pr_points(positive: Array, scores: Array) -> tuple[Array, Array]:
    """(recall, precision), starting at (0, 1); needs positive examples."""
    fps, tps = _counts(positive, scores)
    precision = np.r_[1.0, tps / (tps + fps)]
    recall = np.r_[0.0, tps / tps[-1]]
    return recall, precision


def thin(n: int, limit: int = MAX_CURVE_POINTS) -> Array:
    """Indices of at most ``limit`` of ``n`` points, evenly spread, first and last kept."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, limit)).astype(np.int64))
