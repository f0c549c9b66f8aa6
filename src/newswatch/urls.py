"""URL canonicalisation: one spelling per article, so that two sources naming it agree.

A feed links ``https://Site.org:443/a/1.html?utm_source=rss#top``, the sitemap lists
``https://site.org/a/1.html``: both are the same article and must be watched once. The
rules are deliberately conservative (a query parameter that might select content is kept;
a trailing slash is never added or removed, since servers treat those differently):

* scheme and host lower case, default ports (80/443) and user info dropped;
* ``.``/``..`` path segments resolved, non-ASCII characters and spaces percent-encoded,
  percent escapes upper case;
* the fragment dropped, tracking parameters dropped (``utm_*`` and a list of well-known
  click ids), the remaining query parameters sorted;
* a relative link resolved against the page it was found on.

Pure functions only; :func:`is_section_url` supports the "moved to the home page" test,
:func:`split_credentials` and :func:`redact_credentials` keep a password in a configured
URL out of requests it was not meant for and out of everything stored or shown.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "TRACKING_PARAMS",
    "canonicalize",
    "is_section_url",
    "is_tracking_param",
    "redact_credentials",
    "split_credentials",
]

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ocid",
        "ncid",
        "cmpid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_enc_id",
        "oly_anon_id",
        "vero_id",
        "at_medium",
        "at_campaign",
        "xtor",
        "ref_src",
        "ref_url",
        "smid",
        "__twitter_impression",
    }
)
"""Query parameters that say how a reader arrived, never which page they get."""

_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/:@!$'()*,;-._~"
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, for absolute paths given as is (urljoin only does relatives)."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/".join(out) or "/"


def _quote(part: str, safe: str) -> str:
    quoted = quote(part, safe=safe)
    return _ESCAPE.sub(lambda m: m.group(0).upper(), quoted)


def canonicalize(url: str, base: str | None = None) -> str | None:
    """The canonical spelling of ``url`` (resolved against ``base``), or None if it is not
    an http(s) URL with a host (``mailto:``, ``javascript:``, a bare fragment, garbage)."""
    text = url.strip()
    if not text or text.startswith("#"):
        return None
    if base:
        try:
            text = urljoin(base, text)
        except ValueError:
            return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # a malformed IPv6 host or port
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _quote(_remove_dot_segments(parts.path or "/"), _PATH_SAFE)
    pairs = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(key)
    ]
    pairs.sort()
    query = urlencode(pairs, quote_via=lambda s, *_a: _quote(str(s), _QUERY_SAFE))
    return urlunsplit((scheme, netloc, path, query, ""))


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


_INDEX_PAGES = frozenset({"index.html", "index.htm", "index.php", "default.aspx", "home"})


def is_section_url(article_url: str, final_url: str) -> bool:
    """Whether ``final_url`` looks like a home or section page relative to the article.

    True for the site root (also ``/index.html``, ``/en/``), and for a proper prefix of the
    article's path (``/news/world/2024/story`` -> ``/news/world/``); a one-segment path
    that names no document (no digits, dots or dashes) counts as a section when the article
    sat deeper. The caller still checks that the page no longer holds the article.
    """
    old = _segments(urlsplit(article_url).path)
    new = _segments(urlsplit(final_url).path)
    if new and new[-1].lower() in _INDEX_PAGES:
        new = new[:-1]
    if not new:
        return True
    if len(new) < len(old) and old[: len(new)] == new:
        return True
    if len(new) == 1 and len(old) >= 2:
        word = new[0]
        return not re.search(r"[\d.\-]", word)
    return False


REDACTED = "***"


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``(url without user info, user, password)``; user and password None when absent.

    Only the authority's ``user:password@`` is taken out (percent escapes undone); the rest
    of the URL is left exactly as written.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None, None
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, has_password, password = userinfo.partition(":")
    bare = urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return bare, unquote(user), unquote(password) if has_password else None


def redact_credentials(url: str) -> str:
    """``url`` with its password shown as ``***`` (a lone user name, often a token, too):
    safe to store, log and show, and still saying that credentials are configured."""
    bare, user, password = split_credentials(url)
    if user is None:
        return url
    parts = urlsplit(bare)
    shown = f"{quote(user, safe='')}:{REDACTED}" if password is not None else REDACTED
    netloc = f"{shown}@{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
