"""`deploy/.env.example` as shipped, plus tokens, serves `/paper help` on Slack: HTTP mode and
Socket Mode, each as a real `python -m bot run` process against the loopback Slack double.

The example's empty lines (`SLACK_CLIENT_ID=`, `SLACK_CLIENT_SECRET=`, …) reach the process the
way compose's `env_file` and systemd's `EnvironmentFile` pass them: set, but empty. slack-bolt
read those itself and switched to its file-based OAuth store, so every command answered
"installation no longer available" while /readyz said ready.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from tests.deploy.deploy_support import ENV_EXAMPLE, example_env, free_port, start_paperbot_run
from tests.handlers.slack.fake_slack import FAKE_APP_TOKEN, FAKE_TOKEN, FakeSlack
from tests.handlers.slack.test_app import CHANNEL, MEMBER, SECRET, TEAM, command_body, signed
from tests.waiting import until

HELP_LINE = "/paper subscribe TOPICS"
START_SECONDS = 30.0
STOP_SECONDS = 20.0


def run_environment(slack: FakeSlack, tmp_path: Path, port: int, **tokens: str) -> dict[str, str]:
    """The shipped file, plus tokens, plus what a test must point elsewhere: the Slack double, a
    temporary SQLite database, a free port, and an empty report folder (`hf-api` would reach
    huggingface.co; tests never leave 127.0.0.1)."""
    reports = tmp_path / "reports"
    reports.mkdir(exist_ok=True)
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "DISCORD_", "PAPERBOT_", "HF_"))
    }
    return {
        **inherited,
        **example_env(),  # every KEY=VALUE line, empty ones kept, as compose and systemd pass them
        **tokens,
        "SLACK_API_URL": slack.base_url,
        "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shipped.db'}",
        "PAPERBOT_HTTP_PORT": str(port),
        "PAPERBOT_REPORT_SOURCE": str(reports),
    }


async def start(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    # The example also sits in the working directory as `.env`, as an operator copies it.
    shutil.copyfile(ENV_EXAMPLE, cwd / ".env")
    return await start_paperbot_run(env, cwd)


async def stop(process: asyncio.subprocess.Process) -> str:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=STOP_SECONDS)
    return stderr.decode()


async def wait_for(
    process: asyncio.subprocess.Process, condition: Callable[[], Awaitable[bool]], within: float
) -> None:
    """Poll `condition` until it holds; fail at once, with the bot's stderr, if the bot exits."""
    deadline = asyncio.get_running_loop().time() + within
    while not await condition():
        if process.returncode is not None:
            raise AssertionError(f"paperbot exited with {process.returncode}: {await stop(process)}")
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {within} s")
        await asyncio.sleep(0.05)


def warnings(stderr: str) -> list[str]:
    """The log lines at WARNING or above (JSON lines: stderr is no terminal). A healthy start logs
    none: operators alert on them. But the notice that the day's report is late: the process runs
    on the real clock with an empty report folder, and on a weekday past the shipped deadline
    (12:00 UTC) that report is late, which it rightly says (CI ran at 12:15 UTC on a Monday)."""
    found = []
    for line in stderr.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            found.append(line)  # not a log line: a traceback, a print
            continue
        if record.get("notice") == "report_late":
            continue
        if record.get("level") not in ("DEBUG", "INFO"):
            found.append(line)
    return found


