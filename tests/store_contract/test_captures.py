"""The capture store, on every backend: a capture rides in the check's plan, is written in
its transaction or not at all, is linked to the version it made or confirmed, costs one
body per distinct page, reads back byte for byte, and is pruned without touching what a
version points to."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from newswatch.archive import (
    CaptureMode,
    base_of,
    read_capture,
    read_version,
    wants_base,
    with_capture,
)
from newswatch.archive.bodies import compress, digest
from newswatch.judge.plan import CheckPolicy, Extracted, ExtractFailed, NotModified, asks, plan
from newswatch.models import Article, FetchResult, Redirect
from newswatch.store import (
    CaptureFilter,
    CaptureLink,
    CapturePrune,
    DueArticle,
    GenerationWrite,
    ReadingWrite,
    RebuiltVersion,
    Store,
    StoredBody,
)
from tests.store_contract.test_contract import (
    T0,
    URL,
    V1,
    V2,
    claim_one,
    gathered,
    planned,
    spec,
)
from tests.store_contract.test_generations import version_write

PAGE_1 = "<html><head><meta charset=windows-1256></head><body>\xe3\xd1\xcd\xc8\xc7</body></html>"


def exchange(at: datetime, body: bytes) -> FetchResult:
    return FetchResult(
        url=URL,
        final_url=URL + "?amp=0",
        status=200,
        headers={"content-type": "text/html; charset=windows-1256"},
        content=body,
        text=None,
        charset="windows-1256",
        etag=None,
        last_modified=None,
        redirects=[Redirect(301, URL, URL + "?amp=0")],
        elapsed_ms=3.0,
        fetched_at=at,
        request_headers=(("User-Agent", "newswatch"), ("Accept", "text/html")),
        response_headers=(
            ("Content-Type", "text/html; charset=windows-1256"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ),
        http_version="HTTP/1.1",
    )


def check(
    store: Store,
    due: DueArticle,
    at: datetime,
    art: Article | None,
    body: bytes,
    mode: CaptureMode = "versions",
) -> None:
    """One check whose plan carries the capture of ``body`` (as the checker does); no
    ``art``: the page answered 304."""
    made = planned(store, due, at, art)
    got = gathered(at, art, None)
    assert isinstance(got, Extracted | NotModified)
    fetched = exchange(at, body) if art is not None else got.fetched
    version = wants_base(made.write, fetched, mode)
    base = None if version is None else store.version_body(due.article_id, version)
    assert store.apply(with_capture(made.write, fetched, mode, base)).written


BODY_1 = PAGE_1.encode("latin-1")
BODY_2 = BODY_1.replace(b"</body>", b"<p>\xe3\xd1</p></body>")


def test_captures_link_versions_and_share_bodies(store: Store) -> None:
    store.sync_sources([spec()], T0)
    times = [T0 + timedelta(hours=h) for h in range(4)]
    check(store, claim_one(store, times[0]), times[0], V1, BODY_1)
    check(store, store.claim_due(times[1], 10, 60, force=True)[0], times[1], V1, BODY_1)
    check(store, store.claim_due(times[2], 10, 60, force=True)[0], times[2], V2, BODY_2)
    check(store, store.claim_due(times[3], 10, 60, force=True)[0], times[3], V2, BODY_2)
    article_id = store.versions(claim_article(store))[0].article_id

    caps = store.captures(CaptureFilter(article_id=article_id))
    assert [(c.role, c.version_n) for c in caps] == [
        ("made", 1),
        ("confirmed", 1),
        ("made", 2),
        ("confirmed", 2),
    ]
    assert [c.fetched_at for c in caps] == times
    logged = sorted(f["id"] for f in store.fetches(article_id))
    assert [c.fetch_id for c in caps] == logged
    first = caps[0]
    assert first.source == "alhurra"
    assert (first.url, first.final_url, first.status) == (URL, URL + "?amp=0", 200)
    assert first.redirects == (Redirect(301, URL, URL + "?amp=0"),)
    assert first.request_headers == (("User-Agent", "newswatch"), ("Accept", "text/html"))
    assert first.response_headers[1:] == (("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"))
    assert first.body_sha256 == digest(BODY_1) and first.body_size == len(BODY_1)

    raw = read_version(store, article_id, 2)
    assert raw is not None and raw.body == BODY_2 and raw.meta.role == "made"
    assert raw.header("content-type") == "text/html; charset=windows-1256"
    again = read_capture(store, caps[1].id)
    assert again is not None and again.body == BODY_1

    (usage,) = store.capture_usage()
    assert (usage.source, usage.captures, usage.bodies) == ("alhurra", 4, 2)
    assert usage.raw_bytes == 2 * len(BODY_1) + 2 * len(BODY_2)
    assert usage.stored_bytes > 0

    # time range and source narrow the listing
    assert len(store.captures(CaptureFilter(since=times[1], until=times[3]))) == 2
    assert store.captures(CaptureFilter(source="other")) == []
    assert len(store.captures(CaptureFilter(), limit=3)) == 3


def claim_article(store: Store) -> int:
    (record,) = store.articles()
    return record.id


def test_a_refused_plan_writes_no_capture(store: Store) -> None:
    store.sync_sources([spec()], T0)
    due = claim_one(store, T0)
    made = planned(store, due, T0, V1)
    stale = replace(made.write, due=replace(due, lease_token=due.lease_token + 7))
    assert store.apply(with_capture(stale, exchange(T0, BODY_1), "versions")).lease_lost
    assert store.captures(CaptureFilter()) == []
    assert store.capture_body(digest(BODY_1)) is None


def test_modes_off_and_every(store: Store) -> None:
    store.sync_sources([spec()], T0)
    check(store, claim_one(store, T0), T0, V1, BODY_1, mode="off")
    assert store.captures(CaptureFilter()) == []
    later = T0 + timedelta(hours=1)
    check(store, store.claim_due(later, 10, 60, force=True)[0], later, None, b"")
    assert store.captures(CaptureFilter()) == []  # a 304 has no body to keep
    later += timedelta(hours=1)
    check(store, store.claim_due(later, 10, 60, force=True)[0], later, None, b"", mode="every")
    (kept,) = store.captures(CaptureFilter())
    assert (kept.role, kept.version_n, kept.status, kept.body_size) == ("confirmed", 1, 304, 0)


def test_pruning_keeps_what_versions_point_to(store: Store) -> None:
    store.sync_sources([spec()], T0)
    times = [T0 + timedelta(days=d) for d in range(3)]
    check(store, claim_one(store, times[0]), times[0], V1, BODY_1)
    check(store, store.claim_due(times[1], 10, 60, force=True)[0], times[1], V1, BODY_1)
    check(store, store.claim_due(times[2], 10, 60, force=True)[0], times[2], V2, BODY_2)
    article_id = claim_article(store)

    pruned = store.prune_captures(CapturePrune(before=times[2]))
    assert (pruned.captures, pruned.bodies) == (1, 0)  # the confirmation; its body is shared
    assert [c.role for c in store.captures(CaptureFilter())] == ["made", "made"]
    assert read_version(store, article_id, 1) is not None

    everything = store.prune_captures(CapturePrune(before=times[1], roles=("made",)))
    assert (everything.captures, everything.bodies) == (1, 1)
    assert read_version(store, article_id, 1) is None
    assert store.capture_body(digest(BODY_1)) is None
    raw = read_version(store, article_id, 2)
    assert raw is not None and raw.body == BODY_2
    assert store.prune_captures(CapturePrune(source="other", roles=("made",))).captures == 0


def test_every_mode_keeps_a_page_that_made_no_version(store: Store) -> None:
    """A page the extractor could not read is kept in ``every`` mode (role ``fetch``, no
    version), and not in ``versions`` mode: it is what re-extraction needs most."""
    store.sync_sources([spec()], T0)
    modes: tuple[tuple[CaptureMode, datetime], ...] = (
        ("versions", T0),
        ("every", T0 + timedelta(hours=1)),
    )
    for mode, at in modes:
        due = store.claim_due(at, 10, 60, force=True)[0]
        got = ExtractFailed(at, exchange(at, BODY_1), "no article found in the page")
        state = store.check_state(due, now=at)
        made = plan(state, got, due, CheckPolicy(), at)
        assert made.write.version is None and made.write.seen_again is None
        assert store.apply(with_capture(made.write, got.fetched, mode)).written
    (kept,) = store.captures(CaptureFilter())
    assert (kept.role, kept.version_n, kept.body_size) == ("fetch", None, len(BODY_1))
    assert store.version_capture(kept.article_id, 1) is None


def test_a_rebuilt_generation_relinks_its_captures_and_keeps_the_old_links(
    store: Store,
) -> None:
    """Re-extraction renumbers versions: after it, each version of the new generation reads
    the capture that made it, and the replaced generation's links still resolve."""
    store.sync_sources([spec()], T0)
    times = [T0 + timedelta(hours=h) for h in range(3)]
    check(store, claim_one(store, times[0]), times[0], V1, BODY_1)
    check(store, store.claim_due(times[1], 10, 60, force=True)[0], times[1], V2, BODY_2)
    check(store, store.claim_due(times[2], 10, 60, force=True)[0], times[2], V2, BODY_2)
    article_id = claim_article(store)
    caps = store.captures(CaptureFilter(article_id=article_id))
    assert [(c.role, c.version_n) for c in caps] == [("made", 1), ("made", 2), ("confirmed", 2)]

    # read again: the second page was furniture; the history is one version, seen 3 times
    one = RebuiltVersion(version_write(1, V1.title, V1.paragraphs), times[0], times[2], 3)
    links = tuple(
        CaptureLink(c.fetch_id, "made" if i == 0 else "confirmed", 1) for i, c in enumerate(caps)
    )
    write = GenerationWrite(article_id, 1, T0 + timedelta(days=1), (one,), (), V1.title)
    assert store.apply_generation(replace(write, captures=links)).generation == 2

    now = store.captures(CaptureFilter(article_id=article_id))
    assert [(c.role, c.version_n) for c in now] == [("made", 1), ("confirmed", 1), ("confirmed", 1)]
    made = read_version(store, article_id, 1)
    assert made is not None and made.meta.id == caps[0].id and made.body == BODY_1
    assert store.version_capture(article_id, 2) is None
    assert store.version_capture(article_id, 1, generation=2) == now[0]
    for n, c, body in ((1, caps[0], BODY_1), (2, caps[1], BODY_2)):  # generation 1's links
        old = read_version(store, article_id, n, generation=1)
        assert old is not None and old.meta == c and old.body == body
    assert store.version_capture(article_id, 1, generation=7) is None

    # the page that made version 2 of generation 1 only confirms now: not pruned as such
    assert store.prune_captures(CapturePrune(before=times[2] + timedelta(hours=1))).captures == 1
    assert [c.id for c in store.captures(CaptureFilter())] == [caps[0].id, caps[1].id]
    kept = read_version(store, article_id, 2, generation=1)
    assert kept is not None and kept.meta.id == caps[1].id

    # a generation written without links leaves every capture linked to no version
    bare = GenerationWrite(article_id, 2, T0 + timedelta(days=2), (one,), (), V1.title)
    assert store.apply_generation(bare).generation == 3
    assert {c.role for c in store.captures(CaptureFilter())} == {"fetch"}
    again = read_version(store, article_id, 1, generation=2)
    assert again is not None and again.meta.id == caps[0].id


