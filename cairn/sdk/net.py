"""A small HTTP/1.1 client on the socket module, for the SDK's reads and its sender.

httpx takes ~100 ms to import here and http.client ~30 ms (it loads the email package), the
whole budget of a fresh script's first ``cairn.Api`` read. This speaks what the Cairn server and
the proxies in front of it need: kept-alive connections (a small pool, thread-safe), bodies by
Content-Length or chunked, gzip/deflate/zstd answers, TLS for https URLs, and the proxies named
in ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` (``NO_PROXY`` honoured), as httpx did.
"""

from __future__ import annotations

import io
import json
import os
import socket
import threading
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlencode, urlsplit

if TYPE_CHECKING:
    import ssl

MAX_LINE = 65_536
MAX_HEADERS = 200
ACCEPT_ENCODING = "gzip, deflate, zstd"
_CHUNK = 1 << 20
# What a request path may hold unescaped (RFC 3986 pchar and "/"); "%" keeps escapes as given.
_PATH_SAFE = "/:@!$&'()*+,;=~%"


class NetError(OSError):
    """The request did not get an answer: no connection, a timeout, a broken response."""


class Response:
    """A complete answer: status, headers (lower-case names) and the decoded body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        """The body as text (UTF-8, undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> object:
        """The body parsed as JSON; ValueError when it is not JSON."""
        return json.loads(self.body)


class _Connection:
    """One socket and its buffered reader."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader: io.BufferedReader = sock.makefile("rb")

    def close(self) -> None:
        try:
            self.reader.close()
        finally:
            self.sock.close()


class Client:
    """Requests to one server (``base_url``, whose path prefixes every request path)."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 30.0,
        connect_timeout_s: float | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url
        self._tls = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._tls else 80)
        default_port = self._port == (443 if self._tls else 80)
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._authority = host if default_port else f"{host}:{self._port}"
        self._prefix = parts.path.rstrip("/")
        self._headers = {
            "Host": self._authority,
            "Accept": "*/*",
            "Accept-Encoding": ACCEPT_ENCODING,
            **(headers or {}),
        }
        self._timeout = timeout_s
        self._connect_timeout = timeout_s if connect_timeout_s is None else connect_timeout_s
        self._proxy = _proxy_for(parts.scheme, self._host)
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()
        self._tls_context: ssl.SSLContext | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json_body: object = None,
        content: bytes | None = None,
        file_path: str | os.PathLike[str] | None = None,
        file_range: tuple[int, int] | None = None,
        headers: Mapping[str, str] | None = None,
        raw_query: str | None = None,
        timeout_s: float | None = None,
    ) -> Response:
        """Send one request and read the whole answer; NetError when none came.

        ``file_path`` streams a file as the body, ``file_range`` = ``(offset, length)`` only
        that slice of it. ``raw_query`` is sent as given (an already-encoded query, such as a
        presigned URL's); ``timeout_s`` replaces the client's timeout for this request.
        A kept-alive connection the server has meanwhile closed is retried once on a new one
        (only when nothing of an answer arrived, so the request was not seen).
        """
        target = quote(self._prefix + path, safe=_PATH_SAFE)
        if raw_query is not None:
            if any(c.isspace() for c in raw_query):
                raise ValueError("a raw query may not hold white space")
            target += "?" + raw_query
        if params:
            target += ("&" if "?" in target else "?") + urlencode(_query(params), doseq=True)
        body_file = None if file_path is None else _BodyFile(file_path, file_range)
        extra = dict(headers or {})
        body = content
        if json_body is not None:
            body = json.dumps(
                json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode()
            extra.setdefault("Content-Type", "application/json")
        for attempt in (0, 1):
            conn, reused = self._take()
            try:
                if timeout_s is not None:
                    conn.sock.settimeout(timeout_s)
                head = self._head(method, target, body, body_file, extra)
                response, keep = self._exchange(conn, method, head, body, body_file)
                if timeout_s is not None:
                    conn.sock.settimeout(self._timeout)
            except _Stale:
                conn.close()
                if reused and attempt == 0:
                    continue
                raise NetError("the server closed the connection without answering") from None
            except (OSError, ValueError) as exc:
                conn.close()
                if isinstance(exc, NetError):
                    raise
                raise NetError(f"{type(exc).__name__}: {exc}") from exc
            if keep:
                with self._lock:
                    self._idle.append(conn)
            else:
                conn.close()
            return response
        raise AssertionError("unreachable")

    def _take(self) -> tuple[_Connection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._connect(), False

    def _connect(self) -> _Connection:
        host, port = self._proxy[0] if self._proxy else (self._host, self._port)
        # An ASCII name goes as bytes: a str makes socket import the idna codec (~3 ms).
        address = host.encode("ascii") if host.isascii() else host
        try:
            sock = socket.create_connection(
                (address, port),  # type: ignore[arg-type]  # getaddrinfo takes bytes too
                timeout=self._connect_timeout,
            )
        except OSError as exc:
            raise NetError(f"cannot connect to {host}:{port}: {exc}") from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(self._timeout)
            if self._proxy and self._tls:
                _tunnel(sock, self._authority, self._proxy[1])
            if self._tls:
                sock = self._wrap_tls(sock)
        except OSError:
            sock.close()
            raise
        return _Connection(sock)

    def _wrap_tls(self, sock: socket.socket) -> socket.socket:
        import ssl  # ~20 ms: only for https servers

        if self._tls_context is None:
            self._tls_context = ssl.create_default_context()
        return self._tls_context.wrap_socket(sock, server_hostname=self._host)

    def _head(
        self,
        method: str,
        target: str,
        body: bytes | None,
        body_file: _BodyFile | None,
        extra: Mapping[str, str],
    ) -> bytes:
        if self._proxy and not self._tls:
            target = f"http://{self._authority}{target}"
        lines = [f"{method} {target} HTTP/1.1"]
        headers = {**self._headers, **extra}
        if self._proxy and not self._tls and self._proxy[1]:
            headers["Proxy-Authorization"] = self._proxy[1]
        if body_file is not None:
            headers["Content-Length"] = str(body_file.length())
        elif body is not None or method in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(body or b""))
        for name, value in headers.items():
            if "\n" in value or "\r" in value:
                raise ValueError(f"header {name} holds a line break")
            lines.append(f"{name}: {value}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _exchange(
        self,
        conn: _Connection,
        method: str,
        head: bytes,
        body: bytes | None,
        body_file: _BodyFile | None,
    ) -> tuple[Response, bool]:
        try:
            if body is not None and len(body) <= _CHUNK:
                conn.sock.sendall(head + body)
            else:
                conn.sock.sendall(head)
                if body is not None:
                    conn.sock.sendall(body)
            if body_file is not None:
                body_file.send(conn.sock)
            status_line = conn.reader.readline(MAX_LINE + 1)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            raise _Stale from None
        if not status_line:
            raise _Stale
        return _read_response(conn, method, status_line)

    def close(self) -> None:
        """Close the pooled connections."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class _BodyFile:
    """A file, or a slice of one, sent as a request body a chunk at a time."""

    def __init__(self, path: str | os.PathLike[str], span: tuple[int, int] | None) -> None:
        self.path = path
        self.span = span

    def length(self) -> int:
        return os.path.getsize(self.path) if self.span is None else self.span[1]

    def send(self, sock: socket.socket) -> None:
        offset, left = (0, self.length()) if self.span is None else self.span
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            while left > 0:
                block = handle.read(min(_CHUNK, left))
                if not block:
                    raise ValueError(f"{self.path} is shorter than the {self.length()} bytes sent")
                sock.sendall(block)
                left -= len(block)


class _Stale(Exception):
    """The connection was closed before any byte of an answer arrived."""


def _query(params: Mapping[str, object]) -> list[tuple[str, object]]:
    """Query pairs: lists repeat their key, booleans read ``true``/``false``, None is left out."""
    pairs: list[tuple[str, object]] = []
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None:
                continue
            pairs.append((key, ("true" if item else "false") if isinstance(item, bool) else item))
    return pairs


def _read_response(conn: _Connection, method: str, status_line: bytes) -> tuple[Response, bool]:
    reader = conn.reader
    while True:
        version, status = _parse_status(status_line)
        headers = _read_headers(reader)
        if not 100 <= status < 200:
            break
        status_line = reader.readline(MAX_LINE + 1)  # an interim answer: the real one follows
    connection = headers.get("connection", "").lower()
    keep = version == "HTTP/1.1" and "close" not in connection
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(reader)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        body = reader.read(length)
        if len(body) != length:
            raise NetError(f"the answer ended after {len(body)} of {length} bytes")
    else:
        body = reader.read()
        keep = False
    encoding = headers.get("content-encoding", "").lower()
    if encoding and encoding != "identity":
        body = _decode(body, encoding)
    return Response(status, headers, body), keep


def _parse_status(line: bytes) -> tuple[str, int]:
    if len(line) > MAX_LINE:
        raise NetError("the answer's status line is too long")
    parts = line.decode("latin-1").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise NetError(f"not an HTTP answer: {line[:80]!r}")
    return parts[0], int(parts[1])


def _read_headers(reader: io.BufferedReader | socket.SocketIO) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        line = reader.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise NetError("an answer header is too long")
        if line in (b"\r\n", b"\n"):
            return headers
        if not line:
            raise NetError("the connection closed inside the answer's headers")
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise NetError(f"malformed answer header: {line[:80]!r}")
        key = name.strip().lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    raise NetError("the answer has too many headers")


def _read_chunked(reader: io.BufferedReader) -> bytes:
    parts: list[bytes] = []
    read = reader.read
    readline = reader.readline
    while True:
        line = readline(MAX_LINE + 1)
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise NetError(f"malformed chunk size: {line[:80]!r}") from None
        if size == 0:
            while readline(MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(parts)
        chunk = read(size)
        if len(chunk) != size:
            raise NetError("the connection closed inside a chunk")
        parts.append(chunk)
        readline(MAX_LINE + 1)


def _decode(body: bytes, encoding: str) -> bytes:
    for coding in reversed([c.strip() for c in encoding.split(",")]):
        if coding in ("gzip", "x-gzip"):
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        elif coding == "zstd":
            import zstandard

            body = zstandard.ZstdDecompressor().decompressobj().decompress(body)
        elif coding != "identity":
            raise NetError(f"the answer is encoded as {coding!r}, which this client cannot read")
    return body


def _environ(name: str) -> str:
    """A proxy variable: the lower-case spelling first, as curl and httpx read them."""
    return os.environ.get(name) or os.environ.get(name.upper()) or ""


def _bypass(host: str) -> bool:
    """Whether ``NO_PROXY`` names ``host`` (``*``, the host, or a domain above it)."""
    host = host.lower().strip("[]")
    for entry in _environ("no_proxy").split(","):
        entry = entry.strip().lower().lstrip(".")
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


def _proxy_for(scheme: str, host: str) -> tuple[tuple[str, int], str | None] | None:
    """(proxy host and port, Proxy-Authorization value) from the environment, or None."""
    url = _environ(f"{scheme}_proxy") or _environ("all_proxy")
    if not url or _bypass(host):
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"only http:// proxies are supported, got {url!r}")
    auth = None
    if parts.username is not None:
        import base64

        user_pass = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        auth = "Basic " + base64.b64encode(user_pass.encode()).decode()
    return (parts.hostname, parts.port or 80), auth


def _tunnel(sock: socket.socket, authority: str, auth: str | None) -> None:
    """Open a CONNECT tunnel through the proxy on ``sock`` to ``authority``."""
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
    if auth:
        lines.append(f"Proxy-Authorization: {auth}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    reader = sock.makefile("rb", buffering=0)
    try:
        line = reader.readline(MAX_LINE + 1)
        if not line:
            raise NetError("the proxy closed the connection")
        _, status = _parse_status(line)
        _read_headers(reader)
    finally:
        reader.close()
    if status != 200:
        raise NetError(f"the proxy refused the tunnel to {authority} (HTTP {status})")
