"""Bytes to text for HTML pages: BOM, HTTP header, ``<meta charset>``, then detection.

Arabic news sites still serve windows-1256 and Russian ones windows-1251, sometimes with a
wrong or missing header. The order follows the HTML standard's encoding sniffing: a byte
order mark wins, then the transport's ``charset=``, then a declaration in the first bytes,
then strict UTF-8, then statistical detection (charset-normalizer), then windows-1252.

A UTF-8 declaration is believed despite a few bytes it cannot decode (a stray byte pasted
from elsewhere, a truncated character): those become U+FFFD and the rest of the page keeps
its text, rather than the whole page being read in another codec and turned into mojibake
(a bogus change of every paragraph). It is overruled only when its errors are not few
against the characters beyond ASCII it does decode (:func:`mostly_utf8`): text in another
encoding forms valid multi-byte UTF-8 sequences only by accident (under one per two errors
even for EUC-KR, none for windows-1256). Other declared codecs get no such leniency: a
UTF-8 page labelled windows-1252 fails on only a few bytes, and strict UTF-8 is right.

charset-normalizer is imported on the first page that needs detection, not with this module:
most pages declare their charset or are UTF-8, and its import was a twentieth of a
``check``'s start-up.
"""

from __future__ import annotations

import codecs
import re

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]{0,100}encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# labels the WHATWG Encoding standard maps to a different codec than Python's name does
_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "iso-8859-9": "windows-1254",
    "tis-620": "windows-874",
    "x-user-defined": "windows-1252",
}
SNIFF_BYTES = 4096
# declared UTF-8 stands when it decodes at least this many non-ASCII characters per error
_GOOD_PER_ERROR = 2


def _codec(label: str | None) -> str | None:
    """A Python codec name for an encoding label, or None when the label is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # a page cannot really be UTF-16 if it declares it in ASCII-compatible bytes
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return "utf-8"
    return name


def header_charset(content_type: str | None) -> str | None:
    """The codec named by a Content-Type header's ``charset=``, if any and known."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return _codec(match.group(1)) if match else None


def declared_charset(content: bytes) -> str | None:
    """The codec declared in the first bytes of the document (meta or XML prolog)."""
    head = content[:SNIFF_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return _codec(match.group(1).decode("ascii", "ignore")) if match else None


def decode_html(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page; returns ``(text, codec name)``. Never raises on bad bytes."""
    for bom, name in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(name, errors="replace"), name
    for declared in (header_charset(content_type), declared_charset(content)):
        if declared:
            try:
                return content.decode(declared), declared
            except UnicodeDecodeError:
                if declared == "utf-8":
                    text = content.decode(declared, errors="replace")
                    if mostly_utf8(content, text):
                        return text, declared
                # a declaration that lies: keep going rather than replace half the page
                continue
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(content[:200_000]).best()
    if best is not None and best.encoding:
        name = _codec(best.encoding) or "windows-1252"
        return content.decode(name, errors="replace"), name
    return content.decode("windows-1252", errors="replace"), "windows-1252"


def mostly_utf8(content: bytes, text: str) -> bool:
    """Whether ``text`` (``content`` decoded as UTF-8, errors replaced) is UTF-8 but for a
    few bad bytes: its non-ASCII characters outnumber the errors ``_GOOD_PER_ERROR`` to
    one. A page with no non-ASCII text to vouch for UTF-8 fails: its odd bytes are better
    explained by detection (a windows-1252 page with curly quotes)."""
    replaced = text.count("\ufffd") - content.count(b"\xef\xbf\xbd")  # minus real U+FFFD
    if replaced <= 0:
        return True
    beyond_ascii = len(text) - len(text.encode("ascii", "ignore")) - replaced
    return beyond_ascii >= _GOOD_PER_ERROR * replaced


def _declares_no_other(content: bytes) -> bool:
    """No byte order mark and no charset but UTF-8 declared in the page's head."""
    return not content.startswith(codecs.BOM_UTF8) and declared_charset(content) in (None, "utf-8")


def plain_utf8(content: bytes) -> str | None:
    """The text of a page in plain UTF-8 (no BOM, no other charset declared, every byte
    valid), which is what :func:`decode_html` gives for it; None for any other page."""
    if not _declares_no_other(content):
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def is_plain_utf8(content: bytes, text: str) -> bool:
    """Whether ``text`` (what :func:`decode_html` gave as UTF-8) is :func:`plain_utf8` of
    ``content``, so a parser may take the bytes as they are. Two counts and a look at the
    page's head instead of a second decode: a lenient decode replaced some bytes with
    U+FFFD only if it holds more of them than the bytes spell. A text with no U+FFFD at all
    had none replaced, and the bytes are not counted: that search (a 3-byte needle) took
    50 µs on a 75 kB page, a twentieth of its fetch, where the text's takes none."""
    if not _declares_no_other(content):
        return False
    return "\ufffd" not in text or text.count("\ufffd") == content.count(b"\xef\xbf\xbd")
