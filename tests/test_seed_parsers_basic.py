"""Seed parsers for documents 000 (numbered bold), 001 (scraped levels) and 002 (mkdocs tabs).

The file tests read the real seeds from the shared folder next to the repository and are skipped when it
is missing; the snippet tests exercise the tricky constructs on small inline documents.
"""

from __future__ import annotations

import re
from types import ModuleType

import pytest

from bot.bank.importer.raw import ParseResult, RawEntry
from bot.bank.importer.seeds import mkdocs_tabs, numbered_bold, scraped_levels
from tests.seeds import seed_file

SEED_FILES = {
    "000": "000_9b12a155594f89d2.txt",
    "001": "001_189a9b512557a527.txt",
    "002": "002_5cefd83070de732d.txt",
    "003": "003_af0d5a27ad6c9679.txt",
    "004": "004_0a7f84748ec68db8.txt",
}
PARSERS: dict[str, ModuleType] = {"000": numbered_bold, "001": scraped_levels, "002": mkdocs_tabs}

EXPECTED_COUNTS: dict[str, dict[str, int]] = {
    "000": {"Training on limited hardware": 10, "Interview Questions and Answers": 20},
    "001": {
        "Beginner Level": 15,
        "Intermediate Level": 15,
        "Expert Level": 15,
        "Generative AI & Large Language Models (LLMs)": 9,
        "Troubleshooting Questions": 15,
    },
    "002": {"Questions": 58},
}

# (file, section, prompt start, answer fragment or None when the entry has no answer)
KNOWN_ENTRIES: list[tuple[str, str, str, str | None]] = [
    ("000", "Training on limited hardware", "What challenges arise when training", "- *Real-world example:*"),
    ("000", "Training on limited hardware", "What role does hardware play", "- *Application:* Understanding"),
    (
        "000",
        "Interview Questions and Answers",
        "Can you explain the significance of having",
        "spacious workspace",
    ),
    ("000", "Interview Questions and Answers", "How do you ensure the reproducibility", "fixed random seeds"),
    ("001", "Beginner Level", "What is the difference between Artificial Intelligence", "In a nutshell: AI"),
    ("001", "Beginner Level", "What are some examples of activation functions?", "- Softmax: The softmax"),
    ("001", "Intermediate Level", "Explain the difference between a generative and", "Key Difference:"),
    ("001", "Intermediate Level", "What is the difference between a stateless and", "- Stateful RNN:"),
    ("001", "Expert Level", "Explain the architecture of a Transformer model.", "  - Self-Attention:"),
    ("001", "Expert Level", "Explain the difference between model-based and", "more data-efficient"),
    (
        "001",
        "Generative AI & Large Language Models (LLMs)",
        "What is Generative AI",
        "  - Goal: Learn the joint",
    ),
    (
        "001",
        "Generative AI & Large Language Models (LLMs)",
        "What is a Vector Database?",
        "- Examples: Pinecone",
    ),
    (
        "001",
        "Troubleshooting Questions",
        "Your model is performing well on the training",
        "classic case of overfitting",
    ),
    (
        "001",
        "Troubleshooting Questions",
        "Your model's predictions are not what you expect",
        "- Use a debugger:",
    ),
    ("002", "Questions", "What is Deep learning and how is it different", "hierarchical representations"),
    ("002", "Questions", "What is Dummy Variable Trap in ML?", "> **Note:** If using regularizing"),
    ("002", "Questions", "Explain Regularization and different types", "| L1 (Lasso)    |"),
    ("002", "Questions", "What is Rejection Sampling in Machine Learning?", "quality check"),
]


def _text(key: str) -> str:
    """The text of one seed file; skips the test (fails it in CI) when the seed is missing."""
    return seed_file(SEED_FILES[key]).read_text(encoding="utf-8")


def _parsed(key: str) -> ParseResult:
    """The parse result of one of the three seeds handled here."""
    return PARSERS[key].parse(_text(key), SEED_FILES[key])


