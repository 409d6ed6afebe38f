"""Load and validate question packs (YAML) into an in-memory, indexed bank.

A pack file is a mapping `{pack?: name, questions: [ {id, topic, difficulty, prompt, ...} ]}`. Validation
collects every problem with its file and line instead of stopping at the first, so `lint` can list them all
and the bot can refuse a broken pack with a message that says exactly what to fix.

Packs come from teams, so parsing is defensive: a file over MAX_PACK_BYTES is refused unread, only plain YAML
tags (strings, numbers, booleans, null, lists, mappings) are accepted, and YAML aliases may not expand the
document by more than MAX_ALIAS_NODES nodes / MAX_ALIAS_CHARS characters (no "billion laughs").

Content rules: key_points (3..6 plain statements, each at most KEY_POINT_MAX_CHARS) are checked when present and
required on the shipped bank when REQUIRE_KEY_POINTS is on; no hint may give the answer away
(bot/bank/hint_check.py). Until REQUIRE_KEY_POINTS is on, the shipped bank's hints are checked only on
questions that have key points (the reviewed ones); a team pack's hints are always checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.bank.hint_check import hint_leak
from bot.bank.model import ANSWER_ORIGINS, DIFFICULTIES, TOPICS, Question, Source
from bot.resources import questions_dir

REQUIRED_KEYS = ("id", "topic", "difficulty", "prompt")
OPTIONAL_KEYS = ("answer", "answer_origin", "key_points", "hints", "tags", "sources", "aliases")
TOP_LEVEL_KEYS = ("pack", "questions")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_FENCE = re.compile(r"^\s*(```|~~~)")

# Turn on when every shipped question has key points (issue 11): then lint requires 3..6 on each, and checks
# every shipped hint for leaks.
REQUIRE_KEY_POINTS = True
KEY_POINTS_MIN, KEY_POINTS_MAX = 3, 6
KEY_POINT_MAX_CHARS = 160
_NOT_PLAIN = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s|\$[^$]+\$|\n")

MAX_PACK_BYTES = 2 * 1024 * 1024
MAX_ALIAS_NODES = 10_000  # nodes that YAML aliases may add beyond the document's own
MAX_ALIAS_CHARS = 1_000_000  # characters of text that aliases may add
_SIZE_CAP = 10**12  # sizes are capped while summing so a deep alias tree stays cheap arithmetic
_YAML_TAG = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(_YAML_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp",
                                                 "merge"))


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
    _pools: dict[tuple[tuple[str, ...] | None, str | None], tuple[str, ...]] = field(
        init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.by_id = {q.id: q for q in self.questions}
        # Old id (merged away) → the id it was merged into; a real id always wins over an alias.
        self.aliases = {a: q.id for q in self.questions for a in q.aliases if a not in self.by_id}
        index: dict[tuple[str, str], list[str]] = {}
        for q in self.questions:
            index.setdefault((q.topic, q.difficulty), []).append(q.id)
        self._by_filter = {k: tuple(v) for k, v in index.items()}
        self._pools = {}

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
        return list(self.pool(topics=topics, difficulty=difficulty))

    def pool(self, *, topics: Iterable[str] | None = None, difficulty: str | None = None) -> tuple[str, ...]:
        """`ids()` as a tuple, built once per filter and kept (the bank never changes): the draw asks for it on
        every `/quiz`, and joining 10,000 ids anew each time cost more than the draw's own choice."""
        key = (tuple(topics) if topics else None, difficulty or None)
        found = self._pools.get(key)
        if found is None:
            wanted_topics = key[0] or TOPICS
            wanted_diffs = (difficulty,) if difficulty else DIFFICULTIES
            found = tuple(q for t in wanted_topics for d in wanted_diffs for q in self._by_filter.get((t, d), ()))
            if len(self._pools) >= MAX_CACHED_POOLS:
                self._pools.clear()
            self._pools[key] = found
        return found


