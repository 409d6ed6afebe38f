"""`db copy SOURCE TARGET`: every table of one database into another (SQLite <-> PostgreSQL, or same engine).

Both sides are opened with `Store.open`, so both are at the current schema first. The whole copy is one
transaction on the target: it either holds every row afterwards or is left as it was. Rows are inserted in
foreign-key order; tables that triggers also fill (practice days, served counts) come last and are written
with an upsert, so the copied row replaces what a trigger made from an earlier table. Values are converted to
each target column's type (asyncpg is strict: an INTEGER column takes an int, a TEXT column a str).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dbtools.targets import is_postgres, redacted
from bot.store.store import Store

# Bookkeeping of the engines and of the migration runner: never copied (both sides are migrated already).
SKIP_TABLES = frozenset({"schema_version", "schema_migrations", "sqlite_sequence", "sqlite_stat1", "sqlite_stat4"})
# Tables that triggers write while other tables are inserted: copied after every other table.
DERIVED_LAST = ("practice_days", "user_seen")


class CopyError(RuntimeError):
    """The copy cannot be made (non-empty target, schemas that differ); the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str  # "int", "float", "text" or "bool": what the target column takes
    primary: bool


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    references: frozenset[str]

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.primary)


@dataclass(frozen=True, slots=True)
class CopyReport:
    """Rows per table on each side after the copy, in copy order."""

    counts: tuple[tuple[str, int, int], ...]
    sequences: tuple[str, ...] = ()

    def lines(self, source: str, target: str) -> list[str]:
        width = max([len("table"), *(len(t) for t, _, _ in self.counts)])
        out = [f"{'table':<{width}}  {'source':>9}  {'target':>9}", "-" * (width + 22)]
        out += [f"{t:<{width}}  {s:>9,}  {d:>9,}" for t, s, d in self.counts]
        total_s = sum(s for _, s, _ in self.counts)
        total_d = sum(d for _, _, d in self.counts)
        out += ["-" * (width + 22), f"{'all':<{width}}  {total_s:>9,}  {total_d:>9,}"]
        if self.sequences:
            out.append(f"id sequences set past the copied rows: {', '.join(self.sequences)}")
        out.append(f"copied {redacted(source)} -> {redacted(target)}")
        return out


def _kind(declared: str) -> str:
    t = declared.upper()
    if "INT" in t:
        return "int"
    if any(word in t for word in ("REAL", "DOUB", "FLOA", "NUMERIC", "DECIMAL")):
        return "float"
    if "BOOL" in t:
        return "bool"
    return "text"


