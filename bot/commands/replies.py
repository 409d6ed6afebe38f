"""Neutral replies the core returns; adapters render them in their platform's markup and limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.bank.model import Question

ButtonStyle = Literal["primary", "secondary", "success", "danger"]
CUSTOM_ID_PREFIX = "mlq"
SUGGESTED_MARK = "· suggested"
MAX_POST_ID = 2**63 - 1
# The one apology every adapter shows when something failed on our side (never the exception text).
APOLOGY = "Something went wrong on my side. Please try again in a moment."

BUTTON_LABELS: dict[str, str] = {
    "reveal": "Reveal answer",
    "answer": "Answer",
    "hint": "Hint",
    "skip": "Skip",
    "again": "Again",
    "hard": "Hard",
    "good": "Good",
    "easy": "Easy",
    "next": "Next question",
    # Under a queued suggestion (/qotd suggestions): the id in these buttons is the suggestion's, not a post's.
    "approve": "Approve",
    "edit": "Edit",
    "reject": "Reject",
    "erase": "Yes, delete my data",
}
BUTTON_STYLES: dict[str, ButtonStyle] = {
    "reveal": "primary",
    "answer": "primary",
    "again": "danger",
    "good": "success",
    "easy": "success",
    "next": "primary",
    "approve": "success",
    "reject": "danger",
    "erase": "danger",
}


@dataclass(frozen=True, slots=True)
class Button:
    """A button bound to a posted question; its custom id survives restarts ('mlq:reveal:42').

    `marked` flags the grade the answer checker suggests (the label says so; the click still decides).
    """

    action: str
    post_id: int
    marked: bool = False

    @property
    def label(self) -> str:
        label = BUTTON_LABELS[self.action]
        return f"{label} {SUGGESTED_MARK}" if self.marked else label

    @property
    def style(self) -> ButtonStyle:
        return BUTTON_STYLES.get(self.action, "secondary")

    @property
    def custom_id(self) -> str:
        return f"{CUSTOM_ID_PREFIX}:{self.action}:{self.post_id}"


def parse_custom_id(custom_id: str) -> tuple[str, int] | None:
    """(action, post_id) from a custom id we made, or None for anything else."""
    parts = custom_id.split(":")
    if len(parts) != 3 or parts[0] != CUSTOM_ID_PREFIX or parts[1] not in BUTTON_LABELS:
        return None
    number = parts[2]
    # Post ids are SQLite rowids (63-bit): anything longer or larger is not one of ours.
    if not (number.isascii() and number.isdigit() and len(number) <= 19) or int(number) > MAX_POST_ID:
        return None
    return parts[1], int(number)


def question_buttons(post_id: int) -> tuple[Button, ...]:
    return (Button("reveal", post_id), Button("hint", post_id), Button("skip", post_id), Button("answer", post_id))


def grade_buttons(post_id: int, suggested: str | None = None) -> tuple[Button, ...]:
    """Again / Hard / Good / Easy; the `suggested` one (the answer checker's) is marked."""
    return tuple(Button(g, post_id, marked=g == suggested) for g in ("again", "hard", "good", "easy"))


@dataclass(frozen=True, slots=True)
class QuestionCard:
    """A question to show: with its answer when `reveal`, with its hints when `show_hints`."""

    question: Question
    post_id: int
    reveal: bool = False
    show_hints: bool = False
    heading: str | None = None
    footer: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent privately with a reply (the `/privacy export` JSON)."""

    filename: str
    data: bytes
    mime: str = "application/json"


@dataclass(frozen=True, slots=True)
class Image:
    """A picture attached to a reply: PNG bytes, a file name (`readiness.png`) and alt text for screen readers.

    The reply's text always carries the same figures, so a client that shows no images loses nothing.
    """

    png: bytes
    filename: str
    alt: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A message: Markdown `text` and/or a question `card`, with buttons. Private replies only reach the actor.

    `replace` asks the adapter to update the message the button was on instead of sending a new one, where the
    platform allows it. `dedupe_key` names a scheduled post so an adapter can find it again after a crash
    (e.g. a Discord nonce, Slack message metadata). `images` are attached to the reply (a file upload where the
    platform needs one), private when the reply is.
    """

    text: str = ""
    card: QuestionCard | None = None
    buttons: tuple[Button, ...] = ()
    private: bool = True
    title: str | None = None
    is_error: bool = False
    replace: bool = False
    dedupe_key: str | None = None
    file: Attachment | None = None
    images: tuple[Image, ...] = ()


def error(text: str) -> Reply:
    """A private message saying what was wrong and what is allowed."""
    return Reply(text=text, private=True, is_error=True)


def info(text: str, *, title: str | None = None, private: bool = True) -> Reply:
    return Reply(text=text, private=private, title=title)
