"""Crashes between choosing the question of the day and recording that it was posted: a restart completes what
reached the channel (found by its dedupe key in the console's channel log) and retries what did not, so every
channel ends with exactly one post for the day. The last test kills a real process mid-post with SIGKILL."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.console.outbound import ConsoleOutbound
from bot.app import open_core
from bot.clock import ManualClock
from bot.commands.replies import Reply
from bot.domain.events import Place, PostedMessage
from tests.conftest import REPO, SMALL_BANK, make_actor, make_place, query, run

NINE_UTC = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ADMIN = make_actor("admin", admin=True, platform="console", team="playground")


class Crash(BaseException):
    """The process dies here (nothing after it runs, not even `except Exception`)."""


class CrashingOutbound(ConsoleOutbound):
    def __init__(self, out: io.StringIO, log_path: Path, *, after_posting: bool) -> None:
        super().__init__(out, log_path)
        self.after_posting = after_posting

    async def post(self, place: Place, reply: Reply, *, mention: str | None, make_thread: bool) -> PostedMessage:
        if self.after_posting:
            await super().post(place, reply, mention=mention, make_thread=make_thread)
        raise Crash


def log_entries(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def posts_per_channel(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in log_entries(path):
        if entry["kind"] == "post":
            counts[entry["channel"]] = counts.get(entry["channel"], 0) + 1
    return counts


async def crash_mid_post(db: Path, log: Path, *, after_posting: bool) -> None:
    clock = ManualClock(NINE_UTC - timedelta(hours=3))
    async with open_core(database=db, clock=clock, bank_paths=[SMALL_BANK], rng=random.Random(1)) as core:
        core.register_outbound(CrashingOutbound(io.StringIO(), log, after_posting=after_posting))
        reply = (await run(core, ADMIN, "qotd setup 09:00 UTC daily", make_place("general", team="playground",
                                                                                  platform="console")))[0]
        assert not reply.is_error, reply.text
        clock.set(NINE_UTC)
        try:
            await core.tick()
        except Crash:
            pass
        else:
            raise AssertionError("the outbound should have crashed")
    assert query(db, "SELECT status, message_id FROM posts") == [("pending", None)]


async def restart_and_tick(db: Path, log: Path, *moments: datetime) -> str:
    out = io.StringIO()
    clock = ManualClock(moments[0])
    async with open_core(database=db, clock=clock, bank_paths=[SMALL_BANK], rng=random.Random(2)) as core:
        core.register_outbound(ConsoleOutbound(out, log))
        for moment in moments:
            clock.set(moment)
            await core.tick()
    return out.getvalue()


async def test_a_post_that_reached_the_channel_is_completed_not_repeated(tmp_path: Path) -> None:
    db, log = tmp_path / "bot.sqlite3", tmp_path / "channel.jsonl"
    await crash_mid_post(db, log, after_posting=True)
    assert posts_per_channel(log) == {"general": 1}
    post_id = query(db, "SELECT id FROM posts")[0][0]
    # a restart right away leaves it to the (possibly still living) first process for a few minutes ...
    shown = await restart_and_tick(db, log, NINE_UTC + timedelta(minutes=2))
    assert query(db, "SELECT status FROM posts") == [("pending",)] and shown == ""
    # ... then finds it in the channel by its key and records it
    shown = await restart_and_tick(db, log, NINE_UTC + timedelta(minutes=6), NINE_UTC + timedelta(minutes=7))
    assert "[#general]" not in shown
    assert posts_per_channel(log) == {"general": 1}
    logged = next(e for e in log_entries(log) if e["kind"] == "post")
    assert logged["key"] == f"qotd-{post_id}"
    assert query(db, "SELECT status, message_id FROM posts") == [("posted", logged["message_id"])]


async def test_a_post_that_never_left_is_retried_once(tmp_path: Path) -> None:
    db, log = tmp_path / "bot.sqlite3", tmp_path / "channel.jsonl"
    await crash_mid_post(db, log, after_posting=False)
    assert posts_per_channel(log) == {}
    moments = [NINE_UTC + timedelta(minutes=m) for m in (6, 7, 8, 30)]
    shown = await restart_and_tick(db, log, *moments)
    assert shown.count("[#general] [📅 Question of the day:") == 1
    assert posts_per_channel(log) == {"general": 1}
    assert query(db, "SELECT status, local_date FROM posts") == [("posted", "2026-11-23")]
    await restart_and_tick(db, log, NINE_UTC + timedelta(minutes=40))
    assert posts_per_channel(log) == {"general": 1}


async def test_a_pending_post_found_too_late_is_skipped_and_tomorrow_is_normal(tmp_path: Path) -> None:
    db, log = tmp_path / "bot.sqlite3", tmp_path / "channel.jsonl"
    await crash_mid_post(db, log, after_posting=False)
    await restart_and_tick(db, log, NINE_UTC + timedelta(hours=2))
    assert query(db, "SELECT status FROM posts") == [("skipped",)]
    await restart_and_tick(db, log, NINE_UTC + timedelta(days=1))
    assert query(db, "SELECT local_date, status FROM posts ORDER BY local_date") == [
        ("2026-11-23", "skipped"), ("2026-11-24", "posted")]
    assert posts_per_channel(log) == {"general": 1}


# --- a real process, killed -----------------------------------------------------------------------------

DRIVER = textwrap.dedent('''
    """Console playground driver: the console adapter's outbound, slowed down so posting takes a while."""
    import asyncio, io, random, sys
    from datetime import datetime
    from pathlib import Path

    from adapters.console.outbound import ConsoleOutbound
    from bot.app import open_core
    from bot.clock import ManualClock


    class SlowOutbound(ConsoleOutbound):
        def __init__(self, log_path, pause):
            super().__init__(io.StringIO(), log_path)
            self.pause = pause
            self.lock = asyncio.Lock()

        async def post(self, place, reply, *, mention, make_thread):
            async with self.lock:  # one channel after another, like a rate-limited platform
                posted = await super().post(place, reply, mention=mention, make_thread=make_thread)
                print("POSTED", place.channel_id, flush=True)
                await asyncio.sleep(self.pause)
                return posted


    async def main(db, log, bank, start, pause):
        clock = ManualClock(datetime.fromisoformat(start))
        async with open_core(database=Path(db), clock=clock, bank_paths=[Path(bank)], rng=random.Random()) as core:
            core.register_outbound(SlowOutbound(Path(log), float(pause)))
            print("READY", flush=True)
            await core.tick()
            print("DONE", flush=True)


    asyncio.run(main(*sys.argv[1:]))
