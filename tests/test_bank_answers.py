"""Every question in the shipped bank has a reference answer and hints, and written answers stay on topic."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from bot.bank.answer_checks import check_answers, is_on_topic, missing_terms, word_count
from bot.bank.loader import load_bank
from bot.bank.model import Question
from bot.resources import questions_dir


@pytest.fixture(scope="module")
def questions() -> tuple[Question, ...]:
    return load_bank([questions_dir()]).questions


def test_every_question_has_an_answer_and_hints(questions: tuple[Question, ...]) -> None:
    unanswered = [q.id for q in questions if not q.has_answer]
    hintless = [q.id for q in questions if not q.hints]
    assert unanswered == [], f"{len(unanswered)} without an answer, e.g. {unanswered[:5]}"
    assert hintless == [], f"{len(hintless)} without hints, e.g. {hintless[:5]}"


def test_every_answer_says_where_it_came_from(questions: tuple[Question, ...]) -> None:
    origins = Counter(q.answer_origin for q in questions if q.has_answer)
    assert set(origins) <= {"seed", "written"}
    assert origins["written"] > 400  # seed answers that a reviewer kept stay "seed"; most are written by now


def test_written_answers_pass_the_checks(questions: tuple[Question, ...]) -> None:
    problems = check_answers(questions, origin="written")
    assert problems == [], "\n".join(str(p) for p in problems[:10])


def test_no_two_answers_are_the_same_text(questions: tuple[Question, ...]) -> None:
    texts = Counter(re.sub(r"\s+", " ", q.answer.strip().lower()) for q in questions if q.answer)
    repeated = [text[:60] for text, n in texts.items() if n > 1]
    assert repeated == []


def test_written_answers_start_with_a_direct_answer_and_fit_the_size(questions: tuple[Question, ...]) -> None:
    for q in questions:
        if q.answer_origin != "written":
            continue
        assert q.answer is not None
        first = q.answer.strip().split("\n\n")[0]
        assert not first.startswith(("```", "#", "|")), f"{q.id} does not open with a direct answer"
        assert 60 <= word_count(q.answer) <= 450, q.id


def test_the_on_topic_check_catches_an_answer_to_another_question() -> None:
    prompt = "What is the difference between batch normalization and layer normalization?"
    on_topic = "Batch normalization normalises each feature over the batch; layer normalization over features."
    drifted = "Dropout randomly zeroes activations during training to reduce overfitting."
    assert is_on_topic(prompt, on_topic)
    assert not is_on_topic(prompt, drifted)
    terms, missing = missing_terms(prompt, drifted)
    assert "batch" in terms and "batch" in missing


def test_check_written_reports_key_point_counts_and_leaky_hints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    from bot.bank.written_check import check_written_files

    bank = load_bank([questions_dir()])
    q = next(q for q in bank.questions if q.has_answer and q.answer_origin == "seed")
    assert q.answer is not None
    opening = q.answer.strip().split("\n\n")[0].split(". ")[0]
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"answers": {q.id: {"hints": [opening], "key_points": ["One fact.", "Two facts."]}}}),
                    encoding="utf-8")
    assert check_written_files([path]) == 1
    err = capsys.readouterr().err
    assert f"{q.id}: 2 key points (3..6 wanted)" in err
    assert f"{q.id}: hint {opening!r} restates the answer's opening sentence" in err


def test_check_written_names_the_kept_id_for_a_merged_away_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    import bot.bank.written_check as written_check
    from bot.bank.loader import Bank

    bank = load_bank([questions_dir()])
    kept = bank.questions[0]
    merged = Bank(tuple(replace(q, aliases=("gone-000000",)) if q.id == kept.id else q for q in bank.questions))
    monkeypatch.setattr(written_check, "load_bank", lambda paths: merged)
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"answers": {"gone-000000": {"hints": ["Where does it start?"]}}}), encoding="utf-8")
    assert written_check.check_written_files([path]) == 1
    assert f"{path}: gone-000000 was merged into {kept.id}; key the entry by {kept.id}" in capsys.readouterr().err
