"""The console playground: type the bot's commands in a terminal, or pipe a script to stdin.

Commands are the slash commands every platform has (`/quiz pytorch hard`, `/streak`, `/qotd setup ...`), the
buttons as words (`reveal`, `hint`, `skip`, `again`, `hard`, `good`, `easy`, `next`), `answer TEXT` (your answer
to the card on screen, in your own words, checked against its key points), and console extras:
`/suggest TOPIC DIFFICULTY PROMPT | ANSWER` proposes a question, and after `/qotd suggestions` the words
`approve` and `reject [reason]` act on the first suggestion shown; `/as NAME [admin]` switches user, `/clock +1d`
moves time forward (the question of the day and streaks move with it), `/react` reacts 👀 to the latest question
of the day, `confirm` presses the confirm button of a `/privacy delete`, `/quit` ends. A `/privacy export` file
is written to the export folder and its path printed.
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from adapters.console.images import image_folder, save_images
from adapters.console.lines import CLOCK_USAGE, ClockStepError, describe_step, parse_clock_step, split_words
from adapters.console.outbound import ConsoleOutbound
from adapters.console.render import render_reply
from bot.clock import ManualClock
from bot.commands.replies import APOLOGY, BUTTON_LABELS, Reply
from bot.core import Core
from bot.domain.events import Actor, ButtonPress, Command, Place, Reaction
from bot.practice.answers import AnswerSubmission
from bot.suggestions.service import SUGGESTION_ACTIONS

PLATFORM = "console"
TEAM = "playground"
CHANNEL = "general"
# `/clock` runs the bot minute by minute (in half hours beyond six hours) over at most this much of a step; time
# before that passes as if the bot was switched off, so even ten years move in about a second.
CLOCK_DETAIL = timedelta(days=7)
log = logging.getLogger(__name__)
CONSOLE_HELP = """Console extras: /as NAME [admin] (switch user), /clock +30m|+2h|+1d|+1w (move time, at most +3650d), \
/react (👀 on today's question), /quit. Buttons: type reveal, hint, skip, again, hard, good, easy, next; \
`answer TEXT` answers the card on screen in your own words; \
after /qotd suggestions, approve or reject [reason] (the first suggestion shown); confirm (a /privacy delete)."""
ANSWER_USAGE = "Usage: answer TEXT — your answer to the card on screen, in your own words, on one line."


@dataclass
class ConsoleUser:
    name: str
    is_admin: bool


class ConsoleSession:
    """Turns lines of text into core events and prints the replies."""

    def __init__(self, core: Core, clock: ManualClock, out: TextIO, outbound: ConsoleOutbound,
                 export_dir: Path | None = None, image_dir: Path | None = None) -> None:
        self.core = core
        self.clock = clock
        self.out = out
        self.user = ConsoleUser("you", True)
        self.place = Place(PLATFORM, TEAM, CHANNEL)
        self._last_post: dict[str, int] = {}
        self._first_suggestion: dict[str, int] = {}  # per user: the first suggestion the last queue showed
        self._confirm: dict[str, int] = {}  # user -> the nonce of their pending /privacy delete button
        self.export_dir = export_dir or Path(tempfile.gettempdir()) / "mlq-exports"
        core.register_outbound(outbound)
        self.outbound = outbound
        self.image_dir = image_dir or image_folder(getattr(core.store, "path", None))

    def actor(self) -> Actor:
        return Actor(PLATFORM, TEAM, self.user.name, self.user.name, self.user.is_admin)

    def say(self, text: str) -> None:
        self.out.write(text.rstrip() + "\n")

    def show(self, replies: list[Reply]) -> None:
        first_suggestion = None
        for reply in replies:
            self.say(render_reply(reply))
            if reply.file is not None:
                self.say(f"📎 Saved to {self._save(reply.file.filename, reply.file.data)}")
            for line in save_images(reply, self.image_dir):
                self.say(line)
            if reply.buttons and reply.buttons[0].action in SUGGESTION_ACTIONS:
                first_suggestion = first_suggestion or reply.buttons[0].post_id  # a suggestion id, not a post
            elif reply.buttons and reply.buttons[0].action == "erase":
                self._confirm[self.user.name] = reply.buttons[0].post_id
            elif reply.buttons:
                self._last_post[self.user.name] = reply.buttons[0].post_id
        if first_suggestion is not None:
            self._first_suggestion[self.user.name] = first_suggestion

    def _save(self, filename: str, data: bytes) -> Path:
        """Write an export privately (mode 0600, like the database) and return its path."""
        self.export_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.export_dir / re.sub(r"[^A-Za-z0-9._-]", "_", filename)
        path.touch(mode=0o600)
        path.write_bytes(data)
        return path

    async def handle_line(self, line: str) -> bool:
        """Process one line; False when the session should end."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        words = split_words(line)
        if not words or not words[0].strip():
            self.say(f"I could not read that line. Start it with a command such as /quiz, or type a button word "
                     f"such as reveal. {CONSOLE_HELP}")
            return True
        head, args = words[0].lower(), tuple(words[1:])
        if head in ("/quit", "/exit", "quit", "exit"):
            return False
        if head == "/as":
            return self._switch_user(args)
        try:
            if head == "answer":
                # the text as typed (quotes, spacing and all), not split into words
                await self._answer(line.split(None, 1)[1] if len(line.split(None, 1)) > 1 else "")
                await self.core.tick()
                return True
            await self._dispatch(head, args)
        except Exception:
            # The playground keeps running whatever a line does, like the bot on a platform.
            log.exception("console line failed: %r", line)
            self.say(APOLOGY)
        return True

    async def _dispatch(self, head: str, args: tuple[str, ...]) -> None:
        if head == "/clock":
            await self._move_clock(args)
        elif head == "/react":
            await self._react()
        elif head in ("/console", "/?"):
            self.say(CONSOLE_HELP)
        elif head.startswith("/"):
            self.show(await self.core.handle_command(Command(self.actor(), self.place, head[1:], args)))
        elif head in SUGGESTION_ACTIONS:
            await self._decide(head, args)
        elif head == "confirm":
            await self._confirm_delete()
        elif head in BUTTON_LABELS and head not in SUGGESTION_ACTIONS and head != "erase":
            await self._press(head)
        else:
            self.say(f"Unknown input `{head}`. Type /help for commands. {CONSOLE_HELP}")
        await self.core.tick()

    def _switch_user(self, args: tuple[str, ...]) -> bool:
        if not args or not args[0].strip():
            self.say("Usage: /as NAME [admin]")
            return True
        self.user = ConsoleUser(args[0], len(args) > 1 and args[1].lower() == "admin")
        self.say(f"You are now {self.user.name}{' (admin)' if self.user.is_admin else ''}.")
        return True

    async def _move_clock(self, args: tuple[str, ...]) -> None:
        if args:
            try:
                if len(args) > 1:
                    raise ClockStepError(CLOCK_USAGE)
                step = parse_clock_step(args[0])
            except ClockStepError as exc:
                self.say(str(exc))
                return
            try:
                end = self.clock.now() + step
            except OverflowError:
                self.say("The clock cannot move past the year 9999.")
                return
            if step > CLOCK_DETAIL:
                self.clock.set(end - CLOCK_DETAIL)
                self.say(f"⏩ Skipped {describe_step(step - CLOCK_DETAIL)} as if the bot was switched off; "
                         f"the last {CLOCK_DETAIL.days} days run as usual.")
            # Tick minute by minute (in half-hour steps beyond six hours) so due posts fire on their own day.
            stride = timedelta(minutes=1) if step <= timedelta(hours=6) else timedelta(minutes=30)
            while self.clock.now() + stride <= end:
                self.clock.advance(stride)
                await self.core.tick()
            self.clock.set(end)
        self.say(f"🕒 It is now {self.clock.now():%a %d %b %Y %H:%M} UTC.")

    async def _react(self) -> None:
        post = await self.core.latest_qotd(self.place)
        if post is None or not post.message_id:
            self.say("There is no question of the day to react to yet.")
            return
        replies = await self.core.handle_reaction(Reaction(self.actor(), self.place, post.message_id, "eyes"))
        self.say(f"[DM to {self.user.name}]")
        self.show(replies)

    async def _answer(self, text: str) -> None:
        post_id = self._last_post.get(self.user.name)
        if post_id is None:
            latest = await self.core.latest_qotd(self.place)
            post_id = latest.id if latest else None
        if post_id is None:
            self.say("No question on screen to answer. Start with /quiz.")
            return
        if not text.strip():
            self.say(ANSWER_USAGE)
            return
        self.show(await self.core.handle_answer(AnswerSubmission(self.actor(), self.place, post_id, text)))

    async def _decide(self, verb: str, reason: tuple[str, ...]) -> None:
        """`approve` / `reject [reason]` / `edit` (how to): the first suggestion the last `/qotd suggestions` showed."""
        shown = self._first_suggestion.get(self.user.name) if verb == "edit" else \
            self._first_suggestion.pop(self.user.name, None)
        if shown is None:
            self.say("No suggestion on screen. An admin lists them with /qotd suggestions.")
            return
        if verb == "edit":
            self.show(await self.core.handle_button(ButtonPress(self.actor(), self.place, "edit", shown)))
            return
        words = ("suggestions", verb, str(shown), *(reason if verb == "reject" else ()))
        self.show(await self.core.handle_command(Command(self.actor(), self.place, "qotd", words)))

    async def _confirm_delete(self) -> None:
        nonce = self._confirm.pop(self.user.name, None)
        if nonce is None:
            self.say("Nothing to confirm. `/privacy delete` asks first.")
            return
        self.show(await self.core.handle_button(ButtonPress(self.actor(), self.place, "erase", nonce)))

    async def _press(self, action: str) -> None:
        post_id = self._last_post.get(self.user.name)
        if action in ("reveal", "again", "hard", "good", "easy") and post_id is None:
            latest = await self.core.latest_qotd(self.place)
            post_id = latest.id if latest else None
        if post_id is None:
            self.say("No question on screen. Start with /quiz.")
            return
        self.show(await self.core.handle_button(ButtonPress(self.actor(), self.place, action, post_id)))
