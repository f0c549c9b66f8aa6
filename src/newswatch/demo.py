"""``newswatch demo``: a simulated news site on 127.0.0.1, watched with a throw-away config.

The site serves three stories that are revised every ``step`` seconds: the Alhurra live story
of the test fixture (headline rewritten and paragraphs added above the earlier text at the
18:17 GMT update, then a one-word silent correction), an English story that gains an
"Updated" line, and a French one that gets a correction appended. Every response changes its
furniture (nonces, view counters, the most-read list and the ticker), which must never be
reported. A newcomer sees revisions caught, classified and alerted within a minute, then can
explore them with ``history`` and ``diff``.
"""

from __future__ import annotations

import logging
import os
import random
import re
import secrets
import shlex
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

import click

from newswatch.textdir import terminal_order

logger = logging.getLogger("newswatch.demo")

_HEADLINES = [
    "Markets steady as oil prices ease",
    "City council approves new cycling lanes",
    "Researchers map the deep ocean floor",
    "Heatwave warning issued for the weekend",
    "Rail strike talks resume on Monday",
    "Local team wins regional final",
]


@dataclass(frozen=True)
class Story:
    path: str
    versions: tuple[str, ...]  # full HTML of each version, furniture marked with {{noise}}
    offset: float  # fraction of a step before this story starts revising


def _page(lang: str, title: str, published: str, paragraphs: list[str]) -> str:
    """A news page in the shape real CMSs produce, with furniture slots to vary."""
    direction = "rtl" if lang == "ar" else "ltr"
    body = "\n".join(
        f"<h2>{p[3:]}</h2>" if p.startswith("## ") else f"<p>{p}</p>" for p in paragraphs
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">
<title>{title} | The Daily Demo</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}">
<script nonce="{{{{nonce}}}}">var cfg = {{"k": "{{{{nonce}}}}"}};</script>
</head><body>
<header><nav class="menu"><a href="/">Home</a> <a href="/world">World</a>
<a href="/business">Business</a></nav>
<ul class="ticker">{{{{ticker}}}}</ul></header>
<main><article class="story">
<h1>{title}</h1>
<div class="byline">By Demo Desk <time datetime="{published}">{published[:10]}</time>
<span class="views">{{{{views}}}} views</span></div>
<div class="story-body">
{body}
</div>
<div class="share-tools"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
</article>
<aside class="most-read"><h3>Most read</h3><ol>{{{{most_read}}}}</ol></aside></main>
<footer><p>All rights reserved. The Daily Demo.</p></footer>
</body></html>"""


def _stories() -> list[Story]:
    pages = resources.files("newswatch") / "demo_pages"
    alhurra = tuple(
        (pages / f"alhurra-{v}.html").read_text(encoding="utf-8") for v in ("v1", "v2", "v3")
    )
    storm_p = [
        "A powerful storm swept across the northern coast overnight, cutting power to "
        "thousands of homes and closing several main roads.",
        "Emergency services said crews were working to restore electricity and clear fallen "
        "trees, and asked residents to avoid unnecessary travel.",
        "Forecasters expect the winds to ease by the afternoon, although heavy rain is likely "
        "to continue in the hills.",
    ]
    storm_v2 = [
        "Updated 11:42 GMT",
        "Two people were killed when a tree fell on their car near the harbour, police said.",
        "The regional government has declared a state of emergency for the coastal districts.",
        *storm_p,
    ]
    storm_v3 = [storm_v2[0], storm_v2[1].replace("were killed", "died"), *storm_v2[2:]]
    published = "2024-03-14T09:05:00+00:00"
    storm = (
        _page("en", "Storm cuts power to thousands on the coast", published, storm_p),
        _page("en", "Two dead as storm batters the coast", published, storm_v2),
        _page("en", "Two dead as storm batters the coast", published, storm_v3),
    )
    fr_p = [
        "Le conseil municipal a voté jeudi soir la création de douze kilomètres de pistes "
        "cyclables dans le centre-ville.",
        "Les travaux doivent commencer au printemps et durer dix-huit mois, selon la mairie.",
    ]
    fr_v2 = [
        *fr_p,
        "## Réactions",
        "Les associations de commerçants ont dénoncé un projet « mené sans concertation ».",
        "Mis à jour le 14 mars 2024 à 16h05",
    ]
    fr_v3 = [
        *fr_v2,
        "Correction : une version précédente de cet article indiquait vingt kilomètres de pistes.",
    ]
    fr_pub = "2024-03-14T12:30:00+01:00"
    title = "Le conseil municipal adopte le plan vélo"
    french = tuple(_page("fr", title, fr_pub, p) for p in (fr_p, fr_v2, fr_v3))
    return [
        Story("/a/carter-coalition-isis/312345.html", alhurra, 0.0),
        Story("/world/storm-coast.html", storm, 1 / 3),
        Story("/fr/plan-velo.html", french, 2 / 3),
    ]


_NONCE = re.compile(r"\b(?:3bfd1d33|7ce42c82)[0-9a-f]*")
_VIEWS = re.compile(r"\d+ مشاهدة")


def _furnish(html: str, rng: random.Random) -> str:
    """Fill (or, for the fixture pages, rewrite) the furniture that changes per request."""
    nonce = secrets.token_hex(16)
    ticker = "".join(
        f'<li><a href="/n/{rng.randint(1, 9999)}">{h}</a> {rng.randint(1, 59)} min ago</li>'
        for h in rng.sample(_HEADLINES, 3)
    )
    most_read = "".join(
        f'<li><a href="/n/{rng.randint(1, 9999)}">{h}</a></li>' for h in rng.sample(_HEADLINES, 4)
    )
    html = (
        html.replace("{{nonce}}", nonce)
        .replace("{{ticker}}", ticker)
        .replace("{{most_read}}", most_read)
        .replace("{{views}}", str(rng.randint(100, 99999)))
    )
    html = _NONCE.sub(nonce, html)
    return _VIEWS.sub(f"{rng.randint(100, 99999)} مشاهدة", html)


class DemoSite:
    """The simulated site: a threaded HTTP server on 127.0.0.1 with a clock of its own."""

    def __init__(self, step: float = 6.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.step = step
        self._clock = clock
        self._started = clock()
        self.stories = {story.path: story for story in _stories()}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                story = site.stories.get(self.path)
                if story is None:
                    self.send_error(404)
                    return
                body = _furnish(story.versions[site.version_of(story)], random.Random()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def version_of(self, story: Story) -> int:
        steps = int((self._clock() - self._started) / self.step - story.offset)
        return max(0, min(steps, len(story.versions) - 1))

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def urls(self) -> dict[str, str]:
        return {path: self.base_url + path for path in self.stories}

    def start(self) -> DemoSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


_CONFIG = """\
# Written by `newswatch demo`: three stories on a simulated site on 127.0.0.1.
database: demo.db
schedule:
  adaptive: false   # a 30-second demo checks every 2s; real sources back off when quiet
