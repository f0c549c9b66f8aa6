"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary folder.

One cluster per test session (``tests/conftest.py`` starts it lazily, the first time a test
asks for it), a fresh database per test. The server listens on 127.0.0.1 on a port the OS
chose and keeps its socket in the temporary folder, so it never meets a server someone
started by hand. ``initdb`` refuses to run as root (CI runs as root): then every server
command runs as the unprivileged ``postgres`` user Debian's package creates, through
``runuser``. Durability is switched off (``fsync``), as nothing here outlives the session.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from glob import glob
from pathlib import Path

import psycopg

#: generous: the CI machine is shared and often loaded
START_TIMEOUT_S = 180
STOP_TIMEOUT_S = 60
_TOOLS = ("initdb", "pg_ctl", "postgres")


class ClusterUnavailable(RuntimeError):
    """PostgreSQL is not installed here, or the cluster could not start (the reason)."""


def _version_key(bindir: str) -> tuple[int, ...]:
    found = re.search(r"/postgresql/([\d.]+)/", bindir + "/")
    return tuple(int(p) for p in found.group(1).split(".")) if found else (0,)


def candidate_bindirs() -> list[str]:
    """Where PostgreSQL's server programs may be: Debian's versioned folders (newest
    first), then whatever ``initdb`` is on the PATH."""
    dirs = sorted(glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        dirs.append(str(Path(on_path).resolve().parent))
    return list(dict.fromkeys(dirs))


def find_bindir() -> tuple[str, str]:
    """A folder whose initdb, pg_ctl and postgres all run (and say their version)."""
    tried: list[str] = []
    for bindir in candidate_bindirs():
        tools = [Path(bindir) / tool for tool in _TOOLS]
        if not all(os.access(tool, os.X_OK) for tool in tools):
            tried.append(f"{bindir}: missing {' or '.join(_TOOLS)}")
            continue
        versions = []
        for tool in tools:
            try:
                out = subprocess.run(
                    [str(tool), "--version"], capture_output=True, text=True, timeout=60
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                tried.append(f"{tool}: {exc}")
                break
            if out.returncode != 0:
                tried.append(f"{tool} --version: exit {out.returncode} {out.stderr.strip()}")
                break
            versions.append(out.stdout.split()[-1])
        else:
            if len({v.split(".")[0] for v in versions}) == 1:
                return bindir, versions[0]
            tried.append(f"{bindir}: mixed versions {versions}")
    raise ClusterUnavailable(
        "no working PostgreSQL server programs (initdb, pg_ctl, postgres) found; "
        "install Debian's 'postgresql' package. Tried: " + ("; ".join(tried) or "nothing")
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged user to run the server as when we are root (None: run as we are)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        pass
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "nwpgtest"],
        check=False,
        capture_output=True,
    )
    try:
        return pwd.getpwnam("nwpgtest")
    except KeyError as exc:
        raise ClusterUnavailable(
            "running as root, and there is no 'postgres' user to run the server as "
            "(nor could one be created)"
        ) from exc


@dataclass
class PgCluster:
    """A running cluster; :meth:`url` names a database on it, :meth:`create_database` makes one."""

    bindir: str
    version: str
    base: Path
    port: int
    user: pwd.struct_passwd | None
    superuser: str = "nw"

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        command = [str(Path(self.bindir) / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user.pw_name, "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.base, check=False
        )

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def init(self) -> None:
        problems = []
        # C.UTF-8 where the C library has it, else plain C (search folds in Python anyway)
        for locale in ("--locale=C.UTF-8", "--no-locale"):
            shutil.rmtree(self.data, ignore_errors=True)
            done = self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                self.superuser,
                "--auth=trust",
                "--encoding=UTF8",
                locale,
                "--no-sync",
                timeout=START_TIMEOUT_S,
            )
            if done.returncode == 0:
                break
            problems.append(f"initdb {locale}: {done.stdout}{done.stderr}")
        else:
            raise ClusterUnavailable("initdb failed: " + "\n".join(problems))
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.base}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "32MB",
            "log_min_messages": "warning",
            "log_statement": "none",
        }
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# newswatch test cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        """Start and wait until the server accepts connections (``pg_ctl -w``)."""
        done = self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            str(START_TIMEOUT_S),
            "start",
            timeout=START_TIMEOUT_S + 30,
        )
        if done.returncode != 0:
            raise ClusterUnavailable(
                f"pg_ctl start failed: {done.stdout}{done.stderr}\n{self._log_tail()}"
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:  # -w waited for the postmaster; make sure TCP answers too
            try:
                with psycopg.connect(self.url(), connect_timeout=10):
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ClusterUnavailable(f"server does not answer: {exc}") from exc
                time.sleep(0.2)

    def stop(self, mode: str = "fast") -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-m",
            mode,
            "-w",
            "-t",
            str(STOP_TIMEOUT_S),
            "stop",
            timeout=STOP_TIMEOUT_S + 30,
        )

    def restart(self) -> None:
        """Stop (fast: connections are cut) and start again on the same port."""
        self.stop()
        self.start()

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=30) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=30) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def watch(self) -> None:
        """Stop and remove the cluster even if this process dies without cleaning up (a
        killed or timed-out test run): a small watcher polls for us, then does it."""
        stop = [str(Path(self.bindir) / "pg_ctl"), "-D", str(self.data), "-m", "immediate"]
        if self.user is not None:
            stop = ["runuser", "-u", self.user.pw_name, "--", *stop]
        self._watcher = subprocess.Popen(
            [sys.executable, "-c", _WATCHER, str(os.getpid()), str(self.base), *stop, "stop"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def destroy(self) -> None:
        watcher = getattr(self, "_watcher", None)
        if watcher is not None:
            watcher.kill()
            watcher.wait(30)
        with contextlib.suppress(Exception):
            self.stop()
        if self._running():
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    def _running(self) -> bool:
        with contextlib.suppress(Exception):
            return self._run("pg_ctl", "-D", str(self.data), "status", timeout=30).returncode == 0
        return False


_WATCHER = """
import os, shutil, subprocess, sys, time
parent, base, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
while True:
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    time.sleep(1)
subprocess.run(stop, capture_output=True, timeout=120)
shutil.rmtree(base, ignore_errors=True)
"""


def start_cluster(attempts: int = 3) -> PgCluster:
    """Make and start a cluster in a new temporary folder (a few tries, each on a fresh
    port: another program may take the one the OS offered before the server binds it)."""
    bindir, version = find_bindir()
    user = _server_user()
    problems: list[str] = []
    for _ in range(attempts):
        # /tmp, which the server user can reach (a private TMPDIR of root may not be)
        base = Path(tempfile.mkdtemp(prefix="newswatch-pg-", dir="/tmp" if user else None))
        if user is not None:
            os.chown(base, user.pw_uid, user.pw_gid)
        cluster = PgCluster(bindir, version, base, free_port(), user)
        try:
            cluster.init()
            cluster.watch()
            cluster.start()
            return cluster
        except (ClusterUnavailable, subprocess.TimeoutExpired) as exc:
            problems.append(str(exc))
            cluster.destroy()
    raise ClusterUnavailable("the test cluster did not start:\n" + "\n".join(problems))
