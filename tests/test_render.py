"""Renderers: Markdown to Discord embeds/text and Slack mrkdwn/blocks, within each platform's limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bank.model import Question
from bot.bank.render import (
    NO_ANSWER_LINE,
    chunk_markdown,
    discord_embeds,
    discord_markdown,
    discord_text,
    escape_discord_mentions,
    escape_slack,
    latex_to_unicode,
    markdown_to_mrkdwn,
    question_body,
    question_title,
    render_math,
    slack_blocks,
    slack_fallback_text,
    split_blocks,
)
from bot.bank.render.markdown_blocks import split_code_spans

ROOT = Path(__file__).resolve().parent.parent
TABLE = (
    "| Model | Bias | Variance |\n|---|:---:|---:|\n| Too simple | High | Low |\n| Just right | Low | Low |"
)


# --- invariants shared by example and property tests ---------------------------------------------


def assert_fences_balanced(text: str) -> None:
    """Every ``` starts a line and they pair up, so no chunk ends inside a code block."""
    starts = [m.start() for m in re.finditer("```", text)]
    assert len(starts) % 2 == 0, text
    assert all(s == 0 or text[s - 1] == "\n" for s in starts), text


def assert_discord_ok(messages: list[list[dict]]) -> None:
    assert messages
    for message in messages:
        assert 1 <= len(message) <= 10
        total = 0
        for embed in message:
            title, desc = embed.get("title", ""), embed.get("description", "")
            footer = embed.get("footer", {}).get("text", "")
            assert len(title) <= 256 and len(desc) <= 4096 and len(footer) <= 2048
            total += len(title) + len(desc) + len(footer)
            assert_fences_balanced(desc)
            for text in (title, desc, footer):
                assert_no_discord_ping(text)
        assert total <= 6000


def assert_no_discord_ping(text: str) -> None:
    assert "@everyone" not in text and "@here" not in text
    assert not re.search(r"<@[!&]?\d", text)


def slack_texts(messages: list[list[dict]]) -> list[str]:
    texts = []
    for message in messages:
        for block in message:
            if "text" in block:
                texts.append(block["text"]["text"])
            texts.extend(e["text"] for e in block.get("elements", []))
    return texts


def assert_no_slack_ping(text: str) -> None:
    for m in re.finditer("<", text):
        assert re.match(r"<(https?://|mailto:)", text[m.start() :]), text
    assert "<!channel>" not in text and "<!here>" not in text and "<@" not in text


def assert_slack_ok(messages: list[list[dict]], reserve: int = 0) -> None:
    assert messages
    for k, message in enumerate(messages):
        assert 1 <= len(message) <= 50 - reserve
        for block in message:
            if block["type"] == "header":
                assert k == 0 and message[0] is block
                assert 1 <= len(block["text"]["text"]) <= 150
                assert block["text"]["type"] == "plain_text"
                assert "<!" not in block["text"]["text"] and "<@" not in block["text"]["text"]
            elif block["type"] == "section":
                text = block["text"]["text"]
                assert block["text"]["type"] == "mrkdwn"
                assert 1 <= len(text) <= 3000
                assert_fences_balanced(text)
                assert_no_slack_ping(text)
            else:
                assert block["type"] == "context"
                assert_no_slack_ping(block["elements"][0]["text"])


# --- examples -----------------------------------------------------------------------------------


def test_table_becomes_aligned_code_block() -> None:
    for text in (discord_markdown(TABLE), markdown_to_mrkdwn(TABLE)):
        lines = text.split("\n")
        assert lines[0].startswith("```") and lines[-1] == "```"
        assert "|---|" not in text and "Too simple" in text
        rows = lines[1:-1]
        assert rows[1].startswith("-") and "+" in rows[1]
        assert len({r.index("|") for r in rows if "|" in r}) == 1  # columns aligned
        assert rows[2].rstrip().endswith("Low")  # right-aligned last column


def test_display_fraction_is_readable() -> None:
    md = "Ratio:\n\n$$\\frac{a}{b}$$\n\nand inline $\\frac{a}{b}$."
    for text in (discord_markdown(md), markdown_to_mrkdwn(md)):
        assert "(a)/(b)" in text
        assert "$" not in text and "\\frac" not in text


