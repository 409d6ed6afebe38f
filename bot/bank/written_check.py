"""`python -m bot questions check-written FILE...`: check written answers, key points and hints before import."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from bot.bank.answer_checks import check_answers, word_count
from bot.bank.hint_check import hint_leak
from bot.bank.importer.writer import load_written
from bot.bank.loader import KEY_POINT_MAX_CHARS, KEY_POINTS_MAX, KEY_POINTS_MIN, load_bank
from bot.bank.render import discord_embeds, question_body, question_title, slack_blocks
from bot.resources import questions_dir


def check_written_files(files: list[Path]) -> int:
    """Print problems per answer and a summary; 0 when every answer passes."""
    bank = load_bank([questions_dir()])
    problems: list[str] = []
    checked = []
    for file in files:
        staging = file.parent
        written, errors = load_written(staging)
        problems.extend(e for e in errors if str(file.name) in e)
        for qid, entry in written.items():
            if entry.file != file.name:
                continue
            if qid in bank.aliases:
                problems.append(f"{file}: {qid} was merged into {bank.aliases[qid]}; key the entry by "
                                f"{bank.aliases[qid]}")
                continue
            q = bank.get(qid)
            if q is None:
                problems.append(f"{file}: {qid}: no question with this id in the bank")
                continue
            if q.has_answer and q.answer_origin == "seed" and entry.answer and not entry.replaces_seed:
                problems.append(f"{file}: {qid}: has a seed answer; add replaces_seed: <why> to replace it, "
                                "or give only hints")
            answer = entry.answer if entry.answer else q.answer
            origin = "written" if entry.answer else q.answer_origin
            checked.append(replace(q, answer=answer, answer_origin=origin, hints=entry.hints or q.hints,
                                   key_points=entry.key_points or q.key_points))
    for q in checked:
        count = len(q.key_points)
        if count and not KEY_POINTS_MIN <= count <= KEY_POINTS_MAX:
            problems.append(f"{q.id}: {count} key points ({KEY_POINTS_MIN}..{KEY_POINTS_MAX} wanted)")
        problems += [f"{q.id}: key point {n} is {len(k)} characters (at most {KEY_POINT_MAX_CHARS})"
                     for n, k in enumerate(q.key_points, 1) if len(k) > KEY_POINT_MAX_CHARS]
        problems += [f"{q.id}: hint {h!r} {why}" for h in q.hints if (why := hint_leak(h, q.key_points, q.answer))]
    for p in check_answers(checked, origin=None):
        problems.append(str(p))
    for q in checked:
        body = question_body(q, reveal=True, show_hints=True)
        for message in discord_embeds(title=question_title(q), body_markdown=body):
            if sum(len(e.get("description", "")) + len(e.get("title", "")) for e in message) > 6000:
                problems.append(f"{q.id}: a Discord message over 6000 characters")
        if len(slack_blocks(title=question_title(q), body_markdown=body)) > 2:
            problems.append(f"{q.id}: needs more than two Slack messages; shorten it")
    for line in problems:
        print(line, file=sys.stderr)
    words = [word_count(q.answer or "") for q in checked if q.answer_origin == "written"]
    mean = sum(words) / len(words) if words else 0
    print(f"checked {len(checked)} entries ({len(words)} written answers, mean {mean:.0f} words): "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0
