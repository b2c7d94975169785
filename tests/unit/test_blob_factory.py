"""open_blob_store: which store each blob URL names."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cairn.errors import InvalidInputError
from cairn.server.store.blobs import LocalBlobStore, S3BlobStore, open_blob_store


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region: building a client must not need real ones."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("url", [None, ""])
def test_no_url_means_blobs_under_the_data_dir(tmp_path: Path, url: str | None) -> None:
    store = open_blob_store(url, data_dir=tmp_path)
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "blobs"
    assert store.root.is_dir()


def test_a_plain_path(tmp_path: Path) -> None:
    store = open_blob_store(str(tmp_path / "x"), data_dir=tmp_path / "data")
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "x"


def test_a_home_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    store = open_blob_store("~/cairn-blobs", data_dir=tmp_path / "data")
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "cairn-blobs"


@pytest.mark.parametrize("host", ["", "localhost"])
def test_a_file_url(tmp_path: Path, host: str) -> None:
    store = open_blob_store(f"file://{host}{tmp_path}/with%20space", data_dir=tmp_path)
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "with space"


@pytest.mark.parametrize("url", ["file://otherhost/srv/blobs", "file://"])
def test_a_file_url_that_is_not_a_local_path(tmp_path: Path, url: str) -> None:
    with pytest.raises(InvalidInputError, match="file:///PATH"):
        open_blob_store(url, data_dir=tmp_path)


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://my-bucket/cairn/blobs", "my-bucket", "cairn/blobs"),
        ("s3://my-bucket/cairn/", "my-bucket", "cairn"),
        ("s3://my-bucket", "my-bucket", ""),
        ("S3://my-bucket/p", "my-bucket", "p"),
    ],
)
def test_an_s3_url(tmp_path: Path, url: str, bucket: str, prefix: str) -> None:
    store = open_blob_store(url, data_dir=tmp_path, s3_endpoint_url="http://127.0.0.1:9000")
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == (bucket, prefix)
    assert store.client.meta.endpoint_url == "http://127.0.0.1:9000"
    assert store.key_of("ab" * 32) == "/".join(filter(None, [prefix, "ab", "ab" * 32]))
    assert not (tmp_path / "blobs").exists()


@pytest.mark.usefixtures("aws_env")
def test_an_s3_url_without_endpoint_uses_aws(tmp_path: Path) -> None:
    store = open_blob_store("s3://b/p", data_dir=tmp_path)
    assert isinstance(store, S3BlobStore)
    assert "amazonaws.com" in store.client.meta.endpoint_url


def test_an_s3_url_without_bucket(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="s3://bucket/prefix"):
        open_blob_store("s3:///prefix", data_dir=tmp_path)


def test_s3_without_boto3_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # makes `import boto3` raise ImportError
    with pytest.raises(InvalidInputError, match=r'pip install "cairn-ml\[s3\]"'):
        open_blob_store("s3://b/p", data_dir=tmp_path)


@pytest.mark.parametrize("url", ["ftp://host/x", "gs://bucket/x", "http://minio:9000/b"])
def test_other_schemes_are_refused_with_the_accepted_forms(tmp_path: Path, url: str) -> None:
    with pytest.raises(InvalidInputError, match=r"unsupported blob store.*s3://bucket/prefix"):
        open_blob_store(url, data_dir=tmp_path)


def test_importing_the_stores_does_not_import_boto3() -> None:
    import subprocess

    code = (
        "import sys; import cairn.server.store.blobs; "
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
