"""What one check came to, as its report shows it."""

from __future__ import annotations

from typing import Literal

Outcome = Literal[
    "first_version",
    "new_version",
    "unchanged",
    "not_modified",
    "error",
    "quarantined",
    "abandoned",
    "removed",
    "restored",
    "merged",
]
