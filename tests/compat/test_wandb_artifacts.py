"""W&B artifacts through Cairn's W&B surface: the real ``wandb`` client logs, uses and downloads
artifacts, and the versions are Cairn's own (design 0016; 0013 for Cairn's artifacts).

Each wandb script is what a user writes, with only ``WANDB_BASE_URL``/``WANDB_API_KEY`` at the
server; what the server then holds is read through Cairn's API and SDK.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.authhelp import ADMIN, ADMIN_ENV, login
from tests.compat.wandb_client import OPEN_KEY, run_id_of, run_script
from tests.serverproc import ServerProcess, start_server

pytest.importorskip("wandb", reason="the compat extra (wandb==0.31.0) is not installed")

from cairn.wire.artifacts import manifest_digest

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parents[2]
FILES = {"a.txt": b"alpha\n", "b.txt": b"beta\n", "sub/c.bin": bytes(range(256)) * 40}

LOG = """
    import sys, wandb
    run = wandb.init(entity="alice", project="arts", job_type="prep")

    def logged(root, aliases):
        art = wandb.Artifact("ds", type="dataset", description="toy", metadata={{"rows": 3}})
        art.add_dir(root)
        run.log_artifact(art, aliases=aliases)
        art.wait()
        return art.version

    first = logged("{data}", ["best"])
    again = logged("{data}", [])  # unchanged: no new version
    with open("{data}/a.txt", "w") as f:
        f.write("changed\\n")
    changed = logged("{data}", ["best", "prod"])
    run.finish()
    print("RUN", run.id)
    print("VERSIONS", first, again, changed)
"""

USE = """
    import hashlib, os, wandb
    run = wandb.init(entity="alice", project="arts", job_type="train")

    def digests(root):
        out = {{}}
        for top, _, names in os.walk(root):
            for name in names:
                path = os.path.join(top, name)
                out[os.path.relpath(path, root).replace(os.sep, "/")] = hashlib.sha256(
                    open(path, "rb").read()).hexdigest()
        return out

    old = run.use_artifact("{ref}")
    print("OLD", old.version, sorted(old.aliases), digests(old.download(root="{out}")))
    old.verify(root="{out}")  # every file's MD5 as the manifest says
    print("NAMES", sorted(f.name for f in old.files()))
    run.finish()
    print("RUN", run.id)
"""

API_DOWNLOAD = """
    import hashlib, os, wandb
    art = wandb.Api().artifact("{path}")
    root = art.download(root="{out}"{prefix})
    print("VERSION", art.version, sorted(art.aliases), art.type, art.metadata)
    for top, _, names in os.walk(root):
        for name in sorted(names):
            path = os.path.join(top, name)
            print("FILE", os.path.relpath(path, root).replace(os.sep, "/"),
                  hashlib.sha256(open(path, "rb").read()).hexdigest())
"""


def _write(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _md5(data: bytes) -> str:
    """W&B's name of content: base64 of its MD5."""
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def _lines(result: subprocess.CompletedProcess[str], prefix: str) -> list[str]:
    return [
        line[len(prefix) + 1 :] for line in result.stdout.splitlines() if line.startswith(prefix)
    ]


def _files(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in _lines(result, "FILE"))  # type: ignore[misc]


def _api(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url + "/api/v1", timeout=30)


