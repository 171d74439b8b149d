"""`paperbot run` with Slack credentials: build the edge from the App (HTTP or Socket Mode)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web

from bot.app import App
from bot.config import Settings
from handlers.ops import Readiness
from handlers.slack.app import SlackEdge, build_app
from handlers.slack.oauth import oauth_settings
from handlers.slack.publisher import make_client
from handlers.slack.server import add_slack_routes, serve_socket


def bolt_options(app: App) -> dict[str, Any]:
    """AsyncApp arguments for the configured mode: one bot token, or per-workspace installs."""
    settings: Settings = app.settings
    secret = settings.slack_signing_secret
    options: dict[str, Any] = {
        "signing_secret": secret.get_secret_value() if secret else None,
        # Socket Mode requests arrive over an authenticated WebSocket and carry no signature.
        "request_verification_enabled": settings.slack_mode == "http",
    }
    if settings.slack_client_id and settings.slack_client_secret:
        # Multi-workspace: each request is authorised with its workspace's installed token;
        # the app's client only lends its base URL and retry handlers to those per-request clients.
        options["oauth_settings"] = oauth_settings(
            app.engine, settings.slack_client_id, settings.slack_client_secret.get_secret_value()
        )
        options["client"] = make_client("", settings.slack_api_url)
    else:
        assert settings.slack_bot_token is not None
        # The client carries the token (Bolt takes it from there).
        options["client"] = make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    return options


def start_slack(
    app: App, web_app: web.Application, readiness: Readiness
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    """Build the Slack edge for `paperbot run`. HTTP mode adds its routes to `web_app` now,
    before the server starts, and is ready as soon as it serves; Socket Mode connects when the
    returned coroutine function runs, until its stop event is set."""
    settings = app.settings
    edge = SlackEdge(
        archive=app.archive,
        store=app.subscriptions,
        taxonomy=app.taxonomy,
        default_tz=settings.timezone,
        managers=settings.slack_managers,
    )
    bolt = build_app(edge, **bolt_options(app))
    if settings.slack_mode == "socket" and settings.slack_app_token is not None:
        token = settings.slack_app_token.get_secret_value()
        return lambda stop: serve_socket(bolt, token, stop, readiness)
    add_slack_routes(web_app, bolt)

    async def serving() -> bool:
        return True  # Slack reaches us over the HTTP server, which answers if we are here

    readiness.platforms["slack"] = serving
    return _until_stopped


async def _until_stopped(stop: asyncio.Event) -> None:
    await stop.wait()
