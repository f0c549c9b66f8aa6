"""One pass now (``newswatch check``, ``newswatch run --once``): discovery, then checks.

Kept out of the CLI so the command stays a thin layer and tests can run a pass on an
injected clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from newswatch.check import CheckReport
from newswatch.discover import DiscoveryReport
from newswatch.runtime import Runtime


@dataclass(frozen=True, slots=True)
class PassReport:
    discoveries: list[DiscoveryReport] = field(default_factory=list)
    checks: list[CheckReport] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [d.line() for d in self.discoveries] + [c.line() for c in self.checks]


def check_now(
    runtime: Runtime,
    *,
    sources: Sequence[str] | None = None,
    urls: Sequence[str] | None = None,
    force: bool = False,
    workers: int = 4,
) -> PassReport:
    """Discover the feed/sitemap/index sources (those named, default all), then check.

    ``article`` sources and ``urls`` are checked now whatever their due time (that is what
    asking for a check means); the articles a source discovered are checked when due (all
    of them with ``force``), so a feed of 200 links is not refetched in full on every call.
    Given ``urls``, only those are checked and nothing is discovered.
    """
    checker = runtime.checker
    if urls:
        return PassReport(
            checks=checker.run_pass(sources=sources, urls=urls, force=True, workers=workers)
        )
    configured = runtime.config.sources
    named = [s for s in configured if sources is None or s.name in sources]
    finders = [s.name for s in named if s.discovers]
    singles = [s.name for s in named if not s.discovers]
    discoveries = runtime.discovery.run_all(finders) if runtime.discovery and finders else []
    checks: list[CheckReport] = []
    if singles:
        checks += checker.run_pass(sources=singles, force=True, workers=workers)
    if finders:
        checks += checker.run_pass(sources=finders, force=force, workers=workers)
    return PassReport(discoveries, checks)


def run_due(runtime: Runtime, *, workers: int = 4) -> PassReport:
    """What the daemon would do now, once: discover every source, check what is due."""
    discoveries = runtime.discovery.run_all() if runtime.discovery else []
    return PassReport(discoveries, runtime.checker.run_pass(workers=workers))
