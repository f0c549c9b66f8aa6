"""Start-up stays lean: the extractor's modules (some 300 regular expressions to compile)
load when a page is extracted, not when a command or a check pass starts."""

from __future__ import annotations

import subprocess
import sys


def test_the_command_line_and_the_check_path_do_not_load_the_extractor() -> None:
    code = (
        "import sys\n"
        "import newswatch.cli.app, newswatch.runtime, newswatch.run, newswatch.check\n"
        "import newswatch.discover\n"
        "from newswatch.extract import ExtractRules, validate_selector\n"
        "loaded = sorted(m for m in sys.modules if m in {\n"
        "    'newswatch.extract.extractor', 'newswatch.extract.dates',\n"
        "    'newswatch.extract.furniture', 'newswatch.extract.body'})\n"
        "print(','.join(loaded))\n"
        "from newswatch.extract import extract\n"
        "print(extract('<h1>T</h1><p>' + 'Words of a story. ' * 20 + '</p>',"
        " 'https://example.com/a', 'UTC').title)\n"
        "print(len([m for m in sys.modules if m in {\n"
        "    'newswatch.extract.extractor', 'newswatch.extract.dates',\n"
        "    'newswatch.extract.furniture', 'newswatch.extract.body'}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    before, title, after = done.stdout.splitlines()
    assert before == ""
    assert title == "T"  # the names still load on first use
    assert after == "4"  # and the modules looked for are the ones extracting loads
