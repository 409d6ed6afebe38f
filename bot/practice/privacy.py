"""`/privacy export`, `/privacy delete` (with a confirm button), `/leaderboard hide|show`.

The registry of what is stored about a user lives in `bot.store.privacy`; this module decides who may do what
and says it to the user. A delete for someone else (an admin acting on a request) is logged without any content.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import timedelta

from bot.clock import Clock, iso, parse_iso
from bot.commands.args import PrivacyArgs
from bot.commands.replies import Attachment, Button, Reply, error, info
from bot.domain.events import Actor
from bot.store import privacy as store_privacy
from bot.store.store import Store

log = logging.getLogger(__name__)
CONFIRM_WINDOW = timedelta(minutes=15)
EXPORT_VERSION = 1
ADMINS_ONLY = "Only server admins (Manage Server on Discord, workspace admins or owners on Slack) can delete " \
    "another member's data; to delete your own, run `/privacy delete`."


class PrivacyService:
    def __init__(self, *, store: Store, clock: Clock, rng: random.Random) -> None:
        self.store = store
        self.clock = clock
        self.rng = rng

    async def run(self, actor: Actor, args: PrivacyArgs) -> Reply:
        if args.action == "export":
            return await self.export(actor)
        return await self.ask_delete(actor, args.target)

    async def export(self, actor: Actor) -> Reply:
        """Everything stored about the actor, as a JSON file sent privately."""
        tables = await store_privacy.export_user(self.store, actor.platform, actor.user_id)
        document = {"format": "ml-interview-bot export", "version": EXPORT_VERSION, "platform": actor.platform,
                    "user_id": actor.user_id, "exported_at": iso(self.clock.now()), "tables": tables}
        data = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False).encode()
        rows = sum(len(v) for v in tables.values())
        return Reply(text=f"Here is everything I hold about you: {rows} rows from {len(tables)} tables, as JSON. "
                          "`/privacy delete` deletes it.", title="Your data", private=True,
                     file=Attachment(f"mlq-export-{actor.platform}-{actor.user_id}.json", data))

    async def ask_delete(self, actor: Actor, target: str | None) -> Reply:
        """Step one of a delete: a confirm button (nothing is deleted yet)."""
        target = target or actor.user_id
        if target != actor.user_id and not actor.is_admin:
            return error(ADMINS_ONLY)
        nonce = self.rng.randrange(1, 2**53)
        await store_privacy.save_request(self.store, actor.platform, actor.team_id, actor.user_id, target, nonce,
                                         self.clock.now())
        where = "in every team on this platform" if target == actor.user_id else "in this team"
        whose = "your" if target == actor.user_id else "that member's"
        return Reply(text=f"This deletes all of {whose} data {where}: profile and settings, "
                          "grades, leaderboard totals, streaks, review cards, private quizzes. It cannot be undone. "
                          f"Press the button within {CONFIRM_WINDOW.seconds // 60} minutes to go ahead.",
                     title="Delete data?", buttons=(Button("erase", nonce),), private=True)

    async def confirm(self, actor: Actor, nonce: int) -> Reply:
        """Step two: the confirm button was pressed by the one who asked."""
        request = await store_privacy.take_request(self.store, actor.platform, actor.user_id, nonce)
        if request is None:
            return error("That confirmation is not pending any more (already used, or replaced by a newer "
                         "`/privacy delete`). Run `/privacy delete` again.")
        target, team, created = request
        now = self.clock.now()
        if now - parse_iso(created) > CONFIRM_WINDOW:
            return error("That confirmation expired. Run `/privacy delete` again if you still want it.")
        if target != actor.user_id and not actor.is_admin:
            return error(ADMINS_ONLY)
        # An admin acts for a member of their own team only: that member's rows elsewhere are not theirs to delete.
        counts = await store_privacy.delete_user(self.store, actor.platform, target, now,
                                                 None if target == actor.user_id else team)
        if target != actor.user_id:
            log.info("privacy: an admin deleted a member's data on %s", actor.platform)  # no ids, no content
        else:
            log.info("privacy: a user deleted their data on %s", actor.platform)
        total = sum(counts.values())
        if target == actor.user_id:
            what = "Your data"
        else:
            what = "That member's data" if counts.get("users") else "That member's data in this team"
        after = " Using the bot again starts a new, empty profile." if counts.get("users") else \
            " They still have data in another team, which only they can delete."
        return Reply(text=f"{what} is deleted: {total} rows ({store_privacy.summary(counts)}). Boards are "
                          f"recounted without them.{after}",
                     title="Data deleted", private=True, replace=True)

    async def set_hidden(self, actor: Actor, hidden: bool) -> Reply:
        await store_privacy.set_hidden(self.store, actor.platform, actor.user_id, hidden)
        if hidden:
            return info("You are hidden: you appear on no leaderboard, chart or champion post; others move up. "
                        "`/leaderboard` still shows you your own rank, privately. `/leaderboard show` undoes it.")
        return info("You are back on the leaderboards.")

    async def new_profile_notice(self, actor: Actor) -> str | None:
        """Said once, on the first visit after a delete: this is a new profile."""
        erased = await store_privacy.take_erasure(self.store, actor.platform, actor.user_id)
        if erased is None:
            return None
        when = parse_iso(erased)
        return (f"Your data was deleted on {when:%d %b %Y} at your request, so this is a new, empty profile "
                "(no grades, streak or history from before).")