def _find(result: ParseResult, start: str) -> RawEntry:
    """The single entry whose prompt starts with `start`."""
    found = [entry for entry in result.entries if entry.prompt.startswith(start)]
    assert len(found) == 1, f"{len(found)} entries start with {start!r}"
    return found[0]


def _fences_balanced(markdown: str) -> bool:
    """True when every code fence opened in `markdown` is closed."""
    return sum(1 for line in markdown.splitlines() if re.match(r"^\s*(```|~~~)", line)) % 2 == 0


@pytest.mark.parametrize("key", sorted(PARSERS))
def test_counts_per_section(key: str) -> None:
    result = _parsed(key)
    assert result.section_counts == EXPECTED_COUNTS[key]
    assert len(result.entries) == sum(EXPECTED_COUNTS[key].values())
    for section, count in EXPECTED_COUNTS[key].items():
        assert sum(1 for entry in result.entries if entry.section == section) == count


def test_counts_agree_with_grep() -> None:
    text_000, text_002 = _text("000"), _text("002")
    assert len(re.findall(r"^### \d+\. \*\*", text_000, re.MULTILINE)) == 10
    assert len(re.findall(r"^\d+\. \*\*Question:\*\*", text_000, re.MULTILINE)) == 20
    assert len(re.findall(r"^\s*- \*\*Answer:\*\*", text_000, re.MULTILINE)) == 30
    body_001 = _text("001").split("\nBeginner Level\n", 1)[1]
    assert len(re.findall(r"^\d+\. ", body_001, re.MULTILINE)) == 69
    assert len(re.findall(r'^!!! Question ""', text_002, re.MULTILINE)) == 58
    assert len(re.findall(r'^<!-- !!! Question ""', text_002, re.MULTILINE)) == 1


@pytest.mark.parametrize(("key", "section", "start", "fragment"), KNOWN_ENTRIES)
def test_known_entries(key: str, section: str, start: str, fragment: str | None) -> None:
    entry = _find(_parsed(key), start)
    assert entry.section == section
    assert entry.source_file == SEED_FILES[key]
    if fragment is None:
        assert entry.answer is None
    else:
        assert entry.answer is not None and fragment in entry.answer


@pytest.mark.parametrize("key", sorted(PARSERS))
def test_entries_are_clean(key: str) -> None:
    for entry in _parsed(key).entries:
        assert entry.prompt.strip() == entry.prompt and entry.prompt
        for noise in ("Skip to content", "⬡", "**", "####", "Question:", "378ut5"):
            assert noise not in entry.prompt
        assert not re.match(r"^\d+[.)]\s", entry.prompt)
        assert entry.answer is not None, entry.prompt
        assert entry.answer == entry.answer.strip()
        assert _fences_balanced(entry.answer), entry.prompt
        assert "\n\n\n" not in entry.answer
        assert not entry.answer.startswith((" ", "\t")), entry.prompt


@pytest.mark.parametrize("key", sorted(PARSERS))
def test_lines_point_at_question_text(key: str) -> None:
    lines = _text(key).splitlines()
    for entry in _parsed(key).entries:
        source = " ".join(lines[entry.line - 1].replace("**", "").split())
        assert entry.prompt[:40] in source, (entry.line, entry.prompt)


def test_answers_are_dedented_markdown_000() -> None:
    entry = _find(_parsed("000"), "What challenges arise when training")
    assert entry.line == 3
    assert entry.answer is not None
    assert entry.answer.startswith("When training machine learning models on a system with limited RAM")
    assert "consumption.\n\n- *Real-world example:*" in entry.answer
    assert not any(line.endswith(" ") for line in entry.answer.splitlines())


def test_levels_and_topic_hints_001() -> None:
    result = _parsed("001")
    expected = {
        "Beginner Level": ("Beginner", None),
        "Intermediate Level": ("Intermediate", None),
        "Expert Level": ("Expert", None),
        "Generative AI & Large Language Models (LLMs)": (None, "nlp-llm"),
        "Troubleshooting Questions": (None, "troubleshooting"),
    }
    for entry in result.entries:
        assert (entry.level, entry.topic_hint) == expected[entry.section]
    assert result.entries[0].line == 12
    assert result.entries[-1].line == 780


