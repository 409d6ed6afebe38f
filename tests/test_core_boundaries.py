"""The core never imports a platform library (adapters may): checked on the source and on a real import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PLATFORM_LIBRARIES = ("discord", "slack_bolt", "slack_sdk", "slack", "aiohttp")
CORE = REPO / "bot"


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in a file, including importlib/__import__ with a literal."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "__import__"):
                found.append((node.lineno, node.args[0].value))
    return found


def test_no_core_module_imports_a_platform_library() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 20
    offenders = [f"{path.relative_to(REPO)}:{line}: {name}" for path in files for line, name in _imports(path)
                 if name.split(".")[0] in PLATFORM_LIBRARIES]
    assert offenders == []


def test_only_the_cli_reaches_for_the_adapters() -> None:
    """The command line wires adapters in at run time; nothing else in the core depends on them."""
    offenders = [f"{path.relative_to(REPO)}:{line}: {name}" for path in sorted(CORE.rglob("*.py"))
                 for line, name in _imports(path)
                 if name.split(".")[0] == "adapters" and path.relative_to(CORE).as_posix() != "cli.py"]
    assert offenders == []
    cli_tree = ast.parse((CORE / "cli.py").read_text(encoding="utf-8"))
    top_level = [node for node in cli_tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    assert all(not (getattr(n, "module", None) or "").startswith("adapters") for n in top_level)


def test_importing_every_core_module_loads_no_platform_library() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import bot\n"
        "names = ['bot.core', 'bot.app', 'bot.cli', 'bot.qotd.scheduler']\n"
        "names += [m.name for m in pkgutil.walk_packages(bot.__path__, 'bot.') if not m.name.endswith('__main__')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {PLATFORM_LIBRARIES!r} "
        "or m.startswith(('discord', 'slack')))\n"
        "assert not bad, bad\n"
        "print(len(names))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 20
