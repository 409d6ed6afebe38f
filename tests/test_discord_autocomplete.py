"""Topic autocomplete: whatever is typed, every suggestion fits Discord's 100 characters and parses."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.commands import topic_autocomplete, topics_autocomplete
from bot.bank.model import TOPIC_TITLES, TOPICS
from bot.commands.args import parse_qotd_setup, parse_quiz

ALL = [(t, TOPIC_TITLES[t], 10) for t in TOPICS]


def _interaction() -> Any:
    return SimpleNamespace(client=SimpleNamespace(topic_choices=lambda: ALL))


def _suggest(typed: str) -> list[Any]:
    return asyncio.run(topics_autocomplete(_interaction(), typed))


# Typed text: prefixes of comma-separated lists of real topics (the realistic case), with some noise mixed in.
_items = st.lists(st.sampled_from([*TOPICS, "sql", "nope", "Py", " pytorch", ""]), max_size=16)
typed_lists = st.builds(lambda items, cut: ",".join(items)[: cut if cut >= 0 else None], _items,
                        st.integers(-1, 200))


@settings(max_examples=300, deadline=None)
@given(typed_lists | st.text(max_size=120))
def test_every_suggested_topic_list_fits_and_parses(typed: str) -> None:
    choices = _suggest(typed)
    assert len(choices) <= 25
    for choice in choices:
        assert 1 <= len(choice.name) <= 100 and 1 <= len(choice.value) <= 100
        if choice.value == "weakest":  # a topic mode (issue 13), not a topic
            assert parse_qotd_setup(("topics=weakest",)).topic_mode == "weakest"
            continue
        parsed = parse_qotd_setup((f"topics={choice.value}",)).topics
        assert parsed is not None and list(parsed) == choice.value.split(",")


def test_a_long_list_suggests_only_what_fits() -> None:
    head = ""
    for topic in sorted(TOPICS, key=len, reverse=True):
        if len(head) + len(topic) + 1 <= 90:
            head = f"{head},{topic}" if head else topic
    rest = [t for t in TOPICS if t not in head.split(",")]
    assert any(len(head) + 1 + len(t) > 100 for t in rest)  # the old code cut these mid-topic
    values = [c.value for c in _suggest(head + ",")]
    assert values == [f"{head},{t}" for t in rest if len(head) + 1 + len(t) <= 100]
    # Nothing matches, or the typed list alone is too long: no suggestion rather than a broken one.
    full = ",".join(TOPICS)
    assert [c.value for c in _suggest(head + ",zzz")] == []
    assert len(full) > 100 and _suggest(full + ",") == []


def test_items_already_typed_are_kept_canonical_and_unknown_ones_dropped() -> None:
    values = [c.value for c in _suggest("SQL,nope,py")]
    assert values and all(v.startswith("sql,py") for v in values)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=120))
def test_quiz_topic_suggestions_parse(typed: str) -> None:
    for choice in asyncio.run(topic_autocomplete(_interaction(), typed)):
        assert len(choice.name) <= 100 and len(choice.value) <= 100
        parse_quiz([choice.value])