def test_log_dedup_new_version_use_download_and_lineage(
    server: ServerProcess, tmp_path: Path
) -> None:
    data = tmp_path / "dataset"
    _write(data, FILES)
    logged = run_script(LOG.format(data=data), server.base_url, tmp_path / "log")
    assert _lines(logged, "VERSIONS") == ["v0 v0 v1"]
    logger = f"alice/arts/{run_id_of(logged)}"

    api = _api(server)
    versions = api.get("/artifacts/alice/arts/ds/versions").json()["versions"]
    assert [(v["version"], v["aliases"]) for v in versions] == [
        ("v1", ["best", "latest", "prod"]),
        ("v0", []),
    ]
    changed = {**FILES, "a.txt": b"changed\n"}
    for version, files in zip(versions, (changed, FILES), strict=True):
        entries = [{"path": p, "sha256": _sha(d)} for p, d in files.items()]
        assert version["digest"] == manifest_digest(entries)  # Cairn's digest rule
        assert version["file_count"] == 3
        assert version["size"] == sum(len(d) for d in files.values())
        assert version["logged_by"]["path"] == logger
        assert version["description"] == "toy"
        assert version["metadata"] == {"rows": 3}
        for name, content in files.items():
            got = api.get(f"/artifacts/alice/arts/ds/versions/{version['version']}/files/{name}")
            assert got.content == content
    listed = api.get("/artifacts/alice/arts/ds/versions/v0/files").json()["files"]
    assert {f["path"]: f["md5"] for f in listed}["b.txt"] == _md5(FILES["b.txt"])

    used = run_script(
        USE.format(ref="ds:v0", out=tmp_path / "v0"), server.base_url, tmp_path / "use"
    )
    (old,) = _lines(used, "OLD")
    assert old.startswith("v0 [] ")
    assert eval(old.split(" ", 2)[2]) == {p: _sha(d) for p, d in FILES.items()}
    assert _lines(used, "NAMES") == [str(sorted(FILES))]
    user = f"alice/arts/{run_id_of(used)}"
    assert api.get(f"/runs/{user}/artifacts").json()["used"][0]["path"] == "alice/arts/ds:v0"
    lineage = api.get("/artifacts/alice/arts/ds/versions/v0/lineage", params={"depth": 1})
    assert {(e["source"], e["target"]) for e in lineage.json()["edges"]} == {
        (f"run:{logger}", "artifact:alice/arts/ds:v0"),
        ("artifact:alice/arts/ds:v0", f"run:{user}"),
    }

    fetched = run_script(
        API_DOWNLOAD.format(path="alice/arts/ds:best", out=tmp_path / "best", prefix=""),
        server.base_url,
        tmp_path / "api",
    )
    assert _lines(fetched, "VERSION") == ["v1 ['best', 'latest', 'prod'] dataset {'rows': 3}"]
    assert _files(fetched) == {p: _sha(d) for p, d in changed.items()}


REFERENCES = """
    import wandb
    run = wandb.init(entity="alice", project="arts")
    art = wandb.Artifact("refs", type="dataset")
    art.add_reference("file://{local}", name="local/data.txt")
    art.add_reference("s3://bucket/key/obj.bin", name="remote/obj.bin", checksum=False)
    art.add_file("{local}", name="copy.txt")
    run.log_artifact(art)
    art.wait()
    run.finish()
"""


def test_references_are_tracked_not_stored(server: ServerProcess, tmp_path: Path) -> None:
    local = tmp_path / "local.txt"
    local.write_bytes(b"local bytes\n")
    run_script(REFERENCES.format(local=local), server.base_url, tmp_path / "log")

    files = _api(server).get("/artifacts/alice/arts/refs/versions/v0/files").json()["files"]
    by_path = {f["path"]: f for f in files}
    assert by_path["local/data.txt"]["ref"] == f"file://{local}"
    assert by_path["local/data.txt"]["sha256"] is None
    assert by_path["local/data.txt"]["checksum"] == _md5(b"local bytes\n")  # W&B's digest
    assert by_path["remote/obj.bin"]["ref"] == "s3://bucket/key/obj.bin"
    assert by_path["remote/obj.bin"]["checksum"] == "s3://bucket/key/obj.bin"
    assert by_path["copy.txt"]["sha256"] == _sha(b"local bytes\n")

    fetched = run_script(
        API_DOWNLOAD.format(
            path="alice/arts/refs:latest", out=tmp_path / "out", prefix=', path_prefix="local"'
        ),
        server.base_url,
        tmp_path / "api",
    )
    assert _files(fetched) == {"local/data.txt": _sha(b"local bytes\n")}


CAIRN_LOG = """
    import cairn
    run = cairn.init(project="arts")
    art = cairn.Artifact("model", type="model")
    art.add_dir("{data}")
    run.log_artifact(art, aliases=["prod"])
    art.wait()
    print("RUN", run.id)
    wb = run.use_artifact("wbmodel:latest")
    wb.download(root="{out}")
    run.finish()
"""

WANDB_LOG_AND_USE = """
    import hashlib, os, wandb
    run = wandb.init(entity="alice", project="arts")
    art = wandb.Artifact("wbmodel", type="model")
    art.add_file("{data}/b.txt", name="weights.txt")
    run.log_artifact(art)
    same = wandb.Artifact("model", type="model")  # what Cairn's SDK logged: no new version
    same.add_dir("{data}")
    run.log_artifact(same)
    same.wait()
    print("SAME", same.version)
    used = run.use_artifact("model:prod")
    root = used.download(root="{out}")
    for top, _, names in os.walk(root):
        for name in sorted(names):
            path = os.path.join(top, name)
            print("FILE", os.path.relpath(path, root).replace(os.sep, "/"),
                  hashlib.sha256(open(path, "rb").read()).hexdigest())
    run.finish()
"""


