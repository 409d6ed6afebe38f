"""Evaluate the built-in answer grader on hand-written strong / partial / wrong answers.

    python -m bench.answer_eval.run [--limit N]

Prints the share of questions where covered(strong) > covered(partial) > covered(wrong), the agreement of
the suggested grade with the intended one (strong -> good/easy, partial -> hard, wrong -> again), latency
median / p99 for a 300-word answer, and lists the cases it gets wrong.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.bank.loader import load_bank
from bot.bank.model import Question
from bot.practice.answer_grading import BuiltinGrader
from bot.resources import questions_dir

ANSWERS = Path(__file__).with_name("answers.yaml")
KINDS = ("strong", "partial", "wrong")
INTENDED: dict[str, tuple[str, ...]] = {"strong": ("good", "easy"), "partial": ("hard",), "wrong": ("again",)}


@dataclass
class EvalResult:
    """Figures from one run of the evaluation."""

    questions: int = 0
    ordered: int = 0
    grades_agree: int = 0
    grades_total: int = 0
    misordered: list[str] = field(default_factory=list)
    misgraded: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    topics: set[str] = field(default_factory=set)

    @property
    def ordered_share(self) -> float:
        return self.ordered / self.questions if self.questions else 0.0

    @property
    def grade_agreement(self) -> float:
        return self.grades_agree / self.grades_total if self.grades_total else 0.0


def load_cases(path: Path = ANSWERS) -> list[dict[str, str]]:
    """The evaluation cases: id plus one answer per kind."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["cases"])


def _latency(grader: BuiltinGrader, questions: list[Question], rounds: int = 200) -> list[float]:
    # a 300-word answer: a strong answer repeated and cut to 300 words
    out: list[float] = []
    for i in range(rounds):
        q = questions[i % len(questions)]
        words = (q.answer or q.prompt).split()
        text = " ".join((words * (300 // max(1, len(words)) + 1))[:300])[:4000]
        t0 = time.perf_counter()
        grader.grade_sync(q, text)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def evaluate(limit: int | None = None) -> EvalResult:
    """Run the built-in grader over the evaluation set (the first `limit` cases)."""
    bank = load_bank([questions_dir()])
    grader = BuiltinGrader()
    cases = load_cases()[:limit]
    res = EvalResult()
    used: list[Question] = []
    for case in cases:
        q = bank.get(case["id"])
        if q is None:
            raise SystemExit(f"unknown question id in answers.yaml: {case['id']}")
        used.append(q)
        res.questions += 1
        res.topics.add(q.topic)
        fb = {k: grader.grade_sync(q, case[k]) for k in KINDS}
        s, p, w = (fb[k].share for k in KINDS)
        if s > p > w:
            res.ordered += 1
        else:
            res.misordered.append(f"{q.id}: strong {s:.2f} partial {p:.2f} wrong {w:.2f}")
        for k in KINDS:
            res.grades_total += 1
            if fb[k].suggested_grade in INTENDED[k]:
                res.grades_agree += 1
            else:
                res.misgraded.append(f"{q.id} [{k}]: suggested {fb[k].suggested_grade} "
                                     f"({fb[k].count_line()})")
    res.latencies_ms = _latency(grader, used)
    return res


def main(argv: list[str] | None = None) -> None:
    """Print the evaluation figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args(argv)
    r = evaluate(args.limit)
    lat = sorted(r.latencies_ms)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(f"questions: {r.questions} across {len(r.topics)} topics")
    print(f"strong > partial > wrong: {r.ordered}/{r.questions} = {r.ordered_share:.0%} (aim >= 90%)")
    print(f"suggested grade agrees: {r.grades_agree}/{r.grades_total} = {r.grade_agreement:.0%} (aim >= 80%)")
    print(f"latency, 300-word answer: median {statistics.median(lat):.2f} ms, p99 {p99:.2f} ms (aim < 20 ms)")
    for line in r.misordered:
        print("  misordered:", line)
    for line in r.misgraded:
        print("  misgraded:", line)


if __name__ == "__main__":
    main()
