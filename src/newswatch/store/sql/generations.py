"""The swap of an article's current generation for a rebuilt one, for both backends.

Each backend takes its own locks, checks the guards, keeps the replaced rows and reads the
delivery links first (see its ``generations`` module); from there the statements are the
same: unlink the alerts, drop the current rows, write the rebuilt ones (``rebuild``, the
backend's), link the captures to them (keeping the replaced generation's links), give
each alert back to its change where that change was rebuilt unchanged (same uid), record
the new generation and bump the article's lease token, so a check planned against the
replaced reading is refused.
"""

from __future__ import annotations

from collections.abc import Callable

from newswatch.store.records import GenerationWrite
from newswatch.store.sql.dialect import Dialect, Executor, Row

#: the alert links of an article's current changes, read before the swap (``?``: the id)
DELIVERY_LINKS = (
    "SELECT d.id, c.uid FROM deliveries d JOIN changes c ON c.id = d.change_id"
    " WHERE c.article_id = ?"
)


def swap_current(
    tx: Executor,
    d: Dialect,
    write: GenerationWrite,
    links: list[Row],
    rebuild: Callable[[], None],
) -> int:
    """Replace the current rows by the rebuilt ones; the new generation's number."""
    article_id = write.article_id
    tx.execute(
        d.sql(
            "UPDATE deliveries SET change_id = NULL WHERE change_id IN"
            " (SELECT id FROM changes WHERE article_id = ?)"
        ),
        [article_id],
    )
    tx.execute(d.sql("DELETE FROM changes WHERE article_id = ?"), [article_id])
    tx.execute(d.sql("DELETE FROM versions WHERE article_id = ?"), [article_id])
    rebuild()
    relink_captures(tx, d, write)
    relink = d.sql(
        "UPDATE deliveries SET change_id ="
        " (SELECT id FROM changes WHERE uid = ? AND article_id = ?) WHERE id = ?"
    )
    for link in links:  # a change rebuilt as it was keeps its alerts
        tx.execute(relink, [link["uid"], article_id, link["id"]])
    made = write.replaces + 1
    tx.execute(
        d.sql(
            "INSERT INTO generations"
            " (article_id, generation, made_at, versions, changes, report_json)"
            " VALUES (?, ?, ?, ?, ?, ?)"
        ),
        [
            article_id,
            made,
            d.time(write.made_at),
            len(write.versions),
            len(write.changes),
            d.json_as_written(dict(write.report)),
        ],
    )
    tx.execute(
        d.sql(
            "UPDATE articles SET generation = ?, lease_token = lease_token + 1,"
            " title = coalesce(?, title) WHERE id = ?"
        ),
        [made, write.title, article_id],
    )
    return made


def relink_captures(tx: Executor, d: Dialect, write: GenerationWrite) -> None:
    """Keep the captures' links of the replaced generation, then link them to the new
    generation's versions (a capture it does not name made or confirmed none)."""
    article_id = write.article_id
    tx.execute(
        d.sql(
            "INSERT INTO past_capture_links (capture_id, article_id, generation, role, version_n)"
            " SELECT id, article_id, ?, role, version_n FROM captures WHERE article_id = ?"
            " ON CONFLICT (capture_id, generation) DO UPDATE"
            " SET role = excluded.role, version_n = excluded.version_n"
        ),
        [write.replaces, article_id],
    )
    tx.execute(
        d.sql("UPDATE captures SET role = 'fetch', version_n = NULL WHERE article_id = ?"),
        [article_id],
    )
    link_sql = d.sql(
        "UPDATE captures SET role = ?, version_n = ? WHERE fetch_id = ? AND article_id = ?"
    )
    for link in write.captures:
        tx.execute(link_sql, [link.role, link.version_n, link.fetch_id, article_id])