# Filters whose id tuples a bank keeps (topic combinations typed by users; cleared when full).
MAX_CACHED_POOLS = 256

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: several times faster


def _construct(node: yaml.Node) -> Any:
    constructor = yaml.constructor.SafeConstructor()
    return constructor.construct_document(node)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_tags(root: yaml.Node, file: str) -> tuple[list[LintError], bool]:
    """Tag errors, and whether any node is reached twice (an alias): one cheap pass over distinct nodes."""
    errors: list[LintError] = []
    seen: set[int] = set()
    reused = False
    stack = [root]
    mapping, sequence = yaml.MappingNode, yaml.SequenceNode
    while stack:
        node = stack.pop()
        key = id(node)
        if key in seen:
            reused = True
            continue
        seen.add(key)
        if node.tag not in ALLOWED_TAGS:
            tag = node.tag.replace(_YAML_TAG, "!!", 1)
            errors.append(LintError(file, _line(node), f"YAML tag {_clip(tag)!r} is not allowed in a question pack; "
                                    "use plain strings, numbers, lists and mappings"))
        if isinstance(node, mapping):
            for pair in node.value:
                stack.extend(pair)
        elif isinstance(node, sequence):
            stack.extend(node.value)
    return errors, reused


def check_node_graph(root: yaml.Node, file: str) -> list[LintError]:
    """Refuse tags other than plain YAML ones, recursive aliases, and aliases that expand the document too far.

    Iterative and linear in the number of distinct nodes: aliased nodes are visited once, and their expanded size
    is summed (capped), never built.
    """
    errors, reused_any = _check_tags(root, file)
    if not reused_any:  # no alias in the file: nothing can expand or recurse
        return errors
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    size: dict[int, int] = {}
    chars: dict[int, int] = {}
    distinct_chars = 0
    reused: yaml.Node | None = None
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            kids = _children(node)
            size[key] = min(_SIZE_CAP, 1 + sum(size[id(c)] for c in kids))
            own = len(node.value) if isinstance(node, yaml.ScalarNode) else 0
            chars[key] = min(_SIZE_CAP, own + sum(chars[id(c)] for c in kids))
            state[key] = 2
            continue
        seen = state.get(key)
        if seen == 2:
            reused = reused or node
            continue
        if seen == 1:
            return [LintError(file, _line(node), "recursive YAML alias: a node contains itself")]
        state[key] = 1
        if isinstance(node, yaml.ScalarNode):
            distinct_chars += len(node.value)
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(_children(node)))
    if reused is not None:
        extra_nodes = size[id(root)] - len(state)
        extra_chars = chars[id(root)] - distinct_chars
        if extra_nodes > MAX_ALIAS_NODES or extra_chars > MAX_ALIAS_CHARS:
            errors.append(LintError(file, _line(reused), f"YAML aliases expand the file too far (more than "
                                    f"{MAX_ALIAS_NODES} nodes or {MAX_ALIAS_CHARS} characters added; anchor at "
                                    f"line {_line(reused)}); write the values out instead"))
    return errors


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


@dataclass(frozen=True, slots=True)
class Rules:
    """Which content rules apply to a file: key points required, hints checked on questions without them."""

    require_key_points: bool = False
    check_all_hints: bool = True


def _item_lines(node: yaml.Node | None, default: int) -> list[int]:
    return [_line(n) for n in node.value] if isinstance(node, yaml.SequenceNode) else [default]


