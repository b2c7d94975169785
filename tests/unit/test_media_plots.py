"""cairn.plot: confusion matrix, PR and ROC curves computed with numpy, table charts, bad input."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import cairn
from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded
from cairn.media.table import Table

# class-1 scores of five examples; class 0 gets 1 - score
SCORES = np.array([0.9, 0.8, 0.4, 0.3, 0.2])
PROBAS = np.stack([1 - SCORES, SCORES], axis=1)
Y_TRUE = [0, 1, 1, 0, 1]


def logged(chart: Any, key: str = "k", step: int = 4) -> tuple[dict[str, Any], dict[str, Any]]:
    """The chart's value and its sibling table's JSON body."""
    enc: Encoded = chart.encode(EncodeContext(key, step))
    assert enc.files == []
    assert list(enc.siblings) == [f"{key}_table"]
    table = enc.siblings[f"{key}_table"]
    assert table.value["_type"] == "table-file"
    assert table.value["path"].startswith(f"media/table/{key}_table_{step}_")
    assert table.files[-1].path == table.value["path"]
    return enc.value, json.loads(table.files[-1].data)


def curve(body: dict[str, Any], name: str) -> list[tuple[float, float]]:
    return [(row[1], row[2]) for row in body["data"] if row[0] == name]


def same_points(actual: list[tuple[float, float]], expected: list[tuple[float, float]]) -> bool:
    return len(actual) == len(expected) and np.allclose(actual, expected)


def test_confusion_matrix_counts_from_preds() -> None:
    chart = cairn.plot.confusion_matrix(
        y_true=[0, 1, 2, 2, 1, 0], preds=[0, 2, 2, 1, 1, 0], class_names=["a", "b", "c"]
    )
    value, body = logged(chart, "cm")
    assert value == {
        "_type": "chart",
        "chart": "confusion_matrix",
        "table_key": "cm_table",
        "fields": {"x": "Predicted", "y": "Actual", "value": "nPredictions"},
        "title": "Confusion Matrix",
    }
    assert body["columns"] == ["Actual", "Predicted", "nPredictions"]
    counts = {(a, p): n for a, p, n in body["data"]}
    assert len(counts) == 9
    assert counts[("a", "a")] == 2
    assert counts[("b", "b")] == 1
    assert counts[("b", "c")] == 1
    assert counts[("c", "c")] == 1
    assert counts[("c", "b")] == 1
    assert sum(counts.values()) == 6


def test_confusion_matrix_from_probs_uses_argmax() -> None:
    chart = cairn.plot.confusion_matrix(probs=PROBAS, y_true=Y_TRUE, title="cm")
    value, body = logged(chart)
    assert value["title"] == "cm"
    counts = {(a, p): n for a, p, n in body["data"]}
    # predicted: 1, 1, 0, 0, 0
    assert counts == {("0", "0"): 1, ("0", "1"): 1, ("1", "0"): 2, ("1", "1"): 1}


def test_roc_points_by_hand() -> None:
    value, body = logged(cairn.plot.roc_curve(Y_TRUE, PROBAS, labels=["neg", "pos"]))
    assert value["fields"] == {"x": "fpr", "y": "tpr", "class": "class"}
    assert value["chart"] == "roc_curve"
    assert body["columns"] == ["class", "fpr", "tpr"]
    third = 1 / 3
    assert same_points(
        curve(body, "pos"),
        [(0, 0), (0.5, 0), (0.5, third), (0.5, 2 * third), (1, 2 * third), (1, 1)],
    )
    assert same_points(
        curve(body, "neg"),
        [(0, 0), (third, 0), (third, 0.5), (2 * third, 0.5), (1, 0.5), (1, 1)],
    )


def test_pr_points_by_hand() -> None:
    value, body = logged(cairn.plot.pr_curve(Y_TRUE, PROBAS, classes_to_plot=[1], title="PR"))
    assert value["fields"] == {"x": "recall", "y": "precision", "class": "class"}
    assert value["title"] == "PR"
    assert body["columns"] == ["class", "recall", "precision"]
    third = 1 / 3
    assert {row[0] for row in body["data"]} == {"1"}
    assert same_points(
        curve(body, "1"),
        [(0, 1), (0, 0), (third, 0.5), (2 * third, 2 * third), (2 * third, 0.5), (1, 0.6)],
    )


def test_tied_scores_make_one_point() -> None:
    probas = np.array([[0.5, 0.5], [0.5, 0.5], [0.9, 0.1]])
    _, body = logged(cairn.plot.roc_curve([1, 0, 0], probas, classes_to_plot=[1]))
    assert same_points(curve(body, "1"), [(0, 0), (0.5, 1), (1, 1)])


def test_curves_are_thinned_to_1000_points_per_class() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random(5000)
    probas = np.stack([1 - scores, scores], axis=1)
    y = (rng.random(5000) < scores).astype(int)
    _, body = logged(cairn.plot.pr_curve(y, probas))
    for name in ("0", "1"):
        points = curve(body, name)
        assert 900 < len(points) <= 1000
        assert points[0] == (0.0, 1.0)
        assert points[-1][0] == 1.0  # the last point (all positives found) is kept


def test_class_without_positives_has_no_curve() -> None:
    probas = np.array([[0.2, 0.8, 0.0], [0.6, 0.4, 0.0]])
    _, body = logged(cairn.plot.roc_curve([0, 1], probas))
    assert {row[0] for row in body["data"]} == {"0", "1"}


def test_table_charts() -> None:
    table = Table(columns=["epoch", "acc", "name"], data=[[0, 0.5, "a"], [1, 0.7, "b"]])
    for chart, kind, fields in (
        (cairn.plot.line(table, "epoch", "acc", title="acc"), "line", {"x": "epoch", "y": "acc"}),
        (cairn.plot.scatter(table, "epoch", "acc"), "scatter", {"x": "epoch", "y": "acc"}),
        (cairn.plot.bar(table, "name", "acc"), "bar", {"x": "name", "y": "acc"}),
        (cairn.plot.histogram(table, "acc"), "histogram", {"x": "acc"}),
    ):
        value, body = logged(chart, "c")
        assert value["chart"] == kind
        assert value["fields"] == fields
        assert body["data"] == [[0, 0.5, "a"], [1, 0.7, "b"]]
    # fixed when called, as the table was
    chart = cairn.plot.line(table, "epoch", "acc")
    table.add_data(2, 0.9, "c")
    assert len(logged(chart)[1]["data"]) == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cairn.plot.confusion_matrix(preds=[0]), "y_true .* is required"),
        (lambda: cairn.plot.confusion_matrix(y_true=[0]), "pass either preds .* or probs"),
        (
            lambda: cairn.plot.confusion_matrix(y_true=[0, 1], preds=[0, 1], probs=PROBAS),
            "not both",
        ),
        (
            lambda: cairn.plot.confusion_matrix(y_true=[0, 1], preds=[0]),
            "y_true has 2 values but preds has 1",
        ),
        (
            lambda: cairn.plot.confusion_matrix(
                y_true=[0, 3], preds=[0, 1], class_names=["a", "b"]
            ),
            r"y_true: value 3 at index 1 is not a class 0..1",
        ),
        (
            lambda: cairn.plot.confusion_matrix(y_true=[0, -1], preds=[0, 1]),
            r"y_true: value -1 at index 1 is not a class",
        ),
        (
            lambda: cairn.plot.confusion_matrix(y_true=["cat"], preds=[0]),
            "y_true must hold integer class ids",
        ),
        (
            lambda: cairn.plot.confusion_matrix(y_true=[0.5], preds=[0]),
            "y_true must hold integer class ids",
        ),
        (
            lambda: cairn.plot.confusion_matrix(y_true=[[0]], preds=[0]),
            "y_true must be a non-empty 1-D sequence",
        ),
        (
            lambda: cairn.plot.confusion_matrix(y_true=[0, 2], probs=[[0.5, 0.5], [1, 0]]),
            "y_true holds class 2 but probs has 2 columns",
        ),
        (
            lambda: cairn.plot.confusion_matrix(y_true=[0], preds=[0], class_names=["a", "a"]),
            "class_names: class names must be unique",
        ),
        (
            lambda: cairn.plot.confusion_matrix(y_true=[0], preds=[0], class_names="ab"),
            "class_names must be a list of class names",
        ),
        (lambda: cairn.plot.confusion_matrix(y_true=[0], preds=[0], title=3), "title must be"),
        (lambda: cairn.plot.pr_curve([0, 1]), "y_true and y_probas are both required"),
        (lambda: cairn.plot.pr_curve([0, 1, 1, 0], PROBAS), "y_true has 4 values but y_probas"),
        (
            lambda: cairn.plot.roc_curve([0, 1, 1, 0, 2], PROBAS),
            r"y_true: value 2 at index 4 is not a class 0..1 \(y_probas has 2 classes\)",
        ),
        (
            lambda: cairn.plot.roc_curve(Y_TRUE, PROBAS * 0.5),
            r"y_probas: row 0 sums to 0.5, not 1",
        ),
        (lambda: cairn.plot.roc_curve(Y_TRUE, PROBAS + 1), r"probabilities in \[0, 1\]"),
        (lambda: cairn.plot.roc_curve(Y_TRUE, SCORES), r"shape \(N, n_classes\).*np.stack"),
        (lambda: cairn.plot.roc_curve(Y_TRUE, [["a", "b"]]), "y_probas must be numbers"),
        (
            lambda: cairn.plot.roc_curve(Y_TRUE, PROBAS, labels=["a", "b", "c"]),
            "y_probas has 2 columns but 3 class names",
        ),
        (
            lambda: cairn.plot.roc_curve(Y_TRUE, PROBAS, classes_to_plot=[5]),
            "classes_to_plot: value 5 at index 0 is not a class",
        ),
        (
            lambda: cairn.plot.roc_curve([1, 1], [[0.5, 0.5], [0.2, 0.8]]),
            "no class to plot with both positive and negative examples",
        ),
        (lambda: cairn.plot.line([[1, 2]], "x", "y"), "line: table must be a cairn.Table"),
        (
            lambda: cairn.plot.line(Table(columns=["x"]), "x", "y"),
            r"line: y='y' is not a column of the table; its columns are \['x'\]",
        ),
        (
            lambda: cairn.plot.scatter(Table(columns=["x", "y"], data=[[1, "a"]]), "x", "y"),
            "scatter: y='y' must be a column of numbers, but it holds text",
        ),
        (
            lambda: cairn.plot.bar(Table(columns=["x", "y"], data=[[1, 2]]), "z", "y"),
            "bar: label='z' is not a column",
        ),
        (
            lambda: cairn.plot.histogram(Table(columns=["v"], data=[["a"]]), "v"),
            "histogram: value='v' must be a column of numbers",
        ),
    ],
)
def test_bad_input(call: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        call()


def test_chart_cannot_be_a_table_cell() -> None:
    chart = cairn.plot.confusion_matrix(y_true=[0], preds=[0])
    with pytest.raises(InvalidInputError, match="a Chart cannot be a table cell"):
        Table(columns=["c"], data=[[chart]])
