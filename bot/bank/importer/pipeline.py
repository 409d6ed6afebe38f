"""Seed import: parse each seed with the parser that detects it, clean, merge, classify, write the bank.

`run_import(seed_paths, out_dir)` reads `out_dir/curation/overrides.yaml`, `out_dir/curation/merges.yaml` and
`out_dir/written/*.yaml` if present, writes `out_dir/<topic>.yaml` and `out_dir/MERGES.md`, and returns an
ImportReport; `format_report` prints it as a table.

Order: seeds → automatic near-duplicate merging → ids → overrides (topic, difficulty, prompt) → written
entries (answers, hints, key points) → manual merges (merged ids become aliases of the kept question).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType

from bot.bank.importer import seeds as seeds_package
from bot.bank.importer.classify import (
    OverrideError,
    classify_difficulty,
    classify_topic,
    load_overrides,
    unknown_override_ids,
)
from bot.bank.importer.clean import clean_entry
from bot.bank.importer.dedupe import MergedEntry, dedupe
from bot.bank.importer.ids import assign_ids
from bot.bank.importer.merges import (
    MERGES_YAML,
    MergeError,
    apply_merges,
    check_ids,
    load_merges,
    merged_away_errors,
)
from bot.bank.importer.raw import ParseResult, RawEntry
from bot.bank.importer.writer import (
    MERGES_FILE,
    WRITTEN_DIR,
    KeptApartRecord,
    ManualRecord,
    MergeRecord,
    derive_tags,
    load_written,
    merge_written,
    render_merges,
    write_bank,
)
from bot.bank.model import DIFFICULTIES, TOPICS, Question, Source

KNOWN_PARSERS: tuple[str, ...] = (
    "numbered_bold",
    "scraped_levels",
    "mkdocs_tabs",
    "emoji_levels",
    "question_sections",
)
OVERRIDES_FILE = "curation/overrides.yaml"


class SeedImportError(Exception):
    """The seeds cannot be imported as they stand (unrecognised file, empty section, bad hand edits)."""


# -- parsers -------------------------------------------------------------------------------------


def load_parsers() -> list[ModuleType]:
    """The seed parser modules present in bot/bank/importer/seeds: known names first, then any others."""
    found = sorted(m.name for m in pkgutil.iter_modules(seeds_package.__path__) if not m.name.startswith("_"))
    names = [n for n in KNOWN_PARSERS if n in found] + [n for n in found if n not in KNOWN_PARSERS]
    modules = []
    for module_name in names:
        module = importlib.import_module(f"{seeds_package.__name__}.{module_name}")
        if callable(getattr(module, "detect", None)) and callable(getattr(module, "parse", None)):
            modules.append(module)
    return modules


def choose_parser(text: str, file_name: str, parsers: list[ModuleType]) -> ModuleType:
    """The one parser whose detect() accepts the text; anything else is a SeedImportError."""
    matching = [p for p in parsers if p.detect(text)]
    names = ", ".join(getattr(p, "name", p.__name__) for p in parsers) or "none"
    if not matching:
        raise SeedImportError(
            f"{file_name}: unrecognised seed format — no parser in bot/bank/importer/seeds detects it "
            f"(parsers tried: {names}). Add a parser module with name, detect() and parse()."
        )
    if len(matching) > 1:
        both = ", ".join(getattr(p, "name", p.__name__) for p in matching)
        raise SeedImportError(f"{file_name}: ambiguous seed format — several parsers detect it: {both}")
    return matching[0]


def parse_seed(path: Path, parsers: list[ModuleType]) -> tuple[str, ParseResult]:
    """Parse one seed file; a section that yields nothing, or a file with no entries, is an error."""
    text = path.read_text(encoding="utf-8")
    parser = choose_parser(text, path.name, parsers)
    result: ParseResult = parser.parse(text, path.name)
    empty = [section for section, count in result.section_counts.items() if count == 0]
    if empty:
        raise SeedImportError(
            f"{path.name} ({parser.name}): section(s) yielded no questions: "
            + "; ".join(repr(s) for s in empty)
        )
    if not result.entries:
        raise SeedImportError(f"{path.name} ({parser.name}): no questions found")
    return parser.name, result


# -- report --------------------------------------------------------------------------------------


@dataclass(slots=True)
class FileReport:
    """Per seed file: entries found, folded into another entry, kept as questions, and per-section counts."""

    file: str
    parser: str
    found: int
    merged: int = 0
    sections: dict[str, int] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        return self.found - self.merged


@dataclass(slots=True)
class ImportReport:
    """What an import did: per-file counts, merges, the bank by topic and difficulty, files written."""

    files: list[FileReport]
    merge_groups: int
    questions: int
    answered: int
    written_answers_used: int
    by_topic: dict[str, dict[str, int]]
    written: list[Path]
    manual_groups: int = 0
    manual_folded: int = 0

    @property
    def found(self) -> int:
        return sum(f.found for f in self.files)

    @property
    def merged(self) -> int:
        return sum(f.merged for f in self.files)

    @property
    def kept(self) -> int:
        return sum(f.kept for f in self.files)


def format_report(report: ImportReport, *, sections: bool = False) -> str:
    """The report as a plain-text table (seed | found | merged | kept), totals, and topic × difficulty."""
    width = max([len("seed"), len("total"), *(len(f.file) for f in report.files)])
    rule = f"{'-' * width}-+-------+--------+------"
    lines = [f"{'seed':<{width}} | found | merged | kept", rule]
    for f in report.files:
        lines.append(f"{f.file:<{width}} | {f.found:>5} | {f.merged:>6} | {f.kept:>4}")
        if sections:
            lines += [f"    {count:>4}  {name}" for name, count in f.sections.items()]
    lines += [rule, f"{'total':<{width}} | {report.found:>5} | {report.merged:>6} | {report.kept:>4}", ""]
    lines.append(
        f"{report.merge_groups} merged groups ({report.merged} entries folded); "
        f"{report.questions} questions, {report.answered} with an answer "
        f"({report.written_answers_used} written)"
    )
    if report.manual_groups:
        lines.append(f"{report.manual_groups} manual merge groups ({report.manual_folded} questions folded, "
                     "their ids kept as aliases)")
    lines += ["", f"{'topic':<17} | " + " | ".join(f"{d:>6}" for d in DIFFICULTIES) + " | total"]
    for topic in TOPICS:
        counts = report.by_topic.get(topic, dict.fromkeys(DIFFICULTIES, 0))
        cells = " | ".join(f"{counts[d]:>6}" for d in DIFFICULTIES)
        lines.append(f"{topic:<17} | {cells} | {sum(counts.values()):>5}")
    return "\n".join(lines)


# -- the import ----------------------------------------------------------------------------------


def _question(group: MergedEntry, qid: str) -> Question:
    primary = group.primary
    return Question(
        id=qid,
        topic=classify_topic(primary.prompt, group.topic_hint, primary.section),
        difficulty=classify_difficulty(primary.prompt, group.level, group.topic_hint, primary.section),
        prompt=primary.prompt,
        answer=primary.answer,
        answer_origin="seed" if primary.answer else None,
        hints=tuple(group.hints),
        tags=derive_tags(primary.prompt, primary.section),
        sources=tuple(Source(file, line) for file, line in group.sources),
    )


def _merge_record(group: MergedEntry, qid: str) -> MergeRecord:
    p = group.primary
    return MergeRecord(
        id=qid,
        kept_prompt=p.prompt,
        kept_source=Source(p.source_file, p.line),
        merged=tuple((m.prompt, Source(m.source_file, m.line)) for m in group.merged),
    )


def run_import(seed_paths: list[Path], out_dir: Path) -> ImportReport:
    """Import the seeds into `out_dir` (the bank); raises SeedImportError on anything that needs a human."""
    if not seed_paths:
        raise SeedImportError("no seed files given")
    parsers = load_parsers()
    files: list[FileReport] = []
    entries: list[RawEntry] = []
    for path in seed_paths:
        parser_name, result = parse_seed(Path(path), parsers)
        files.append(
            FileReport(Path(path).name, parser_name, len(result.entries), sections=result.section_counts)
        )
        entries.extend(clean_entry(e) for e in result.entries)
    empty_prompts = [f"{e.source_file}:{e.line}" for e in entries if not e.prompt]
    if empty_prompts:
        raise SeedImportError("entries with an empty prompt after cleaning: " + ", ".join(empty_prompts))

    groups = dedupe(entries)
    ids = assign_ids([g.primary.prompt for g in groups])
    questions = [_question(g, qid) for g, qid in zip(groups, ids, strict=True)]

    try:
        overrides = load_overrides(out_dir / OVERRIDES_FILE)
        curation = load_merges(out_dir / MERGES_YAML)
    except (OverrideError, MergeError) as exc:
        raise SeedImportError(str(exc)) from exc
    problems = check_ids(curation, ids, out_dir / MERGES_YAML)
    if problems:
        raise SeedImportError("merges:\n  " + "\n  ".join(problems))
    aliases = curation.alias_map()
    stale = unknown_override_ids(overrides, ids)
    if stale:
        raise SeedImportError(f"{out_dir / OVERRIDES_FILE}: no question with id(s): {', '.join(stale)}")
    problems = merged_away_errors(overrides, aliases, str(out_dir / OVERRIDES_FILE))
    if problems:
        raise SeedImportError("overrides:\n  " + "\n  ".join(problems))
    questions = [
        replace(q, topic=o.topic or q.topic, difficulty=o.difficulty or q.difficulty, prompt=o.prompt or q.prompt)
        if (o := overrides.get(q.id))
        else q
        for q in questions
    ]

    written, errors = load_written(out_dir / WRITTEN_DIR)
    for qid in sorted(set(written) & set(aliases)):
        errors.append(f"{out_dir / WRITTEN_DIR / written[qid].file}: {qid} was merged into {aliases[qid]}; "
                      f"key the entry by {aliases[qid]}")
    questions, unknown, used = merge_written(questions, written, out_dir / WRITTEN_DIR)
    if errors or unknown:
        raise SeedImportError("written answers:\n  " + "\n  ".join(errors + unknown))

    before_merge = {q.id: q for q in questions}
    questions = apply_merges(questions, curation)

    written_paths = write_bank(questions, out_dir)
    records = [_merge_record(g, qid) for g, qid in zip(groups, ids, strict=True) if g.merged]
    manual = [
        ManualRecord(m.into, before_merge[m.into].prompt, m.why,
                     tuple((qid, before_merge[qid].prompt) for qid in m.merge))
        for m in curation.merges
    ]
    apart = [
        KeptApartRecord((k.a, before_merge[k.a].prompt), (k.b, before_merge[k.b].prompt), k.why)
        for k in curation.kept_apart
    ]
    (out_dir / MERGES_FILE).write_text(render_merges(records, manual, apart), encoding="utf-8")
    written_paths.append(out_dir / MERGES_FILE)

    folded: dict[str, int] = {}
    for g in groups:
        for m in g.merged:
            folded[m.source_file] = folded.get(m.source_file, 0) + 1
    for f in files:
        f.merged = folded.get(f.file, 0)
    by_topic: dict[str, dict[str, int]] = {t: dict.fromkeys(DIFFICULTIES, 0) for t in TOPICS}
    for q in questions:
        by_topic[q.topic][q.difficulty] += 1
    return ImportReport(
        files=files,
        merge_groups=len(records),
        questions=len(questions),
        answered=sum(1 for q in questions if q.has_answer),
        written_answers_used=used,
        by_topic=by_topic,
        written=written_paths,
        manual_groups=len(curation.merges),
        manual_folded=len(aliases),
    )
