"""Keeping tokens and secrets out of the logs, whatever the log level.

slack_sdk logs every Web API response body at DEBUG, and oauth.v2.access answers with the new workspace's bot
token (and, with token rotation, a refresh token). `install_redaction` puts a filter on the Slack libraries'
loggers (and ours) that replaces the configured secrets and anything shaped like a Slack token with
`[redacted]` before any handler sees the record.
"""

from __future__ import annotations

import logging
import re

MASK = "[redacted]"
SLACK_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+")
"""Bot, user, refresh and app-level tokens: xoxb-, xoxp-, xoxe-, xapp-, ..."""
MIN_SECRET_LENGTH = 8
"""Shorter configured values are not replaced one by one (that would mangle ordinary words)."""
LOGGER_ROOTS = ("slack_sdk", "slack_bolt", "adapters.slack")
KNOWN_LOGGERS = ("slack_sdk.web.async_base_client", "slack_sdk.web.base_client", "slack_bolt.AsyncApp")


class RedactSecrets(logging.Filter):
    """Rewrites a record's message (and exception text) without the secrets it knows and without Slack tokens."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, *secrets: str | None) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH)

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return SLACK_TOKEN.sub(MASK, text)

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
        return True


REDACTION = RedactSecrets()


def install_redaction(*secrets: str | None) -> RedactSecrets:
    """Redact `secrets` (and any Slack token) in every record of the Slack libraries' loggers and the adapter's.

    A logger's filters only see records made on that very logger, so the filter goes on each of them.
    """
    REDACTION.add(*secrets)
    names = {name for name in logging.root.manager.loggerDict
             if any(name == root or name.startswith(root + ".") for root in LOGGER_ROOTS)}
    for name in sorted(names | set(LOGGER_ROOTS) | set(KNOWN_LOGGERS)):
        logger = logging.getLogger(name)
        if REDACTION not in logger.filters:
            logger.addFilter(REDACTION)
    return REDACTION
