"""Running checks: one engine for the daemon and for one pass (burst mode).

:mod:`.engine` is the loop (claim, check on worker threads, give leases back on stop),
:mod:`.daemon` and :mod:`.passes` are its two uses, :mod:`.signals` and :mod:`.progress`
what an operator sees of it.
"""

from newswatch.run.daemon import daemon_engine, run_daemon
from newswatch.run.engine import Engine, EngineSettings, RunTotals, Scope
from newswatch.run.passes import PassReport, check_now, run_due, terminal

__all__ = [
    "Engine",
    "EngineSettings",
    "PassReport",
    "RunTotals",
    "Scope",
    "check_now",
    "daemon_engine",
    "run_daemon",
    "run_due",
    "terminal",
]
