"""A reply's pictures on Slack: uploaded with files_upload_v2 (files.getUploadURLExternal, the upload, then
files.completeUploadExternal; scope files:write), with the image's alt text.

A public reply's pictures are shared in its channel. A private reply's go to the user's direct message with the
app: an uploaded file is visible to everyone in the channel it is shared to (there is no ephemeral file), and a
file shared nowhere cannot be shown in a message's image block. The DM's id comes back from a chat.postMessage
to the user id (so no im:write is needed). The text of the reply carries the same figures in any case, so a
failed upload is only logged. A private picture already sent to a user (the same bytes) is not sent again: a
repeated `/streak` adds no DM.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import replace

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.lograte import LogOnce
from bot.commands.replies import Reply

log = logging.getLogger(__name__)
_quiet = LogOnce(log)
PRIVATE_NOTE = "📊 The picture is in your direct messages with me (the app's Messages tab)."
REMEMBERED = 10_000


class SentPictures:
    """(user, picture) pairs already in a user's DM, per app; another process not knowing one only re-sends it."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self.size = size
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    @staticmethod
    def _key(user: str, png: bytes) -> tuple[str, str]:
        return user, hashlib.sha256(png).hexdigest()

    def has(self, user: str, png: bytes) -> bool:
        """Whether this user already got this picture."""
        return self._key(user, png) in self._seen

    def add(self, user: str, png: bytes) -> None:
        """Remember a picture delivered to a user (the oldest are forgotten past `size`)."""
        key = self._key(user, png)
        self._seen[key] = None
        self._seen.move_to_end(key)
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)


def with_image_note(reply: Reply) -> Reply:
    """A private reply with pictures says where they went (its own text stays where the command was typed)."""
    if not reply.images or not reply.private:
        return reply
    return replace(reply, text=f"{reply.text}\n_{PRIVATE_NOTE}_" if reply.text else f"_{PRIVATE_NOTE}_")


async def upload_images(client: AsyncWebClient, reply: Reply, *, channel: str, user: str | None = None,
                        sent: SentPictures | None = None) -> None:
    """Upload the reply's pictures: to `channel` when public (or already a DM), else to `user`'s DM."""
    if not reply.images:
        return
    images = reply.images
    if reply.private and sent is not None:
        images = tuple(i for i in images if not sent.has(user or channel, i.png))
        if not images:
            return
    try:
        target = channel
        if reply.private and not channel.startswith("D"):
            if not user:
                return
            opened = await client.chat_postMessage(channel=user, text=f"📊 {reply.title or 'Your picture'}")
            target = str(opened["channel"])
        for image in images:
            await client.files_upload_v2(channel=target, file=image.png, filename=image.filename, title=image.alt,
                                         alt_txt=image.alt[:1000])
            if reply.private and sent is not None:
                sent.add(user or channel, image.png)
    except Exception as exc:
        _quiet.log(logging.WARNING, ("files_upload_v2", type(exc)), "could not upload a picture to %s: %r",
                   channel, exc)
