"""Reading `/suggest` arguments: form fields as `key=value` words (modals), or typed words
`TOPIC DIFFICULTY PROMPT | ANSWER` (console, Slack text)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.bank.model import TOPICS
from bot.commands.args import DIFFICULTY_ALIASES, TOPIC_ALIASES, ArgumentError

FIELDS = ("topic", "difficulty", "prompt", "answer", "hints")
SUGGEST_USAGE = ("Suggest a question for this team: `/suggest TOPIC DIFFICULTY PROMPT | ANSWER`, e.g. "
                 "`/suggest sql easy What does a LEFT JOIN keep? | Every row of the left table.` (the answer is "
                 "optional), or as fields: `/suggest topic=sql difficulty=easy prompt=... answer=... "
                 "hints=first hint|second hint`. Topics: " + ", ".join(TOPICS) + "; difficulties: easy, medium, hard.")


@dataclass(frozen=True, slots=True)
class SuggestArgs:
    """The fields of a suggestion as given; `edit` is the suggestion id an admin's edit form was for."""

    topic: str
    difficulty: str
    prompt: str
    answer: str | None = None
    hints: tuple[str, ...] = ()
    edit: int | None = None
    from_form: bool = False  # given as fields (a modal): a refusal then repeats the text, so nothing is lost
    given: frozenset[str] = frozenset(FIELDS)  # the fields named; an edit keeps the others as they were


def canonical_topic(word: str) -> str:
    """A topic's canonical name (aliases as /quiz takes them); an unknown word is kept for the pack check to refuse."""
    w = word.strip().lower().lstrip("#")
    return TOPIC_ALIASES.get(w, w)


def canonical_difficulty(word: str) -> str:
    w = word.strip().lower()
    return DIFFICULTY_ALIASES.get(w, w)


def split_hints(text: str) -> tuple[str, ...]:
    """Hints from one form field: one per line (or separated by `|`)."""
    parts = text.replace("|", "\n").splitlines()
    return tuple(p.strip().lstrip("-•* ").strip() for p in parts if p.strip().lstrip("-•* ").strip())


def parse_suggest(args: tuple[str, ...]) -> SuggestArgs:
    """The suggestion's fields; ArgumentError with the usage when there is nothing to read."""
    if any(a.split("=", 1)[0].lower() in (*FIELDS, "edit") and "=" in a for a in args):
        return _from_fields(args)
    words = [w for w in args if w.strip()]
    if len(words) < 3:
        raise ArgumentError(SUGGEST_USAGE)
    topic, difficulty, *rest = words
    prompt, _, answer = " ".join(rest).partition("|")
    return SuggestArgs(topic=canonical_topic(topic), difficulty=canonical_difficulty(difficulty),
                       prompt=prompt.strip(), answer=answer.strip() or None)


def _from_fields(args: tuple[str, ...]) -> SuggestArgs:
    """`key=value` words; a typed word without `key=` continues the value before it (`prompt=What is x`)."""
    values: dict[str, str] = {}
    last: str | None = None
    for word in args:
        key, sep, value = word.partition("=")
        key = key.strip().lower()
        if sep and key in (*FIELDS, "edit"):
            values[key], last = value, key
        elif last is not None:
            values[last] = f"{values[last]} {word}"
        else:
            raise ArgumentError(f"I can't read `{word[:40]}` in a suggestion. {SUGGEST_USAGE}")
    edit = values.get("edit")
    if edit is not None and not (edit.isascii() and edit.isdigit() and len(edit) <= 18):
        raise ArgumentError("That edit form is not for a suggestion I know.")
    return SuggestArgs(topic=canonical_topic(values.get("topic", "")),
                       difficulty=canonical_difficulty(values.get("difficulty", "")),
                       prompt=values.get("prompt", "").strip(), answer=(values.get("answer") or "").strip() or None,
                       hints=split_hints(values.get("hints", "")), edit=int(edit) if edit is not None else None,
                       from_form=True, given=frozenset(k for k in values if k in FIELDS))
