"""A reply's pictures in the console: written as PNG files under the data folder, shown as `[image] PATH`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.commands.replies import Reply
from bot.store.backend import is_postgres_url

IMAGE_FOLDER = "images"


def data_folder(database: Path | str | None) -> Path:
    """The console's data folder: the SQLite file's folder, or `./data` for PostgreSQL (and `:memory:`)."""
    if not database or str(database) == ":memory:" or is_postgres_url(database):
        return Path("data")
    return Path(database).parent


def image_folder(database: Path | str | None) -> Path:
    """Where the console keeps pictures: an `images` folder in the data folder."""
    return data_folder(database) / IMAGE_FOLDER


def save_images(reply: Reply, folder: Path) -> list[str]:
    """Write the reply's pictures (named by content, so a repeat overwrites nothing new); `[image] PATH` lines."""
    if not reply.images:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for image in reply.images:
        path = folder / f"{hashlib.sha256(image.png).hexdigest()[:12]}-{image.filename}"
        if not path.exists():
            path.write_bytes(image.png)
        lines.append(f"[image] {path}  ({image.alt})")
    return lines
