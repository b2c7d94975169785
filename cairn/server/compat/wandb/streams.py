"""What a W&B client sends, as Cairn batches on a run's three W&B writer streams (design 0016).

History line *i* is the records at offsets *2i* (its numbers) and *2i+1* (its other values),
events line *i* the record at offset *i*: W&B's own line numbers make resends and overlaps
exactly-once through the ordinary apply path. Everything else goes on the control stream,
appended, because it is idempotent by its own meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cairn.compat.wandb_rows import history_row, parse_line, system_row
from cairn.wire import Batch
from cairn.wire.columns import ColumnBlockBuilder
from cairn.wire.records import HEARTBEAT, HISTORY, SYSTEM, Record, values_record

HISTORY_STREAM: Final = b"wandb-history".ljust(16, b"\0")
EVENTS_STREAM: Final = b"wandb-events".ljust(16, b"\0")
CONTROL_STREAM: Final = b"wandb-control".ljust(16, b"\0")
RECORDS_PER_HISTORY_LINE: Final = 2


@dataclass(frozen=True, slots=True)
class RunRef:
    """The run a W&B request names."""

    entity: str
    project: str
    run_id: str

    def batch(self, stream: bytes, first_offset: int, records: list[Record]) -> Batch:
        """A batch of ``records`` for this run's ``stream`` from ``first_offset``."""
        return Batch(
            entity=self.entity,
            project=self.project,
            run_id=self.run_id,
            stream=stream,
            first_offset=first_offset,
            records=list(records),
        )


def history_records(first_line: int, lines: Sequence[object], now: float) -> list[Record]:
    """Two records per history line: its numbers (a one-row block) and its other values."""
    records: list[Record] = []
    for index, line in enumerate(lines):
        row = history_row(
            parse_line(line, "wandb-history.jsonl"),
            default_step=first_line + index,
            default_time=now,
        )
        if row.numbers:
            block = ColumnBlockBuilder()
            block.add_row(row.step, row.time, row.numbers)
            records.append((HISTORY, block.build()))
        else:
            records.append(_heartbeat(row.time))
        records.append(
            values_record(row.step, row.time, row.values) if row.values else _heartbeat(row.time)
        )
    return records


def events_records(lines: Sequence[object], now: float) -> list[Record]:
    """One ``system`` record per events line (a heartbeat when it holds no numbers)."""
    records: list[Record] = []
    for line in lines:
        time, values = system_row(parse_line(line, "wandb-events.jsonl"), now)
        if values:
            block = ColumnBlockBuilder()
            block.add_row(None, time, values)
            records.append((SYSTEM, block.build(with_steps=False)))
        else:
            records.append(_heartbeat(time))
    return records


def _heartbeat(time: float) -> Record:
    return HEARTBEAT, {"time": time}


def lines_held(history_offset: int) -> int:
    """How many history lines a history stream offset stands for."""
    return history_offset // RECORDS_PER_HISTORY_LINE
