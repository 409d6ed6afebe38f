"""A real PostgreSQL server for the tests.

`BOT_TEST_POSTGRES_URL` (a superuser URL; .ci/run sets it) names a running server. Otherwise, when initdb and
pg_ctl are found (PATH or /usr/lib/postgresql/*/bin), a throwaway cluster is created in a temporary folder and
started on a free loopback port for the test session (as the `postgres` user when we run as root: initdb
refuses root), and stopped at the end. With neither, PostgreSQL tests skip with the reason — except under
CI=true, where a missing server is a failure.

Each test gets its own database, created from a migrated template (CREATE DATABASE ... TEMPLATE is a file
copy, a few milliseconds).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import glob
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store.postgres_backend import to_dollar, upgrade_postgres

TEMPLATE = "bot_test_template"
_names = itertools.count(1)


class PostgresUnavailable(RuntimeError):
    """No server configured and no binaries to start one."""


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def find_bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """A PostgreSQL server: its superuser URL; for a cluster we started, also restart() and stop()."""

    def __init__(self, url: str, *, bin_dir: Path | None = None, data_dir: Path | None = None,
                 run_as: str | None = None, root: Path | None = None) -> None:
        self.url = url
        self.bin_dir = bin_dir
        self.data_dir = data_dir
        self.run_as = run_as
        self.root = root
        self.template_ready = False
        self._admin_conn: asyncpg.Connection | None = None
        self._free: list[str] = []
        self.signature: tuple[Any, ...] | None = None

    @property
    def local(self) -> bool:
        """Whether we started this cluster (and may restart it)."""
        return self.data_dir is not None

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 5432)

    def _cmd(self, *args: str) -> list[str]:
        assert self.bin_dir is not None
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        return ["runuser", "-u", self.run_as, "--", *cmd] if self.run_as else cmd

    def pg_ctl(self, *args: str, timeout: float = 60) -> None:
        assert self.data_dir is not None and self.root is not None
        # Output to a file, not a pipe: the server pg_ctl starts inherits it and would hold a pipe open.
        with open(self.root / "pg_ctl.out", "ab") as out:
            subprocess.run(self._cmd("pg_ctl", "-D", str(self.data_dir), *args), check=True, stdout=out,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout)

    @classmethod
    def start_local(cls, bin_dir: Path) -> PgServer:
        root = Path(tempfile.mkdtemp(prefix="bot-pg-"))
        run_as = "postgres" if os.geteuid() == 0 else None
        password = secrets.token_hex(8)
        pwfile = root / "pw"
        pwfile.write_text(password)
        data = root / "data"
        sockets = root / "sock"
        sockets.mkdir()
        if run_as:
            shutil.chown(root, run_as)
            shutil.chown(pwfile, run_as)
            shutil.chown(sockets, run_as)
        port = free_port()
        server = cls(f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres", bin_dir=bin_dir,
                     data_dir=data, run_as=run_as, root=root)
        subprocess.run(server._cmd("initdb", "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
                                   "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                                   "--no-sync", "--locale=C"),
                       check=True, capture_output=True, timeout=120)
        options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
                   "-c shared_buffers=64MB")
        server.pg_ctl("-o", options, "-l", str(root / "server.log"), "-w", "start")
        return server

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every connection is cut, the server comes back on the same port."""
        assert self.root is not None
        self.pg_ctl("-m", "fast", "-l", str(self.root / "server.log"), "-w", "restart")

    def stop(self) -> None:
        if self.local:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self.pg_ctl("-m", "immediate", "-w", "stop")
            if self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)

    # --- databases --------------------------------------------------------------------------------

    async def _admin(self, *statements: str) -> None:
        """Statements on one long-lived superuser connection (reconnected after a restart)."""
        for attempt in range(2):
            try:
                if self._admin_conn is None or self._admin_conn.is_closed():
                    self._admin_conn = await asyncpg.connect(self.url, timeout=10)
                for sql in statements:
                    await self._admin_conn.execute(sql)
                return
            except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):
                self._admin_conn = None
                if attempt:
                    raise

    def ensure_template(self) -> None:
        if self.template_ready:
            return
        run_sync(self._admin(f"DROP DATABASE IF EXISTS {TEMPLATE}", f"CREATE DATABASE {TEMPLATE}"))
        run_sync(upgrade_postgres(with_database(self.url, TEMPLATE)))
        self.template_ready = True

    def create_database(self, *, migrated: bool = True) -> str:
        """A database of its own for one test (migrated from the template, or empty) and its URL.

        A migrated database handed back by `release_database` is emptied and reused: a few milliseconds instead
        of CREATE DATABASE's checkpoint.
        """
        if migrated and self._free:
            return self._free.pop()
        name = f"bot_test_{os.getpid()}_{next(_names)}"
        if migrated:
            self.ensure_template()
            run_sync(self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY"))
        else:
            run_sync(self._admin(f"CREATE DATABASE {name}"))
        return with_database(self.url, name)

    def release_database(self, url: str) -> None:
        """Empty a migrated database for the next test when its schema is as migrated; else drop it."""
        try:
            clean = run_sync(_empty_if_pristine(url, self))
        except Exception:
            clean = False
        if clean:
            self._free.append(url)
        else:
            self.drop_database(url)

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        with contextlib.suppress(Exception):
            run_sync(self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


_SIGNATURE = (
    "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public'), (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND a.attnum > 0), "
    "(SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal), (SELECT count(*) FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'), "
    "(SELECT count(*) FROM pg_constraint), (SELECT max(version) FROM schema_version)"
)


async def _empty_if_pristine(url: str, server: PgServer) -> bool:
    """Delete every row and restart the sequences, if nobody is connected and the schema is the template's."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        others = await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND pid <> pg_backend_pid()")
        signature = tuple(await conn.fetchrow(_SIGNATURE))
        if server.signature is None:
            server.signature = signature
        if others or signature != server.signature:
            return False
        async with conn.transaction():
            tables = [r[0] for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_version' "
                "ORDER BY tablename <> 'grades', tablename")]  # grades first: it references posts
            for table in tables:
                await conn.execute(f'DELETE FROM "{table}"')
            for (seq,) in await conn.fetch("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"):
                await conn.execute(f'ALTER SEQUENCE "{seq}" RESTART')
        return True
    finally:
        await conn.close()


_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def run_sync(coro: Any) -> Any:
    """Run a coroutine on a private loop in another thread (callable from inside a test's own loop)."""
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="pg-test-loop", daemon=True).start()
    return asyncio.run_coroutine_threadsafe(coro, _loop).result()


async def _query(url: str, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return [tuple(r) for r in await conn.fetch(to_dollar(sql), *params)]
    finally:
        await conn.close()


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a query (written with `?`) on a PostgreSQL database, as tuples."""
    return run_sync(_query(url, sql, params))  # type: ignore[no-any-return]


def execute(url: str, *statements: str) -> None:
    async def go() -> None:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    run_sync(go())


_server: PgServer | None = None
_reason: str | None = None


def server() -> PgServer:
    """The session's server (started on first use); PostgresUnavailable with the reason when there is none."""
    global _server, _reason
    if _server is not None:
        return _server
    if _reason is not None:
        raise PostgresUnavailable(_reason)
    url = os.environ.get("BOT_TEST_POSTGRES_URL", "").strip()
    if url:
        _server = PgServer(url)
        return _server
    bin_dir = find_bin_dir()
    if bin_dir is None:
        _reason = ("no PostgreSQL: set BOT_TEST_POSTGRES_URL or install the server binaries (initdb, pg_ctl; "
                   "Debian: apt-get install postgresql)")
        raise PostgresUnavailable(_reason)
    try:
        _server = PgServer.start_local(bin_dir)
        atexit.register(_server.stop)
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        _reason = f"could not start a throwaway PostgreSQL from {bin_dir}: {exc} {detail.decode(errors='replace')}"
        raise PostgresUnavailable(_reason) from None
    return _server


def stop() -> None:
    if _server is not None:
        _server.stop()


@contextlib.contextmanager
def database(*, migrated: bool = True) -> Iterator[str]:
    """A fresh database for one test; dropped afterwards."""
    srv = server()
    url = srv.create_database(migrated=migrated)
    try:
        yield url
    finally:
        if migrated:
            srv.release_database(url)
        else:
            srv.drop_database(url)
