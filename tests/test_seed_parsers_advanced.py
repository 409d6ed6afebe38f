"""Seed parsers for documents 003 (emoji levels) and 004 (question sections).

File tests read the real seeds from the shared folder next to the repository and are skipped when it is
missing; snippet tests exercise the traps on small inline documents.
"""

from __future__ import annotations

from functools import cache

import pytest

from bot.bank.importer.raw import ParseResult, RawEntry
from bot.bank.importer.seeds import emoji_levels, question_sections
from tests.seeds import seed_file

FILE_003 = "003_af0d5a27ad6c9679.txt"
FILE_004 = "004_0a7f84748ec68db8.txt"
ALL_SEEDS = (
    "000_9b12a155594f89d2.txt",
    "001_189a9b512557a527.txt",
    "002_5cefd83070de732d.txt",
    FILE_003,
    FILE_004,
)

COUNTS_003: dict[str, int] = {
    "Interview guide: ML / Easy / Fundamentals": 4,
    "Interview guide: ML / Easy / Evaluation Metrics": 5,
    "Interview guide: ML / Easy / Models & Algorithms": 6,
    "Interview guide: ML / Medium / Concepts & Trade-offs": 8,
    "Interview guide: ML / Medium / Practical Application": 5,
    "Interview guide: ML / Hard / Debugging & Scenarios": 4,
    "Interview guide: ML / Hard / Deep Theory": 4,
    "Interview guide: ML / Hard / Mini System Design": 3,
    "Interview guide: deep learning / Easy": 13,
    "Interview guide: deep learning / Medium / Concepts & Trade-offs": 10,
    "Interview guide: deep learning / Medium / Architectures": 6,
    "Interview guide: deep learning / Hard / Debugging & Scenarios": 5,
    "Interview guide: deep learning / Hard / Deep Theory & Design": 5,
    "ML questions / Easy": 34,
    "ML questions / Medium": 36,
    "ML questions / Hard": 30,
    "Deep learning questions / Easy": 34,
    "Deep learning questions / Medium": 36,
    "Deep learning questions / Hard": 30,
}

_PT = "PyTorch questions"
_TF = "More Tensorflow Questions"
_DS = "Data Science questions"
_AI = "Artificial Intelligence (AI) questions"
_ML = "Machine Learning Questions"
_NLP = "Natural Language Processessing Questions"
_PY = "Numpy, Pandas and matplotlib Questions"
_DEVOPS = "DevOps Questions"
_MLOPS = "MLOps (Machine Learning Operations) Questions"
_ALGO = "Data Structures & Algorithm Questions"
_SQL = "SQL (Structured Query Language) Questions"
_CNN = "Convolutional Neural Networks (CNNs)"
COUNTS_004: dict[str, int] = {
    f"{_PT} / Basic Level": 5,
    f"{_PT} / Intermediate Level": 5,
    f"{_PT} / Advanced Level": 19,
    f"{_PT} / TensorFlow Basics": 10,
    f"{_PT} / Keras Basics": 10,
    f"{_PT} / Best Practices and Intermediate Topics": 26,
    f"{_PT} / Decoders": 8,
    f"{_PT} / Transformers": 5,
    f"{_PT} / Transformers / Natural Language Processing (NLP)": 8,
    f"{_PT} / Transformers / Best Practices and Intermediate Topics": 25,
    f"{_PT} / Best Practices for Model Selection in Machine Learning and Deep Learning": 1,
    f"{_TF} / Basic Level": 5,
    f"{_TF} / Intermediate Level": 5,
    f"{_TF} / Advanced Level": 11,
    f"{_DS} / Basic Level": 5,
    f"{_DS} / Intermediate Level": 5,
    f"{_DS} / Advanced Level": 11,
    f"{_AI} / Basic Level": 5,
    f"{_AI} / Intermediate Level": 5,
    f"{_AI} / Advanced Level": 11,
    f"{_ML} / Basic Level": 5,
    f"{_ML} / Intermediate Level": 5,
    f"{_ML} / Advanced Level": 11,
    f"{_NLP} / Basic Level": 5,
    f"{_NLP} / Intermediate Level": 5,
    f"{_NLP} / Advanced Level": 11,
    f"{_PY} / NumPy Questions": 1,
    f"{_PY} / NumPy Questions / Creating Arrays": 2,
    f"{_PY} / NumPy Questions / Array Operations": 2,
    f"{_PY} / pandas Questions": 5,
    f"{_PY} / Matplotlib Questions": 5,
    f"{_PY} / Advanced Level Questions": 6,
    f"{_DEVOPS} / Basic Level": 5,
    f"{_DEVOPS} / Intermediate Level": 5,
    f"{_DEVOPS} / Advanced Level": 11,
    f"{_MLOPS} / Basic Level": 5,
    f"{_MLOPS} / Intermediate Level": 5,
    f"{_MLOPS} / Advanced Level": 10,
    f"{_MLOPS} / Case Study and Implementation": 1,
    f"{_ALGO} / Basics of Algorithms": 5,
    f"{_ALGO} / Arrays and Strings": 4,
    f"{_ALGO} / Sorting and Searching": 3,
    f"{_ALGO} / Linked Lists and Stacks/Queues": 2,
    f"{_ALGO} / Trees and Graphs": 4,
    f"{_ALGO} / Dynamic Programming": 2,
    f"{_ALGO} / Miscellaneous": 1,
    "Linear Algebra": 6,
    "Statistics": 6,
    "Calculus": 3,
    "Data Science Applications": 6,
    f"{_SQL} / SQL Basics": 5,
    f"{_SQL} / SQL Basics / Advanced SQL Concepts": 6,
    f"{_SQL} / SQL in Data Analysis and Reporting": 5,
    f"{_SQL} / SQL Optimization and Best Practices": 5,
    "Hypothesis Testing Basics": 5,
    "Hypothesis Testing Basics / Z-score and T-score": 3,
    "A-B Testing and Experimental Design": 4,
    "Categorical Data Analysis": 4,
    "Categorical Data Analysis / Advanced Hypothesis Testing Techniques": 5,
    "Neural Network Basics": 5,
    _CNN: 3,
    f"{_CNN} / Recurrent Neural Networks (RNNs) and LSTM": 3,
    f"{_CNN} / Gated Recurrent Units (GRUs) and Attention Mechanisms": 2,
    f"{_CNN} / Transformer Architecture": 2,
    f"{_CNN} / Graph Neural Networks (GNNs)": 3,
    f"{_CNN} / Advanced Topics in Neural Networks": 3,
    "YoloV8": 2,
}


