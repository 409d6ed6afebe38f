"""Fuzzing the console's line reading and the /clock parser: nothing a person types raises, ends the session,
or makes moving the clock slow."""

from __future__ import annotations

import asyncio
import io
import random
import re
import time
from datetime import timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.console.lines import MAX_CLOCK_DAYS, ClockStepError, parse_clock_step, split_words
from adapters.console.outbound import ConsoleOutbound
from adapters.console.session import ConsoleSession, ConsoleUser
from bot.app import open_core
from bot.clock import ManualClock
from bot.commands.replies import APOLOGY
from tests.conftest import MONDAY_MORNING, SMALL_BANK

QUOTE_HEAVY = st.text(alphabet=st.sampled_from(list("ab =\"'\\ \t/+é\x00\u2028")), max_size=40)
ANY_LINE = st.one_of(st.text(max_size=80), QUOTE_HEAVY)
PLAIN_WORD = st.text(alphabet=st.characters(blacklist_characters="\"'", blacklist_categories=("Zs", "Cc", "Zl", "Zp")),
                     min_size=1, max_size=12)
UNITS = {"m": 1, "h": 60, "d": 1440, "w": 10080}


@given(ANY_LINE)
def test_split_words_never_raises_and_gives_words(line: str) -> None:
    words = split_words(line)
    assert isinstance(words, list) and all(isinstance(w, str) for w in words)


@given(st.text(alphabet=st.characters(blacklist_characters="\"'"), max_size=80))
def test_without_quotes_a_line_splits_like_str_split(line: str) -> None:
    assert split_words(line) == line.split()


@given(st.lists(st.lists(PLAIN_WORD, min_size=1, max_size=3), min_size=1, max_size=5), st.sampled_from("\"'"))
def test_quoted_groups_come_back_as_one_word(groups: list[list[str]], quote: str) -> None:
    line = " ".join(f"{quote}{' '.join(g)}{quote}" if len(g) > 1 else g[0] for g in groups)
    assert split_words(line) == [" ".join(g) for g in groups]


@given(st.lists(PLAIN_WORD, min_size=1, max_size=6), st.integers(min_value=0, max_value=5))
def test_an_apostrophe_inside_a_word_is_kept(words: list[str], at: int) -> None:
    index = at % len(words)
    words[index] = words[index] + "'s"
    assert split_words(" ".join(words)) == words


@given(st.text(max_size=30))
def test_the_clock_parser_returns_a_bounded_step_or_says_what_is_allowed(text: str) -> None:
    try:
        step = parse_clock_step(text)
    except ClockStepError as exc:
        assert "/clock" in str(exc)
    else:
        assert timedelta(0) <= step <= timedelta(days=MAX_CLOCK_DAYS)


@given(st.integers(min_value=0, max_value=10**40), st.sampled_from(sorted(UNITS)), st.booleans())
def test_the_clock_parser_on_every_number_and_unit(number: int, unit: str, zeros: bool) -> None:
    text = f"+{'000' if zeros else ''}{number}{unit}"
    started = time.perf_counter()
    if number * UNITS[unit] <= MAX_CLOCK_DAYS * 1440:
        assert parse_clock_step(text) == timedelta(minutes=number * UNITS[unit])
    else:
        try:
            parse_clock_step(text)
        except ClockStepError as exc:
            assert "too far" in str(exc)
        else:
            raise AssertionError(f"{text} accepted")
    assert time.perf_counter() - started < 0.5  # no work grows with the number (e.g. 10**40 days)


LINE_STARTS = ["", "/quiz ", "/clock ", "/qotd setup ", "/streak ", "/answer ", "/as ", "/leaderboard ", "reveal ",
               "good ", "/topics ", "/help ", "/", "\"", "'"]


def test_no_line_ends_the_session_or_goes_wrong(tmp_path: Path) -> None:
    """One real playground on the small bank for all examples; each feeds a few lines, then checks it still works."""
    loop = asyncio.new_event_loop()
    out = io.StringIO()
    opened = open_core(database=tmp_path / "fuzz.sqlite3", clock=ManualClock(MONDAY_MORNING),
                       bank_paths=[SMALL_BANK], rng=random.Random(1))
    core = loop.run_until_complete(opened.__aenter__())
    try:
        session = ConsoleSession(core, core.clock, out, ConsoleOutbound(out))  # type: ignore[arg-type]

        @settings(max_examples=120, deadline=None)
        @given(st.lists(st.tuples(st.sampled_from(LINE_STARTS), ANY_LINE), min_size=1, max_size=3))
        def lines_survive(lines: list[tuple[str, str]]) -> None:
            loop.run_until_complete(_survives(session, out, [start + rest for start, rest in lines]))

        lines_survive()
    finally:
        loop.run_until_complete(opened.__aexit__(None, None, None))
        loop.close()


async def _survives(session: ConsoleSession, out: io.StringIO, lines: list[str]) -> None:
    for line in lines:
        before = len(out.getvalue())
        goes_on = await session.handle_line(line)
        words = split_words(line.strip())
        ends = bool(words) and words[0].lower() in ("/quit", "/exit", "quit", "exit")
        assert goes_on is not ends
        shown = out.getvalue()[before:]
        assert APOLOGY not in shown, (line, shown)
        if line.strip() and not line.strip().startswith("#") and not ends:
            assert shown.strip(), f"no answer to {line!r}"
    session.user = ConsoleUser("fuzzer", True)
    assert re.search(r"\[PyTorch · hard\]", await _say(session, out, "/quiz pytorch hard"))


async def _say(session: ConsoleSession, out: io.StringIO, line: str) -> str:
    before = len(out.getvalue())
    assert await session.handle_line(line)
    return out.getvalue()[before:]