def _run_cairn(source: str, server: ServerProcess, root: Path) -> subprocess.CompletedProcess[str]:
    root.mkdir(parents=True, exist_ok=True)
    script = root / "train_cairn.py"
    script.write_text(textwrap.dedent(source))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
    env.update(
        CAIRN_BASE_URL=server.base_url, CAIRN_NETRC=str(root / "netrc"), CAIRN_ENTITY="alice",
        CAIRN_DIR=str(root / "cairn"), CAIRN_CACHE_DIR=str(root / "cache"),
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    )  # fmt: skip
    result = subprocess.run(
        [sys.executable, str(script)], cwd=root, env=env, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_cairn_and_wandb_artifacts_are_the_same_versions(
    server: ServerProcess, tmp_path: Path
) -> None:
    data = tmp_path / "dataset"
    _write(data, FILES)
    wandb_side = tmp_path / "from-cairn"
    cairn_side = tmp_path / "from-wandb"
    # wandb logs first (Cairn's script uses its artifact), then uses what Cairn logs
    first = run_script(
        WANDB_LOG_AND_USE.replace('used = run.use_artifact("model:prod")', "used = None")
        .split("    root = used")[0]
        .format(data=data, out=wandb_side)
        + "\n    run.finish()\n",
        server.base_url,
        tmp_path / "wandb-first",
    )
    assert _lines(first, "SAME") == ["v0"]
    cairn_run = _run_cairn(
        CAIRN_LOG.format(data=data, out=cairn_side), server, tmp_path / "cairn-run"
    )
    assert (cairn_side / "weights.txt").read_bytes() == FILES["b.txt"]

    second = run_script(
        WANDB_LOG_AND_USE.format(data=data, out=wandb_side), server.base_url, tmp_path / "wandb"
    )
    assert _lines(second, "SAME") == ["v0"]
    assert _files(second) == {p: _sha(d) for p, d in FILES.items()}
    api = _api(server)
    versions = api.get("/artifacts/alice/arts/model/versions").json()["versions"]
    assert [(v["version"], v["aliases"]) for v in versions] == [("v0", ["latest", "prod"])]
    cairn_id = run_id_of(cairn_run)
    used = api.get(f"/runs/alice/arts/{cairn_id}/artifacts").json()["used"]
    assert [v["path"] for v in used] == ["alice/arts/wbmodel:v0"]


def _graphql(
    server: ServerProcess, query: str, key: str = OPEN_KEY, **variables: Any
) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/graphql",
        json={"query": query, "variables": variables},
        auth=("api", key),
        timeout=30,
    )


def test_bad_input_is_refused_with_a_message(server: ServerProcess, tmp_path: Path) -> None:
    unknown = _graphql(server, "query A($id: ID!) { artifact(id: $id) { id digest } }", id="eA==")
    assert unknown.status_code == 200
    assert "no artifact has the id" in unknown.json()["errors"][0]["message"]

    missing = run_script(
        """
        import wandb
        run = wandb.init(entity="alice", project="arts")
        try:
            run.use_artifact("nope:latest")
        except Exception as exc:
            print("ERROR", exc)
        try:
            wandb.Api().artifact("alice/arts/ds:v0")
        except Exception as exc:
            print("ERROR", exc)
        art = wandb.Artifact("ds", type="dataset")
        art.add_file(__file__, name="script.py")
        run.log_artifact(art)
        other = wandb.Artifact("ds", type="model")  # a name has one type
        other.add_file(__file__, name="again.py")
        run.log_artifact(other)
        try:
            other.wait()
        except Exception as exc:
            print("ERROR", exc)
        run.finish()
        """,
        server.base_url,
        tmp_path / "missing",
    )
    errors = _lines(missing, "ERROR")
    assert "'nope:latest' not found" in errors[0]
    assert "'ds:v0' not found" in errors[1]
    assert "is of type 'dataset', not 'model'" in errors[2]

    forged = httpx.put(f"{server.base_url}/wandb-artifacts/not-a-token", content=b"x")
    assert forged.status_code == 401
    assert "invalid" in forged.json()["errors"][0]["message"]


