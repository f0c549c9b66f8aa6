"""The re-judging core from tables: a sequence of readings rebuilt by the live planner's
rules (dedup, reverts, quarantine and its acceptance, removal and return, volatile
fragments), the steps a fetch log and its captures make, and the report of what changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newswatch.judge.identity import change_uid
from newswatch.judge.plan import Extracted, FetchFailed, NotModified, Refused
from newswatch.models import Article, FetchResult
from newswatch.normalize import content_hash
from newswatch.reextract.rejudge import (
    Capture,
    Incomplete,
    Logged,
    Step,
    Subject,
    kept_uids,
    read,
    rebuild,
    steps,
)
from newswatch.reextract.report import compare, recorded_current
from newswatch.store import StoredChange, StoredVersion

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
URL = "https://news.example.org/2026/03/01/story.html"
SUBJECT = Subject(article_id=7, source="example", url=URL)

LEAD = "The minister announced the plan on Sunday morning in the capital."
BODY = "Officials said the first stage would begin within weeks, according to the text."
MORE = "Later on Sunday the opposition called the plan rushed and asked for a vote."
LONG = [f"{LEAD} Paragraph {i} adds detail on the stages and costs of the plan." for i in range(8)]


def at(i: int) -> datetime:
    return T0 + timedelta(minutes=10 * i)


def page(i: int, title: str, paragraphs: list[str]) -> Step:
    article = Article(url=URL, title=title, paragraphs=list(paragraphs))
    return Extracted(at(i), fetched(i), article)


def fetched(i: int, status: int = 200) -> FetchResult:
    return FetchResult(
        url=URL,
        final_url=URL,
        status=status,
        headers={},
        content=b"<html></html>",
        text="<html></html>",
        charset="utf-8",
        etag=None,
        last_modified=None,
        redirects=[],
        elapsed_ms=1.0,
        fetched_at=at(i),
    )


A = ("Plan announced", [LEAD, BODY])
B = ("Plan announced, opposition objects", [LEAD, BODY, MORE])
WALL = ("Before you continue", ["We value your privacy. Accept all cookies to continue."])


def shape(steps_: list[Step], templates: tuple[str, ...] = ()) -> tuple[object, ...]:
    rebuilt = rebuild(SUBJECT, steps_, templates)
    return (
        [(v.version.n, v.seen_count) for v in rebuilt.versions],
        [(c.change.from_n, c.change.to_n, c.change.change.kind) for c in rebuilt.changes],
        [q.reason for q in rebuilt.quarantined],
        rebuilt.current_after,
    )


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        pytest.param(
            [page(0, *A), page(1, *A), page(2, *A)],
            ([(1, 3)], [], [], (1, 1, 1)),
            id="the-same-text-is-one-version-seen-three-times",
        ),
        pytest.param(
            [page(0, *A), page(1, *B), page(2, *B)],
            ([(1, 1), (2, 2)], [(1, 2, "edit")], [], (1, 2, 2)),
            id="an-edit-is-a-new-version-and-a-change",
        ),
        pytest.param(
            [page(0, *A), page(1, *B), page(2, *A)],
            ([(1, 2), (2, 1)], [(1, 2, "edit"), (2, 1, "revert")], [], (1, 2, 1)),
            id="back-to-a-known-text-is-a-revert-not-a-version",
        ),
        pytest.param(
            [page(0, *A), NotModified(at(1), fetched(1, 304)), page(2, *B)],
            ([(1, 2), (2, 1)], [(1, 2, "edit")], [], (1, 1, 2)),
            id="a-304-sees-the-current-version-again",
        ),
        pytest.param(
            [page(0, *A), page(1, *WALL), page(2, *A)],
            ([(1, 2)], [], ["looks like a consent or cookie wall (9 words)"], (1, 1, 1)),
            id="a-wall-is-quarantined-and-never-a-version",
        ),
        pytest.param(
            [
                page(0, *A),
                FetchFailed(at(1), "HTTP 404 Not Found", "http", 404, status_error=True),
                page(2, *A),
            ],
            ([(1, 2)], [(1, 1, "removed"), (1, 1, "restored")], [], (1, 1, 1)),
            id="a-404-removes-and-the-page-coming-back-restores",
        ),
        pytest.param(
            [
                page(0, "Plan", LONG),
                page(1, "Plan", LONG[:1]),
                page(2, "Plan", LONG[:1]),
                page(3, "Plan", LONG[:1]),
            ],
            (
                [(1, 1), (2, 1)],
                [(1, 2, "edit")],
                ["shrunk to 23 of 184 words (12%)"] * 2,
                (1, 1, 1, 2),
            ),
            id="a-shrink-is-quarantined-until-seen-three-times-in-a-row",
        ),
        pytest.param(
            [page(0, *A), Refused(at(1), fetched(1), "too many nodes"), page(2, *A)],
            ([(1, 2)], [], ["too many nodes"], (1, 1, 1)),
            id="a-page-beyond-the-budgets-is-kept-aside",
        ),
    ],
)
def test_rebuild_follows_the_live_rules(readings: list[Step], expected: tuple[object]) -> None:
    assert shape(readings) == expected


def test_learned_volatile_fragments_are_read_through() -> None:
    views = [
        page(0, "Plan", [LEAD, "Viewed 1,204 times"]),
        page(1, "Plan", [LEAD, "Viewed 1,377 times"]),
    ]
    assert shape(views)[0] == [(1, 1), (2, 1)]
    assert shape(views, ("Viewed {*} times",))[0] == [(1, 2)]


def test_rebuilt_versions_and_changes_carry_the_fetch_times_and_no_alert() -> None:
    rebuilt = rebuild(SUBJECT, [page(0, *A), page(1, *A), page(2, *B)])
    first, second = rebuilt.versions
    assert (first.first_seen_at, first.last_seen_at) == (at(0), at(1))
    assert second.version.hash == content_hash(*B) and second.first_seen_at == at(2)
    (change,) = rebuilt.changes
    assert change.detected_at == at(2) and change.change.deliveries == ()
    assert rebuilt.title == B[0]
    assert rebuild(SUBJECT, []).versions == () and rebuild(SUBJECT, []).title is None


HTML = (
    "<html><head><title>{t}</title></head><body><article><h1>{t}</h1>"
    "<p>{p1}</p><p>{p2}</p></article></body></html>"
)


def capture(i: int, body: bytes, content_type: str = "text/html; charset=utf-8") -> Capture:
    return Capture(at(i), URL, URL, 200, {"Content-Type": content_type}, body)


def test_read_decodes_a_kept_page_by_its_declared_charset() -> None:
    title, text = "خطة جديدة", "قال الوزير إن المرحلة الأولى ستبدأ خلال أسابيع من الآن."
    body = HTML.format(t=title, p1=text, p2=text + " وأضاف").encode("windows-1256")
    reading = read(capture(0, body, "text/html; charset=windows-1256"), SUBJECT)
    assert isinstance(reading, Extracted)
    assert reading.article.title == title and reading.article.paragraphs[0] == text
    assert reading.started == at(0)


def test_steps_from_a_fetch_log_and_its_captures() -> None:
    body = HTML.format(t="Plan announced", p1=LEAD, p2=BODY).encode()
    log = [
        (Logged(at(0), "new_version", 200), capture(0, body)),
        (Logged(at(1), "not_modified", 304), None),
        (Logged(at(2), "error", None, "network", "connection reset"), None),
        (Logged(at(3), "removed", 404, "removed", "HTTP 404 Not Found"), None),
        (Logged(at(4), "merged", 200), None),
    ]
    found = steps(log, SUBJECT)
    assert not isinstance(found, Incomplete)
    kinds = [type(s).__name__ for s in found]
    assert kinds == ["Extracted", "NotModified", "FetchFailed", "FetchFailed"]
    assert [v.n for v in (r.version for r in rebuild(SUBJECT, found).versions)] == [1]
    kept_nothing = [(Logged(at(0), "new_version", 200), None), (Logged(at(1), "quarantined"), None)]
    assert steps(kept_nothing, SUBJECT) == Incomplete(2, at(0))


def stored(n: int, paragraphs: list[str], first: datetime) -> StoredVersion:
    return StoredVersion(
        7,
        n,
        content_hash("t", paragraphs),
        "t",
        paragraphs,
        None,
        None,
        [],
        None,
        URL,
        first,
        first,
        1,
    )


def stored_change(cid: int, from_n: int, to_n: int, when: datetime) -> StoredChange:
    return StoredChange(
        cid,
        f"u{cid}",
        7,
        "example",
        URL,
        "t",
        from_n,
        to_n,
        when,
        False,
        0,
        0,
        1,
        None,
        True,
        "minor",
        "s",
        {},
        {},
    )


def test_the_report_counts_merged_versions_and_noise() -> None:
    """Recorded with the furniture (a most-read list changing on every fetch): three
    versions; read again: one text, then a real edit."""
    recorded = [
        stored(1, [LEAD, "Most read: storms"], at(0) + timedelta(seconds=5)),
        stored(2, [LEAD, "Most read: budget"], at(1) + timedelta(seconds=5)),
        stored(3, [LEAD, MORE, "Most read: budget"], at(2) + timedelta(seconds=5)),
    ]
    changes = [
        stored_change(1, 1, 2, at(1) + timedelta(seconds=5)),
        stored_change(2, 2, 3, at(2) + timedelta(seconds=5)),
    ]
    readings = [page(0, "t", [LEAD]), page(1, "t", [LEAD]), page(2, "t", [LEAD, MORE])]
    rebuilt = rebuild(SUBJECT, readings)
    report = compare(recorded, changes, rebuilt, [at(0), at(1), at(2)])
    assert (report.versions_before, report.versions_after) == (3, 2)
    assert (report.changes_before, report.changes_after) == (2, 1)
    assert (report.merged, report.split, report.noise, report.found) == (1, 0, 2, 0)
    assert report.noise_quoted == ("Most read: storms", "Most read: budget")
    assert report.changed
    assert report.line() == "3 → 2 versions (1 merged), 2 → 1 changes, 2 noise paragraphs"
    assert report.as_dict()["merged"] == 1


def test_the_report_counts_a_split_and_says_when_nothing_changed() -> None:
    recorded = [stored(1, [LEAD], at(0))]
    readings = [page(0, "t", [LEAD]), page(1, "t", [LEAD, MORE])]
    report = compare(recorded, [], rebuild(SUBJECT, readings), [at(0), at(1)])
    assert (report.merged, report.split, report.found) == (0, 1, 1)
    same = compare(recorded, [], rebuild(SUBJECT, [page(0, "t", [LEAD])]), [at(0)])
    assert not same.changed and same.line() == "unchanged (1 versions)"


@pytest.mark.parametrize(
    ("until", "expected"),
    [(at(0), None), (at(1), 1), (at(2), 2), (None, 1)],
)
def test_recorded_current_follows_the_changes_in_time(
    until: datetime | None, expected: int | None
) -> None:
    versions = [stored(1, [LEAD], at(0) + timedelta(seconds=1)), stored(2, [BODY], at(1))]
    changes = [
        stored_change(1, 1, 2, at(1) + timedelta(seconds=1)),
        stored_change(2, 2, 1, at(2) + timedelta(seconds=1)),
    ]
    assert recorded_current(versions, changes, until) == expected


def test_a_rebuilt_change_found_as_recorded_keeps_its_id_and_only_that_one() -> None:
    readings = [page(0, "t", [LEAD]), page(1, "t", [LEAD]), page(2, "t", [LEAD, MORE])]
    rebuilt = rebuild(SUBJECT, readings)
    (replayed,) = rebuilt.changes
    same = [stored(1, [LEAD], at(0)), stored(2, [LEAD, MORE], at(2))]
    other = [stored(1, [LEAD], at(0)), stored(2, [LEAD, BODY], at(2))]
    recorded = [stored_change(1, 1, 2, at(2))]
    (kept,) = kept_uids(rebuilt, same, recorded)
    assert kept.change.uid == "u1" and kept.change.to_n == 2  # its alerts follow it
    (fresh,) = kept_uids(rebuilt, other, recorded)  # another text: another change
    assert fresh.change.uid == replayed.change.uid != "u1"
    assert kept_uids(rebuilt, same, []) == rebuilt.changes


@pytest.mark.parametrize(("generation", "same_as_before"), [(1, True), (2, False), (3, False)])
def test_a_change_id_carries_the_generation_after_the_first(
    generation: int, same_as_before: bool
) -> None:
    before = change_uid(URL, "a", "b", 2)  # the id generation 1 always had
    assert (change_uid(URL, "a", "b", 2, generation) == before) is same_as_before
    assert change_uid(URL, "a", "b", 2, generation) == change_uid(URL, "a", "b", 2, generation)
    assert len({change_uid(URL, "a", "b", 2, g) for g in (1, 2, 3)}) == 3