def _check_content(q: Question, file: str, line: int, nodes: dict[str, yaml.Node], rules: Rules,
                   errors: list[LintError]) -> None:
    """Key points (count, length, plain text) and hints that give the answer away."""
    kp_node = nodes.get("key_points")
    kp_line = _line(kp_node) if kp_node is not None else line
    count = len(q.key_points)
    if count or rules.require_key_points:
        if not KEY_POINTS_MIN <= count <= KEY_POINTS_MAX:
            errors.append(LintError(file, kp_line, f"question {q.id!r} needs {KEY_POINTS_MIN} to {KEY_POINTS_MAX} "
                                    f"key_points; it has {count}"))
        for n, (point, at) in enumerate(zip(q.key_points, _item_lines(kp_node, kp_line) * count, strict=False), 1):
            if len(point) > KEY_POINT_MAX_CHARS:
                errors.append(LintError(file, at, f"key point {n} of {q.id!r} is {len(point)} characters; keep each "
                                        f"to {KEY_POINT_MAX_CHARS}"))
            if not point.strip() or _NOT_PLAIN.search(point.strip()):
                errors.append(LintError(file, at, f"key point {n} of {q.id!r} must be one plain sentence (no "
                                        "list marker, LaTeX $...$ or line break)"))
    if not (rules.check_all_hints or q.key_points):
        return
    hint_node = nodes.get("hints")
    hint_lines = _item_lines(hint_node, _line(hint_node) if hint_node is not None else line)
    for n, hint in enumerate(q.hints, 1):
        why = hint_leak(hint, q.key_points, q.answer)
        if why:
            at = hint_lines[n - 1] if n - 1 < len(hint_lines) else hint_lines[0]
            errors.append(LintError(file, at, f"hint {n} of {q.id!r} gives the answer away ({why}); make it a "
                                    "nudge, e.g. a question that points the way"))


def _question_from_node(node: yaml.Node, file: str, pack: str, errors: list[LintError],
                        rules: Rules = Rules()) -> Question | None:
    line = _line(node)
    if not isinstance(node, yaml.MappingNode):
        errors.append(LintError(file, line, "each question must be a mapping of fields (id, topic, ...)"))
        return None
    fields: dict[str, tuple[Any, int]] = {}
    nodes: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = _construct(key_node)
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            allowed = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
            errors.append(LintError(file, _line(key_node), f"unknown key {_clip(repr(key))}; allowed keys: {allowed}"))
            continue
        fields[key] = (_construct(value_node), _line(value_node))
        nodes[key] = value_node
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
    for alias, at_line in zip(value("aliases", []) or [], _item_lines(nodes.get("aliases"), at("aliases")) * 999,
                              strict=False):
        if isinstance(alias, str) and not ID_PATTERN.match(alias):
            errors.append(LintError(file, at_line, f"alias {_clip(repr(alias))} must be lower-case letters, digits, "
                                    "'-' or '_'"))
    if len(errors) > count_before:
        return None
    question = Question(
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
        key_points=tuple(k.strip() for k in value("key_points", []) or ()),
        aliases=tuple(value("aliases", []) or ()),
    )
    _check_content(question, file, line, nodes, rules, errors)
    return question


def parse_pack_text(text: str, file: str, default_pack: str,
                    rules: Rules = Rules()) -> tuple[list[Question], list[LintError]]:
    """Parse one pack file's text; returns the valid questions and every problem found."""
    located, errors = _parse_located(text, file, default_pack, rules)
    return [q for q, _ in located], errors


def _too_big(size: int, file: str) -> LintError:
    return LintError(file, 1, f"file is {size / 1024 / 1024:.1f} MB; a question pack may be at most "
                     f"{MAX_PACK_BYTES // 1024 // 1024} MB (split it into several files)")


def _parse_located(
    text: str, file: str, default_pack: str, rules: Rules = Rules()
) -> tuple[list[tuple[Question, int]], list[LintError]]:
    if len(text) > MAX_PACK_BYTES:
        return [], [_too_big(len(text.encode("utf-8")), file)]
    errors: list[LintError] = []
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return [], [LintError(file, line, f"not valid YAML: {_clip(str(problem), 200)}")]
    if root is None:
        return [], [LintError(file, 1, "file is empty; expected a mapping with a 'questions' list")]
    graph_errors = check_node_graph(root, file)
    if graph_errors:
        return [], graph_errors
    if not isinstance(root, yaml.MappingNode):
        return [], [LintError(file, _line(root), "expected a mapping with a 'questions' list at the top")]
    try:
        return _parse_root(root, file, default_pack, rules, errors)
    except (yaml.YAMLError, TypeError, ValueError) as exc:  # e.g. an unhashable mapping key
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return [], [*errors, LintError(file, mark.line + 1 if mark else 1, f"not valid YAML: {_clip(str(problem))}")]