def _text(name: str) -> str:
    return seed_file(name).read_text(encoding="utf-8")


@cache
def _parsed(name: str) -> ParseResult:
    parser = emoji_levels if name == FILE_003 else question_sections
    return parser.parse(_text(name), name)


def _at(result: ParseResult, line: int) -> RawEntry:
    matches = [e for e in result.entries if e.line == line]
    assert len(matches) == 1, f"no single entry at line {line}"
    return matches[0]


def _find(result: ParseResult, start: str) -> RawEntry:
    matches = [e for e in result.entries if e.prompt.startswith(start)]
    assert len(matches) == 1, f"{len(matches)} entries start with {start!r}"
    return matches[0]


# --- 003 ----------------------------------------------------------------------------------------------


def test_counts_per_section_003() -> None:
    result = _parsed(FILE_003)
    assert result.section_counts == COUNTS_003
    assert len(result.entries) == 278
    for section, count in COUNTS_003.items():
        assert sum(1 for e in result.entries if e.section == section) == count


def test_prose_is_not_questions_003() -> None:
    result = _parsed(FILE_003)
    assert min(e.line for e in result.entries) == 162
    prompts = " ".join(e.prompt for e in result.entries)
    assert "Recruiter Screen" not in prompts
    assert "Problem Scoping" not in prompts
    assert "My recommendation" not in prompts
    assert all(e.answer is None for e in result.entries)


def test_mojibake_level_headers_003() -> None:
    text = _text(FILE_003)
    assert "#### ðŸŸ¢ Easy:" in text and "#### Easy: The" in text
    result = _parsed(FILE_003)
    assert {e.level for e in result.entries} == {"Easy", "Medium", "Hard"}
    assert _at(result, 370).level == "Easy"  # under the `#### Easy:` header that has no emoji
    assert _at(result, 409).level == "Medium"  # under `ðŸŸ¡ Medium`
    assert _at(result, 450).level == "Hard"  # under `ðŸ”´ Hard`


def test_numbered_item_variants_003() -> None:
    result = _parsed(FILE_003)
    assert _at(result, 162).prompt.startswith("What is the difference between supervised")  # `1.`
    assert _at(result, 169).prompt == "What is a confusion matrix?"  # `5\.`
    stray = _at(result, 288)  # `    1L What is transfer learning?`
    assert stray.prompt == "What is transfer learning?"
    assert stray.section == "Interview guide: deep learning / Easy"
    assert _at(result, 598).prompt == "How would you debug a non-converging GAN?"  # `100.`
    assert not any("\\" in e.prompt for e in result.entries)
    assert (
        _at(result, 346).prompt
        == "What is the difference between model.eval() and torch.no_grad() in PyTorch?"
    )


