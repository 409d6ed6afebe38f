"""A reply's pictures on Slack: uploaded with files_upload_v2 (files.getUploadURLExternal, the upload, then
files.completeUploadExternal; scope files:write), with the image's alt text.

A public reply's pictures are shared in its channel. A private reply's go to the user's direct message with the
app: an uploaded file is visible to everyone in the channel it is shared to (there is no ephemeral file), and a
file shared nowhere cannot be shown in a message's image block. The DM's id comes back from a chat.postMessage
to the user id (so no im:write is needed). The text of the reply carries the same figures in any case, so a
failed upload is only logged.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.lograte import LogOnce
from bot.commands.replies import Reply

log = logging.getLogger(__name__)
_quiet = LogOnce(log)
PRIVATE_NOTE = "📊 The picture is in your direct messages with me (the app's Messages tab)."


def with_image_note(reply: Reply) -> Reply:
    """A private reply with pictures says where they went (its own text stays where the command was typed)."""
    if not reply.images or not reply.private:
        return reply
    return replace(reply, text=f"{reply.text}\n_{PRIVATE_NOTE}_" if reply.text else f"_{PRIVATE_NOTE}_")


async def upload_images(client: AsyncWebClient, reply: Reply, *, channel: str, user: str | None = None) -> None:
    """Upload the reply's pictures: to `channel` when public (or already a DM), else to `user`'s DM."""
    if not reply.images:
        return
    try:
        target = channel
        if reply.private and not channel.startswith("D"):
            if not user:
                return
            opened = await client.chat_postMessage(channel=user, text=f"📊 {reply.title or 'Your picture'}")
            target = str(opened["channel"])
        for image in reply.images:
            await client.files_upload_v2(channel=target, file=image.png, filename=image.filename, title=image.alt,
                                         alt_txt=image.alt[:1000])
    except Exception as exc:
        _quiet.log(logging.WARNING, ("files_upload_v2", type(exc)), "could not upload a picture to %s: %r",
                   channel, exc)
