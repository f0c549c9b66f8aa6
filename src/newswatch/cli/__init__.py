"""The ``newswatch`` command line: one thin module per command group, assembled here.

Each module defines its commands without knowing the group; this package adds them to
:data:`main`, so no module imports another at its bottom and there is no cycle.
"""

from __future__ import annotations

from newswatch.cli import (
    alerts,
    demo,
    export,
    extract,
    health,
    history,
    migrate,
    reextract,
    run,
    serve,
    sources,
)
from newswatch.cli.app import main

for _command in (
    run.run,
    run.check,
    health.health,
    extract.extract,
    history.history,
    history.diff,
    history.show,
    sources.sources,
    sources.forget_volatile,
    alerts.alerts,
    export.export,
    migrate.migrate,
    reextract.reextract,
    serve.serve,
    demo.demo,
):
    main.add_command(_command)

__all__ = ["main"]
