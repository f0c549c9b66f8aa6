"""Write docs/datasette-metadata.json from docs/schema.md (``--check``: only compare).

Datasette shows a table's and a column's description from a metadata file; generating it
from the schema page keeps one text to maintain:

    datasette newswatch.db --metadata docs/datasette-metadata.json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
SCHEMA = DOCS / "schema.md"
METADATA = DOCS / "datasette-metadata.json"


def _plain(text: str) -> str:
    return re.sub(r"`([^`]*)`", r"\1", text).strip()


def tables(markdown: str) -> dict[str, dict[str, Any]]:
    """Each ``### `table` `` section: its first paragraph and its column table."""
    found: dict[str, dict[str, Any]] = {}
    sections = re.split(r"^### `([a-z_]+)`\n", markdown, flags=re.M)
    for name, body in zip(sections[1::2], sections[2::2], strict=True):
        body = body.split("\n## ", 1)[0]
        description = _plain(" ".join(body.strip().split("\n\n", 1)[0].splitlines()))
        columns = {
            match.group(1): _plain(match.group(2))
            for match in re.finditer(r"^\| `([a-z_0-9]+)` \| (.*) \|$", body, flags=re.M)
        }
        found[name] = {"description": description, "columns": columns}
    return found


def metadata(markdown: str) -> dict[str, Any]:
    return {
        "title": "newswatch",
        "description": "Every revision of the watched news articles (see docs/schema.md).",
        "databases": {"newswatch": {"tables": tables(markdown)}},
    }


def main(argv: list[str]) -> int:
    text = json.dumps(metadata(SCHEMA.read_text(encoding="utf-8")), ensure_ascii=False, indent=2)
    if "--check" in argv:
        if METADATA.read_text(encoding="utf-8") != text + "\n":
            print(f"{METADATA.name} is out of date: run python docs/datasette_metadata.py")
            return 1
        return 0
    METADATA.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
