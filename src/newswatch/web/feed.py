"""Atom feeds of changes (RFC 4287), built with the standard library's ElementTree.

ElementTree escapes every text and attribute, and :func:`xml_text` drops the characters XML 1.0
cannot carry at all (control characters, lone surrogates, U+FFFE/U+FFFF, which escaping
cannot save), so a page's title can never break the XML.
Entry ids are ``urn:newswatch:change:<uid>``, the change's stable id (the webhook ``id``):
the same change keeps the same id across restarts and rebuilt feeds, so readers do not
show it twice. ``updated`` is when the change was detected, never "now", for the same
reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from newswatch.models import iso
from newswatch.store import StoredChange
from newswatch.web.pages import safe_href

ATOM = "http://www.w3.org/2005/Atom"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

ET.register_namespace("", ATOM)

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (escaped or not)."""
    return _NOT_XML.sub("", text)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        node.text = xml_text(text)
    return node


def atom_feed(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    html_url: str,
    changes: Sequence[StoredChange],
    diff_url: Callable[[StoredChange], str],
    content: Callable[[StoredChange], str],
) -> bytes:
    """The feed as UTF-8 XML: one entry per change, newest first.

    ``diff_url`` gives an entry's link (the diff page), ``content`` its HTML body (already
    escaped HTML: Atom carries it as ``type="html"`` text).
    """
    feed = ET.Element(f"{{{ATOM}}}feed")
    _el(feed, "id", feed_id)
    _el(feed, "title", title)
    newest = max((c.at for c in changes), default=_EPOCH)
    _el(feed, "updated", iso(newest))
    _el(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _el(feed, "link", rel="alternate", type="text/html", href=html_url)
    _el(feed, "generator", "newswatch")
    for change in changes:
        entry = _el(feed, "entry")
        _el(entry, "id", f"urn:newswatch:change:{change.uid}")
        headline = change.title or change.url
        _el(entry, "title", f"{headline} (v{change.from_n}→v{change.to_n}: {change.summary})")
        _el(entry, "updated", iso(change.at))
        _el(entry, "published", iso(change.at))
        author = _el(entry, "author")
        _el(author, "name", change.source)
        _el(entry, "link", rel="alternate", type="text/html", href=diff_url(change))
        if safe_href(change.url):
            _el(entry, "link", rel="related", href=change.url)
        _el(entry, "category", term=change.severity)
        if change.silent:
            _el(entry, "category", term="silent")
        _el(entry, "summary", change.summary)
        _el(entry, "content", content(change), type="html")
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))