def _parse_root(
    root: yaml.MappingNode, file: str, default_pack: str, rules: Rules, errors: list[LintError]
) -> tuple[list[tuple[Question, int]], list[LintError]]:
    pack = default_pack
    items: yaml.Node | None = None
    for key_node, value_node in root.value:
        key = _construct(key_node)
        if key == "questions":
            items = value_node
        elif key == "pack":
            name = _construct(value_node)
            if isinstance(name, str) and name.strip():
                pack = name.strip()
            else:
                errors.append(LintError(file, _line(value_node), "pack must be a name (text)"))
        else:
            errors.append(
                LintError(file, _line(key_node), f"unknown top-level key {_clip(repr(key))}; allowed: pack, questions")
            )
    if items is None or not isinstance(items, yaml.SequenceNode):
        errors.append(LintError(file, 1, "missing 'questions': expected a list of questions"))
        return [], errors
    located = [
        (q, _line(node)) for node in items.value if (q := _question_from_node(node, file, pack, errors, rules))
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


normalise_prompt = _normalise_prompt  # the duplicate-prompt key, for checks outside pack files (suggestions)


def _is_shipped(file: Path) -> bool:
    try:
        return file.resolve().parent == questions_dir().resolve()
    except OSError:
        return False


def _rules_for(file: Path, require_key_points: bool | None) -> Rules:
    if require_key_points is not None:
        return Rules(require_key_points=require_key_points, check_all_hints=True)
    if _is_shipped(file):
        return Rules(require_key_points=REQUIRE_KEY_POINTS, check_all_hints=REQUIRE_KEY_POINTS)
    return Rules()


def lint_paths(
    paths: Iterable[Path], *, require_key_points: bool | None = None
) -> tuple[list[Question], list[LintError]]:
    """Parse every pack under `paths` and check cross-file rules (unique ids, duplicate prompts, aliases).

    `require_key_points`: None applies REQUIRE_KEY_POINTS to the shipped bank and "checked when present" to
    other packs; True or False applies that to every file.
    """
    questions: list[Question] = []
    errors: list[LintError] = []
    first_seen: dict[str, str] = {}
    prompt_seen: dict[str, str] = {}
    alias_seen: dict[str, tuple[str, str]] = {}  # alias → (question id, where)
    for file in pack_files(paths):
        label = str(file)
        try:
            size = file.stat().st_size
            if size > MAX_PACK_BYTES:
                errors.append(_too_big(size, label))
                continue
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(LintError(label, 1, f"cannot read file: {exc}"))
            continue
        parsed, file_errors = _parse_located(text, label, file.parent.name, _rules_for(file, require_key_points))
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
            for alias in q.aliases:
                if alias in alias_seen:
                    other, other_where = alias_seen[alias]
                    errors.append(LintError(label, line, f"alias {alias!r} of {q.id!r} is also an alias of {other!r} "
                                            f"at {other_where}"))
                else:
                    alias_seen[alias] = (q.id, where)
            questions.append(q)
    for alias, (qid, where) in alias_seen.items():
        if alias in first_seen:
            alias_file, _, alias_line = where.rpartition(":")
            errors.append(LintError(alias_file, int(alias_line), f"alias {alias!r} of {qid!r} is the id of the question at "
                                    f"{first_seen[alias]}; an alias must be an id that no longer exists"))
    return questions, errors


def load_bank(paths: Iterable[Path]) -> Bank:
    """Load packs into a Bank, or raise BankError listing every problem."""
    questions, errors = lint_paths(paths)
    if errors:
        raise BankError(errors)
    return Bank(tuple(questions))