''')


async def test_killing_the_process_mid_post_and_restarting_leaves_one_post_per_channel(tmp_path: Path) -> None:
    db, log = tmp_path / "bot.sqlite3", tmp_path / "channel.jsonl"
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    channels = [f"room{i}" for i in range(1, 6)]
    clock = ManualClock(NINE_UTC - timedelta(hours=3))
    async with open_core(database=db, clock=clock, bank_paths=[SMALL_BANK]) as core:
        for channel in channels:
            reply = (await run(core, ADMIN, "qotd setup 10:00 Europe/Berlin daily",
                               make_place(channel, team="playground", platform="console")))[0]
            assert not reply.is_error, reply.text
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, str(driver), str(db), str(log), str(SMALL_BANK)]

    # 10:00 in Berlin is 09:00 UTC: every channel is due; kill the process after the second post reached its channel
    seen: list[str] = []
    with subprocess.Popen([*args, "2026-11-23T09:00:30+00:00", "0.4"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                seen.append(line.strip())
                if sum(s.startswith("POSTED") for s in seen) == 2:
                    proc.send_signal(signal.SIGKILL)
                    break
        finally:
            proc.wait(timeout=30)
        errors = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == -signal.SIGKILL, (seen, errors)
    assert "DONE" not in seen
    assert sum(posts_per_channel(log).values()) == 2
    states = [r[0] for r in query(db, "SELECT status FROM posts WHERE kind = 'qotd'")]
    assert len(states) == len(channels) and "pending" in states  # killed in the middle of the fan-out

    # restart a few minutes later (the dead process's delivery lease has run out) and tick
    restart = subprocess.run([*args, "2026-11-23T09:07:00+00:00", "0"], cwd=REPO, env=env, capture_output=True,
                             text=True, timeout=60)
    assert restart.returncode == 0, restart.stderr
    assert "DONE" in restart.stdout
    assert posts_per_channel(log) == dict.fromkeys(channels, 1)
    rows = query(db, "SELECT channel_id, local_date, status, message_id FROM posts WHERE kind = 'qotd' "
                     "ORDER BY channel_id")
    assert [(c, d, s) for c, d, s, _ in rows] == [(c, "2026-11-23", "posted") for c in channels]
    logged = {e["channel"]: e["message_id"] for e in log_entries(log) if e["kind"] == "post"}
    assert {c: m for c, _, _, m in rows} == logged
    # and ticking again changes nothing
    again = subprocess.run([*args, "2026-11-23T09:20:00+00:00", "0"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 0 and "POSTED" not in again.stdout
    assert posts_per_channel(log) == dict.fromkeys(channels, 1)
