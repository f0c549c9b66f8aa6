"""Fetcher against real HTTP servers on 127.0.0.1 (pytest-httpserver and raw sockets)."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newswatch.charset import declared_charset, decode_html, is_plain_utf8
from newswatch.config import parse_config
from newswatch.errors import (
    ConfigError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NetworkError,
    NotHTMLError,
    OutOfScope,
    TooLargeError,
    TooManyRedirects,
)
from newswatch.fetch import DEFAULT_USER_AGENT, Fetcher, FetchScope, FetchSettings
from newswatch.fetch.network import GuardedTransport
from newswatch.fetch.scope import IPAddress, parse_entry, source_entry
from newswatch.models import Redirect

FIXTURES = Path(__file__).parent / "fixtures" / "alhurra-1817"
CP1256 = (FIXTURES / "v2-cp1256.html").read_bytes()
TITLE_AR = "كارتر: شركاؤنا لديهم ما يحتاجون لهزيمة داعش"
PAGE = b"<!doctype html><html><head><title>t</title></head><body><p>hello</p></body></html>"
LM = "Wed, 01 May 2024 10:00:00 GMT"
FIXED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(clock=lambda: FIXED) as f:
        yield f


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A server that answers while another handler is still blocked (timeouts, concurrency)."""
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def html(
    httpserver: HTTPServer,
    path: str,
    body: bytes = PAGE,
    content_type: str = "text/html; charset=utf-8",
    **headers: str,
) -> None:
    """Serve ``body`` at ``path``; extra headers as keywords (``ETag=...``)."""
    httpserver.expect_request(path).respond_with_data(
        body,
        content_type=content_type,
        headers={k.replace("_", "-"): v for k, v in headers.items()},
    )


# --------------------------------------------------------------------------- success


