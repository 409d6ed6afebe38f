"""Monthly champions through the core: once per month across a restart, ties, hidden players, missing permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.core import Core
from bot.domain.events import Place
from bot.qotd.champions import ChampionPort
from bot.qotd.ports import PlaceUnavailableError, TransientPostError
from tests.conftest import RecordingOutbound, make_actor, open_test_core, query, run, scalar, texts
from tests.test_privacy import practise

ALICE, BOB, CAROL = make_actor("alice"), make_actor("bob"), make_actor("carol")
ADMIN = make_actor("root", admin=True)
# 00:30 on 1 December in Berlin.
FIRST_OF_DECEMBER = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


class ChampionOutbound(RecordingOutbound):
    """The recording outbound plus the champion port: moves are recorded, failures switchable."""

    def __init__(self) -> None:
        super().__init__()
        self.moves: list[tuple[Place, str, str | None, str]] = []
        self.problem: str | None = None
        self.move_error: Exception | None = None

    async def champion_problem(self, place: Place, champion: str) -> str | None:
        return self.problem

    async def move_champion(self, place: Place, champion: str, previous: str | None, winner: str) -> None:
        if self.move_error is not None:
            error, self.move_error = self.move_error, None
            raise error
        self.moves.append((place, champion, previous, winner))


def test_the_outbound_is_a_champion_port() -> None:
    assert isinstance(ChampionOutbound(), ChampionPort)
    assert not isinstance(RecordingOutbound(), ChampionPort)


async def _month_of_practice(core: Core, clock: ManualClock) -> None:
    await run(core, ADMIN, "qotd setup 09:00 Europe/Berlin champion=R42")
    await practise(core, BOB, ["good"])  # bob reaches the score first...
    clock.advance(timedelta(minutes=1))
    await practise(core, ALICE, ["good"])  # ...alice ties later (small bank: every question is worth the same)


async def test_champion_moves_once_at_the_month_boundary_across_a_restart(db_path: Path, clock: ManualClock) -> None:
    outbound = ChampionOutbound()
    async with open_test_core(db_path, clock) as core:
        core.register_outbound(outbound)
        await _month_of_practice(core, clock)
        points = query(db_path, "SELECT user_id, points FROM scores WHERE period = 'm:2026-11' ORDER BY user_id")
        assert points[0][1] == points[1][1], points  # a tie
        clock.set(FIRST_OF_DECEMBER - timedelta(hours=1))  # still 30 November in Berlin
        await core.tick()
        assert outbound.moves == []
        clock.set(FIRST_OF_DECEMBER)
        await core.tick()
        await core.tick()
    place = Place("test", "T1", "C1")
    assert outbound.moves == [(place, "R42", None, "bob")]  # ties: who reached the score first
    announcement = [p for p in outbound.board_posts() if "Champion of November 2026" in p.reply.text]
    assert len(announcement) == 1 and "Bob" in announcement[0].reply.text
    async with open_test_core(db_path, clock) as core:  # a restart on the same day
        core.register_outbound(outbound)
        clock.advance(timedelta(minutes=5))
        await core.tick()
    assert len(outbound.moves) == 1
    assert query(db_path, "SELECT month_key, user_id FROM champion_awards") == [("m:2026-11", "bob")]

    # December: carol wins; the role leaves bob
    async with open_test_core(db_path, clock) as core:
        core.register_outbound(outbound)
        await practise(core, CAROL, ["good", "good"])
        clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
        await core.tick()
    assert outbound.moves[-1] == (place, "R42", "bob", "carol")


async def test_hidden_players_are_never_champion(db_path: Path, clock: ManualClock) -> None:
    outbound = ChampionOutbound()
    async with open_test_core(db_path, clock) as core:
        core.register_outbound(outbound)
        await _month_of_practice(core, clock)
        await run(core, BOB, "leaderboard hide")
        clock.set(FIRST_OF_DECEMBER)
        await core.tick()
    assert [m[3] for m in outbound.moves] == ["alice"]


async def test_missing_permissions_are_reported_at_setup_and_at_the_move(db_path: Path, clock: ManualClock) -> None:
    outbound = ChampionOutbound()
    outbound.problem = "I need **Manage Roles**."
    async with open_test_core(db_path, clock) as core:
        core.register_outbound(outbound)
        replies = await run(core, ADMIN, "qotd setup 09:00 Europe/Berlin champion=R42")
        assert replies[-1].is_error and "Manage Roles" in replies[-1].text
        await practise(core, BOB, ["good"])
        outbound.move_error = PlaceUnavailableError("my role is below the champion role")
        clock.set(FIRST_OF_DECEMBER)
        await core.tick()
        await core.tick()
    assert outbound.moves == []
    assert [t for _, t in outbound.admin_notices] == [
        "I could not give the champion role to last month's top scorer: my role is below the champion role"]
    assert scalar(db_path, "SELECT COUNT(*) FROM champion_awards") == 1  # claimed: not retried every minute


async def test_a_passing_failure_is_retried_on_the_next_tick(db_path: Path, clock: ManualClock) -> None:
    outbound = ChampionOutbound()
    async with open_test_core(db_path, clock) as core:
        core.register_outbound(outbound)
        await _month_of_practice(core, clock)
        outbound.move_error = TransientPostError("rate limited")
        clock.set(FIRST_OF_DECEMBER)
        await core.tick()
        assert outbound.moves == []
        clock.advance(timedelta(minutes=1))
        await core.tick()
    assert [m[3] for m in outbound.moves] == ["bob"]


async def test_champion_off_and_without_a_schedule(db_path: Path, core: Core) -> None:
    assert (await run(core, ADMIN, "qotd setup 09:00 Europe/Berlin champion=R1"))[-1].is_error  # no port here
    assert "turned off" in texts(await run(core, ADMIN, "qotd setup champion=off"))
    assert scalar(db_path, "SELECT champion FROM schedules") is None


class ShardOutbound(ChampionOutbound):
    """A champion outbound of a process that runs only some Discord shards: it serves the teams it is given."""

    def __init__(self, teams: set[str]) -> None:
        super().__init__()
        self.teams = teams

    def serves(self, team_id: str) -> bool:
        return team_id in self.teams


async def test_only_the_process_serving_the_team_moves_its_champion(db_path: Path, clock: ManualClock) -> None:
    """Two processes on one database, each running other shards: the one without the team's guild neither claims the
    month nor tries the move (which would fail there and keep the month claimed); the one with it moves it once."""
    elsewhere, here = ShardOutbound({"T9"}), ShardOutbound({"T1"})
    async with open_test_core(db_path, clock, seed=1) as other, open_test_core(db_path, clock, seed=2) as core:
        other.register_outbound(elsewhere)
        core.register_outbound(here)
        await _month_of_practice(core, clock)
        clock.set(FIRST_OF_DECEMBER)
        await other.tick()
        assert elsewhere.moves == [] and scalar(db_path, "SELECT COUNT(*) FROM champion_awards") == 0
        await core.tick()
        await other.tick()
    assert here.moves == [(Place("test", "T1", "C1"), "R42", None, "bob")] and elsewhere.moves == []
    assert query(db_path, "SELECT month_key, user_id FROM champion_awards") == [("m:2026-11", "bob")]
