"""A team's questions as files: export them as a YAML pack, and turn a Kotoba-style CSV into one.

Both write packs that `python -m bot questions lint` accepts: every question passes the pack checks first
(bot/suggestions/validate.py), and ids and prompts are unique within the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.bank.loader import normalise_prompt
from bot.commands.suggest_args import canonical_difficulty, canonical_topic, split_hints
from bot.store.store import Store
from bot.suggestions import store as suggestions
from bot.suggestions.validate import check_fields, dump_pack, pack_item

CSV_REQUIRED = ("prompt", "topic", "difficulty")
CSV_COLUMNS = ("prompt", "answer", "topic", "difficulty", "hints")
MAX_CSV_BYTES = 2 * 1024 * 1024


async def export_team(store: Store, platform: str, team_id: str) -> tuple[str, int]:
    """The team's own questions as a pack file's text, and how many it holds."""
    items = [pack_item(s.question_id, s.draft.topic, s.draft.difficulty, s.draft.prompt, s.draft.answer,
                       s.draft.hints) for s in await suggestions.approved(store, platform, team_id)]
    return dump_pack(items, pack=f"team-{slug(platform)}-{slug(team_id)}"), len(items)


def slug(text: str) -> str:
    """Lower-case letters, digits and '-' only (a pack name or id prefix)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


@dataclass
class CsvResult:
    """What a CSV gave: the pack's text, how many questions it holds, and every bad row by line."""

    text: str = ""
    count: int = 0
    errors: list[str] = field(default_factory=list)


def import_csv(text: str, file: str, *, pack: str, existing: Mapping[str, str] | None = None) -> CsvResult:
    """Read CSV text with a header row (prompt, answer, topic, difficulty, hints; answer and hints optional).

    Hints are separated by new lines or `|` inside their cell. `existing` (normalised prompt → where) is the bank
    the rows must not repeat; rows repeating one another are reported too. Lines are the file's own (a quoted cell
    may span several), counted from 1 at the header.
    """
    result = CsvResult()
    if len(text.encode("utf-8")) > MAX_CSV_BYTES:
        result.errors.append(f"{file}:1: file is larger than {MAX_CSV_BYTES // 1024 // 1024} MB; split it")
        return result
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        result.errors.append(f"{file}:1: the file is empty; expected a header row: {', '.join(CSV_COLUMNS)}")
        return result
    except csv.Error as exc:
        result.errors.append(f"{file}:1: not valid CSV: {exc}")
        return result
    unknown = [h for h in header if h not in CSV_COLUMNS]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if unknown or missing:
        parts = ([f"unknown column(s) {', '.join(repr(u) for u in unknown)}"] if unknown else []) + \
            ([f"missing column(s) {', '.join(missing)}"] if missing else [])
        result.errors.append(f"{file}:1: {'; '.join(parts)}; the columns are {', '.join(CSV_COLUMNS)}")
        return result
    seen = dict(existing or {})
    items: list[dict[str, object]] = []
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.errors.append(f"{file}:{line}: not valid CSV: {exc}")
            break
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            result.errors.append(f"{file}:{start}: {len(row)} cells; the header has {len(header)}")
            continue
        cells = dict(zip(header, row, strict=True))
        prompt, answer = cells["prompt"].strip(), cells.get("answer", "").strip() or None
        topic, difficulty = canonical_topic(cells["topic"]), canonical_difficulty(cells["difficulty"])
        hints = split_hints(cells.get("hints", ""))
        _, problems = check_fields(topic, difficulty, prompt, answer, hints, seen)
        if problems:
            result.errors.extend(f"{file}:{start}: {p}" for p in problems)
            continue
        seen[normalise_prompt(prompt)] = f"line {start}"
        items.append(pack_item(f"{pack}-{len(items) + 1:03d}", topic, difficulty, prompt, answer, hints))
    result.text, result.count = dump_pack(items, pack=pack), len(items)
    return result
