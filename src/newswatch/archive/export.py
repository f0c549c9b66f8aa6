"""``export --format warc|wacz``: which captures go in, read back verified, in fetch order.

Every capture the filter keeps goes in (of one article, one source, a time range, or all),
each body read back and checked against its SHA-256 first: an archive never carries a body
that is not what was fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Literal

from newswatch.archive.reading import RawCapture, read_body
from newswatch.store import CaptureFilter, HistoryReader

ArchiveFormat = Literal["warc", "wacz"]
#: captures read from the store at a time (their bodies one by one)
BATCH = 500


def iter_raw(reader: HistoryReader, filters: CaptureFilter) -> Iterator[RawCapture]:
    """The captures ``filters`` keeps, oldest fetch first, with their verified bodies."""
    for meta in reader.captures(filters):
        yield RawCapture(meta, read_body(reader, meta))


def export_warc(reader: HistoryReader, filters: CaptureFilter, out: BinaryIO) -> int:
    from newswatch.archive.warc import write_warc

    return write_warc(out, iter_raw(reader, filters))


def export_wacz(reader: HistoryReader, filters: CaptureFilter, target: Path) -> int:
    from newswatch.archive.wacz import write_wacz

    def with_titles() -> Iterator[tuple[RawCapture, str | None]]:
        for raw in iter_raw(reader, filters):
            title = None
            if raw.meta.role == "made" and raw.meta.version_n is not None:
                version = reader.version(raw.meta.article_id, raw.meta.version_n)
                title = version.title if version is not None else ""
            yield raw, title

    return write_wacz(target, with_titles())
