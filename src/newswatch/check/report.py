"""What one check did (:class:`CheckReport`), for summaries, logs and the one-shot CLI."""

from __future__ import annotations

from dataclasses import dataclass

from newswatch.judge.outcome import Outcome


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What one check did, for summaries and logs."""

    source: str
    url: str
    outcome: Outcome
    version: int | None = None
    change_id: int | None = None
    summary: str | None = None
    error: str | None = None

    def line(self) -> str:
        detail = self.summary or self.error or ""
        version = f" v{self.version}" if self.version else ""
        return f"{self.outcome:<13} {self.source}{version} {self.url}" + (
            f" - {detail}" if detail else ""
        )
