"""Start the console playground on a database (default: the embedded SQLite file)."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from adapters.console.images import data_folder
from adapters.console.outbound import ConsoleOutbound
from adapters.console.session import ConsoleSession
from adapters.llm_http import grader_from_env
from bot.app import open_core
from bot.clock import ManualClock
from bot.store.backend import is_postgres_url

BANNER = """ML interview practice — console playground (no tokens needed).
Try: /quiz pytorch hard, then reveal, then good.  /help lists commands; /console lists console extras.
"""


async def run_console(database: Path | str, *, extra_packs: tuple[Path, ...] = (), start: datetime | None = None,
                      stdin: TextIO | None = None, out: TextIO | None = None,
                      channel_log: Path | None = None, bank_paths: tuple[Path, ...] | None = None) -> None:
    """Read lines from stdin until EOF or /quit. A script piped in runs without a terminal.

    `bank_paths` replaces the shipped bank (tests and demos with a small bank)."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    clock = ManualClock(start)
    interactive = stdin.isatty()
    folder = data_folder(database)
    log_path = channel_log or (folder / "console-channel.jsonl" if is_postgres_url(database)
                               else Path(database).with_suffix(".console-channel.jsonl"))
    async with open_core(database=database, clock=clock, extra_packs=extra_packs, bank_paths=bank_paths,
                         grader=grader_from_env()) as core:
        session = ConsoleSession(core, clock, out, ConsoleOutbound(out, log_path),
                                 export_dir=folder / "exports")
        out.write(BANNER)
        await core.tick()
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                out.write(f"{session.user.name}> ")
                out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            if not interactive:
                out.write(f"{session.user.name}> {line.rstrip()}\n")
            if not await session.handle_line(line):
                break
            out.flush()
