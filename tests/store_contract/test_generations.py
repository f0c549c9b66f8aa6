"""Extraction generations, on every backend: a history recorded live is generation 1; a
rebuilt one becomes current in one transaction, the replaced one stays readable, alerts
already sent stay recorded, a check planned against the replaced reading is refused."""

from __future__ import annotations

from datetime import timedelta

from newswatch.judge.plan import Planned
from newswatch.normalize import content_hash
from newswatch.store import (
    ChangeWrite,
    GenerationWrite,
    RebuiltChange,
    RebuiltVersion,
    Store,
    VersionWrite,
)
from tests.store_contract.test_contract import T0, URL, V1, V2, claim_one, planned, record, spec

V2_CLEAN = V2.paragraphs[:2]


def version_write(n: int, title: str, paragraphs: list[str]) -> VersionWrite:
    return VersionWrite(
        n=n,
        hash=content_hash(title, paragraphs),
        title=title,
        paragraphs=tuple(paragraphs),
        published=T0,
        updated=None,
        stamps=(),
        language="ar",
        final_url=URL,
    )


def recorded_history(store: Store, channels: tuple[str, ...] = ()) -> tuple[int, Planned]:
    """V1 at T0, V2 an hour later (its change alerted on ``channels``)."""
    store.sync_sources([spec()], T0)
    record(store, claim_one(store, T0), T0, V1)
    at = T0 + timedelta(hours=1)
    made, _ = record(store, claim_one(store, at), at, V2, channels=channels)
    return made.write.due.article_id, made


def rebuilt_single(article_id: int, replaces: int = 1) -> GenerationWrite:
    """The history read again as one version (the second was page furniture)."""
    return GenerationWrite(
        article_id=article_id,
        replaces=replaces,
        made_at=T0 + timedelta(days=1),
        versions=(
            RebuiltVersion(
                version_write(1, V1.title, V1.paragraphs),
                T0,
                T0 + timedelta(hours=1),
                2,
            ),
        ),
        changes=(),
        title=V1.title,
        report={"versions_before": 2, "versions_after": 1},
    )


def test_a_live_history_is_generation_one(store: Store) -> None:
    article_id, _ = recorded_history(store)
    (gen,) = store.generations(article_id)
    assert (gen.n, gen.current, gen.versions, gen.changes) == (1, True, 2, 1)
    assert gen.made_at == T0 and dict(gen.report) == {}
    assert store.generation_versions(article_id, 1) == store.versions(article_id)
    assert store.generation_changes(article_id, 1) == store.changes(article_id)
    assert store.generations(9999) == []
    assert store.generation_versions(article_id, 2) == []


def test_a_rebuilt_history_becomes_current_and_the_old_stays_readable(store: Store) -> None:
    article_id, _ = recorded_history(store)
    old_versions, old_changes = store.versions(article_id), store.changes(article_id)
    applied = store.apply_generation(rebuilt_single(article_id))
    assert applied.written and applied.generation == 2

    (v1,) = store.versions(article_id)
    assert (v1.n, v1.title, v1.seen_count) == (1, V1.title, 2)
    assert (v1.first_seen_at, v1.last_seen_at) == (T0, T0 + timedelta(hours=1))
    assert store.changes(article_id) == [] and store.changes() == []
    found = store.find_article(URL)
    assert found is not None and found.versions == 1 and found.title == V1.title
    latest = store.latest_version(article_id)
    assert latest is not None and latest.n == 1

    first, second = store.generations(article_id)
    assert (first.n, first.current, first.versions, first.changes) == (1, False, 2, 1)
    assert (second.n, second.current, second.versions, second.changes) == (2, True, 1, 0)
    assert second.made_at == T0 + timedelta(days=1)
    assert dict(second.report) == {"versions_before": 2, "versions_after": 1}
    past = store.generation_versions(article_id, 1)
    assert [(v.n, v.hash, v.paragraphs, v.seen_count) for v in past] == [
        (v.n, v.hash, v.paragraphs, v.seen_count) for v in old_versions
    ]
    (past_change,) = store.generation_changes(article_id, 1)
    assert (past_change.uid, past_change.from_n, past_change.to_n) == (
        old_changes[0].uid,
        1,
        2,
    )
    assert past_change.record == old_changes[0].record and past_change.at == old_changes[0].at
    assert store.generation_versions(article_id, 2) == store.versions(article_id)

    # the replaced generation is not the current one any more: a second rebuild of it loses
    assert store.apply_generation(rebuilt_single(article_id)).refused == "moved"
    assert store.apply_generation(rebuilt_single(9999)).refused == "gone"
    third = store.apply_generation(rebuilt_single(article_id, replaces=2))
    assert third.generation == 3
    assert [g.n for g in store.generations(article_id)] == [1, 2, 3]
    assert len(store.generation_versions(article_id, 2)) == 1


