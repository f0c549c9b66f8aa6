"""A deliberately badly behaved HTTP server on 127.0.0.1, speaking raw sockets.

pytest-httpserver (werkzeug) always answers politely; these faults need control of the
bytes on the wire: a body shorter than its Content-Length, a connection reset mid-body, a
chunked stream that never ends, a server that accepts and never answers, a 50 MB page
generated on the fly (never stored), a gzip bomb, a status line and headers dripped one
byte a second or never ending, an answer that comes after 30 s. Each path serves one
fault; ``sent`` counts body bytes written per path, so a test can show how much a fault
managed to push before newswatch hung up, and ``received`` lists every request's path and
headers (so a test can show a request never came, or came without credentials).
A page set with :meth:`FaultServer.set_page` for a path (query included) is served there
instead of the fault, so one article URL can be healthy first and faulty next;
:meth:`FaultServer.set_redirect` makes a path a 302 to any location.
"""

from __future__ import annotations

import gzip
import socket
import socketserver
import struct
import threading
import time
import zlib
from collections.abc import Callable
from functools import cache

Handler = Callable[["_Conn"], None]

FIFTY_MB = 50 * 1024 * 1024


@cache
def gzip_bomb() -> bytes:
    """About 200 KB of gzip that inflates to 200 MB of spaces (made once per session)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b" " * (1024 * 1024)
    parts = [compressor.compress(b"<html><body>")]
    parts += [compressor.compress(block) for _ in range(200)]
    parts.append(compressor.flush())
    return b"".join(parts)


class _Conn:
    def __init__(self, sock: socket.socket, path: str, server: FaultServer) -> None:
        self.sock = sock
        self.path = path
        self.server = server

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)
        self.server.count(self.path, len(data))

    def head(self, status: str, headers: dict[str, str]) -> None:
        lines = [
            f"HTTP/1.1 {status}",
            "Connection: close",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def respond(self, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        self.head("200 OK", {"Content-Type": content_type, "Content-Length": str(len(body))})
        self.send(body)


class FaultServer:
    """Serves each fault at its own path; ``url(path)`` gives the address."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.redirects: dict[str, str] = {}
        self.sent: dict[str, int] = {}
        self.received: list[tuple[str, dict[str, str]]] = []
        self.closing = threading.Event()
        self._lock = threading.Lock()
        outer = self

        class RequestHandler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), RequestHandler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set_page(self, path: str, body: bytes, content_type: str = "text/html") -> None:
        with self._lock:
            self.pages[path] = (body, content_type)

    def set_redirect(self, path: str, location: str) -> None:
        with self._lock:
            self.redirects[path] = location

    def requests_for(self, path_prefix: str = "") -> list[tuple[str, dict[str, str]]]:
        """The requests received so far whose path starts with ``path_prefix``."""
        with self._lock:
            return [r for r in self.received if r[0].startswith(path_prefix)]

    def clear_page(self, path: str) -> None:
        with self._lock:
            self.pages.pop(path, None)

    def count(self, path: str, n: int) -> None:
        with self._lock:
            self.sent[path] = self.sent.get(path, 0) + n

    # ------------------------------------------------------------------ dispatch

    def _handle(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        path = head[0].split(" ", 2)[1]
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in head[1:])
        }
        conn = _Conn(sock, path, self)
        handler = FAULTS.get(path.split("?")[0])
        with self._lock:
            self.received.append((path, headers))
            page = self.pages.get(path)
            location = self.redirects.get(path)
        try:
            if location is not None:
                conn.head("302 Found", {"Location": location, "Content-Length": "0"})
            elif page is not None:
                conn.respond(*page)
            elif handler is None:
                conn.head("404 Not Found", {"Content-Length": "0"})
            else:
                handler(conn)
        except OSError:
            pass  # the client hung up on a fault: exactly what it should do


# ---------------------------------------------------------------------- the faults


