"""Layers that hold (issue 15): the package import graph of bot/, computed from the source."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.conftest import REPO

CORE = REPO / "bot"
# Cycles still going through bot/qotd (helper "tick" owns it): bot/qotd/scheduler.py imports bot.core, which
# builds the QotdService. The lead removes this entry once that edge is gone; nothing else may join it.


def _unit(path: Path) -> str:
    """The package (or top-level module) of bot/ a file belongs to: bot/store/x.py -> 'store', bot/core.py -> 'core'."""
    parts = path.relative_to(CORE).with_suffix("").parts
    return parts[0] if parts[0] != "__init__" else "bot"


def _targets(path: Path) -> set[str]:
    """Units of bot/ a file imports (at any depth of the file, including inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{path}: use absolute imports (bot.x), not relative ones")
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "bot" and len(parts) > 1 and \
                    ((CORE / parts[1]).with_suffix(".py").exists() or (CORE / parts[1]).is_dir()):
                found.add(parts[1])
    return found


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in sorted(CORE.rglob("*.py")):
        unit = _unit(path)
        graph[unit] |= _targets(path) - {unit}
    return dict(graph)


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """Strongly connected components with more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_the_packages() -> None:
    graph = import_graph()
    assert {"domain", "store", "practice", "commands", "qotd", "bank", "core"} <= set(graph)
    assert "store" in graph["practice"] and "domain" in graph["store"]


def test_the_domain_imports_nothing_of_the_project() -> None:
    assert import_graph()["domain"] == set()


def test_the_store_imports_only_the_domain_the_clock_and_resources() -> None:
    assert import_graph()["store"] <= {"domain", "clock", "resources"}


def test_the_clock_is_plain() -> None:
    assert import_graph().get("clock", set()) == set()


def test_no_cycles_between_packages() -> None:
    found = cycles(import_graph())
    assert [sorted(c) for c in found] == [], f"import cycles between packages of bot/: {found}"


def test_the_cycles_issue_15_named_are_gone() -> None:
    graph = import_graph()
    for a, b in [("store", "practice"), ("store", "qotd"), ("commands", "practice")]:
        assert b not in graph.get(a, set()) or a not in graph.get(b, set()), (a, b)
    assert "qotd" not in graph["store"] and "practice" not in graph["store"] and "commands" not in graph["store"]
    assert "practice" not in graph["commands"]


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {frozenset({"a", "b", "c"})}
