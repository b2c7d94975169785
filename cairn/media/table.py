"""``cairn.Table`` and ``cairn.JoinedTable``: rows of typed cells, logged as W&B table files.

A table is mutable and may be logged many times, but each log must write the rows as they were
when ``run.log`` was called, while encoding happens later on the writer thread. So a table
hands the logger an immutable snapshot: :meth:`Table.frozen` returns a :class:`TableSnapshot`
(a shallow copy of the row list; rows are tuples and cells were converted when added, so
nothing is deep-copied). The plumbing calls ``getattr(value, "frozen", None)`` on the caller's
thread and encodes what it returns; :meth:`Table.encode` works on its own too (it freezes at
encode time), which is what a direct ``encode`` call in a test does.

Log modes (as W&B's): ``IMMUTABLE`` (default) logs the table as it is the first time; changing
it afterwards is refused. ``MUTABLE`` logs the whole table each time. ``INCREMENTAL`` logs only
the rows added since this table object was last logged, as a new part whose value carries
``increment`` (0, 1, ...) and ``previous`` (the earlier parts' ``{path, sha256}``), so a reader
gets the whole table from the latest value alone; its columns are fixed once it is logged.

Media cells are encoded with the table; their files go into the table's files and the cell holds
their value. A cell at row ``r`` (counted over the whole table), column index ``c`` is encoded
under the key ``<key>/<r>_<c>``, so its files are ``media/<kind>/<key>/<r>_<c>_<step>_<sha8>.<ext>``
and never collide; one media object in several cells is encoded once and shared by reference.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Final

import numpy as np

from cairn.errors import InvalidInputError
from cairn.media.base import EncodeContext, Encoded, Media, MediaFile
from cairn.media.cells import convert_cell, json_safe

LOG_MODES: Final = ("IMMUTABLE", "MUTABLE", "INCREMENTAL")
DEFAULT_COLUMNS: Final = ("Input", "Output", "Expected")

Row = tuple[Any, ...]


class Table(Media):
    """A table of typed columns (W&B's ``wandb.Table``)."""

    type_name: ClassVar[str] = "table-file"
    table_cell: ClassVar[bool] = False

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        data: Any = None,
        dataframe: Any = None,
        rows: Any = None,
        allow_mixed_types: bool = False,
        log_mode: str = "IMMUTABLE",
    ) -> None:
        if log_mode not in LOG_MODES:
            raise InvalidInputError(
                f"log_mode must be one of {', '.join(LOG_MODES)}, got {log_mode!r}"
            )
        self.log_mode = log_mode
        self.allow_mixed_types = bool(allow_mixed_types)
        self._rows: list[Row] = []
        self._types: list[str | None] = []
        self._mixed: list[bool] = []
        self._logged = False
        self._snapshot: TableSnapshot | None = None
        self._logged_rows = 0
        self._increments = 0
        self._parts: list[dict[str, str]] = []
        if data is None:
            data = rows
        if dataframe is None and _is_dataframe(data):
            dataframe, data = data, None
        if dataframe is not None:
            if not _is_dataframe(dataframe):
                raise InvalidInputError(
                    f"dataframe must be a pandas DataFrame, got {type(dataframe).__name__}"
                )
            self._columns = _check_columns([str(c) for c in dataframe.columns])
            self._init_types()
            for row in dataframe.itertuples(index=False, name=None):
                self._append(row)
            return
        if isinstance(data, np.ndarray):
            if data.ndim != 2:
                raise InvalidInputError(
                    f"data as a numpy array must be 2-D (rows, columns), got shape {data.shape}"
                )
            data = list(data)
        if columns is None:
            columns = DEFAULT_COLUMNS
        if isinstance(columns, str):
            raise InvalidInputError("columns must be a list of names, not a single string")
        self._columns = _check_columns([str(c) for c in columns])
        self._init_types()
        if data is not None:
            if isinstance(data, str | bytes) or not isinstance(data, Iterable):
                raise InvalidInputError(f"data must be a list of rows, got {type(data).__name__}")
            for row in data:
                self._append(row)

    # -- reading -------------------------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        """The column names (a copy)."""
        return list(self._columns)

    @property
    def data(self) -> list[list[Any]]:
        """The rows as lists (a copy; change the table with ``add_data``/``add_column``)."""
        return [list(row) for row in self._rows]

    @property
    def column_types(self) -> dict[str, str]:
        """Each column's type as written in the table file (see :mod:`cairn.media.cells`)."""
        return {
            name: "json" if mixed or kind is None else kind
            for name, kind, mixed in zip(self._columns, self._types, self._mixed, strict=True)
        }

    def get_column(self, name: str, convert_to: str | None = None) -> Any:
        """The values of column ``name``; ``convert_to="numpy"`` gives a numpy array."""
        index = self._column_index(name)
        values = [row[index] for row in self._rows]
        if convert_to is None:
            return values
        if convert_to == "numpy":
            return np.array(values)
        raise InvalidInputError(f"convert_to must be None or 'numpy', got {convert_to!r}")

    def get_index(self) -> list[int]:
        """The row numbers, 0 to ``len(data) - 1``."""
        return list(range(len(self._rows)))

    def __len__(self) -> int:
        return len(self._rows)

    # -- changing ------------------------------------------------------------------------------

    def add_data(self, *data: Any) -> None:
        """Append one row; its length must be the number of columns and each cell its type."""
        self._check_changeable()
        self._append(data)

    add_row = add_data

    def add_column(self, name: str, data: Sequence[Any]) -> None:
        """Append a column; ``data`` has one value per row (or makes the rows of an empty table)."""
        self._check_changeable()
        if self.log_mode == "INCREMENTAL" and self._increments:
            raise InvalidInputError(
                f"add_column({name!r}): an INCREMENTAL table's columns are fixed once it is "
                "logged; add the column before the first log"
            )
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"a column name must be a non-empty string, got {name!r}")
        if name in self._columns:
            raise InvalidInputError(f"add_column: the table already has a column {name!r}")
        if isinstance(data, np.ndarray):
            data = list(data)
        if isinstance(data, str | bytes) or not isinstance(data, Sequence):
            raise InvalidInputError(
                f"add_column({name!r}): data must be a list of values, got {type(data).__name__}"
            )
        if self._rows and len(data) != len(self._rows):
            raise InvalidInputError(
                f"add_column({name!r}): got {len(data)} values for a table of "
                f"{len(self._rows)} rows"
            )
        col = len(self._columns)
        kind: str | None = None
        mixed = False
        cells = []
        for r, value in enumerate(data):
            cell, cell_kind = convert_cell(value, f"row {r}, column {name!r}")
            kind, mixed = self._merge_type(kind, mixed, cell_kind, r, name, value)
            cells.append(cell)
        if self._rows:
            self._rows = [(*row, cell) for row, cell in zip(self._rows, cells, strict=True)]
        else:
            self._rows = [(*([None] * col), cell) for cell in cells]
        self._columns.append(name)
        self._types.append(kind)
        self._mixed.append(mixed)

    # -- logging -------------------------------------------------------------------------------

    def frozen(self) -> TableSnapshot:
        """What a log of this table writes, fixed now (call on the thread that logs)."""
        if self.log_mode == "IMMUTABLE":
            if self._snapshot is None:
                self._snapshot = self._full_snapshot("IMMUTABLE")
            self._logged = True
            return self._snapshot
        if self.log_mode == "MUTABLE":
            return self._full_snapshot("MUTABLE")
        start = self._logged_rows
        snapshot = TableSnapshot(
            self._columns,
            self._rows[start:],
            self.column_types,
            "INCREMENTAL",
            first_row=start,
            increment=self._increments,
            parts=self._parts,
        )
        self._logged_rows = len(self._rows)
        self._increments += 1
        return snapshot

    def encode(self, ctx: EncodeContext) -> Encoded:
        return self.frozen().encode(ctx)

    def _full_snapshot(self, log_mode: str) -> TableSnapshot:
        return TableSnapshot(self._columns, self._rows, self.column_types, log_mode)

    # -- internals -----------------------------------------------------------------------------

    def _init_types(self) -> None:
        self._types = [None] * len(self._columns)
        self._mixed = [False] * len(self._columns)

    def _column_index(self, name: str) -> int:
        try:
            return self._columns.index(name)
        except ValueError:
            raise InvalidInputError(
                f"the table has no column {name!r}; its columns are {self._columns}"
            ) from None

    def _check_changeable(self) -> None:
        if self.log_mode == "IMMUTABLE" and self._logged:
            raise InvalidInputError(
                "this Table was logged with log_mode='IMMUTABLE' and cannot change; create it "
                "with log_mode='MUTABLE' (log the whole table each time) or 'INCREMENTAL' "
                "(log the new rows each time)"
            )

    def _append(self, row: Any) -> None:
        r = len(self._rows)
        if isinstance(row, np.ndarray):
            row = list(row)
        if isinstance(row, str | bytes | dict) or not isinstance(row, Iterable):
            raise InvalidInputError(
                f"row {r}: a row must be a list of {len(self._columns)} values, "
                f"got {type(row).__name__}"
            )
        values = tuple(row)
        if len(values) != len(self._columns):
            raise InvalidInputError(
                f"row {r}: got {len(values)} values for {len(self._columns)} columns "
                f"{self._columns}"
            )
        types = list(self._types)
        mixed = list(self._mixed)
        cells = []
        for c, value in enumerate(values):
            name = self._columns[c]
            cell, kind = convert_cell(value, f"row {r}, column {name!r}")
            types[c], mixed[c] = self._merge_type(types[c], mixed[c], kind, r, name, value)
            cells.append(cell)
        self._rows.append(tuple(cells))
        self._types, self._mixed = types, mixed

    def _merge_type(
        self, kind: str | None, mixed: bool, cell_kind: str | None, r: int, name: str, value: Any
    ) -> tuple[str | None, bool]:
        if cell_kind is None or cell_kind == kind or mixed:
            return kind, mixed
        if kind is None:
            return cell_kind, mixed
        if self.allow_mixed_types:
            return kind, True
        raise InvalidInputError(
            f"row {r}, column {name!r}: expected {kind} (the column's type from earlier rows), "
            f"got {cell_kind} ({_short(value)}); pass allow_mixed_types=True to allow it"
        )


