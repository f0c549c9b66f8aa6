"""Build a real history database: the Alhurra fixture checked v1 -> v2 -> v3 through the CLI
against a local HTTP server (the real pipeline: fetch, extract, diff, store).

Many tests start from the same history, and each build runs the pipeline three times (with
the confirmation fetch's pause for the small v3 edit). So each kind of history is built once
per test process through the real pipeline, and later tests get a copy of what that build
left in its folder, the site serving what it served last, as if they had built it.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from newswatch.cli import main
from tests.conftest import PageServer, write_config

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"

#: (kind, article URL) -> (the folder a real build left, the bytes the site served last)
_built: dict[tuple[str, str], tuple[Path, bytes]] = {}


def check_sequence(config: Path, site: PageServer, pages: tuple[str, ...]) -> None:
    for name in pages:
        site.serve(name)
        result = CliRunner().invoke(main, ["--config", str(config), "check"])
        assert result.exit_code == 0, result.output


def _alhurra(config: Path, site: PageServer) -> None:
    check_sequence(config, site, ("v1.html", "v2.html", "v3.html"))


def _hostile(config: Path, site: PageServer) -> None:
    for name in ("v1.html", "v2.html"):
        site.content = (HOSTILE / name).read_bytes()
        result = CliRunner().invoke(main, ["--config", str(config), "check"])
        assert result.exit_code == 0, result.output


def _cached(
    kind: str, directory: Path, site: PageServer, build: Callable[[Path, PageServer], None]
) -> Path:
    """The config in ``directory`` of the history ``build`` makes: built for real the first
    time for this site, copied afterwards (the URL, so the site's port, is part of the key)."""
    key = (kind, site.url)
    if key not in _built:
        keep = Path(tempfile.mkdtemp(prefix=f"newswatch-history-{kind}-"))
        atexit.register(shutil.rmtree, keep, True)
        build(write_config(keep, site.url), site)
        _built[key] = (keep, site.content)
    keep, served = _built[key]
    shutil.copytree(keep, directory, dirs_exist_ok=True)
    site.content = served
    return directory / "config.yaml"


def build_alhurra(directory: Path, site: PageServer) -> Path:
    """The config of a database holding the Alhurra article's three versions."""
    return _cached("alhurra", directory, site, _alhurra)


def build_hostile(directory: Path, site: PageServer) -> Path:
    """The config of a database holding two versions of a page whose title and paragraphs
    carry <script>, onerror= and javascript: text (and a javascript: canonical URL)."""
    return _cached("hostile", directory, site, _hostile)
