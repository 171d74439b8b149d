"""Serving the Slack edge: HTTP mode's routes, or a Socket Mode connection.

HTTP mode adds `POST /slack/events` (commands, actions and events; Bolt verifies every
request's signature and answers 401 to a forged or stale one) and, with OAuth, the install
routes to the one aiohttp application that also serves /healthz, /readyz and /metrics
(handlers/ops.py) on PAPERBOT_HTTP_PORT.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from handlers.ops import Readiness

log = logging.getLogger("paperbot.slack")

EVENTS_PATH = "/slack/events"


def add_slack_routes(application: web.Application, bolt: AsyncApp) -> None:
    """HTTP mode's routes, added to the process's one aiohttp application before it starts."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

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


def http_app(bolt: AsyncApp) -> web.Application:
    """An application with only the Slack routes (tests and benchmarks serve it on its own)."""
    application = web.Application()
    add_slack_routes(application, bolt)
    return application


async def serve_socket(bolt: AsyncApp, app_token: str, stop: asyncio.Event, readiness: Readiness) -> None:
    """Serve Socket Mode (no public URL needed) until `stop` is set; /readyz asks the
    connection whether it is up."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.warning("Slack Socket Mode: connected")

    websocket = handler.client  # the Socket Mode connection (not a Web API client)

    async def connected() -> bool:
        return bool(await websocket.is_connected())

    readiness.platforms["slack"] = connected
    try:
        await stop.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
