"""Tidying up from Python (cairn.Api) and the CLI (cairn runs / cairn project), real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import cairn
from cairn.errors import InvalidInputError, NotFoundError
from tests.serverproc import ServerProcess


def _cli(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cairn.cli.main", *args, "--base-url", server.base_url],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(),
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.fixture
def paths(server: ServerProcess, workdir: Path) -> list[str]:
    settings = {"base_url": server.base_url, "capture_system": False, "show_progress": False}
    out = []
    for i in range(3):
        with cairn.init(project="tidy", name=f"run-{i}", settings=settings) as run:
            run.log({"loss": float(i)})
        out.append(run.path)
    return out


def test_runs_from_python(server: ServerProcess, paths: list[str]) -> None:
    api = cairn.Api(base_url=server.base_url)
    run = api.run(paths[0])
    run.update(name="best", notes="the one", tags=["keep"])
    again = api.run(paths[0])
    assert (again.name, again.notes, again.tags) == ("best", "the one", ["keep"])
    with pytest.raises(InvalidInputError, match="editable fields"):
        run.update(state="finished")
    assert api.tag_runs(paths, ["sweep-1"]) == 3
    assert api.untag_runs(paths[1:], ["sweep-1"]) == 2
    assert api.run(paths[0]).tags == ["keep", "sweep-1"]
    run.archive()
    assert run.archived
    assert {r.id for r in api.runs("tester/tidy")} == {p.split("/")[2] for p in paths[1:]}
    assert [r.id for r in api.runs("tester/tidy", archived="only")] == [run.id]
    run.restore()
    assert not api.run(paths[0]).archived
    assert api.archive_runs(paths[1:]) == 2
    assert api.restore_runs(paths[1:]) == 2
    run.move("kept")
    assert run.path == f"tester/kept/{run.id}"
    assert api.move_runs(paths[1:2], "kept") == 1
    assert len(api.runs("tester/kept")) == 2
    with pytest.raises(NotFoundError):
        api.delete_runs(["tester/tidy/nope0000"])
    assert api.delete_runs(paths[2:]) == 1
    assert len(api.runs("tester/tidy")) == 0
    run.delete()
    with pytest.raises(NotFoundError):
        api.run(run.path)
    with pytest.raises(InvalidInputError, match="entity/project/run_id"):
        api.archive_runs(["tidy/onlytwo"])


def test_projects_from_python(server: ServerProcess, paths: list[str]) -> None:
    api = cairn.Api(base_url=server.base_url)
    usage = api.project_usage("tester/tidy")
    assert usage["runs"] == 3
    assert usage["series_bytes"] > 0
    assert api.update_project("tester/tidy", visibility="public")["visibility"] == "public"
    with pytest.raises(InvalidInputError, match="visibility"):
        api.update_project("tester/tidy", visibility="everyone")
    assert api.update_project("tester/tidy", archived=True)["archived_at"] is not None
    assert "tidy" not in [p.name for p in api.projects("tester")]
    api.update_project("tester/tidy", archived=False, name="tidier")
    assert "tidier" in [p.name for p in api.projects("tester")]
    api.delete_project("tester/tidier")
    assert api.projects("tester") == []


def test_runs_and_project_commands(server: ServerProcess, paths: list[str]) -> None:
    ids = [p.split("/")[2] for p in paths]
    listed = _cli(server, "runs", "ls", "tester/tidy", "--filter", "name = run-1")
    assert listed.returncode == 0, listed.stderr
    assert ids[1] in listed.stdout
    assert ids[0] not in listed.stdout
    tagged = _cli(server, "runs", "tag", *paths, "--tag", "a", "--tag", "b")
    assert tagged.stdout.strip() == "tagged 3 run(s)"
    assert _cli(server, "runs", "archive", paths[0]).stdout.strip() == "archived 1 run(s)"
    only = _cli(server, "runs", "ls", "tester/tidy", "--archived", "only")
    assert f"{ids[0]}\tfinished (archived)\trun-0\ta,b" in only.stdout
    moved = _cli(server, "runs", "move", paths[1], "--to", "other")
    assert moved.stdout.strip() == "moved to other 1 run(s)"
    edited = _cli(server, "runs", "edit", f"tester/other/{ids[1]}", "--name", "renamed")
    assert edited.returncode == 0, edited.stderr
    refused = _cli(server, "runs", "rm", paths[2])
    assert refused.returncode == 1
    assert "--yes" in refused.stderr
    assert _cli(server, "runs", "rm", paths[2], "--yes").stdout.strip() == "deleted 1 run(s)"
    missing = _cli(server, "runs", "archive", "tester/tidy/nope0000")
    assert missing.returncode == 1
    assert "nope0000" in missing.stderr
    assert "Traceback" not in missing.stderr

    usage = _cli(server, "project", "usage", "tester/tidy")
    assert "runs\t1" in usage.stdout
    assert _cli(server, "project", "visibility", "tester/tidy", "team").returncode == 0
    assert _cli(server, "project", "rename", "tester/tidy", "tidied").returncode == 0
    assert "tester/tidied" in _cli(server, "project", "ls", "tester").stdout
    assert _cli(server, "project", "archive", "tester/tidied").returncode == 0
    assert "tester/tidied" not in _cli(server, "project", "ls", "tester").stdout
    bad = _cli(server, "project", "visibility", "tester/tidied", "everyone")
    assert bad.returncode == 2  # argparse: invalid choice
    assert _cli(server, "project", "rm", "tester/tidied", "--yes").stdout.strip() == (
        "deleted tester/tidied"
    )
