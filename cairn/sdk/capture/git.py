"""Git state of the working directory: remote, branch, commit, dirty flag, uncommitted diff."""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)

GIT_TIMEOUT_S = 5.0
DEFAULT_MAX_DIFF_BYTES = 10 * 2**20
_SSH_SCHEMES = {"ssh", "git+ssh", "ssh+git"}


def _git_env() -> dict[str, str]:
    """The environment for git: the process's, with optional locks and prompts off."""
    # No optional locks: `git status` must not take index.lock and so make the user's own git fail.
    return {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}


def _git(cwd: Path, *args: str) -> str | None:
    """Stdout of ``git args`` run in ``cwd``, or None when git is missing, fails or times out."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            env=_git_env(),
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("git %s failed in %s: %s", " ".join(args), cwd, exc)
        return None
    if proc.returncode != 0:
        log.debug("git %s exited %d in %s: %s", args[0], proc.returncode, cwd, proc.stderr[:500])
        return None
    return proc.stdout.decode("utf-8", errors="replace")


def strip_credentials(url: str) -> str:
    """``url`` without its password, and for http(s) without its user name (often a token)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or "@" not in parts.netloc:
        return url  # a local path or scp-like ``git@host:org/repo.git``: no secret in it
    userinfo, host = parts.netloc.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    netloc = f"{user}@{host}" if parts.scheme.lower() in _SSH_SCHEMES and user else host
    return urlunsplit(parts._replace(netloc=netloc))


# Variables that change how git finds a repository: with any of them set, ask git itself.
_DISCOVERY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES",
                        "GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_COMMON_DIR")  # fmt: skip

# Remote URLs by work tree, valid while the repository's config file is unchanged.
_remotes: dict[str, tuple[tuple[int, int] | None, str | None]] = {}
_remotes_lock = threading.Lock()


def _work_tree_root(cwd: Path) -> str | None:
    """The top of the git work tree holding ``cwd`` (None: not in one), without a subprocess

    when it can: the nearest directory upwards with a ``.git`` entry, as git itself looks."""
    if any(os.environ.get(name) for name in _DISCOVERY_VARIABLES):
        root = _git(cwd, "rev-parse", "--show-toplevel")
        return root.strip() if root else None
    here = os.path.realpath(cwd)
    if not os.path.isdir(here):
        return None
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _config_stamp(root: str) -> tuple[int, int] | None:
    """(mtime in ns, size) of the repository's config file; None when it cannot be found."""
    git_dir = os.path.join(root, ".git")
    try:
        if os.path.isfile(git_dir):  # a linked work tree or submodule: ``gitdir: <path>``
            with open(git_dir, encoding="utf-8") as handle:
                pointer = handle.read().strip()
            if not pointer.startswith("gitdir:"):
                return None
            git_dir = os.path.join(root, pointer.removeprefix("gitdir:").strip())
            common = os.path.join(git_dir, "commondir")
            if os.path.isfile(common):
                with open(common, encoding="utf-8") as handle:
                    git_dir = os.path.join(git_dir, handle.read().strip())
        stat = os.stat(os.path.join(git_dir, "config"))
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _remote_url(cwd: Path, root: str) -> str | None:
    """The URL of ``origin``, else of the first remote, with credentials stripped.

    Read once per work tree and kept while the repository's config file is unchanged, so a
    process that starts many runs asks git for it once."""
    stamp = _config_stamp(root)
    with _remotes_lock:
        cached = _remotes.get(root)
    if cached is not None and stamp is not None and cached[0] == stamp:
        return cached[1]
    out = _git(cwd, "config", "--get-regexp", r"^remote\..*\.url$")
    urls: dict[str, str] = {}
    for line in (out or "").splitlines():
        key, _, value = line.partition(" ")
        urls.setdefault(key[len("remote.") : -len(".url")], value.strip())
    url = urls.get("origin") or next(iter(urls.values()), None)
    remote = strip_credentials(url) if url else None
    with _remotes_lock:
        _remotes[root] = (stamp, remote)
    return remote


def collect_git(cwd: Path) -> dict[str, Any] | None:
    """Remote, branch, commit, dirty flag and root of the git work tree at ``cwd``; None if none.

    ``branch`` is None on a detached HEAD, ``commit`` None before the first commit. ``dirty``
    counts changes to tracked files only (like the saved diff); untracked files do not count.
    Never raises: any failure is logged at debug level and gives None.

    One ``git status`` per call (outside a work tree none): the work tree may have changed since
    the last run, which no cheap check of ``.git`` shows; the remote is cached per work tree.
    """
    try:
        root = _work_tree_root(cwd)
        if root is None:
            return None
        status = _git(cwd, "status", "--porcelain=v2", "--branch", "--untracked-files=no")
        if status is None:
            return None
        commit: str | None = None
        branch: str | None = None
        dirty = False
        for line in status.splitlines():
            if line.startswith("# branch.oid "):
                oid = line.removeprefix("# branch.oid ").strip()
                commit = None if oid == "(initial)" else oid
            elif line.startswith("# branch.head "):
                head = line.removeprefix("# branch.head ").strip()
                branch = None if head == "(detached)" else head
            elif line and not line.startswith("#"):
                dirty = True
        return {
            "remote": _remote_url(cwd, root),
            "branch": branch,
            "commit": commit,
            "dirty": dirty,
            "root": root,
        }
    except Exception as exc:  # capture must never break the run
        log.debug("collecting git state in %s failed: %s", cwd, exc)
        return None


def git_diff(cwd: Path, max_bytes: int = DEFAULT_MAX_DIFF_BYTES) -> bytes | None:
    """The uncommitted diff of tracked files against HEAD (``git diff HEAD --binary``).

    None when the tree is clean, is not a git work tree, has no commit yet, or git fails.
    A diff larger than ``max_bytes`` is not read past the limit: it gives None and a
    warning on this module's logger, so a huge generated file never fills memory or disk.
    """
    try:
        proc = subprocess.Popen(
            ["git", "diff", "HEAD", "--binary", "--no-color", "--no-ext-diff", "--no-textconv"],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_git_env(),
        )
    except OSError as exc:
        log.debug("git diff could not start in %s: %s", cwd, exc)
        return None
    # Killing the process ends the read below, so the timeout also bounds a stalled read.
    timer = threading.Timer(GIT_TIMEOUT_S, proc.kill)
    timer.start()
    try:
        assert proc.stdout is not None
        data = proc.stdout.read(max_bytes + 1)
        if len(data) > max_bytes:
            proc.kill()
            log.warning(
                "uncommitted diff in %s is over %d bytes; not saving it (capture_code_diff)",
                cwd,
                max_bytes,
            )
            return None
        returncode = proc.wait()
    except Exception as exc:
        proc.kill()
        log.debug("git diff failed in %s: %s", cwd, exc)
        return None
    finally:
        timer.cancel()
        if proc.stdout is not None:
            proc.stdout.close()
        proc.wait()
    if returncode != 0:
        log.debug("git diff exited %d in %s", returncode, cwd)
        return None
    return data or None
