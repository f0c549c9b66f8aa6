"""``alerts list`` and ``alerts test``: the alert rules, and a sample sent through one."""

from __future__ import annotations

import sys

import click

from newswatch.cli.app import State, errors_reported, fail, pass_state


@click.group()
def alerts() -> None:
    """Alert rules: list them, send a test alert through one."""


@alerts.command("list")
@pass_state
def alerts_list(state: State) -> None:
    """Each alert rule: its channel(s), what it routes, its digest rate."""
    from newswatch.alerts import rules_of

    with errors_reported():
        config = state.config()
    for rule in rules_of(config.channels()):
        digest = (
            f"digest after {rule.digest_after} per {rule.digest_seconds:g}s"
            if rule.digest_after is not None
            else "no digest"
        )
        click.echo(f"{rule.name}: channel(s) {', '.join(rule.channels)}")
        click.echo(
            f"    sources {', '.join(rule.sources)}; min severity {rule.min_severity}; {digest}"
        )
        click.echo(f"    on {', '.join(sorted(rule.on))}")


@alerts.command("test")
@click.argument("rule")
@click.option("--source", default="newswatch-test", show_default=True, help="Source named.")
@pass_state
def alerts_test(state: State, rule: str, source: str) -> None:
    """Send a sample alert (an Arabic headline rewrite) through RULE now."""
    from newswatch.alerts import build_channels, rules_of
    from newswatch.alerts.sample import send_test
    from newswatch.clock import utc_now
    from newswatch.fetch import Fetcher
    from newswatch.runtime import fetch_settings

    with errors_reported():
        config = state.config()
        rules = {r.name: r for r in rules_of(config.channels())}
        if rule not in rules:
            known = ", ".join(rules) or "none"
            fail(f"no alert rule named {rule!r} in {config.path} (rules: {known})", 2)
        with Fetcher(fetch_settings(config)) as fetcher:
            channels = build_channels(config.channels(), fetcher.post_json)
            outcomes = send_test(channels, rules[rule].channels, source, utc_now())
    for outcome in outcomes:
        click.echo(
            f"{outcome.channel}: {'sent' if outcome.ok else 'FAILED: ' + str(outcome.error)}"
        )
    if not all(o.ok for o in outcomes):
        sys.exit(1)