async def readyz(http: aiohttp.ClientSession, port: int) -> tuple[int, dict[str, object]]:
    try:
        async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
            return response.status, await response.json()
    except aiohttp.ClientConnectionError:
        return 0, {}


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(users=[MEMBER]) as fake:  # the member who types /paper: Slack knows them
        yield fake


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_the_shipped_example_serves_paper_help_over_http(slack: FakeSlack, tmp_path: Path) -> None:
    port = free_port()
    env = run_environment(slack, tmp_path, port, SLACK_BOT_TOKEN=FAKE_TOKEN, SLACK_SIGNING_SECRET=SECRET)
    assert env["SLACK_CLIENT_ID"] == ""
    assert env["SLACK_CLIENT_SECRET"] == ""
    process = await start(env, tmp_path)
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                return (await readyz(http, port))[0] == 200

            await wait_for(process, ready, START_SECONDS)
            assert (await readyz(http, port))[1]["checks"] == {"database": "ok", "slack": "ok"}
            body = command_body(slack, "help")
            async with http.post(
                f"http://127.0.0.1:{port}/slack/events", data=body, headers=signed(body)
            ) as response:
                assert response.status == 200
            await until(lambda: len(slack.responses) == 1, within=10)
    finally:
        stderr = await stop(process)
    assert process.returncode == 0, stderr
    assert warnings(stderr) == []
    reply = slack.responses[0]
    assert HELP_LINE in reply["blocks"][0]["text"]["text"], reply
    assert reply["response_type"] == "ephemeral"
    assert slack.calls_to("auth.test")  # the token was checked before serving
    assert not (tmp_path / "data").exists()  # Bolt's file-based installation store never appeared


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_the_shipped_example_serves_paper_help_over_socket_mode(
    slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = run_environment(slack, tmp_path, port, SLACK_BOT_TOKEN=FAKE_TOKEN, SLACK_APP_TOKEN=FAKE_APP_TOKEN)
    assert env["SLACK_SIGNING_SECRET"] == ""  # Socket Mode needs no signing secret
    process = await start(env, tmp_path)
    try:
        async with aiohttp.ClientSession() as http:

            async def connected() -> bool:
                return slack.socket_connected and (await readyz(http, port))[0] == 200

            await wait_for(process, connected, START_SECONDS)
            payload = {
                "token": "verification-token-unused",
                "team_id": TEAM,
                "team_domain": "fake",
                "channel_id": CHANNEL,
                "channel_name": "video",
                "user_id": "U0MEMBER",
                "user_name": "member",
                "command": "/paper",
                "text": "help",
                "api_app_id": "A0PAPERBOT",
                "is_enterprise_install": "false",
                "response_url": slack.response_url(),
                "trigger_id": "1.2.3",
            }
            envelope = await slack.send_envelope("slash_commands", payload)

            async def acknowledged() -> bool:
                return slack.ack_for(envelope) is not None

            await wait_for(process, acknowledged, 10)
            await until(lambda: len(slack.responses) == 1, within=10)
    finally:
        stderr = await stop(process)
    assert process.returncode == 0, stderr
    # Neither Bolt's "`token` will be unused" (paperbot gives it a client carrying the token) nor
    # "Socket Mode: connected", which is a success.
    assert warnings(stderr) == []
    assert any(json.loads(line)["msg"] == "Slack Socket Mode: connected" for line in stderr.splitlines())
    assert slack.ack_for(envelope) == {"envelope_id": envelope}  # acked at once, answered after
    assert HELP_LINE in slack.responses[0]["blocks"][0]["text"]["text"]
    opened = slack.calls_to("apps.connections.open")
    assert len(opened) == 1
    assert opened[0].headers["Authorization"] == f"Bearer {FAKE_APP_TOKEN}"


@pytest.mark.parametrize(
    ("tokens", "variable"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1-refused", "SLACK_SIGNING_SECRET": SECRET}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": FAKE_TOKEN, "SLACK_APP_TOKEN": "xapp-1-A0-1-refused"}, "SLACK_APP_TOKEN"),
    ],
)
@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_a_refused_token_is_one_line_naming_it_and_exit_status_2(
    tokens: dict[str, str], variable: str, slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    process = await start(run_environment(slack, tmp_path, port, **tokens), tmp_path)
    _, err = await asyncio.wait_for(process.communicate(), timeout=START_SECONDS)
    stderr = err.decode()
    assert process.returncode == 2, stderr
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("paperbot: error:")]
    assert errors == [stderr.strip().splitlines()[-1]]
    assert errors[0].startswith(f"paperbot: error: Slack refused {variable} (invalid_auth)")
    assert tokens[variable] not in stderr  # the secret itself is never printed
    assert slack.socket_frames == []  # nothing was served
