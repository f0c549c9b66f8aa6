"""The extractor: one page's HTML to an :class:`~newswatch.models.Article`.

Only this package speaks to the HTML parser (selectolax/lexbor); the rest of newswatch sees
frozen records.
"""

from newswatch.extract.extractor import extract, parse
from newswatch.extract.rules import ExtractRules, validate_selector

__all__ = ["ExtractRules", "extract", "parse", "validate_selector"]
