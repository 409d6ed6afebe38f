"""The seed import pipeline: cleaning, classification, ids, merging, the YAML writer and run_import."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.bank.importer.classify import (
    classify_difficulty,
    classify_topic,
    keyword_topic,
    level_to_difficulty,
)
from bot.bank.importer.clean import clean_entry, drop_noise, repair, tidy_block, tidy_line
from bot.bank.importer.dedupe import dedupe, is_duplicate
from bot.bank.importer.ids import assign_ids, make_id, normalise_prompt
from bot.bank.importer.pipeline import SeedImportError, format_report, run_import
from bot.bank.importer.raw import RawEntry
from bot.bank.importer.writer import read_bank, render_topic_file
from bot.bank.model import DIFFICULTIES, TOPICS, Question, Source
from tests.seeds import seed_paths

BANK = Path(__file__).parents[1] / "questions"


def _seed_paths() -> list[Path]:
    return seed_paths(minimum=5)


def _synthetic_seed(tmp_path: Path, extra: str = "", name: str = "900_synthetic.txt") -> Path:
    """A small document in the `### Question:` format (seed 004's parser) with ten questions."""
    parts = ["# PyTorch questions\n\n## Basic Level\n"]
    for subject in SUBJECTS:
        parts.append(f"### Question: {subject}\n\nWhat is {subject} in PyTorch and when is it used?\n")
    parts.append(
        "### Question: Tensors\n\nWhat is a tensor in PyTorch?\n\n### Answer:\n\nA typed n-d array.\n"
    )
    parts.append(extra)
    path = tmp_path / name
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


SUBJECTS = (
    "autograd",
    "DataLoader",
    "nn.Module",
    "TorchScript",
    "optimizers",
    "hooks",
    "AMP",
    "DDP",
    "ONNX",
    "state_dict",
)


def _ids_by_prompt(out_dir: Path) -> dict[str, Question]:
    return {q.prompt: q for q in read_bank(out_dir)}


# --- cleaning -------------------------------------------------------------------------------------------


def test_repair_mojibake() -> None:
    assert repair("#### ðŸŸ¢ Easy: The") == "#### 🟢 Easy: The"
    assert repair("ðŸŸ¡ Medium / ðŸ”´ Hard") == "🟡 Medium / 🔴 Hard"
    assert repair("Hereâ€™s how") == "Here's how"
    assert repair("Null Hypothesis (Hâ‚€)") == "Null Hypothesis (H₀)"
    assert repair("naïve café – “quoted”") == 'naïve café – "quoted"'


def test_tidy_block_keeps_code_and_drops_noise() -> None:
    raw = (
        "        Intro line.   \n\n\n\n        ```python\n        def f():\n            return 1\n\n\n"
        "        ```\n        Would you like me to elaborate? CopyRetryRWhy? EditSure. More.\n"
    )
    text = tidy_block(raw)
    assert text is not None
    assert text.startswith("Intro line.\n\n```python\ndef f():\n    return 1\n\n\n```")
    assert "**Follow-up:** Why?\n\nSure. More." in text
    assert all(line == line.rstrip() for line in text.splitlines())
    assert tidy_block("   \n  ") is None
    assert drop_noise("Skip to content\nReal text") == "Real text"


def test_tidy_line() -> None:
    assert tidy_line("**What is  X?**") == "What is X?"
    assert tidy_line("**Question:** What is\nY?") == "What is Y?"
    entry = clean_entry(RawEntry("  What is  Z? ", "f.txt", 1, "S", hints=["a", "A", " b "]))
    assert entry.prompt == "What is Z?" and entry.hints == ["a", "b"]


# --- classification -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("Beginner", "easy"),
        ("Basic", "easy"),
        ("Easy", "easy"),
        ("Beginner Level", "easy"),
        ("Intermediate", "medium"),
        ("Medium", "medium"),
        ("Expert", "hard"),
        ("Advanced", "hard"),
        ("Hard", "hard"),
        (None, None),
        ("Someday", None),
    ],
)
def test_level_words(level: str | None, expected: str | None) -> None:
    assert level_to_difficulty(level) == expected


