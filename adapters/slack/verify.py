"""The first check on every request to /slack/events: Slack's signature, before anything parses the body.

A request that is not signed with the signing secret (or whose timestamp is missing, not a number or more than
five minutes away) is answered 401; a signed body that is not what Slack sends (invalid UTF-8, a form whose
`payload` is not a JSON object, a JSON body that is not an object) is answered 400. Either costs at most one
short log line per minute, never a traceback, so garbage cannot flood the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from aiohttp import web

from adapters.slack.lograte import LogOnce

log = logging.getLogger(__name__)
_quiet = LogOnce(log)

MAX_CLOCK_SKEW = 300
"""Slack's rule: a request timestamp more than five minutes away is refused (replay protection)."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def signature_ok(secret: str, raw: bytes, timestamp: str, signature: str, now: float | None = None) -> bool:
    """Whether `signature` is v0=HMAC-SHA256(secret, 'v0:{timestamp}:{body}') with a recent numeric timestamp."""
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_CLOCK_SKEW:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}".encode(), signature.encode("utf-8", "replace"))


def body_problem(raw: bytes, content_type: str) -> str | None:
    """Why a signed body is not one Slack sends, or None when it is well formed."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    if content_type == "application/json" or text.lstrip().startswith(("{", "[")):
        try:
            parsed = json.loads(text)
        except ValueError:
            return "bad JSON"
        return None if isinstance(parsed, dict) else "JSON that is not an object"
    fields = parse_qsl(text, keep_blank_values=True)
    payload = next((value for key, value in fields if key == "payload"), None)
    if payload is None:
        return None
    try:
        parsed = json.loads(payload)
    except ValueError:
        return "a payload that is not JSON"
    return None if isinstance(parsed, dict) else "a payload that is not a JSON object"


def verify_middleware(secret: str, path: str) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Middleware for `bolt_app.web_app()`: signature first, then the body's shape, for POSTs to `path`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        raw = await request.read()  # aiohttp keeps it: Bolt's handler reads the same bytes again
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not signature_ok(secret, raw, timestamp, signature):
            _quiet.log(logging.WARNING, "unsigned", "refused a request without a valid Slack signature (401)")
            return web.Response(status=401, text="invalid signature")
        problem = body_problem(raw, request.content_type)
        if problem is not None:
            _quiet.log(logging.WARNING, ("malformed", problem), "refused a signed request with %s (400)", problem)
            return web.Response(status=400, text="malformed request")
        return await handler(request)

    return middleware
