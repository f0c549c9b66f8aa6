"""Discovery: the article links of feed, sitemap and index sources.

One module per kind (:mod:`.feed`, :mod:`.sitemap`, :mod:`.index`), each returning frozen
:class:`Discovered` records with canonical URLs; :class:`DiscoveryRunner` hands them to the
store (follow the new ones, pull re-checks forward on a newer publisher date).
"""

from newswatch.discover.base import Discovered, DocumentFetcher, parse_w3c_date
from newswatch.discover.feed import parse_feed
from newswatch.discover.index import discover_index
from newswatch.discover.runner import DiscoveryReport, DiscoveryRunner, choose, discover
from newswatch.discover.sitemap import Sitemap, discover_sitemap, parse_sitemap

__all__ = [
    "Discovered",
    "DiscoveryReport",
    "DiscoveryRunner",
    "DocumentFetcher",
    "Sitemap",
    "choose",
    "discover",
    "discover_index",
    "discover_sitemap",
    "parse_feed",
    "parse_sitemap",
    "parse_w3c_date",
]
