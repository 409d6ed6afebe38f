"""`/suggest` and `/qotd suggestions`: members propose questions, admins approve, edit or reject them.

Approved suggestions become the team's own questions (bot/suggestions/team_bank.py). The author hears back
privately either way; one we cannot reach gets the news with their next command.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.bank.loader import normalise_prompt
from bot.bank.model import TOPIC_TITLES
from bot.clock import Clock
from bot.commands.replies import Button, Reply, error, info
from bot.commands.suggest_args import SuggestArgs, parse_suggest
from bot.domain.events import Actor, Place
from bot.qotd.ports import Outbound
from bot.store.store import Store
from bot.suggestions import store as suggestions
from bot.suggestions.store import APPROVED, PENDING, REJECTED, Draft, Suggestion
from bot.suggestions.team_bank import TeamBanks
from bot.suggestions.validate import check_fields, prompt_index

log = logging.getLogger(__name__)
SUGGESTION_ACTIONS = ("approve", "edit", "reject")
QUEUE_SHOWN = 5
MAX_REFUSAL = 3900  # within one Discord embed / Slack section after rendering
ADMINS_ONLY = ("Only server admins (Manage Server on Discord, workspace admins or owners on Slack) or people on "
               "this team's /qotd allow-list can review suggestions. Anyone can propose one with `/suggest`.")
GONE = "That suggestion is no longer waiting: someone already approved or rejected it."
REVIEW_USAGE = ("`/qotd suggestions` lists the queue; `/qotd suggestions approve ID` or "
                "`/qotd suggestions reject ID [reason]` decide one.")


@dataclass(frozen=True, slots=True)
class SuggestionForm:
    """What an edit form (Discord or Slack modal) is prefilled with."""

    suggestion_id: int
    topic: str
    difficulty: str
    prompt: str
    answer: str
    hints: str


class SuggestionService:
    """Receives suggestions and the admins' decisions; `is_admin` is the core's check (platform or allow-list)."""

    def __init__(self, *, store: Store, clock: Clock, banks: TeamBanks, outbounds: Mapping[str, Outbound],
                 is_admin: Callable[[Actor], Awaitable[bool]]) -> None:
        self.store = store
        self.clock = clock
        self.banks = banks
        self.outbounds = outbounds
        self.is_admin = is_admin

    # --- members ----------------------------------------------------------------------------------

    async def suggest(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        """Queue a member's suggestion after the pack checks; an `edit=ID` form is an admin's edit instead."""
        parsed = parse_suggest(args)
        if parsed.edit is not None:
            return await self._edit(actor, parsed)
        if not actor.team_id:
            return [error("Suggest questions from inside a server or workspace: they go to that team's queue.")]
        draft = _draft(parsed)
        problems = await self._problems(actor.platform, actor.team_id, draft, pending_too=True)
        if problems:
            return [_refusal(problems, keep=draft if parsed.from_form else None)]
        suggestion_id = await suggestions.add(self.store, platform=actor.platform, team_id=actor.team_id,
                                              user_id=actor.user_id, author_name=actor.display_name,
                                              draft=draft, now=self.clock.now())
        log.info("suggestion %s received in %s:%s", suggestion_id, actor.platform, actor.team_id)
        return [info(f"Thanks! Your suggestion #{suggestion_id} ({TOPIC_TITLES[draft.topic]} · {draft.difficulty}) "
                     "was received; an admin will review it, and I'll tell you what they decide.",
                     title="Suggestion received")]

    async def _problems(self, platform: str, team_id: str, draft: Draft, *, pending_too: bool,
                        skip_id: int | None = None) -> list[str]:
        existing = prompt_index((await self.banks.for_team(platform, team_id)).questions)
        if pending_too:
            existing.update(prompt_index_pending(await suggestions.pending_prompts(self.store, platform, team_id),
                                                 skip_id))
        _, problems = check_fields(draft.topic, draft.difficulty, draft.prompt, draft.answer, draft.hints, existing)
        return problems

    # --- admins -----------------------------------------------------------------------------------

    async def review(self, actor: Actor, place: Place, words: tuple[str, ...]) -> list[Reply]:
        """`/qotd suggestions [approve ID | reject ID [reason]]`."""
        if not await self.is_admin(actor):
            return [error(ADMINS_ONLY)]
        if not words:
            return await self._queue(actor)
        verb, rest = words[0].lower(), words[1:]
        if verb not in ("approve", "reject") or not rest or not _is_id(rest[0]):
            return [error(f"I can't read that. {REVIEW_USAGE}")]
        suggestion_id = int(rest[0].lstrip("#"))
        if verb == "approve":
            return [await self.approve(actor, suggestion_id)]
        return [await self.reject(actor, suggestion_id, " ".join(rest[1:]).strip() or None)]

    async def on_button(self, actor: Actor, action: str, suggestion_id: int) -> list[Reply]:
        """Approve / Reject clicked under a queued suggestion (Edit opens a form in the adapter instead)."""
        if not await self.is_admin(actor):
            return [error(ADMINS_ONLY)]
        if action == "approve":
            return [await self.approve(actor, suggestion_id, replace=True)]
        if action == "reject":
            return [await self.reject(actor, suggestion_id, None, replace=True)]
        found = await self._pending_of_team(actor, suggestion_id)
        if isinstance(found, Reply):
            return [found]
        return [info(f"Edit suggestion #{suggestion_id} with the fields you change, e.g. "
                     f"`/suggest edit={suggestion_id} difficulty=hard answer=A better answer` (fields: topic, "
                     "difficulty, prompt, answer, hints; the others stay as they are).")]

    async def form(self, actor: Actor, suggestion_id: int) -> SuggestionForm | Reply:
        """The prefill of an edit form for an admin, or the refusal to show instead."""
        if not await self.is_admin(actor):
            return error(ADMINS_ONLY)
        found = await self._pending_of_team(actor, suggestion_id)
        if isinstance(found, Reply):
            return found
        d = found.draft
        return SuggestionForm(found.id, d.topic, d.difficulty, d.prompt, d.answer or "", "\n".join(d.hints))

    async def _queue(self, actor: Actor) -> list[Reply]:
        shown, total = await suggestions.queue(self.store, actor.platform, actor.team_id, QUEUE_SHOWN)
        if not shown:
            return [info("No suggestions are waiting. Members propose questions with `/suggest`.")]
        more = f" Showing the oldest {len(shown)}." if total > len(shown) else ""
        head = info(f"**{total} suggestion{'s' if total != 1 else ''} waiting.**{more} {REVIEW_USAGE}",
                    title="Suggestions")
        return [head, *(describe(s) for s in shown)]

    async def approve(self, actor: Actor, suggestion_id: int, *, replace: bool = False) -> Reply:
        found = await self._pending_of_team(actor, suggestion_id)
        if isinstance(found, Reply):
            return found
        # Checked again: the bank (a reload, another approval) may have changed since it was submitted.
        problems = await self._problems(found.platform, found.team_id, found.draft, pending_too=False)
        if problems:
            return _refusal(problems, approving=True)
        if not await suggestions.decide(self.store, found.id, APPROVED, by=actor.user_id, now=self.clock.now()):
            return error(GONE)
        await self._tell_author(found, f"🎉 Your suggestion #{found.id} was approved: it is now one of this team's "
                                       f"questions, drawn by `/quiz` and the question of the day.\n> {_short(found)}")
        return Reply(text=f"✅ Approved suggestion #{found.id} by {found.author_name or 'a member'}: it joins this "
                          f"team's questions as `{found.question_id}`.", replace=replace)

    async def reject(self, actor: Actor, suggestion_id: int, reason: str | None, *, replace: bool = False) -> Reply:
        found = await self._pending_of_team(actor, suggestion_id)
        if isinstance(found, Reply):
            return found
        if not await suggestions.decide(self.store, found.id, REJECTED, by=actor.user_id, now=self.clock.now(),
                                        reason=reason):
            return error(GONE)
        why = f"\nReason: {reason}" if reason else ""
        await self._tell_author(found, f"Your suggestion #{found.id} was not accepted.{why}\n> {_short(found)}")
        return Reply(text=f"Rejected suggestion #{found.id}; {found.author_name or 'the author'} has been told"
                          + (" the reason." if reason else "."), replace=replace)

    async def _edit(self, actor: Actor, parsed: SuggestArgs) -> list[Reply]:
        assert parsed.edit is not None
        if not await self.is_admin(actor):
            return [error(ADMINS_ONLY)]
        found = await self._pending_of_team(actor, parsed.edit)
        if isinstance(found, Reply):
            return [found]
        old = found.draft
        draft = Draft(topic=parsed.topic if "topic" in parsed.given else old.topic,
                      difficulty=parsed.difficulty if "difficulty" in parsed.given else old.difficulty,
                      prompt=parsed.prompt if "prompt" in parsed.given else old.prompt,
                      answer=parsed.answer if "answer" in parsed.given else old.answer,
                      hints=parsed.hints if "hints" in parsed.given else old.hints)
        problems = await self._problems(found.platform, found.team_id, draft, pending_too=True, skip_id=found.id)
        if problems:
            return [_refusal(problems, keep=draft)]
        if not await suggestions.update_draft(self.store, found.id, draft):
            return [error(GONE)]
        updated = await suggestions.get(self.store, found.id)
        assert updated is not None
        return [info(f"Suggestion #{found.id} updated."), describe(updated)]

    async def _pending_of_team(self, actor: Actor, suggestion_id: int) -> Suggestion | Reply:
        found = await suggestions.get(self.store, suggestion_id)
        if found is None or found.platform != actor.platform or found.team_id != actor.team_id:
            return error("I don't know that suggestion in this team. `/qotd suggestions` lists the queue.")
        if found.status != PENDING:
            return error(GONE)
        return found

    async def _tell_author(self, s: Suggestion, text: str) -> None:
        """A private message to the author; if it cannot be delivered, it leads their next command's reply."""
        outbound = self.outbounds.get(s.platform)
        delivered = False
        if outbound is not None:
            try:
                delivered = await outbound.send_private(s.team_id, s.user_id, info(text, title="Your suggestion"))
            except Exception:
                log.warning("could not tell the author of suggestion %s", s.id, exc_info=True)
        if not delivered:
            await self.store.set_user_field(s.platform, s.user_id, "pending_notice", text)


