"""The built-in grader: deterministic, offline, fast. Matches each key point's content words against the answer.

A key point's words are normalised (synonyms and abbreviations to one token, formulas tightened, Snowball
stems); a word counts as present when the answer has it, or a near spelling (rapidfuzz, for typos and
inflections the stemmer misses). Rare words weigh more than common ones. A point whose best-matching clause
in the answer is negated while the point is not ("does not scale the weights") is marked missed.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

from bot.bank.model import Question
from bot.practice.answer_grading.feedback import (
    Feedback,
    PointVerdict,
    Verdict,
    check_answer_text,
    grade_from_share,
)
from bot.practice.answer_grading.text import SYNONYM_GROUPS, clause_tokens, fixed_tokens, surface_forms

COVERED_AT = 0.6
PARTLY_AT = 0.34
FUZZY_MIN = 88.0


PROMPT_WORD_WEIGHT = 0.4


def _weight(tok: str, prompt_toks: frozenset[str]) -> float:
    # Words the question itself uses ("BERT", "DFS") show no knowledge, so they weigh little; formulas and
    # canonical concepts weigh most, then longer (rarer, more specific) words.
    if tok in prompt_toks:
        return PROMPT_WORD_WEIGHT
    if tok in SYNONYM_GROUPS or any(c in tok for c in "/*+=^()<>-") or tok[0].isdigit():
        return 2.0
    return 1.0 + min(len(tok), 10) / 10


def _present(tok: str, answer_set: set[str], answer_list: list[str]) -> bool:
    if tok in answer_set:
        return True
    if len(tok) < 5 or not answer_list:
        return False
    match = process.extractOne(tok, answer_list, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN)
    return match is not None


def _few(words: list[str], n: int = 4) -> str:
    return ", ".join(words[:n])


NEGATION_SCOPE = 3


def _polarity(toks: list[str]) -> tuple[set[str], set[str]]:
    """(words said plainly, words within NEGATION_SCOPE tokens after a negation).

    "does not scale the weights" -> ({}, {scale, weight}); a word can be in both when said both ways.
    """
    neg_pos: set[int] = set()
    for i, t in enumerate(toks):
        if t == "not":
            neg_pos.update(range(i + 1, min(len(toks), i + 1 + NEGATION_SCOPE)))
    plain = {t for i, t in enumerate(toks) if t != "not" and i not in neg_pos}
    negated = {toks[i] for i in neg_pos if toks[i] != "not"}
    return plain, negated


class BuiltinGrader:
    """Key-point matcher with stemming, ML synonyms, formula normalisation and negation awareness."""

    name = "built-in"

    def grade_sync(self, question: Question, answer_text: str) -> Feedback:
        """Grade without awaiting (the work is CPU-only and takes a few milliseconds)."""
        text = check_answer_text(answer_text)
        # The answer is normalised once and tokenized per clause; its words are those of its clauses.
        clauses = clause_tokens(text)
        answer_set = {tok for clause in clauses for tok in clause}
        answer_list = sorted(answer_set)
        prompt_toks = frozenset(fixed_tokens(question.prompt))
        points: list[PointVerdict] = []
        for i, kp in enumerate(question.key_points, start=1):
            points.append(self._judge(i, kp, answer_set, answer_list, clauses, prompt_toks))
        share = (sum(p.verdict == "covered" for p in points) + 0.5 * sum(p.verdict == "partly" for p in points))
        share = share / len(points) if points else 0.0
        return Feedback(points=tuple(points), suggested_grade=grade_from_share(share), grader=self.name)

    async def grade(self, question: Question, answer_text: str) -> Feedback:
        """Grade the answer against the question's key points."""
        return self.grade_sync(question, answer_text)

    @staticmethod
    def _contradicts(kp_toks: list[str], hits: set[str], clauses: list[list[str]]) -> bool:
        # Judge polarity in the answer clause that best matches the point: a matched word the answer negates
        # and the point does not, or one only the point negates and the answer affirms, is a contradiction.
        best = max(clauses, key=lambda c: len(set(c) & hits))
        if not set(best) & hits:
            return False
        ans_plain, ans_neg = _polarity(best)
        kp_plain, kp_neg = _polarity(kp_toks)
        said_negated = (hits & ans_neg) - ans_plain - kp_neg
        denied_affirmed = (hits & (kp_neg - kp_plain) & ans_plain) - ans_neg
        return bool(said_negated or denied_affirmed)

    def _judge(self, index: int, key_point: str, answer_set: set[str], answer_list: list[str],
               clauses: list[list[str]], prompt_toks: frozenset[str]) -> PointVerdict:
        kp_toks = list(fixed_tokens(key_point))
        content = list(dict.fromkeys(t for t in kp_toks if t != "not"))
        if not content:
            return PointVerdict(index, key_point, "missed", "nothing to match")
        hits = [t for t in content if _present(t, answer_set, answer_list)]
        missing = [t for t in content if t not in hits]
        total_w = sum(_weight(t, prompt_toks) for t in content)
        score = sum(_weight(t, prompt_toks) for t in hits) / total_w
        verdict: Verdict = "covered" if score >= COVERED_AT else "partly" if score >= PARTLY_AT else "missed"
        forms = surface_forms(key_point)
        why = f"mentions {_few([forms.get(t, t) for t in hits])}" if hits else "none of its terms appear"
        if verdict != "missed" and clauses and self._contradicts(kp_toks, set(hits), clauses):
            return PointVerdict(index, key_point, "missed", "your answer says the opposite (negated)")
        if verdict == "partly":
            why += f"; missing {_few([forms.get(t, t) for t in missing], 3)}"
        return PointVerdict(index, key_point, verdict, why)
