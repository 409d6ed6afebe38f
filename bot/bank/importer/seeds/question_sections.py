"""Parser for seed 004: framework and topic questions under `### Question:` headings.

Shape (see ../shared/seeds/README.md) and the rules this parser follows:
- A topic is a `# <Topic> questions` heading, or a `## <Topic> Questions` heading that does not name a part
  of the current topic (`## NumPy Questions` under `## Numpy, Pandas and matplotlib Questions` is a
  sub-topic). Other `##` headings are a level (`Basic Level`, `Intermediate Level`, `Advanced Level`) or a
  sub-topic (`SQL Basics`, `Linear Algebra`, `YoloV8`, ...). The section is `<topic> / <level or
  sub-topic>[ / <label>]`; `topic_hint` is the same path with the word "questions" dropped.
- `### Question: <title>` opens a question. The prompt is the paragraph that follows (plus any further
  one-line paragraphs ending in `?`); when there is none, the title itself. Five headings have no title:
  the question follows on the next lines. The one right after the "What are Variational Autoencoders
  (VAEs)?" paragraph is kept as a question of its own (it stands alone: "Explain the principles behind
  VAEs ...").
- A short line without end punctuation closing a question paragraph (`Creating Arrays`, `Advanced SQL
  Concepts`, `Recurrent Neural Networks (RNNs) and LSTM`) is a plain-text sub-heading: it becomes the
  label of the questions after it, never part of a prompt.
- `### Answer` / `### Answer:` opens the answer, which runs to the next `### Question:` or `#`/`##`
  heading. Inside it every other heading (`####`, `### Loss Calculation:`) is answer content, and inside
  code fences lines starting with `#` are comments. Empty answers are None.
- Prose after a question paragraph that is neither a question nor an answer (the long hypothesis notes
  under "Hypothesis Testing", the "These questions are designed to ..." closing lines) is dropped.
- A `##` section with no `### Question:` keeps its questions too: a loose paragraph ending in `?`
  (`## Case Study and Implementation`) is a question; a `## Best Practices ...` section of prose becomes
  one question ("What are the best practices for ...?") whose answer is that prose.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from bot.bank.importer.raw import ParseResult, RawEntry

name = "question_sections"

_HEADING_RE = re.compile(r"^(#{1,6})\s*(.*?)\s*$")
_QUESTION_RE = re.compile(r"^###\s*Question\s*:?\s*(.*?)\s*$", re.IGNORECASE)
_ANSWER_RE = re.compile(r"^###\s*Answer\s*:?\s*$", re.IGNORECASE)
_LEVEL_RE = re.compile(r"^(Basic|Intermediate|Advanced)\s+Level(?:\s+Questions)?$", re.IGNORECASE)
_TOPIC_SUFFIX_RE = re.compile(r"\s*\bquestions?\b\s*[:.]*\s*$", re.IGNORECASE)
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_END_PUNCT = (".", "?", "!", ":", ";", ",", '"')
_CLOSING_RE = re.compile(r"^These questions (?:are designed|cover|delve|aim)", re.IGNORECASE)


@dataclass(slots=True)
class _Question:
    title: str
    title_line: int
    section: str
    level: str | None
    topic_hint: str | None
    body: list[tuple[int, str]] = field(default_factory=list)
    answer: list[str] | None = None


def detect(text: str) -> bool:
    """True for a document of `### Question:` headings under `# <Topic> questions` headings."""
    questions = len(re.findall(r"^###\s*Question\s*:", text, flags=re.MULTILINE | re.IGNORECASE))
    topics = re.search(r"^#{1,2} .*\bquestions\b", text, flags=re.MULTILINE | re.IGNORECASE)
    return questions >= 10 and topics is not None


def _paragraphs(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    paras: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, text in lines:
        if text.strip():
            current.append((number, text.strip()))
        elif current:
            paras.append(current)
            current = []
    if current:
        paras.append(current)
    return paras


def _is_label(text: str) -> bool:
    """A plain-text sub-heading: short, capitalised, no end punctuation, not a question."""
    text = text.strip()
    return (
        0 < len(text) <= 70 and text[0].isupper() and not text.endswith(_END_PUNCT) and len(text.split()) <= 8
    )


def _join(lines: list[tuple[int, str]]) -> str:
    return " ".join(text for _, text in lines).strip()


def _topic_name(heading: str) -> str:
    return _TOPIC_SUFFIX_RE.sub("", heading).strip() or heading.strip()


def _sentence_case(heading: str) -> str:
    words = [w if w.isupper() else w.lower() for w in heading.split()]
    return " ".join(words)


def _dedent_block(lines: list[str]) -> str | None:
    text = textwrap.dedent("\n".join(lines)).strip("\n")
    paragraphs = text.split("\n\n")
    while paragraphs and _CLOSING_RE.match(paragraphs[-1].strip()):
        paragraphs.pop()
    text = "\n\n".join(paragraphs).strip()
    return text or None


class _Parser:
    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.entries: list[RawEntry] = []
        self.counts: dict[str, int] = {}
        self.topic: str | None = None
        self.topic_closed = False  # a "These questions cover ..." line ends the topic
        self.sub: str | None = None  # level heading text or sub-topic heading text
        self.sub_heading_line = 0
        self.level: str | None = None
        self.label: str | None = None
        self.pending_label: str | None = None
        self.current: _Question | None = None
        self.in_answer = False
        self.loose: list[tuple[int, str]] = []
        self.section_has_heading = False  # a `### Question:` seen since the last `##` heading

    # -- context -------------------------------------------------------------------------------
    def section(self) -> str:
        parts = [self.topic or "", self.sub or "", self.label or ""]
        return " / ".join(p for p in parts if p)

    def topic_hint(self) -> str | None:
        parts = [_topic_name(self.topic) if self.topic else "", self.sub or "", self.label or ""]
        hint = " / ".join(p for p in parts if p and not _LEVEL_RE.match(p))
        return hint or None

    # -- questions -----------------------------------------------------------------------------
    def open_question(self, title: str, line: int) -> None:
        self.close_question()
        self.flush_loose()
        self.section_has_heading = True
        if self.pending_label:
            self.label, self.pending_label = self.pending_label, None
        self.current = _Question(
            title=title.strip().rstrip(":").strip(),
            title_line=line,
            section=self.section(),
            level=self.level,
            topic_hint=self.topic_hint(),
        )
        self.in_answer = False

    def close_question(self) -> None:
        q = self.current
        if q is None:
            return
        self.current = None
        self.in_answer = False
        paras = _paragraphs(q.body)
        # a plain sub-heading closing the question paragraph labels the questions after it
        if paras and len(paras[0]) > 1 and _is_label(paras[0][-1][1]):
            self.pending_label = paras[0][-1][1]
            paras[0] = paras[0][:-1]
        prompt_paras = paras[:1]
        for para in paras[1:]:
            if len(para) == 1 and para[0][1].endswith("?"):
                prompt_paras.append(para)
            elif len(para) == 1 and _is_label(para[0][1]) and para is paras[-1]:
                self.pending_label = para[0][1]
                break
            else:
                break  # notes or closing prose: not part of the question
        if prompt_paras:
            line = prompt_paras[0][0][0]
            prompt = " ".join(_join(p) for p in prompt_paras)
        else:
            line, prompt = q.title_line, q.title
        if not prompt:
            return
        answer = _dedent_block(q.answer) if q.answer is not None else None
        self.add(prompt, line, q.section, q.level, q.topic_hint, answer)

    def add(
        self,
        prompt: str,
        line: int,
        section: str,
        level: str | None,
        topic_hint: str | None,
        answer: str | None = None,
    ) -> None:
        self.entries.append(
            RawEntry(
                prompt=prompt,
                source_file=self.file_name,
                line=line,
                section=section,
                answer=answer,
                level=level,
                topic_hint=topic_hint,
            )
        )
        self.counts[section] = self.counts.get(section, 0) + 1

    # -- sections ------------------------------------------------------------------------------
    def flush_loose(self) -> None:
        """Questions of a `##` section that has no `### Question:` headings."""
        loose, self.loose = self.loose, []
        paras = _paragraphs(loose)
        if self.section_has_heading or not paras or self.sub is None:
            return
        asked = [p for p in paras if "?" in _join(p) and not _CLOSING_RE.match(_join(p))]
        for para in asked:
            self.add(_join(para), para[0][0], self.section(), self.level, self.topic_hint())
        if not asked and self.sub.lower().startswith("best practices"):
            prompt = f"What are the {_sentence_case(self.sub)}?"
            answer = _dedent_block([text for _, text in loose])
            self.add(prompt, self.sub_heading_line, self.section(), self.level, self.topic_hint(), answer)

    def heading(self, level_marks: str, text: str, line: int) -> None:
        self.close_question()
        self.flush_loose()
        self.label = self.pending_label = None
        if self.topic_closed:
            self.topic, self.topic_closed = None, False
        depth = len(level_marks)
        is_topic = depth == 1 or (
            _TOPIC_SUFFIX_RE.search(text) is not None
            and not _LEVEL_RE.match(text)
            and not (self.topic is not None and text.split()[0].lower().strip(",") in self.topic.lower())
        )
        if is_topic:
            self.topic = text.rstrip(":.").strip()
            self.sub = self.level = None
            return
        self.sub = text.rstrip(":").strip()
        self.sub_heading_line = line
        level = _LEVEL_RE.match(self.sub)
        self.level = level.group(1).capitalize() if level else None
        self.section_has_heading = False
        self.counts.setdefault(self.section(), 0)

    def feed(self, number: int, line: str, in_fence: bool) -> None:
        if not in_fence:
            question = _QUESTION_RE.match(line)
            if question:
                self.open_question(question.group(1), number)
                return
            if _ANSWER_RE.match(line) and self.current is not None:
                self.in_answer = True
                self.current.answer = []
                return
            heading = _HEADING_RE.match(line)
            if heading and len(heading.group(1)) <= 2 and heading.group(2):
                self.heading(heading.group(1), heading.group(2), number)
                return
            if _CLOSING_RE.match(line.strip()):
                self.topic_closed = True
        if self.current is not None:
            if self.in_answer and self.current.answer is not None:
                self.current.answer.append(line.rstrip())
            else:
                self.current.body.append((number, line))
        elif self.sub is not None:
            self.loose.append((number, line))

    def finish(self) -> ParseResult:
        self.close_question()
        self.flush_loose()
        return ParseResult(entries=self.entries, section_counts=self.counts)


def parse(text: str, file_name: str) -> ParseResult:
    """Parse seed 004 into entries with level words, topic hints and whole Markdown answers."""
    parser = _Parser(file_name)
    in_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        fence = _FENCE_RE.match(line)
        parser.feed(number, line, in_fence and not fence)
        if fence:
            in_fence = not in_fence
    return parser.finish()
