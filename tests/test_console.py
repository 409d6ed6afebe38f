"""The console playground as the errbot-style test backend: plain lines in, the text a person would read out."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.console.outbound import ConsoleOutbound
from adapters.console.runner import run_console
from adapters.console.session import ConsoleSession
from bot.app import open_core
from bot.bank.loader import lint_paths
from bot.clock import ManualClock
from bot.resources import questions_dir
from tests.conftest import MONDAY_MORNING, REPO, SMALL_BANK, query, scalar


class Playground:
    """A console session on the small bank; `say` feeds lines and returns what was printed for them."""

    def __init__(self, session: ConsoleSession, out: io.StringIO) -> None:
        self.session = session
        self.out = out

    async def say(self, *lines: str) -> str:
        start = len(self.out.getvalue())
        for line in lines:
            assert await self.session.handle_line(line)
        return self.out.getvalue()[start:]


@pytest.fixture
async def play(db_path: Path):
    clock = ManualClock(MONDAY_MORNING)
    out = io.StringIO()
    async with open_core(database=db_path, clock=clock, bank_paths=[SMALL_BANK], rng=random.Random(3)) as core:
        outbound = ConsoleOutbound(out, db_path.with_suffix(".channel.jsonl"))
        yield Playground(ConsoleSession(core, clock, out, outbound), out)


async def test_quiz_reveal_and_grade_by_typing(play: Playground, db_path: Path) -> None:
    shown = await play.say("/quiz pytorch hard")
    assert "(only you) [PyTorch · hard]" in shown and "> [reveal]  [hint]  [skip]" in shown
    shown = await play.say("reveal")
    assert "**Answer**" in shown and "[again]  [hard]  [good]  [easy]" in shown
    shown = await play.say("good")
    assert "Graded **Good** · +3 points" in shown and "🔥 Streak: **1 day** (best 1)" in shown
    assert "already graded this **Good**" in await play.say("good")
    assert query(db_path, "SELECT user_id, grade, points FROM grades") == [("you", "good", 3.0)]
    shown = await play.say("/quiz sql medium", "reveal")
    assert "No reference answer exists yet" in shown and "**Hints**" in shown


async def test_as_switches_user_and_admin_rights(play: Playground, db_path: Path) -> None:
    assert "You are now bob." in await play.say("/as bob")
    shown = await play.say("/qotd setup 09:00 UTC")
    assert "(only you) Only server admins" in shown
    assert "No question on screen" in await play.say("good")
    assert "You are now ann (admin)." in await play.say("/as ann admin")
    assert "Question of the day set up" in await play.say("/qotd setup 09:00 UTC")
    await play.say("/quiz sql", "reveal", "easy")
    await play.say("/as bob", "/quiz sql", "reveal", "hard")
    board = await play.say("/leaderboard")
    assert "🥇 ann" in board and "🥈 bob" in board
    assert "Unknown input `hello`" in await play.say("hello")


async def test_clock_moves_the_question_of_the_day_and_streaks(play: Playground, db_path: Path) -> None:
    await play.say("/qotd setup 09:00 Europe/Berlin daily reveal=1h")
    shown = await play.say("/clock +3h")
    assert "[#general] [📅 Question of the day:" in shown
    assert "[#general › thread] [✅ Answer:" in shown and "Nobody graded this one yet" in shown
    assert "🕒 It is now Mon 23 Nov 2026 09:00 UTC." in shown
    shown = await play.say("/react")
    assert "[DM to you]" in shown and "**Answer**" in shown
    assert "Graded **Good**" in await play.say("good")
    assert "1 day" in await play.say("/streak")
    shown = await play.say("/clock +1d")
    assert shown.count("[📅 Question of the day:") == 1
    await play.say("/quiz", "reveal", "good")
    assert "**2 days** (best 2)" in await play.say("/streak")
    await play.say("/clock +2d")
    assert "**0 days** (best 2)" in await play.say("/streak")
    assert [r[0] for r in query(db_path, "SELECT local_date FROM posts WHERE kind = 'qotd' ORDER BY local_date")] == [
        "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"]
    assert "Usage: /clock" in await play.say("/clock tomorrow")


async def test_the_pool_starting_over_is_told_to_the_admins(play: Playground, db_path: Path) -> None:
    await play.say("/qotd setup 09:00 UTC daily deep-learning")
    shown = await play.say("/clock +1d", "/clock +1d")
    assert shown.count("[📅 Question of the day:") == 2
    assert "[to the admins of" not in shown
    shown = await play.say("/clock +1d")
    assert "[to the admins of playground]" in shown and "starts over" in shown
    log = [json.loads(line) for line in db_path.with_suffix(".channel.jsonl").read_text().splitlines()]
    assert [e["text"] for e in log if e["kind"] == "post"].count("deep-learning-hard-1") <= 2
    assert scalar(db_path, "SELECT COUNT(DISTINCT question_id) FROM posts WHERE cycle = 0") == 2


async def test_run_console_reads_a_script_without_a_terminal(tmp_path: Path) -> None:
    script = io.StringIO("/quiz sql easy\nreveal\neasy\n/streak\n/quit\n/topics\n")
    out = io.StringIO()
    db = tmp_path / "play.sqlite3"
    await run_console(db, start=MONDAY_MORNING, stdin=script, out=out, bank_paths=(SMALL_BANK,))
    text = out.getvalue()
    assert text.startswith("ML interview practice — console playground")
    assert "you> /quiz sql easy" in text and "Graded **Easy** · +1 point" in text
    assert "**Topics**" not in text  # nothing after /quit
    assert query(db, "SELECT grade, local_date FROM grades") == [("easy", "2026-11-23")]


def _shipped_bank_problem() -> str | None:
    questions, errors = lint_paths([questions_dir()])
    if errors:
        return f"the shipped bank in questions/ does not load yet ({len(errors)} problem(s))"
    if not questions:
        return "questions/ has no YAML question packs yet"
    return None


def test_piped_script_through_the_cli(tmp_path: Path) -> None:
    problem = _shipped_bank_problem()
    if problem:
        pytest.skip(f"needs the shipped bank: {problem}")
    db = tmp_path / "cli.sqlite3"
    script = "\n".join([
        "/qotd setup 09:00 Europe/Berlin daily reveal=2h",
        "/clock +3h",
        "/react",
        "good",
        "/as bob",
        "/quiz",
        "reveal",
        "hard",
        "/leaderboard",
        "/clock +1d",
        "/streak",
    ]) + "\n"
    env = {**os.environ, "BOT_DATABASE": str(db)}
    env.pop("BOT_QUESTION_PACKS", None)
    result = subprocess.run([sys.executable, "-m", "bot", "run", "console", "--start", "2026-11-23T06:00:00Z"],
                            input=script, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "console playground" in out and "you> /qotd setup" in out
    assert out.count("[📅 Question of the day:") == 2 and "[#general › thread] [✅ Answer:" in out
    assert "Graded **Good**" in out and "Graded **Hard**" in out
    assert "It is now Mon 23 Nov 2026 09:00 UTC" in out
    assert query(db, "SELECT user_id, grade FROM grades ORDER BY user_id") == [("bob", "hard"), ("you", "good")]


# --- lines that used to end the playground ------------------------------------------------------------


@pytest.mark.parametrize("line", ["/quiz what's overfitting", "/quiz it's \"pytorch", "/streak tz='Europe/Berlin",
                                  "/qotd setup 09:00 UTC mention=\"QOTD fans", "/answer it's the bias term",
                                  "reveal'", "'", "\"", "/as bob's", "\\"])
async def test_a_line_with_an_unbalanced_quote_gets_an_answer_and_the_session_goes_on(
        play: Playground, line: str) -> None:
    shown = await play.say(line)
    assert shown.strip() and "Something went wrong" not in shown
    assert "(only you) [PyTorch · hard]" in await play.say("/quiz pytorch hard")


async def test_quotes_still_group_words_and_apostrophes_stay_in_words(play: Playground) -> None:
    assert "You are now Mary Ann (admin)." in await play.say("/as \"Mary Ann\" admin")
    assert "You are now o'brien." in await play.say("/as o'brien")
    assert "Unknown input `what's`" in await play.say("what's up")
    shown = await play.say("\"\"")
    assert "I could not read that line" in shown


async def test_clock_bounds_the_step_with_a_clear_message(play: Playground) -> None:
    for line in ("/clock +999999999d", "/clock +1000w", "/clock +3651d", "/clock +" + "9" * 5000 + "m"):
        shown = await play.say(line)
        assert "too far" in shown and "3650 days" in shown, line
    for line in ("/clock -1d", "/clock +1y", "/clock +1d +2d", "/clock +²d"):
        assert "Usage: /clock" in await play.say(line), line
    assert "It is now Mon 23 Nov 2026 06:00 UTC" in await play.say("/clock")


async def test_ten_years_pass_quickly_and_the_last_week_runs_as_usual(play: Playground, db_path: Path) -> None:
    await play.say("/qotd setup 09:00 UTC daily")
    started = time.perf_counter()
    shown = await play.say("/clock +3650d")
    elapsed = time.perf_counter() - started
    assert elapsed < 20, f"{elapsed:.1f} s"
    assert "⏩ Skipped 3643 days as if the bot was switched off; the last 7 days run as usual." in shown
    assert "It is now Thu 20 Nov 2036 06:00 UTC" in shown
    days = [r[0] for r in query(db_path, "SELECT local_date FROM posts WHERE kind = 'qotd' ORDER BY local_date")]
    assert days == [f"2036-11-{d}" for d in range(13, 20)]
    assert shown.count("[📅 Question of the day:") == 7
