"""The PostgreSQL server restarted (pg_ctl restart -m fast) in the middle of 500 concurrent grades: every grade
the user was told was saved is stored exactly once, nothing is counted twice, and the bot goes on."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from bot.clock import ManualClock
from bot.core import DATABASE_DOWN
from bot.domain.events import Actor, ButtonPress
from tests import pg
from tests.conftest import card_post_id, make_actor, make_place, open_test_core, query, run, scalar

USERS = 100
POSTS_PER_USER = 5  # 500 grades


async def test_a_server_restart_during_500_grades_loses_nothing_it_confirmed(
        pg_server: pg.PgServer, pg_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    if not pg_server.local:
        pytest.skip("needs a PostgreSQL cluster started by the tests (BOT_TEST_POSTGRES_URL cannot be restarted)")
    caplog.set_level(logging.WARNING)
    actors = [make_actor(f"u{i:03d}") for i in range(USERS)]
    async with open_test_core(pg_url, clock) as core:
        async def draws(actor: Actor) -> list[ButtonPress]:
            made = []
            for _ in range(POSTS_PER_USER):
                post_id = card_post_id(await run(core, actor, "quiz"))
                made.append(ButtonPress(actor, make_place(), "good", post_id, event_id=f"click-{post_id}"))
            return made

        presses = [p for made in await asyncio.gather(*(draws(a) for a in actors)) for p in made]
        restarted = threading.Event()

        def restart() -> None:
            pg_server.restart()
            restarted.set()

        async def wave(chunk: list[ButtonPress]) -> list[object]:
            return await asyncio.gather(*(core.handle_button(p) for p in chunk), return_exceptions=True)

        outcomes: list[object] = []
        restarter: asyncio.Future[None] | None = None
        for start in range(0, len(presses), 50):
            if start == 150:  # a third of the way in: the server goes down while waves keep coming
                restarter = asyncio.ensure_future(asyncio.to_thread(restart))
            outcomes.extend(await wave(presses[start:start + 50]))
            await asyncio.sleep(0.05)
        assert restarter is not None
        await restarter
        assert restarted.is_set()

        confirmed = [p for p, o in zip(presses, outcomes, strict=True)
                     if isinstance(o, list) and o and "Graded **Good**" in o[0].text]
        refused = [o for o in outcomes if not (isinstance(o, list) and o and "Graded **Good**" in o[0].text)]
        for o in refused:  # a grade that was not saved was said to have failed (or raised), never "Graded"
            assert isinstance(o, BaseException) or (isinstance(o, list) and o and (
                DATABASE_DOWN in o[0].text or o[0].is_error)), o
        stored = {(r[0], r[1]) for r in query(pg_url, "SELECT post_id, user_id FROM grades")}
        assert {(p.post_id, p.actor.user_id) for p in confirmed} <= stored
        assert len(confirmed) >= 150  # the waves before the restart at least
        # Counted once: every total equals its grades, whatever was retried.
        assert query(pg_url, "SELECT user_id, grades FROM scores WHERE period = 'all' ORDER BY user_id") == \
            query(pg_url, "SELECT user_id, COUNT(*) FROM grades GROUP BY user_id ORDER BY user_id")
        assert scalar(pg_url, "SELECT COUNT(*) FROM review_cards") == len(stored)

        # The bot goes on: the refused clicks, sent again, are saved now; a new draw works.
        retry = [p for p, o in zip(presses, outcomes, strict=True) if p not in confirmed]
        again = await asyncio.gather(*(core.handle_button(p) for p in retry))
        for p, replies in zip(retry, again, strict=True):
            text = replies[0].text if replies else ""
            stored_before = (p.post_id, p.actor.user_id) in stored
            # A click whose event id was recorded before the drop is a repeat now (no reply); else it is graded,
            # or recognised as already graded when the grade itself got through.
            assert replies == [] or "Graded **Good**" in text or (stored_before and "already graded" in text), text
        after = await run(core, actors[0], "quiz")
        assert after and after[0].card is not None
    assert scalar(pg_url, "SELECT COUNT(*) FROM grades") <= len(presses)
    assert query(pg_url, "SELECT COUNT(*) FROM (SELECT post_id, user_id FROM grades GROUP BY post_id, user_id "
                         "HAVING COUNT(*) > 1) AS twice") == [(0,)]
