"""Secrets never reach a log handler, whichever logger made the record (the filter sits on the handlers)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.log_redaction import MASK, REDACTION, protect_handlers

SECRETS = {
    "bot token": "xoxb-1111-2222-abcdefABCDEF",
    "app token": "xapp-1-A111-2222-ffff",
    "refresh token": "xoxe-1-refreshrefresh",
    "signing secret": "8f742231b10e8888abcd99yyyzzz",
    "client secret": "client-secret-7777-value",
    "discord token": "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345",
}
LOGGERS = ("bot.core", "bot.qotd.service", "asyncio", "aiohttp.client", "aiohttp.server", "slack_sdk.web",
           "slack_bolt.AsyncApp", "adapters.slack.outbound", "discord.http", "some.library")


@pytest.fixture
def root_stream() -> Iterator[io.StringIO]:
    """A handler on the root logger, as `bot run` configures one, protected the way the CLI does it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    protect_handlers()
    REDACTION.add(SECRETS["signing secret"], SECRETS["client secret"])  # configured values, registered
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@pytest.mark.parametrize("name", LOGGERS)
def test_no_secret_reaches_the_handler_from_any_logger(root_stream: io.StringIO, name: str) -> None:
    logger = logging.getLogger(name)  # (records at WARNING and up: some libraries set their own logger's level)
    for label, secret in SECRETS.items():
        logger.warning("response body: %s", {"access_token": secret, "what": label})
        logger.warning(f"inline {secret}")
        try:
            raise RuntimeError(f"failed with {secret}")
        except RuntimeError:
            logger.exception("call failed")
    text = root_stream.getvalue()
    assert text.count(MASK) >= 3 * len(SECRETS)
    assert [label for label, secret in SECRETS.items() if secret in text] == []
    assert "access_token" in text and "call failed" in text  # the rest of the record is kept


def test_the_cli_protects_the_handlers_it_configures(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.cli as cli

    seen: list[logging.Handler] = []

    def fake_run(coro: object) -> None:
        seen.extend(logging.getLogger().handlers)
        coro.close()  # type: ignore[attr-defined]

    root = logging.getLogger()
    before = list(root.handlers)
    for handler in before:
        root.removeHandler(handler)  # basicConfig only configures a root logger without handlers
    monkeypatch.setattr(cli.asyncio, "run", fake_run)
    monkeypatch.setenv("BOT_DATABASE", "/nonexistent/never-opened.sqlite3")
    try:
        cli.cmd_run("console", None)
        assert seen and all(REDACTION in h.filters for h in seen)
    finally:
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)
        for handler in before:
            root.addHandler(handler)
