"""Keeping Slack tokens and secrets out of the logs, whatever the log level.

slack_sdk logs every Web API response body at DEBUG, and oauth.v2.access answers with the new workspace's bot
token (and, with token rotation, a refresh token). `install_redaction` registers the configured secrets with the
process's one filter (`bot.log_redaction.REDACTION`), puts it on every handler of the root logger, so records
from any logger pass it, and also on the Slack libraries' own loggers (for handlers attached to them directly).
"""

from __future__ import annotations

import logging

from bot.log_redaction import MASK, REDACTION, RedactSecrets, protect_handlers

__all__ = ["MASK", "REDACTION", "RedactSecrets", "install_redaction"]

LOGGER_ROOTS = ("slack_sdk", "slack_bolt", "adapters.slack")
KNOWN_LOGGERS = ("slack_sdk.web.async_base_client", "slack_sdk.web.base_client", "slack_bolt.AsyncApp")


def install_redaction(*secrets: str | None) -> RedactSecrets:
    """Redact `secrets` (and any Slack token) in every record that reaches the root logger's handlers, and in
    the records of the Slack libraries' loggers."""
    REDACTION.add(*secrets)
    protect_handlers()
    names = {name for name in logging.root.manager.loggerDict
             if any(name == root or name.startswith(root + ".") for root in LOGGER_ROOTS)}
    for name in sorted(names | set(LOGGER_ROOTS) | set(KNOWN_LOGGERS)):
        logger = logging.getLogger(name)
        if REDACTION not in logger.filters:
            logger.addFilter(REDACTION)
    return REDACTION
