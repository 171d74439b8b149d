"""`paperbot run` with Slack credentials, as an operator starts it: a real process in HTTP mode."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.handlers.slack.fake_slack import FAKE_TOKEN, FakeSlack
from tests.handlers.slack.test_app import SECRET, command_body, signed, until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


async def test_run_serves_slack_in_http_mode_and_stops_cleanly_on_sigterm(
    slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "PAPERBOT_"))},
        "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "PAPERBOT_HTTP_PORT": str(port),
        "SLACK_BOT_TOKEN": FAKE_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{port}"

            async def ready() -> bool:
                try:
                    async with http.get(f"{base}/healthz") as response:
                        return response.status == 200
                except aiohttp.ClientConnectionError:
                    return False

            for _ in range(200):  # the process imports, migrates, then listens
                if await ready():
                    break
                assert process.returncode is None, (await process.communicate())[1].decode()
                await asyncio.sleep(0.05)
            body = command_body(slack, "help")
            async with http.post(f"{base}/slack/events", data=body, headers=signed(body)) as response:
                assert response.status == 200
            await until(lambda: len(slack.responses) == 1, within=10)
            assert "/paper subscribe TOPICS" in slack.responses[0]["blocks"][0]["text"]["text"]
            async with http.post(
                f"{base}/slack/events", data=body, headers=signed(body, secret="0" * 32)
            ) as forged:
                assert forged.status == 401
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, stderr.decode()
