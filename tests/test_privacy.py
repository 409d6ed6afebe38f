"""Issue 14, "your data is yours": export, delete (confirmed), hide/show — through the core, on a real database."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from bot.commands.replies import Reply
from bot.core import Core
from bot.store.privacy import NOT_USER_COLUMNS, USER_TABLES, erasure_digest
from tests.conftest import card_post_id, make_actor, press, query, run, scalar, texts

ALICE, BOB, CAROL = make_actor("alice"), make_actor("bob"), make_actor("carol")
ADMIN = make_actor("root", admin=True)
# A column naming a person: user_id, *_id of a requester/target/winner, *_by (created_by).
USER_COLUMN = re.compile(r"(^|_)user(_id)?$|^(requester|target|winner)_id$|_by$")


async def practise(core: Core, actor, grades: list[str]) -> list[int]:
    posts = []
    for grade in grades:
        post = card_post_id(await run(core, actor, "quiz"))
        await press(core, actor, "reveal", post)
        await press(core, actor, grade, post)
        posts.append(post)
    return posts


def erase_nonce(replies: list[Reply]) -> int:
    buttons = [b for r in replies for b in r.buttons if b.action == "erase"]
    assert buttons, f"no confirm button in {replies!r}"
    return buttons[0].post_id


def user_rows(db_path: Path, user: str) -> dict[str, int]:
    """Rows naming `user` in every registered (table, column), counted with one query each."""
    return {f"{c.table}.{c.column}": scalar(db_path, f"SELECT COUNT(*) FROM {c.table} WHERE {c.column} = ?", (user,))
            for c in USER_TABLES}


def assert_boards_consistent(db_path: Path) -> None:
    """Every score level counts exactly the totals standing at it, and every total sums its grades."""
    levels = query(db_path, "SELECT platform, team_id, period, points, users FROM score_levels WHERE users <> 0")
    counted = query(db_path, "SELECT platform, team_id, period, points, COUNT(*) FROM scores "
                             "GROUP BY platform, team_id, period, points")
    assert sorted(levels) == sorted(counted)
    totals = query(db_path, "SELECT platform, team_id, user_id, points, grades FROM scores WHERE period = 'all'")
    summed = query(db_path, "SELECT platform, team_id, user_id, SUM(points), COUNT(*) FROM grades "
                            "GROUP BY platform, team_id, user_id")
    assert sorted(totals) == sorted(summed)


def schema(db_path: Path) -> dict[str, list[str]]:
    """Every table's columns in order, read from the database's own catalogue (SQLite, else PostgreSQL)."""
    try:
        tables = [r[0] for r in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: [r[1] for r in query(db_path, f"SELECT * FROM pragma_table_info('{t}')")] for t in tables}
    except Exception:  # PostgreSQL: the information schema
        out: dict[str, list[str]] = {}
        for table, column in query(db_path, "SELECT table_name, column_name FROM information_schema.columns "
                                            "WHERE table_schema = current_schema() ORDER BY table_name, "
                                            "ordinal_position"):
            out.setdefault(table, []).append(column)
        return out


def unregistered(tables: dict[str, list[str]]) -> list[str]:
    registered = {(c.table, c.column) for c in USER_TABLES} | NOT_USER_COLUMNS
    return [f"{table}.{column}" for table, columns in tables.items() for column in columns
            if USER_COLUMN.search(column) and (table, column) not in registered]


async def test_every_table_with_a_user_column_is_registered(db_path: Path, core: Core) -> None:
    tables = schema(db_path)
    assert {"users", "grades", "scores", "erasures"} <= set(tables)
    missing = unregistered(tables)
    assert not missing, f"add these to bot.store.privacy.USER_TABLES: {missing}"
    # a table added later with a user column is caught
    async with core.store.write() as db:
        await db.execute("CREATE TABLE later_notes (platform TEXT NOT NULL, user_id TEXT NOT NULL, note TEXT)")
    assert unregistered(schema(db_path)) == ["later_notes.user_id"]
    # and the registry names real columns that sit next to a platform column
    for c in USER_TABLES:
        columns = tables[c.table]
        assert c.column in columns and "platform" in columns, c
        assert c.team_scoped == ("team_id" in columns), c


async def test_export_holds_every_row_field_by_field(db_path: Path, core: Core) -> None:
    await run(core, ALICE, "streak Europe/Berlin")
    await practise(core, ALICE, ["good", "hard", "again"])
    await practise(core, BOB, ["easy"])
    await run(core, ADMIN, "qotd setup 09:00 Europe/Berlin admins=alice")

    replies = await run(core, ALICE, "privacy export")
    reply = replies[-1]
    assert reply.private and reply.file is not None and reply.file.filename.endswith(".json")
    document = json.loads(reply.file.data)
    assert document["user_id"] == "alice" and document["platform"] == "test"
    tables = document["tables"]
    for table in dict.fromkeys(c.table for c in USER_TABLES):
        columns = [c.column for c in USER_TABLES if c.table == table]
        where = " OR ".join(f"{c} = 'alice'" for c in columns)
        names = schema(db_path)[table]
        expected = [dict(zip(names, row, strict=True)) for row in
                    query(db_path, f"SELECT * FROM {table} WHERE platform = 'test' AND ({where})")]
        assert sorted(map(json.dumps, tables[table])) == sorted(map(json.dumps, expected)), table
    assert tables["users"][0]["timezone"] == "Europe/Berlin"
    assert len(tables["grades"]) == 3 and {g["grade"] for g in tables["grades"]} == {"good", "hard", "again"}
    assert tables["team_admins"] == [{"platform": "test", "team_id": "T1", "user_id": "alice"}]
    assert all(row.get("user_id") != "bob" for rows in tables.values() for row in rows)
    assert f"{sum(len(v) for v in tables.values())} rows" in reply.text


async def test_delete_needs_the_button_then_leaves_nothing(db_path: Path, core: Core) -> None:
    await practise(core, ALICE, ["good", "easy", "hard"])
    await practise(core, BOB, ["good"])
    await practise(core, CAROL, ["hard", "good"])
    await run(core, ADMIN, "qotd setup 09:00 Europe/Berlin admins=alice")
    await run(core, ALICE, "qotd setup 10:00")  # alice, allow-listed, is now the schedule's author
    before = user_rows(db_path, "alice")
    assert before["grades.user_id"] == 3 and before["schedules.created_by"] == 1

    asked = await run(core, ALICE, "privacy delete")
    nonce = erase_nonce(asked)
    pending = user_rows(db_path, "alice")
    assert pending == {**before, "privacy_requests.requester_id": 1, "privacy_requests.target_id": 1}
    assert (await press(core, BOB, "erase", nonce))[0].is_error  # not bob's confirmation
    done = await press(core, ALICE, "erase", nonce)
    assert not done[0].is_error, texts(done)
    assert "grades 3" in done[0].text and "posts 3" in done[0].text
    assert all(n == 0 for n in user_rows(db_path, "alice").values()), user_rows(db_path, "alice")
    assert scalar(db_path, "SELECT COUNT(*) FROM schedules") == 1  # the team's schedule stays
    assert_boards_consistent(db_path)
    board = texts(await run(core, BOB, "leaderboard"))
    assert "Alice" not in board and "🥇" in board
    # the same button again does nothing
    assert (await press(core, ALICE, "erase", nonce))[0].is_error

    # The next command starts a new profile and says so, once; the digest goes with it.
    first = await run(core, ALICE, "streak")
    assert "new, empty profile" in first[0].text
    assert scalar(db_path, "SELECT COUNT(*) FROM erasures WHERE digest = ?", (erasure_digest("test", "alice"),)) == 0
    assert "new, empty profile" not in texts(await run(core, ALICE, "streak"))


async def test_a_late_click_after_delete_starts_a_new_profile_and_says_so(db_path: Path, core: Core) -> None:
    await run(core, ADMIN, "qotd setup 09:00 Europe/Berlin")
    await run(core, ADMIN, "qotd now")
    qotd = scalar(db_path, "SELECT id FROM posts WHERE kind = 'qotd'")
    quiz = card_post_id(await run(core, ALICE, "quiz"))
    await press(core, ALICE, "good", qotd)
    await press(core, ALICE, "erase", erase_nonce(await run(core, ALICE, "privacy delete")))
    # a button on a private quiz from before the delete: that quiz is gone with the rest
    assert (await press(core, ALICE, "good", quiz))[0].is_error
    assert scalar(db_path, "SELECT COUNT(*) FROM users WHERE user_id = 'alice'") == 0
    # a button on the channel's question of the day: a new profile, and the user is told
    replies = await press(core, ALICE, "good", qotd)
    assert "new, empty profile" in replies[0].text and "Graded" in texts(replies)
    assert scalar(db_path, "SELECT COUNT(*) FROM grades WHERE user_id = 'alice'") == 1


async def test_admin_deletes_for_a_member_and_the_log_names_nobody(db_path: Path, core: Core, caplog) -> None:
    await practise(core, BOB, ["good"])
    refused = await run(core, ALICE, "privacy delete <@bob>")
    assert refused[-1].is_error and "admins" in refused[-1].text
    asked = await run(core, ADMIN, "privacy delete <@bob>")
    with caplog.at_level("INFO"):
        done = await press(core, ADMIN, "erase", erase_nonce(asked))
    assert "That member's data is deleted" in done[0].text
    assert all(n == 0 for n in user_rows(db_path, "bob").values())
    logged = [r.getMessage() for r in caplog.records if "privacy" in r.getMessage()]
    assert logged == ["privacy: an admin deleted a member's data on test"]
    assert not any("bob" in r.getMessage() for r in caplog.records)


async def test_an_admin_reaches_only_their_own_team(db_path: Path, core: Core) -> None:
    elsewhere = make_actor("bob", team="T2")
    await practise(core, BOB, ["good"])
    await practise(core, elsewhere, ["easy"])
    done = await press(core, ADMIN, "erase", erase_nonce(await run(core, ADMIN, "privacy delete <@bob>")))
    assert "That member's data in this team is deleted" in done[0].text and "another team" in done[0].text
    assert query(db_path, "SELECT DISTINCT team_id FROM grades WHERE user_id = 'bob'") == [("T2",)]
    assert query(db_path, "SELECT DISTINCT team_id FROM scores WHERE user_id = 'bob'") == [("T2",)]
    assert scalar(db_path, "SELECT COUNT(*) FROM users WHERE user_id = 'bob'") == 1
    assert scalar(db_path, "SELECT COUNT(*) FROM erasures") == 0
    assert_boards_consistent(db_path)
    # bob himself deletes everything, in every team
    done = await press(core, elsewhere, "erase", erase_nonce(await run(core, elsewhere, "privacy delete")))
    assert all(n == 0 for n in user_rows(db_path, "bob").values())


async def test_confirmation_expires(core: Core, clock) -> None:
    nonce = erase_nonce(await run(core, ALICE, "privacy delete"))
    clock.advance(timedelta(minutes=16))
    assert "expired" in (await press(core, ALICE, "erase", nonce))[0].text


async def test_hide_and_show(db_path: Path, core: Core) -> None:
    await practise(core, ALICE, ["good", "good"])  # alice leads
    await practise(core, BOB, ["good"])
    assert "🥇 Alice" in texts(await run(core, BOB, "leaderboard"))

    hidden = await run(core, ALICE, "leaderboard hide")
    assert "hidden" in hidden[-1].text and hidden[-1].private
    board = await run(core, BOB, "leaderboard")
    assert "Alice" not in texts(board) and "🥇 Bob" in texts(board)
    assert "Alice" not in texts(await run(core, BOB, "leaderboard all"))
    assert "Alice" not in texts(await run(core, BOB, "leaderboard python-data"))  # topic boards too
    mine = await run(core, ALICE, "leaderboard")
    public = [r for r in mine if not r.private]
    assert public and "Alice" not in texts(public)
    assert any(r.private and "Your rank: #1" in r.text for r in mine)
    # bob's rank is computed without alice ahead of him
    from bot.store import boards
    board_me = await boards.period_board(core.store, "test", "T1", "all", "bob", limit=0)
    assert board_me.me is not None and board_me.me.rank == 1

    await run(core, ALICE, "leaderboard show")
    assert "🥇 Alice" in texts(await run(core, BOB, "leaderboard"))


async def test_privacy_arguments_get_clear_errors(core: Core) -> None:
    assert "export" in (await run(core, ALICE, "privacy"))[-1].text
    assert (await run(core, ALICE, "privacy export <@bob>"))[-1].is_error
    assert (await run(core, ALICE, "leaderboard hide month"))[-1].is_error


async def test_the_weekly_board_post_leaves_hidden_players_out(core: Core, clock, outbound) -> None:
    from datetime import UTC, datetime

    await run(core, ADMIN, "qotd setup 09:00 Europe/Berlin weekly=on")
    await practise(core, ALICE, ["good", "good"])
    await practise(core, BOB, ["good"])
    await run(core, ALICE, "leaderboard hide")
    clock.set(datetime(2026, 11, 30, 8, 30, tzinfo=UTC))  # Monday 09:30 in Berlin
    await core.tick()
    [board] = [p for p in outbound.board_posts() if "Last week's leaderboard" in p.reply.text]
    assert "🥇 Bob" in board.reply.text and "Alice" not in board.reply.text
