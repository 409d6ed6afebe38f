"""Where the seed documents live, and what a test does when they are missing.

Outside CI a missing seed skips the test, saying where the documents are expected; in CI (`CI=true`) it fails,
so a checkout without them can never pass by skipping the seed tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def in_ci() -> bool:
    """True when the `CI` environment variable says so (GitHub Actions and most CI services set CI=true)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def missing(what: str) -> None:
    """Skip (or, in CI, fail) the calling test because `what` is missing from the seed folder."""
    reason = f"{what}: the seed documents are expected in {SEEDS} (../shared/seeds next to the repository)"
    if in_ci():
        pytest.fail(f"{reason}; in CI (CI=true) they must be present", pytrace=False)
    pytest.skip(reason)


def seed_file(name: str) -> Path:
    """The path of one seed document; skips or fails (see `missing`) when it is absent."""
    path = SEEDS / name
    if not path.is_file():
        missing(f"seed {name} not found" if SEEDS.is_dir() else "the seed folder is missing")
    return path


def seed_paths(minimum: int = 1) -> list[Path]:
    """Every seed document (*.txt), sorted; skips or fails when fewer than `minimum` are there."""
    paths = sorted(SEEDS.glob("*.txt"))
    if len(paths) < minimum:
        missing(f"{len(paths)} seed document(s) found, {minimum} needed" if SEEDS.is_dir()
                else "the seed folder is missing")
    return paths