def describe(s: Suggestion) -> Reply:
    """One queued suggestion with its Approve / Edit / Reject buttons."""
    d = s.draft
    lines = [f"**#{s.id}** · {TOPIC_TITLES.get(d.topic, d.topic)} · {d.difficulty} · suggested by "
             f"{s.author_name or s.user_id}", d.prompt]
    if d.answer:
        lines.append(f"**Answer**\n{d.answer}")
    if d.hints:
        lines.append("**Hints**\n" + "\n".join(f"- {h}" for h in d.hints))
    return Reply(text="\n\n".join(lines), buttons=tuple(Button(a, s.id) for a in SUGGESTION_ACTIONS))


def prompt_index_pending(rows: list[tuple[int, str]], skip_id: int | None) -> dict[str, str]:
    return {normalise_prompt(p): f"suggestion #{i}, waiting for review" for i, p in rows if i != skip_id}


def _draft(parsed: SuggestArgs) -> Draft:
    return Draft(topic=parsed.topic, difficulty=parsed.difficulty, prompt=parsed.prompt, answer=parsed.answer,
                 hints=parsed.hints)


def _refusal(problems: list[str], *, approving: bool = False, keep: Draft | None = None) -> Reply:
    """The problems, one per line; with `keep`, what was typed in the form follows, to copy into a new try."""
    head = "I can't approve this suggestion yet" if approving else "I can't take this suggestion yet"
    text = f"{head}: {len(problems)} problem{'s' if len(problems) != 1 else ''}\n" + \
        "\n".join(f"• {p}" for p in problems)
    if keep is not None and keep.prompt.strip():
        typed = [f"Prompt: {keep.prompt.strip()}"] + ([f"Answer: {keep.answer.strip()}"] if keep.answer else []) + \
            ([f"Hints: {' | '.join(keep.hints)}"] if keep.hints else [])
        text += "\n\nWhat you typed, to copy into a new try:\n" + "\n".join(f"> {line}" for line in typed)
    return error(text[:MAX_REFUSAL])


def _short(s: Suggestion) -> str:
    text = " ".join(s.draft.prompt.split())
    return text if len(text) <= 200 else text[:199] + "…"


def _is_id(word: str) -> bool:
    return word.lstrip("#").isascii() and word.lstrip("#").isdigit() and len(word) <= 19
