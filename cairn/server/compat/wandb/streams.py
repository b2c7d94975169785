"""What a W&B client sends, as Cairn batches on a run's three W&B writer streams (design 0016).

History line *i* stands for offsets *2i* and *2i+1* of its stream, events line *i* for offset
*i*: W&B's own line numbers make resends and overlaps exactly-once through the ordinary apply
path. The records of a request's new lines are packed (one column block for all their numbers)
while the stream's offset is locked, so a retry racing its original adds nothing twice.
Everything else goes on the control stream, appended: it is idempotent by its own meaning.
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


class HistoryLines:
    """A request's history lines from ``first_line``, parsed up front (bad input is refused
    before anything is stored); :meth:`records_from` packs the ones the stream lacks."""

    def __init__(self, first_line: int, lines: Sequence[object], now: float) -> None:
        self.first_line = first_line
        self.rows = [
            history_row(
                parse_line(line, "wandb-history.jsonl"),
                default_step=first_line + index,
                default_time=now,
            )
            for index, line in enumerate(lines)
        ]

    @property
    def first_offset(self) -> int:
        """Where these lines start on the history stream."""
        return self.first_line * RECORDS_PER_HISTORY_LINE

    def records_from(self, next_offset: int) -> list[Record]:
        """The records of the lines from the stream's ``next_offset`` on: one block of their
        numbers, a ``values`` record per line with other values, heartbeats to fill their
        offsets (two per line)."""
        held = -(-next_offset // RECORDS_PER_HISTORY_LINE)
        new = self.rows[max(held - self.first_line, 0) :]
        if not new:
            return []
        block = ColumnBlockBuilder()
        for row in new:
            if row.numbers:
                block.add_row(row.step, row.time, row.numbers)
        records: list[Record] = [(HISTORY, block.build()) if len(block) else _heartbeat(0.0)]
        records += [values_record(r.step, r.time, r.values) for r in new if r.values]
        filler = _heartbeat(new[-1].time)
        records += [filler] * (len(new) * RECORDS_PER_HISTORY_LINE - len(records))
        return records


class EventLines:
    """A request's system-metrics lines from ``first_line``, parsed up front."""

    def __init__(self, first_line: int, lines: Sequence[object], now: float) -> None:
        self.first_line = first_line
        self.rows = [system_row(parse_line(line, "wandb-events.jsonl"), now) for line in lines]

    @property
    def first_offset(self) -> int:
        """Where these lines start on the events stream."""
        return self.first_line

    def records_from(self, next_offset: int) -> list[Record]:
        """One system block of the lines from ``next_offset`` on, and one filler per other line."""
        new = self.rows[max(next_offset - self.first_line, 0) :]
        if not new:
            return []
        block = ColumnBlockBuilder()
        for time, values in new:
            if values:
                block.add_row(None, time, values)
        first = (SYSTEM, block.build(with_steps=False)) if len(block) else _heartbeat(new[0][0])
        return [first] + [_heartbeat(new[-1][0])] * (len(new) - 1)


def _heartbeat(time: float) -> Record:
    return HEARTBEAT, {"time": time}


def lines_held(history_offset: int) -> int:
    """How many history lines a history stream offset stands for."""
    return history_offset // RECORDS_PER_HISTORY_LINE
