"""`paperbot run` with Slack credentials: build the edge from the App (HTTP or Socket Mode)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.runtime.composition import App
from bot.runtime.config import Settings, drop_empty_environment
from handlers.ops import Readiness
from handlers.slack.app import SlackEdge, build_app
from handlers.slack.oauth import oauth_settings
from handlers.slack.publisher import make_client
from handlers.slack.server import add_slack_routes, open_socket_url, serve_socket
from handlers.slack.tenancy import both_languages, verify_api, verify_bot_token, workspace_guard

log = logging.getLogger("paperbot.slack")


def bolt_options(app: App) -> dict[str, Any]:
    """AsyncApp arguments for the configured mode: one bot token, or per-workspace installs."""
    settings: Settings = app.settings
    secret = settings.slack_signing_secret
    options: dict[str, Any] = {
        # Never None: Bolt would read SLACK_SIGNING_SECRET from the environment instead.
        "signing_secret": secret.get_secret_value() if secret else "",
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
        # What a workspace without an installation is told (Bolt's own text is English only).
        options["user_facing_authorize_error_message"] = both_languages("slack.not_installed")
    else:
        assert settings.slack_bot_token is not None
        # The client carries the token (Bolt takes it from there).
        options["client"] = make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    return options


Edge = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


async def start_slack(app: App, web_app: web.Application, readiness: Readiness) -> Edge:
    """Build the Slack edge for `paperbot run`, once Slack has accepted its credentials.

    Single-token mode asks `auth.test` which workspace the bot token serves (a refused token is
    one BadInputError naming SLACK_BOT_TOKEN) and refuses every other workspace's requests; OAuth
    mode checks that SLACK_API_URL answers. HTTP mode then adds its routes to `web_app`, before
    the server starts; Socket Mode connects when the returned coroutine function runs, until its
    stop event is set. /readyz says "not connected" until a Slack call has succeeded."""
    settings = app.settings
    # Bolt reads SLACK_* from the process environment when it is built; Settings may have come
    # from elsewhere than load_settings (which already did this), so once more right here.
    drop_empty_environment()
    healthy = PlatformCheck()
    readiness.platforms["slack"] = healthy
    options = bolt_options(app)
    if "oauth_settings" in options:
        await verify_api(options["client"])
    else:
        home = await verify_bot_token(options["client"])
        log.info("Slack: the bot token serves workspace %s", home.team_id or home.enterprise_id)
        options["before_authorize"] = workspace_guard(home)
    edge = SlackEdge(
        archive=app.archive,
        store=app.subscriptions,
        taxonomy=app.taxonomy,
        default_tz=settings.timezone,
        managers=settings.slack_managers,
        vote_store=app.votes,
        notices=app.recorded_notices("slack-edge"),
    )
    bolt = build_app(edge, **options)
    if settings.slack_mode == "socket" and settings.slack_app_token is not None:
        token = settings.slack_app_token.get_secret_value()
        url = await open_socket_url(bolt.client, token)  # a refused SLACK_APP_TOKEN stops here
        return lambda stop: serve_socket(bolt, token, stop, readiness, url=url)
    add_slack_routes(web_app, bolt)
    healthy.ok = True  # Slack reaches us over the HTTP server; its Web API answered us above
    return _until_stopped


@dataclass
class PlatformCheck:
    """/readyz's answer for a platform: ok once one of its calls has succeeded."""

    ok: bool = False

    async def __call__(self) -> bool:
        return self.ok


async def _until_stopped(stop: asyncio.Event) -> None:
    await stop.wait()