@pytest.fixture
def auth_server(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server that requires an API key on every W&B call."""
    proc = start_server(
        tmp_path / "auth-data",
        db_url=db_url,
        extra_args=["--auth", "required", "--log-level", "info"],
        env=ADMIN_ENV,
    )
    try:
        yield proc
    finally:
        proc.stop()


def _key(server: ServerProcess, name: str) -> str:
    """A fresh API key of the new user ``name``."""
    admin, csrf = login(server, *ADMIN)
    made = admin.post(
        "/api/v1/users",
        json={"username": name, "password": f"{name}-password"},
        headers={"X-CSRF-Token": csrf},
    )
    assert made.status_code == 201, made.text
    session, user_csrf = login(server, name, f"{name}-password")
    answer = session.post(
        "/api/v1/api-keys", json={"name": "k"}, headers={"X-CSRF-Token": user_csrf}
    )
    key: str = answer.json()["key"]
    return key


def _as(server: ServerProcess, key: str, query: str, **variables: Any) -> dict[str, Any]:
    answer = _graphql(server, query, key, **variables)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


UPSERT = """mutation U($input: UpsertBucketInput!) { upsertBucket(input: $input) { inserted } }"""
CREATE = """mutation C($input: CreateArtifactInput!) {
    createArtifact(input: $input) { artifact { id state } } }"""
FILES_URLS = """mutation F($input: CreateArtifactFilesInput!) {
    createArtifactFiles(input: $input) { files { edges { node { uploadUrl } } } } }"""
MANIFEST = """mutation M($id: ID!) { createArtifactManifest(input: {artifactID: $id,
    name: "wandb_manifest.json", digest: "", entityName: "-", projectName: "-", runName: "-"})
    { artifactManifest { file { uploadUrl } } } }"""
COMMIT = "mutation K($id: ID!) { commitArtifact(input: {artifactID: $id}) { artifact { id } } }"
ALPHA_MD5 = base64.b64encode(hashlib.md5(b"alpha\n").digest()).decode()
ALPHA_MANIFEST = {
    "version": 1,
    "storagePolicy": "wandb-storage-policy-v1",
    "storagePolicyConfig": {"storageLayout": "V2"},
    "contents": {"a.txt": {"digest": ALPHA_MD5, "size": 6}},
}


def _start(server: ServerProcess, key: str, entity: str, name: str, digest: str) -> str:
    """A run of ``entity``'s, and a W&B artifact upload from it; the upload's id."""
    run = {"entityName": entity, "modelName": "arts", "name": "r1"}
    assert "errors" not in _as(server, key, UPSERT, input=run)
    created = _as(
        server,
        key,
        CREATE,
        input={
            "entityName": entity, "projectName": "arts", "runName": "r1",
            "artifactTypeName": "dataset", "artifactCollectionName": name, "digest": digest,
        },
    )  # fmt: skip
    artifact_id: str = created["data"]["createArtifact"]["artifact"]["id"]
    return artifact_id


def _upload_url(server: ServerProcess, key: str, artifact_id: str) -> str | None:
    spec = {"artifactID": artifact_id, "name": "a.txt", "md5": ALPHA_MD5}
    files = _as(server, key, FILES_URLS, input={"artifactFiles": [spec]})
    url: str | None = files["data"]["createArtifactFiles"]["files"]["edges"][0]["node"]["uploadUrl"]
    return url


def test_upload_urls_check_the_bytes_and_reveal_no_unreadable_content(
    auth_server: ServerProcess,
) -> None:
    server = auth_server
    bob, eve = _key(server, "bob"), _key(server, "eve")
    digest = hashlib.md5(f"wandb-artifact-manifest-v1\na.txt:{ALPHA_MD5}\n".encode()).hexdigest()
    first = _start(server, bob, "bob", "raw", digest)
    url = _upload_url(server, bob, first)
    assert url is not None
    wrong = httpx.put(url, content=b"not alpha\n")
    assert wrong.status_code == 400
    assert "MD5" in wrong.json()["errors"][0]["message"]
    assert httpx.put(url, content=b"alpha\n").status_code == 200
    early = _as(server, bob, COMMIT, id=first)
    assert "no manifest yet" in early["errors"][0]["message"]
    manifest = _as(server, bob, MANIFEST, id=first)
    manifest_url = manifest["data"]["createArtifactManifest"]["artifactManifest"]["file"][
        "uploadUrl"
    ]
    assert httpx.put(manifest_url, json=ALPHA_MANIFEST).status_code == 200
    assert "errors" not in _as(server, bob, COMMIT, id=first)
    stored = httpx.get(
        f"{server.base_url}/api/v1/artifacts/bob/arts/raw/versions/v0/files/a.txt",
        headers={"Authorization": f"Bearer {bob}"},
    )
    assert stored.content == b"alpha\n"

    # bob may skip sending bytes his project holds; eve, who cannot read it, may not
    assert _upload_url(server, bob, _start(server, bob, "bob", "raw2", digest)) is None
    assert _upload_url(server, eve, _start(server, eve, "eve", "raw", digest)) is not None
    hidden = _as(server, eve, "query A($id: ID!) { artifact(id: $id) { digest } }", id=first)
    assert hidden["data"]["artifact"] is None
    assert hidden["errors"][0]["message"] == "project bob/arts does not exist"
    denied = _graphql(server, UPSERT, "cairn_" + "x" * 43, input={"modelName": "arts"})
    assert denied.status_code == 401
    log = server.log()
    assert "PUT /wandb-artifacts/" in log  # the uploads were logged ...
    assert "/wandb-artifacts/gAAAA" not in log  # ... without their capability tokens
