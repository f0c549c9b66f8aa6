"""The run loop's store calls, against every backend: giving leases back on a clean stop,
making a forced pass's articles due, counting a pass, and a pass's ``due_by``."""

from __future__ import annotations

from datetime import timedelta

from newswatch.store import Store
from tests.store_contract.test_contract import T0, V1, record, spec


def test_given_back_leases_are_claimable_at_once_and_a_late_result_is_refused(
    store: Store,
) -> None:
    store.sync_sources([spec("a", "https://a.example/1"), spec("b", "https://b.example/1")], T0)
    held = store.claim_due(T0, 10, lease_seconds=300)
    assert len(held) == 2
    assert store.claim_due(T0 + timedelta(seconds=1), 10, 300) == []  # leased for 5 minutes
    _, recorded = record(store, held[0], T0 + timedelta(seconds=1), V1)
    assert not recorded.lease_lost
    # only the claim never recorded is given back; the recorded one is left alone
    assert store.release_leases(held) == 1
    (again,) = store.claim_due(T0 + timedelta(seconds=2), 10, 300)
    assert again.article_id == held[1].article_id
    assert again.lease_token == held[1].lease_token + 1
    # the abandoned check finishing late finds its lease gone: nothing is written
    _, late = record(store, held[1], T0 + timedelta(seconds=3), V1)
    assert late.lease_lost and store.versions(held[1].article_id) == []
    assert store.release_leases([held[1]]) == 0  # another checker holds it now
    assert store.release_leases([]) == 0


def test_make_due_count_due_and_a_pass_that_takes_what_was_due_when_it_began(
    store: Store,
) -> None:
    store.sync_sources([spec("a", "https://a.example/1", interval=600)], T0)
    store.add_articles("a", [f"https://a.example/{n}" for n in range(2, 6)], T0)
    assert store.count_due(T0) == 5
    assert store.count_due(T0, sources=["nope"]) == 0
    for due in store.claim_due(T0, 10, 60):  # failed checks: next due at T0 + 10 minutes
        record(store, due, T0, error="refused")
    assert store.count_due(T0 + timedelta(minutes=1)) == 0
    # a forced pass over two URLs: exactly those are due now, the others wait
    later = T0 + timedelta(minutes=1)
    urls = ["https://a.example/2", "https://a.example/3/"]
    assert store.make_due(later, urls=urls) == 2
    assert store.count_due(later) == 2
    claimed = store.claim_due(later, 10, 60)
    assert sorted(d.url for d in claimed) == ["https://a.example/2", "https://a.example/3"]
    assert store.make_due(later, sources=["nope"]) == 0
    # a pass begun at T0 + 1 min does not take what falls due after it began
    store.make_due(later, sources=["a"])
    assert store.claim_due(T0 + timedelta(minutes=20), 10, 60, due_by=T0) == []
    assert len(store.claim_due(T0 + timedelta(minutes=20), 10, 60, due_by=later)) == 5


def test_due_articles_are_claimed_in_the_order_they_fell_due(store: Store) -> None:
    store.sync_sources([spec("a", "https://a.example/1", interval=600)], T0)
    store.add_articles("a", [f"https://a.example/{n}" for n in range(2, 6)], T0)
    claimed = sorted(store.claim_due(T0, 10, 60), key=lambda d: d.article_id)
    # checked newest first, one second apart: the last article falls due first
    for late, due in enumerate(reversed(claimed)):
        record(store, due, T0 + timedelta(seconds=late), error="refused")
    later = T0 + timedelta(days=1)
    order = [d.article_id for d in store.claim_due(later, 2, 60)]
    order += [d.article_id for d in store.claim_due(later, 10, 60)]
    assert order == [d.article_id for d in reversed(claimed)]
