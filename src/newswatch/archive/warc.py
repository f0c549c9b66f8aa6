"""Captures as WARC 1.1, the web archivists' format (the only module importing warcio).

Each capture becomes three records: the ``request`` as sent, the ``response`` as received
(its original ``WARC-Date``, the fetch time), and a ``metadata`` record beside them naming
what newswatch knows of it (source, article, version, role, the URL first requested and the
redirects followed, the body's SHA-256). Block and payload digests are SHA-256, so a
response's ``WARC-Payload-Digest`` is the capture's own content address (in base32).

The body kept is the entity as received once its Content-Encoding was undone, so the
response record drops ``Content-Encoding`` and ``Transfer-Encoding`` and states the true
``Content-Length`` (the headers as received are in the metadata record): a replayer then
serves exactly the bytes that were read.
"""

from __future__ import annotations

import base64
import binascii
import http
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO, cast
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

import newswatch
from newswatch.archive.reading import RawCapture

#: response headers that described the bytes on the wire, not the body kept
_WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class _Sha256Writer(WARCWriter):  # type: ignore[misc]
    """warcio's writer with SHA-256 block and payload digests (its default is SHA-1)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


@dataclass(frozen=True, slots=True)
class WarcRecordIds:
    """The WARC-Record-IDs one capture was written as."""

    request: str
    response: str
    metadata: str


def warc_date(at: datetime) -> str:
    """A WARC 1.1 date: UTC, with microseconds when there are any."""
    at = at.astimezone(UTC)
    text = at.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{at.microsecond:06d}Z" if at.microsecond else f"{text}Z"


def payload_digest(sha256_hex: str) -> str:
    """The ``WARC-Payload-Digest`` of a body with this SHA-256."""
    return "sha256:" + base64.b32encode(binascii.unhexlify(sha256_hex)).decode("ascii")


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


class WarcArchive:
    """Writes captures into one WARC stream (gzip per record by default)."""

    def __init__(self, out: BinaryIO, *, gzip: bool = True, filename: str = "") -> None:
        self._writer = _Sha256Writer(out, gzip=gzip, warc_version="WARC/1.1")
        info = {
            "software": f"newswatch {newswatch.__version__}",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        }
        self._writer.write_record(self._writer.create_warcinfo_record(filename, info))
        self.responses = 0

    def write(self, capture: RawCapture, *, article_url: str | None = None) -> WarcRecordIds:
        meta = capture.meta
        date = warc_date(meta.fetched_at)
        target = meta.final_url
        parts = urlsplit(target)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_headers = list(meta.request_headers)
        if not any(k.lower() == "host" for k, _ in request_headers):
            request_headers.insert(0, ("Host", parts.netloc))
        request = self._writer.create_warc_record(
            target,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            warc_headers_dict={"WARC-Date": date},
            http_headers=StatusAndHeaders(
                f"{meta.method} {path} {meta.http_version}", request_headers, is_http_request=True
            ),
        )
        headers = [(k, v) for k, v in meta.response_headers if k.lower() not in _WIRE_HEADERS]
        headers.append(("Content-Length", str(len(capture.body))))
        response = self._writer.create_warc_record(
            target,
            "response",
            payload=io.BytesIO(capture.body),
            length=len(capture.body),
            warc_headers_dict={"WARC-Date": date},
            http_headers=StatusAndHeaders(
                f"{meta.status} {_reason(meta.status)}".rstrip(),
                headers,
                protocol=meta.http_version,
            ),
        )
        self._writer.write_request_response_pair(request, response)
        response_id = str(response.rec_headers.get_header("WARC-Record-ID"))
        fields = self._fields(capture, article_url)
        metadata = self._writer.create_warc_record(
            target,
            "metadata",
            payload=io.BytesIO(fields),
            length=len(fields),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response_id,
                "WARC-Refers-To": response_id,
            },
        )
        self._writer.write_record(metadata)
        self.responses += 1
        return WarcRecordIds(
            str(request.rec_headers.get_header("WARC-Record-ID")),
            response_id,
            str(metadata.rec_headers.get_header("WARC-Record-ID")),
        )

    @staticmethod
    def _fields(capture: RawCapture, article_url: str | None) -> bytes:
        meta = capture.meta
        lines = [
            ("newswatch-source", meta.source),
            ("newswatch-article", article_url or meta.url),
            ("newswatch-role", meta.role),
            ("newswatch-body-sha256", meta.body_sha256),
            ("via", meta.url),
        ]
        if meta.version_n is not None:
            lines.append(("newswatch-version", str(meta.version_n)))
        lines += [("redirect", f"{r.status} {r.url} -> {r.location}") for r in meta.redirects]
        lines += [
            ("original-header", f"{k}: {v}")
            for k, v in meta.response_headers
            if k.lower() in _WIRE_HEADERS
        ]
        text = "".join(f"{k}: {' '.join(v.splitlines())}\r\n" for k, v in lines)
        return text.encode("utf-8")


def write_warc(
    out: BinaryIO,
    captures: Iterable[RawCapture],
    *,
    gzip: bool = True,
    filename: str = "",
) -> int:
    """Write ``captures`` (oldest first) as one WARC; returns how many responses."""
    archive = WarcArchive(out, gzip=gzip, filename=filename)
    for capture in captures:
        archive.write(capture)
    return archive.responses


@dataclass(frozen=True, slots=True)
class ReadResponse:
    """One response record read back: what replay and verification look at."""

    uri: str
    date: str
    status: int
    payload: bytes
    payload_digest: str
    record_id: str
    offset: int
    length: int
    mime: str


def read_responses(stream: BinaryIO) -> Iterator[ReadResponse]:
    """The response records of a WARC, digests checked (a mismatch raises ValueError)."""
    records = ArchiveIterator(stream, check_digests="raise")
    for record in records:
        if record.rec_type != "response":
            continue
        payload = record.content_stream().read()
        headers = record.http_headers
        assert headers is not None
        yield ReadResponse(
            uri=str(record.rec_headers.get_header("WARC-Target-URI")),
            date=str(record.rec_headers.get_header("WARC-Date")),
            status=int(str(headers.get_statuscode())),
            payload=cast(bytes, payload),
            payload_digest=str(record.rec_headers.get_header("WARC-Payload-Digest")),
            record_id=str(record.rec_headers.get_header("WARC-Record-ID")),
            offset=records.get_record_offset(),
            length=records.get_record_length(),
            mime=(headers.get_header("Content-Type") or "").split(";")[0].strip(),
        )
