"""What the benchmark scripts share: a synthetic question pack and the percentile they report."""

from __future__ import annotations

from pathlib import Path

from bot.bank.model import DIFFICULTIES, TOPICS


def write_bank(folder: Path, per_cell: int) -> Path:
    """Write `per_cell` questions for every topic × difficulty, with Markdown answers; returns the file."""
    lines = ["pack: bench", "questions:"]
    for topic in TOPICS:
        for difficulty in DIFFICULTIES:
            for k in range(per_cell):
                lines += [
                    f"  - id: {topic}-{difficulty}-{k}",
                    f"    topic: {topic}",
                    f"    difficulty: {difficulty}",
                    f"    prompt: 'Benchmark question {k} about {topic} ({difficulty}): explain the trade-offs.'",
                    "    answer: |",
                    f"      **Answer {k}.** Consider bias and variance, cost, and `code` for {topic}:",
                    "",
                    "      - one",
                    "      - two",
                ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, `q` a fraction (0.99 for p99)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]
