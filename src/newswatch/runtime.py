"""Wiring: turn a validated :class:`~newswatch.config.Config` into the running parts.

The CLI, the demo and the tests build their store, fetcher, checker and dispatcher here, so
the daemon and ``newswatch check`` are wired the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from newswatch.alerts import Dispatcher, build_channels, rules_of
from newswatch.archive.retention import prune_rules
from newswatch.check import Checker
from newswatch.clock import Clock, utc_now
from newswatch.config import Config
from newswatch.discover import DiscoveryRunner
from newswatch.fetch import Fetcher, FetchScope, FetchSettings
from newswatch.fetch.scope import configured_credentials
from newswatch.politeness import Politeness, SharedBudgets
from newswatch.store import Pruned, Store, open_budgets, open_store


@dataclass
class Runtime:
    config: Config
    store: Store
    fetcher: Fetcher
    checker: Checker
    dispatcher: Dispatcher
    discovery: DiscoveryRunner | None = None  # feed, sitemap and index sources
    clock: Clock = utc_now

    def close(self) -> None:
        self.fetcher.close()
        shared = self.fetcher.politeness.shared if self.fetcher.politeness else None
        if shared is not None:
            shared.close()
        self.store.close()

    def prune_captures(self) -> Pruned:
        """Apply every source's capture retention now (see :mod:`newswatch.archive.retention`)."""
        kept = self.config.captures()
        captures = bodies = 0
        for rule in prune_rules(kept, self.clock()):
            done = self.store.prune_captures(rule)
            captures, bodies = captures + done.captures, bodies + done.bodies
        return Pruned(captures, bodies)

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fetch_settings(config: Config) -> FetchSettings:
    settings = FetchSettings()
    fetch = config.fetch
    if fetch is None:
        return settings
    return FetchSettings(
        timeout=fetch.timeout_seconds,
        connect_timeout=min(settings.connect_timeout, fetch.timeout_seconds),
        max_bytes=fetch.max_bytes,
        max_redirects=settings.max_redirects,
        user_agent=fetch.user_agent or settings.user_agent,
    )


def fetch_scope(config: Config) -> FetchScope:
    """Where pages may point: the configured sources' hosts and ports, ``fetch.allow``."""
    return FetchScope.configured([s.url for s in config.sources], config.fetch.allow)


def build_fetcher(
    config: Config,
    *,
    clock: Clock = utc_now,
    shared: SharedBudgets | None = None,
    scope: FetchScope | None = None,
) -> Fetcher:
    """The fetcher every command checks with: the config's bounds, politeness and scope
    (``scope``: :func:`fetch_scope`'s, when the caller has it already)."""
    return Fetcher(
        fetch_settings(config),
        clock=clock,
        politeness=Politeness(config.fetch.politeness(), clock=clock, shared=shared),
        scope=scope if scope is not None else fetch_scope(config),
        credentials=configured_credentials(s.url for s in config.sources),
    )


def build_runtime(
    config: Config,
    *,
    clock: Clock = utc_now,
    should_stop: Callable[[], bool] = lambda: False,
    sync: bool = True,
    shared_budgets: bool = False,
) -> Runtime:
    """Open the database, sync the configured sources into it and wire the parts.

    ``sync=False`` skips the sync (a worker process: its parent synced them);
    ``shared_budgets`` keeps the politeness budgets in the database, shared with the other
    worker processes (see :class:`~newswatch.politeness.SharedBudgets`).
    """
    store = open_store(config.database_url)
    try:
        if sync:
            store.sync_sources([source.spec() for source in config.sources], clock())
        hold = fetch_settings(config).timeout + 30.0  # a place outlives no fetch by much
        shared = open_budgets(config.database_url, hold_seconds=hold) if shared_budgets else None
    except BaseException:
        store.close()
        raise
    scope = fetch_scope(config)
    fetcher = build_fetcher(config, clock=clock, shared=shared, scope=scope)
    channels = config.channels()
    checker = Checker(
        store,
        fetcher,
        rules=rules_of(config.channels()),
        failing_after={source.name: source.failing_after for source in config.sources},
        clock=clock,
        lease_seconds=config.daemon.lease,
        should_stop=should_stop,
        extract_rules={
            source.name: css
            for source in config.sources
            if (css := source.extract_rules()) is not None
        },
        source_schedules=config.schedules(),
        robots_ignored=[s.name for s in config.sources if not s.robots],
        confirm_delay=config.fetch.confirm,
        capture={name: kept.mode for name, kept in config.captures().items()},
    )
    dispatcher = Dispatcher(store, build_channels(channels, fetcher.post_json), clock=clock)
    discovery = DiscoveryRunner(
        store,
        fetcher,
        config.sources,
        clock=clock,
        admits=scope.admits,
        lease_seconds=config.daemon.lease,
    )
    return Runtime(config, store, fetcher, checker, dispatcher, discovery, clock)
