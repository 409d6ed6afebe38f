"""Hostile or broken packs are refused with a located lint error, quickly and without a traceback: alias bombs,
recursive aliases, oversized files, Python and unknown YAML tags — via lint_paths and via `/qotd reload`."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from bot.app import open_core
from bot.bank.loader import MAX_PACK_BYTES, lint_paths, parse_pack_text
from bot.clock import ManualClock
from bot.domain.events import Command
from tests.conftest import MONDAY_MORNING, SMALL_BANK, make_actor, make_place

QUESTION = ("questions:\n  - id: team-q1\n    topic: sql\n    difficulty: easy\n"
            "    prompt: What does our nightly ETL job load?\n")


def laughs(levels: int = 9) -> str:
    """A "billion laughs" document: 9 references per level, so `levels` levels expand to 9**levels strings."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def bomb_pack() -> str:
    """The bomb inside a question's hints, where the loader must reach it."""
    defs = laughs().replace("\n", "\n  ").rstrip()
    return f"defs:\n  {defs}\n{QUESTION}    hints: *a9\n"


def lint_text(tmp_path: Path, text: str, name: str = "pack.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [str(e) for e in lint_paths([path])[1]]


def test_a_billion_laughs_pack_is_refused_quickly_in_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(bomb_pack(), encoding="utf-8")
    tracemalloc.start()
    cpu = time.process_time()
    _, errors = lint_paths([path])
    cpu = time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert cpu < 0.5, f"{cpu:.2f} s of CPU"
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert [str(e) for e in errors] == [
        f"{path}:2: YAML aliases expand the file too far (more than 10000 nodes or 1000000 characters added; anchor "
        "at line 2); write the values out instead"
    ]
    assert all(len(str(e)) < 300 and "lol" not in str(e) for e in errors)  # no repr of the expanded values


def test_a_long_text_repeated_by_aliases_is_refused(tmp_path: Path) -> None:
    text = f"big: &big {'x' * 100_000}\n{QUESTION}    hints: [{', '.join(['*big'] * 20)}]\n"
    errors = lint_text(tmp_path, text)
    assert len(errors) == 1 and "YAML aliases expand the file too far" in errors[0]


def test_a_little_alias_reuse_is_fine(tmp_path: Path) -> None:
    text = QUESTION + "    tags: &t [etl, nightly]\n" + QUESTION.split("\n", 1)[1].replace(
        "team-q1", "team-q2").replace("load?", "skip?") + "    tags: *t\n"
    assert lint_text(tmp_path, text) == []
    questions, _ = lint_paths([tmp_path / "pack.yaml"])
    assert [q.tags for q in questions] == [("etl", "nightly"), ("etl", "nightly")]


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    errors = lint_text(tmp_path, f"{QUESTION}    tags: &loop [a, *loop]\n")
    assert errors == [f"{tmp_path / 'pack.yaml'}:6: recursive YAML alias: a node contains itself"]


def test_an_oversized_pack_is_refused_unread(tmp_path: Path) -> None:
    filler = "# " + "x" * 98 + "\n"
    text = QUESTION + filler * (MAX_PACK_BYTES // len(filler) + 10)
    errors = lint_text(tmp_path, text)
    assert errors == [f"{tmp_path / 'pack.yaml'}:1: file is 2.0 MB; a question pack may be at most 2 MB (split it "
                      "into several files)"]
    _, direct = parse_pack_text(text, "pack.yaml", "team")
    assert [e.message for e in direct] == [errors[0].split(":1: ", 1)[1]]


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ('!!python/object/apply:os.system ["touch PWNED"]', "!!python/object/apply:os.system"),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!shout loud", "!shout"),
        ("!!binary aGVsbG8=", "!!binary"),
    ],
    ids=["python-apply", "python-name", "unknown-tag", "binary"],
)
def test_yaml_tags_are_lint_errors_with_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      value: str, tag: str) -> None:
    monkeypatch.chdir(tmp_path)
    errors = lint_text(tmp_path, f"{QUESTION}    answer: {value}\n")
    assert errors == [f"{tmp_path / 'pack.yaml'}:6: YAML tag {tag!r} is not allowed in a question pack; use plain "
                      "strings, numbers, lists and mappings"]
    assert not (tmp_path / "PWNED").exists()


def test_an_unhashable_key_is_a_lint_error_not_a_traceback(tmp_path: Path) -> None:
    errors = lint_text(tmp_path, f"{QUESTION}    sources: [{{[a, b]: 1}}]\n")
    assert len(errors) == 1 and errors[0].startswith(f"{tmp_path / 'pack.yaml'}:6: not valid YAML: found unhashable key")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'{QUESTION}    answer: !!python/object/apply:os.system ["touch PWNED"]\n', ":6: YAML tag "
         "'!!python/object/apply:os.system' is not allowed"),
        (bomb_pack(), ":2: YAML aliases expand the file too far"),
    ],
    ids=["python-tag", "billion-laughs"],
)
async def test_qotd_reload_refuses_a_hostile_pack_and_keeps_the_bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     text: str, expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "ours.yaml").write_text(QUESTION, encoding="utf-8")
    async with open_core(database=tmp_path / "bot.sqlite3", clock=ManualClock(MONDAY_MORNING),
                         bank_paths=[SMALL_BANK], extra_packs=[packs]) as core:
        before = len(core.bank)
        (packs / "ours.yaml").write_text(text, encoding="utf-8")
        cpu = time.process_time()
        replies = await core.handle_command(Command(make_actor("A1", admin=True), make_place(), "qotd", ("reload",)))
        assert time.process_time() - cpu < 0.5
        assert replies[0].is_error and "kept the current bank" in replies[0].text
        assert f"{packs / 'ours.yaml'}{expected}" in replies[0].text
        assert len(replies[0].text) < 2000
        assert len(core.bank) == before and core.bank.get("team-q1") is not None
    assert not (tmp_path / "PWNED").exists()
