"""References: checksums taken on the client (file, https on a local server, s3 on moto) and
downloads checked against them."""

from __future__ import annotations

import hashlib
import http.server
import os
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

import cairn
from cairn.artifacts import refs
from cairn.errors import CairnError, InvalidInputError
from tests.serverproc import free_port


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Files of a folder; those under /etag/ with an ETag (the content's md5)."""

    def end_headers(self) -> None:
        if self.path.startswith("/etag/"):
            local = Path(self.translate_path(self.path))
            if local.is_file():
                self.send_header("ETag", f'"{hashlib.md5(local.read_bytes()).hexdigest()}"')
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local http.server: (its URL, the folder it serves)."""
    root = tmp_path / "site"
    (root / "etag").mkdir(parents=True)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", free_port()), partial(_Handler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def test_file_references_checksum_each_file_of_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("A")
    (folder / "sub" / "b.txt").write_text("BB")
    art = cairn.Artifact("r", "dataset")
    files = art.add_reference(folder.as_uri(), name="raw")
    assert [(f.path, f.size, f.checksum) for f in files] == [
        ("raw/a.txt", 1, f"sha256:{_sha(b'A')}"),
        ("raw/sub/b.txt", 2, f"sha256:{_sha(b'BB')}"),
    ]
    assert files[1].ref == (folder / "sub" / "b.txt").resolve().as_uri()
    single = art.add_reference((folder / "a.txt").as_uri())
    assert single[0].path == "a.txt"
    with pytest.raises(InvalidInputError, match="max_objects"):
        art.add_reference(folder.as_uri(), name="again", max_objects=1)
    unchecked = art.add_reference(folder.as_uri(), name="whole", checksum=False)
    assert [(f.path, f.checksum) for f in unchecked] == [("whole", "unchecked")]
    with pytest.raises(InvalidInputError, match="does not exist"):
        art.add_reference((tmp_path / "nope").as_uri())
    with pytest.raises(InvalidInputError, match="use one of"):
        art.add_reference("ftp://host/file")


def test_a_changed_file_reference_fails_its_download(tmp_path: Path) -> None:
    source = tmp_path / "w.bin"
    source.write_bytes(b"weights")
    (entry,) = refs.checksum_reference(source.as_uri(), None, True, None)
    refs.fetch(entry, tmp_path / "out" / "w.bin")
    assert (tmp_path / "out" / "w.bin").read_bytes() == b"weights"
    assert refs.matches(entry, tmp_path / "out" / "w.bin") is True
    source.write_bytes(b"other")
    with pytest.raises(CairnError, match="changed since it was logged"):
        refs.fetch(entry, tmp_path / "out2" / "w.bin")
    assert not (tmp_path / "out2" / "w.bin").exists()
    assert not list((tmp_path / "out2").iterdir())  # no partial file left


def test_https_references_use_the_etag_else_a_content_hash(
    site: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = site
    (root / "etag" / "m.bin").write_bytes(b"model")
    csv = b"a,b\n1,2\n"
    (root / "plain.csv").write_bytes(csv)
    (tagged,) = refs.checksum_reference(f"{url}/etag/m.bin", None, True, None)
    assert tagged.path == "m.bin"
    assert tagged.checksum == f"etag:{hashlib.md5(b'model').hexdigest()}"
    assert tagged.size == 5
    (hashed,) = refs.checksum_reference(f"{url}/plain.csv", "tables/x.csv", True, None)
    assert (hashed.path, hashed.checksum) == ("tables/x.csv", f"sha256:{_sha(csv)}")
    refs.fetch(hashed, tmp_path / "x.csv")
    refs.fetch(tagged, tmp_path / "m.bin")
    assert (tmp_path / "m.bin").read_bytes() == b"model"
    (root / "etag" / "m.bin").write_bytes(b"model 2")
    with pytest.raises(CairnError, match="changed since it was logged"):
        refs.fetch(tagged, tmp_path / "m2.bin")
    with pytest.raises(CairnError, match="cannot HEAD"):
        refs.checksum_reference(f"{url}/missing", None, True, None)
    (loose,) = refs.checksum_reference(f"{url}/missing", None, False, None)
    assert loose.checksum == "unchecked"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A moto S3 server; boto3 clients made anywhere reach it (AWS_ENDPOINT_URL_S3)."""
    import boto3
    from moto.server import ThreadedMotoServer

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    port = free_port()
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_CONFIG_FILE", os.devnull),
                        ("AWS_SHARED_CREDENTIALS_FILE", os.devnull),
                        ("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{port}")):  # fmt: skip
        monkeypatch.setenv(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        client = boto3.client("s3")
        client.create_bucket(Bucket="data")
        yield client
    finally:
        server.stop()


def test_s3_references_take_etags_of_an_object_or_a_prefix(s3: object, tmp_path: Path) -> None:
    client = s3
    for key, body in (("ds/a.txt", b"A"), ("ds/sub/b.txt", b"BB"), ("other.txt", b"O")):
        client.put_object(Bucket="data", Key=key, Body=body)  # type: ignore[attr-defined]
    entries = refs.checksum_reference("s3://data/ds", "ds", True, None)
    assert [(e.path, e.size, e.ref) for e in entries] == [
        ("ds/a.txt", 1, "s3://data/ds/a.txt"), ("ds/sub/b.txt", 2, "s3://data/ds/sub/b.txt"),
    ]  # fmt: skip
    assert entries[0].checksum == f"etag:{hashlib.md5(b'A').hexdigest()}"
    (one,) = refs.checksum_reference("s3://data/other.txt", None, True, None)
    assert (one.path, one.size) == ("other.txt", 1)
    refs.fetch(entries[1], tmp_path / "b.txt")
    assert (tmp_path / "b.txt").read_bytes() == b"BB"
    client.put_object(Bucket="data", Key="ds/sub/b.txt", Body=b"changed")  # type: ignore[attr-defined]
    with pytest.raises(CairnError, match="changed since it was logged"):
        refs.fetch(entries[1], tmp_path / "b2.txt")
    with pytest.raises(InvalidInputError, match="max_objects"):
        refs.checksum_reference("s3://data/ds", None, True, 1)
    with pytest.raises(InvalidInputError, match="no object"):
        refs.checksum_reference("s3://data/nothing-here", None, True, None)
