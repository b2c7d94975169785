"""The W&B Public API (``wandb.Api()``, unmodified wandb 0.31) reads what a real Cairn server
holds: runs logged by Cairn's own SDK, read back by the wandb client in a subprocess pointed at
the server with ``WANDB_BASE_URL`` only (design 0016).

Compared with Cairn's own API: filters (W&B's field names and ISO times) and orders pick the
same runs in the same order across pages; every row ``scan_history`` yields (through
wandb-core's exact history pages) with its values; sampled ``history``; run fields; files byte
for byte; ``run.update()`` and ``run.delete()``. An operation Cairn lacks fails at once with its
name; a wrong key and a caller without access are refused.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import cairn
from cairn.wire import ColumnBlockBuilder
from tests.authhelp import ADMIN, create_user, login, session, start_auth_server
from tests.compat.wandb_client import CairnReader, run_script
from tests.serverproc import ServerProcess
from tests.wirehelp import new_stream, post_batch

pytest.importorskip("wandb", reason="the compat extra (wandb==0.31.0) is not installed")
pytestmark = pytest.mark.timeout(600)

HEAD = """
import json, wandb
api = wandb.Api(timeout=60)
out = {}
def attempt(name, call):
    try:
        out[name] = call()
    except Exception as exc:
        out[name] = {"error": str(exc)}
