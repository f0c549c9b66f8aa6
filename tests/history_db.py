"""Build a real history database: the Alhurra fixture checked v1 -> v2 -> v3 through the CLI
against a local HTTP server (the real pipeline: fetch, extract, diff, store)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from newswatch.cli import main
from tests.conftest import PageServer, write_config


def check_sequence(config: Path, site: PageServer, pages: tuple[str, ...]) -> None:
    for name in pages:
        site.serve(name)
        result = CliRunner().invoke(main, ["--config", str(config), "check"])
        assert result.exit_code == 0, result.output


def build_alhurra(directory: Path, site: PageServer) -> Path:
    """The config of a database holding the Alhurra article's three versions."""
    config = write_config(directory, site.url)
    check_sequence(config, site, ("v1.html", "v2.html", "v3.html"))
    return config


HOSTILE = Path(__file__).parent / "fixtures" / "hostile"


def build_hostile(directory: Path, site: PageServer) -> Path:
    """The config of a database holding two versions of a page whose title and paragraphs
    carry <script>, onerror= and javascript: text (and a javascript: canonical URL)."""
    config = write_config(directory, site.url)
    for name in ("v1.html", "v2.html"):
        site.content = (HOSTILE / name).read_bytes()
        result = CliRunner().invoke(main, ["--config", str(config), "check"])
        assert result.exit_code == 0, result.output
    return config
