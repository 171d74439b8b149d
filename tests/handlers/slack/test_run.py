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


async def start_run(slack: FakeSlack, cwd: Path, database_url: str, port: int) -> asyncio.subprocess.Process:
    """`python -m bot run` in HTTP mode against the Slack double, with nobody's real settings."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "PAPERBOT_"))},
        "PAPERBOT_DATABASE_URL": database_url,
        "PAPERBOT_HTTP_PORT": str(port),
        "SLACK_BOT_TOKEN": FAKE_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


async def test_run_serves_slack_in_http_mode_and_stops_cleanly_on_sigterm(
    slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    process = await start_run(slack, tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'run.db'}", port)
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


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({"SLACK_BOT_TOKEN": FAKE_TOKEN, "SLACK_APP_TOKEN": "xapp-1-A1-2-abcdef"}, "socket"),
        ({"SLACK_BOT_TOKEN": FAKE_TOKEN, "SLACK_SIGNING_SECRET": SECRET}, "http"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c" * 32, "SLACK_SIGNING_SECRET": SECRET}, "http"),
    ],
)
async def test_run_picks_socket_or_http_mode_from_the_configuration(
    env: dict[str, str], mode: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import handlers.slack.run as run_module
    from bot.app import App
    from bot.config import Settings

    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    served: list[tuple[str, object]] = []

    async def fake_socket(bolt: object, token: str, stop: asyncio.Event) -> None:
        served.append(("socket", token))

    async def fake_http(bolt: object, port: int, stop: asyncio.Event) -> None:
        served.append(("http", getattr(bolt, "oauth_flow", None) is not None))

    monkeypatch.setattr(run_module, "serve_socket", fake_socket)
    monkeypatch.setattr(run_module, "serve_http", fake_http)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'mode.db'}")
    async with App.start(settings=settings) as app:
        assert await run_module.run_slack(app, asyncio.Event()) == 0
    assert served[0][0] == mode
    if mode == "socket":
        assert served[0][1] == "xapp-1-A1-2-abcdef"
    else:
        assert served[0][1] is ("SLACK_CLIENT_ID" in env)  # OAuth routes only with an install config


async def test_run_delivers_a_due_digest_to_slack_on_schedule(slack: FakeSlack, tmp_path: Path) -> None:
    """The whole product, as an operator runs it: a subscribed channel whose time has passed gets
    today's digest from `paperbot run`'s scheduler — once, with the delivery named in metadata."""
    import datetime as dt

    from bot.config import SAMPLE_REPORT
    from bot.models import ChannelRef, Interests, Subscription
    from bot.reports.sources.local import LocalSource
    from bot.store.archive import Archive
    from bot.store.database import create_engine
    from bot.store.migrate import migrate
    from bot.store.subscriptions import SubscriptionStore

    url = f"sqlite+aiosqlite:///{tmp_path / 'scheduled.db'}"
    engine = create_engine(url)
    await migrate(engine)
    await Archive(engine).ingest(await LocalSource(SAMPLE_REPORT).read())
    channel = ChannelRef("slack", "T0FAKE", "C0SCHEDULED")
    await SubscriptionStore(engine).save(
        Subscription(channel, Interests(("video-generation", "reinforcement-learning")), time=dt.time(0, 0))
    )
    await engine.dispose()
    # The report was archived just now, after the channel's 00:00: due at once (a late report).
    process = await start_run(slack, tmp_path, url, free_port())
    try:
        await until(lambda: len(slack.messages_in("C0SCHEDULED")) >= 1, within=30)
        await asyncio.sleep(0.5)  # let the pass finish recording before stopping
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, stderr.decode()
    messages = slack.messages_in("C0SCHEDULED")
    parts = [m["metadata"]["event_payload"]["part"] for m in messages]
    assert sorted(parts) == list(range(len(parts)))  # each part once
    assert all(m["metadata"]["event_type"] == "paperbot_digest" for m in messages)
