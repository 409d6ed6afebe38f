"""The seed-folder helper shared by the seed tests: skip with where to put them outside CI, fail in CI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import seeds


@pytest.fixture
def no_seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    absent = tmp_path / "shared" / "seeds"
    monkeypatch.setattr(seeds, "SEEDS", absent)
    return absent


def test_outside_ci_a_missing_seed_folder_skips_saying_where(no_seeds: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    for call in (lambda: seeds.seed_file("000_x.txt"), lambda: seeds.seed_paths(minimum=5)):
        with pytest.raises(pytest.skip.Exception) as caught:
            call()
        reason = str(caught.value)
        assert str(no_seeds) in reason and no_seeds.is_absolute()
        assert "../shared/seeds next to the repository" in reason and "seed folder is missing" in reason


@pytest.mark.parametrize("value", ["true", "TRUE", "1"])
def test_in_ci_a_missing_seed_folder_fails(no_seeds: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        seeds.seed_file("000_x.txt")
    with pytest.raises(pytest.fail.Exception, match=re.escape(str(no_seeds))):
        seeds.seed_paths(minimum=1)


def test_a_single_missing_document_is_named(no_seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    no_seeds.mkdir(parents=True)
    (no_seeds / "000_a.txt").write_text("x", encoding="utf-8")
    assert seeds.seed_file("000_a.txt") == no_seeds / "000_a.txt"
    with pytest.raises(pytest.skip.Exception, match=r"seed 001_b\.txt not found"):
        seeds.seed_file("001_b.txt")
    with pytest.raises(pytest.skip.Exception, match="1 seed document"):
        seeds.seed_paths(minimum=5)
    monkeypatch.setenv("CI", "false")
    assert seeds.seed_paths(minimum=1) == [no_seeds / "000_a.txt"]


def test_the_real_seed_tests_use_the_helper() -> None:
    here = Path(__file__).parent
    for name in ("test_import_pipeline.py", "test_seed_parsers_basic.py", "test_seed_parsers_advanced.py"):
        text = (here / name).read_text(encoding="utf-8")
        assert "from tests.seeds import" in text and "pytest.skip(" not in text, name
