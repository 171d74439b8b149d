"""Whose requests the Slack edge serves, as `paperbot run` wires it: start-up checks the
credentials with Slack, single-token mode serves the token's workspace only, OAuth mode only
workspaces that installed the app; and /slack/events answers malformed requests 400/401."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import BadInputError
from bot.i18n import t
from bot.models import ChannelRef
from bot.runtime.composition import App
from bot.runtime.config import Settings, drop_empty_environment
from handlers.ops import Readiness, ops_app
from handlers.slack.blocks import DETAILS_ACTION
from handlers.slack.run import start_slack
from handlers.slack.server import EVENTS_PATH
from handlers.slack.tenancy import Workspace, both_languages
from tests.handlers.slack.fake_slack import FAKE_APP_TOKEN, FAKE_TOKEN, Failure, FakeSlack
from tests.handlers.slack.test_app import (
    CHANNEL,
    MEMBER,
    SECRET,
    TEAM,
    action_body,
    command_body,
    signed,
)
from tests.waiting import until

OTHER_TEAM = "T0OTHER"

pytestmark = pytest.mark.usefixtures("clean_environment")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(users=[MEMBER]) as fake:
        yield fake


@asynccontextmanager
async def serving(
    engine: AsyncEngine, slack: FakeSlack, **settings: Any
) -> AsyncIterator[tuple[TestClient[Any, Any], App]]:
    """The Slack edge exactly as `paperbot run` builds it (start_slack), on a test server."""
    values = {"slack_bot_token": FAKE_TOKEN, "slack_signing_secret": SECRET, **settings}
    app = App(Settings(slack_api_url=slack.base_url, **values), engine)
    readiness = Readiness(engine)
    web_app = ops_app(readiness)
    await start_slack(app, web_app, readiness)
    async with TestClient(TestServer(web_app)) as client:
        yield client, app


async def _subscribed(app: App, channel: ChannelRef) -> bool:
    return await app.subscriptions.get(channel) is not None


def for_team(body: str, team: str) -> str:
    """`body` (a slash command's form, an action's form-encoded JSON payload, an event's JSON)
    sent from workspace `team` instead."""
    form = parse_qs(body, keep_blank_values=True)
    if set(form) == {"payload"}:  # an interaction: its JSON names the team, url-encoded
        return urlencode({"payload": for_team(form["payload"][0], team)})
    changed = body.replace(f"team_id={TEAM}", f"team_id={team}").replace(f'"{TEAM}"', f'"{team}"')
    assert changed != body, "the body names no team"
    return changed


async def test_single_token_mode_refuses_another_workspaces_command_and_changes_nothing(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    async with serving(engine, slack) as (client, app):
        body = for_team(command_body(slack, "subscribe RL"), OTHER_TEAM)
        assert f"team_id={OTHER_TEAM}" in body
        response = await client.post(EVENTS_PATH, data=body, headers=signed(body))
        assert response.status == 200
        answer = await response.json()
        assert answer["response_type"] == "ephemeral"
        # Both languages: the caller's cannot be asked of a workspace this token does not serve.
        assert t("slack.other_workspace", "en") in answer["text"]
        assert t("slack.other_workspace", "zh") in answer["text"]
        assert await app.subscriptions.get(ChannelRef("slack", OTHER_TEAM, CHANNEL)) is None
        assert await app.subscriptions.all() == []
        assert slack.responses == []
        assert slack.calls_to("users.info") == []
        # The token's own workspace is served as before. The command is answered at once and
        # carried out after (a listener), so the test waits for its effect.
        body = command_body(slack, "subscribe RL")
        assert (await client.post(EVENTS_PATH, data=body, headers=signed(body))).status == 200
        mine = ChannelRef("slack", TEAM, CHANNEL)
        await until(lambda: _subscribed(app, mine))


async def test_single_token_mode_drops_another_workspaces_actions_and_events(
    engine: AsyncEngine, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    async with serving(engine, slack) as (client, _app):
        action = for_team(action_body(slack, DETAILS_ACTION, "2611.01001"), OTHER_TEAM)
        event = json.dumps(
            {
                "type": "event_callback",
                "team_id": OTHER_TEAM,
                "api_app_id": "A1",
                "event": {"type": "app_home_opened", "user": MEMBER.id, "tab": "home"},
                "event_id": "Ev1",
                "event_time": 1_700_000_000,
            }
        )
        for body, content_type in ((action, None), (event, "application/json")):
            headers = signed(body)
            if content_type:
                headers["content-type"] = content_type
            response = await client.post(EVENTS_PATH, data=body, headers=headers)
            assert response.status == 200  # acknowledged: Slack must not retry it
            assert await response.text() == ""
    # Refused before any listener ran (a listener left running would outlive the test's database).
    refused = [r for r in caplog.records if r.getMessage().startswith("Slack: refused a request")]
    assert len(refused) == 2
    assert slack.calls_to("views.open") == []
    assert slack.calls_to("views.publish") == []
    assert slack.calls_to("users.info") == []


async def test_oauth_mode_changes_nothing_for_a_workspace_without_an_installation(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    async with serving(
        engine, slack, slack_bot_token=None, slack_client_id="1.2", slack_client_secret="c" * 32
    ) as (client, app):
        body = for_team(command_body(slack, "subscribe RL"), "T0NOWHERE")
        response = await client.post(EVENTS_PATH, data=body, headers=signed(body))
        assert response.status == 200
    assert await app.subscriptions.all() == []
    # Bolt tells the caller, in our words and both languages; no listener ran.
    assert [r["text"] for r in slack.responses] == [both_languages("slack.not_installed")]
    assert slack.calls_to("users.info") == []
    assert slack.calls_to("auth.test") == []  # no token was ever used for that workspace


async def test_slacks_own_requests_that_name_no_workspace_still_pass(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "unused"})
    async with serving(engine, slack) as (client, _app):
        response = await client.post(
            EVENTS_PATH, data=body, headers={**signed(body), "content-type": "application/json"}
        )
        assert response.status == 200
        assert (await response.json())["challenge"] == "c-123"


async def test_socket_mode_is_ready_once_connected_and_refuses_another_workspace(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    settings = Settings(
        slack_api_url=slack.base_url,
        slack_bot_token=SecretStr(FAKE_TOKEN),
        slack_app_token=SecretStr(FAKE_APP_TOKEN),
    )
    app = App(settings, engine)
    readiness = Readiness(engine)
    edge = await start_slack(app, ops_app(readiness), readiness)
    assert (await readiness.checks())["slack"] == "not connected"  # checked, not yet connected
    stop = asyncio.Event()
    serving_task = asyncio.create_task(edge(stop))
    try:
        for _ in range(500):
            if (await readiness.checks())["slack"] == "ok":
                break
            await asyncio.sleep(0.01)
        assert (await readiness.checks())["slack"] == "ok"
        payload = {
            "team_id": OTHER_TEAM,
            "channel_id": CHANNEL,
            "user_id": MEMBER.id,
            "command": "/paper",
            "text": "subscribe RL",
            "response_url": slack.response_url(),
            "trigger_id": "1.2.3",
        }
        envelope = await slack.send_envelope("slash_commands", payload)
        await until(lambda: slack.ack_for(envelope) is not None)
    finally:
        stop.set()
        await asyncio.wait_for(serving_task, timeout=10)
    # Refused in the acknowledgement itself, in both languages; nothing stored, nobody asked.
    assert slack.ack_for(envelope) == {
        "envelope_id": envelope,
        "payload": {"response_type": "ephemeral", "text": both_languages("slack.other_workspace")},
    }
    assert await app.subscriptions.all() == []
    assert slack.responses == []
    assert slack.calls_to("users.info") == []


def test_an_org_wide_install_serves_its_organisation_only() -> None:
    org = Workspace(team_id=None, enterprise_id="E1", org_wide=True)
    assert org.serves("T1", "E1")
    assert not org.serves("T1", "E2")
    assert not org.serves("T1", None)
    one = Workspace(team_id="T1", enterprise_id="E1")
    assert one.serves("T1", "E1")
    assert not one.serves("T2", "E1")
    assert one.serves(None, None)  # url_verification and ssl_check name no workspace
    assert org.serves(None, None)
    assert not one.serves(None, "E1")  # an org-level request to a workspace's token


@pytest.mark.parametrize(
    ("failure", "error", "variable_named"),
    [
        (Failure(error="invalid_auth"), BadInputError, "Slack refused SLACK_BOT_TOKEN (invalid_auth)"),
        (Failure(error="account_inactive"), BadInputError, "Slack refused SLACK_BOT_TOKEN"),
    ],
)
async def test_start_up_checks_the_bot_token_and_readyz_waits_for_slack(
    failure: Failure, error: type[Exception], variable_named: str, engine: AsyncEngine, slack: FakeSlack
) -> None:
    slack.fail("auth.test", failure)
    app = App(
        Settings(
            slack_api_url=slack.base_url,
            slack_bot_token=SecretStr(FAKE_TOKEN),
            slack_signing_secret=SecretStr(SECRET),
        ),
        engine,
    )
    readiness = Readiness(engine)
    web_app = ops_app(readiness)
    with pytest.raises(error) as raised:
        await start_slack(app, web_app, readiness)
    assert type(raised.value) is error
    assert str(raised.value).startswith(variable_named)
    assert FAKE_TOKEN not in str(raised.value)
    assert (await readiness.checks())["slack"] == "not connected"
    assert EVENTS_PATH not in {r.canonical for r in web_app.router.resources()}  # nothing served
    await start_slack(app, web_app, readiness)  # Slack accepts it now
    assert (await readiness.checks())["slack"] == "ok"


async def test_slack_down_at_start_up_is_ridden_out_and_its_requests_wait_for_it(
    engine: AsyncEngine, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """auth.test answering 503 at start-up ended `paperbot run` (exit 1), Discord with it. The
    routes are served at once; until Slack has said whose workspace the token serves, a command
    is told to try again later and an event is answered 503 (Slack retries it); then the edge
    serves as usual."""
    monkeypatch.setattr("handlers.runtime.RETRY_BASE", 0.01)  # the backoff's shape, not its pace
    slack.down = 503
    app = App(
        Settings(
            slack_api_url=slack.base_url,
            slack_bot_token=SecretStr(FAKE_TOKEN),
            slack_signing_secret=SecretStr(SECRET),
        ),
        engine,
    )
    readiness = Readiness(engine)
    web_app = ops_app(readiness)
    edge = await start_slack(app, web_app, readiness)  # no PlatformUnavailable: not misconfigured
    assert (await readiness.checks())["slack"] == "not connected"
    stop = asyncio.Event()
    async with TestClient(TestServer(web_app)) as client:
        body = command_body(slack, "subscribe RL")
        response = await client.post(EVENTS_PATH, data=body, headers=signed(body))
        assert response.status == 200
        assert await response.json() == {
            "response_type": "ephemeral",
            "text": both_languages("slack.not_ready"),
        }
        event = json.dumps(
            {
                "type": "event_callback",
                "team_id": TEAM,
                "api_app_id": "A1",
                "event": {"type": "app_home_opened", "user": MEMBER.id, "tab": "home"},
                "event_id": "Ev1",
                "event_time": 1_700_000_000,
            }
        )
        headers = {**signed(event), "content-type": "application/json"}
        assert (await client.post(EVENTS_PATH, data=event, headers=headers)).status == 503
        assert await app.subscriptions.all() == []

        serving_task = asyncio.create_task(edge(stop))
        try:
            slack.down = None
            await until(lambda: _ready(readiness), within=30)
            response = await client.post(EVENTS_PATH, data=body, headers=signed(body))
            assert response.status == 200
            await until(lambda: _subscribed(app, ChannelRef("slack", TEAM, CHANNEL)))
            other = for_team(body, OTHER_TEAM)  # the workspace guard is in place again
            refused = await client.post(EVENTS_PATH, data=other, headers=signed(other))
            assert (await refused.json())["text"] == both_languages("slack.other_workspace")
        finally:
            stop.set()
            await asyncio.wait_for(serving_task, timeout=10)


async def test_slack_down_until_stopped_ends_the_edge_quietly(
    engine: AsyncEngine, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.down = 503
    settings = Settings(
        slack_api_url=slack.base_url,
        slack_bot_token=SecretStr(FAKE_TOKEN),
        slack_app_token=SecretStr(FAKE_APP_TOKEN),
    )
    readiness = Readiness(engine)
    edge = await start_slack(App(settings, engine), ops_app(readiness), readiness)
    stop = asyncio.Event()
    stop.set()
    with caplog.at_level(logging.WARNING, "paperbot.slack"):
        await asyncio.wait_for(edge(stop), timeout=10)
    said = [r.getMessage() for r in caplog.records if "Slack unavailable" in r.getMessage()]
    assert said
    assert "(the other platforms keep serving)" in said[0]
    assert slack.calls_to("apps.connections.open") == []  # never got past auth.test


async def _ready(readiness: Readiness) -> bool:
    return (await readiness.checks())["slack"] == "ok"


def test_empty_variables_are_unset_for_libraries_that_read_the_environment() -> None:
    environ = {
        "SLACK_CLIENT_ID": "",
        "SLACK_CLIENT_SECRET": "",
        "SLACK_APP_TOKEN": " ",  # blank is not empty: Settings refuses it as a placeholder
        "SLACK_BOT_TOKEN": FAKE_TOKEN,
        "PAPERBOT_LOG_LEVEL": "",
        "HF_ENDPOINT": "",
        "HOME": "",
    }
    assert sorted(drop_empty_environment(environ)) == [
        "HF_ENDPOINT",
        "PAPERBOT_LOG_LEVEL",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ]
    # Only this program's families, and only empty values.
    assert environ == {"SLACK_BOT_TOKEN": FAKE_TOKEN, "SLACK_APP_TOKEN": " ", "HOME": ""}


# -- malformed requests at /slack/events -----------------------------------------------------------


def _form(payload: str) -> str:
    return urlencode({"payload": payload})


@pytest.mark.parametrize(
    ("body", "content_type", "signature", "status"),
    [
        pytest.param(
            "command=/paper&text=help", "application/x-www-form-urlencoded", "abc", 401, id="timestamp-abc"
        ),
        pytest.param('{"type": "event_callback", ', "application/json", "signed", 400, id="json-invalid"),
        pytest.param("[1, 2]", "application/json", "signed", 400, id="json-list"),
        pytest.param("null", "application/json", "signed", 400, id="json-null"),
        pytest.param('"text"', "application/json", "signed", 400, id="json-string"),
        pytest.param(
            _form("{not json"), "application/x-www-form-urlencoded", "signed", 400, id="payload-invalid"
        ),
        pytest.param(_form("[]"), "application/x-www-form-urlencoded", "signed", 400, id="payload-list"),
        pytest.param(_form("null"), "application/x-www-form-urlencoded", "signed", 400, id="payload-null"),
        pytest.param(
            b"payload=\xff\xfe".decode("latin-1"), "text/plain; charset=utf-8", "unsigned", 400, id="not-utf8"
        ),
    ],
)
async def test_a_malformed_request_is_answered_400_or_401_with_one_log_line(
    body: str,
    content_type: str,
    signature: str,
    status: int,
    engine: AsyncEngine,
    slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    raw = body.encode("latin-1") if "\xff" in body else body.encode()
    if signature == "signed":
        headers = signed(body)
    elif signature == "unsigned":
        headers = {}
    else:
        headers = {"x-slack-request-timestamp": signature, "x-slack-signature": "v0=" + "0" * 64}
    headers["content-type"] = content_type
    async with serving(engine, slack) as (client, app):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            response = await client.post(EVENTS_PATH, data=raw, headers=headers)
            assert response.status == status, await response.text()
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].levelno == logging.WARNING
    assert not lines[0].exc_info
    assert await app.subscriptions.all() == []


async def test_a_stale_but_well_formed_timestamp_is_still_bolts_401(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    body = command_body(slack, "subscribe RL")
    async with serving(engine, slack) as (client, app):
        response = await client.post(
            EVENTS_PATH, data=body, headers=signed(body, timestamp=int(time.time()) - 600)
        )
        assert response.status == 401
    assert await app.subscriptions.all() == []