def _endless_chunked(conn: _Conn) -> None:
    conn.head("200 OK", {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
    conn.send(b"6\r\n<html>\r\n")
    piece = b"<p>" + b"more " * 200 + b"</p>"
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    while not conn.server.closing.is_set():
        conn.send(frame)
        time.sleep(0.01)  # ~100 KB/s: the whole-fetch deadline, not the size cap, must end it


def _huge(conn: _Conn) -> None:
    """50 MB of plausible HTML, generated as it is sent, announced in Content-Length or not."""
    chunked = "length" not in conn.path
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(FIFTY_MB)
    conn.head("200 OK", headers)
    block = b"<p>" + b"word " * 13106 + b"</p>\n"  # 64 KB
    total = 0
    while total < FIFTY_MB:
        conn.send(f"{len(block):x}\r\n".encode() + block + b"\r\n" if chunked else block)
        total += len(block)
    if chunked:
        conn.send(b"0\r\n\r\n")


def _gzip_bomb(conn: _Conn) -> None:
    body = gzip_bomb()
    conn.head(
        "200 OK",
        {
            "Content-Type": "text/html",
            "Content-Encoding": "gzip",
            "Content-Length": str(len(body)),
        },
    )
    conn.send(body)


def _never_answers(conn: _Conn) -> None:
    conn.server.closing.wait(30)


def _drip_headers(conn: _Conn) -> None:
    """Status line and headers one byte a second (about 80 s), then a page."""
    body = b"<html><head><title>Dripped</title></head><body><p>late</p></body></html>"
    head = (
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    for i in range(len(head)):
        conn.sock.sendall(head[i : i + 1])
        if conn.server.closing.wait(1.0):
            return
    conn.send(body)


def _endless_headers(conn: _Conn) -> None:
    """A status line, then header lines that never end (one every 50 ms)."""
    conn.sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
    n = 0
    while not conn.server.closing.wait(0.05):
        conn.sock.sendall(f"X-Pad-{n}: x\r\n".encode())
        n += 1


def _late_answer(conn: _Conn) -> None:
    """A well-formed answer, 30 s late (a receiver stuck on something of its own)."""
    if not conn.server.closing.wait(30):
        conn.respond(b"ok", "text/plain")


def _reset_mid_body(conn: _Conn) -> None:
    conn.head("200 OK", {"Content-Type": "text/html", "Content-Length": "100000"})
    conn.send(b"<html><head><title>Cut off</title></head><body><p>" + b"text " * 500)
    time.sleep(0.05)
    # SO_LINGER with a zero timeout: close() sends RST instead of FIN
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.sock.close()


def _short_body(conn: _Conn) -> None:
    conn.head("200 OK", {"Content-Type": "text/html", "Content-Length": "50000"})
    conn.send(b"<html><head><title>Short</title></head><body><p>only part of it")


def _redirect(target: str) -> Handler:
    def handler(conn: _Conn) -> None:
        conn.head("302 Found", {"Location": target, "Content-Length": "0"})

    return handler


def _static(body: bytes, content_type: str = "text/html") -> Handler:
    return lambda conn: conn.respond(body, content_type)


def _binary() -> bytes:
    seed = b"newswatch"
    out = bytearray()
    while len(out) < 200_000:
        seed = zlib.crc32(seed).to_bytes(4, "big") + seed[:28]
        out += seed
    return gzip.compress(bytes(out), mtime=0)  # compressed bytes look like random data


FAULTS: dict[str, Handler] = {
    "/endless": _endless_chunked,
    "/huge": _huge,
    "/huge-length": _huge,
    "/gzip-bomb": _gzip_bomb,
    "/never-answers": _never_answers,
    "/drip-headers": _drip_headers,
    "/endless-headers": _endless_headers,
    "/late-answer": _late_answer,
    "/reset": _reset_mid_body,
    "/short-body": _short_body,
    "/loop-a": _redirect("/loop-b"),
    "/loop-b": _redirect("/loop-a"),
    "/empty": _static(b""),
    "/binary": _static(_binary(), "text/html; charset=utf-8"),
    "/nul-bytes": _static(b"\x00" * 100_000),
}
