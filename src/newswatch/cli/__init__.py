"""The ``newswatch`` command line: one thin module per command group, assembled here.

Each module defines its commands without knowing the group; this package names them to
:data:`main`, which imports a command's module only when that command is run (or listed by
``--help``), so no module imports another at its bottom and there is no cycle.
"""

from __future__ import annotations

from newswatch.heap import long_lived

with long_lived():  # the modules every command needs: they live as long as the process
    from newswatch.cli.app import main

main.defer(
    {
        "run": "newswatch.cli.run:run",
        "check": "newswatch.cli.run:check",
        "health": "newswatch.cli.health:health",
        "extract": "newswatch.cli.extract:extract",
        "history": "newswatch.cli.history:history",
        "diff": "newswatch.cli.history:diff",
        "show": "newswatch.cli.history:show",
        "sources": "newswatch.cli.sources:sources",
        "forget-volatile": "newswatch.cli.sources:forget_volatile",
        "alerts": "newswatch.cli.alerts:alerts",
        "export": "newswatch.cli.export:export",
        "migrate": "newswatch.cli.migrate:migrate",
        "reextract": "newswatch.cli.reextract:reextract",
        "serve": "newswatch.cli.serve:serve",
        "demo": "newswatch.cli.demo:demo",
    }
)

__all__ = ["main"]
