"""`paperbot run` with Slack credentials: build the edge from the App, serve until SIGTERM."""

from __future__ import annotations

import asyncio
import signal

from bot.app import App
from handlers.slack.app import SlackEdge, build_app
from handlers.slack.publisher import make_client
from handlers.slack.server import serve_http, serve_socket


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT, so a container stop ends the bot cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def run_slack(app: App, stop: asyncio.Event | None = None) -> int:
    settings = app.settings
    assert settings.slack_bot_token is not None
    token = settings.slack_bot_token.get_secret_value()
    edge = SlackEdge(
        archive=app.archive,
        store=app.subscriptions,
        taxonomy=app.taxonomy,
        default_tz=settings.timezone,
        managers=settings.slack_managers,
    )
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    bolt = build_app(
        edge,
        token=token,
        client=make_client(token, settings.slack_api_url),
        signing_secret=signing_secret,
        # Socket Mode requests arrive over an authenticated WebSocket and carry no signature.
        request_verification_enabled=settings.slack_mode == "http",
    )
    stop = stop or stop_on_signals()
    if settings.slack_app_token is not None:
        await serve_socket(bolt, settings.slack_app_token.get_secret_value(), stop)
    else:
        await serve_http(bolt, settings.http_port, stop)
    return 0
