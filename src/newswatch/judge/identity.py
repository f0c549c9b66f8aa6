"""Stable ids: the same check of the same content always gets the same id, so a repeat (a
retried transaction, a second process) is recognised rather than written or alerted twice."""

from __future__ import annotations

import hashlib
from datetime import datetime

from newswatch.models import iso


def change_uid(url: str, from_hash: str, to_hash: str, to_n: int, generation: int = 1) -> str:
    """The stable id of a change (webhook ``id``, delivery keys): same inputs, same id.

    ``generation`` is the article's extraction generation when the change is seen: a
    re-extraction may number versions anew, so a later live change could have the inputs
    of one alerted in an earlier generation; with the generation in it, its id (and its
    outbox key, which would otherwise hold it back as already queued) is new. Generation 1
    leaves the id as it always was."""
    salt = f"\n{generation}" if generation != 1 else ""
    digest = hashlib.sha256(f"{url}\n{from_hash}\n{to_hash}\n{to_n}{salt}".encode())
    return digest.hexdigest()[:32]


def event_uid(source_id: int, kind: str, article_id: int, at: datetime) -> str:
    """The stable id of a source or article event raised by one check."""
    digest = hashlib.sha256(f"{source_id}\n{kind}\n{article_id}\n{iso(at)}".encode())
    return digest.hexdigest()[:32]


def delivery_key(uid: str, channel: str) -> str:
    """The outbox key (and ``Idempotency-Key``) of one change or event on one channel."""
    return f"{uid}:{channel}"