class TableSnapshot(Media):
    """A table's rows fixed at log time; encodes to one table file (or one part of one)."""

    type_name: ClassVar[str] = "table-file"
    table_cell: ClassVar[bool] = False

    def __init__(
        self,
        columns: Sequence[str],
        rows: Sequence[Row],
        column_types: dict[str, str],
        log_mode: str,
        *,
        first_row: int = 0,
        increment: int | None = None,
        parts: list[dict[str, str]] | None = None,
    ) -> None:
        self.columns = tuple(columns)
        self.rows = list(rows)
        self.column_types = dict(column_types)
        self.log_mode = log_mode
        self.first_row = first_row
        self.increment = increment
        # shared with the Table: parts are appended in log order by the one writer thread
        self._parts = parts

    def frozen(self) -> TableSnapshot:
        return self

    def encode(self, ctx: EncodeContext) -> Encoded:
        files: dict[str, MediaFile] = {}
        shared: dict[int, dict[str, Any]] = {}
        data = []
        for r, row in enumerate(self.rows, start=self.first_row):
            out = []
            for c, cell in enumerate(row):
                if isinstance(cell, Media):
                    value = shared.get(id(cell))
                    if value is None:
                        enc = cell.encode(EncodeContext(f"{ctx.key}/{r}_{c}", ctx.step))
                        files.update((f.path, f) for f in enc.files)
                        value = shared[id(cell)] = enc.value
                    out.append(value)
                else:
                    out.append(cell)
            data.append(out)
        # columns and their types before the rows: a server can answer a new table's first page
        # from the file's beginning (cairn/server/tables/prefix.py)
        body = {"columns": list(self.columns), "column_types": self.column_types, "data": data}
        try:
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except ValueError:  # a non-finite float somewhere: name it (rare, so only then)
            body["data"] = json_safe(data)
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        table_file = ctx.path("table", text.encode(), "table.json")
        value = self.file_value(
            table_file,
            ncols=len(self.columns),
            nrows=len(self.rows),
            log_mode=self.log_mode,
        )
        if self.increment is not None and self._parts is not None:
            value["increment"] = self.increment
            value["previous"] = [dict(p) for p in self._parts]
            self._parts.append({"path": table_file.path, "sha256": table_file.sha256})
        return Encoded(value, [*files.values(), table_file])


