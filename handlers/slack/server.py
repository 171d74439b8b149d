"""Serving the Slack edge: HTTP mode's routes, or a Socket Mode connection.

HTTP mode adds `POST /slack/events` (commands, actions and events; Bolt verifies every
request's signature and answers 401 to a forged or stale one; a malformed request is answered
400 or 401 with one log line, never 500) and, with OAuth, the install routes to the one aiohttp
application that also serves /healthz, /readyz and /metrics (handlers/ops.py) on
PAPERBOT_HTTP_PORT.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from handlers.ops import Readiness
from handlers.slack.tenancy import start_up_call

log = logging.getLogger("paperbot.slack")

EVENTS_PATH = "/slack/events"
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: int() also takes "١٢٣", and str.isdigit() "²"


def add_slack_routes(application: web.Application, bolt: AsyncApp) -> None:
    """HTTP mode's routes, added to the process's one aiohttp application before it starts."""

    async def events(request: web.Request) -> web.Response:
        # Bolt answers 500 with a traceback to a timestamp that is not a number and to a body
        # whose payload is not a JSON object (it parses before it verifies, and reads fields
        # of whatever it parsed): those are the sender's mistakes, so 401 and 400, one line each.
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        if timestamp is not None and not _DIGITS.fullmatch(timestamp.strip()):
            return _refuse(401, "X-Slack-Request-Timestamp is not a number")
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, LookupError, TypeError, AttributeError, KeyError) as exc:
            return _refuse(400, f"the body is not a Slack payload ({type(exc).__name__})")
        if not isinstance(bolt_request.body, dict):
            return _refuse(400, "the body is not a Slack payload (not a JSON object)")
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    application.router.add_post(EVENTS_PATH, events)
    flow = bolt.oauth_flow
    if flow is not None:
        # Multi-workspace installs: the "Add to Slack" page and Slack's redirect back.

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

        async def redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

        application.router.add_get(flow.install_path, install)
        application.router.add_get(flow.redirect_uri_path, redirect)


def _refuse(status: int, reason: str) -> web.Response:
    log.warning("Slack events: refused a request with HTTP %d: %s", status, reason)
    return web.json_response({"error": reason}, status=status)


def http_app(bolt: AsyncApp) -> web.Application:
    """An application with only the Slack routes (tests and benchmarks serve it on its own)."""
    application = web.Application()
    add_slack_routes(application, bolt)
    return application


async def open_socket_url(client: AsyncWebClient, app_token: str) -> str:
    """The first `apps.connections.open` is ours, not the Socket Mode client's: the client retries
    a refused token forever, one traceback every few seconds, where a refused SLACK_APP_TOKEN
    must be one clear error (BadInputError, exit status 2) before anything serves."""
    opened = await start_up_call(client.apps_connections_open(app_token=app_token), "SLACK_APP_TOKEN")
    return str(opened["url"])


async def serve_socket(
    bolt: AsyncApp, app_token: str, stop: asyncio.Event, readiness: Readiness, *, url: str | None = None
) -> None:
    """Serve Socket Mode (no public URL needed) until `stop` is set; /readyz asks the
    connection whether it is up. `url`: one open_socket_url gave just now (else it is asked for)."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, app_token)
    websocket = handler.client  # the Socket Mode connection (not a Web API client)

    async def connected() -> bool:
        return bool(await websocket.is_connected())

    readiness.platforms["slack"] = connected
    tasks: list[asyncio.Future[Any]] = []
    try:
        websocket.wss_uri = url or await open_socket_url(bolt.client, app_token)
        # connect() retries an unreachable WebSocket until it succeeds: let `stop` interrupt it.
        connecting = asyncio.ensure_future(handler.connect_async())  # type: ignore[no-untyped-call]
        stopping = asyncio.ensure_future(stop.wait())
        tasks += [connecting, stopping]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if connecting.done():
            connecting.result()
            log.info("Slack Socket Mode: connected")  # a success: INFO (operators alert on WARNING)
        await stopping
    finally:
        for task in tasks:
            task.cancel()
        await handler.close_async()  # type: ignore[no-untyped-call]
