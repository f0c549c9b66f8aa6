"""Reading a page again: a page that differs from the one its version was read from only in
what extraction ignores reads as that version, and never otherwise.

Tables of page pairs (what may differ, and the hostile places a look-alike may hide in: raw
text, attribute values, comments that end early), a randomised test over every page the
tests hold (whenever a page is read again, it reads exactly as extracting it does), a scan
of the extractor for the attribute names it must never read, the fetch time's window, and
the checker through the CLI against a page whose furniture changes on every request.
"""

from __future__ import annotations

import ast
import json
import logging
import random
import re
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from newswatch.cli import main
from newswatch.extract import read_page
from newswatch.extract.fetchtime import FetchTime
from newswatch.extract.reread import (
    IGNORED,
    IGNORED_PREFIX,
    Reading,
    Reread,
    _marked,
    mask_of,
    read_again,
)
from newswatch.models import Article
from newswatch.store import open_store
from tests.conftest import PageServer, page, write_config

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
URL = "https://news.example/2026/12/03/story"
EXTRACT = Path(__file__).resolve().parent.parent / "src" / "newswatch" / "extract"

BODY = (
    "<p>The council voted on Tuesday to close the old bridge to traffic for a year.</p>"
    "<p>Engineers said the repairs could not wait for another winter to pass by.</p>"
    "<p>Residents will be offered a free shuttle across the river while work goes on.</p>"
)


def article(head: str = "", before: str = "", after: str = "", body: str = BODY) -> bytes:
    return (
        "<!doctype html><html><head><title>Bridge to close</title>"
        + head
        + "</head><body>"
        + before
        + "<article><h1>Bridge to close for a year</h1>"
        '<p class="byline">By A. Writer, 3 December 2026 09:00 GMT</p>'
        + body
        + "</article>"
        + after
        + "</body></html>"
    ).encode()


def reads(made: bytes, page_: bytes, at: datetime = T0, reading: Reading | None = None) -> bool:
    """Whether ``page_`` is read again as ``made``'s version (and, when it is, the check
    that it reads exactly as extracting it would)."""
    first = read_page(made.decode(), URL, fetched_at=T0, raw=made)
    again = read_again(
        made,
        page_,
        page_.decode(),
        URL,
        "UTC",
        fetched_at=at,
        held=first.article,
        reading=reading or Reading.of("k", first),
    )
    if again is None:
        return False
    fresh = read_page(page_.decode(), URL, fetched_at=at, raw=page_).article
    got = again.article
    assert (got.title, got.paragraphs) == (fresh.title, fresh.paragraphs)
    assert (got.published, got.updated, got.stamps) == (
        fresh.published,
        fresh.updated,
        fresh.stamps,
    )
    assert (got.language, got.canonical_url) == (fresh.language, fresh.canonical_url)
    return True


ALIKE = [
    ("the same bytes", "", ""),
    (
        "a script nonce",
        '<script nonce="a1">var x=1</script>',
        '<script nonce="b2">var x=1</script>',
    ),
    (
        "an ad correlator",
        '<div class="ad" data-correlator="123">Ad</div>',
        '<div class="ad" data-correlator="98765">Ad</div>',
    ),
    (
        "two ignored values on one tag",
        '<div data-a="1" data-b="2" class="ad">x</div>',
        '<div data-a="3" data-b="4" class="ad">x</div>',
    ),
    ("a single-quoted value", "<img src='/a.jpg?v=1' alt=''>", "<img src='/a.jpg?v=2' alt=''>"),
    ("an emptied value", '<script nonce="abc">1</script>', '<script nonce="">1</script>'),
    ("a render comment", "<!-- rendered in 0.12 s -->", "<!-- rendered in 1.5 s by web-7 -->"),
    ("an emptied comment", "<!-- cache 1 -->", "<!---->"),
    (
        "a form token",
        '<form><input type="hidden" name="csrf" value="tok1"></form>',
        '<form><input type="hidden" name="csrf" value="tok2"></form>',
    ),
]


@pytest.mark.parametrize(("why", "a", "b"), ALIKE, ids=[c[0] for c in ALIKE])
def test_a_page_differing_only_in_what_extraction_ignores_reads_as_its_version(
    why: str, a: str, b: str
) -> None:
    assert reads(article(after=a), article(after=b))


