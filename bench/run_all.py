"""Run every benchmark and print one table: figure | value | baseline/aim.

Each bench runs in its own subprocess (this script with `--child NAME`), one after another so they do not skew
each other's timings, and a bench that crashes or overruns its time limit becomes a row saying so instead of taking
the others down. A bench's rows come from its `report(figures)` when it has one, else from the dict its `main()`
returns. `--quick` passes each bench's quick option where it has one (core_bench: a smaller leaderboard; fanout:
200 channels instead of 2,000).

Run: `python bench/run_all.py` (about 5 minutes; `--quick` about 2) or `--only fanout slack_roundtrip`.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BENCHES = ("core_bench", "startup_memory", "discord_interactions", "slack_roundtrip", "fanout", "charts_bench",
           "pg_bench", "fanout_bench")  # the last two on PostgreSQL (BOT_TEST_POSTGRES_URL or a throwaway cluster)
QUICK_OPTIONS: dict[str, dict[str, Any]] = {"core_bench": {"quick": True}, "fanout": {"channels": 200},
                                           "pg_bench": {"quick": True}, "fanout_bench": {"channels": 200}}
TIME_LIMIT = 1200.0  # seconds per bench; a bench still running then is stopped and reported as such
ACK_AIM = "p99 < 100 ms"
FAILED = "bench did not finish"

Row = tuple[str, str, str]


# ----- rows for benches without report() ------------------------------------------------------------------------


def _ms(value: Any) -> str:
    return f"{float(value):.2f}"


def discord_interaction_rows(f: dict[str, Any]) -> list[Row]:
    return [
        (f"Discord /quiz: {f['interactions']} interactions, {f['concurrency']} at a time: ack median / p99",
         f"{_ms(f['median_ms'])} / {_ms(f['p99_ms'])} ms", ACK_AIM),
        ("  max; throughput; failures", f"{_ms(f['max_ms'])} ms; {f['per_second']}/s; {f['failures']}", "0 failures"),
        ("  one at a time (no queueing): median / p99",
         f"{_ms(f['sequential_median_ms'])} / {_ms(f['sequential_p99_ms'])} ms", "floor ~1 ms"),
        ("  cold first burst of 50 new users: median / max",
         f"{_ms(f['cold_burst_median_ms'])} / {_ms(f['cold_burst_max_ms'])} ms", "measured before warm-up"),
    ]


def slack_roundtrip_rows(f: dict[str, Any]) -> list[Row]:
    return [
        (f"Slack /quiz: {f['requests']} signed requests, {f['concurrency']} at a time: ack median / p99",
         f"{_ms(f['median_ms'])} / {_ms(f['p99_ms'])} ms", ACK_AIM),
        ("  max; throughput; failures", f"{_ms(f['max_ms'])} ms; {f['throughput_rps']}/s; {f['failures']}",
         "0 failures"),
        ("  one at a time (no queueing): median / p99",
         f"{_ms(f['serial_median_ms'])} / {_ms(f['serial_p99_ms'])} ms", "floor ~2 ms"),
        ("  cold first burst of 50 new users: median / max",
         f"{_ms(f['cold_burst_median_ms'])} / {_ms(f['cold_burst_max_ms'])} ms", "measured before warm-up"),
    ]


ROW_BUILDERS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "discord_interactions": discord_interaction_rows,
    "slack_roundtrip": slack_roundtrip_rows,
}


def rows_from_dict(figures: Any, prefix: str = "") -> list[Row]:
    """One row per leaf of a (nested) figures dict."""
    if not isinstance(figures, dict):
        return [(prefix or "result", _format(figures), "")]
    rows: list[Row] = []
    for key, value in figures.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        rows += rows_from_dict(value, name) if isinstance(value, dict) else [(name, _format(value), "")]
    return rows


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


# ----- the child: one bench in this process ---------------------------------------------------------------------


def load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def child(name: str, out: Path, quick: bool) -> None:
    """Run one bench's main() and write its rows (and figures) to `out` as JSON."""
    sys.path[:0] = [str(REPO), str(BENCH)]
    module = load(name)
    params = inspect.signature(module.main).parameters
    options = {k: v for k, v in QUICK_OPTIONS.get(name, {}).items() if k in params} if quick else {}
    if quick and "quick" in params:
        options["quick"] = True
    figures = module.main(**options)
    if hasattr(module, "report"):
        rows = [tuple(map(str, row)) for row in module.report(figures)]
    else:
        try:
            rows = ROW_BUILDERS[name](figures) if name in ROW_BUILDERS else rows_from_dict(figures)
        except (KeyError, TypeError, ValueError):
            rows = rows_from_dict(figures)
    out.write_text(json.dumps({"rows": rows, "options": options, "figures": figures}, default=str))


# ----- the parent: every bench, one table -----------------------------------------------------------------------


def run_one(name: str, quick: bool, folder: Path) -> tuple[list[Row], float, str | None]:
    """(rows, seconds, error or None) for one bench run in a subprocess."""
    out = folder / f"{name}.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--out", str(out)]
    if quick:
        command.append("--quick")
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        return [], time.perf_counter() - started, f"stopped after the {TIME_LIMIT:.0f} s limit"
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not out.exists():
        lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
        return [], seconds, f"exit {done.returncode}: {lines[-1] if lines else 'no output'}"
    return [tuple(row) for row in json.loads(out.read_text())["rows"]], seconds, None  # type: ignore[misc]


def table(sections: list[tuple[str, list[Row]]]) -> str:
    header: Row = ("figure", "value", "baseline/aim")
    every = [header] + [row for _, rows in sections for row in rows]
    widths = [max(len(row[i]) for row in every) for i in range(3)]
    widths[0] = max(widths[0], *(len(title) for title, _ in sections))

    def line(row: Row) -> str:
        return f"| {row[0]:<{widths[0]}} | {row[1]:>{widths[1]}} | {row[2]:<{widths[2]}} |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    out = [line(header), rule]
    for title, rows in sections:
        out.append(line((f"**{title}**", "", "")))
        out += [line(row) for row in rows]
    return "\n".join(out)


def main(quick: bool = False, only: tuple[str, ...] = BENCHES) -> list[tuple[str, list[Row]]]:
    started = time.perf_counter()
    sections: list[tuple[str, list[Row]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, name in enumerate(only, 1):
            print(f"[{k}/{len(only)}] {name} ...", end=" ", flush=True)
            rows, seconds, problem = run_one(name, quick, Path(tmp))
            print(f"{'FAILED' if problem else 'done'} in {seconds:.1f} s", flush=True)
            if problem:
                rows = [(FAILED, problem, "")]
            sections.append((f"{name} ({seconds:.0f} s)", rows))
    print()
    print(table(sections))
    print(f"\nTotal wall time: {time.perf_counter() - started:.1f} s" + (" (--quick)" if quick else ""))
    return sections


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass each bench's quick option where it has one")
    parser.add_argument("--only", nargs="+", choices=BENCHES, help="run only these benches")
    parser.add_argument("--child", choices=BENCHES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.out, args.quick)
    else:
        results = main(args.quick, tuple(args.only) if args.only else BENCHES)
        sys.exit(1 if any(rows and rows[0][0] == FAILED for _, rows in results) else 0)
