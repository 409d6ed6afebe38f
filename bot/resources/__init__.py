"""Locates the data folders (question bank, migrations) in an installed wheel or a source checkout."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
_REPO_ROOT = _HERE.parent.parent


def _locate(folder: str) -> Path:
    # In a wheel, setup.py maps questions/ and migrations/ into this package (bot/resources/<folder>).
    installed = _HERE / folder
    if installed.is_dir():
        return installed
    return _REPO_ROOT / folder


def questions_dir() -> Path:
    """The shipped question bank folder."""
    return _locate("questions")


def migrations_dir() -> Path:
    """The folder of numbered SQL migration files."""
    return _locate("migrations")
