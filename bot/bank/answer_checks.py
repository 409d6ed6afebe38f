"""Checks on reference answers: on topic (mentions the prompt's central terms), not duplicated, sized to render.

Used by the tests over the shipped bank and by `python -m bot questions check-written FILE` while writing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.bank.model import Question

# Words that carry no subject matter in an interview prompt.
_STOP = frozenset(
    """
a about above after again against all also an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having here how i if in
into is it its itself just me more most my no nor not now of off on once only or other our out over own same
should so some such than that the their them then there these they this those through to too under until up
very was we were what when where which while who whom why will with would you your
explain describe discuss define definition difference differences different between compare contrast example
examples give provide mean means meaning work works working used using use uses role purpose importance important
concept concepts common commonly main key various type types way ways list name approach approaches several
understand understanding handle handling ensure would could might situation scenario case cases following kind
kinds advantage advantages disadvantage disadvantages benefit benefits pros cons typically often better best
affect affects impact impacts help helps choose choosing relevant significance significant related relationship
typical implement implementing implementation application applications practice practices real world model
models dataset data learning machine algorithm algorithms technique techniques method methods
""".split()  # noqa: SIM905 - a word list reads better as text
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#.\-]*[A-Za-z0-9+#]|[A-Za-z]{2,}")


def central_terms(prompt: str) -> list[str]:
    """Content words of a prompt (lower-case, de-duplicated), the subject an answer must address."""
    terms: list[str] = []
    for raw in _WORD.findall(re.sub(r"`[^`]*`", lambda m: m.group(0).strip("`"), prompt)):
        word = raw.strip(".-").lower()
        if len(word) < 3 and not raw.isupper():
            continue
        if word in _STOP or word in terms:
            continue
        terms.append(word)
    return terms


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:5] if len(word) > 5 else word


def missing_terms(prompt: str, answer: str) -> tuple[list[str], list[str]]:
    """(central terms, those the answer never mentions). Matching is by a 5-letter stem, case-insensitive."""
    terms = central_terms(prompt)
    text = answer.lower()
    missing = [t for t in terms if _stem(t) not in text]
    return terms, missing


def is_on_topic(prompt: str, answer: str) -> bool:
    """At least half of the prompt's central terms (and at least one) appear in the answer."""
    terms, missing = missing_terms(prompt, answer)
    if not terms:
        return True
    found = len(terms) - len(missing)
    return found >= 1 and found >= len(terms) / 2


def word_count(markdown: str) -> int:
    """Words outside code fences."""
    prose = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    return len(re.findall(r"\w+", prose))


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    question_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.question_id}: {self.message}"


def check_answers(questions: Iterable[Question], *, origin: str | None = "written") -> list[AnswerProblem]:
    """Problems with answers of the given origin (None: every answer): off topic, duplicated, badly sized."""
    problems: list[AnswerProblem] = []
    seen: dict[str, str] = {}
    for q in questions:
        if not q.has_answer or (origin and q.answer_origin != origin):
            continue
        assert q.answer is not None
        normal = re.sub(r"\s+", " ", q.answer.strip().lower())
        if normal in seen:
            problems.append(AnswerProblem(q.id, f"the same answer text as {seen[normal]}"))
        seen[normal] = q.id
        if not is_on_topic(q.prompt, q.answer):
            terms, missing = missing_terms(q.prompt, q.answer)
            problems.append(AnswerProblem(q.id, f"does not mention enough of the prompt's terms {terms}; "
                                                f"missing {missing}"))
        if q.answer.count("```") % 2:
            problems.append(AnswerProblem(q.id, "unbalanced code fence"))
        if q.answer_origin == "written":
            words = word_count(q.answer)
            if words < 60:
                problems.append(AnswerProblem(q.id, f"only {words} words; aim for 80-250"))
            elif words > 450:
                problems.append(AnswerProblem(q.id, f"{words} words; keep it under about 250 (design walkthroughs "
                                                    "up to about 400)"))
        if not q.hints:
            problems.append(AnswerProblem(q.id, "no hints"))
    return problems