def test_answer_structure_001() -> None:
    result = _parsed("001")
    supervised = _find(result, "Explain the concept of supervised, unsupervised")
    assert supervised.answer is not None
    assert "\n  - Regression: Used when" in supervised.answer
    assert "\n    - Goal: Predict a quantity." in supervised.answer
    assert "```mermaid\ngraph LR\n    Start{Target Variable}\n    Start -->|Numerical| Reg[Regression]\n" in (
        supervised.answer
    )
    llm = _find(result, "What is an LLM (Large Language Model)")
    assert llm.answer is not None
    assert "- Training Stages:\n  1. Pre-training:" in llm.answer
    assert "\n     - Objective: Next-token prediction" in llm.answer
    transformer = _find(result, "Explain the Transformer architecture in detail.")
    assert transformer.answer is not None
    assert "    subgraph Encoder\n        I[Input Inputs] --> E1[Self-Attention]\n" in transformer.answer
    dataset = _find(result, "What is a dataset?")
    assert dataset.answer is not None
    assert "split it into:\n\n- Training set: 700 images" in dataset.answer
    feature = _find(result, "What is a feature?")
    assert feature.answer is not None
    assert "- The number of schools in the vicinity.\n\nThese new features could be" in feature.answer
    assert "```mermaid\ngraph TD\n    D[Full Dataset] --> Tr[Training Set]" in dataset.answer
    assert all("•" not in (entry.answer or "") for entry in result.entries)
    assert sum("```mermaid" in (entry.answer or "") for entry in result.entries) == 4


def test_hints_from_examples_001() -> None:
    entry = _find(_parsed("001"), "What are some common dimensionality reduction techniques?")
    assert entry.prompt == "What are some common dimensionality reduction techniques?"
    assert entry.hints == ["e.g., PCA, t-SNE"]
    assert sum(1 for e in _parsed("001").entries if e.hints) == 5


def test_mkdocs_specifics_002() -> None:
    result = _parsed("002")
    prompts = [entry.prompt for entry in result.entries]
    assert "What is `group_size` in context of Quantization?" in prompts
    assert "Explain the concept of temperature in deep learning?" in prompts
    assert not any("batch normalization and layer normalization" in prompt for prompt in prompts)
    assert result.entries[0].line == 5
    assert result.entries[-1].line == 625
    logits = _find(result, "What is the difference between Logits")
    assert logits.answer is not None and "```mermaid\ngraph LR\n    A[Logits]" in logits.answer
    ema = _find(result, "What is EMA")
    assert ema.answer is not None and "$$\n\\text{ema_param}" in ema.answer


@pytest.mark.parametrize("key", sorted(SEED_FILES))
def test_detect_only_own_file(key: str) -> None:
    text = _text(key)
    for parser_key, parser in PARSERS.items():
        assert parser.detect(text) is (parser_key == key), f"{parser.name} on {SEED_FILES[key]}"


# --- snippets -------------------------------------------------------------------------------------------


def test_snippet_numbered_bold_missing_and_multiline_answers() -> None:
    text = (
        "Intro prose.\n\n"
        "### 1. **What is `x`?**\n"
        "   - **Answer:**  \n"
        "     First paragraph.  \n"
        "     - *Real-world example:* like a suitcase.\n"
        "       - nested detail\n\n"
        "### 2. **No answer here?**\n\n"
        "Closing prose.\n\n"
        "### Part Two\n\n"
        "1. **Question:** Why?\n"
        "   - **Answer:** Because.\n"
    )
    assert numbered_bold.detect(text)
    result = numbered_bold.parse(text, "x.txt")
    assert [e.prompt for e in result.entries] == ["What is `x`?", "No answer here?", "Why?"]
    assert [e.line for e in result.entries] == [3, 9, 15]
    assert result.entries[0].answer == (
        "First paragraph.\n\n- *Real-world example:* like a suitcase.\n  - nested detail"
    )
    assert result.entries[1].answer is None
    assert result.entries[2].answer == "Because."
    assert result.section_counts == {"Training on limited hardware": 2, "Part Two": 1}


