"""A sample alert for ``newswatch alerts test RULE``: checks a rule's set-up end to end.

The sample is a real change, classified by the real diff: an Arabic live story whose update
rewrote the headline, put a paragraph on top and corrected one word, so a test shows how
right-to-left text, the stamp and the word summary look in the user's own tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from newswatch.alerts.channels import Channel, DeliveryFailed
from newswatch.alerts.message import Alert
from newswatch.errors import NewswatchError
from newswatch.judge.diff import compare
from newswatch.models import Article, Stamp
from newswatch.store import StoredChange

SAMPLE_URL = "https://www.alhurra.com/a/carter-coalition-isis/312345.html"
_OLD = Article(
    url=SAMPLE_URL,
    title="وزراء دفاع وخارجية التحالف الدولي ضد داعش يجتمعون قرب واشنطن",
    paragraphs=[
        "يجتمع وزراء دفاع وخارجية دول التحالف الدولي ضد داعش قرب واشنطن.",
        "وقال آشتون إن الحملة تحقق تقدما على الأرض.",
    ],
)
_NEW = Article(
    url=SAMPLE_URL,
    title="كارتر: شركاؤنا لديهم ما يحتاجون لهزيمة داعش",
    paragraphs=[
        "قال وزير الدفاع الأميركي آشتون كارتر إن شركاء التحالف لديهم ما يحتاجون لهزيمة داعش.",
        "يجتمع وزراء دفاع وخارجية دول التحالف الدولي ضد داعش قرب واشنطن.",
        "وقال كارتر إن الحملة تحقق تقدما على الأرض.",
    ],
    updated=datetime(2016, 7, 20, 18, 17, tzinfo=UTC),
    stamps=[Stamp("updated", "تحديث 18:17 تغ", datetime(2016, 7, 20, 18, 17, tzinfo=UTC), "text")],
)


def sample_change(source: str, now: datetime) -> StoredChange:
    """A stored change as the dispatcher would read it, for ``source``, seen ``now``."""
    change = compare(_OLD, _NEW)
    assert change is not None  # the two sample versions differ by construction
    return StoredChange(
        id=0,
        uid=f"test-{now:%Y%m%dT%H%M%S%f}",
        article_id=0,
        source=source,
        url=SAMPLE_URL,
        title=_NEW.title,
        from_n=1,
        to_n=2,
        at=now,
        title_changed=change.title_changed,
        paragraphs_added=change.paragraphs_added,
        paragraphs_removed=change.paragraphs_removed,
        paragraphs_modified=change.paragraphs_modified,
        new_updated_stamp=change.new_updated_stamp,
        silent=change.silent,
        severity=change.severity,
        summary=change.summary(),
        record=change.record(),
        diff=change.diff_dict(),
    )


@dataclass(frozen=True, slots=True)
class TestOutcome:
    channel: str
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def send_test(
    channels: dict[str, Channel], names: tuple[str, ...], source: str, now: datetime
) -> list[TestOutcome]:
    """Send the sample through each named channel now (not through the outbox)."""
    change = sample_change(source, now)
    alert = Alert("change", change.uid, source, change=change)
    outcomes = []
    for name in names:
        try:
            channels[name].send(alert, f"{change.uid}:{name}")
        except (DeliveryFailed, NewswatchError) as exc:
            outcomes.append(TestOutcome(name, str(exc)))
        else:
            outcomes.append(TestOutcome(name, None))
    return outcomes
