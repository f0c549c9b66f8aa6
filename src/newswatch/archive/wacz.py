"""Captures packaged as WACZ 1.1: the WARC, its CDXJ index, a page list and a manifest.

Built here by the spec (https://specs.webrecorder.net/wacz/1.1.1/), a ZIP holding
``archive/data.warc.gz`` (stored, not deflated again: replayers seek into it),
``indexes/index.cdxj`` (written by cdxj-indexer, the index pywb and ReplayWeb.page read;
the only module importing it), ``pages/pages.jsonl`` (one page per version: the capture
that made it), ``datapackage.json`` (every file's SHA-256 and size) and
``datapackage-digest.json`` (the manifest's own SHA-256), so the package verifies.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cdxj_indexer.main import CDXJIndexer

import newswatch
from newswatch.archive.reading import RawCapture
from newswatch.archive.warc import WarcArchive, warc_date

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"


@dataclass(frozen=True, slots=True)
class Page:
    """A page of the package: a version, seen at its capture."""

    url: str
    at: datetime
    title: str


def _hash(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return "sha256:" + digest.hexdigest(), size


def write_wacz(
    target: Path,
    captures: Iterable[tuple[RawCapture, str | None]],
    *,
    title: str = "newswatch captures",
    now: datetime | None = None,
) -> int:
    """Write the package to ``target``; ``captures`` come with the title of the version
    each made (None: not a page). Returns how many responses it holds."""
    created = (now or datetime.now(UTC)).astimezone(UTC)
    with tempfile.TemporaryDirectory(prefix="newswatch-wacz-") as work:
        root = Path(work)
        files = {
            "archive/" + WARC_NAME: root / WARC_NAME,
            "indexes/index.cdxj": root / "index.cdxj",
            "pages/pages.jsonl": root / "pages.jsonl",
        }
        pages: list[Page] = []
        with files["archive/" + WARC_NAME].open("wb") as out:
            archive = WarcArchive(out, gzip=True, filename=WARC_NAME)
            for capture, page_title in captures:
                archive.write(capture)
                if page_title is not None:
                    pages.append(Page(capture.meta.final_url, capture.meta.fetched_at, page_title))
        CDXJIndexer(
            str(files["indexes/index.cdxj"]),
            [str(files["archive/" + WARC_NAME])],
            sort=True,
            filename=WARC_NAME,
        ).process_all()
        _write_pages(files["pages/pages.jsonl"], pages)
        resources = []
        for name, path in files.items():
            digest, size = _hash(path)
            resources.append({"name": Path(name).name, "path": name, "hash": digest, "bytes": size})
        package: dict[str, object] = {
            "profile": "data-package",
            "resources": resources,
            "title": title,
            "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "wacz_version": WACZ_VERSION,
            "software": f"newswatch {newswatch.__version__}",
        }
        if pages:
            package["mainPageURL"] = pages[0].url
            package["mainPageDate"] = warc_date(pages[0].at)
        manifest = json.dumps(package, indent=2).encode("utf-8")
        sealed = {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(manifest).hexdigest(),
        }
        partial = target.with_name(target.name + ".partial")
        with zipfile.ZipFile(partial, "w") as wacz:
            for name, path in files.items():
                stored = zipfile.ZIP_STORED if name.endswith(".gz") else zipfile.ZIP_DEFLATED
                wacz.write(path, name, compress_type=stored)
            wacz.writestr("datapackage.json", manifest, compress_type=zipfile.ZIP_DEFLATED)
            wacz.writestr(
                "datapackage-digest.json",
                json.dumps(sealed, indent=2),
                compress_type=zipfile.ZIP_DEFLATED,
            )
        partial.replace(target)  # a crash leaves no half-written package under the name
        return archive.responses


def _write_pages(path: Path, pages: list[Page]) -> None:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}]
    for i, page in enumerate(pages):
        lines.append(
            {
                "id": hashlib.sha256(f"{i}:{page.url}:{page.at}".encode()).hexdigest()[:32],
                "url": page.url,
                "ts": warc_date(page.at),
                "title": page.title,
            }
        )
    path.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
