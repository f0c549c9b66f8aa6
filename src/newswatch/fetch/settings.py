"""What every request is bounded by and identifies itself as; shared by all fetches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from newswatch import __version__

Expect = Literal["html", "xml", "any"]

DEFAULT_USER_AGENT = (
    f"newswatch/{__version__} (+https://github.com/newswatch/newswatch; news revision monitor)"
)
# encodings this package inflates itself (see body.decode_body); advertise nothing else
ACCEPT_ENCODING = "gzip, deflate"


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """Bounds and identity of every request; one instance is shared by all fetches."""

    timeout: float = 20.0  # deadline for a whole fetch (all hops and the body), seconds
    connect_timeout: float = 10.0
    max_bytes: int = 10 * 1024 * 1024  # cap on the decompressed body
    max_redirects: int = 10
    user_agent: str = DEFAULT_USER_AGENT
    # "*": no preference, so a site serves the language variant the URL itself names, and
    # always the same one (a negotiated variant flipping between fetches would be a fake change)
    accept_language: str = "*"