"""


def _wandb_reads(
    server: ServerProcess, root: Path, body: str, given: dict[str, Any], **kw: Any
) -> dict[str, Any]:
    """Run ``body`` (reads with ``api``, filling ``out``; ``given`` as variables) with the wandb
    client; its ``out``."""
    names = "".join(f"{name} = {value!r}\n" for name, value in given.items())
    source = HEAD + names + textwrap.dedent(body) + '\nprint("OUT " + json.dumps(out))\n'
    result = run_script(source, server.base_url, root, **kw)
    line = next(x for x in result.stdout.splitlines() if x.startswith("OUT "))
    answer: dict[str, Any] = json.loads(line[4:])
    return answer


def _canon(value: Any) -> Any:
    """NaN comparable and ints as floats (wandb-core re-encodes 1.0 as 1)."""
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canon(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


# -- runs: filters, order, pages ----------------------------------------------------------------

RUNS = [  # name, lr, optimizer, tags, best, exit code
    ("alpha", 0.1, "adam", ["even", "all"], 0.5, 0),
    ("beta", 0.01, "sgd", ["odd", "all"], 1.5, 0),
    ("gamma", 0.001, "adam", ["even", "all"], 1.0, 1),
    ("delta", 0.05, "sgd", ["odd"], 2.5, 0),
]


@pytest.fixture
def four_runs(server: ServerProcess, workdir: Path) -> list[dict[str, Any]]:
    """Four runs of tester/sweep logged by Cairn's SDK, as Cairn's API holds them."""
    for name, lr, optimizer, tags, best, code in RUNS:
        run = cairn.init(
            project="sweep", name=name, tags=tags, config={"lr": lr, "opt": {"name": optimizer}},
            settings={"base_url": server.base_url},
        )  # fmt: skip
        run.log({"loss": lr})
        run.summary["best"] = best
        run.finish(exit_code=code)
    reader = CairnReader(server.base_url)
    ids = [r.id for r in cairn.Api(base_url=server.base_url).runs("tester/sweep")]
    stored = [reader.run(f"tester/sweep/{run_id}") for run_id in ids]
    return sorted(stored, key=lambda r: float(r["created_at"]))


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None).isoformat()


def test_runs_filters_order_and_pages(
    server: ServerProcess, four_runs: list[dict[str, Any]], tmp_path: Path
) -> None:
    by_name = {r["name"]: r["id"] for r in four_runs}
    between = (float(four_runs[1]["created_at"]) + float(four_runs[2]["created_at"])) / 2
    cases: dict[str, tuple[dict[str, Any], str, int]] = {
        "all": ({}, "+created_at", 3),
        "newest_first": ({}, "-created_at", 50),
        "lr_value_gt": ({"config.lr.value": {"$gt": 0.005}}, "-summary_metrics.best", 1),
        "lr_lte": ({"config.lr": {"$lte": 0.01}}, "+config.lr.value", 2),
        "nested_config": ({"config.opt.name": "sgd"}, "+summary_metrics.best", 50),
        "regex_name": ({"display_name": {"$regex": "^(a|d)"}}, "+created_at", 50),
        "tags_in": ({"tags": {"$in": ["odd"]}}, "-config.lr", 50),
        "tags_nin": ({"tags": {"$nin": ["odd"]}}, "+created_at", 50),
        "or_state": (
            {"$or": [{"state": "failed"}, {"summary_metrics.best": {"$gte": 2}}]},
            "+created_at",
            50,
        ),
        "and_ne": (
            {"$and": [{"state": {"$ne": "failed"}}, {"config.lr": {"$lt": 0.08}}]},
            "+created_at",
            50,
        ),
        "created_before": (
            {"created_at": {"$lt": _iso(between)}},
            "+created_at",
            50,
        ),
        "id_is_name": ({"name": by_name["gamma"]}, "+created_at", 50),
    }
    body = """
    for name, (filters, order, per_page) in cases.items():
        runs = api.runs("tester/sweep", filters=filters, order=order, per_page=per_page)
        attempt(name, lambda: {"ids": [r.id for r in runs], "count": len(runs)})
    attempt("bad_op", lambda: [r.id for r in api.runs("tester/sweep", {"config.lr": {"$foo": 1}})])
    attempt("unknown_field", lambda: [r.id for r in api.runs("tester/sweep", {"user": "x"})])
    """
    got = _wandb_reads(server, tmp_path / "wb", body, {"cases": cases})

    def names(*wanted: str) -> list[str]:
        return [by_name[n] for n in wanted]

    expected = {
        "all": names("alpha", "beta", "gamma", "delta"),
        "newest_first": names("delta", "gamma", "beta", "alpha"),
        "lr_value_gt": names("delta", "beta", "alpha"),
        "lr_lte": names("gamma", "beta"),
        "nested_config": names("beta", "delta"),
        "regex_name": names("alpha", "delta"),
        "tags_in": names("delta", "beta"),
        "tags_nin": names("alpha", "gamma"),
        "or_state": names("gamma", "delta"),
        "and_ne": names("beta", "delta"),
        "created_before": names("alpha", "beta"),
        "id_is_name": names("gamma"),
    }
    for case, ids in expected.items():
        assert got[case] == {"ids": ids, "count": len(ids)}, case
    # the same tree in Cairn's spelling answers the same runs through Cairn's own API
    native = cairn.Api(base_url=server.base_url).runs(
        "tester/sweep", filters={"config.lr": {"$gt": 0.005}}, order="-summary.best"
    )
    assert [r.id for r in native] == expected["lr_value_gt"]
    assert "$foo" in got["bad_op"]["error"]
    assert "unknown field 'user'" in got["unknown_field"]["error"]


def test_projects_viewer_and_run_fields(
    server: ServerProcess, four_runs: list[dict[str, Any]], tmp_path: Path
) -> None:
    alpha = four_runs[0]
    body = """
    run = api.run(path)
    out["run"] = {
        "id": run.id, "name": run.name, "display_name": run.display_name, "state": run.state,
        "config": run.config, "summary": dict(run.summary), "tags": run.tags,
        "notes": run.notes, "group": run.group, "job_type": run.job_type,
        "created_at": run.created_at, "url": run.url, "path": run.path,
        "last_step": run.lastHistoryStep,
    }
    out["projects"] = [(p.entity, p.name) for p in api.projects("tester")]
    out["project"] = api.project("sweep", "tester").name
    out["viewer"] = api.viewer.entity
    out["default_entity"] = api.default_entity
    attempt("reports", lambda: list(api.reports("tester/sweep")))
    attempt("missing_run", lambda: api.run("tester/sweep/nosuchrun").name)
    """
    got = _wandb_reads(server, tmp_path / "wb", body, {"path": f"tester/sweep/{alpha['id']}"})
    run = got["run"]
    assert run["id"] == alpha["id"]
    assert run["name"] == run["display_name"] == "alpha"
    assert (run["state"], run["tags"], run["notes"]) == ("finished", ["even", "all"], "")
    assert (run["group"], run["job_type"]) == (alpha["group"], alpha["job_type"])
    assert run["config"] == alpha["config"] == {"lr": 0.1, "opt": {"name": "adam"}}
    assert run["summary"] == alpha["summary"]
    assert run["created_at"] == _iso(float(alpha["created_at"])).split(".")[0]
    assert run["url"] == f"{server.base_url}/tester/sweep/runs/{alpha['id']}"
    assert run["path"] == ["tester", "sweep", alpha["id"]]
    assert run["last_step"] == 0
    assert got["projects"] == [["tester", "sweep"]]
    assert got["project"] == "sweep"
    assert got["viewer"] == got["default_entity"]
    # no views on Cairn: refused at once with the operation's name
    assert "Cairn does not support the W&B operation 'ProjectViews'" in got["reports"]["error"]
    assert "error" in got["missing_run"]


# -- history ------------------------------------------------------------------------------------

STEPS = 130
SYSTEM = [(10.0, 50.0), (20.0, 51.0), (30.0, 52.0), (40.0, 53.0)]


@pytest.fixture
def long_run(server: ServerProcess, workdir: Path) -> str:
    """A run with numbers at every step, a sparse key, text, NaN/inf and a saved file."""
    # the sampler off: the only system metrics are the ones this fixture sends
    run = cairn.init(
        project="hist", settings={"base_url": server.base_url, "capture_system": False}
    )
    for step in range(STEPS):
        row: dict[str, Any] = {"loss": 1.0 / (step + 1), "acc": step / STEPS}
        if step % 10 == 0:
            row["val"] = step * 2.0
        if step % 25 == 3:
            row["note"] = f"step {step}"
        if step in (7, 8, 9):
            row["odd"] = [math.nan, math.inf, -math.inf][step - 7]
        run.log(row)
    (workdir / "weights.bin").write_bytes(bytes(range(256)) * 300)
    (workdir / "notes.txt").write_text("hello\n" * 10)
    run.save("weights.bin", policy="now")
    run.save("notes.txt", policy="now")
    system = ColumnBlockBuilder()  # system metrics, as a sampler would send them
    for i, (cpu, memory) in enumerate(SYSTEM):
        system.add_row(
            None, 1000.0 + i, {"system/cpu.percent": cpu, "system/memory.percent": memory}
        )
    entity, project, run_id = run.path.split("/")
    client = httpx.Client(base_url=server.base_url, timeout=30)
    sent = post_batch(client, [["system", system.build(with_steps=False)]], 0, new_stream(),
                      run_id=run_id, entity=entity, project=project)  # fmt: skip
    assert sent.status_code == 200, sent.text
    assert sent.json()["applied"] == 1, sent.text
    run.finish()
    return run.path


def test_scan_history_is_every_row_cairn_holds(
    server: ServerProcess, long_run: str, tmp_path: Path
) -> None:
    body = """
    run = api.run(path)
    out["scan"] = list(run.scan_history())
    out["scan_paged"] = list(run.scan_history(page_size=7))
    out["scan_val"] = list(run.scan_history(keys=["val"], page_size=4, min_step=15, max_step=95))
    out["scan_note"] = list(run.scan_history(keys=["note", "loss"]))
    out["sampled"] = run.history(samples=10, pandas=False)
    out["sampled_val"] = run.history(keys=["val"], pandas=False)
    out["keys"] = sorted(run.historyKeys["keys"])
    out["system"] = run.history(stream="system", samples=2, pandas=False)
    """
    got = _wandb_reads(server, tmp_path / "wb", body, {"path": long_run})

    public = cairn.Api(base_url=server.base_url).run(long_run)
    cairn_rows = {row["_step"]: row for row in public.scan_history()}
    notes = {value["step"]: value["value"] for value in public.values("note")}
    assert len(cairn_rows) == STEPS
    expected = []
    for step, row in sorted(cairn_rows.items()):
        full = dict(row)
        if step in notes:
            full["note"] = notes[step]
        expected.append(full)

    def without_runtime(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:
            assert row.pop("_runtime") >= 0
        return rows

    assert _canon(without_runtime(got["scan"])) == _canon(expected)
    assert _canon(without_runtime(got["scan_paged"])) == _canon(expected)
    val_steps = list(range(20, 95, 10))  # min_step inclusive, max_step exclusive
    assert [r["_step"] for r in got["scan_val"]] == val_steps
    assert all(r["val"] == 2.0 * r["_step"] for r in got["scan_val"])
    assert {r["_step"]: r["note"] for r in got["scan_note"]} == notes
    assert all(r["loss"] == cairn_rows[r["_step"]]["loss"] for r in got["scan_note"])

    sampled = without_runtime(got["sampled"])
    assert len(sampled) == 10
    assert (sampled[0]["_step"], sampled[-1]["_step"]) == (0, STEPS - 1)
    for row in sampled:  # real rows, never averages
        assert _canon(row) == _canon(cairn_rows[row["_step"]])
    assert [r["_step"] for r in got["sampled_val"]] == list(range(0, STEPS, 10))
    assert set(got["keys"]) == {"loss", "acc", "val", "note", "odd"}
    # system metrics by sample time, first and last kept, under Cairn's names
    assert [(r["_timestamp"], r["system/cpu.percent"], r["system/memory.percent"])
            for r in got["system"]] == [(1000.0, 10.0, 50.0), (1003.0, 40.0, 53.0)]  # fmt: skip


def test_files_download_byte_identical(
    server: ServerProcess, long_run: str, tmp_path: Path
) -> None:
    target = tmp_path / "downloads"
    body = """
    run = api.run(path)
    out["files"] = {f.name: f.size for f in run.files()}
    out["paged"] = [f.name for f in run.files(per_page=1)]
    out["pattern"] = [f.name for f in run.files(pattern="note%")]
    run.file("weights.bin").download(root=target, replace=True)
    run.file("notes.txt").download(root=target, replace=True)
    """
    given = {"path": long_run, "target": str(target)}
    got = _wandb_reads(server, tmp_path / "wb", body, given)
    reader = CairnReader(server.base_url)
    held = reader.files(long_run)
    assert {"weights.bin", "notes.txt"} <= set(got["files"])
    assert got["files"] == held
    assert got["paged"] == sorted(held)
    assert got["pattern"] == ["notes.txt"]
    for name in ("weights.bin", "notes.txt"):
        assert (target / name).read_bytes() == reader.file_bytes(long_run, name)


def test_update_and_delete(server: ServerProcess, long_run: str, tmp_path: Path) -> None:
    body = """
    run = api.run(path)
    run.name = "renamed"
    run.tags = ["x", "y"]
    run.notes = "edited"
    run.config["lr"] = 0.25
    run.summary["extra"] = 3
    run.update()
    again = api.run(path)
    out["after"] = [again.display_name, again.tags, again.notes, again.config, again.state]
    out["extra"] = again.summary["extra"]
    again.delete()
    attempt("deleted", lambda: wandb.Api(timeout=60).run(path).name)  # api caches its runs
    """
    got = _wandb_reads(server, tmp_path / "wb", body, {"path": long_run})
    assert got["after"] == ["renamed", ["x", "y"], "edited", {"lr": 0.25}, "finished"]
    assert got["extra"] == 3
    assert "error" in got["deleted"]
    gone = httpx.get(f"{server.base_url}/api/v1/runs/{long_run}", timeout=30)
    assert gone.status_code == 404


# -- auth -------------------------------------------------------------------------------------


@pytest.fixture
def auth_server(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_auth_server(tmp_path / "data", db_url=db_url)
    try:
        yield proc
    finally:
        proc.stop()


def _api_key(server: ServerProcess, username: str, password: str) -> str:
    client, csrf = login(server, username, password)
    response = client.post("/api/v1/api-keys", json={"name": "wb"}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def test_keys_and_roles_are_checked(
    auth_server: ServerProcess, workdir: Path, tmp_path: Path
) -> None:
    admin_key = _api_key(auth_server, *ADMIN)
    admin = session(auth_server, *ADMIN)
    create_user(admin, "alice", "alice-password")
    alice_key = _api_key(auth_server, "alice", "alice-password")
    run = cairn.init(project="secret", entity="root",
                     settings={"base_url": auth_server.base_url, "api_key": admin_key})  # fmt: skip
    run.log({"loss": 1.0})
    run.finish()
    body = """
    attempt("runs", lambda: [r.id for r in api.runs("root/secret")])
    attempt("run", lambda: api.run(path).state)
    attempt("delete", lambda: api.run(path).delete())
    """
    given = {"path": run.path}
    wrong = run_script(HEAD, auth_server.base_url, tmp_path / "wrong", api_key="cairn_" + "x" * 43,
                       expect_code=1)  # fmt: skip
    assert "invalid API key" in wrong.stderr
    stranger = _wandb_reads(auth_server, tmp_path / "alice", body, given, api_key=alice_key)
    assert "error" in stranger["runs"]
    assert "error" in stranger["run"]
    admin.put("/api/v1/projects/root/secret/members/alice", json={"role": "viewer"})
    viewer = _wandb_reads(auth_server, tmp_path / "viewer", body, given, api_key=alice_key)
    assert viewer["runs"] == [run.id]
    assert viewer["run"] == "finished"
    assert "viewer" in viewer["delete"]["error"]
    owner = _wandb_reads(auth_server, tmp_path / "root", body, given, api_key=admin_key)
    assert owner["runs"] == [run.id]
    assert owner["delete"] is None
