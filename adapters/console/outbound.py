"""The console's Outbound: public posts are printed and appended to a JSON-lines channel log.

The log plays the platform's part: after a crash, `find_posted` finds a post that reached the "channel"
before its message id was saved, so the core completes it instead of posting twice.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import TextIO

from adapters.console.images import image_folder, save_images
from adapters.console.render import render_reply
from bot.commands.replies import Reply
from bot.domain.events import Place, PostedMessage


class ConsoleOutbound:
    platform = "console"

    def __init__(self, out: TextIO, log_path: Path | None = None) -> None:
        self.out = out
        self.log_path = log_path
        self._ids = itertools.count(1)
        self.posts: list[dict[str, str | None]] = self._read_log()

    def _read_log(self) -> list[dict[str, str | None]]:
        if not self.log_path or not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line.strip()]

    def _record(self, entry: dict[str, str | None]) -> None:
        self.posts.append(entry)
        if self.log_path:
            with self.log_path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")
                f.flush()

    def _new_id(self) -> str:
        return f"m{len(self.posts) + 1}-{next(self._ids)}"

    async def post(self, place: Place, reply: Reply, *, mention: str | None, make_thread: bool) -> PostedMessage:
        message_id = self._new_id()
        self._record({"kind": "post", "channel": place.channel_id, "message_id": message_id,
                      "key": reply.dedupe_key, "text": reply.card.question.id if reply.card else reply.text})
        ping = f"@{mention} " if mention else ""
        self.out.write(f"\n[#{place.channel_id}] {ping}{render_reply(reply)}\n")
        for line in save_images(reply, image_folder(self.log_path)):
            self.out.write(f"{line}\n")
        return PostedMessage(message_id=message_id, thread_id=message_id if make_thread else None)

    async def post_in_thread(self, place: Place, message: PostedMessage, reply: Reply) -> None:
        self._record({"kind": "thread", "channel": place.channel_id, "message_id": message.message_id,
                      "key": None, "text": reply.card.question.id if reply.card else reply.text})
        self.out.write(f"\n[#{place.channel_id} › thread] {render_reply(reply)}\n")

    async def send_private(self, team_id: str, user_id: str, reply: Reply) -> bool:
        self.out.write(f"\n[DM to {user_id}] {render_reply(reply)}\n")
        return True

    async def notify_admins(self, place: Place, text: str) -> None:
        self.out.write(f"\n[to the admins of {place.team_id}] {text}\n")

    async def find_posted(self, place: Place, key: str) -> PostedMessage | None:
        for entry in self.posts:
            if entry.get("key") == key and entry.get("channel") == place.channel_id:
                message_id = str(entry["message_id"])
                return PostedMessage(message_id=message_id, thread_id=message_id)
        return None

    async def champion_problem(self, place: Place, champion: str) -> str | None:
        return None  # the playground has no permissions to miss

    async def move_champion(self, place: Place, champion: str, previous: str | None, winner: str) -> None:
        self._record({"kind": "champion", "channel": place.channel_id, "message_id": None, "key": None,
                      "text": f"{champion}:{previous or ''}:{winner}"})
        self.out.write(f"\n[roles] @{champion} moves to {winner}" + (f" (from {previous})" if previous else "") + "\n")
