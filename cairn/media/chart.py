"""A chart: a panel spec logged under a key, with its data as the table ``<key>_table``.

The value is ``{"_type": "chart", "chart", "table_key", "fields", "title"}`` (design 0010);
``fields`` maps the chart's roles (``x``, ``y``, ``class``, ``value``) to the table's column
names. The table is logged at the same step as a sibling value, so it reads like any table.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from cairn.media.base import EncodeContext, Encoded, Media
from cairn.media.table import TableSnapshot

CHARTS: Final = ("confusion_matrix", "pr_curve", "roc_curve", "line", "scatter", "bar", "histogram")


class Chart(Media):
    """What ``cairn.plot`` functions return: log it with ``run.log({"key": chart})``."""

    type_name: ClassVar[str] = "chart"
    table_cell: ClassVar[bool] = False

    def __init__(
        self, chart: str, table: TableSnapshot, fields: dict[str, str], title: str
    ) -> None:
        assert chart in CHARTS, chart
        self.chart = chart
        self.table = table
        self.fields = dict(fields)
        self.title = title

    def frozen(self) -> Chart:
        return self

    def encode(self, ctx: EncodeContext) -> Encoded:
        table_key = f"{ctx.key}_table"
        table = self.table.encode(EncodeContext(table_key, ctx.step))
        value: dict[str, Any] = {
            "_type": self.type_name,
            "chart": self.chart,
            "table_key": table_key,
            "fields": self.fields,
            "title": self.title,
        }
        return Encoded(value, [], siblings={table_key: table})
