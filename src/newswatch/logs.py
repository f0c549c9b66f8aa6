"""Log output: readable lines for a terminal, or one JSON object per line for collectors.

``--log-format json`` suits journald, Docker's log drivers, Loki or Elasticsearch: every
record carries its time (ISO 8601 UTC), level, logger and message, plus the exception when
there is one, with no multi-line text to reassemble.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

LogFormat = Literal["text", "json"]

# An alert is news the user asked for, not a problem: its own level, between INFO and
# WARNING, so ``-q`` (warnings and alerts only) still shows it and nobody reads it as a fault.
ALERT = 25
logging.addLevelName(ALERT, "ALERT")

# attributes every LogRecord has; anything else was passed with ``extra=`` and is kept
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value if isinstance(value, str | int | float | bool) else str(value)
        return json.dumps(data, ensure_ascii=False)


def setup_logging(verbose: int, quiet: bool, fmt: LogFormat = "text") -> None:
    """Configure the root logger for the process (the CLI calls this once)."""
    level = ALERT if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%Y-%m-%dT%H:%M:%S"
            )
        )
    # like basicConfig everywhere: a no-op when the host (a test runner) configured logging
    logging.basicConfig(level=level, handlers=[handler])
    # the alert log channel must always be heard
    logging.getLogger("newswatch.alerts").setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
