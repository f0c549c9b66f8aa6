"""Whether a response is the kind of document asked for: by its header, then by sniffing.

Pages that are not HTML (or XML for feeds) are refused before their body is downloaded when
the header says so, and sniffed when it says nothing useful; binary data mislabelled as text
is caught too. Pure functions over the media type and the bytes.
"""

from __future__ import annotations

from newswatch.fetch.settings import Expect

ACCEPT = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    "xml": (
        "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5"
    ),
    "any": "*/*",
}
NOT_WANTED = {"html": "not an HTML page", "xml": "not an XML document", "any": ""}
_SNIFF = 1024

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_XML_TYPES = frozenset({"application/xml", "text/xml"})
_UNTYPED = frozenset({"", "application/octet-stream", "binary/octet-stream", "unknown/unknown"})
_HTML_MARKERS = (b"<html", b"<!doctype html", b"<head", b"<body")
_XML_MARKERS = (b"<?xml", b"<rss", b"<feed", b"<urlset", b"<sitemapindex", b"<rdf:rdf")


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_xml_type(media: str) -> bool:
    return media in _XML_TYPES or media.endswith("+xml")


def _sniff(content: bytes, markers: tuple[bytes, ...]) -> bool:
    head = content[:_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and any(marker in head for marker in markers)


def may_accept(media: str, expect: Expect) -> bool:
    """Whether the header alone leaves a chance; refuse images etc. before downloading."""
    if expect == "any" or media in _UNTYPED:
        return True
    if expect == "html":
        return media in _HTML_TYPES
    # feeds and sitemaps are often served as text/html or text/plain: sniff those
    return _is_xml_type(media) or media.startswith("text/")


def accepts(media: str, content: bytes, expect: Expect) -> bool:
    if expect == "any":
        return True
    if expect == "html":
        return media in _HTML_TYPES or _sniff(content, _HTML_MARKERS)
    return _is_xml_type(media) or _sniff(content, _XML_MARKERS)


# bytes no text encoding newswatch decodes puts in a page (tab, LF, FF, CR, ESC are fine)
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32)])


def looks_binary(content: bytes) -> bool:
    """Whether a body said to be HTML/XML is really binary (an image, an archive, noise).

    Text in any ASCII-compatible encoding has next to no C0 control bytes (a stray one
    happens); random or compressed data has about one in ten. UTF-16, announced by its BOM,
    is the one text form full of NULs.
    """
    head = content[:8192]
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > len(head) * 0.02


def is_textual(media: str, content: bytes) -> bool:
    if media in _HTML_TYPES or _is_xml_type(media) or media.startswith("text/"):
        return True
    if media in ("application/json", "application/javascript") or media.endswith("+json"):
        return True
    return media in _UNTYPED and (_sniff(content, _HTML_MARKERS) or _sniff(content, _XML_MARKERS))
