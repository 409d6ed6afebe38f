"""Load and validate question packs (YAML) into an in-memory, indexed bank.

A pack file is a mapping `{pack?: name, questions: [ {id, topic, difficulty, prompt, ...} ]}`. Validation
collects every problem with its file and line instead of stopping at the first, so `lint` can list them all
and the bot can refuse a broken pack with a message that says exactly what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.bank.model import ANSWER_ORIGINS, DIFFICULTIES, TOPICS, Question, Source

REQUIRED_KEYS = ("id", "topic", "difficulty", "prompt")
OPTIONAL_KEYS = ("answer", "answer_origin", "key_points", "hints", "tags", "sources", "aliases")
TOP_LEVEL_KEYS = ("pack", "questions")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True, slots=True)
class LintError:
    """One problem in a pack file, located by file and line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class BankError(Exception):
    """Raised when a bank or pack cannot be loaded; carries every problem found."""

    def __init__(self, errors: Sequence[LintError]):
        self.errors = list(errors)
        shown = "\n".join(str(e) for e in self.errors[:20])
        more = f"\n... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(f"{len(self.errors)} problem(s) in the question bank:\n{shown}{more}")


@dataclass(slots=True)
class Bank:
    """An immutable set of questions with indexes by id and by (topic, difficulty)."""

    questions: tuple[Question, ...]
    by_id: dict[str, Question] = field(init=False)
    aliases: dict[str, str] = field(init=False)
    _by_filter: dict[tuple[str, str], tuple[str, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {q.id: q for q in self.questions}
        # Old id (merged away) → the id it was merged into; a real id always wins over an alias.
        self.aliases = {a: q.id for q in self.questions for a in q.aliases if a not in self.by_id}
        index: dict[tuple[str, str], list[str]] = {}
        for q in self.questions:
            index.setdefault((q.topic, q.difficulty), []).append(q.id)
        self._by_filter = {k: tuple(v) for k, v in index.items()}

    def __len__(self) -> int:
        return len(self.questions)

    def get(self, question_id: str) -> Question | None:
        """The question with this id, or the one it was merged into when the id is an alias."""
        found = self.by_id.get(question_id)
        if found is None and question_id in self.aliases:
            found = self.by_id[self.aliases[question_id]]
        return found

    def canonical_id(self, question_id: str) -> str:
        """The id a stored question id stands for now: the kept id for an alias, else the id unchanged."""
        return self.aliases.get(question_id, question_id)

    def topics_in_use(self) -> list[str]:
        """Topics that have at least one question, in the canonical order."""
        used = {t for t, _ in self._by_filter}
        return [t for t in TOPICS if t in used]

    def count(self, topic: str | None = None, difficulty: str | None = None) -> int:
        return len(self.ids(topics=[topic] if topic else None, difficulty=difficulty))

    def ids(self, *, topics: Iterable[str] | None = None, difficulty: str | None = None) -> list[str]:
        """Question ids matching the filter; None means any."""
        wanted_topics = list(topics) if topics else list(TOPICS)
        wanted_diffs = [difficulty] if difficulty else list(DIFFICULTIES)
        out: list[str] = []
        for t in wanted_topics:
            for d in wanted_diffs:
                out.extend(self._by_filter.get((t, d), ()))
        return out


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: several times faster


def _construct(node: yaml.Node) -> Any:
    constructor = yaml.constructor.SafeConstructor()
    return constructor.construct_document(node)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _fences_balanced(text: str) -> bool:
    return sum(1 for line in text.splitlines() if _FENCE.match(line)) % 2 == 0


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _parse_sources(value: Any) -> tuple[Source, ...] | None:
    if not isinstance(value, list):
        return None
    out = []
    for item in value:
        if not (isinstance(item, dict) and isinstance(item.get("file"), str) and isinstance(item.get("line"), int)):
            return None
        out.append(Source(file=item["file"], line=item["line"]))
    return tuple(out)


def _question_from_node(node: yaml.Node, file: str, pack: str, errors: list[LintError]) -> Question | None:
    line = _line(node)
    if not isinstance(node, yaml.MappingNode):
        errors.append(LintError(file, line, "each question must be a mapping of fields (id, topic, ...)"))
        return None
    fields: dict[str, tuple[Any, int]] = {}
    for key_node, value_node in node.value:
        key = _construct(key_node)
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            allowed = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
            errors.append(LintError(file, _line(key_node), f"unknown key {key!r}; allowed keys: {allowed}"))
            continue
        fields[key] = (_construct(value_node), _line(value_node))
    count_before = len(errors)
    for key in REQUIRED_KEYS:
        if key not in fields:
            errors.append(LintError(file, line, f"question is missing the required key {key!r}"))
    if len(errors) > count_before:
        return None

    def value(key: str, default: Any = None) -> Any:
        return fields[key][0] if key in fields else default

    def at(key: str) -> int:
        return fields[key][1] if key in fields else line

    qid, topic, difficulty, prompt = (value(k) for k in REQUIRED_KEYS)
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        errors.append(LintError(file, at("id"), f"id {qid!r} must be lower-case letters, digits, '-' or '_'"))
    if topic not in TOPICS:
        errors.append(LintError(file, at("topic"), f"unknown topic {topic!r}; allowed: {', '.join(TOPICS)}"))
    if difficulty not in DIFFICULTIES:
        errors.append(
            LintError(file, at("difficulty"), f"unknown difficulty {difficulty!r}; allowed: easy, medium, hard")
        )
    if not isinstance(prompt, str) or not prompt.strip():
        errors.append(LintError(file, at("prompt"), "prompt is empty"))
    elif not _fences_balanced(prompt):
        errors.append(LintError(file, at("prompt"), "prompt has an unclosed code fence (```)"))
    answer = value("answer")
    if answer is not None and not isinstance(answer, str):
        errors.append(LintError(file, at("answer"), "answer must be Markdown text"))
    elif isinstance(answer, str) and not _fences_balanced(answer):
        errors.append(LintError(file, at("answer"), "answer has an unclosed code fence (```)"))
    origin = value("answer_origin")
    if origin is not None and origin not in ANSWER_ORIGINS:
        errors.append(LintError(file, at("answer_origin"), f"answer_origin {origin!r} must be seed or written"))
    for key in ("key_points", "hints", "tags", "aliases"):
        if key in fields and not _str_list(value(key)):
            errors.append(LintError(file, at(key), f"{key} must be a list of strings"))
    sources = _parse_sources(value("sources", []))
    if sources is None:
        errors.append(LintError(file, at("sources"), "sources must be a list of {file, line} mappings"))
    if len(errors) > count_before:
        return None
    return Question(
        id=qid,
        topic=topic,
        difficulty=difficulty,
        prompt=prompt.strip(),
        answer=answer.strip() if isinstance(answer, str) and answer.strip() else None,
        hints=tuple(value("hints", []) or ()),
        tags=tuple(value("tags", []) or ()),
        sources=sources or (),
        answer_origin=origin if answer else None,
        pack=pack,
        key_points=tuple(value("key_points", []) or ()),
        aliases=tuple(value("aliases", []) or ()),
    )


def parse_pack_text(text: str, file: str, default_pack: str) -> tuple[list[Question], list[LintError]]:
    """Parse one pack file's text; returns the valid questions and every problem found."""
    located, errors = _parse_located(text, file, default_pack)
    return [q for q, _ in located], errors


def _parse_located(
    text: str, file: str, default_pack: str
) -> tuple[list[tuple[Question, int]], list[LintError]]:
    errors: list[LintError] = []
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return [], [LintError(file, line, f"not valid YAML: {problem}")]
    if root is None:
        return [], [LintError(file, 1, "file is empty; expected a mapping with a 'questions' list")]
    if not isinstance(root, yaml.MappingNode):
        return [], [LintError(file, _line(root), "expected a mapping with a 'questions' list at the top")]
    pack = default_pack
    items: yaml.Node | None = None
    for key_node, value_node in root.value:
        key = _construct(key_node)
        if key == "questions":
            items = value_node
        elif key == "pack":
            pack = str(_construct(value_node))
        else:
            errors.append(
                LintError(file, _line(key_node), f"unknown top-level key {key!r}; allowed: pack, questions")
            )
    if items is None or not isinstance(items, yaml.SequenceNode):
        errors.append(LintError(file, 1, "missing 'questions': expected a list of questions"))
        return [], errors
    located = [
        (q, _line(node)) for node in items.value if (q := _question_from_node(node, file, pack, errors))
    ]
    return located, errors


def pack_files(paths: Iterable[Path]) -> list[Path]:
    """Expand files and folders into the YAML pack files they hold (folders: *.yaml, not recursive)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.glob("*.y*ml") if p.suffix in (".yaml", ".yml")))
        else:
            out.append(path)
    return out


def _normalise_prompt(prompt: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", prompt.lower()).strip()


def lint_paths(paths: Iterable[Path]) -> tuple[list[Question], list[LintError]]:
    """Parse every pack under `paths` and check cross-file rules (unique ids, duplicate prompts)."""
    questions: list[Question] = []
    errors: list[LintError] = []
    first_seen: dict[str, str] = {}
    prompt_seen: dict[str, str] = {}
    for file in pack_files(paths):
        label = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(LintError(label, 1, f"cannot read file: {exc}"))
            continue
        parsed, file_errors = _parse_located(text, label, default_pack=file.parent.name)
        errors.extend(file_errors)
        for q, line in parsed:
            where = f"{label}:{line}"
            if q.id in first_seen:
                errors.append(LintError(label, line, f"duplicate id {q.id!r}; first defined at {first_seen[q.id]}"))
                continue
            norm = _normalise_prompt(q.prompt)
            if norm in prompt_seen:
                errors.append(
                    LintError(label, line, f"question {q.id!r} repeats the prompt of the question at {prompt_seen[norm]}")
                )
                continue
            first_seen[q.id] = where
            prompt_seen[norm] = where
            questions.append(q)
    return questions, errors


def load_bank(paths: Iterable[Path]) -> Bank:
    """Load packs into a Bank, or raise BankError listing every problem."""
    questions, errors = lint_paths(paths)
    if errors:
        raise BankError(errors)
    return Bank(tuple(questions))
