"""Whose requests this Slack edge serves, and whether Slack accepts its credentials.

Single-token mode serves exactly one workspace: the bot token's, as `auth.test` names it at
start-up. A signed request carrying any other workspace (another install of the same app that
points at this URL, or a Slack Connect guest's own workspace) is refused before any listener or
token sees it: a slash command is told why in both languages, anything else is acknowledged and
dropped, and nothing is stored. In OAuth mode Bolt's authorisation already picks each request's
token from its own workspace's installation, and refuses a workspace without one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.errors import BadInputError, PlatformUnavailable
from bot.i18n import t
from handlers.slack.publisher import slack_error_code

log = logging.getLogger("paperbot.slack")

# auth.test / apps.connections.open errors that mean "this credential will never work": the
# operator must change the variable; anything else (network, 5xx) is an outage, not bad input.
REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "invalid_token",
    }
)
# A start-up check must not hang `paperbot run`: make_client's own retries stay well inside it.
VERIFY_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Workspace:
    """The workspace (or Enterprise Grid organisation, for an org-wide install) a token serves."""

    team_id: str | None
    enterprise_id: str | None = None
    org_wide: bool = False

    def serves(self, team_id: str | None, enterprise_id: str | None) -> bool:
        if team_id is None and enterprise_id is None:
            return True  # Slack's own requests (url_verification, ssl_check) name no workspace
        if self.org_wide:
            return enterprise_id is not None and enterprise_id == self.enterprise_id
        return team_id == self.team_id


async def verify_bot_token(client: AsyncWebClient, variable: str = "SLACK_BOT_TOKEN") -> Workspace:
    """`auth.test` with the bot token: the workspace it serves, or one clear error naming the
    variable (BadInputError when Slack refuses the token, PlatformUnavailable when Slack is unreachable)."""
    answer = await start_up_call(client.auth_test(), variable)
    return Workspace(
        team_id=answer.get("team_id") or None,
        enterprise_id=answer.get("enterprise_id") or None,
        org_wide=bool(answer.get("is_enterprise_install")),
    )


async def verify_api(client: AsyncWebClient) -> None:
    """OAuth mode has no token to test at start-up: check that SLACK_API_URL answers (`api.test`)."""
    await start_up_call(client.api_test(), "SLACK_API_URL")


async def start_up_call(call: Awaitable[AsyncSlackResponse], variable: str) -> AsyncSlackResponse:
    """A Web API call that checks a credential at start-up: its answer, or one error line naming
    `variable` (BadInputError when Slack refuses it, PlatformUnavailable when Slack cannot be reached)."""
    try:
        async with asyncio.timeout(VERIFY_TIMEOUT_SECONDS):
            return await call
    except SlackApiError as exc:
        error = slack_error_code(exc)
        if error in REFUSED:
            raise BadInputError(
                f"Slack refused {variable} ({error}): set a valid one for this app, or leave {variable} empty"
            ) from None
        # Not "did not accept": a 503 says nothing about the credential, and an operator told so
        # would go and change a token that is fine.
        raise PlatformUnavailable(
            f"Slack answered {error} while checking {variable} (an outage, not a refused credential)"
        ) from None
    except TimeoutError:
        raise PlatformUnavailable(
            f"Slack did not answer within {VERIFY_TIMEOUT_SECONDS:g} s while checking {variable} "
            "(check SLACK_API_URL and the network)"
        ) from None
    except (SlackClientError, aiohttp.ClientError, OSError) as exc:
        raise PlatformUnavailable(
            f"cannot reach Slack to check {variable}: {exc or type(exc).__name__} "
            "(check SLACK_API_URL and the network)"
        ) from None


def both_languages(key: str) -> str:
    """A message for a reader whose language Slack will not tell us: English, then Chinese."""
    return t(key, "en") + "\n" + t(key, "zh")


Middleware = Callable[..., Awaitable[BoltResponse | None]]


@dataclass(slots=True)
class Home:
    """The workspace this edge serves, once `auth.test` has said which: None while Slack could
    not be reached since start-up (`paperbot run` serves the other platforms and tries again)."""

    workspace: Workspace | None = None


def workspace_guard(home: Home) -> Middleware:
    """A Bolt middleware (run before authorisation) that refuses every other workspace's request,
    and every request while the home workspace is not known yet."""

    async def only_home(
        context: AsyncBoltContext, body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        workspace = home.workspace
        if workspace is None and (context.team_id or context.enterprise_id):
            return _not_yet(body)
        if workspace is None or workspace.serves(context.team_id, context.enterprise_id):
            await next()  # the home workspace's, or Slack's own (url_verification, ssl_check)
            return None
        log.warning(
            "Slack: refused a request for workspace %s (this bot token serves %s)",
            context.team_id or context.enterprise_id,
            workspace.team_id or workspace.enterprise_id,
        )
        if body.get("command"):
            # The caller's language is unknown (users.info in their workspace needs their token).
            return _ephemeral(both_languages("slack.other_workspace"))
        return BoltResponse(status=200, body="")  # acknowledged, so Slack does not retry it

    return only_home


def _not_yet(body: dict[str, Any]) -> BoltResponse:
    """A request before Slack's Web API has answered us: whose workspace it may serve is unknown,
    and nothing could be looked up or posted for it anyway."""
    if body.get("command"):
        # A slash command is not retried by Slack: tell the member, in both languages.
        return _ephemeral(both_languages("slack.not_ready"))
    # Events are retried by Slack (after 1 and 5 minutes): 503 so it does, rather than lose them.
    return BoltResponse(status=503, body="", headers={"Retry-After": "60"})


def _ephemeral(text: str) -> BoltResponse:
    reply = json.dumps({"response_type": "ephemeral", "text": text}, ensure_ascii=False)
    return BoltResponse(status=200, body=reply, headers={"content-type": "application/json;charset=utf-8"})
