"""A real PostgreSQL server for the tests: initialised in a temporary directory, listening on a free port of
127.0.0.1 (and a unix socket in that directory), trusting local connections, with fsync off for speed.

`PgServer.start_new()` finds the server binaries (on PATH, or the newest /usr/lib/postgresql/*/bin), runs
them as an unprivileged user when the tests run as root (initdb refuses root: the system user
`paydesk-pg`, created if missing, else `nobody`), and returns a started server, or raises `Unavailable`
saying why. `create_database()` gives a fresh database (from template0) and its URL.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

SERVER_USER = "paydesk-pg"
ROLE = "paydesk"
GUARDED_ROLE, GUARDED_PASSWORD = "paydesk_guarded", "right-horse-battery"  # the one role with a password
SETTINGS = {"listen_addresses": "127.0.0.1", "max_connections": "100", "shared_buffers": "32MB"}
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
"""What a test server gives up for speed (a benchmark asks for a `durable` server instead)."""


class Unavailable(Exception):
    """No PostgreSQL server can be started here (the reason is the message)."""


def find_bin_dir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None."""
    on_path = shutil.which("initdb")
    if on_path is not None:
        return Path(on_path).parent
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    if not found:
        return None
    return max(found, key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)] or [0])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _server_user() -> str | None:
    """The user to run the server as: None when the tests do not run as root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
        return SERVER_USER
    except KeyError:
        pass
    created = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
        capture_output=True,
        check=False,
    )
    if created.returncode == 0 or created.returncode == 9:  # 9: created meanwhile by another worker
        return SERVER_USER
    return "nobody"


class PgServer:
    """A PostgreSQL cluster in `directory`, run by `user` (None: the current user)."""

    def __init__(self, bin_dir: Path, directory: Path, user: str | None, *, durable: bool = False) -> None:
        self.settings = SETTINGS if durable else {**SETTINGS, **FAST_SETTINGS}
        self.bin_dir = bin_dir
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "server.log"
        self.user = user
        self.port = _free_port()
        self._databases = 0

    @classmethod
    def start_new(cls, *, durable: bool = False) -> PgServer:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise Unavailable("no PostgreSQL server binaries (initdb on PATH or /usr/lib/postgresql/*/bin)")
        user = _server_user()
        directory = Path(tempfile.mkdtemp(prefix="paydesk-pg-"))
        if user is not None:
            shutil.chown(directory, user)
        server = cls(bin_dir, directory, user, durable=durable)
        try:
            server._run(
                "initdb", "-D", str(server.data), "-U", ROLE, "--auth=trust", "--encoding=UTF8",
                "--no-locale", "--no-sync", "--no-instructions",
            )  # fmt: skip
            hba = server.data / "pg_hba.conf"  # first match wins: the guarded role must give its password
            rule = f"host all {GUARDED_ROLE} 127.0.0.1/32 scram-sha-256\n"
            hba.write_text(rule + hba.read_text())
            server.start()
            with server.admin() as conn:
                conn.execute(f"CREATE ROLE {GUARDED_ROLE} LOGIN PASSWORD '{GUARDED_PASSWORD}'")
        except Unavailable:
            server.remove()
            raise
        return server

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=self.directory)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines() or [f"exit status {done.returncode}"]
            raise Unavailable(f"{program} failed: {lines[-1]}")

    def start(self) -> None:
        options = " ".join(f"-c {name}={value}" for name, value in self.settings.items())
        options += f" -c port={self.port} -c unix_socket_directories={self.directory}"
        try:
            self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start"
            )  # fmt: skip
        except Unavailable as err:
            tail = self.log.read_text(errors="replace").strip().splitlines()[-1:] if self.log.exists() else []
            raise Unavailable(f"{err}{': ' + tail[0] if tail else ''}") from None

    def stop(self) -> None:
        """Stop the server (fast: connections are closed, as when a server goes away)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """The server stopped for the block, started again after it."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def remove(self) -> None:
        """Stop the server if it runs and delete its directory."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Unavailable):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, database: str = "postgres", *, user: str = ROLE, password: str | None = None) -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{user}{secret}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url(), autocommit=True)

    def create_database(self) -> str:
        """A new empty database; its URL."""
        self._databases += 1
        name = f"test_{os.getpid()}_{self._databases}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
