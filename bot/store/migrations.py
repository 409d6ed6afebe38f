"""Numbered SQL migrations, applied in order in one transaction; the version lives in PRAGMA user_version."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.resources import migrations_dir

# `0008_answers.sql` serves both engines; `0008_answers.sqlite.sql` + `0008_answers.postgres.sql` is a pair
# where the SQL differs, so the difference sits side by side in the folder.
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+(?:\.(sqlite|postgres))?\.sql$")
ENGINES = ("sqlite", "postgres")


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer version of the bot than this one."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(folder: Path | None = None, engine: str = "sqlite") -> list[Migration]:
    """Read `NNNN_name.sql` (both engines) or `NNNN_name.<engine>.sql` files; versions run 1, 2, 3... without gaps."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}")
    folder = folder or migrations_dir()
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file {path.name!r} must be named NNNN_name.sql or NNNN_name.ENGINE.sql")
        if match.group(2) not in (None, engine):
            continue
        found.append(Migration(int(match.group(1)), path.name.split(".")[0], path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise ValueError(f"migration {migration.name} should be numbered {expected:04d} (for {engine}: a "
                             "shared file and an engine file with the same number, or a gap)")
    return found


def pending(current: int, migrations: list[Migration]) -> list[Migration]:
    """Migrations still to apply; refuses a database newer than the code."""
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise SchemaTooNewError(
            f"the database is at schema version {current}, but this version of the bot only knows up to "
            f"{latest}. Upgrade the bot (or point BOT_DATABASE at another file); the database was not changed."
        )
    return [m for m in migrations if m.version > current]


def upgrade_sync(conn: sqlite3.Connection, migrations: list[Migration] | None = None) -> tuple[int, int]:
    """Apply pending migrations in a single transaction. Returns (version before, version after)."""
    migrations = load_migrations() if migrations is None else migrations
    before = conn.execute("PRAGMA user_version").fetchone()[0]
    todo = pending(before, migrations)
    if not todo:
        return before, before
    script = "BEGIN IMMEDIATE;\n"
    for m in todo:
        script += f"{m.sql}\n;PRAGMA user_version = {m.version};\n"
    script += "COMMIT;"
    try:
        conn.executescript(script)
    except sqlite3.Error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return before, todo[-1].version
