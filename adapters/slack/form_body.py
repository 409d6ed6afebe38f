"""A workaround for slack-bolt reading some slash commands as empty requests.

slack-bolt's `parse_body` treats any form body that contains the text "payload" as an interactivity payload;
when the form has no `payload` field it returns {}, and the request is answered 404 "unhandled request". So
`/quiz payload`, or any command whose text, channel or user name contains that word, would fail. This aiohttp
middleware parses exactly those bodies as the forms they are and dispatches them; every other request goes to
Bolt's own handler untouched (signature checks still run in Bolt's middleware, on the same raw body).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def misread_form(raw: str, content_type: str | None) -> dict[str, str] | None:
    """The form fields of a body Bolt would misread as an empty payload, else None."""
    if "payload" not in raw or raw.startswith("{") or content_type == "application/json":
        return None
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    return None if "payload" in fields else fields


def form_body_middleware(bolt_app: AsyncApp, path: str) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Middleware for `bolt_app.web_app()` that dispatches misread form bodies posted to `path`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        raw = await request.text()  # aiohttp keeps the body, so Bolt's handler can read it again
        fields = misread_form(raw, request.content_type)
        if fields is None:
            return await handler(request)
        bolt_request = AsyncBoltRequest(body=raw, query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
        bolt_request.body = fields
        bolt_request.context = build_async_context(AsyncBoltContext({}), fields)
        return await to_aiohttp_response(await bolt_app.async_dispatch(bolt_request))

    return middleware