async def describe(store: Store, postgres: bool) -> dict[str, Table]:
    """Every user table of the database with its columns (in order), primary key and referenced tables."""
    if postgres:
        names = [r[0] for r in await store.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE'")]
    else:
        names = [r[0] for r in await store.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")]
    tables = {}
    for name in sorted(set(names) - SKIP_TABLES):
        tables[name] = await (_describe_postgres(store, name) if postgres else _describe_sqlite(store, name))
    return tables


async def _describe_sqlite(store: Store, name: str) -> Table:
    cols = await store.fetchall("SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid", (name,))
    refs = await store.fetchall('SELECT "table" FROM pragma_foreign_key_list(?)', (name,))
    return Table(name, tuple(Column(str(c[0]), _kind(str(c[1])), int(c[2]) > 0) for c in cols),
                 frozenset(str(r[0]) for r in refs))


async def _describe_postgres(store: Store, name: str) -> Table:
    cols = await store.fetchall(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ? ORDER BY ordinal_position", (name,))
    key = {r[0] for r in await store.fetchall(
        "SELECT k.column_name FROM information_schema.table_constraints c "
        "JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name "
        "AND k.table_schema = c.table_schema AND k.table_name = c.table_name "
        "WHERE c.table_schema = current_schema() AND c.table_name = ? AND c.constraint_type = 'PRIMARY KEY'",
        (name,))}
    refs = await store.fetchall(
        "SELECT u.table_name FROM information_schema.referential_constraints r "
        "JOIN information_schema.constraint_column_usage u ON u.constraint_name = r.unique_constraint_name "
        "AND u.constraint_schema = r.unique_constraint_schema "
        "JOIN information_schema.table_constraints c ON c.constraint_name = r.constraint_name "
        "AND c.constraint_schema = r.constraint_schema "
        "WHERE c.table_schema = current_schema() AND c.table_name = ?", (name,))
    return Table(name, tuple(Column(str(c[0]), _kind(str(c[1])), c[0] in key) for c in cols),
                 frozenset(str(r[0]) for r in refs) - {name})


def copy_order(tables: dict[str, Table]) -> list[str]:
    """Referenced tables before the tables that reference them; trigger-filled tables at the end."""
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done or name in path or name not in tables:
            return
        for ref in sorted(tables[name].references):
            visit(ref, (*path, name))
        done.append(name)

    for name in sorted(tables):
        visit(name, ())
    return [n for n in done if n not in DERIVED_LAST] + [n for n in done if n in DERIVED_LAST]


_CONVERT: dict[str, Callable[[Any], Any]] = {"int": int, "float": float, "text": str, "bool": lambda v: int(bool(v))}


def _converter(columns: Sequence[Column], postgres: bool) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    fns = [(lambda v: bool(int(v))) if (c.kind == "bool" and postgres) else _CONVERT[c.kind] for c in columns]

    def convert(row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(None if v is None else (v if isinstance(v, bytes) else f(v)) for f, v in zip(fns, row, strict=True))

    return convert


def _insert_sql(table: Table) -> str:
    names = [c.name for c in table.columns]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    others = [n for n in names if n not in table.key]
    if table.key and table.name in DERIVED_LAST:
        updates = ", ".join(f"{n} = excluded.{n}" for n in others)
        sql += f" ON CONFLICT ({', '.join(table.key)}) " + (f"DO UPDATE SET {updates}" if updates else "DO NOTHING")
    return sql


async def count_rows(store: Store, tables: Sequence[str]) -> dict[str, int]:
    """Rows per table."""
    return {t: int((await store.fetchone(f"SELECT count(*) FROM {t}"))[0]) for t in tables}


async def copy_database(source: str, target: str, *, force: bool = False, batch: int = 5000) -> CopyReport:
    """Copy every table of `source` into `target` (paths or URLs) in one target transaction; see the module doc."""
    if source == target:
        raise CopyError("SOURCE and TARGET are the same database")
    src_pg, dst_pg = is_postgres(source), is_postgres(target)
    async with Store.open(source) as src, Store.open(target) as dst:
        src_tables = await describe(src, src_pg)
        dst_tables = await describe(dst, dst_pg)
        if set(src_tables) != set(dst_tables):
            only_src = sorted(set(src_tables) - set(dst_tables))
            only_dst = sorted(set(dst_tables) - set(src_tables))
            raise CopyError(f"the schemas differ (only in the source: {', '.join(only_src) or 'none'}; only in the "
                            f"target: {', '.join(only_dst) or 'none'}); upgrade both with this version of the bot")
        for name, table in dst_tables.items():
            missing = {c.name for c in table.columns} - {c.name for c in src_tables[name].columns}
            if missing:
                raise CopyError(f"table {name} lacks columns in the source: {', '.join(sorted(missing))}")
        order = copy_order(dst_tables)
        busy = {t: n for t, n in (await count_rows(dst, order)).items() if n}
        if busy and not force:
            listed = ", ".join(f"{t} ({n:,} rows)" for t, n in busy.items())
            raise CopyError(f"the target {redacted(target)} is not empty: {listed}. Nothing was copied; pass "
                            "--force to replace what it holds")
        sequences: list[str] = []
        async with dst.write() as db:
            for name in reversed(order):
                if name in busy:
                    await db.execute(f"DELETE FROM {name}")
            for name in order:
                table = dst_tables[name]
                names = ", ".join(c.name for c in table.columns)
                by = ", ".join(table.key) or names
                rows = await src.fetchall(f"SELECT {names} FROM {name} ORDER BY {by}")
                convert = _converter(table.columns, dst_pg)
                sql = _insert_sql(table)
                for start in range(0, len(rows), batch):
                    await db.executemany(sql, [convert(r) for r in rows[start:start + batch]])
            if dst_pg:
                sequences = await _fix_sequences(db)
        src_counts = await count_rows(src, order)
        dst_counts = await count_rows(dst, order)
    return CopyReport(tuple((t, src_counts[t], dst_counts[t]) for t in order), tuple(sequences))


async def _fix_sequences(db: Any) -> list[str]:
    """On PostgreSQL: move every serial/identity sequence past the largest copied id, so new rows do not collide."""
    cur = await db.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES') ORDER BY table_name, column_name")
    fixed = []
    for table, column in [(r[0], r[1]) for r in await cur.fetchall()]:
        if table in SKIP_TABLES:
            continue
        await db.execute(
            f"SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)",
            (table, column))
        fixed.append(f"{table}.{column}")
    return fixed
