"""Bytes to text for HTML pages: BOM, HTTP header, ``<meta charset>``, then detection.

Arabic news sites still serve windows-1256 and Russian ones windows-1251, sometimes with a
wrong or missing header. The order follows the HTML standard's encoding sniffing: a byte
order mark wins, then the transport's ``charset=``, then a declaration in the first bytes,
then strict UTF-8, then statistical detection (charset-normalizer), then windows-1252.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

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
                # a declaration that lies: keep going rather than replace half the page
                continue
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(content[:200_000]).best()
    if best is not None and best.encoding:
        name = _codec(best.encoding) or "windows-1252"
        return content.decode(name, errors="replace"), name
    return content.decode("windows-1252", errors="replace"), "windows-1252"
