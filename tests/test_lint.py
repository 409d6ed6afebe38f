"""Lint of question packs: the shipped bank is clean; each kind of error in a bad pack has its own message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.bank.loader import BankError, lint_paths, load_bank
from bot.bank.model import DIFFICULTIES, TOPICS
from bot.resources import questions_dir

REPO = Path(__file__).resolve().parents[1]
GOOD = """questions:
  - id: team-q1
    topic: pytorch
    difficulty: easy
    prompt: What does `model.eval()` change?
    answer: |
      It switches dropout and batch norm to inference behaviour.
    answer_origin: written
    hints: [dropout, which layers keep running statistics?]
    tags: [pytorch]
"""


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_for(tmp_path: Path, text: str) -> list[str]:
    _, errors = lint_paths([write(tmp_path, text)])
    return [str(e) for e in errors]


def test_every_shipped_file_lints_clean() -> None:
    files = sorted(questions_dir().glob("*.yaml"))
    assert len(files) == len(TOPICS)
    for file in files:
        questions, errors = lint_paths([file])
        assert errors == [], f"{file}: {errors[:3]}"
        assert questions and all(q.topic == file.stem for q in questions)


def test_shipped_bank_uses_every_topic_and_difficulty() -> None:
    bank = load_bank([questions_dir()])
    assert len(bank) > 500  # 761 before the issue-11 merges, about 550 after
    assert bank.topics_in_use() == list(TOPICS)
    assert {q.difficulty for q in bank.questions} == set(DIFFICULTIES)
    assert len({q.id for q in bank.questions}) == len(bank)


def test_good_pack_loads(tmp_path: Path) -> None:
    questions, errors = lint_paths([write(tmp_path, GOOD)])
    assert errors == []
    assert questions[0].id == "team-q1" and questions[0].hints == ("dropout", "which layers keep running statistics?")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("questions: [\n  - id: x\n", "pack.yaml:2: not valid YAML"),
        ("", "pack.yaml:1: file is empty"),
        ("- id: x\n", "pack.yaml:1: expected a mapping with a 'questions' list"),
        ("pack: ours\n", "missing 'questions': expected a list of questions"),
        (GOOD + "extra: 1\n", "pack.yaml:11: unknown top-level key 'extra'; allowed: pack, questions"),
        ("questions:\n  - just a string\n", "pack.yaml:2: each question must be a mapping"),
        (GOOD.replace("    topic: pytorch\n", ""), "pack.yaml:2: question is missing the required key 'topic'"),
        (GOOD.replace("    tags: [pytorch]\n", "    level: 3\n"),
         "pack.yaml:10: unknown key 'level'; allowed keys: id, topic, difficulty, prompt, answer"),
        (GOOD.replace("topic: pytorch", "topic: cooking"),
         "pack.yaml:3: unknown topic 'cooking'; allowed: ml-fundamentals, deep-learning"),
        (GOOD.replace("difficulty: easy", "difficulty: brutal"),
         "pack.yaml:4: unknown difficulty 'brutal'; allowed: easy, medium, hard"),
        (GOOD.replace("id: team-q1", "id: Team Q1!"), "pack.yaml:2: id 'Team Q1!' must be lower-case letters"),
        (GOOD.replace("prompt: What does `model.eval()` change?", "prompt: '   '"), "pack.yaml:5: prompt is empty"),
        (GOOD.replace("      It switches", "      ```python\n      It switches"),
         "pack.yaml:6: answer has an unclosed code fence"),
        (GOOD.replace("hints: [dropout, which layers keep running statistics?]", "hints: dropout"), "pack.yaml:9: hints must be a list of strings"),
        (GOOD.replace("answer_origin: written", "answer_origin: chatgpt"),
         "pack.yaml:8: answer_origin 'chatgpt' must be seed or written"),
        (GOOD + "    sources: [seed.txt]\n", "pack.yaml:11: sources must be a list of {file, line} mappings"),
    ],
    ids=["bad-yaml", "empty", "not-mapping", "no-questions", "unknown-top-key", "item-not-mapping", "missing-key",
         "unknown-key", "unknown-topic", "unknown-difficulty", "bad-id", "empty-prompt", "broken-fence",
         "hints-not-list", "bad-origin", "bad-sources"],
)
def test_each_kind_of_error_is_named_with_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    errors = errors_for(tmp_path, text)
    assert any(expected in e for e in errors), errors


def test_duplicate_id_across_files_names_both_places(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD.replace("What does", "Why does"), "b.yaml")
    _, errors = lint_paths([tmp_path])
    assert len(errors) == 1
    assert "b.yaml:2: duplicate id 'team-q1'; first defined at" in str(errors[0]) and "a.yaml:2" in str(errors[0])


def test_duplicate_prompt_across_packs(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD.replace("team-q1", "team-q2"), "b.yaml")
    _, errors = lint_paths([tmp_path])
    assert len(errors) == 1 and "repeats the prompt of the question at" in str(errors[0])


def test_custom_pack_repeating_a_shipped_prompt_is_reported(tmp_path: Path) -> None:
    shipped = load_bank([questions_dir()]).questions[0]
    pack = {"questions": [{"id": "team-copy", "topic": shipped.topic, "difficulty": "easy", "prompt": shipped.prompt}]}
    path = write(tmp_path, yaml.safe_dump(pack))
    _, errors = lint_paths([questions_dir(), path])
    assert len(errors) == 1
    assert f"question 'team-copy' repeats the prompt of the question at {questions_dir()}" in str(errors[0])


def test_load_bank_raises_with_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("topic: pytorch", "topic: cooking").replace("difficulty: easy", "difficulty: x"))
    with pytest.raises(BankError) as info:
        load_bank([path])
    assert len(info.value.errors) == 2 and "2 problem(s)" in str(info.value)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=REPO, timeout=120)


def test_lint_cli_clean_run_prints_counts() -> None:
    result = run_cli("questions", "lint")
    assert result.returncode == 0, result.stderr
    assert "lint: no problems found." in result.stdout
    for topic in TOPICS:
        assert topic in result.stdout
    assert "answered" in result.stdout and "written" in result.stdout


def test_lint_cli_bad_pack_exits_non_zero_with_located_errors(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("topic: pytorch", "topic: cooking"))
    result = run_cli("questions", "lint", str(path))
    assert result.returncode == 1
    assert f"{path}:3: unknown topic 'cooking'" in result.stderr
    assert "1 problem(s) found." in result.stderr


def test_stats_cli_shows_all_topics_and_difficulties() -> None:
    result = run_cli("questions", "stats")
    assert result.returncode == 0
    header = result.stdout.splitlines()[0]
    assert all(d in header for d in DIFFICULTIES)
    assert all(t in result.stdout for t in TOPICS)


def test_every_subcommand_has_help() -> None:
    top = run_cli("--help")
    assert top.returncode == 0
    for command in ("run", "questions", "db"):
        assert command in top.stdout
    for args in (["run"], ["questions", "import"], ["questions", "lint"], ["questions", "stats"],
                 ["questions", "check-written"], ["db", "upgrade"], ["db", "backup"]):
        result = run_cli(*args, "--help")
        assert result.returncode == 0 and "usage:" in result.stdout, args


def test_key_points_and_aliases_load_and_an_alias_finds_the_merged_question(tmp_path: Path) -> None:
    text = GOOD + (
        "    key_points:\n"
        "      - eval() switches dropout off, so every unit is kept\n"
        "      - eval() makes batch norm use its running mean and variance\n"
        "      - eval() does not stop gradients; wrap inference in torch.no_grad()\n"
        "    aliases: [old-team-q1, older-team-q1]\n"
    )
    bank = load_bank([write(tmp_path, text)])
    q = bank.get("team-q1")
    assert q is not None and len(q.key_points) == 3 and q.aliases == ("old-team-q1", "older-team-q1")
    assert bank.get("old-team-q1") is q and bank.get("older-team-q1") is q
    assert bank.canonical_id("old-team-q1") == "team-q1" and bank.canonical_id("team-q1") == "team-q1"
    assert bank.get("no-such-id") is None and bank.canonical_id("no-such-id") == "no-such-id"
    assert bank.aliases == {"old-team-q1": "team-q1", "older-team-q1": "team-q1"}


# --- issue 11: key points, hints that give the answer away, aliases -------------------------------------

KP = [
    "eval() switches dropout off, so every unit is kept",
    "eval() makes batch norm use its running mean and variance",
    "eval() does not stop gradients; wrap inference in torch.no_grad()",
]


def with_key_points(points: list[str], text: str = GOOD) -> str:
    return text + "    key_points:\n" + "".join(f"      - {json.dumps(p)}\n" for p in points)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (with_key_points(KP[:2]), "pack.yaml:12: question 'team-q1' needs 3 to 6 key_points; it has 2"),
        (with_key_points([*KP, *KP, "one more"]), "pack.yaml:12: question 'team-q1' needs 3 to 6 key_points; it has 7"),
        (with_key_points([*KP[:2], "x" * 161]), "pack.yaml:14: key point 3 of 'team-q1' is 161 characters; keep each to 160"),
        (with_key_points([*KP[:2], "the gradient is $\\nabla L$ here"]),
         "pack.yaml:14: key point 3 of 'team-q1' must be one plain sentence (no list marker, LaTeX $...$ or line break)"),
        (with_key_points([*KP[:2], "- a list item"]), "pack.yaml:14: key point 3 of 'team-q1' must be one plain sentence"),
        (GOOD + "    key_points: eval changes dropout\n", "pack.yaml:11: key_points must be a list of strings"),
        (with_key_points(KP).replace("hints: [dropout, which layers keep running statistics?]",
                                     "hints:\n      - dropout\n      - batch norm uses its running mean and variance"),
         "pack.yaml:11: hint 2 of 'team-q1' gives the answer away (restates key point: 'eval() makes batch norm use"),
        (GOOD.replace("hints: [dropout, which layers keep running statistics?]",
                      "hints: [It switches dropout and batch norm to inference]"),
         "pack.yaml:9: hint 1 of 'team-q1' gives the answer away (restates the answer's opening sentence"),
        (GOOD + "    aliases: [Old Id]\n", "pack.yaml:11: alias 'Old Id' must be lower-case letters, digits"),
        (GOOD + "    aliases: old-id\n", "pack.yaml:11: aliases must be a list of strings"),
    ],
    ids=["too-few-key-points", "too-many-key-points", "key-point-too-long", "key-point-latex", "key-point-list",
         "key-points-not-list", "hint-restates-key-point", "hint-restates-answer", "bad-alias", "aliases-not-list"],
)
def test_each_kind_of_content_error_is_named_with_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    errors = errors_for(tmp_path, text)
    assert any(expected in e for e in errors), errors


def test_key_points_are_optional_in_a_pack_but_required_when_asked(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    assert lint_paths([path])[1] == []
    _, errors = lint_paths([path], require_key_points=True)
    assert [str(e) for e in errors] == [f"{path}:2: question 'team-q1' needs 3 to 6 key_points; it has 0"]
    assert lint_paths([write(tmp_path, with_key_points(KP))], require_key_points=True)[1] == []


def test_require_key_points_switch_governs_the_shipped_bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.bank.loader as loader

    shipped = tmp_path / "questions"
    shipped.mkdir()
    leaky = GOOD.replace("hints: [dropout, which layers keep running statistics?]",
                         "hints: [It switches dropout and batch norm to inference]")
    write(shipped, leaky, "pytorch.yaml")
    monkeypatch.setattr(loader, "questions_dir", lambda: shipped)
    monkeypatch.setattr(loader, "REQUIRE_KEY_POINTS", False)
    assert lint_paths([shipped])[1] == []  # not yet reviewed: neither key points nor hints are enforced
    monkeypatch.setattr(loader, "REQUIRE_KEY_POINTS", True)
    messages = [e.message for e in lint_paths([shipped])[1]]
    assert any("needs 3 to 6 key_points; it has 0" in m for m in messages), messages
    assert any("hint 1 of 'team-q1' gives the answer away" in m for m in messages), messages
    # a team pack next to it is checked whatever the switch says
    monkeypatch.setattr(loader, "REQUIRE_KEY_POINTS", False)
    other = write(tmp_path, leaky, "team.yaml")
    assert any("gives the answer away" in e.message for e in lint_paths([other])[1])


def test_alias_that_is_a_real_id_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, GOOD + "    aliases: [team-q2]\n", "a.yaml")
    write(tmp_path, GOOD.replace("team-q1", "team-q2").replace("What does", "Why does"), "b.yaml")
    _, errors = lint_paths([tmp_path])
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'a.yaml'}:2: alias 'team-q2' of 'team-q1' is the id of the question at {tmp_path / 'b.yaml'}:2; "
        "an alias must be an id that no longer exists"
    ]
    write(tmp_path, GOOD + "    aliases: [team-q1]\n", "a.yaml")
    _, errors = lint_paths([tmp_path / "a.yaml"])
    assert len(errors) == 1 and "alias 'team-q1' of 'team-q1' is the id of the question at" in str(errors[0])


def test_alias_claimed_by_two_questions_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, GOOD + "    aliases: [old-q]\n", "a.yaml")
    write(tmp_path, GOOD.replace("team-q1", "team-q2").replace("What does", "Why does") + "    aliases: [old-q]\n",
          "b.yaml")
    _, errors = lint_paths([tmp_path])
    assert len(errors) == 1
    assert f"b.yaml:2: alias 'old-q' of 'team-q2' is also an alias of 'team-q1' at {tmp_path / 'a.yaml'}:2" in str(
        errors[0])


def test_the_pack_example_for_authors_lints_clean(tmp_path: Path) -> None:
    guide = (REPO / "questions" / "README.md").read_text(encoding="utf-8")
    example = guide.split("```yaml\n", 1)[1].split("```", 1)[0]
    for criterion in ("a **definition or fact** a junior must know", "a **mechanism, a comparison or a trade-off**",
                      "a **derivation, a design, or debugging under constraints**"):
        assert criterion in guide
    questions, errors = lint_paths([write(tmp_path, example)], require_key_points=True)
    assert errors == [] and len(questions[0].key_points) == 3 and questions[0].aliases == ("ourteam-old-backfill-q",)
    assert "questions/README.md" in (REPO / "README.md").read_text(encoding="utf-8")
