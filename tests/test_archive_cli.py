"""Raw captures through the CLI: a local site revises an article three times; the WARC export
holds exactly the captured responses (warcio reads it, digests valid), the WACZ verifies and
pywb replays every version byte for byte on 127.0.0.1; show --raw writes the bytes; history
and show name each version's capture."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from warcio.archiveiterator import ArchiveIterator

from newswatch.cli import main
from newswatch.store import CaptureFilter, open_store
from tests.conftest import PageServer, page, write_config

V4_OLD = "وأشار إلى أن العراقيين".encode()
V4_NEW = "وأشار كارتر إلى أن العراقيين".encode()
#: what the site serves at each check: v1 twice (a confirmation: one body), v2, the same
#: text in windows-1256 (a confirmation with other bytes), v3, and v3 edited (version 4)
SERVED = (
    page("v1.html"),
    page("v1.html"),
    page("v2.html"),
    page("v2-cp1256.html"),
    page("v3.html"),
    page("v3.html").replace(V4_OLD, V4_NEW),
)


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


@pytest.fixture
def archived(tmp_path: Path, site: PageServer) -> Path:
    config = write_config(tmp_path, site.url, extra="fetch:\n  confirm: off\n")
    for body in SERVED:
        site.content = body
        result = cli(config, "check")
        assert result.exit_code == 0, result.output
    return config


def captured(config: Path) -> list[tuple[str, int | None, bytes]]:
    store = open_store(config.parent / "watch.db", readonly=True)
    try:
        from newswatch.archive.reading import read_body

        return [(c.role, c.version_n, read_body(store, c)) for c in store.captures(CaptureFilter())]
    finally:
        store.close()


def test_every_check_is_captured_and_versions_point_at_theirs(archived: Path) -> None:
    got = captured(archived)
    assert [(role, n) for role, n, _ in got] == [
        ("made", 1),
        ("confirmed", 1),
        ("made", 2),
        ("confirmed", 2),
        ("made", 3),
        ("made", 4),
    ]
    assert [body for _, _, body in got] == list(SERVED)  # bytes as received, cp1256 too

    history = json.loads(cli(archived, "history", SITE_URL(archived), "--json").output)
    for v, body in zip(
        history["versions"], (SERVED[0], SERVED[2], SERVED[4], SERVED[5]), strict=True
    ):
        capture = v["capture"]
        assert capture["sha256"] == hashlib.sha256(body).hexdigest()
        assert capture["status"] == 200 and capture["final_url"] == SITE_URL(archived)
        assert capture["fetched_at"] <= v["fetched_at"]  # the fetch, then the version
    shown = cli(archived, "show", SITE_URL(archived), "--version", "2")
    assert f"capture: sha256 {hashlib.sha256(SERVED[2]).hexdigest()}" in shown.output

    raw = CliRunner().invoke(
        main, ["--config", str(archived), "show", SITE_URL(archived), "--version", "4", "--raw"]
    )
    assert raw.exit_code == 0 and raw.stdout_bytes == SERVED[5]
    out = archived.parent / "v2.html"
    assert cli(archived, "show", SITE_URL(archived), "--version", "2", "--raw", "-o", str(out))
    assert out.read_bytes() == SERVED[2]


def SITE_URL(config: Path) -> str:
    for line in config.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("url:"):
            return line.split("url:", 1)[1].strip()
    raise AssertionError("no url in the config")


def test_warc_holds_exactly_the_captured_responses(archived: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.warc.gz"
    result = cli(archived, "export", "--format", "warc", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "exported 6 captures" in result.output
    kinds: list[str] = []
    payloads: list[bytes] = []
    with target.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            kinds.append(record.rec_type)
            assert record.rec_headers.get_header("WARC-Type") == record.rec_type
            if record.rec_type == "response":
                body = record.content_stream().read()
                payloads.append(body)
                digest = record.rec_headers.get_header("WARC-Payload-Digest")
                expected = base64.b32encode(hashlib.sha256(body).digest()).decode()
                assert digest == f"sha256:{expected}"
                assert record.http_headers.get_statuscode() == "200"
    assert (
        kinds == ["warcinfo"] + ["response", "request", "metadata"] * 6
    )  # warcio writes a pair response first
    assert payloads == list(SERVED)

    dates = [r["fetched_at"] for r in _capture_rows(archived)]
    with target.open("rb") as stream:
        warc_dates = [
            r.rec_headers.get_header("WARC-Date")
            for r in ArchiveIterator(stream)
            if r.rec_type == "response"
        ]
    assert [d.replace("+00:00", "Z") for d in dates] == warc_dates

    one = tmp_path / "one.warc.gz"
    since = dates[2]
    assert cli(archived, "export", "--format", "warc", "--since", since, "-o", str(one))
    with one.open("rb") as stream:
        assert sum(r.rec_type == "response" for r in ArchiveIterator(stream)) == 4


def _capture_rows(config: Path) -> list[dict[str, str]]:
    store = open_store(config.parent / "watch.db", readonly=True)
    try:
        from newswatch.models import iso

        return [{"fetched_at": str(iso(c.fetched_at))} for c in store.captures(CaptureFilter())]
    finally:
        store.close()


def test_wacz_verifies_and_pywb_replays_each_version(archived: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.wacz"
    result = cli(
        archived, "export", "--format", "wacz", "--url", SITE_URL(archived), "-o", str(target)
    )
    assert result.exit_code == 0, result.output
    # the package verifies: every file's hash in datapackage.json, and the manifest's own
    with zipfile.ZipFile(target) as wacz:
        names = set(wacz.namelist())
        assert {
            "archive/data.warc.gz",
            "indexes/index.cdxj",
            "pages/pages.jsonl",
            "datapackage.json",
            "datapackage-digest.json",
        } <= names
        manifest = wacz.read("datapackage.json")
        sealed = json.loads(wacz.read("datapackage-digest.json"))
        assert sealed["hash"] == "sha256:" + hashlib.sha256(manifest).hexdigest()
        for resource in json.loads(manifest)["resources"]:
            data = wacz.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert resource["bytes"] == len(data)
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        index = [
            line.split(" ", 2) for line in wacz.read("indexes/index.cdxj").decode().splitlines()
        ]
        wacz.extractall(tmp_path / "unpacked")
    assert len(pages) == 1 + 4  # the header line, then one page per version
    assert len(index) == 6
    validator = shutil.which("wacz", path=str(Path(sys.executable).parent))
    if validator is not None:
        checked = subprocess.run(
            [validator, "validate", "-f", str(target)], capture_output=True, text=True, timeout=300
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr

    stamps = [ts for _, ts, _ in index]
    with pywb(tmp_path / "unpacked") as base:
        for ts, body in zip(stamps, SERVED, strict=True):
            got = _get(f"{base}/arch/{ts}id_/{SITE_URL(archived)}")
            assert got == body


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return bytes(response.read())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def pywb(unpacked: Path) -> Iterator[str]:
    """pywb's wayback server on 127.0.0.1 over the package's own index and WARC."""
    wayback = shutil.which("wayback", path=str(Path(sys.executable).parent))
    if wayback is None:
        pytest.skip("pywb is not installed (pip install -e '.[test]')")
    home = unpacked.parent / "pywb"
    home.mkdir()
    (home / "config.yaml").write_text(
        "collections:\n"
        "  arch:\n"
        f"    index_paths: {unpacked / 'indexes'}\n"
        f"    archive_paths: {unpacked / 'archive'}/\n",
        encoding="utf-8",
    )
    port = _free_port()
    proc = subprocess.Popen(
        [wayback, "-p", str(port), "-b", "127.0.0.1"],
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(base + "/")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    raise AssertionError(f"pywb did not start: {out}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
