"""Keeping tokens and secrets out of every log record, whichever logger made it.

A logger's filters see only the records made on that very logger, so redaction sits on the handlers instead:
`protect_handlers()` puts the one `REDACTION` filter on each handler of the root logger (as `bot run` configures
them), and records from `bot.*`, `asyncio`, `aiohttp`, `slack_*` or `discord.*` all pass it before they are
written. Adapters register the secrets they hold with `REDACTION.add(...)`; values shaped like Slack tokens
(xoxb-, xoxp-, xoxe-, xapp-) and Discord bot tokens are masked even if nobody registered them.
"""

from __future__ import annotations

import logging
import re

MASK = "[redacted]"
TOKEN_SHAPES = re.compile(
    r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+"  # Slack bot, user, refresh and app-level tokens
    r"|\b[MNO][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,}"  # Discord bot tokens
)
MIN_SECRET_LENGTH = 8
"""Shorter configured values are not replaced one by one (that would mangle ordinary words)."""


class RedactSecrets(logging.Filter):
    """Rewrites a record's message (and exception text) without the secrets it knows and without token shapes."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, *secrets: str | None) -> None:
        """Mask these values from now on (None, empty and very short values are ignored)."""
        self._secrets.update(s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH)

    def redact(self, text: str) -> str:
        """`text` with every known secret and token shape masked."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return TOKEN_SHAPES.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's to report
            return True
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


REDACTION = RedactSecrets()
"""The process's one redaction filter."""


def protect_handlers(logger: logging.Logger | None = None) -> RedactSecrets:
    """Put `REDACTION` on every handler of `logger` (the root logger by default); safe to call again."""
    for handler in (logger or logging.getLogger()).handlers:
        if REDACTION not in handler.filters:
            handler.addFilter(REDACTION)
    return REDACTION