def test_snippet_scraped_nested_bullets_and_noise() -> None:
    text = (
        "⬡ Hub\nSkip to content\n\nnoise123# Title\n\nBeginner Level\n\n"
        "1. What is X? (e.g., A, B)\n\n"
        "  • Top: text\n\n"
        "    • Child one\n"
        "      • Grandchild\n"
        "    1. Step one\n"
        "      • Under step\n"
        "  • Second top\n"
        "Plain paragraph.\n"
        "2. Empty one?\n\n"
        "Troubleshooting Questions\n\n"
        "1. Broken?\n\n"
        "  • Fix it.\n"
    )
    assert scraped_levels.detect(text)
    result = scraped_levels.parse(text, "s.txt")
    assert result.section_counts == {"Beginner Level": 2, "Troubleshooting Questions": 1}
    first, empty, broken = result.entries
    assert (first.prompt, first.hints, first.line, first.level) == (
        "What is X?",
        ["e.g., A, B"],
        8,
        "Beginner",
    )
    assert first.answer == (
        "- Top: text\n"
        "  - Child one\n"
        "    - Grandchild\n"
        "  1. Step one\n"
        "     - Under step\n"
        "- Second top\n\n"
        "Plain paragraph."
    )
    assert empty.answer is None
    assert (broken.level, broken.topic_hint, broken.answer) == (None, "troubleshooting", "- Fix it.")


def test_snippet_flat_mermaid() -> None:
    flat = "graph LR A[Start] -->|yes| B{Check} B -.-> C([End]) subgraph S X & Y --> Z end"
    assert scraped_levels.mermaid_lines(flat) == [
        "graph LR",
        "    A[Start] -->|yes| B{Check}",
        "    B -.-> C([End])",
        "    subgraph S",
        "        X & Y --> Z",
        "    end",
    ]
    assert scraped_levels.mermaid_lines("graph LR A --> ") is None
    body = ["  • Point", "", "    mermaid graph TD A --> B", "", "    mermaid graph TD A --> %%%"]
    assert scraped_levels.answer_markdown(body) == "- Point\n\n```mermaid\ngraph TD\n    A --> B\n```"


def test_snippet_mkdocs_admonition_empty_answer_and_comment() -> None:
    text = (
        "- intro\n\n"
        '!!! Question ""\n'
        '    === "Question"\n'
        "        #### What is `y`?\n\n"
        '    === "Answer"\n'
        "        \n"
        "        Para with $x$.\n\n"
        "        - item\n"
        "          - sub\n\n"
        "        !!! note\n"
        "            Careful here.\n"
        "            Second line.\n\n"
        '        !!! tip "Pro tip"\n'
        "            Use it.\n\n"
        "        ``` python\n"
        "        print(1)\n"
        "        ```\n\n"
        '<!-- !!! Question ""\n'
        '    === "Question"\n'
        "        #### Hidden?\n"
        '    === "Answer"\n'
        "        Nope. -->\n\n"
        '!!! Question ""\n'
        '    === "Question"\n'
        "        ####  Empty?\n\n"
        '    === "Answer"\n'
        "        \n\n"
    )
    assert mkdocs_tabs.detect(text)
    result = mkdocs_tabs.parse(text, "m.txt")
    assert [e.prompt for e in result.entries] == ["What is `y`?", "Empty?"]
    assert [e.line for e in result.entries] == [5, 33]
    assert result.entries[0].answer == (
        "Para with $x$.\n\n"
        "- item\n"
        "  - sub\n\n"
        "> **Note:** Careful here.\n"
        "> Second line.\n\n"
        "> **Pro tip:** Use it.\n\n"
        "```python\nprint(1)\n```"
    )
    assert result.entries[1].answer is None
    assert result.section_counts == {"Questions": 2}
