"""The extractor: one page's HTML to an :class:`~newswatch.models.Article`.

Only this package speaks to the HTML parser (selectolax/lexbor); the rest of newswatch sees
frozen records.
"""

from newswatch.extract.extractor import Read, extract, parse, read_page
from newswatch.extract.pagedates import extract_dates
from newswatch.extract.rules import ExtractRules, validate_selector
from newswatch.extract.stamps import StampReading

__all__ = [
    "ExtractRules",
    "Read",
    "StampReading",
    "extract",
    "extract_dates",
    "parse",
    "read_page",
    "validate_selector",
]