DIFFERENT = [
    ("a class", '<div class="story">x</div>', '<div class="ad">x</div>'),
    ("an id", '<div id="main">x</div>', '<div id="promo">x</div>'),
    ("a style", '<div style="">x</div>', '<div style="display:none">x</div>'),
    ("a title attribute", '<abbr title="2026-12-03">x</abbr>', '<abbr title="2026-12-04">x</abbr>'),
    ("a link", '<a href="/a">x</a>', '<a href="/b">x</a>'),
    ("an unquoted ignored value", "<div data-x=1>x</div>", "<div data-x=2>x</div>"),
    ("an attribute added", '<div data-x="1">x</div>', '<div data-x="1" hidden>x</div>'),
    ("text", "<p>one</p>", "<p>two</p>"),
    ("a tag more", "<p>one</p>", "<p>one</p><p>two</p>"),
    # look-alikes in raw text: a tag's or a comment's shape, but text the page shows
    (
        "a tag in a textarea",
        '<textarea><b data-x="1"></textarea>',
        '<textarea><b data-x="2"></textarea>',
    ),
    ("a tag in the title", "", ""),  # see below: in the head
    (
        "a tag in a script",
        "<script>s='<b data-x=\"1\">'</script>",
        "<script>s='<b data-x=\"2\">'</script>",
    ),
    ("a comment in a script", "<script>s='<!-- 1 -->'</script>", "<script>s='<!-- 2 -->'</script>"),
    (
        "a comment in a textarea",
        "<textarea><!-- 1 --></textarea>",
        "<textarea><!-- 2 --></textarea>",
    ),
    ("a comment in a style", "<style>/* <!-- 1 --> */</style>", "<style>/* <!-- 2 --> */</style>"),
    ("a comment in xmp", "<xmp><!-- 1 --></xmp>", "<xmp><!-- 2 --></xmp>"),
    # look-alikes inside an attribute's value: that attribute is read
    (
        "a tag in a read value",
        "<abbr title='<b data-x=\"1\">'>x</abbr>",
        "<abbr title='<b data-x=\"2\">'>x</abbr>",
    ),
    (
        "a comment in a read value",
        '<abbr title="<!-- 1 -->">x</abbr>',
        '<abbr title="<!-- 2 -->">x</abbr>',
    ),
    # comments that end early: what follows is text
    ("an abrupt comment", "<!-->1 is text", "<!-->2 is text"),
    ("a comment closed by --!>", "<!-- a --!> 1 -->", "<!-- a --!> 2 -->"),
    # a duplicate attribute is dropped by the parser: its value proves nothing
    (
        "a duplicate attribute",
        '<div data-x="1" data-x="2">x</div>',
        '<div data-x="1" data-x="3">x</div>',
    ),
    (
        "a comment in a template",
        "<template><!-- 1 --></template>",
        "<template><!-- 2 --></template>",
    ),
]


@pytest.mark.parametrize(("why", "a", "b"), DIFFERENT, ids=[c[0] for c in DIFFERENT])
def test_a_page_that_may_read_otherwise_is_extracted_afresh(why: str, a: str, b: str) -> None:
    if why == "a tag in the title":
        made = article(head='<title><b data-x="1"></title>')
        fetched = article(head='<title><b data-x="2"></title>')
    else:
        made, fetched = article(after=a), article(after=b)
    assert not reads(made, fetched)


def test_a_page_holding_the_marker_token_is_never_marked() -> None:
    token = "0123456789abcdef"
    made = article(after='<div data-x="1">x</div>')
    fetched = article(after=f'<div data-x="2">{token}</div>')
    assert _marked(made, fetched, token) is None
    fetched = article(after=f'<div data-x="2">x</div><p>{token}</p>')
    assert _marked(made, fetched, token) is None


def _mutations(body: bytes, rng: random.Random, read_too: bool) -> bytes:
    """``body`` with some ignored values and comment texts changed (and, with
    ``read_too``, some read attribute values and text too)."""

    def ignored_value(match: re.Match[bytes]) -> bytes:
        if rng.random() < 0.5:
            return match.group(0)
        return match.group(1) + b'="' + str(rng.getrandbits(40)).encode() + b'"'

    out = re.sub(rb'(\s(?:data-[a-z-]+|nonce|src))="[^"<>]*"', ignored_value, body)
    out = re.sub(
        rb"<!--[^<>-]*-->",
        lambda m: (
            b"<!-- " + str(rng.getrandbits(30)).encode() + b" -->"
            if rng.random() < 0.7
            else m.group(0)
        ),
        out,
    )
    if read_too:
        out = re.sub(
            rb'(\s(?:class|title|datetime|content|href))="[^"<>]*"',
            lambda m: (
                m.group(1) + b'="x' + str(rng.getrandbits(8)).encode() + b'"'
                if rng.random() < 0.05
                else m.group(0)
            ),
            out,
        )
        out = re.sub(
            rb">([A-Za-z][^<>]{20,})<",
            lambda m: b">" + m.group(1)[::-1] + b"<" if rng.random() < 0.02 else m.group(0),
            out,
        )
    return out