def test_latex_unicode_and_fallbacks() -> None:
    assert latex_to_unicode(r"\sum_{i=1}^{n} x_i^2") == "∑ᵢ₌₁ⁿ xᵢ²"
    assert latex_to_unicode(r"\hat{y} = \sigma(w^T x)") == "ŷ = σ(wᵀ x)"
    assert latex_to_unicode(r"\sqrt{d_k} \cdot \alpha \leq \beta \times 2") == "√dₖ · α ≤ β × 2"
    assert latex_to_unicode(r"\begin{pmatrix} a \end{pmatrix}") is None
    assert render_math("Costs $5 and $10.") == "Costs $5 and $10."
    assert render_math(r"see \(\tau\) and $\underbrace{x}$") == "see τ and `\\underbrace{x}`"
    block = render_math("$$\n\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}\n$$")
    assert block.startswith("```latex\n") and block.endswith("\n```") and "$$" not in block


def assert_no_stray_dollars(markdown: str) -> None:
    for block in split_blocks(markdown):
        if block.kind != "fence":
            for line in block.lines:
                assert all("$$" not in seg for code, seg in split_code_spans(line) if not code), markdown


def test_stray_double_dollars_never_survive_outside_code() -> None:
    out = render_math("a $$ b\n\n$$\nunclosed\n\n`$$ in code` $$$")
    assert_no_stray_dollars(out)
    assert "`$$ in code`" in out


def test_heading_becomes_bold_line_on_slack_and_discord_keeps_small_headings() -> None:
    md = "# Title\n\n#### Deep **one**\n\ntext"
    assert markdown_to_mrkdwn(md).split("\n\n")[:2] == ["*Title*", "*Deep one*"]
    assert discord_markdown(md).split("\n\n")[:2] == ["# Title", "**Deep one**"]


def test_slack_inline_formatting_and_escaping() -> None:
    md = "**b** __b2__ *i* _i2_ ~~s~~ `a<b` [docs](https://x.io/?a=1&b=2) [bad](javascript:alert) snake_case_name"
    out = markdown_to_mrkdwn(md)
    assert out == (
        "*b* *b2* _i_ _i2_ ~s~ `a&lt;b` <https://x.io/?a=1&amp;b=2|docs> bad (javascript:alert) snake_case_name"
    )
    assert markdown_to_mrkdwn("- a\n  - b\n* c") == "• a\n    • b\n• c"
    assert markdown_to_mrkdwn("```python\nx = 1 < 2\n```") == "```\nx = 1 &lt; 2\n```"


def test_slack_mentions_are_escaped() -> None:
    md = "Hey <!channel> and <!here>, <@U123> <!subteam^S1> & [x](<@U1>)"
    out = markdown_to_mrkdwn(md)
    assert "&lt;!channel&gt;" in out and "&lt;@U123&gt;" in out and "&amp;" in out
    assert_no_slack_ping(out)
    assert escape_slack("<a & b>") == "&lt;a &amp; b&gt;"
    messages = slack_blocks(title="<!channel> title", body_markdown=md, context="<!here>")
    assert_slack_ok(messages)
    assert_no_slack_ping(slack_fallback_text("<!here>", md))


def test_discord_mentions_are_neutralised() -> None:
    text = escape_discord_mentions("@everyone @here <@123> <@!45> <@&67>")
    assert_no_discord_ping(text)
    assert text.replace("\u200b", "") == "@everyone @here <@123> <@!45> <@&67>"


def test_long_answer_splits_between_paragraphs_never_inside_a_fence() -> None:
    paragraphs = [f"Paragraph {k}. " + "word " * 150 for k in range(8)]
    fence = "```python\n" + "\n".join(f"x_{k} = {k}  # some code" for k in range(60)) + "\n```"
    md = "\n\n".join([*paragraphs[:4], fence, *paragraphs[4:]])
    chunks = chunk_markdown(md, 2000)
    assert len(chunks) > 1 and all(len(c) <= 2000 for c in chunks)
    assert sum(c.count(fence) for c in chunks) == 1
    for chunk in chunks:
        assert_fences_balanced(chunk)
        for block in split_blocks(chunk):
            assert block.text in md  # whole blocks only
    assert "\n\n".join(chunks) == md


def test_huge_code_block_becomes_several_complete_fences() -> None:
    code = [f"value_{k:05d} = compute({k})  # line {k}" for k in range(300)]
    md = "```python\n" + "\n".join(code) + "\n```"
    assert len(md) > 10_000
    chunks = chunk_markdown(md, 1000)
    assert len(chunks) >= 11
    body: list[str] = []
    for chunk in chunks:
        assert len(chunk) <= 1000
        lines = chunk.split("\n")
        assert lines[0] == "```python" and lines[-1] == "```"
        assert_fences_balanced(chunk)
        body.extend(lines[1:-1])
    assert body == code


