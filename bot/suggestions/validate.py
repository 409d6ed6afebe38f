"""One proposed question checked by the rules of a YAML pack, with the same messages.

The fields are written out as a one-question pack and parsed by bot.bank.loader (topic, difficulty, empty
prompt, code fences, hints that give the answer away), then checked for length and for repeating a prompt the
team's bank already has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import yaml

from bot.bank.loader import normalise_prompt, parse_pack_text
from bot.bank.model import Question

PROMPT_MIN, PROMPT_MAX = 10, 1500
ANSWER_MAX = 3500
HINTS_MAX, HINT_MAX_CHARS = 5, 300
CHECK_ID = "suggestion"


def pack_item(question_id: str, topic: str, difficulty: str, prompt: str, answer: str | None,
              hints: Iterable[str]) -> dict[str, object]:
    """The YAML pack entry for these fields (also what `questions export` and `import-csv` write)."""
    item: dict[str, object] = {"id": question_id, "topic": topic, "difficulty": difficulty, "prompt": prompt}
    if answer and answer.strip():
        item["answer"] = answer
        item["answer_origin"] = "written"
    hint_list = [h for h in hints if h.strip()]
    if hint_list:
        item["hints"] = hint_list
    return item


def dump_pack(items: list[dict[str, object]], pack: str | None = None) -> str:
    """A pack file's text: `{pack?, questions: [...]}` in block style, Unicode kept."""
    document: dict[str, object] = {"pack": pack} if pack else {}
    document["questions"] = items
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def check_fields(topic: str, difficulty: str, prompt: str, answer: str | None, hints: Iterable[str],
                 existing: Mapping[str, str] | None = None) -> tuple[Question | None, list[str]]:
    """The question these fields make (id `suggestion`) and every problem, in the pack linter's words.

    `existing` maps normalised prompts (bot.bank.loader.normalise_prompt) to where they are, e.g. a question id.
    """
    hint_list = [h.strip() for h in hints if h.strip()]
    problems: list[str] = []
    text = dump_pack([pack_item(CHECK_ID, topic.strip().lower(), difficulty.strip().lower(), prompt, answer,
                                hint_list)])
    questions, errors = parse_pack_text(text, CHECK_ID, "team")
    problems.extend(e.message.replace(f"{CHECK_ID!r}", "this question").replace(f" of {CHECK_ID!r}", "")
                    for e in errors)
    stripped = prompt.strip()
    if stripped and len(stripped) < PROMPT_MIN:
        problems.append(f"prompt is {len(stripped)} characters; write at least {PROMPT_MIN}")
    if len(stripped) > PROMPT_MAX:
        problems.append(f"prompt is {len(stripped)} characters; keep it to {PROMPT_MAX}")
    if answer and len(answer.strip()) > ANSWER_MAX:
        problems.append(f"answer is {len(answer.strip())} characters; keep it to {ANSWER_MAX}")
    if len(hint_list) > HINTS_MAX:
        problems.append(f"{len(hint_list)} hints; give at most {HINTS_MAX}")
    problems.extend(f"hint {n} is {len(h)} characters; keep each to {HINT_MAX_CHARS}"
                    for n, h in enumerate(hint_list, 1) if len(h) > HINT_MAX_CHARS)
    if stripped and existing:
        where = existing.get(normalise_prompt(stripped))
        if where is not None:
            problems.append(f"this prompt repeats the prompt of {where}")
    question = questions[0] if questions and not problems else None
    return question, problems


def prompt_index(questions: Iterable[Question]) -> dict[str, str]:
    """Normalised prompt → "question 'id'" for a bank's questions (what check_fields compares against)."""
    return {normalise_prompt(q.prompt): f"question {q.id!r}" for q in questions}
