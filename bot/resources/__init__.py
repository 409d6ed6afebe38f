"""Locates the data folders (question bank, migrations) in a source checkout or an installed wheel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def _locate(folder: str) -> Path:
    checkout = _REPO_ROOT / folder
    if checkout.is_dir() and (_REPO_ROOT / "pyproject.toml").is_file():
        return checkout
    return Path(str(resources.files(f"bot.resources.{folder}")))


def questions_dir() -> Path:
    """The shipped question bank folder."""
    return _locate("questions")


def migrations_dir() -> Path:
    """The folder of numbered SQL migration files."""
    return _locate("migrations")
