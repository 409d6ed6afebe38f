"""Wiring: open the store, load the bank, start the grade writer, hand back a ready Core."""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from bot.bank.loader import load_bank
from bot.clock import Clock, SystemClock
from bot.config import database_pool_size
from bot.core import Core
from bot.practice.grade_writer import GradeWriter
from bot.resources import questions_dir
from bot.store.aliases import apply_aliases
from bot.store.store import Store


@contextlib.asynccontextmanager
async def open_core(
    *,
    database: str | Path,
    clock: Clock | None = None,
    extra_packs: Iterable[Path] = (),
    bank_paths: Iterable[Path] | None = None,
    rng: random.Random | None = None,
    pool_size: int | None = None,
) -> AsyncIterator[Core]:
    """A Core on the given database and question packs; everything is closed on exit.

    `bank_paths` replaces the shipped bank (tests use small banks); `extra_packs` adds a team's own packs.
    Stored history on question ids that the bank lists as aliases (merged questions) moves to the kept ids first.
    `database` is a SQLite path or a PostgreSQL URL; `pool_size` defaults to BOT_DATABASE_POOL_SIZE (else 10).
    Raises BankError if a pack is broken, SchemaTooNewError if the database is newer than the code,
    DatabaseConnectError (one line, no password) if PostgreSQL refuses us or cannot be reached.
    """
    paths = (*(bank_paths if bank_paths is not None else (questions_dir(),)), *extra_packs)
    bank = load_bank(paths)
    size = pool_size or database_pool_size()
    async with Store.open(database, pool_size=size) as store, GradeWriter(store) as writer:
        await apply_aliases(store, bank.aliases)  # merged questions: users' history moves to the kept id
        yield Core(store=store, bank=bank, clock=clock or SystemClock(), writer=writer, rng=rng,
                   pack_paths=tuple(paths))
