"""The quarantine judge (pure) and its persistence rule through the checker and a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch.config import load_config
from newswatch.models import Article
from newswatch.quarantine import PERSIST_TO_ACCEPT, accept_after, judge
from newswatch.runtime import build_runtime
from tests.conftest import PageServer, page, write_config

LONG = [f"Paragraph {i} of the story, with a few more words to make it real." for i in range(12)]


def art(paragraphs: list[str], title: str = "Minister resigns after inquiry") -> Article:
    return Article(url="https://news.example/a", title=title, paragraphs=paragraphs)


@pytest.mark.parametrize(
    ("new", "previous", "reason"),
    [
        (art([]), art(LONG), "no body text (last good version: 168 words)"),
        (art([]), None, "no body text"),
        (art(["\ufffd\ufffd\x01 garbage \ufffd\ufffd"]), None, "unreadable text"),
        (art(["We use cookies. Accept all to continue."], "Before you go"), None, "consent"),
        (art(["Please verify you are human."], "Just a moment"), art(LONG), "robot check"),
        (art(["Subscribe to continue reading."]), art(LONG), "paywall"),
        (art(["Sorry, the page was not found."], "Page not found"), art(LONG), "soft 404"),
        (art(["الصفحة غير موجودة"], "خطأ"), None, "soft 404"),
        (art(LONG[:2]), art(LONG), "shrunk to 28 of 168 words (17%)"),
        # sensible: not quarantined
        (art(LONG), None, None),
        (art(LONG[:5]), art(LONG), None),  # 42%: an edit, not a wreck
        (art(LONG[:1]), art(LONG[:3]), None),  # too short before to judge a shrink
        (art([*LONG, "Cookies: the EU's new consent rules explained."]), art(LONG), None),
        # a tiny first page that mentions a 404 is held back: better a late first version
        # than a bogus one
        (art(["A short brief about the 404 bus line."]), None, "soft 404"),
    ],
)
def test_judge(new: Article, previous: Article | None, reason: str | None) -> None:
    verdict = judge(new, previous)
    if reason is None:
        assert verdict is None
    else:
        assert verdict is not None and reason in verdict


def test_only_a_persistent_shrink_is_believed() -> None:
    assert not accept_after("shrunk to 1 of 100 words (1%)", PERSIST_TO_ACCEPT - 2)
    assert accept_after("shrunk to 1 of 100 words (1%)", PERSIST_TO_ACCEPT - 1)
    assert not accept_after("looks like a consent or cookie wall (9 words)", 100)
    assert not accept_after("no body text", 100)


def test_a_shrink_that_stays_becomes_a_version(tmp_path: Path, site: PageServer) -> None:
    """A story cut to a short note (a retraction) is believed after three sightings."""
    config = load_config(write_config(tmp_path, site.url))
    note = page("v1.html").replace(b"<p>", b"<p hidden-old>", 1)
    text = note.decode()
    start = text.index("<p hidden-old>")
    end = text.rindex("</p>") + 4
    short = text[:start] + "<p>This article has been withdrawn pending review.</p>" + text[end:]
    with build_runtime(config) as runtime:
        assert runtime.checker.run_pass(force=True)[0].outcome == "first_version"
        site.content = short.encode()
        outcomes = [runtime.checker.run_pass(force=True)[0].outcome for _ in range(3)]
        assert outcomes == ["quarantined", "quarantined", "new_version"]
        article = runtime.store.find_article(site.url)
        assert article is not None and article.versions == 2
        assert runtime.store.versions(article.id)[-1].paragraphs == [
            "This article has been withdrawn pending review."
        ]
        assert len(runtime.store.quarantined(article.id)) == 2
