"""`paperbot run` with Slack credentials: build the edge from the App (HTTP or Socket Mode)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.errors import PlatformUnavailable
from bot.runtime.composition import App
from bot.runtime.config import Settings, drop_empty_environment
from handlers.ops import Readiness
from handlers.runtime import try_again
from handlers.slack.app import SlackEdge, build_app
from handlers.slack.oauth import oauth_settings
from handlers.slack.publisher import make_client
from handlers.slack.server import add_slack_routes, open_socket_url, serve_socket
from handlers.slack.tenancy import Home, both_languages, verify_api, verify_bot_token, workspace_guard

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
    """Build the Slack edge for `paperbot run`, asking Slack first whether it accepts the
    credentials.

    Single-token mode asks `auth.test` which workspace the bot token serves and refuses every
    other workspace's requests; OAuth mode checks that SLACK_API_URL answers (`api.test`); Socket
    Mode then opens its connection URL. A credential Slack refuses is one BadInputError naming
    the variable, raised here (exit 2). Slack not answering (no answer, a 5xx) is an outage: the
    returned edge tries again with backoff while the other platforms are served. HTTP mode adds
    its routes to `web_app` now either way (they must exist before the server starts); until
    Slack has answered, a command is told to try again later and an event is answered 503, which
    Slack retries. Socket Mode connects when the returned coroutine function runs, until its
    stop event is set. /readyz says "not connected" until a Slack call has succeeded."""
    settings = app.settings
    # Bolt reads SLACK_* from the process environment when it is built; Settings may have come
    # from elsewhere than load_settings (which already did this), so once more right here.
    drop_empty_environment()
    healthy = PlatformCheck()
    readiness.platforms["slack"] = healthy
    options = bolt_options(app)
    oauth = "oauth_settings" in options
    home = Home()
    if not oauth:
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
    app_token = settings.slack_app_token if settings.slack_mode == "socket" else None

    async def reach() -> str:
        """Slack's answer: the Socket Mode URL to connect to ("" in HTTP mode, served already)."""
        if oauth:
            await verify_api(options["client"])
        else:
            home.workspace = await verify_bot_token(options["client"])
            log.info(
                "Slack: the bot token serves workspace %s",
                home.workspace.team_id or home.workspace.enterprise_id,
            )
        if app_token is not None:
            # A refused SLACK_APP_TOKEN stops here (the Socket Mode client would retry it forever).
            return await open_socket_url(bolt.client, app_token.get_secret_value())
        healthy.ok = True  # Slack reaches us over the HTTP server; its Web API answered us
        return ""

    outage: PlatformUnavailable | None = None
    url = ""
    try:
        url = await reach()  # a refused credential: misconfigured, fail fast
    except PlatformUnavailable as exc:
        outage = exc
    if app_token is None:
        add_slack_routes(web_app, bolt)

    async def serve(stop: asyncio.Event) -> None:
        nonlocal url
        if outage is not None:
            # Never reached yet: a credential refused once Slack answers is still misconfigured
            # (BadInputError ends `run`, exit 2), as it would have been at start-up.
            reached = await try_again(reach, stop, outage, _said_unavailable)
            if reached is None:
                return  # stopped while Slack was still down
            log.info("Slack: reachable again")
            url = reached
        if app_token is not None:
            await serve_socket(bolt, app_token.get_secret_value(), stop, readiness, url=url)
        else:
            await stop.wait()

    return serve


def _said_unavailable(failure: Exception, delay: float) -> None:
    log.warning(
        "Slack unavailable: %s; trying again in %.0f s (the other platforms keep serving)", failure, delay
    )


@dataclass
class PlatformCheck:
    """/readyz's answer for a platform: ok once one of its calls has succeeded."""

    ok: bool = False

    async def __call__(self) -> bool:
        return self.ok
