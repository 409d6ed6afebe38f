"""Several Core instances on one database (each its own Store: its own connection or pool), on both engines:
whatever one changes, the others see at once (no cache holds stale data), and every claim made by the
minutely tick is taken by exactly one of them."""

from __future__ import annotations

import asyncio
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import open_core
from bot.clock import ManualClock
from bot.core import Core
from tests.conftest import (
    SMALL_BANK,
    RecordingOutbound,
    card_question,
    make_actor,
    make_place,
    open_test_core,
    query,
    run,
    scalar,
    texts,
)

ADMIN = make_actor("admin", admin=True)


async def test_a_notice_left_by_one_process_is_shown_once_by_another(db_path: Path | str,
                                                                      clock: ManualClock) -> None:
    alice = make_actor("alice")
    async with open_test_core(db_path, clock, seed=1) as a, open_test_core(db_path, clock, seed=2) as b:
        await run(b, alice, "streak")  # b has answered alice before, when she had no notice
        await a.note_unreachable(alice, "Your reminder could not be delivered.")
        assert "Your reminder could not be delivered." in texts(await run(b, alice, "streak"))
        assert "could not be delivered" not in texts(await run(a, alice, "streak"))
        await a.note_unreachable(alice, "Your second reminder could not be delivered.")
        both = await asyncio.gather(run(b, alice, "streak"), run(a, alice, "streak"))
        later = await run(b, alice, "streak")
    shown = [texts(replies).count("Your second reminder could not be delivered.") for replies in both]
    assert sorted(shown) == [0, 1]  # taken by exactly one of the two
    assert "could not be delivered" not in texts(later)
    assert scalar(db_path, "SELECT pending_notice FROM users WHERE user_id = 'alice'") is None


async def test_draws_from_two_processes_never_repeat_until_the_topic_is_used_up(db_path: Path | str,
                                                                                 clock: ManualClock) -> None:
    """pytorch has 6 questions in the small bank: 6 draws alternating between processes are 6 different ones."""
    bob = make_actor("bob")
    async with open_test_core(db_path, clock, seed=3) as a, open_test_core(db_path, clock, seed=3) as b:
        seen = []
        for core in (b, a, a, a, a, b):
            seen.append(card_question(await run(core, bob, "quiz pytorch")))
    assert len(set(seen)) == 6, seen
    assert query(db_path, "SELECT DISTINCT times FROM user_seen WHERE user_id = 'bob'") == [(1,)]


async def test_a_name_changed_through_another_process_is_written_back(db_path: Path | str,
                                                                       clock: ManualClock) -> None:
    async with open_test_core(db_path, clock, seed=1) as a, open_test_core(db_path, clock, seed=2) as b:
        await run(a, make_actor("carol", name="Carol"), "streak")
        await run(b, make_actor("carol", name="Caro"), "streak")
        assert scalar(db_path, "SELECT display_name FROM users WHERE user_id = 'carol'") == "Caro"
        await run(a, make_actor("carol", name="Carol"), "streak")  # a wrote "Carol" before; the row says "Caro"
    assert scalar(db_path, "SELECT display_name FROM users WHERE user_id = 'carol'") == "Carol"


async def test_packs_reloaded_by_one_process_are_reloaded_by_the_others_at_their_next_tick(
        tmp_path: Path, db_path: Path | str, clock: ManualClock) -> None:
    pack = tmp_path / "pack.yaml"
    shutil.copy(SMALL_BANK, pack)
    async with open_core(database=db_path, clock=clock, bank_paths=[pack], rng=random.Random(1)) as a, \
            open_core(database=db_path, clock=clock, bank_paths=[pack], rng=random.Random(2)) as b:
        before = len(b.bank)
        text = pack.read_text(encoding="utf-8")
        first_id = a.bank.questions[0].id
        # Drop one question from the team's pack, as an admin would before `/qotd reload`.
        kept = [q for q in a.bank.questions if q.id != first_id]
        assert len(kept) == before - 1
        pack.write_text(_without_question(text, first_id), encoding="utf-8")
        assert await a.reload_packs() == []
        assert len(a.bank) == before - 1 and len(b.bank) == before
        await b.tick()
        assert len(b.bank) == before - 1 and b.bank.get(first_id) is None


def _without_question(yaml_text: str, question_id: str) -> str:
    import yaml

    data = yaml.safe_load(yaml_text)
    items = data["questions"] if isinstance(data, dict) else data
    kept = [q for q in items if q["id"] != question_id]
    if isinstance(data, dict):
        data["questions"] = kept
    else:
        data = kept
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


async def test_fifty_due_channels_and_four_ticking_processes_post_and_reveal_each_once(
        db_path: Path | str, clock: ManualClock) -> None:
    channels = [f"C{i:02d}" for i in range(50)]
    outbounds = [RecordingOutbound(delay=0.001) for _ in range(4)]
    cores: list[Core] = []
    async with open_test_core(db_path, clock, seed=1) as c1, open_test_core(db_path, clock, seed=2) as c2, \
            open_test_core(db_path, clock, seed=3) as c3, open_test_core(db_path, clock, seed=4) as c4:
        cores = [c1, c2, c3, c4]
        for core, outbound in zip(cores, outbounds, strict=True):
            core.register_outbound(outbound)
        for channel in channels:
            replies = await run(c1, ADMIN, "qotd setup 09:00 UTC daily reveal=1h", make_place(channel))
            assert not replies[0].is_error, replies[0].text
        start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        for minute in range(3):
            clock.set(start + timedelta(minutes=minute))
            await asyncio.gather(*(core.tick() for core in cores for _ in range(2)))
        for minute in range(3):
            clock.set(start + timedelta(hours=1, minutes=minute))
            await asyncio.gather(*(core.tick() for core in cores for _ in range(2)))
    posted = sorted(p.place.channel_id for o in outbounds for p in o.qotd_posts())
    revealed = sorted(t.place.channel_id for o in outbounds for t in o.thread_posts)
    assert posted == channels
    assert revealed == channels
    assert scalar(db_path, "SELECT COUNT(*) FROM posts WHERE kind = 'qotd' AND status = 'posted' "
                           "AND revealed_at IS NOT NULL") == 50
