"""Each channel delivers the expected content, Arabic included, to a real receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newswatch.alerts import Alert, PermanentFailure, build_channels
from newswatch.alerts.channels import Channel, DeliveryFailed
from newswatch.alerts.sample import sample_change
from newswatch.config import parse_config
from newswatch.errors import ConfigError
from newswatch.fetch import Fetcher
from tests.receivers import HttpSink, SmtpSink, smtp_sink

NOW = datetime(2016, 7, 20, 18, 30, tzinfo=UTC)
OLD_TITLE = "وزراء دفاع وخارجية التحالف الدولي ضد داعش يجتمعون قرب واشنطن"
NEW_TITLE = "كارتر: شركاؤنا لديهم ما يحتاجون لهزيمة داعش"
FSI, PDI = "\u2068", "\u2069"
SOURCE = "sources:\n  - name: alhurra\n    url: https://www.alhurra.com/a/1.html\n"


def alert() -> Alert:
    change = sample_change("alhurra", NOW)
    return Alert("change", change.uid, "alhurra", change=change)


def channels(alerts_yaml: str, environ: dict[str, str] | None = None) -> dict[str, Channel]:
    config = parse_config(SOURCE + "alerts:\n" + alerts_yaml, environ=environ or {})
    fetcher = Fetcher()
    return build_channels(config.channels(), fetcher.post_json)


@pytest.fixture
def sink(httpserver: HTTPServer) -> HttpSink:
    return HttpSink(httpserver)


def test_webhook_is_signed_with_the_secret_from_the_environment(sink: HttpSink) -> None:
    built = channels(
        f"  - name: desk\n    kind: webhook\n    url: {sink.url('/hook')}\n"
        "    secret: ${NW_HOOK_SECRET}\n",
        {"NW_HOOK_SECRET": "topsecret"},
    )
    sent = alert()
    built["desk"].send(sent, f"{sent.id}:desk")
    [got] = sink.at("/hook")
    expected = hmac.new(b"topsecret", got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["X-Newswatch-Signature"], expected)
    assert got.headers["Idempotency-Key"] == f"{sent.id}:desk"
    body = got.json()
    assert body["type"] == "change" and body["id"] == sent.id and body["source"] == "alhurra"
    assert body["title"] == NEW_TITLE
    assert body["diff"]["title"] == {"old": OLD_TITLE, "new": NEW_TITLE}
    assert body["change"]["title_changed"] is True
    assert NEW_TITLE.encode() in got.body  # UTF-8 text, not \\u escapes
    # a tampered body does not verify
    forged = hmac.new(b"topsecret", got.body + b" ", hashlib.sha256).hexdigest()
    assert forged != got.headers["X-Newswatch-Signature"]


def test_webhook_without_secret_sends_no_signature(sink: HttpSink) -> None:
    built = channels(f"  - kind: webhook\n    url: {sink.url('/plain')}\n")
    built["webhook"].send(alert(), "k:webhook")
    [got] = sink.at("/plain")
    assert "X-Newswatch-Signature" not in got.headers


def test_webhook_template_renders_the_documented_fields(sink: HttpSink) -> None:
    template = (
        '{"text": "{{ source }}: {{ change.old_title }} -> {{ change.new_title }}'
        " ({{ change.kinds | join(',') }}) {{ url }}\"}"
    )
    built = channels(
        f"  - kind: webhook\n    url: {sink.url('/slack')}\n    template: {json.dumps(template)}\n"
    )
    built["webhook"].send(alert(), "k:webhook")
    [got] = sink.at("/slack")
    assert got.headers["Content-Type"].startswith("application/json")
    text = got.json()["text"]
    assert text.startswith(f"alhurra: {OLD_TITLE} -> {NEW_TITLE} (title_changed,")
    assert "updated_stamp" in text and text.endswith("312345.html")


def test_templates_run_sandboxed_and_fail_for_good() -> None:
    built = channels(
        "  - kind: log\n    template: \"{{ ''.__class__.__mro__[1].__subclasses__() }}\"\n"
    )
    with pytest.raises(PermanentFailure, match="template failed"):
        built["log"].send(alert(), "k:log")
    typo = channels("  - kind: log\n    template: '{{ chnage.title }}'\n")
    with pytest.raises(PermanentFailure, match="chnage"):
        typo["log"].send(alert(), "k:log")


def test_bad_template_syntax_is_a_config_error_with_its_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(SOURCE + "alerts:\n  - kind: log\n    template: '{{ oops'\n", environ={})
    assert any(
        "config.yaml:6: alerts[0].template: invalid template" in p for p in info.value.problems
    )


def test_apprise_json_url_gets_title_and_readable_body(sink: HttpSink) -> None:
    url = sink.url("/apprise").replace("http://", "json://")
    built = channels(f"  - name: chat\n    kind: apprise\n    urls: ['{url}']\n")
    built["chat"].send(alert(), "k:chat")
    [got] = sink.at("/apprise")
    body = got.json()
    assert body["title"] == f"[newswatch] alhurra: {FSI}{NEW_TITLE}{PDI} (headline rewritten)"
    message = body["message"]
    assert f"Headline: {FSI}{OLD_TITLE}{PDI} \u2192 {FSI}{NEW_TITLE}{PDI}" in message
    assert "Update stamp: 2016-07-20 18:17 UTC" in message
    assert f"Removed: {FSI}آشتون{PDI}" in message
    assert message.rstrip().endswith("https://www.alhurra.com/a/carter-coalition-isis/312345.html")


def test_apprise_with_several_urls_gets_one_channel_each(sink: HttpSink) -> None:
    a, b = (sink.url(p).replace("http://", "json://") for p in ("/a", "/b"))
    built = channels(f"  - name: chat\n    kind: apprise\n    urls: ['{a}', '{b}']\n")
    assert sorted(built) == ["chat#1", "chat#2"]
    sink.status["/b"] = 500
    built["chat#1"].send(alert(), "k:chat#1")
    with pytest.raises(
        DeliveryFailed, match=r"apprise json://localhost: Failed to send .*error=500"
    ):
        built["chat#2"].send(alert(), "k:chat#2")
    assert len(sink.at("/a")) == 1 and sink.at("/b") == []


def test_unknown_apprise_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(
            SOURCE + "alerts:\n  - kind: apprise\n    urls: ['nosuchservice://x/y']\n", environ={}
        )
    assert any("alerts[0].urls[0]: Apprise does not accept" in p for p in info.value.problems)


# --------------------------------------------------------------------------- e-mail


@pytest.fixture
def starttls(tmp_path: Path) -> Iterator[SmtpSink]:
    yield from smtp_sink(tmp_path, tls=True)


@pytest.fixture
def implicit_tls(tmp_path: Path) -> Iterator[SmtpSink]:
    yield from smtp_sink(tmp_path, implicit_tls=True)


@pytest.fixture
def plain_smtp(tmp_path: Path) -> Iterator[SmtpSink]:
    yield from smtp_sink(tmp_path)


def email_yaml(url: str, ca_file: Path | None = None, extra: str = "") -> str:
    ca = f"    ca_file: {ca_file}\n" if ca_file else ""
    return (
        f"  - name: mail\n    kind: email\n    smtp: {url}\n    from: newswatch@example.org\n"
        f"    to: [desk@example.org, night@example.org]\n{ca}{extra}"
    )


def check_mail(sink: SmtpSink, key: str) -> None:
    [msg] = sink.messages
    assert msg["Subject"] == f"[newswatch] alhurra: {FSI}{NEW_TITLE}{PDI} (headline rewritten)"
    assert msg["Message-ID"] == f"<{key.replace(':', '.')}@newswatch>"
    assert sink.handler.envelopes[0] == (
        "newswatch@example.org",
        ["desk@example.org", "night@example.org"],
    )
    body = msg.get_content()
    assert f"Headline: {FSI}{OLD_TITLE}{PDI} \u2192 {FSI}{NEW_TITLE}{PDI}" in body
    assert "What changed: title rewritten; +1 paragraph(s) (top)" in body
    assert f"Added: {FSI}قال وزير الدفاع" in body


def test_email_with_starttls_and_login(starttls: SmtpSink) -> None:
    built = channels(
        email_yaml(
            f"smtp://desk:${{NW_SMTP_PASSWORD}}@127.0.0.1:{starttls.port}", starttls.ca_file
        ),
        {"NW_SMTP_PASSWORD": "s3cret"},
    )
    sent = alert()
    built["mail"].send(sent, f"{sent.id}:mail")
    assert starttls.logins == [("desk", "s3cret")]
    check_mail(starttls, f"{sent.id}:mail")


def test_email_over_implicit_tls(implicit_tls: SmtpSink) -> None:
    url = f"smtps://desk:s3cret@127.0.0.1:{implicit_tls.port}"
    built = channels(email_yaml(url, implicit_tls.ca_file))
    built["mail"].send(alert(), "k:mail")
    assert implicit_tls.logins == [("desk", "s3cret")]
    check_mail(implicit_tls, "k:mail")


def test_email_refuses_a_password_without_tls_but_sends_plain_without_one(
    plain_smtp: SmtpSink,
) -> None:
    with_password = channels(email_yaml(f"smtp://desk:s3cret@127.0.0.1:{plain_smtp.port}"))
    with pytest.raises(DeliveryFailed, match="no STARTTLS"):
        with_password["mail"].send(alert(), "k:mail")
    assert plain_smtp.messages == []
    anonymous = channels(email_yaml(f"smtp://127.0.0.1:{plain_smtp.port}"))
    anonymous["mail"].send(alert(), "k:mail")
    check_mail(plain_smtp, "k:mail")


def test_email_with_an_untrusted_certificate_fails(starttls: SmtpSink) -> None:
    built = channels(email_yaml(f"smtp://desk:s3cret@127.0.0.1:{starttls.port}"))
    with pytest.raises(DeliveryFailed, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
        built["mail"].send(alert(), "k:mail")
    assert starttls.messages == []


def test_email_config_is_validated() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(
            SOURCE + "alerts:\n  - kind: email\n    smtp: mail.example.org\n"
            "    from: newswatch\n    to: []\n",
            environ={},
        )
    text = "\n".join(info.value.problems)
    assert "alerts[0].smtp: expected smtp://" in text
    assert "alerts[0].from: expected an e-mail address" in text
    assert "alerts[0].to: expected at least 1 entry" in text
