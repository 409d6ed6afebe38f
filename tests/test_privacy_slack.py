"""Issue 14 end to end on Slack: the real slack-bolt and core against the fake Slack on loopback.

Export uploaded to the user's DM with files_upload_v2; delete behind a confirm button (and by an admin for a
mentioned member); /leaderboard hide|show; the champion user group updated once at a month boundary across a
restart, and a missing scope reported to the admins.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from adapters.slack.runner import build_app
from bot.app import open_core
from bot.store.privacy import USER_TABLES
from tests import test_slack_adapter as slack_rig
from tests.fakes.slack_fake import GRANTED_SCOPES, FakeSlack
from tests.test_slack_adapter import HTTP_ENV, Rig, action_ids, texts

# The Slack rig's fixtures, under their own names so that pytest finds them here.
bank_dir, core, fake, rig = slack_rig.bank_dir, slack_rig.core, slack_rig.fake, slack_rig.rig

FIRST_OF_FEBRUARY = datetime(2025, 2, 1, 0, 30, tzinfo=UTC)
GROUP = "S0CHAMPS01"


async def graded(rig: Rig, user: str = "UMEMBER", grade: str = "good") -> None:
    await rig.slack.command("/quiz", "pytorch hard", user_id=user, response_url=rig.fake.response_url())
    post_id = rig.db("SELECT MAX(id) FROM posts WHERE user_id = ?", (user,))[0][0]
    await rig.slack.click(f"mlq:{grade}:{post_id}", user_id=user, response_url=rig.fake.response_url("g"))
    assert rig.db("SELECT COUNT(*) FROM grades WHERE post_id = ?", (post_id,)) == [(1,)]


def rows_about(rig: Rig, user: str) -> dict[str, int]:
    return {f"{c.table}.{c.column}": rig.db(f"SELECT COUNT(*) FROM {c.table} WHERE {c.column} = ?", (user,))[0][0]
            for c in USER_TABLES}


async def test_export_goes_to_the_dm_as_a_json_file(rig: Rig) -> None:
    await graded(rig)
    body = (await rig.slack.command("/privacy", "export", user_id="UMEMBER",
                                    response_url=rig.fake.response_url())).json()
    assert body["response_type"] == "ephemeral" and "sent the file to our direct messages" in texts(body)
    [upload] = rig.fake.uploads.values()
    assert upload["channel"].startswith("D")  # the DM's conversation id, as completeUploadExternal requires
    assert rig.fake.calls_to("conversations.open")[0].body["users"] == "UMEMBER"
    document = json.loads(upload["data"])
    assert upload["filename"] == "mlq-export-slack-UMEMBER.json"
    grades = document["tables"]["grades"]
    assert [(g["user_id"], g["question_id"], g["grade"], g["points"]) for g in grades] == \
        rig.db("SELECT user_id, question_id, grade, points FROM grades")
    assert document["tables"]["users"][0]["platform_timezone"] == "America/New_York"


async def test_export_without_files_write_says_why(rig: Rig) -> None:
    rig.fake.scopes = GRANTED_SCOPES - {"files:write"}
    body = (await rig.slack.command("/privacy", "export", user_id="UMEMBER",
                                    response_url=rig.fake.response_url())).json()
    assert "could not send you the file (missing_scope)" in texts(body)


async def test_delete_behind_a_button_and_by_an_admin_for_a_member(rig: Rig) -> None:
    await graded(rig)
    await graded(rig, "UOWNER")
    body = (await rig.slack.command("/privacy", "delete", user_id="UMEMBER",
                                    response_url=rig.fake.response_url())).json()
    [erase] = action_ids(body)
    assert erase.startswith("mlq:erase:") and rows_about(rig, "UMEMBER")["grades.user_id"] == 1
    await rig.slack.click(erase, user_id="UMEMBER", response_url=rig.fake.response_url("del"))
    [done] = rig.fake.posts_to("del")
    assert done["replace_original"] is True and "Your data is deleted" in texts(done) and "grades 1" in texts(done)
    assert all(n == 0 for n in rows_about(rig, "UMEMBER").values()), rows_about(rig, "UMEMBER")

    refused = (await rig.slack.command("/privacy", "delete <@UOWNER|owner>", user_id="UMEMBER",
                                       response_url=rig.fake.response_url())).json()
    assert "new, empty profile" in texts(refused) and "admins" in texts(refused)
    body = (await rig.slack.command("/privacy", "delete <@UOWNER|owner>", user_id="UADMIN",
                                    response_url=rig.fake.response_url())).json()
    await rig.slack.click(action_ids(body)[0], user_id="UADMIN", response_url=rig.fake.response_url("adm"))
    assert "That member's data is deleted" in texts(rig.fake.posts_to("adm")[0])
    assert rig.db("SELECT COUNT(*) FROM grades") == [(0,)]


async def test_leaderboard_hide_and_show(rig: Rig) -> None:
    await graded(rig)
    await graded(rig, "UOWNER", "hard")
    hidden = (await rig.slack.command("/leaderboard", "hide", user_id="UMEMBER",
                                      response_url=rig.fake.response_url())).json()
    assert hidden["response_type"] == "ephemeral" and "hidden" in texts(hidden)
    board = (await rig.slack.command("/leaderboard", "", user_id="UOWNER", response_url=rig.fake.response_url())).json()
    assert "umember" not in texts(board).lower() and "🥇" in texts(board)
    await rig.slack.command("/leaderboard", "show", user_id="UMEMBER", response_url=rig.fake.response_url())
    board = (await rig.slack.command("/leaderboard", "", user_id="UOWNER", response_url=rig.fake.response_url())).json()
    assert "🥇 umember" in texts(board).lower()


async def test_champion_user_group_updated_once_across_a_restart(rig: Rig, fake: FakeSlack, bank_dir: Path) -> None:
    fake.usergroups[GROUP] = ["UADMIN"]
    body = (await rig.slack.command("/qotd", f"setup 09:00 UTC daily champion=<!subteam^{GROUP}|@champs>",
                                    user_id="UADMIN", response_url=rig.fake.response_url("setup"))).json()
    assert "Monthly champion" in json.dumps([body, *fake.posts_to("setup")])
    await graded(rig)
    rig.clock.set(FIRST_OF_FEBRUARY)  # type: ignore[attr-defined]
    await rig.core.tick()
    await rig.core.tick()
    async with open_core(database=rig.database, clock=rig.clock, bank_paths=[bank_dir]) as again:  # a restart
        build_app(again, env=HTTP_ENV, client_base_url=fake.base_url, post_interval=0.0)
        await again.tick()
    assert [c.body["users"] for c in fake.calls_to("usergroups.users.update")] == ["UMEMBER"]
    assert fake.usergroups[GROUP] == ["UMEMBER"]
    posts = [c.body for c in fake.calls_to("chat.postMessage") if "Champion of January 2025" in json.dumps(c.body)]
    assert len(posts) == 1 and posts[0]["channel"] == "C0001"


async def test_champion_without_the_scope_tells_the_admins(rig: Rig, fake: FakeSlack) -> None:
    fake.usergroups[GROUP] = []
    fake.scopes = GRANTED_SCOPES - {"usergroups:write"}
    await rig.slack.command("/qotd", f"setup 09:00 UTC daily champion=<!subteam^{GROUP}|@champs>",
                            user_id="UADMIN", response_url=rig.fake.response_url())
    await graded(rig)
    rig.clock.set(FIRST_OF_FEBRUARY)  # type: ignore[attr-defined]
    await rig.core.tick()
    await rig.core.tick()
    notices = [c.body for c in fake.calls_to("chat.postMessage") if "could not give the champion" in json.dumps(c.body)]
    assert notices and "missing_scope" in json.dumps(notices[0]) and fake.usergroups[GROUP] == []
    assert len(fake.calls_to("usergroups.users.update")) == 1  # claimed: not retried every minute