fetch:
  host_delay: 0s    # the simulated site is ours: no need to space requests out
sources:
{sources}
alerts:
  - kind: log
"""


def write_demo_config(directory: Path, site: DemoSite, interval: str) -> Path:
    names = {"/a/": "alhurra", "/world/": "storm", "/fr/": "plan-velo"}
    lines = []
    for path, url in site.urls().items():
        name = next(n for prefix, n in names.items() if path.startswith(prefix))
        zone = (
            "Asia/Riyadh" if name == "alhurra" else "Europe/Paris" if name == "plan-velo" else "UTC"
        )
        lines.append(
            f"  - name: {name}\n    url: {url}\n    kind: article\n"
            f"    interval: {interval}\n    timezone: {zone}"
        )
    config_path = directory / "config.yaml"
    config_path.write_text(_CONFIG.format(sources="\n".join(lines)), encoding="utf-8")
    return config_path


def run_demo(*, seconds: float, step: float, directory: Path | None) -> None:
    """Run the site and the daemon for ``seconds``, then show what was caught."""
    from newswatch.config import load_config
    from newswatch.run import EngineSettings, daemon_engine
    from newswatch.runtime import build_runtime

    directory = directory or Path(tempfile.mkdtemp(prefix="newswatch-demo-"))
    directory.mkdir(parents=True, exist_ok=True)
    site = DemoSite(step=step).start()
    config_path = write_demo_config(directory, site, "2s")
    config = load_config(config_path)
    click.echo(f"A simulated news site is serving on {site.base_url} (revisions every {step:g}s).")
    click.echo(f"Watching it with {config_path} for {seconds:g}s; alerts appear below.\n")
    stop = threading.Event()
    with build_runtime(config, should_stop=stop.is_set) as runtime:
        engine = daemon_engine(
            runtime, settings=EngineSettings(tick_seconds=0.5, dispatch_seconds=0.5), stop=stop
        )
        daemon = threading.Thread(target=engine.run, name="newswatch-demo")
        daemon.start()
        try:
            stop.wait(seconds)
        except KeyboardInterrupt:
            pass
        finally:
            engine.stop()
            daemon.join(timeout=30)
            site.stop()
        changes = runtime.store.changes(limit=100)
        confirmed = runtime.checker.confirmer.extra_requests
    click.echo(
        f"\nCaught {len(changes)} change(s); {confirmed} small change(s) were fetched once"
        " more to confirm them. Explore them:"
    )
    nw, cfg = runnable_command(), f"--config {shlex.quote(str(config_path))}"
    click.echo(f"  {nw} history {cfg}")
    for url in site.urls().values():
        click.echo(f"  {nw} history {cfg} {url}")
    first = next(iter(site.urls().values()))
    click.echo(f"  {nw} diff {cfg} {first}")
    click.echo(f"  {nw} serve {cfg}        # the web view on http://127.0.0.1:8080")
    order, why = terminal_order(os.environ, sys.stdout.isatty())
    other = "logical" if order == "visual" else "visual"
    click.echo(
        f"\nRight-to-left text is printed in {order} order here ({why}). If Arabic reads"
        f" backwards or scrambled, add --bidi {other} to diff (or set NEWSWATCH_BIDI={other})."
    )


def runnable_command() -> str:
    """``newswatch`` as it must be typed here for a printed hint to work when copied.

    ``newswatch`` itself when the one on PATH is this installation; otherwise the path of
    this installation's script (``.venv/bin/newswatch`` after the README's one-liner),
    relative to the current directory when it lies below it.
    """
    script = Path(sys.executable).with_name("newswatch")
    if not script.exists():
        return f"{shlex.quote(sys.executable)} -m newswatch"
    on_path = shutil.which("newswatch")
    if on_path is not None and Path(on_path).resolve() == script.resolve():
        return "newswatch"
    relative = os.path.relpath(script)
    return shlex.quote(relative if not relative.startswith("..") else str(script))