def test_overlong_line_is_hard_wrapped() -> None:
    md = "x" * 5000 + "\n\n```\n" + "y" * 5000 + "\n```"
    chunks = chunk_markdown(md, 1000)
    assert all(len(c) <= 1000 for c in chunks)
    assert "".join(c for c in chunks if not c.startswith("```")) == "x" * 5000
    for c in chunks:
        assert_fences_balanced(c)


def test_discord_embeds_continue_with_cont_titles_and_footer_last() -> None:
    md = "\n\n".join("para " * 200 for _ in range(60))
    messages = discord_embeds(title="PyTorch · hard", body_markdown=md, footer="q-1", url="https://x.io")
    assert_discord_ok(messages)
    embeds = [e for m in messages for e in m]
    assert len(embeds) > 10 and len(messages) > 1
    assert embeds[0]["title"] == "PyTorch · hard" and embeds[0]["url"] == "https://x.io"
    assert all(e["title"] == "PyTorch · hard (cont.)" for e in embeds[1:])
    assert embeds[-1]["footer"] == {"text": "q-1"} and all("footer" not in e for e in embeds[:-1])
    assert discord_embeds(title="t", body_markdown="")[0][0] == {
        "type": "rich",
        "title": "t",
        "color": 0x5865F2,
    }


def test_discord_text_respects_limit() -> None:
    chunks = discord_text("\n\n".join("word " * 100 for _ in range(30)))
    assert len(chunks) > 1 and all(len(c) <= 2000 for c in chunks)


def test_slack_blocks_header_first_and_reserve() -> None:
    md = "\n\n".join("para " * 500 for _ in range(120))
    messages = slack_blocks(title="T" * 300, body_markdown=md, context="q-1 · seed", reserve_blocks=1)
    assert_slack_ok(messages, reserve=1)
    assert len(messages) > 1
    assert messages[0][0]["type"] == "header" and len(messages[0][0]["text"]["text"]) == 150
    assert messages[-1][-1]["type"] == "context"
    with pytest.raises(ValueError):
        slack_blocks(title="t", body_markdown="b", reserve_blocks=49)
    assert len(slack_fallback_text("t", md)) <= 3000


def make_question(**kw: object) -> Question:
    base: dict = {"id": "q-1", "topic": "pytorch", "difficulty": "hard", "prompt": "What is autograd?"}
    return Question(**{**base, **kw})


def test_question_card_text() -> None:
    q = make_question(answer="It records operations.", hints=("Think of graphs",))
    assert question_title(q, None) == "PyTorch · hard"
    assert question_title(q, "Question of the day") == "Question of the day: PyTorch · hard"
    assert question_body(q, reveal=False, show_hints=False) == "What is autograd?"
    assert "Think of graphs" in question_body(q, reveal=False, show_hints=True)
    shown = question_body(q, reveal=True, show_hints=False)
    assert "It records operations." in shown and "Think of graphs" not in shown
    bare = make_question(hints=("Think of graphs",))
    revealed = question_body(bare, reveal=True, show_hints=False)
    assert "Think of graphs" in revealed and revealed.endswith(NO_ANSWER_LINE)


# --- properties ---------------------------------------------------------------------------------

MENTIONS = [
    "<!channel>",
    "<!here>",
    "<@U123ABC>",
    "<!subteam^S1>",
    "@everyone",
    "@here",
    "<@123>",
    "<@&9>",
    "<@!4>",
]
SNIPPETS = [
    "**bold**",
    "*it*",
    "_it_",
    "`code`",
    "``a`b``",
    "$x^2$",
    "\\(\\tau\\)",
    "$5",
    "$$",
    "```",
    "~~s~~",
]
SNIPPETS += ["[link](https://e.io/?a=1&b=2)", "[x](<@U1>)", "&", "<", ">", "&amp;", "|", "#", "\\*", "<br>"]
LATEX = [
    r"\frac{a}{b}",
    r"\sum_{i=1}^n x_i^2",
    r"\hat{y}",
    r"\begin{matrix}a\end{matrix}",
    r"\mathbb{E}[X]",
    "x$",
]

