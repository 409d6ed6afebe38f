"""Packaging glue: ships the top-level questions/ and migrations/ folders inside the wheel.

The bank and the schema live at the top of the repository (where reviewers expect them); setuptools maps them
into the package `bot.resources` so that `pip install .` (not only editable installs) finds them at run time.
"""

from setuptools import find_packages, setup

DATA_PACKAGES = {
    "bot.resources.questions": "questions",
    "bot.resources.migrations": "migrations",
}

setup(
    packages=find_packages(include=["bot", "bot.*", "adapters", "adapters.*"]) + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,
    package_data={
        "bot.resources.questions": ["*.yaml", "*/*.yaml", "*.md"],
        "bot.resources.migrations": ["*.sql"],
        "adapters.slack": ["manifest.yaml"],
    },
)