def test_hints_extracted_003() -> None:
    result = _parsed(FILE_003)
    accuracy = _at(result, 173)
    assert accuracy.prompt == "What is accuracy, and when can it be a misleading metric?"
    assert accuracy.hints == ["Imbalanced datasets."]
    assert _at(result, 220).hints == ["A standard k-fold split won't work!"]
    drift = _at(result, 230)
    assert drift.prompt.endswith("What are the possible causes?")
    assert drift.hints == [
        'Data drift, train-serve skew, different preprocessing, a "non-representative" test set.'
    ]
    serving = _at(result, 255)  # followed by a non-italic `\* Follow-ups:` line
    assert serving.hints[0].startswith("Quantization, pruning, knowledge distillation")
    assert _at(result, 201).prompt == "Explain the bias-variance trade-off."
    assert _at(result, 201).hints == []  # "(This is a classic. ...)" is commentary, not a hint
    # parentheses inside the question stay in the prompt
    assert _at(result, 491).prompt == "What is a neuron (or perceptron)?"
    assert _at(result, 578).prompt == "Explain the VAE's loss function (reconstruction loss + KL divergence)."
    assert not any(e.prompt.endswith(")") and "(Hint" in e.prompt for e in result.entries)
    assert sum(1 for e in result.entries if e.hints) == 51  # 41 trailing parentheticals + 10 follow-ups


def test_blocks_and_topic_hints_003() -> None:
    result = _parsed(FILE_003)
    hints = {e.section.split(" / ")[0]: e.topic_hint for e in result.entries}
    assert hints == {
        "Interview guide: ML": None,
        "Interview guide: deep learning": "deep learning",
        "ML questions": None,
        "Deep learning questions": "deep learning",
    }


# --- 004 ----------------------------------------------------------------------------------------------


def test_counts_per_section_004() -> None:
    result = _parsed(FILE_004)
    assert result.section_counts == COUNTS_004
    assert len(result.entries) == 397
    assert len(result.entries) == _text(FILE_004).count("### Question") + 2  # + case study + best practices


def test_titleless_questions_004() -> None:
    text = _text(FILE_004).splitlines()
    titleless = [
        n for n, line in enumerate(text, start=1) if line.strip() in ("### Question:", "### Question: ")
    ]
    assert titleless == [979, 1886, 1895, 2800, 3025]
    result = _parsed(FILE_004)
    vae = _at(result, 977)
    assert vae.prompt == "What are Variational Autoencoders (VAEs)?"
    after_vae = _at(result, 981)  # right after the previous question's paragraph: kept as its own question
    assert after_vae.prompt.startswith("Explain the principles behind VAEs")
    assert _at(result, 1888).prompt.startswith("How do you create a NumPy array from a list?")
    assert _at(result, 1896).prompt.startswith(
        "What are some common array operations in NumPy?"
    )  # no blank line
    assert _at(result, 2802).prompt.startswith("In case of Yolov8 object detection algorithm")
    sampling = _at(result, 3027)
    assert sampling.prompt.startswith("What are the differences between random, stratified and systematic")
    assert sampling.answer is not None and sampling.answer.endswith("and resource availability.")


def test_code_comments_are_not_headings_004() -> None:
    result = _parsed(FILE_004)
    tensors = _at(result, 45)
    assert tensors.answer is not None
    assert "```python\n# Addition\nresult = random_tensor + 1" in tensors.answer
    assert "# Convert to integer type" in tensors.answer
    assert tensors.answer.endswith("crucial for deep learning tasks.")
    autograd = _at(result, 133)
    assert autograd.answer is not None and "# Compute gradient\nz.backward()" in autograd.answer
    sections = set(result.section_counts)
    assert not any(
        word in s for s in sections for word in ("Addition", "Define", "Instantiate", "Training Loop")
    )
    for entry in result.entries:
        assert (entry.answer or "").count("```") % 2 == 0


def test_answers_whole_004() -> None:
    result = _parsed(FILE_004)
    answered = [e for e in result.entries if e.answer]
    assert len(answered) == 12
    intro = _at(result, 9)
    assert intro.answer is not None
    assert intro.answer.startswith("PyTorch is an open-source machine learning library")
    assert "#### Differences from TensorFlow:" in intro.answer
    yolo = _at(result, 2802)
    assert yolo.answer is not None
    assert "### Loss Calculation:" in yolo.answer and "### Backpropagation:" in yolo.answer
    assert "then makes dense predictions on these learned features." in yolo.answer
    cnn = _at(result, 2577)
    assert cnn.answer is not None and cnn.answer.endswith("relevant to the task at hand.")
    assert _at(result, 2693).answer is None  # `### Answer:` with nothing under it
    practices = _find(result, "What are the best practices for model selection")
    assert practices.answer is not None and practices.answer.startswith("- Define Problem Objectives:")


