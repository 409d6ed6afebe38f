"""Pictures on Slack, end to end through slack-bolt and slack_sdk's files_upload_v2 against the fake: the upload
URL, the bytes and files.completeUploadExternal with the right channel; a private reply's picture goes to the
user's DM with the app (never to the channel), a public one to the channel."""

from __future__ import annotations

import asyncio
import io

from PIL import Image as PILImage

from adapters.slack.images import PRIVATE_NOTE
from bot.commands.replies import Image, Reply
from bot.domain.events import Place
from bot.practice.pictures import render_leaderboard
from tests import test_slack_adapter as slack_rig
from tests.fakes.slack_fake import TEAM_ID
from tests.test_slack_adapter import CHANNEL, Rig, eventually, texts

# The Slack rig of test_slack_adapter (a fake Slack, a real core, the Bolt app on loopback), shared as fixtures.
bank_dir, fake, core, rig = slack_rig.bank_dir, slack_rig.fake, slack_rig.core, slack_rig.rig


def decoded(upload: dict[str, object]) -> PILImage.Image:
    data = upload["data"]
    assert isinstance(data, bytes) and len(data) == upload["length"]
    image = PILImage.open(io.BytesIO(data))
    image.load()
    return image


async def test_private_progress_text_where_typed_picture_in_the_dm(rig: Rig) -> None:
    body = (await rig.slack.command("/progress", "", user_id="UMEMBER", channel_id=CHANNEL,
                                    response_url=rig.fake.response_url())).json()
    assert body["response_type"] == "ephemeral"
    shown = texts(body)
    assert "pytorch: readiness 0%, coverage 0% (0 of 2 seen)" in shown and "never seen count as not ready" in shown
    assert PRIVATE_NOTE in shown
    await eventually(lambda: rig.fake.shared_files())
    [upload] = rig.fake.shared_files()
    assert upload["channel"] == "DMEMBER"  # the DM the chat.postMessage to UMEMBER opened, not CHANNEL
    assert upload["filename"] == "readiness.png" and str(upload["alt_txt"]).startswith("Your readiness by topic")
    assert decoded(upload).width == 800
    assert rig.fake.shared_files(CHANNEL) == []


async def test_a_public_chart_is_shared_in_the_channel(rig: Rig) -> None:
    body = (await rig.slack.command("/leaderboard", "week chart", user_id="UMEMBER", channel_id=CHANNEL,
                                    response_url=rig.fake.response_url())).json()
    assert body["response_type"] == "in_channel" and PRIVATE_NOTE not in texts(body)
    await eventually(lambda: rig.fake.shared_files(CHANNEL))
    [upload] = rig.fake.shared_files(CHANNEL)
    assert upload["filename"] == "leaderboard.png" and upload["alt_txt"] == "Leaderboard chart: This week"
    decoded(upload)


async def test_a_failed_upload_loses_nothing_of_the_text(rig: Rig) -> None:
    rig.fake.channels[CHANNEL] = {"is_member": False}
    body = (await rig.slack.command("/leaderboard", "week chart", user_id="UMEMBER", channel_id=CHANNEL,
                                    response_url=rig.fake.response_url())).json()
    assert "This week" in texts(body)
    await eventually(lambda: rig.fake.calls_to("files.completeUploadExternal"))
    assert rig.fake.shared_files() == []


async def test_the_weekly_board_post_shares_its_chart_in_the_channel(rig: Rig) -> None:
    png = render_leaderboard([("Ann", 12.5)], "Last week")
    reply = Reply(text="Last week's leaderboard", private=False, images=(Image(png, "leaderboard.png", "chart"),))
    await rig.outbound.post(Place("slack", TEAM_ID, CHANNEL), reply, mention=None, make_thread=False)
    [upload] = rig.fake.shared_files(CHANNEL)
    assert upload["alt_txt"] == "chart" and decoded(upload).size[0] == 800


async def test_a_slow_upload_never_delays_the_answer_to_slack(rig: Rig) -> None:
    rig.fake.hang["files.getUploadURLExternal"] = 2.5
    started = asyncio.get_running_loop().time()
    body = (await rig.slack.command("/progress", "", user_id="UMEMBER", channel_id=CHANNEL,
                                    response_url=rig.fake.response_url())).json()
    assert asyncio.get_running_loop().time() - started < 1.5 and "readiness" in texts(body)
    assert rig.fake.shared_files() == []  # still uploading
    await eventually(lambda: rig.fake.shared_files(), timeout=6)


async def test_the_same_private_picture_is_not_sent_to_the_dm_twice(rig: Rig) -> None:
    for _ in range(2):
        body = (await rig.slack.command("/streak", "", user_id="UOWNER", channel_id=CHANNEL,
                                        response_url=rig.fake.response_url())).json()
        assert "Last 26 weeks: 0 active days, 0 freezes." in texts(body) and PRIVATE_NOTE in texts(body)
    await eventually(lambda: rig.fake.shared_files())
    assert [f["filename"] for f in rig.fake.shared_files()] == ["streak.png"]
    assert len([c for c in rig.fake.calls_to("chat.postMessage") if c.body.get("channel") == "UOWNER"]) == 1