# a page of some size whose furniture changes on every request (a script nonce, an ad
# correlator), as real pages' does: its confirmations differ from it in a few bytes
_WORDS = ("council", "budget", "river", "storm", "school", "minister", "court", "vote")
_STORY = "".join(
    "<p>"
    + " ".join(_WORDS[(i * 7 + j * j) % len(_WORDS)] + str(i * j % 97) for j in range(12))
    + ".</p>"
    for i in range(60)
)


def noisy(nonce: str) -> bytes:
    return (
        f"<html><head><script nonce={nonce}>var a=1</script></head><body>{_STORY}"
        f'<div class=ad data-correlator="{nonce}7">Ad</div></body></html>'
    ).encode()


def body_row(store: Store, sha256: str) -> tuple[str | None, int]:
    stored = store.capture_body(sha256)
    assert stored is not None
    return stored.base, len(stored.frame)


def test_a_confirmation_is_stored_as_what_differs_from_the_page_that_made_its_version(
    store: Store,
) -> None:
    store.sync_sources([spec()], T0)
    times = [T0 + timedelta(days=d) for d in range(4)]
    pages = [noisy(n) for n in ("a1b2", "c3d4", "e5f6")]
    check(store, claim_one(store, times[0]), times[0], V1, pages[0])
    for at, page in zip(times[1:3], pages[1:], strict=True):
        check(store, store.claim_due(at, 10, 60, force=True)[0], at, V1, page)
    article_id = claim_article(store)
    made, *confirmed = store.captures(CaptureFilter(article_id=article_id))
    assert [c.role for c in confirmed] == ["confirmed", "confirmed"]
    assert body_row(store, made.body_sha256)[0] is None  # a plain frame: the base
    for capture in confirmed:
        base, stored = body_row(store, capture.body_sha256)
        assert base == made.body_sha256
        assert stored * 10 < body_row(store, made.body_sha256)[1]
        raw = read_capture(store, capture.id)
        assert raw is not None and raw.body == pages[confirmed.index(capture) + 1]
    (usage,) = store.capture_usage()
    assert usage.bodies == 3 and usage.raw_bytes == sum(map(len, pages))

    # the version's own capture pruned, its body stays while a confirmation needs it
    dropped = store.prune_captures(CapturePrune(before=times[1], roles=("made",)))
    assert (dropped.captures, dropped.bodies) == (1, 0)
    assert store.capture_body(made.body_sha256) is not None
    raw = read_capture(store, confirmed[0].id)
    assert raw is not None and raw.body == pages[1]
    # with the last frame that needs it, it goes too
    gone = store.prune_captures(CapturePrune(before=times[3]))
    assert (gone.captures, gone.bodies) == (2, 3)
    assert store.capture_body(made.body_sha256) is None


