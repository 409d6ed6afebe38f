"""`db backup` on PostgreSQL: run pg_dump when it is installed, else print the exact command to run.

The password never reaches the command line (where `ps` shows it) or the output: pg_dump gets the URL without
it and reads it from PGPASSWORD.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from bot.dbtools.targets import redacted


@dataclass(frozen=True, slots=True)
class BackupResult:
    ok: bool
    message: str


def find_pg_dump() -> str | None:
    """pg_dump on PATH, else the newest one of Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which("pg_dump")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), key=lambda p: int(Path(p).parts[-3]))
    return candidates[-1] if candidates else None


def split_password(url: str) -> tuple[str, str | None]:
    """(the URL without its password, the password or None)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}@{host}" if parts.username else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), unquote(parts.password)


def pg_dump_command(pg_dump: str, url: str, path: Path) -> list[str]:
    """The pg_dump call: custom format (restore with pg_restore), to `path`, for the password-free `url`."""
    # pg_dump wants postgresql:// (Heroku writes postgres://, which libpq accepts too, but be plain).
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return [pg_dump, "--format=custom", "--no-owner", f"--file={path}", f"--dbname={url}"]


def backup_postgres(url: str, path: Path, *, pg_dump: str | None = None) -> BackupResult:
    """Dump the database at `url` to `path` with pg_dump, or say how to when pg_dump is not installed."""
    bare, password = split_password(url)
    pg_dump = pg_dump or find_pg_dump()
    if pg_dump is None:
        shown = shlex.join(pg_dump_command("pg_dump", redacted(url), path))
        hint = " (put the password in PGPASSWORD or ~/.pgpass)" if password is not None else ""
        return BackupResult(False, "pg_dump is not installed (Debian: apt-get install postgresql-client). "
                                   f"Back up with: {shown}{hint}")
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    path.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(pg_dump_command(pg_dump, bare, path), env=env, capture_output=True, text=True)
    if done.returncode != 0:
        error = (done.stderr.strip().splitlines() or ["no message"])[-1]
        if password:
            error = error.replace(password, "***")
        return BackupResult(False, f"pg_dump failed for {redacted(url)}: {error}")
    os.chmod(path, 0o600)  # it holds who practised what, like the database
    return BackupResult(True, f"backed up {redacted(url)} to {path} (pg_dump custom format; restore with "
                              f"pg_restore --dbname=URL {path})")