def test_plain_subheadings_and_notes_004() -> None:
    result = _parsed(FILE_004)
    assert _at(result, 1883).prompt.endswith(
        "the main features that make NumPy efficient?"
    )  # not "Creating Arrays"
    assert _at(result, 1015).prompt.endswith("text generation and language modeling?")
    assert _at(result, 2700).section == _CNN
    assert _at(result, 2708).section == f"{_CNN} / Recurrent Neural Networks (RNNs) and LSTM"
    hypothesis = _at(result, 1340)  # followed by long unheaded notes, which are dropped
    assert hypothesis.prompt.endswith("provide an example of a t-test?")
    assert hypothesis.answer is None
    autoencoder = _at(result, 941)  # the question runs over two paragraphs
    assert autoencoder.prompt.startswith("What is an autoencoder and how does it work? Explain the concept")
    assert _at(result, 777).prompt.startswith("What are tensors in TensorFlow?")  # the title is the question
    assert _find(result, "Can you walk through a case study").section.endswith(
        "Case Study and Implementation"
    )
    assert not any(e.prompt.startswith("These questions") for e in result.entries)


def test_levels_and_topic_hints_004() -> None:
    result = _parsed(FILE_004)
    assert {e.level for e in result.entries} == {"Basic", "Intermediate", "Advanced", None}
    assert _at(result, 9).level == "Basic" and _at(result, 9).topic_hint == "PyTorch"
    assert _at(result, 775).level is None and _at(result, 775).topic_hint == "PyTorch / TensorFlow Basics"
    assert _at(result, 1951).level == "Advanced"  # `## Advanced Level Questions`
    assert (
        _at(result, 2389).topic_hint == "SQL (Structured Query Language) / SQL Basics / Advanced SQL Concepts"
    )
    assert _at(result, 2461).topic_hint == "Hypothesis Testing Basics"
    assert _at(result, 1314).topic_hint == "Data Science"


@pytest.mark.parametrize("name", ALL_SEEDS)
def test_detect_only_own_file(name: str) -> None:
    text = _text(name)
    assert emoji_levels.detect(text) is (name == FILE_003)
    assert question_sections.detect(text) is (name == FILE_004)


# --- snippets -----------------------------------------------------------------------------------------


def test_snippet_emoji_levels() -> None:
    text = (
        "# Guide\n\nSome prose. 1. Not a question\n\n"
        "#### ðŸŸ¢ Easy: The basics\n\nIntro sentence.\n\nFundamentals\n\n"
        "1. What is X? (Hint: think Y).\n"
        "2\\. What is the `no\\_grad` flag?\n\n"
        "***\n\n#### Hard: Scenarios\n\n"
        "1. Your model fails. Why?\n   * _Follow-ups:_ (Data drift, skew).\n"
        "    1L What is Z?\n\nWould you like more?\n"
    )
    assert not emoji_levels.detect(text)  # needs three level headers
    result = emoji_levels.parse(text, "s.txt")
    assert [e.prompt for e in result.entries] == [
        "What is X?",
        "What is the `no_grad` flag?",
        "Your model fails. Why?",
        "What is Z?",
    ]
    assert result.entries[0].hints == ["think Y."]
    assert result.entries[2].hints == ["Data drift, skew."]
    assert result.section_counts == {
        "Interview guide: ML / Easy / Fundamentals": 2,
        "Interview guide: ML / Hard": 2,
    }
    assert [e.level for e in result.entries] == ["Easy", "Easy", "Hard", "Hard"]


def test_snippet_question_sections() -> None:
    text = (
        "# Tools questions\n\n## Basic Level\n\n"
        "### Question: Code\n\nHow do you print?\n\n### Answer\n\n```python\n# a comment\nprint(1)\n```\n\n"
        "#### Detail\n\nMore text.\n\n"
        "### Question: \nWhat is a list?\nNext Group\n\n"
        "## Intermediate Level\n\n### Question:Trailing colon:\n\nWhat is a dict?\n\n### Answer:\n\n\n"
        "These questions are designed to test you.\n"
    )
    result = question_sections.parse(text, "s.txt")
    assert [e.prompt for e in result.entries] == ["How do you print?", "What is a list?", "What is a dict?"]
    code = result.entries[0]
    assert code.answer == "```python\n# a comment\nprint(1)\n```\n\n#### Detail\n\nMore text."
    assert result.entries[2].answer is None
    assert result.entries[2].section == "Tools questions / Intermediate Level"
    assert result.section_counts == {
        "Tools questions / Basic Level": 2,
        "Tools questions / Intermediate Level": 1,
    }


def test_snippet_empty_section_is_reported() -> None:
    text = "# Tools questions\n\n## Basic Level\n\n### Question: A\n\nWhat is A?\n\n## Advanced Level\n\nNothing.\n"
    result = question_sections.parse(text, "s.txt")
    assert result.section_counts == {
        "Tools questions / Basic Level": 1,
        "Tools questions / Advanced Level": 0,
    }
