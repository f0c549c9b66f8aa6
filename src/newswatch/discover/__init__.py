"""Discovery: the article links of feed, sitemap and index sources.

One module per kind (:mod:`.feed`, :mod:`.sitemap`, :mod:`.index`), each returning frozen
:class:`Discovered` records with canonical URLs, registered by kind in :mod:`.kinds`;
:class:`DiscoveryRunner` hands them to the store (follow the new ones, pull re-checks forward
on a newer publisher date), asking for each document conditionally
(:class:`ConditionalFetcher`) so an unchanged one is a 304.
"""

from newswatch.discover.base import (
    ConditionalFetcher,
    Discovered,
    DocumentFetcher,
    parse_w3c_date,
    validators_of,
)
from newswatch.discover.feed import parse_feed
from newswatch.discover.index import discover_index, index_links
from newswatch.discover.kinds import DISCOVERY_KINDS, SourceRead, choose
from newswatch.discover.runner import (
    DiscoveryReport,
    DiscoveryRunner,
    discover,
    read_source,
    settings_key,
)
from newswatch.discover.sitemap import (
    Sitemap,
    SitemapRead,
    discover_sitemap,
    parse_sitemap,
    read_sitemaps,
)

__all__ = [
    "DISCOVERY_KINDS",
    "ConditionalFetcher",
    "Discovered",
    "DiscoveryReport",
    "DiscoveryRunner",
    "DocumentFetcher",
    "Sitemap",
    "SitemapRead",
    "SourceRead",
    "choose",
    "discover",
    "discover_index",
    "discover_sitemap",
    "index_links",
    "parse_feed",
    "parse_sitemap",
    "parse_w3c_date",
    "read_sitemaps",
    "read_source",
    "settings_key",
    "validators_of",
]