words = st.text(max_size=40)
long_strings = st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=12), st.integers(50, 900))
inline = st.lists(st.one_of(words, st.sampled_from(MENTIONS + SNIPPETS)), max_size=10).map(" ".join)
list_block = st.lists(
    st.tuples(st.sampled_from(["- ", "* ", "  - ", "    + ", "1. ", "> "]), inline), min_size=1, max_size=8
).map(lambda items: "\n".join(p + t for p, t in items))
fence = st.tuples(
    st.sampled_from(["```", "```python", "~~~", "````sql", "  ```"]),
    st.lists(st.one_of(words, long_strings, st.sampled_from([*MENTIONS, "```", "<!here>"])), max_size=40),
    st.booleans(),
).map(lambda t: "\n".join([t[0], *t[1], *([t[0].strip()] if t[2] else [])]))
cell = st.text(alphabet=st.characters(blacklist_characters="|\n\r"), max_size=15)
table = st.integers(1, 4).flatmap(
    lambda n: st.lists(st.lists(cell, min_size=n, max_size=n), min_size=1, max_size=12).map(
        lambda rows: "\n".join(
            [
                "| " + " | ".join(rows[0]) + " |",
                "|" + "---|" * n,
                *("| " + " | ".join(r) + " |" for r in rows[1:]),
            ]
        )
    )
)
math = st.sampled_from(LATEX).map(lambda s: f"$$\n{s}\n$$") | st.sampled_from(LATEX).map(lambda s: f"$${s}$$")
heading = st.tuples(st.integers(1, 7), inline).map(lambda t: "#" * t[0] + " " + t[1])
block = st.one_of(inline, list_block, fence, table, math, heading, long_strings, words)
documents = st.lists(st.tuples(st.sampled_from(["\n", "\n\n", "\n\n\n"]), block), max_size=14).map(
    lambda parts: "".join(sep + b for sep, b in parts)
)
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(documents, st.text(max_size=300), st.one_of(st.none(), st.text(max_size=2100)))
def test_discord_output_respects_limits(md: str, title: str, footer: str | None) -> None:
    assert_discord_ok(discord_embeds(title=title, body_markdown=md, footer=footer))
    for chunk in discord_text(md):
        assert len(chunk) <= 2000
        assert_fences_balanced(chunk)
        assert_no_discord_ping(chunk)


@PROPERTY
@given(documents, st.text(max_size=300), st.one_of(st.none(), inline), st.integers(0, 5))
def test_slack_output_respects_limits(md: str, title: str, context: str | None, reserve: int) -> None:
    messages = slack_blocks(title=title, body_markdown=md, context=context, reserve_blocks=reserve)
    assert_slack_ok(messages, reserve)
    fallback = slack_fallback_text(title, md)
    assert len(fallback) <= 3000
    assert_no_slack_ping(fallback)


@PROPERTY
@given(documents, st.integers(16, 3000))
def test_chunks_fit_and_keep_fences_whole(md: str, limit: int) -> None:
    for chunk in chunk_markdown(md, limit):
        assert 0 < len(chunk) <= limit
        for b in split_blocks(chunk):
            if b.kind == "fence":
                assert b.lines[-1].strip().startswith(b.lines[0].strip()[:3])


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_latex_never_crashes(source: str) -> None:
    out = latex_to_unicode(source)
    assert out is None or out.strip()
    assert_no_stray_dollars(render_math(f"$${source}$$ and ${source}$\n\n$$\n{source}\n$$"))


# --- the real bank ------------------------------------------------------------------------------


def bank_questions() -> list[Question]:
    questions = []
    for path in sorted((ROOT / "questions").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for raw in data.get("questions") or []:
            questions.append(
                Question(
                    id=str(raw["id"]),
                    topic=str(raw.get("topic") or data.get("topic") or path.stem),
                    difficulty=str(raw.get("difficulty") or "medium"),
                    prompt=str(raw["prompt"]),
                    answer=raw.get("answer"),
                    hints=tuple(raw.get("hints") or ()),
                )
            )
    return questions


def test_every_bank_question_renders_within_limits() -> None:
    questions = bank_questions()
    if not questions:
        pytest.skip("no questions/*.yaml yet")
    for q in questions:
        body = question_body(q, reveal=True, show_hints=True)
        title = question_title(q, "Question of the day")
        assert_discord_ok(discord_embeds(title=title, body_markdown=body, footer=q.id))
        assert_slack_ok(slack_blocks(title=title, body_markdown=body, context=q.id, reserve_blocks=1), 1)
        assert len(slack_fallback_text(title, body)) <= 3000