def test_a_plan_whose_base_is_gone_is_refused_and_writes_nothing(store: Store) -> None:
    """Pruning may take a base away between the check's read of it and its write: the plan
    is refused as a conflict (the checker reads and plans again), never written with a frame
    that could not be read back."""
    store.sync_sources([spec()], T0)
    check(store, claim_one(store, T0), T0, V1, noisy("a1"))
    later = T0 + timedelta(hours=1)
    due = store.claim_due(later, 10, 60, force=True)[0]
    made = planned(store, due, later, V1)
    ghost = noisy("zz")
    gone = StoredBody(digest(ghost), compress(ghost))
    applied = store.apply(with_capture(made.write, exchange(later, noisy("b2")), "versions", gone))
    assert applied.conflict and not applied.written
    assert len(store.captures(CaptureFilter())) == 1
    assert len(store.fetches(claim_article(store))) == 1


def read_check(
    store: Store,
    due: DueArticle,
    at: datetime,
    body: bytes,
    reading: str | None = None,
    reread: ReadingWrite | None = None,
) -> None:
    """A check of V1 whose extraction says how it was read (``reading``) or what reading the
    page again taught (``reread``), with its capture, applied as the checker does."""
    got = Extracted(at, exchange(at, body), V1, reading, reread)
    content, canonical = asks(got)
    state = store.check_state(due, content_hash=content, canonical_url=canonical, now=at)
    made = plan(state, got, due, CheckPolicy(), at)
    version = wants_base(made.write, got.fetched, "versions")
    base = None if version is None else store.version_body(due.article_id, version)
    assert store.apply(with_capture(made.write, got.fetched, "versions", base)).written