@pytest.mark.parametrize(
    ("prompt", "hint", "section", "topic"),
    [
        ("How do you create tensors?", "PyTorch", "PyTorch questions / Basic Level", "pytorch"),
        ("What is eager execution?", "More Tensorflow", None, "tensorflow-keras"),
        ("What is Keras?", "PyTorch / Keras Basics", None, "tensorflow-keras"),
        ("Explain window functions.", "SQL (Structured Query Language) / SQL Basics", None, "sql"),
        ("What is GitOps?", "DevOps", None, "mlops"),
        ("What is data versioning?", "MLOps (Machine Learning Operations)", None, "mlops"),
        ("Your model is slow.", None, "Troubleshooting Questions", "troubleshooting"),
        ("What is broadcasting?", "Numpy, Pandas and matplotlib / NumPy Questions", None, "python-data"),
        ("What is a z-score?", "Hypothesis Testing Basics / Z-score and T-score", None, "statistics-math"),
        ("What are eigenvalues?", "Linear Algebra", None, "statistics-math"),
        ("Define an A-B test.", "A-B Testing and Experimental Design", None, "statistics-math"),
        ("Describe a CNN.", "Convolutional Neural Networks (CNNs)", None, "computer-vision"),
        ("Explain loss in YOLO.", "YoloV8", None, "computer-vision"),
        (
            "What is a GRU?",
            "Convolutional Neural Networks (CNNs) / Recurrent Neural Networks (RNNs) and LSTM",
            None,
            "deep-learning",
        ),
        ("What is RAG?", None, "Generative AI & Large Language Models (LLMs)", "nlp-llm"),
        ("What is a stack?", "Data Structures & Algorithm / Arrays and Strings", None, "algorithms"),
        ("What is greedy search?", "Data Structures & Algorithm / Miscellaneous", None, "algorithms"),
        ("Estimate fraud.", None, "Interview guide: ML / Hard / Mini System Design", "system-design"),
        # generic sections: keyword rules decide
        ("What is a Convolutional Neural Network (CNN)?", "deep learning", None, "computer-vision"),
        ("Explain the self-attention mechanism in a Transformer.", None, None, "nlp-llm"),
        ("What is dropout?", "deep learning", None, "deep-learning"),
        ("What is dropout?", None, None, "deep-learning"),
        ("What is overfitting?", None, None, "ml-fundamentals"),
        ("What is a learning rate?", "Data Science", None, "deep-learning"),
        (
            "What is the difference between model.eval() and torch.no_grad() in PyTorch?",
            "deep learning",
            None,
            "pytorch",
        ),
        ("Implement batch norm in PyTorch, TensorFlow, and Keras.", "Best Practices", None, "deep-learning"),
        ("Design a spam filter. Walk me through the end-to-end process.", None, None, "system-design"),
        ("How would you design a system for neural machine translation?", None, None, "system-design"),
        ("How would you build a model to detect credit card fraud?", None, None, "system-design"),
        (
            "You have a 1TB dataset that doesn't fit in your computer's RAM. How would you train a model on it?",
            None,
            None,
            "system-design",
        ),
        (
            "Your deep learning model is not converging. What steps would you take to debug it?",
            None,
            None,
            "troubleshooting",
        ),
        ("What is the difference between data drift and concept drift?", None, None, "mlops"),
        ("How would you set up an A/B test to validate a new model?", None, None, "statistics-math"),
        ("How do you merge two DataFrames in pandas?", None, None, "python-data"),
        ("What is the time complexity of binary search?", None, None, "algorithms"),
    ],
)
def test_topic_rules(prompt: str, hint: str | None, section: str | None, topic: str) -> None:
    assert classify_topic(prompt, hint, section) == topic


def test_keyword_topic_none_for_plain_ml() -> None:
    assert keyword_topic("What is a decision tree?") is None
    assert keyword_topic("What is a confusion matrix?") is None  # "matrix" alone is not linear algebra


