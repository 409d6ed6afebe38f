"""`questions export --team` and `questions import-csv`: files that `questions lint` accepts, bad rows by line."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
import yaml

from bot.app import open_core
from bot.bank.loader import lint_paths
from bot.cli import main
from bot.clock import ManualClock
from tests.conftest import MONDAY_MORNING, SMALL_BANK, make_actor, press, query, run

HINT = "Which layer would you change first?"


async def _approve_two(db_path: Path) -> None:
    async with open_core(database=db_path, clock=ManualClock(MONDAY_MORNING), bank_paths=[SMALL_BANK],
                         rng=random.Random(1)) as core:
        admin = make_actor("ann", admin=True)
        await run(core, make_actor("bob"), "suggest mlops medium How do you roll back a bad model deployment? | "
                                           "Shift traffic back to the previous version.")
        await run(core, make_actor("bob"), "suggest sql easy What does a LEFT JOIN keep from the right table?")
        await run(core, make_actor("bob"), "suggest sql hard Why might a window function beat a self join?")
        await run(core, make_actor("zed", team="T2"), "suggest sql easy What does HAVING filter, compared to WHERE?")
        await press(core, admin, "approve", 1)
        await press(core, admin, "approve", 2)
        await press(core, make_actor("yan", team="T2", admin=True), "approve", 4)


def test_export_writes_the_team_questions_as_a_pack_lint_accepts(db_path: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_approve_two(db_path))
    monkeypatch.setenv("BOT_DATABASE", str(db_path))
    out = tmp_path / "team.yaml"
    assert main(["questions", "export", "--team", "test:T1", "--out", str(out)]) == 0
    assert "wrote 2 question(s) of test:T1" in capsys.readouterr().out
    pack = yaml.safe_load(out.read_text(encoding="utf-8"))
    rows = query(db_path, "SELECT id, topic, difficulty, prompt, answer FROM suggestions "
                          "WHERE team_id = 'T1' AND status = 'approved' ORDER BY id")
    assert pack["pack"] == "team-test-t1"
    assert [(q["id"], q["topic"], q["difficulty"], q["prompt"], q.get("answer")) for q in pack["questions"]] == \
        [(f"team-{i}", t, d, p, a) for i, t, d, p, a in rows]
    # Only this team's approved questions: not the pending one, not the other team's.
    assert all("HAVING" not in q["prompt"] and "window" not in q["prompt"] for q in pack["questions"])
    assert main(["questions", "lint", str(out)]) == 0
    questions, errors = lint_paths([out])
    assert not errors and len(questions) == 2
    # Printed when no --out is given; a malformed --team is refused clearly.
    capsys.readouterr()
    assert main(["questions", "export", "--team", "test:T2"]) == 0
    assert "HAVING" in capsys.readouterr().out
    assert main(["questions", "export", "--team", "T1"]) == 2
    assert "PLATFORM:TEAM" in capsys.readouterr().err


GOOD_AND_BAD = f"""prompt,answer,topic,difficulty,hints
What does dropout do during training?,Randomly zeroes activations to regularise.,deep-learning,easy,{HINT}
"A prompt
on two lines, with a comma",,statistics-math,medium,
Is this a topic?,,cooking,easy,
Short?,,sql,easy,
"Sample pytorch easy question 1: what does `thing_0` do?",,pytorch,easy,
What does dropout do during training?,,deep-learning,hard,
Only three cells,sql,easy
Why batch normalise the inputs of a layer?,```python,torch,extreme,
How is a B-tree index used by a range query?,,sql,Hard,Think about leaf order|And the root
"""


def test_import_csv_reports_every_bad_row_by_line_and_writes_the_good_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.cli.questions_dir", lambda: SMALL_BANK)  # duplicates are checked against this bank
    source = tmp_path / "Kotoba Deck.csv"
    source.write_text(GOOD_AND_BAD, encoding="utf-8")
    assert main(["questions", "import-csv", str(source)]) == 1
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    where = str(source)
    assert f"{where}:5: unknown topic 'cooking'; allowed: ml-fundamentals, deep-learning, nlp-llm, computer-vision, " \
           "pytorch, tensorflow-keras, python-data, statistics-math, sql, mlops, system-design, algorithms, " \
           "troubleshooting" in err
    assert f"{where}:6: prompt is 6 characters; write at least 10" in err
    assert f"{where}:7: this prompt repeats the prompt of question 'pytorch-easy-1'" in err
    assert f"{where}:8: this prompt repeats the prompt of line 2" in err
    assert f"{where}:9: 3 cells; the header has 5" in err
    assert f"{where}:10: unknown difficulty 'extreme'; allowed: easy, medium, hard" in err
    assert f"{where}:10: answer has an unclosed code fence (```)" in err
    assert "7 problem(s) found" in captured.err
    out = source.with_suffix(".yaml")
    assert "wrote 3 question(s)" in captured.out
    pack = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert pack["pack"] == "kotoba-deck"
    assert [(q["id"], q["topic"], q["difficulty"]) for q in pack["questions"]] == [
        ("kotoba-deck-001", "deep-learning", "easy"), ("kotoba-deck-002", "statistics-math", "medium"),
        ("kotoba-deck-003", "sql", "hard")]
    assert pack["questions"][0]["hints"] == [HINT]
    assert pack["questions"][1]["prompt"] == "A prompt\non two lines, with a comma"
    assert pack["questions"][2]["hints"] == ["Think about leaf order", "And the root"]
    assert main(["questions", "lint", str(out)]) == 0


def test_import_csv_refuses_a_wrong_header_and_a_clean_file_exits_0(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("question,answers\nWhat?,That\n", encoding="utf-8")
    assert main(["questions", "import-csv", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:1: unknown column(s) 'question', 'answers'; missing column(s) prompt, topic, difficulty" in err
    assert not bad.with_suffix(".yaml").exists()
    clean = tmp_path / "clean.csv"
    clean.write_text("topic,difficulty,prompt\nmlops,easy,What is a feature store for in a training pipeline?\n",
                     encoding="utf-8")
    out = tmp_path / "out.yaml"
    assert main(["questions", "import-csv", str(clean), "--out", str(out), "--pack", "ours"]) == 0
    assert yaml.safe_load(out.read_text())["questions"][0]["id"] == "ours-001"