def test_search_reads_the_current_generation(store: Store) -> None:
    article_id, _ = recorded_history(store)
    assert [h.article_id for h in store.search("قال وزير الدفاع")] == [article_id]
    store.apply_generation(rebuilt_single(article_id))
    assert store.search("قال وزير الدفاع") == []
    assert [h.article_id for h in store.search("يلتقي عشرات")] == [article_id]


def test_queued_alerts_hold_the_rebuild_and_sent_ones_stay_recorded(store: Store) -> None:
    article_id, made = recorded_history(store, channels=("log", "webhook"))
    assert made.write.change is not None
    log, webhook = store.due_deliveries(T0 + timedelta(hours=1), 10)
    assert store.apply_generation(rebuilt_single(article_id)).refused == "queued"
    assert len(store.versions(article_id)) == 2  # nothing written
    store.mark_delivered(log.id, T0 + timedelta(hours=1))
    assert store.apply_generation(rebuilt_single(article_id)).refused == "queued"
    store.mark_retry(webhook.id, "HTTP 500", T0 + timedelta(hours=2), give_up=True)

    same = made.write.change  # rebuilt as it was: the same uid, so it keeps its alerts
    rebuilt = GenerationWrite(
        article_id=article_id,
        replaces=1,
        made_at=T0 + timedelta(days=1),
        versions=(
            RebuiltVersion(version_write(1, V1.title, V1.paragraphs), T0, T0, 1),
            RebuiltVersion(
                version_write(2, V2.title, V2.paragraphs), T0 + timedelta(hours=1), T0, 1
            ),
        ),
        changes=(RebuiltChange(ChangeWrite(same.uid, 1, 2, same.change), T0 + timedelta(hours=1)),),
        title=V2.title,
    )
    assert store.apply_generation(rebuilt).written
    (kept,) = store.changes(article_id)
    assert kept.uid == same.uid
    context = store.delivery_context(log.id)
    assert context is not None and context[1].id == kept.id
    (state,) = store.source_states(T0 + timedelta(days=1))
    assert (state.changes, state.pending_deliveries, state.failed_deliveries) == (1, 0, 1)

    # the next rebuild drops that change: its settled alerts stay, unlinked
    assert store.apply_generation(rebuilt_single(article_id, replaces=2)).written
    assert store.changes(article_id) == []
    assert store.delivery_context(log.id) is None
    (state,) = store.source_states(T0 + timedelta(days=1))
    assert state.failed_deliveries == 1


def test_a_check_planned_against_the_replaced_reading_is_refused(store: Store) -> None:
    article_id, _ = recorded_history(store)
    at = T0 + timedelta(hours=2)
    due = claim_one(store, at)
    in_flight = planned(store, due, at, V2)
    assert store.apply_generation(rebuilt_single(article_id)).written
    assert store.apply(in_flight.write).lease_lost
    assert len(store.versions(article_id)) == 1
    # once the lease is over, the article is checked against the new generation
    again = claim_one(store, at + timedelta(hours=1))
    made, applied = record(store, again, at + timedelta(hours=1), V2)
    assert applied.written and made.version_n == 2
    assert [v.n for v in store.versions(article_id)] == [1, 2]
    assert store.generation_versions(article_id, 2) == store.versions(article_id)