def test_200_html(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    html(httpserver, "/a", PAGE, "text/html; charset=utf-8", ETag='"v1"', Last_Modified=LM)
    url = httpserver.url_for("/a")
    result = fetcher.fetch(url)
    assert result.status == 200
    assert not result.not_modified
    assert result.url == result.final_url == url
    assert result.content == PAGE
    assert result.text == PAGE.decode()
    assert result.charset == "utf-8" and result.plain_utf8
    assert result.etag == '"v1"'
    assert result.last_modified == LM
    assert result.redirects == []
    assert result.fetched_at == FIXED
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert result.elapsed_ms >= 0


def test_request_headers(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    html(httpserver, "/h")
    fetcher.fetch(httpserver.url_for("/h"))
    request, _ = httpserver.log[-1]
    assert request.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert request.headers["Accept"].startswith("text/html")
    assert request.headers["Accept-Language"]
    # only what the fetcher can inflate itself: no br/zstd
    assert {e.strip() for e in request.headers["Accept-Encoding"].split(",")} == {
        "gzip",
        "deflate",
    }
    assert "If-None-Match" not in request.headers
    assert "Cookie" not in request.headers


def test_etag_round_trip_304(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(PAGE, content_type="text/html", headers={"ETag": '"v1"'})

    httpserver.expect_request("/e").respond_with_handler(handler)
    url = httpserver.url_for("/e")
    first = fetcher.fetch(url)
    assert first.status == 200
    assert first.etag == '"v1"'
    second = fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified
    assert second.status == 304
    assert second.content == b""
    assert second.text is None
    assert second.etag == '"v1"'  # kept although the 304 did not resend it


def test_last_modified_round_trip(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    stamp = "Wed, 01 May 2024 10:00:00 GMT"

    def handler(request: Request) -> Response:
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304, headers={"ETag": '"new"'})
        return Response(PAGE, content_type="text/html", headers={"Last-Modified": stamp})

    httpserver.expect_request("/lm").respond_with_handler(handler)
    url = httpserver.url_for("/lm")
    first = fetcher.fetch(url)
    assert first.last_modified == stamp
    assert first.etag is None
    second = fetcher.fetch(url, last_modified=first.last_modified)
    assert second.not_modified
    assert second.last_modified == stamp
    assert second.etag == '"new"'  # a validator the 304 sends replaces the old one


def test_redirect_chain_recorded(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/mid")}
    )
    httpserver.expect_request("/mid").respond_with_data(
        "", status=302, headers={"Location": "new?x=1"}
    )
    html(httpserver, "/new")
    result = fetcher.fetch(httpserver.url_for("/old"))
    assert result.status == 200
    assert result.url == httpserver.url_for("/old")
    assert result.final_url == httpserver.url_for("/new") + "?x=1"
    assert result.redirects == [
        Redirect(301, httpserver.url_for("/old"), httpserver.url_for("/mid")),
        Redirect(302, httpserver.url_for("/mid"), httpserver.url_for("/new") + "?x=1"),
    ]


def test_redirect_cookies_stay_within_one_fetch(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    """A consent wall: set a cookie, bounce back to the same URL, which then serves the page."""

    def handler(request: Request) -> Response:
        if request.cookies.get("consent") == "yes":
            return Response(PAGE, content_type="text/html")
        response = Response("", status=302, headers={"Location": request.url})
        response.set_cookie("consent", "yes")
        return response

    httpserver.expect_request("/wall").respond_with_handler(handler)
    url = httpserver.url_for("/wall")
    for _ in range(2):  # the second fetch must not reuse the first one's cookie
        result = fetcher.fetch(url)
        assert result.content == PAGE
        assert result.redirects == [Redirect(302, url, url)]


def test_redirect_loop(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/a").respond_with_data("", 302, {"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", 302, {"Location": "/a"})
    url = httpserver.url_for("/a")
    with pytest.raises(TooManyRedirects, match="loop") as info:
        fetcher.fetch(url)
    assert info.value.url == url
    assert url in str(info.value)


def test_too_many_redirects(httpserver: HTTPServer) -> None:
    for i in range(5):
        httpserver.expect_request(f"/r{i}").respond_with_data("", 307, {"Location": f"/r{i + 1}"})
    html(httpserver, "/r5")
    with Fetcher(FetchSettings(max_redirects=4)) as f, pytest.raises(TooManyRedirects):
        f.fetch(httpserver.url_for("/r0"))
    with Fetcher(FetchSettings(max_redirects=5)) as f:
        assert len(f.fetch(httpserver.url_for("/r0")).redirects) == 5


# --------------------------------------------------------------------------- size


def test_content_length_over_cap(httpserver: HTTPServer) -> None:
    html(httpserver, "/big", b"<html>" + b"x" * 5000)
    with Fetcher(FetchSettings(max_bytes=1000)) as f, pytest.raises(TooLargeError):
        f.fetch(httpserver.url_for("/big"))


def test_streamed_body_over_cap(httpserver: HTTPServer) -> None:
    """No Content-Length (chunked): the cap stops the stream."""

    def handler(request: Request) -> Response:
        return Response((b"<p>" + b"x" * 1000 for _ in range(100)), content_type="text/html")

    httpserver.expect_request("/stream").respond_with_handler(handler)
    with Fetcher(FetchSettings(max_bytes=20_000)) as f, pytest.raises(TooLargeError):
        f.fetch(httpserver.url_for("/stream"))


@pytest.mark.parametrize("layers", [1, 2])
def test_gzip_bomb(httpserver: HTTPServer, layers: int) -> None:
    """A small gzip body (or gzip inside gzip) that inflates far past the cap."""
    body = b"<html>" + b"\0" * 30_000_000
    encodings = []
    for _ in range(layers):
        body = gzip.compress(body)
        encodings.append("gzip")
    assert len(body) < 100_000
    httpserver.expect_request("/bomb").respond_with_data(
        body, content_type="text/html", headers={"Content-Encoding": ", ".join(encodings)}
    )
    with Fetcher(FetchSettings(max_bytes=1_000_000)) as f, pytest.raises(TooLargeError):
        f.fetch(httpserver.url_for("/bomb"))


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
        ("gzip", lambda b: gzip.compress(b[:10]) + gzip.compress(b[10:])),  # two members
    ],
)
def test_compressed_bodies(
    httpserver: HTTPServer, fetcher: Fetcher, encoding: str, compress: object
) -> None:
    assert callable(compress)
    body = PAGE * 2000  # several inflate pieces
    httpserver.expect_request("/z").respond_with_data(
        compress(body), content_type="text/html", headers={"Content-Encoding": encoding}
    )
    assert fetcher.fetch(httpserver.url_for("/z")).content == body


def test_unsupported_encoding(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    html(httpserver, "/br", b"\x1b\x00", "text/html", Content_Encoding="br")
    with pytest.raises(FetchError, match="Content-Encoding"):
        fetcher.fetch(httpserver.url_for("/br"))


def test_corrupt_gzip(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    html(httpserver, "/bad", b"\x1f\x8bnot gzip at all", "text/html", Content_Encoding="gzip")
    with pytest.raises(FetchError, match="compressed"):
        fetcher.fetch(httpserver.url_for("/bad"))


# --------------------------------------------------------------------------- failures


def test_timeout(threaded_server: HTTPServer) -> None:
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(5)
        return Response(PAGE, content_type="text/html")

    threaded_server.expect_request("/slow").respond_with_handler(slow)
    url = threaded_server.url_for("/slow")
    try:
        with Fetcher(FetchSettings(timeout=0.2)) as f, pytest.raises(FetchTimeout) as info:
            f.fetch(url)
    finally:
        release.set()
    assert info.value.url == url
    assert info.value.kind == "timeout"


def test_deadline_covers_a_dripping_body(threaded_server: HTTPServer) -> None:
    """Every read is quick, but the body never ends: the whole-fetch deadline stops it."""
    release = threading.Event()

    def drip(request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            yield b"<html>"
            while not release.wait(0.05):
                yield b"x"

        return Response(chunks(), content_type="text/html")

    threaded_server.expect_request("/drip").respond_with_handler(drip)
    try:
        with Fetcher(FetchSettings(timeout=0.3)) as f, pytest.raises(FetchTimeout):
            f.fetch(threaded_server.url_for("/drip"))
    finally:
        release.set()


def test_connection_refused(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(NetworkError) as info:
        fetcher.fetch(url)
    assert info.value.url == url
    assert str(info.value).startswith(url)
    assert not isinstance(info.value.__cause__, NetworkError)


def test_truncated_body_is_network_error(fetcher: Fetcher) -> None:
    """The server promises 1000 bytes, sends a few and hangs up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<html>"
            )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with pytest.raises(NetworkError):
            fetcher.fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/")
    finally:
        thread.join(5)
        listener.close()


def test_500(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/err").respond_with_data("boom", status=500)
    url = httpserver.url_for("/err")
    with pytest.raises(HTTPStatusError) as info:
        fetcher.fetch(url)
    assert info.value.status == 500
    assert str(info.value) == f"{url}: HTTP 500 Internal Server Error"


def test_404_after_redirect_names_the_final_url(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/moved").respond_with_data("", 301, {"Location": "/gone"})
    httpserver.expect_request("/gone").respond_with_data("nope", status=404)
    with pytest.raises(HTTPStatusError, match="HTTP 404 Not Found") as info:
        fetcher.fetch(httpserver.url_for("/moved"))
    assert info.value.status == 404
    assert httpserver.url_for("/gone") in str(info.value)


def test_invalid_and_unsupported_urls(fetcher: Fetcher) -> None:
    for url in ("ftp://example.org/x", "http://[::1/", "not a url"):
        with pytest.raises(FetchError) as info:
            fetcher.fetch(url)
        assert info.value.url == url


# --------------------------------------------------------------------------- content type


def test_png_is_not_html(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/img").respond_with_data(
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png"
    )
    with pytest.raises(NotHTMLError, match=r"not an HTML page \(image/png\)"):
        fetcher.fetch(httpserver.url_for("/img"))
    result = fetcher.fetch(httpserver.url_for("/img"), expect="any")
    assert result.content.startswith(b"\x89PNG")
    assert result.text is None


def test_octet_stream_with_html_bytes(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    html(httpserver, "/bin", b"\xef\xbb\xbf\n  " + PAGE, content_type="application/octet-stream")
    html(httpserver, "/blob", b"\x00\x01binary", content_type="application/octet-stream")
    result = fetcher.fetch(httpserver.url_for("/bin"))
    assert result.text is not None
    assert "<p>hello</p>" in result.text
    with pytest.raises(NotHTMLError):
        fetcher.fetch(httpserver.url_for("/blob"))


def test_missing_content_type_is_sniffed(fetcher: Fetcher) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<HTML><body>x</body></HTML>")

    with Fetcher(transport=httpx.MockTransport(handler)) as f:
        result = f.fetch("http://example.org/")
    assert result.text == "<HTML><body>x</body></HTML>"


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=windows-1256", "text/html", "application/octet-stream"]
)
def test_cp1256(httpserver: HTTPServer, fetcher: Fetcher, content_type: str) -> None:
    html(httpserver, "/ar", CP1256, content_type=content_type)
    result = fetcher.fetch(httpserver.url_for("/ar"))
    assert result.charset == "cp1256"
    assert result.content == CP1256
    assert result.text == CP1256.decode("cp1256")
    assert TITLE_AR in result.text


def test_cp1256_without_any_declaration(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    body = CP1256.replace(b'<meta charset="windows-1256">', b"")
    html(httpserver, "/ar2", body, content_type="text/html")
    result = fetcher.fetch(httpserver.url_for("/ar2"))
    assert result.text is not None
    assert TITLE_AR in result.text


@pytest.mark.parametrize(
    ("body", "content_type", "codec", "text"),
    [
        # declared UTF-8 with two stray bytes: still UTF-8, the bad bytes replaced
        (
            "<p>L'été est là, déjà.</p>".encode() + b"\xff\xfe",
            "text/html; charset=utf-8",
            "utf-8",
            "<p>L'été est là, déjà.</p>\ufffd\ufffd",
        ),
        # a truncated character in a <meta charset="utf-8"> page
        (
            '<meta charset="utf-8"><p>été, été</p>'.encode() + b"<p>\xc3</p>",
            "text/html",
            "utf-8",
            '<meta charset="utf-8"><p>été, été</p><p>\ufffd</p>',
        ),
        # a windows-1256 page labelled UTF-8 is still read as windows-1256
        (CP1256, "text/html; charset=utf-8", "cp1256", CP1256.decode("cp1256")),
        # a UTF-8 page labelled windows-1252 that it cannot decode (0x81): UTF-8, as before
        ("<p>ā été</p>".encode(), "text/html; charset=windows-1252", "utf-8", "<p>ā été</p>"),
    ],
    ids=["few-bad-bytes", "truncated-char", "cp1256-labelled-utf8", "utf8-labelled-1252"],
)
def test_declared_charset_survives_a_few_bad_bytes(
    body: bytes, content_type: str, codec: str, text: str
) -> None:
    assert decode_html(body, content_type) == (text, codec)


def test_a_page_with_no_text_beyond_ascii_to_vouch_for_utf8_is_detected() -> None:
    # curly quotes of windows-1252 in a page that says UTF-8: detection, not U+FFFD
    text, codec = decode_html(b"<p>a \x93quoted\x94 word</p>", "text/html; charset=utf-8")
    assert codec != "utf-8" and "\ufffd" not in text


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<p>été</p>".encode(), "text/html; charset=utf-8"),
        ("<p>été</p>".encode(), "text/html"),
        ("<p>a real \ufffd here</p>".encode(), "text/html"),  # U+FFFD in the page itself
        ("<p>L'été est là</p>".encode() + b"\xff\xfe", "text/html; charset=utf-8"),
        (b"\xef\xbb\xbf<p>\xc3\xa9t\xc3\xa9</p>", "text/html"),  # a BOM
        ('<meta charset="windows-1252"><p>ā été</p>'.encode(), "text/html; charset=utf-8"),
        ('<meta charset="utf-8"><p>été</p>'.encode(), "text/html; charset=windows-1252"),
        (CP1256, "text/html"),
    ],
)
def test_plain_utf8_is_what_a_strict_decode_of_the_bytes_alone_gives(
    body: bytes, content_type: str
) -> None:
    """Told from two counts and the page's head: the text is the bytes decoded as strict
    UTF-8, with no BOM and no other charset declared in the page (what the extractor needs
    to parse the bytes as they are)."""
    text, codec = decode_html(body, content_type)
    try:
        strict = body.decode("utf-8") == text
    except UnicodeDecodeError:
        strict = False
    plain = strict and not body.startswith(b"\xef\xbb\xbf")
    plain = plain and declared_charset(body) in (None, "utf-8")
    assert (codec == "utf-8" and is_plain_utf8(body, text)) == plain


FEED = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel></channel></rss>'


@pytest.mark.parametrize(
    "content_type",
    ["application/rss+xml", "application/xml", "text/xml", "text/html", "text/plain", ""],
)
def test_xml_expect(httpserver: HTTPServer, fetcher: Fetcher, content_type: str) -> None:
    html(httpserver, "/feed", FEED, content_type=content_type)
    result = fetcher.fetch(httpserver.url_for("/feed"), expect="xml")
    assert result.content == FEED
    assert result.text == FEED.decode()
    request, _ = httpserver.log[-1]
    assert "application/rss+xml" in request.headers["Accept"]


def test_xml_expect_refuses_html_and_images(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    html(httpserver, "/page", PAGE)
    html(httpserver, "/img", b"GIF89a", content_type="image/gif")
    for path in ("/page", "/img"):
        with pytest.raises(NotHTMLError):
            fetcher.fetch(httpserver.url_for(path), expect="xml")


def test_html_as_feed_is_refused_but_feed_page_is_html(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    html(httpserver, "/atom", b"<feed xmlns='http://www.w3.org/2005/Atom'/>", content_type="")
    with pytest.raises(NotHTMLError):
        fetcher.fetch(httpserver.url_for("/atom"))
    assert fetcher.fetch(httpserver.url_for("/atom"), expect="xml").status == 200


# --------------------------------------------------------------------------- sharing


def test_shared_across_threads(threaded_server: HTTPServer) -> None:
    for i in range(8):
        threaded_server.expect_request(f"/p{i}").respond_with_data(
            f"<html><p>{i}</p></html>", content_type="text/html"
        )
    with Fetcher() as f, ThreadPoolExecutor(max_workers=8) as pool:
        urls = [threaded_server.url_for(f"/p{i % 8}") for i in range(64)]
        results = list(pool.map(f.fetch, urls))
    for i, result in enumerate(results):
        assert result.final_url == urls[i]
        assert result.text == f"<html><p>{i % 8}</p></html>"


def test_mock_transport_and_clock() -> None:
    """httpx.MockTransport for what a server on 127.0.0.1 cannot produce (DNS failure)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "nowhere.invalid":
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=PAGE)

    with Fetcher(transport=httpx.MockTransport(handler), clock=lambda: FIXED) as f:
        assert f.fetch("https://example.org/x").fetched_at == FIXED
        with pytest.raises(NetworkError, match="Name or service not known"):
            f.fetch("https://nowhere.invalid/")


def test_unsendable_validators_are_dropped(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    html(httpserver, "/v")
    result = fetcher.fetch(httpserver.url_for("/v"), etag='"caf\u00e9"', last_modified="x\r\ny")
    assert result.status == 200
    request, _ = httpserver.log[-1]
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers


# --------------------------------------------------------------------------- webhooks


def test_post_json(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok", status=202)
    httpserver.expect_request("/down", method="POST").respond_with_data("no", status=503)
    status = fetcher.post_json(
        httpserver.url_for("/hook"), b'{"id": "1"}', {"Idempotency-Key": "1:hook"}, 5.0
    )
    assert status == 202
    request, _ = httpserver.log[-1]
    assert request.get_data() == b'{"id": "1"}'
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.headers["Idempotency-Key"] == "1:hook"
    assert request.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert fetcher.post_json(httpserver.url_for("/down"), b"{}", {}, 5.0) == 503


def test_post_json_failures(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(NetworkError):
        fetcher.post_json(f"http://127.0.0.1:{port}/hook", b"{}", {}, 5.0)
    with pytest.raises(FetchError):
        fetcher.post_json("mailto:someone@example.org", b"{}", {}, 5.0)


# --------------------------------------------------------------------------- fetch scope


def _resolver(table: dict[str, list[str]]) -> Callable[[str, int], list[IPAddress]]:
    """A name table standing in for DNS (the names are the test's, not the internet's)."""
    return lambda name, port: [ipaddress.ip_address(a) for a in table.get(name, [])]


SCOPE = FetchScope(
    [
        source_entry("http://127.0.0.1:8080/feed.xml"),
        source_entry("http://intranet.test/news/"),
        parse_entry("10.1.0.0/16"),
        parse_entry("[::1]:9000"),
    ],
    resolver=_resolver({"intranet.test": ["192.168.5.5"]}),
)


@pytest.mark.parametrize(
    ("host", "port", "address", "permitted"),
    [
        ("news.example", 443, "93.184.216.34", True),  # public: always
        ("127.0.0.1", 8080, "127.0.0.1", True),  # a configured source's host and port
        ("localhost", 8080, "127.0.0.1", True),  # another spelling of the same place
        ("2130706433", 8080, "127.0.0.1", True),
        ("127.0.0.1", 8081, "127.0.0.1", False),  # same host, another port
        ("2130706433", 6379, "127.0.0.1", False),
        ("0x7f000001", 22, "127.0.0.1", False),
        ("127.1", 80, "127.0.0.1", False),
        ("0.0.0.0", 8080, "0.0.0.0", False),  # unspecified (reaches this machine)
        ("::1", 8080, "::1", False),
        ("::1", 9000, "::1", True),  # allow-listed
        ("::ffff:127.0.0.1", 8080, "::ffff:127.0.0.1", True),  # mapped: judged as IPv4
        ("::ffff:127.0.0.1", 25, "::ffff:127.0.0.1", False),
        ("intranet.test", 80, "192.168.5.5", True),  # configured name, resolved
        ("other.test", 80, "192.168.5.5", True),  # an alias of it, same port
        ("other.test", 8443, "192.168.5.5", False),
        ("evil.test", 80, "169.254.169.254", False),  # link-local (cloud metadata)
        ("db.test", 5432, "10.1.2.3", True),  # inside an allowed block, any port
        ("db.test", 5432, "10.2.0.1", False),
        ("shared.test", 80, "100.64.0.1", False),  # shared address space
        ("fe80::1", 80, "fe80::1", False),
        ("fc00::1", 80, "fc00::1", False),
        ("224.0.0.1", 80, "224.0.0.1", False),  # multicast
    ],
)
def test_scope_permits(host: str, port: int, address: str, permitted: bool) -> None:
    assert SCOPE.permits(host, port, ipaddress.ip_address(address)) is permitted


ADMITTING = FetchScope(
    [source_entry("http://127.0.0.1:8080/feed.xml"), parse_entry("10.1.0.0/16")],
    resolver=_resolver(
        {
            "localhost": ["127.0.0.1"],
            "intranet.test": ["192.168.5.5"],
            "both.test": ["10.9.9.9", "10.1.0.7"],
        }
    ),
)


@pytest.mark.parametrize(
    ("url", "admitted"),
    [
        ("http://127.0.0.1:8080/story", True),  # the configured source's host and port
        ("http://localhost:8080/story", True),
        ("http://127.0.0.1:8081/story", False),  # another port of the same machine
        ("http://localhost:6379/", False),
        ("https://[::1]/", False),
        ("http://intranet.test/a", False),  # a name resolving to a private address
        ("http://both.test/a", True),  # one of its addresses is allowed
        ("http://10.1.2.3:5432/", True),  # inside an allowed block
        ("http://unknown.test/a", True),  # does not resolve now: the fetch decides later
        ("https://news.example:99999/", True),  # not a URL a fetch can make: not ours to say
    ],
)
def test_scope_admits_discovered_links(url: str, admitted: bool) -> None:
    assert ADMITTING.admits(url) is admitted


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("127.0.0.1:8080", "127.0.0.1:8080"),
        ("intranet.test", "intranet.test"),
        ("Intranet.Test.:81", "intranet.test:81"),
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("[::1]:9000", "[::1]:9000"),
        ("::1", "::1"),
    ],
)
def test_allow_entries(text: str, shown: str) -> None:
    assert str(parse_entry(text)) == shown


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("http://intranet.test/", "not a URL"),
        ("host:99999", "port 1-65535"),
        ("host:0", "port 1-65535"),
        ("10.0.0.0/99", "address block"),
        ("user@host", "host or host:port"),
        ("*.example.org", "host or host:port"),
        ("host:80/path", "host or host:port"),
        ("", "empty"),
    ],
)
def test_bad_allow_entries_are_refused_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_entry(text)
    with pytest.raises(ConfigError, match=rf"fetch\.allow: .*{problem}"):
        parse_config(
            f"sources:\n  - name: s\n    url: https://e.org/\nfetch:\n  allow: ['{text}']\n"
        )


def test_fetch_allow_must_be_a_short_list() -> None:
    with pytest.raises(ConfigError, match=r"fetch\.allow: expected a list"):
        parse_config("sources:\n  - name: s\n    url: https://e.org/\nfetch:\n  allow: e.org\n")
    many = ", ".join(f"'h{i}.test'" for i in range(101))
    with pytest.raises(ConfigError, match="at most 100"):
        parse_config(f"sources:\n  - name: s\n    url: https://e.org/\nfetch:\n  allow: [{many}]\n")


def test_a_fetcher_with_a_scope_refuses_before_connecting(httpserver: HTTPServer) -> None:
    html(httpserver, "/a")
    url = httpserver.url_for("/a")
    refused = r"outside the fetch scope: localhost:\d+ is .*127\.0\.0\.1"
    with Fetcher(scope=FetchScope()) as fetcher, pytest.raises(OutOfScope, match=refused):
        fetcher.fetch(url)  # nothing trusted
    assert httpserver.log == []
    with Fetcher(scope=FetchScope.configured([url])) as fetcher:
        assert fetcher.fetch(url).status == 200


def test_a_resolver_that_hangs_ends_at_the_deadline() -> None:
    """Name resolution is part of the exchange: a resolver stuck on a dead DNS server
    (standing in for getaddrinfo, which has no timeout) costs the fetch its deadline."""
    release = threading.Event()

    def stuck(host: str, port: int) -> list[IPAddress]:
        release.wait(30)
        return [ipaddress.ip_address("127.0.0.1")]

    settings = FetchSettings(timeout=1.0)
    try:
        with Fetcher(settings, transport=GuardedTransport(resolver=stuck)) as fetcher:
            started = time.monotonic()
            with pytest.raises(FetchTimeout, match=r"resolving dns-is-down\.test"):
                fetcher.fetch("http://dns-is-down.test/a")
            assert time.monotonic() - started < 1.0 + 3
    finally:
        release.set()
