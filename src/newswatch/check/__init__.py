"""Checking articles: :class:`Checker` fetches, extracts, compares and records each one.

A check is gather -> plan -> apply: :mod:`.checker` gathers (fetch, extraction, one state
read) and applies; the plan and every rule in it are pure, in :mod:`newswatch.judge`;
:mod:`.report` is what a check did. The public names are re-exported here.
"""

from newswatch.check.checker import Checker, PageFetcher
from newswatch.check.report import CheckReport
from newswatch.judge.decisions import MAX_BACKOFF_SECONDS, refined_canonical, retry_delay
from newswatch.judge.outcome import Outcome

__all__ = [
    "MAX_BACKOFF_SECONDS",
    "CheckReport",
    "Checker",
    "Outcome",
    "PageFetcher",
    "refined_canonical",
    "retry_delay",
]
