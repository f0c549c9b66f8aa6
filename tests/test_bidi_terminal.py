"""``--bidi auto``: which order right-to-left text is printed in, detected from the terminal.

A terminal without the bidi algorithm shows logical-order Arabic backwards; one with it
scrambles pre-ordered (visual) text. What can be known from the environment decides.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from newswatch.textdir import terminal_order
from tests.conftest import PageServer
from tests.history_db import build_alhurra

ORDERS: list[tuple[str, dict[str, str], bool, str]] = [
    ("a pipe or a file", {"TERM": "xterm-256color"}, False, "logical"),
    ("an unknown terminal", {"TERM": "xterm-256color"}, True, "visual"),
    ("inside tmux", {"TERM": "tmux-256color", "TERM_PROGRAM": "tmux"}, True, "visual"),
    ("GNOME Terminal (VTE 0.76)", {"VTE_VERSION": "7600"}, True, "logical"),
    ("an old VTE without bidi", {"VTE_VERSION": "5202"}, True, "visual"),
    ("Konsole", {"KONSOLE_VERSION": "230804"}, True, "logical"),
    ("mlterm", {"MLTERM": "3.9.3"}, True, "logical"),
    ("mintty", {"TERM_PROGRAM": "mintty"}, True, "logical"),
    ("macOS Terminal", {"TERM_PROGRAM": "Apple_Terminal"}, True, "logical"),
    ("told visual, in a pipe", {"NEWSWATCH_BIDI": "visual"}, False, "visual"),
    ("told logical, in xterm", {"NEWSWATCH_BIDI": "logical"}, True, "logical"),
    ("told nonsense", {"NEWSWATCH_BIDI": "sideways"}, True, "visual"),
]


@pytest.mark.parametrize(
    ("environ", "is_tty", "order"), [c[1:] for c in ORDERS], ids=[c[0] for c in ORDERS]
)
def test_terminal_order(environ: dict[str, str], is_tty: bool, order: str) -> None:
    chosen, why = terminal_order(environ, is_tty)
    assert chosen == order
    assert why


def diff_in_a_terminal(config: Path, url: str, extra: dict[str, str]) -> str:
    """``newswatch diff URL`` typed in a terminal (a pseudo-terminal), its screen output."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VTE_VERSION", "KONSOLE_VERSION", "MLTERM", "TERM_PROGRAM", "NEWSWATCH_BIDI")
    }
    env.update({"TERM": "xterm", "COLUMNS": "100", **extra})
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "newswatch", "diff", url, "--config", str(config), "--no-color"],
            stdout=follower,
            stderr=subprocess.PIPE,
            env=env,
            check=False,
            timeout=60,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the other side is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode == 0, done.stderr
    return b"".join(chunks).decode("utf-8")


def test_diff_in_a_terminal_without_bidi_prints_visual_order(
    tmp_path: Path, site: PageServer
) -> None:
    config = build_alhurra(tmp_path, site)
    plain = diff_in_a_terminal(config, site.url, {})
    aware = diff_in_a_terminal(config, site.url, {"VTE_VERSION": "7600"})
    word = "كارتر"  # visual order stores each right-to-left word reversed
    assert word[::-1] in plain and "\u2067" not in plain
    assert word in aware and "\u2067" in aware  # logical order, in directional isolates