def test_a_version_keeps_how_it_was_read_with_the_page_that_made_it(store: Store) -> None:
    store.sync_sources([spec()], T0)
    times = [T0 + timedelta(hours=h) for h in range(4)]
    first = claim_one(store, times[0])
    article_id = first.article_id
    assert store.made_reading(article_id) is None
    read_check(store, first, times[0], noisy("a1"), reading="how: 1")
    made = store.made_reading(article_id)
    assert made is not None
    assert (made.version.n, made.version.title, made.reading) == (1, V1.title, "how: 1")
    assert made.version.paragraphs == V1.paragraphs and made.version.stamps == V1.stamps
    assert base_of(made.body) == noisy("a1")
    # what reading again taught is kept with the version it saw again, if it still holds
    # the text it was learned on; another text's is dropped
    due = store.claim_due(times[1], 10, 60, force=True)[0]
    stale = ReadingWrite(1, "not its hash", "how: never")
    read_check(store, due, times[1], noisy("b2"), reread=stale)
    made = store.made_reading(article_id)
    assert made is not None and made.reading == "how: 1"
    due = store.claim_due(times[2], 10, 60, force=True)[0]
    read_check(
        store, due, times[2], noisy("c3"), reread=ReadingWrite(1, made.version.hash, "how: 2")
    )
    made = store.made_reading(article_id)
    assert made is not None and made.reading == "how: 2" and made.version.seen_count == 3
    assert base_of(made.body) == noisy("a1")  # still the page that made it, not a later one


def test_a_version_read_with_no_reading_is_never_read_again(store: Store) -> None:
    store.sync_sources([spec()], T0)
    due = claim_one(store, T0)
    read_check(store, due, T0, noisy("a1"))
    assert store.made_reading(due.article_id) is None