def _test_pages() -> list[Path]:
    root = Path(__file__).resolve().parent / "fixtures"
    return sorted(p for p in root.rglob("*.html") if b"<" in p.read_bytes()[:2000])


@pytest.mark.parametrize("path", _test_pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_whenever_a_page_is_read_again_it_reads_as_extracting_it_does(path: Path) -> None:
    made = path.read_bytes()
    try:
        made.decode("utf-8")
    except UnicodeDecodeError:
        pytest.skip("not UTF-8: never read again")
    rng = random.Random(path.name)
    read_again_at_least_once = False
    try:
        first = read_page(made.decode(), URL, fetched_at=T0, raw=made)
    except Exception as exc:
        pytest.skip(f"the page does not extract: {exc}")
    reading = Reading.of("k", first)
    for attempt in range(12):
        mutated = _mutations(made, rng, read_too=attempt % 3 == 2)
        at = T0 + timedelta(minutes=attempt)
        again = read_again(
            made,
            mutated,
            mutated.decode(),
            URL,
            "UTC",
            fetched_at=at,
            held=first.article,
            reading=reading,
        )
        if again is None:
            continue
        read_again_at_least_once = True
        reading = again.reading  # a learned mask is what the next mutation is read with
        fresh = read_page(mutated.decode(), URL, fetched_at=at, raw=mutated).article
        got = again.article
        assert (got.title, got.paragraphs, got.stamps) == (
            fresh.title,
            fresh.paragraphs,
            fresh.stamps,
        )
        assert (got.published, got.updated, got.canonical_url) == (
            fresh.published,
            fresh.updated,
            fresh.canonical_url,
        )
    # a noise-only mutation of a page reads again (else the test proves nothing here)
    assert read_again_at_least_once or made.count(b"data-") + made.count(b"<!--") == 0


def _noisy(n: int, extra: str = "") -> bytes:
    return article(
        after=f'<div class="ad" data-correlator="{n}">Ad</div><!-- rendered {n} -->'
        f'<script nonce="n{n}">var t=1</script>{extra}'
    )


def _again(made: bytes, page_: bytes, held: Article, reading: Reading) -> Reread | None:
    return read_again(
        made, page_, page_.decode(), URL, "UTC", fetched_at=T0, held=held, reading=reading
    )


def test_where_a_page_differed_is_learned_and_later_pages_read_alike_without_a_parse() -> None:
    made = _noisy(1)
    first = read_page(made.decode(), URL, fetched_at=T0, raw=made)
    learned = _again(made, _noisy(2), first.article, Reading.of("k", first))
    assert learned is not None and learned.reading.mask is not None
    assert [mark[1] for mark in learned.reading.mask.marks] == ["data-correlator", "", "nonce"]
    stored = Reading.loads(learned.reading.dumps())
    assert stored == learned.reading
    # the mask alone proves a page whose furniture changed at those places: the page that
    # made the version is not even looked at
    again = _again(b"", _noisy(3), first.article, stored)
    assert again is not None and again.reading is stored
    assert again.article.paragraphs == first.article.paragraphs
    assert reads(made, _noisy(3), reading=stored)
    # furniture changing somewhere else too: compared with the page again, and learned anew
    made4 = _noisy(1, '<img src="/pixel.gif?t=1">')
    page4 = _noisy(4, '<img src="/pixel.gif?t=4">')
    first4 = read_page(made4.decode(), URL, fetched_at=T0, raw=made4)
    assert _again(b"", page4, first4.article, stored) is None
    relearned = _again(made4, page4, first4.article, stored)
    assert relearned is not None and relearned.reading.mask != stored.mask
    # a change the extractor reads, in a piece the mask names, is never masked away
    changed = _noisy(3).replace(b'class="ad" data-correlator', b'class="story" data-correlator')
    assert _again(b"", changed, first.article, stored) is None


@pytest.mark.parametrize(
    "mark",
    [
        [0, "class", 1, 2],
        [0, "title", 1, 2],
        [0, "data-x]", 1, 2],
        ["1", "nonce", 1, 2],
        [0, "nonce", 5, 2],
        [0, "nonce", -1, 2],
        [0, "nonce"],
    ],
)
def test_a_stored_mask_naming_more_than_ignored_values_is_not_believed(mark: list[object]) -> None:
    mask = {"token": "0123456789abcdef", "pieces": 3, "marks": [mark], "digest": "0"}
    text = json.dumps({"key": "k", "lead": [], "since": None, "until": None, "mask": mask})
    reading = Reading.loads(text)
    assert reading is not None and reading.mask is None


def _string_constants(path: Path) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_the_extractor_never_names_an_attribute_it_is_said_to_ignore() -> None:
    """Reading again is sound only while the extractor reads none of these: any string of
    the package naming one (``attrs.get("data-published")``, ``css("[nonce]")``) fails."""
    names = "|".join(map(re.escape, sorted(IGNORED))) + "|" + re.escape(IGNORED_PREFIX) + r"[\w-]*"
    named = re.compile(rf"\s*(?:{names})\s*\Z")  # attrs.get("nonce")
    selected = re.compile(rf"\[\s*(?:{names})\s*[\]=~|^$*]")  # css('[data-x]')
    offenders = {
        f"{path.name}: {text!r}"
        for path in EXTRACT.glob("*.py")
        if path.name != "reread.py"
        for text in _string_constants(path)
        if named.match(text) or selected.search(text)
    }
    assert not offenders


@pytest.mark.parametrize(
    ("ask", "alike", "unlike"),
    [
        # a stamp up to a day past the fetch is believed: so it is by any later fetch
        (
            lambda c: c.plausible(T0 + timedelta(hours=3)),
            [T0, T0 + timedelta(days=30)],
            [T0 - timedelta(hours=22)],
        ),
        # one more than a day past it is not, until the fetch comes within a day of it
        (
            lambda c: c.plausible(T0 + timedelta(days=3)),
            [T0, T0 + timedelta(days=1)],
            [T0 + timedelta(days=2)],
        ),
        (
            lambda c: c.day(UTC),
            [T0.replace(hour=0), T0.replace(hour=23, minute=59)],
            [T0 + timedelta(days=1), T0 - timedelta(hours=13)],
        ),
        (lambda c: c.year, [datetime(2026, 1, 1, tzinfo=UTC)], [datetime(2027, 1, 1, tzinfo=UTC)]),
        (
            lambda c: c.earlier_than(T0 + timedelta(hours=1), timedelta(minutes=5)),
            [T0 - timedelta(days=3)],
            [T0 + timedelta(minutes=55)],
        ),
        # "5 minutes ago": no other fetch time reads it alike
        (lambda c: c.ago(300), [], [T0, T0 + timedelta(seconds=1)]),
    ],
)
def test_the_fetch_time_keeps_the_times_that_answer_alike(
    ask: object, alike: list[datetime], unlike: list[datetime]
) -> None:
    clock = FetchTime(T0)
    ask(clock)  # type: ignore[operator]
    assert all(clock.reads_alike(t) for t in alike)
    assert not any(clock.reads_alike(t) for t in unlike)


def test_a_relative_stamp_is_read_again_at_every_fetch() -> None:
    made = article(before='<p class="updated">Updated 5 minutes ago</p>')
    fetched = made.replace(b"</body>", b'<script nonce="z9">1</script></body>')
    made = made.replace(b"</body>", b'<script nonce="a1">1</script></body>')
    first = read_page(made.decode(), URL, fetched_at=T0, raw=made)
    reading = Reading.of("k", first)
    assert not reading.stamps_alike(T0 + timedelta(minutes=30))
    assert reads(made, fetched, T0 + timedelta(minutes=30))  # and its stamps read afresh


def test_the_checker_reads_a_noisy_page_again_and_still_finds_each_revision(
    tmp_path: Path, site: PageServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(tmp_path, site.url)
    base = page("v1.html")

    def noisy(body: bytes, n: int) -> bytes:
        return body.replace(
            b"</body>",
            b'<div data-correlator="'
            + str(n).encode()
            + b'"></div><!-- rendered '
            + str(n).encode()
            + b' --><script nonce="n'
            + str(n).encode()
            + b'">var t=1</script></body>',
        )

    def check() -> str:
        result = CliRunner().invoke(main, ["--config", str(config), "check"])
        assert result.exit_code == 0, result.output
        return result.output

    site.content = noisy(base, 1)
    assert "first version" in check()
    caplog.set_level(logging.DEBUG, logger="newswatch.check")
    for n in (2, 3):
        caplog.clear()
        site.content = noisy(base, n)
        assert "unchanged" in check()
        assert "read as its version's page" in caplog.text
    caplog.clear()
    site.content = noisy(page("v2.html"), 4)
    output = check()
    assert "new version" in output or "change" in output
    assert "read as its version's page" not in caplog.text
    store = open_store(config.parent / "watch.db", readonly=True)
    try:
        [record] = store.articles()
        assert record.versions == 2
        latest = store.latest_version(record.id)
        assert latest is not None and latest.n == 2 and latest.seen_count == 1
    finally:
        store.close()


def test_after_an_upgrade_an_unchanged_article_is_read_again_from_its_next_check_on(
    tmp_path: Path, site: PageServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A reading made by other code is not reused; the check that finds the article
    unchanged reads the version's own page with this code and, when that gives the version
    exactly, stores the fresh reading, so the checks after it read the page again. A
    version this code would read otherwise keeps being extracted afresh."""
    config = write_config(tmp_path, site.url)
    db = config.parent / "watch.db"

    def check(n: int) -> bool:
        """Whether the check of the page's ``n``-th noise read it again, without a parse."""
        caplog.clear()
        site.content = _noisy(n)
        result = CliRunner().invoke(main, ["--config", str(config), "check"])
        assert result.exit_code == 0 and "unchanged" in result.output, result.output
        return "read as its version's page" in caplog.text

    def stored() -> tuple[str, str]:
        with sqlite3.connect(db) as conn:
            [(reading, title)] = conn.execute("SELECT reading, title FROM versions").fetchall()
        return reading, title

    def made_by_other_code(title: str | None = None) -> None:
        reading, old_title = stored()
        data = json.loads(reading)
        data["key"] = "read by an earlier release"
        with sqlite3.connect(db) as conn:
            conn.execute(
                "UPDATE versions SET reading = ?, title = ?",
                [json.dumps(data), title or old_title],
            )

    site.content = _noisy(0)
    CliRunner().invoke(main, ["--config", str(config), "check"])
    caplog.set_level(logging.DEBUG, logger="newswatch.check")
    assert check(1)
    made_by_other_code()
    assert not check(2)  # the stale reading is not trusted...
    assert json.loads(stored()[0])["key"] != "read by an earlier release"
    assert check(3) and check(4)  # ...and the fresh one is used from the next check on
    # a version whose page this code reads otherwise (here: another title) is never given
    # a reading: its checks go on extracting the page
    made_by_other_code(title="A title the page does not hold")
    assert not check(5) and not check(6)
    assert json.loads(stored()[0])["key"] == "read by an earlier release"


def test_the_page_that_makes_a_version_is_masked_before_any_later_page_is_seen() -> None:
    made = _noisy(1)
    first = read_page(made.decode(), URL, fetched_at=T0, raw=made)
    mask = mask_of(made)
    assert mask is not None
    assert [mark[1] for mark in mask.marks] == ["data-correlator", "", "nonce"]
    reading = replace(Reading.of("k", first), mask=mask)
    again = _again(b"", _noisy(2), first.article, reading)  # never compared with the page
    assert again is not None and again.reading is reading
    assert reads(made, _noisy(2), reading=reading)
    # a look-alike the parser reads as script text: no mask, learned from a later page then
    script = article(after="<script>s='<b data-x=\"1\">'</script>")
    assert mask_of(script) is None
    assert mask_of(article()) is None  # nothing to mask


@pytest.mark.parametrize(
    "furniture",
    [
        '<!-- a --!> 1 --><div data-x="1">x</div>',  # a comment that ends early
        '<textarea><!-- 1 --></textarea><div data-x="1">x</div>',
        "<title><!-- 1 --></title>",
        "<abbr title='<!-- 1 -->'>x</abbr>",
        "<abbr title='<b data-x=\"1\">'>x</abbr>",
        '<!-- <div data-x="1">old</div> --><div data-x="2">x</div>',  # markup commented out
    ],
)
def test_a_page_whose_look_alikes_the_parser_reads_otherwise_is_not_masked(furniture: str) -> None:
    assert mask_of(article(after=furniture)) is None


def test_only_values_that_look_per_request_are_masked_up_front() -> None:
    made = article(
        after='<div class="ad" data-slot="top" data-correlator="123">Ad</div>'
        '<!-- header --><!-- rendered in 12 ms --><script nonce="abc">1</script>'
    )
    mask = mask_of(made)
    assert mask is not None
    assert [m[1] for m in mask.marks] == ["data-correlator", "", "nonce"]
    first = read_page(made.decode(), URL, fetched_at=T0, raw=made)
    reading = replace(Reading.of("k", first), mask=mask)
    later = made.replace(b'"123"', b'"987"').replace(b"12 ms", b"3 ms").replace(b"abc", b"f00")
    assert _again(b"", later, first.article, reading) is not None
    # a value with no digit that changes after all: learned from the page the version was made of
    renamed = later.replace(b'data-slot="top"', b'data-slot="side"')
    assert _again(b"", renamed, first.article, reading) is None
    assert reads(made, renamed, reading=reading)
