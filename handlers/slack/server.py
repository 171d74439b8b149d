"""Running the Slack edge: Socket Mode when an app-level token is set, else HTTP mode.

HTTP mode serves `POST /slack/events` (commands, actions and events; Bolt verifies every
request's signature and answers 401 to a forged or stale one) on PAPERBOT_HTTP_PORT, beside
`/healthz`, from one aiohttp server that the operations work extends.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

log = logging.getLogger("paperbot.slack")

EVENTS_PATH = "/slack/events"


def http_app(bolt: AsyncApp) -> web.Application:
    """The aiohttp application of HTTP mode."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    application = web.Application()
    application.router.add_post(EVENTS_PATH, events)
    application.router.add_get("/healthz", healthz)
    flow = bolt.oauth_flow
    if flow is not None:
        # Multi-workspace installs: the "Add to Slack" page and Slack's redirect back.

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

        async def redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

        application.router.add_get(flow.install_path, install)
        application.router.add_get(flow.redirect_uri_path, redirect)
    return application


async def serve_http(bolt: AsyncApp, port: int, stop: asyncio.Event, *, host: str = "0.0.0.0") -> None:
    """Serve HTTP mode until `stop` is set."""
    runner = web.AppRunner(http_app(bolt))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.warning("Slack HTTP mode: listening on %s:%d%s", host, port, EVENTS_PATH)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def serve_socket(bolt: AsyncApp, app_token: str, stop: asyncio.Event) -> None:
    """Serve Socket Mode (no public URL needed) until `stop` is set."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.warning("Slack Socket Mode: connected")
    try:
        await stop.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