@pytest.mark.parametrize(
    ("prompt", "level", "section", "difficulty"),
    [
        ("Explain window functions in SQL.", None, "SQL / SQL Basics / Advanced SQL Concepts", "hard"),
        ("What is a z-score?", None, "Hypothesis Testing Basics / Z-score and T-score", "easy"),
        (
            "How do you tune learning rates?",
            None,
            "PyTorch / Best Practices and Intermediate Topics",
            "medium",
        ),
        ("What is overfitting?", "Hard", "Anything / Easy", "hard"),  # the level word wins
        ("What is overfitting?", None, None, "easy"),
        ("Define stacks and queues.", None, None, "easy"),
        ("What is overfitting? How do you detect it in production?", None, None, "hard"),
        ("Design a recommendation system for a video platform.", None, None, "hard"),
        ("Your model's loss is NaN. What now?", None, None, "hard"),
        ("How does gradient boosting reduce bias?", None, None, "medium"),
        (
            "What is the difference between L1 and L2 regularization? Which one leads to sparsity?",
            None,
            None,
            "medium",
        ),
    ],
)
def test_difficulty_rules(prompt: str, level: str | None, section: str | None, difficulty: str) -> None:
    assert classify_difficulty(prompt, level, None, section) == difficulty


# --- ids ------------------------------------------------------------------------------------------------


def test_id_shape_and_stability() -> None:
    qid = make_id("What is overfitting?")
    assert re.fullmatch(r"what-is-overfitting-[0-9a-f]{6}", qid)
    assert make_id("What is overfitting?") == qid
    assert make_id("  what is **overfitting**?  ") == qid  # same normalised prompt
    assert make_id("What is underfitting?") != qid
    long_id = make_id(
        "Can you explain what PyTorch is and why it is popular among deep learning researchers?"
    )
    assert long_id.startswith("explain-what-pytorch-is-and-why-") and len(long_id) <= 48 + 7
    assert normalise_prompt("A  **Bold**\n`x`") == "a bold x"


def test_assign_ids_unique_and_order_independent() -> None:
    prompts = ["What is X?", "what is **X**?", "What is Y?", "What is X?"]
    ids = assign_ids(prompts)
    assert len(set(ids)) == 4
    base = make_id("What is X?")
    assert sorted(i for i in ids if i.startswith(base)) == [base, f"{base}-2", f"{base}-3"]
    swapped = assign_ids(["what is **X**?", "What is Y?", "What is X?"])
    again = assign_ids(["What is Y?", "What is X?", "what is **X**?"])
    assert dict(zip(["what is **X**?", "What is Y?", "What is X?"], swapped, strict=True)) == dict(
        zip(["What is Y?", "What is X?", "what is **X**?"], again, strict=True)
    )


# --- merging --------------------------------------------------------------------------------------------

