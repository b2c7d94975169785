"""Git capture: state and diff of temporary repositories made with the real git."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cairn.sdk.capture.git import collect_git, git_diff, strip_credentials

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Keep git from finding a repository above tmp_path or the user's global config.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_IDENTITY}
    out = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "train.py").write_text("print('hello')\n")
    (root / "weights.bin").write_bytes(b"\x00\x01\x02")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    return root


def test_not_a_repo_gives_none(tmp_path: Path) -> None:
    assert collect_git(tmp_path) is None
    assert git_diff(tmp_path) is None


def test_missing_directory_gives_none(tmp_path: Path) -> None:
    assert collect_git(tmp_path / "gone") is None
    assert git_diff(tmp_path / "gone") is None


def test_clean_repo(repo: Path) -> None:
    state = collect_git(repo)
    assert state == {
        "remote": None,
        "branch": "main",
        "commit": git(repo, "rev-parse", "HEAD"),
        "dirty": False,
        "root": str(repo.resolve()),
    }
    assert git_diff(repo) is None


def test_dirty_repo_has_diff(repo: Path) -> None:
    (repo / "train.py").write_text("print('changed')\n")
    (repo / "weights.bin").write_bytes(b"\x00\xff\x10\x00")
    state = collect_git(repo)
    assert state is not None
    assert state["dirty"] is True
    diff = git_diff(repo)
    assert diff is not None
    assert b"+print('changed')" in diff
    assert b"GIT binary patch" in diff


def test_staged_changes_are_in_the_diff(repo: Path) -> None:
    (repo / "new.py").write_text("x = 1\n")
    git(repo, "add", "new.py")
    diff = git_diff(repo)
    assert diff is not None
    assert b"+x = 1" in diff


def test_untracked_files_alone_are_not_dirty(repo: Path) -> None:
    (repo / "scratch.txt").write_text("notes\n")
    state = collect_git(repo)
    assert state is not None
    assert state["dirty"] is False
    assert git_diff(repo) is None


def test_subdirectory_reports_the_root(repo: Path) -> None:
    sub = repo / "src" / "pkg"
    sub.mkdir(parents=True)
    state = collect_git(sub)
    assert state is not None
    assert state["root"] == str(repo.resolve())


def test_remote_credentials_are_stripped(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "https://alice:s3cret@git.example.com/team/repo.git")
    state = collect_git(repo)
    assert state is not None
    assert state["remote"] == "https://git.example.com/team/repo.git"


def test_origin_is_preferred_over_other_remotes(repo: Path) -> None:
    git(repo, "remote", "add", "aaa", "https://example.com/a.git")
    git(repo, "remote", "add", "origin", "git@example.com:team/repo.git")
    state = collect_git(repo)
    assert state is not None
    assert state["remote"] == "git@example.com:team/repo.git"


def test_a_changed_remote_and_a_new_commit_are_seen_by_the_next_run(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "https://example.com/a.git")
    first = collect_git(repo)
    git(repo, "remote", "set-url", "origin", "https://example.com/team/renamed.git")
    (repo / "train.py").write_text("print('v2')\n")
    git(repo, "commit", "-q", "-am", "second")
    second = collect_git(repo)
    assert first is not None
    assert second is not None
    assert first["remote"] == "https://example.com/a.git"
    assert second["remote"] == "https://example.com/team/renamed.git"
    assert second["commit"] == git(repo, "rev-parse", "HEAD") != first["commit"]


def test_found_without_discovery_variables_in_a_linked_work_tree(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without GIT_CEILING_DIRECTORIES the SDK finds the work tree itself (no git subprocess).
    monkeypatch.delenv("GIT_CEILING_DIRECTORIES")
    git(repo, "remote", "add", "origin", "https://example.com/r.git")
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", "-b", "side", str(linked))
    (linked / "deep").mkdir()
    state = collect_git(linked / "deep")
    assert state is not None
    assert state["root"] == str(linked.resolve())
    assert state["branch"] == "side"
    assert state["remote"] == "https://example.com/r.git"


def test_detached_head(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "--detach")
    state = collect_git(repo)
    assert state is not None
    assert state["branch"] is None
    assert state["commit"] == head


def test_repo_without_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "trunk")
    (tmp_path / "a.py").write_text("a = 1\n")
    state = collect_git(tmp_path)
    assert state is not None
    assert state["commit"] is None
    assert state["branch"] == "trunk"
    assert git_diff(tmp_path) is None


def test_diff_over_the_limit_is_dropped_with_a_warning(
    repo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (repo / "train.py").write_text("print('changed')\n" * 100)
    with caplog.at_level(logging.WARNING, logger="cairn.sdk.capture.git"):
        assert git_diff(repo, max_bytes=64) is None
    assert any("over 64 bytes" in r.getMessage() for r in caplog.records)
    assert git_diff(repo) is not None


def test_git_missing_gives_none(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "train.py").write_text("print('changed')\n")
    monkeypatch.setenv("PATH", "")
    assert collect_git(repo) is None
    assert git_diff(repo) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://alice:s3cret@example.com/r.git", "https://example.com/r.git"),
        ("https://ghp_token@github.com/o/r.git", "https://github.com/o/r.git"),
        ("http://u:p@10.0.0.1:8080/r.git", "http://10.0.0.1:8080/r.git"),
        ("ssh://git:pw@example.com/r.git", "ssh://git@example.com/r.git"),
        ("ssh://git@example.com:2222/r.git", "ssh://git@example.com:2222/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("https://github.com/o/r.git", "https://github.com/o/r.git"),
        ("/srv/git/r.git", "/srv/git/r.git"),
        ("file:///srv/git/r.git", "file:///srv/git/r.git"),
    ],
)
def test_strip_credentials(url: str, expected: str) -> None:
    assert strip_credentials(url) == expected
