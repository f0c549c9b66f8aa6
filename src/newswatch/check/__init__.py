"""Checking articles: :class:`Checker` fetches, extracts, compares and records each one.

Split by concept: :mod:`.report` (what a check did), :mod:`.decisions` (pure rules: outcome,
canonical URL, backoff, schedule), :mod:`.recording` (one store transaction per check) and
:mod:`.checker` (the orchestration). The public names are re-exported here.
"""

from newswatch.check.checker import Checker, PageFetcher
from newswatch.check.decisions import MAX_BACKOFF_SECONDS, refined_canonical, retry_delay
from newswatch.check.report import CheckReport, Outcome

__all__ = [
    "MAX_BACKOFF_SECONDS",
    "CheckReport",
    "Checker",
    "Outcome",
    "PageFetcher",
    "refined_canonical",
    "retry_delay",
]