class JoinedTable(Media):
    """Two tables joined on a column (W&B's ``wandb.JoinedTable``); both are fixed when made."""

    type_name: ClassVar[str] = "joined-table"
    table_cell: ClassVar[bool] = False

    def __init__(self, table1: Table, table2: Table, join_key: str | Sequence[str]) -> None:
        for arg, table in (("table1", table1), ("table2", table2)):
            if not isinstance(table, Table):
                raise InvalidInputError(
                    f"JoinedTable: {arg} must be a cairn.Table, got {type(table).__name__}"
                )
        if isinstance(join_key, str):
            keys = (join_key, join_key)
        elif (
            isinstance(join_key, Sequence)
            and len(join_key) == 2
            and all(isinstance(k, str) for k in join_key)
        ):
            keys = (join_key[0], join_key[1])
        else:
            raise InvalidInputError(
                "JoinedTable: join_key must be a column name or a list of two (one per table), "
                f"got {join_key!r}"
            )
        for arg, table, key in (("table1", table1, keys[0]), ("table2", table2, keys[1])):
            if key not in table.columns:
                raise InvalidInputError(
                    f"JoinedTable: {arg} has no column {key!r}; its columns are {table.columns}"
                )
        self.join_key: str | list[str] = join_key if isinstance(join_key, str) else list(keys)
        self._tables = (table1._full_snapshot("IMMUTABLE"), table2._full_snapshot("IMMUTABLE"))

    def frozen(self) -> JoinedTable:
        return self

    def encode(self, ctx: EncodeContext) -> Encoded:
        value: dict[str, Any] = {"_type": self.type_name}
        files: list[MediaFile] = []
        for name, table in zip(("table1", "table2"), self._tables, strict=True):
            enc = table.encode(EncodeContext(f"{ctx.key}/{name}", ctx.step))
            files.extend(enc.files)
            value[name] = {"path": enc.value["path"], "sha256": enc.value["sha256"]}
        value["join_key"] = self.join_key
        return Encoded(value, files)


def _check_columns(columns: list[str]) -> list[str]:
    seen = set()
    for name in columns:
        if not name:
            raise InvalidInputError("a column name must be a non-empty string")
        if name in seen:
            raise InvalidInputError(f"the column name {name!r} appears twice")
        seen.add(name)
    return columns


def _is_dataframe(value: Any) -> bool:
    # recognized without importing pandas, which a script that uses no DataFrame never loads
    return type(value).__module__.startswith("pandas") and hasattr(value, "itertuples")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
