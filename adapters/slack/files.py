"""Files the core attaches to a private reply (a `/privacy export`) go to the user's DM with the app.

A slash command's answer is an ephemeral message, which cannot carry a file: the file is uploaded with
files_upload_v2 into the DM (conversations.open, scope im:write; upload, scope files:write) and the reply says so.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.common import error_code
from bot.commands.replies import Reply

log = logging.getLogger(__name__)
SENT = "I sent the file to our direct messages (the app's Messages tab)."
NOT_SENT = "I could not send you the file ({code}). Ask an admin to check that the app may write to your DMs."


async def send_files(client: AsyncWebClient, user_id: str, replies: list[Reply]) -> list[Reply]:
    """Upload each reply's file to the user's DM; the replies come back without files, saying where they went."""
    out = []
    for reply in replies:
        if reply.file is None:
            out.append(reply)
            continue
        try:
            opened = await client.conversations_open(users=user_id)
            channel = str((opened.get("channel") or {}).get("id"))
            await client.files_upload_v2(channel=channel, filename=reply.file.filename, content=reply.file.data,
                                         title=reply.file.filename, initial_comment=reply.title or "Your file")
            note = SENT
        except SlackApiError as exc:
            log.warning("could not upload a file to a DM: %s", error_code(exc))
            note = NOT_SENT.format(code=error_code(exc))
        except Exception as exc:  # network trouble: the user is told, the bot carries on
            log.warning("could not upload a file to a DM: %r", exc)
            note = NOT_SENT.format(code=type(exc).__name__)
        out.append(replace(reply, file=None, text=f"{reply.text}\n{note}".strip()))
    return out
