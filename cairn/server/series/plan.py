"""Planning reads of chunked series: pure functions on chunk metadata and block arrays.

Points are ordered across chunks by ``ORDER_STRIDE * seq + position``: sealing sorts stably, so
(x, seq, position) is (x, arrival) order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from cairn.server.series import codec
from cairn.server.series.codec import F64, I64, Points
from cairn.server.series.downsample import usable_blocks
from cairn.server.store.base import XAxis

ORDER_STRIDE: Final = 1 << 24


class Plan:
    """Which blocks a bucketed read uses as they are, and which chunks it must decode."""

    def __init__(self) -> None:
        self.blocks: npt.NDArray[Any] | None = None
        self.order: I64 = np.empty(0, np.int64)
        self.block_points = 0
        self.block_seqs: list[int] = []
        self.decode_seqs: list[int] = []
        self.masks: dict[int, npt.NDArray[np.bool_]] = {}


def plan_blocks(
    metas: Sequence[Sequence[Any]], axis: XAxis, lo: float, hi: float, width: float
) -> Plan:
    """Rows are (seq, sealed, codec, points, x_lo, x_hi, blocks)."""
    plan = Plan()
    plan.decode_seqs = [m[0] for m in metas if not m[1]]
    sealed = [m for m in metas if m[1]]
    if not sealed:
        return plan
    counts = np.array([codec.blocks_in(m[3]) for m in sealed], dtype=np.int64)
    blocks = codec.decode_many_blocks(
        [(m[6], m[2], int(k)) for m, k in zip(sealed, counts, strict=True)]
    )
    seqs = np.repeat(np.array([m[0] for m in sealed], dtype=np.int64), counts)
    position = (
        np.arange(len(blocks)) - np.repeat(np.cumsum(counts) - counts, counts)
    ) * codec.BLOCK
    b_lo = blocks[f"{axis}_min"].astype(np.float64)
    b_hi = blocks[f"{axis}_max"].astype(np.float64)
    usable = usable_blocks(b_lo, b_hi, lo, hi, width)
    must_decode = (b_hi >= lo) & (b_lo <= hi) & ~usable
    index = np.flatnonzero(usable)
    if len(index):
        whole = len(index) == len(blocks)  # the common coarse case: no gather needed
        plan.blocks = blocks if whole else blocks[index]
        plan.order = seqs * ORDER_STRIDE + position
        if not whole:
            plan.order = plan.order[index]
        plan.block_points = int(blocks["n"][index].sum())
        plan.block_seqs = np.unique(seqs[index]).tolist()
    starts = np.cumsum(counts) - counts
    for i in np.flatnonzero(np.add.reduceat(must_decode, starts) > 0).tolist():
        seq = int(sealed[i][0])
        plan.decode_seqs.append(seq)
        plan.masks[seq] = must_decode[starts[i] : starts[i] + counts[i]]
    return plan


def points_in(
    decoded: dict[int, Points],
    masks: dict[int, npt.NDArray[np.bool_]],
    axis: XAxis,
    lo: float,
    hi: float,
) -> tuple[F64, F64, I64]:
    """(x, value, order) of decoded points in [lo, hi]; only masked blocks where a mask is set."""
    xs, vs, orders = [], [], []
    for seq, points in decoded.items():
        positions = np.arange(len(points))
        mask = masks.get(seq)
        if mask is not None:
            positions = positions[np.repeat(mask, codec.BLOCK)[: len(points)]]
        x_all = points.steps.astype(np.float64) if axis == "step" else points.times
        x = x_all[positions]
        keep = (x >= lo) & (x <= hi)
        xs.append(x[keep])
        vs.append(points.values[positions][keep])
        orders.append(seq * ORDER_STRIDE + positions[keep])
    if not xs:
        return np.empty(0), np.empty(0), np.empty(0, np.int64)
    return np.concatenate(xs), np.concatenate(vs), np.concatenate(orders)


def chunks_for_page(
    metas: Sequence[Sequence[Any]], start: int, limit: int
) -> tuple[list[int], int]:
    """The chunks holding positions [start, start + limit), and how many points precede them all.

    Rows are (seq, points, x_lo, x_hi). A chunk's points lie between two bounds on their global
    rank: the points of chunks wholly before it, and all but those of chunks wholly after it
    (ties broken by seq, as reads order them). Chunks whose bounds miss the page are skipped, so
    a monotone series decodes one or two chunks a page and out-of-order steps only the overlap.
    """
    if not metas:
        return [], 0
    seq = np.array([m[0] for m in metas], dtype=np.int64)
    count = np.array([m[1] for m in metas], dtype=np.int64)
    x_lo = np.array([m[2] for m in metas])
    x_hi = np.array([m[3] for m in metas])
    # Rank x values jointly so that (x, seq) packs into one sortable int64.
    _, ranks = np.unique(np.concatenate([x_lo, x_hi]), return_inverse=True)
    stride = int(seq.max()) + 1
    key_lo = ranks[: len(metas)].astype(np.int64) * stride + seq
    key_hi = ranks[len(metas) :].astype(np.int64) * stride + seq
    by_hi = np.argsort(key_hi)
    below = np.concatenate([[0], np.cumsum(count[by_hi])])
    rank_lo = below[np.searchsorted(key_hi[by_hi], key_lo, "left")]
    by_lo = np.argsort(key_lo)
    upto = np.concatenate([[0], np.cumsum(count[by_lo])])
    after = int(count.sum()) - upto[np.searchsorted(key_lo[by_lo], key_hi, "right")]
    rank_hi = int(count.sum()) - after - 1
    wanted = (rank_lo < start + limit) & (rank_hi >= start)
    before = int(count[~wanted & (rank_hi < start)].sum())
    return sorted(seq[wanted].tolist()), before
