"""Capture bodies compressed against a base: the codec (a table), what may serve as a base,
and through the CLI: a page whose furniture changes on every request (a script nonce, an ad
correlator) is checked three times; each confirmation is stored as what differs from the
page that made the version, and every capture still reads back byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from newswatch.archive import base_of, read_capture
from newswatch.archive.bodies import PATCH_MAGIC, compress, decompress, digest, patch_frame
from newswatch.archive.capture import capture_of
from newswatch.cli import main
from newswatch.store import CaptureFilter, StoredBody, open_store
from tests.conftest import PageServer, page, write_config
from tests.store_contract.test_captures import exchange

PAGE = page("v1.html")
NOISY = PAGE.replace(b"</body>", b'<script nonce="r4nd0m">var t=1</script></body>')
OTHER = b"<html><body><p>" + b"another page entirely " * 40 + b"</p></body></html>"


@pytest.mark.parametrize(
    ("body", "base"),
    [
        (PAGE, None),
        (NOISY, PAGE),
        (OTHER, PAGE),  # a base that shares nothing still reads back
        (b"", PAGE),
        (PAGE, PAGE),
    ],
)
def test_a_frame_reads_back_with_the_base_it_was_made_against(
    body: bytes, base: bytes | None
) -> None:
    assert decompress(compress(body, base), base) == body


def test_a_frame_made_against_a_base_is_small_and_needs_that_base() -> None:
    frame = compress(NOISY, PAGE)
    assert len(frame) * 10 < len(compress(NOISY))
    with pytest.raises(ValueError, match="not a readable zstd frame"):
        decompress(frame)
    with pytest.raises(ValueError, match="not a readable zstd frame"):
        decompress(frame, OTHER)
    with pytest.raises(ValueError, match="not a readable zstd frame"):
        decompress(b"not zstd at all")


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, None),
        (StoredBody(digest(PAGE), compress(PAGE)), PAGE),
        # a frame that is itself against a base is never one
        (StoredBody(digest(NOISY), compress(NOISY, PAGE), digest(PAGE)), None),
        # a body that does not read back as its digest says is none either
        (StoredBody(digest(PAGE), compress(OTHER)), None),
        (StoredBody(digest(PAGE), b"not zstd"), None),
    ],
)
def test_what_may_serve_as_a_base(stored: StoredBody | None, expected: bytes | None) -> None:
    assert base_of(stored) == expected


def test_confirmations_of_a_noisy_page_cost_what_differs(tmp_path: Path, site: PageServer) -> None:
    config = write_config(tmp_path, site.url)
    served = []
    for nonce in ("a1b2c3", "d4e5f6", "0718293a"):
        site.content = PAGE.replace(
            b"</body>", b'<script nonce="' + nonce.encode() + b'">var t=1</script></body>'
        )
        served.append(site.content)
        result = CliRunner().invoke(main, ["--config", str(config), "check"])
        assert result.exit_code == 0, result.output

    store = open_store(config.parent / "watch.db", readonly=True)
    try:
        made, *confirmed = store.captures(CaptureFilter())
        assert (made.role, [c.role for c in confirmed]) == ("made", ["confirmed", "confirmed"])
        made_body = store.capture_body(made.body_sha256)
        assert made_body is not None and made_body.base is None
        for capture, body in zip([made, *confirmed], served, strict=True):
            raw = read_capture(store, capture.id)
            assert raw is not None and raw.body == body
        for capture in confirmed:
            stored = store.capture_body(capture.body_sha256)
            assert stored is not None and stored.base == made.body_sha256
            assert len(stored.frame) * 10 < len(made_body.frame)
    finally:
        store.close()


@pytest.mark.parametrize(
    ("body", "base", "framed_against"),
    [
        (NOISY, StoredBody(digest(PAGE), compress(PAGE)), digest(PAGE)),
        # the very page that made the version: a plain frame (the body row exists already)
        (PAGE, StoredBody(digest(PAGE), b"never read"), None),
        # a base that does not read back: a plain frame, never one against wrong bytes
        (NOISY, StoredBody(digest(PAGE), b"not zstd"), None),
        (NOISY, StoredBody(digest(OTHER), compress(PAGE)), None),
        (NOISY, None, None),
    ],
)
def test_a_capture_is_framed_against_its_base_only_when_that_base_reads_back(
    body: bytes, base: StoredBody | None, framed_against: str | None
) -> None:
    capture = capture_of(exchange(datetime(2026, 12, 3, tzinfo=UTC), body), "confirmed", 1, base)
    assert capture.body_base == framed_against
    readable = base_of(base) if framed_against is not None else None
    assert decompress(capture.body_zstd, readable) == body


def test_a_patch_frame_reads_back_as_its_base_with_its_spans_replaced() -> None:
    base = b"<p class=a data-x='1'>one<p>two<!-- at 1 --><b>"
    body = b"<p class=a data-x='22'>one<p>two<!-- at 2 and more --><b>"
    count = base.count(b"<") + 1
    frame = patch_frame((count, ((1, 18, 19, b"22"), (3, 3, 9, b" at 2 and more "))))
    assert frame.startswith(PATCH_MAGIC) and len(frame) < 100
    assert decompress(frame, base) == body
    with pytest.raises(ValueError, match="needs its base"):
        decompress(frame)
    with pytest.raises(ValueError, match="not a patch of this base"):
        decompress(frame, OTHER)
    with pytest.raises(ValueError):
        decompress(frame[:-3], base)
    for wrong in ((count + 5, 0, 0, b"x"), (1, 5, 500, b"x"), (1, 9, 4, b"x")):
        with pytest.raises(ValueError, match="does not fit"):
            decompress(patch_frame((count, (wrong,))), base)
    overlapping = patch_frame((count, ((1, 2, 8, b"x"), (1, 5, 9, b"y"))))
    with pytest.raises(ValueError, match="overlap"):
        decompress(overlapping, base)


def test_a_noisy_page_read_again_is_captured_as_the_spans_it_differs_in(
    tmp_path: Path, site: PageServer
) -> None:
    config = write_config(tmp_path, site.url)
    served = []
    for n in range(3):
        site.content = PAGE.replace(
            b"</body>",
            f'<div data-slot="s{n}"></div><!-- at {n} -->'
            f'<script nonce="n{n}">1</script></body>'.encode(),
        )
        served.append(site.content)
        result = CliRunner().invoke(main, ["--config", str(config), "check"])
        assert result.exit_code == 0, result.output
    store = open_store(config.parent / "watch.db", readonly=True)
    try:
        made, *confirmed = store.captures(CaptureFilter())
        for capture, body in zip([made, *confirmed], served, strict=True):
            raw = read_capture(store, capture.id)
            assert raw is not None and raw.body == body
        for capture in confirmed:
            stored = store.capture_body(capture.body_sha256)
            assert stored is not None and stored.frame.startswith(PATCH_MAGIC)
            assert stored.base == made.body_sha256
            assert len(stored.frame) < 400  # the spans that differ, not their pieces
    finally:
        store.close()