SAME = [
    ("What is overfitting?", "What is overfitting?"),
    ("Explain the bias-variance trade-off.", "Explain the Bias-Variance tradeoff."),
    ("Explain the bias-variance trade-off.", "What is the bias-variance trade-off?"),
    ("Explain the vanishing gradient problem.", "What is the vanishing gradient problem?"),
    (
        "What is the difference between bagging and boosting?",
        "Explain the difference between bagging and boosting.",
    ),
    ("How does a K-Nearest Neighbors (KNN) algorithm work?", "What is K-Nearest Neighbors (KNN)?"),
    ("What is batch normalisation?", "What is batch normalization?"),
    ('What is the "curse of dimensionality"?', "What is the curse of dimensionality?"),
    ("What is a Generative Adversarial Network (GAN)?", "What are Generative Adversarial Networks (GANs)?"),
    (
        "Why do we initialize weights randomly? What happens if all weights are initialized to zero?",
        "Why do we initialize weights randomly? What happens if you initialize all weights to zero?",
    ),
]
DIFFERENT = [
    ("What is batch normalization?", "Batch vs layer normalization?"),
    ("What is precision?", "What is recall?"),
    ("What is a parameter?", "What is a hyperparameter?"),
    ("What is a training set?", "What is a test set?"),
    ("What is L1 regularization?", "What is L2 regularization?"),
    ("What is machine learning?", "What is deep learning?"),
    ("What is normalization?", "What is standardization?"),
    ("What is the Sigmoid activation function?", "What is the Tanh activation function?"),
    ("What is the vanishing gradient problem?", "What is the exploding gradient problem?"),
    (
        "What are the pros and cons of using a very large batch size?",
        "What are the pros and cons of using a very small batch size?",
    ),
    (
        "What is batch normalization and how does it work?",
        "What is batch normalization and why is it useful?",
    ),
    ("What is an activation function?", "What are some examples of activation functions?"),
    ("What is overfitting?", "What is overfitting? How can you detect it?"),
    (
        "How do you handle imbalanced datasets in PyTorch?",
        "How do you handle imbalanced datasets in TensorFlow?",
    ),
    ("What is an epoch?", "What is a batch?"),
    ("What is an algorithm?", "What is a model?"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_duplicates_merge(a: str, b: str) -> None:
    assert is_duplicate(a, b) and is_duplicate(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_shared_words_do_not_merge(a: str, b: str) -> None:
    assert not is_duplicate(a, b) and not is_duplicate(b, a)


def test_dedupe_keeps_every_source_best_answer_and_hints() -> None:
    entries = [
        RawEntry("What is overfitting?", "a.txt", 10, "S", hints=["Think variance."]),
        RawEntry("What is overfitting?", "b.txt", 3, "S", answer="Short.", hints=["think variance."]),
        RawEntry("Explain overfitting.", "c.txt", 7, "S", answer="Longer answer.\n\n```python\nfit()\n```"),
        RawEntry("What is underfitting?", "a.txt", 11, "S", answer="Other."),
    ]
    groups = dedupe(entries)
    assert len(groups) == 2
    over = next(g for g in groups if "overfitting" in g.primary.prompt)
    assert over.primary.source_file == "c.txt"  # the answer with code wins
    assert over.sources == [("a.txt", 10), ("b.txt", 3), ("c.txt", 7)]
    assert over.hints == ["Think variance."]
    assert len(over.merged) == 2


# --- writer ---------------------------------------------------------------------------------------------


def test_writer_round_trip() -> None:
    tricky = Question(
        id="what-is-x-123abc",
        topic="pytorch",
        difficulty="medium",
        prompt="What is `x: y` # not a comment?",
        answer="Intro: here.\n\n```python\n# comment\n    indented()\n```\n\n| a | b |\n|---|---|\n\n$$ \\frac{1}{2} $$",
        answer_origin="seed",
        hints=("e.g., 'quotes' and \"double\"",),
        tags=("pytorch",),
        sources=(Source("004.txt", 12), Source("003.txt", 5)),
    )
    bare = Question(id="a-000000", topic="pytorch", difficulty="easy", prompt="- starts with a dash?")
    text = render_topic_file([tricky, bare])
    assert text.startswith("# Generated by `python -m bot questions import`")
    assert "    answer: |-\n" in text
    data = yaml.safe_load(text)
    assert [q["id"] for q in data["questions"]] == ["a-000000", "what-is-x-123abc"]  # sorted by id
    assert list(data["questions"][1]) == [
        "id",
        "topic",
        "difficulty",
        "prompt",
        "answer",
        "answer_origin",
        "hints",
        "tags",
        "sources",
    ]
    assert "answer" not in data["questions"][0] and "answer_origin" not in data["questions"][0]
    assert data["questions"][1]["answer"] == tricky.answer
    assert render_topic_file([bare, tricky]) == text


def test_import_is_deterministic_on_real_seeds(tmp_path: Path) -> None:
    seeds = _seed_paths()
    first, second = tmp_path / "one", tmp_path / "two"
    report = run_import(seeds, first)
    run_import(list(reversed(seeds)), second)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    questions = read_bank(first)
    assert len({q.id for q in questions}) == len(questions) == report.questions
    assert report.found == sum(f.kept + f.merged for f in report.files)
    assert 800 <= report.found <= 880
    assert {q.topic for q in questions} == set(TOPICS)
    assert {q.difficulty for q in questions} == set(DIFFICULTIES)
    assert all(q.prompt and "\n" not in q.prompt for q in questions)


def test_committed_bank_matches_a_fresh_import(tmp_path: Path) -> None:
    seeds = _seed_paths()
    out = tmp_path / "bank"
    out.mkdir()
    shutil.copytree(BANK / "curation", out / "curation")  # overrides.yaml and merges.yaml
    if (BANK / "written").is_dir():
        shutil.copytree(BANK / "written", out / "written")
    run_import(seeds, out)
    questions = read_bank(out)
    assert {q.topic for q in questions} == set(TOPICS)
    assert {q.difficulty for q in questions} == set(DIFFICULTIES)
    for path in [*sorted(out.glob("*.yaml")), out / "MERGES.md"]:
        committed = BANK / path.name
        assert committed.exists() and committed.read_bytes() == path.read_bytes(), (
            f"questions/{path.name} is stale: re-run the seed import (python -m bot questions import)"
        )


# --- run_import on small documents ----------------------------------------------------------------------


def test_written_answers_fill_gaps(tmp_path: Path) -> None:
    seed = _synthetic_seed(tmp_path)
    out = tmp_path / "bank"
    run_import([seed], out)
    by_prompt = _ids_by_prompt(out)
    open_q = by_prompt["What is hooks in PyTorch and when is it used?"]
    answered = by_prompt["What is a tensor in PyTorch?"]
    (out / "written").mkdir()
    (out / "written" / "pytorch.yaml").write_text(
        yaml.safe_dump(
            {
                "answers": {
                    open_q.id: {"answer": "Written answer.\n\nWith two paragraphs.\n", "hints": ["A hint."]},
                    answered.id: {"answer": "Should not replace the seed answer.", "hints": ["Hint two."]},
                }
            }
        ),
        encoding="utf-8",
    )
    report = run_import([seed], out)
    by_prompt = _ids_by_prompt(out)
    filled = by_prompt[open_q.prompt]
    assert filled.answer == "Written answer.\n\nWith two paragraphs."
    assert filled.answer_origin == "written" and filled.hints == ("A hint.",)
    kept = by_prompt[answered.prompt]
    assert kept.answer == "A typed n-d array." and kept.answer_origin == "seed"
    assert kept.hints == ("Hint two.",)  # hints added where the question had none
    assert report.written_answers_used == 1
    text = (out / "pytorch.yaml").read_text(encoding="utf-8")
    assert "answer_origin: written" in text


def test_written_answer_for_unknown_id_is_an_error(tmp_path: Path) -> None:
    seed = _synthetic_seed(tmp_path)
    out = tmp_path / "bank"
    (out / "written").mkdir(parents=True)
    (out / "written" / "pytorch.yaml").write_text("answers:\n  no-such-question-abcdef:\n    answer: x\n")
    with pytest.raises(SeedImportError, match="no-such-question-abcdef: no question with this id"):
        run_import([seed], out)


def test_overrides_change_topic_not_id(tmp_path: Path) -> None:
    seed = _synthetic_seed(tmp_path)
    out = tmp_path / "bank"
    run_import([seed], out)
    target = _ids_by_prompt(out)["What is a tensor in PyTorch?"]
    assert target.topic == "pytorch" and target.difficulty == "easy"
    overrides = out / "curation" / "overrides.yaml"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(f"{target.id}: {{topic: deep-learning, difficulty: hard}}\n")
    run_import([seed], out)
    moved = _ids_by_prompt(out)["What is a tensor in PyTorch?"]
    assert (moved.id, moved.topic, moved.difficulty) == (target.id, "deep-learning", "hard")
    assert (out / "deep-learning.yaml").exists()
    overrides.write_text("stale-id-000000: {topic: sql}\n")
    with pytest.raises(SeedImportError, match="stale-id-000000"):
        run_import([seed], out)
    overrides.write_text(f"{target.id}: {{topic: cooking}}\n")
    with pytest.raises(SeedImportError, match="unknown topic 'cooking'"):
        run_import([seed], out)


def test_unknown_seed_is_an_error(tmp_path: Path) -> None:
    odd = tmp_path / "905_odd.txt"
    odd.write_text("Just some prose.\n\nNothing that any parser knows.\n", encoding="utf-8")
    with pytest.raises(SeedImportError, match=r"905_odd\.txt: unrecognised seed format"):
        run_import([odd], tmp_path / "bank")


def test_empty_section_is_an_error(tmp_path: Path) -> None:
    seed = _synthetic_seed(tmp_path, extra="## Advanced Level\n\nNothing here yet.\n")
    with pytest.raises(SeedImportError, match=r"yielded no questions: 'PyTorch questions / Advanced Level'"):
        run_import([seed], tmp_path / "bank")


def test_report_table(tmp_path: Path) -> None:
    seed = _synthetic_seed(tmp_path)
    twin = _synthetic_seed(tmp_path, name="901_twin.txt")
    report = run_import([seed, twin], tmp_path / "bank")
    assert [(f.found, f.merged, f.kept) for f in report.files] == [(11, 0, 11), (11, 11, 0)]
    assert report.merge_groups == 11 and report.questions == 11
    assert report.files[0].sections == {"PyTorch questions / Basic Level": 11}
    text = format_report(report)
    assert "seed" in text and "| found | merged | kept" in text
    assert re.search(r"total\s+\|\s+22 \|\s+11 \|\s+11", text)
    assert "11 merged groups (11 entries folded)" in text
    merges = (tmp_path / "bank" / "MERGES.md").read_text(encoding="utf-8")
    assert "- kept: What is a tensor in PyTorch? — `900_synthetic.txt:" in merges
    assert "- merged: What is a tensor in PyTorch? — `901_twin.txt:" in merges


# --- issue 11: key points, written hints, prompt overrides, manual merges --------------------------------


def _write_yaml(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


KEY_POINTS = [
    "Autograd records operations on tensors with requires_grad=True in a graph",
    "Calling backward() walks the graph in reverse and accumulates .grad",
    "Gradients accumulate, so optimizer.zero_grad() is needed between steps",
]


def test_written_hints_replace_seed_hints_and_key_points_are_kept() -> None:
    from bot.bank.importer.writer import WrittenAnswer, merge_written

    seeded = Question(id="q-000001", topic="pytorch", difficulty="easy", prompt="What is autograd?",
                      answer="Seed answer.", answer_origin="seed", hints=("The seed's giveaway hint.",))
    written = {"q-000001": WrittenAnswer(None, ("What is recorded during the forward pass?",), "w.yaml",
                                         key_points=tuple(KEY_POINTS))}
    [q], errors, used = merge_written([seeded], written, Path("written"))
    assert errors == [] and used == 0
    assert q.hints == ("What is recorded during the forward pass?",)
    assert q.key_points == tuple(KEY_POINTS)
    assert q.answer == "Seed answer." and q.answer_origin == "seed"  # an entry without an answer keeps the seed's


def test_key_points_only_entry_and_prompt_override_keep_the_id(tmp_path: Path) -> None:
    seed = _synthetic_seed(tmp_path)
    out = tmp_path / "bank"
    run_import([seed], out)
    target = _ids_by_prompt(out)["What is autograd in PyTorch and when is it used?"]
    _write_yaml(out / "written" / "pytorch.yaml", {"answers": {target.id: {"key_points": KEY_POINTS}}})
    _write_yaml(out / "curation" / "overrides.yaml",
                {target.id: {"prompt": "What does autograd record, and when do you need it?", "difficulty": "medium"}})
    run_import([seed], out)
    [q] = [q for q in read_bank(out) if q.id == target.id]
    assert q.prompt == "What does autograd record, and when do you need it?" and q.difficulty == "medium"
    assert q.key_points == tuple(KEY_POINTS)
    text = (out / "pytorch.yaml").read_text(encoding="utf-8")
    assert "    key_points:\n      - Autograd records operations" in text
    assert text.count("key_points:") == 1  # only where non-empty
    assert "aliases:" not in text


def _merge_fixture(tmp_path: Path) -> tuple[Path, Path, dict[str, Question]]:
    seed = _synthetic_seed(tmp_path)
    out = tmp_path / "bank"
    run_import([seed], out)
    return seed, out, _ids_by_prompt(out)


def test_manual_merge_keeps_into_id_unions_sources_and_records_aliases(tmp_path: Path) -> None:
    seed, out, by_prompt = _merge_fixture(tmp_path)
    into = by_prompt["What is a tensor in PyTorch?"]
    gone = [by_prompt["What is hooks in PyTorch and when is it used?"], by_prompt["What is AMP in PyTorch and when is it used?"]]
    apart = (by_prompt["What is DDP in PyTorch and when is it used?"], by_prompt["What is ONNX in PyTorch and when is it used?"])
    _write_yaml(out / "curation" / "merges.yaml", {
        "merges": [{"into": into.id, "merge": [g.id for g in gone], "why": "same idea, reworded"}],
        "kept_apart": [{"a": apart[0].id, "b": apart[1].id, "why": "different tools"}],
    })
    report = run_import([seed], out)
    questions = {q.id: q for q in read_bank(out)}
    assert report.questions == 11 - 2 and len(questions) == 9
    assert all(g.id not in questions for g in gone)
    kept = questions[into.id]
    assert kept.prompt == into.prompt and kept.answer == "A typed n-d array."
    assert kept.aliases == tuple(sorted(g.id for g in gone))
    assert kept.sources == (*into.sources, *gone[0].sources, *gone[1].sources)
    merges_md = (out / "MERGES.md").read_text(encoding="utf-8")
    assert "# Manual merges" in merges_md and f"## `{into.id}`" in merges_md
    assert f"- merged: {gone[0].prompt} — `{gone[0].id}`" in merges_md
    assert "- why: same idea, reworded" in merges_md
    assert "# Kept apart" in merges_md and f"`{apart[0].id}`" in merges_md and "— different tools" in merges_md
    assert "1 manual merge groups (2 questions folded" in format_report(report)
    text = (out / "pytorch.yaml").read_text(encoding="utf-8")
    assert f"    aliases:\n      - {sorted(g.id for g in gone)[0]}" in text
    # deterministic: a second import writes the same bytes
    first = {p.name: p.read_bytes() for p in out.glob("*.*")}
    run_import([seed], out)
    assert {p.name: p.read_bytes() for p in out.glob("*.*")} == first


def test_written_entry_on_a_merged_away_id_is_an_error_naming_into(tmp_path: Path) -> None:
    seed, out, by_prompt = _merge_fixture(tmp_path)
    into, gone = by_prompt["What is a tensor in PyTorch?"], by_prompt["What is hooks in PyTorch and when is it used?"]
    _write_yaml(out / "curation" / "merges.yaml", {"merges": [{"into": into.id, "merge": [gone.id], "why": "x"}]})
    _write_yaml(out / "written" / "pytorch.yaml", {"answers": {gone.id: {"key_points": KEY_POINTS}}})
    with pytest.raises(SeedImportError, match=f"{gone.id} was merged into {into.id}; key the entry by {into.id}"):
        run_import([seed], out)


def test_override_on_a_merged_away_id_is_an_error_naming_into(tmp_path: Path) -> None:
    seed, out, by_prompt = _merge_fixture(tmp_path)
    into, gone = by_prompt["What is a tensor in PyTorch?"], by_prompt["What is hooks in PyTorch and when is it used?"]
    _write_yaml(out / "curation" / "merges.yaml", {"merges": [{"into": into.id, "merge": [gone.id], "why": "x"}]})
    _write_yaml(out / "curation" / "overrides.yaml", {gone.id: {"difficulty": "hard"}})
    with pytest.raises(SeedImportError, match=f"overrides.yaml: {gone.id} was merged into {into.id}"):
        run_import([seed], out)


def test_unknown_or_inconsistent_ids_in_merges_are_errors(tmp_path: Path) -> None:
    seed, out, by_prompt = _merge_fixture(tmp_path)
    into, gone = by_prompt["What is a tensor in PyTorch?"], by_prompt["What is hooks in PyTorch and when is it used?"]
    merges = out / "curation" / "merges.yaml"
    _write_yaml(merges, {"merges": [{"into": into.id, "merge": ["no-such-id-000000"], "why": "x"}]})
    with pytest.raises(SeedImportError, match=f"merge into {into.id}: no question with id no-such-id-000000"):
        run_import([seed], out)
    _write_yaml(merges, {"merges": [{"into": into.id, "merge": [gone.id]}, {"into": gone.id, "merge": [into.id]}]})
    with pytest.raises(SeedImportError, match="is in two merge groups"):
        run_import([seed], out)
    _write_yaml(merges, {"merges": [{"into": into.id, "merge": gone.id}]})
    with pytest.raises(SeedImportError, match=re.escape("expected {into: id, merge: [id, ...], why: text}")):
        run_import([seed], out)
    _write_yaml(merges, {"kept_apart": [{"a": into.id, "b": "no-such-id-000000"}]})
    with pytest.raises(SeedImportError, match=r"kept_apart .*: no question with id no-such-id-000000"):
        run_import([seed], out)
