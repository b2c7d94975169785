"""Leases: one holder at a time, renewable by its holder, taken over once expired."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, update

from cairn.server.leases import try_acquire
from cairn.server.store.sql.schema import leases


def test_only_one_holder_gets_a_live_lease(engine: Engine) -> None:
    assert try_acquire(engine, "job", "a", 60)
    assert not try_acquire(engine, "job", "b", 60)
    assert try_acquire(engine, "job", "a", 60)  # renewal


def test_an_expired_lease_can_be_taken_over(engine: Engine) -> None:
    assert try_acquire(engine, "job", "a", 60)
    with engine.begin() as conn:
        conn.execute(update(leases).values(lease_until=0.0))
    assert try_acquire(engine, "job", "b", 60)
    assert not try_acquire(engine, "job", "a", 60)


def test_racing_holders_never_both_win(engine: Engine) -> None:
    for round_ in range(5):
        winners: list[str] = []
        lock = threading.Lock()

        def contend(
            holder: str,
            name: str = f"race{round_}",
            winners: list[str] = winners,
            lock: threading.Lock = lock,
        ) -> None:
            if try_acquire(engine, name, holder, 60):
                with lock:
                    winners.append(holder)

        threads = [threading.Thread(target=contend, args=(f"h{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(winners) == 1
