"""A lab on Slack and Discord, on the day one of them is down: the other is still served.

`paperbot deliver` and `paperbot run` as an operator starts them, real processes configured for
both platforms, against the loopback doubles; the one that is down answers 503 to everything
(its login, `GET /gateway/bot`, the gateway), as during an outage.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.models import ChannelRef, Interests, Subscription
from bot.reports.sources.local import LocalSource
from bot.runtime.config import SAMPLE_REPORT
from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.migrate import migrate
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from handlers.slack.tenancy import both_languages
from tests.deploy.deploy_support import free_port, start_paperbot_run
from tests.handlers.discord.fake_discord import FAKE_TOKEN as DISCORD_TOKEN
from tests.handlers.discord.fake_discord import IN_DM, FakeDiscord
from tests.handlers.slack.fake_slack import FAKE_APP_TOKEN as SLACK_APP_TOKEN
from tests.handlers.slack.fake_slack import FAKE_TOKEN as SLACK_TOKEN
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.test_app import SECRET, command_body, signed
from tests.waiting import until

SLACK_CHANNEL = ChannelRef("slack", "T0FAKE", "C0LABNEWS")
# The double's guild ids are too short to be planned; a reader's personal digest is a real one.
DISCORD_READER = IN_DM
UNAVAILABLE = 503


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def discord_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as double:
        yield double


async def lab_database(tmp_path: Path) -> str:
    """The sample report, and one subscription on each platform following it, due at once."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'lab.db'}"
    engine = create_engine(url)
    await migrate(engine)
    await Archive(engine).ingest(await LocalSource(SAMPLE_REPORT).read())
    for channel in (SLACK_CHANNEL, DISCORD_READER):
        await SubscriptionStore(engine).save(
            Subscription(channel, Interests(("video-generation", "reinforcement-learning")), time=dt.time(0))
        )
    await engine.dispose()
    return url


def both_platforms(url: str, slack: FakeSlack, discord_api: FakeDiscord) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "PAPERBOT_"))},
        "PAPERBOT_DATABASE_URL": url,
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_URL": discord_api.api_url,
    }


async def deliver(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "deliver", "--now", env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_deliver_posts_slack_while_discord_is_down_and_discord_once_it_is_back(
    slack: FakeSlack, discord_api: FakeDiscord, tmp_path: Path
) -> None:
    """Discord answering 503 ended `deliver` with "cannot reach Discord" before anything was
    posted: Slack's digests did not go out either."""
    url = await lab_database(tmp_path)
    env = both_platforms(url, slack, discord_api)
    discord_api.down = UNAVAILABLE
    status, stderr = await deliver(env, tmp_path)
    # The outage is no failure for good: exit 0, and one line says what waits and why.
    assert status == 0, stderr
    assert slack.messages_in(SLACK_CHANNEL.channel), stderr
    said = [line for line in stderr.splitlines() if "Discord unavailable" in line]
    assert len(said) == 1, stderr
    assert "503 Service Unavailable" in said[0], stderr
    assert "1 Discord digest left pending, none failed or lost" in said[0], stderr
    engine = create_engine(url)
    try:
        rows = {row.channel: row for row in await Outbox(engine).list()}
        assert rows[SLACK_CHANNEL].status == "posted"
        # Pending and never attempted: the outage used up none of its retries.
        assert (rows[DISCORD_READER].status, rows[DISCORD_READER].attempts) == ("pending", 0)

        discord_api.down = None
        slack_posts = len(slack.messages_in(SLACK_CHANNEL.channel))
        status, stderr = await deliver(env, tmp_path)
        assert status == 0, stderr
        assert discord_api.channel_posts.get(DISCORD_READER.channel), stderr
        assert len(slack.messages_in(SLACK_CHANNEL.channel)) == slack_posts  # not sent twice
        assert await Outbox(engine).counts() == {"posted": 2}
    finally:
        await engine.dispose()


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_deliver_posts_discord_while_slack_is_down_and_slack_once_it_is_back(
    slack: FakeSlack, discord_api: FakeDiscord, tmp_path: Path
) -> None:
    """Slack answering 503 was not checked when the pass opened: each Slack digest was tried,
    failed and used up one of its attempts, so an outage of half an hour made them `failed` for
    good. They now wait, unclaimed, as Discord's do during Discord's outage."""
    url = await lab_database(tmp_path)
    env = both_platforms(url, slack, discord_api)
    slack.down = UNAVAILABLE
    status, stderr = await deliver(env, tmp_path)
    assert status == 0, stderr
    assert discord_api.channel_posts.get(DISCORD_READER.channel), stderr
    said = [line for line in stderr.splitlines() if "Slack unavailable" in line]
    assert len(said) == 1, stderr
    assert "503" in said[0], stderr
    assert "1 Slack digest left pending, none failed or lost" in said[0], stderr
    # One reachability check, and no post tried (its retries included).
    assert {call.method for call in slack.calls} == {"auth.test"}, stderr
    engine = create_engine(url)
    try:
        rows = {row.channel: row for row in await Outbox(engine).list()}
        assert rows[DISCORD_READER].status == "posted"
        assert (rows[SLACK_CHANNEL].status, rows[SLACK_CHANNEL].attempts) == ("pending", 0)

        slack.down = None
        discord_posts = len(discord_api.channel_posts[DISCORD_READER.channel])
        status, stderr = await deliver(env, tmp_path)
        assert status == 0, stderr
        assert slack.messages_in(SLACK_CHANNEL.channel), stderr
        assert len(discord_api.channel_posts[DISCORD_READER.channel]) == discord_posts  # not twice
        assert await Outbox(engine).counts() == {"posted": 2}
    finally:
        await engine.dispose()


async def stopped(process: asyncio.subprocess.Process) -> str:
    """Stop `paperbot run` as an operator does (SIGTERM); its stderr."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=40)
    return stderr.decode()


async def outbox_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        return await Outbox(engine).counts()
    finally:
        await engine.dispose()


async def get(http: aiohttp.ClientSession, url: str) -> tuple[int, str] | None:
    try:
        async with http.get(url) as response:
            return response.status, await response.text()
    except aiohttp.ClientConnectionError:
        return None


async def readyz_is(http: aiohttp.ClientSession, base: str, expected: tuple[int, dict[str, str]]) -> bool:
    got = await get(http, f"{base}/readyz")
    return got is not None and (got[0], json.loads(got[1])["checks"]) == expected


async def ready_with_both(http: aiohttp.ClientSession, base: str) -> bool:
    got = await get(http, f"{base}/readyz")
    return got is not None and json.loads(got[1])["checks"] == {
        "database": "ok",
        "discord": "ok",
        "slack": "ok",
    }


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_run_serves_slack_while_discord_is_down_and_connects_discord_once_it_is_back(
    slack: FakeSlack, discord_api: FakeDiscord, tmp_path: Path
) -> None:
    """Discord answering 503 ended `paperbot run` ("one edge failing stops the others"): under a
    restart policy Slack went down and up again for as long as Discord was down, its `/paper`
    commands failed and its digests did not go out."""
    url = await lab_database(tmp_path)
    port = free_port()
    env = {**both_platforms(url, slack, discord_api), "PAPERBOT_HTTP_PORT": str(port)}
    discord_api.down = UNAVAILABLE
    process = await start_paperbot_run(env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def answered(path: str) -> tuple[int, str]:
                for _ in range(1200):  # the process imports, migrates, then listens
                    got = await get(http, base + path)
                    if got is not None:
                        return got
                    assert process.returncode is None, (await process.communicate())[1].decode()
                    await asyncio.sleep(0.05)
                pytest.fail(f"{path} never answered")

            # Slack is served: a member's command, the channel's digest, and the replica is ready,
            # naming Discord as not connected (in the metrics too).
            status, text = await answered("/readyz")
            assert status == 200, text
            assert json.loads(text) == {
                "status": "ready",
                "checks": {"database": "ok", "discord": "not connected", "slack": "ok"},
            }
            _, page = await answered("/metrics")
            assert 'paperbot_platform_connected{platform="discord"} 0.0' in page
            assert 'paperbot_platform_connected{platform="slack"} 1.0' in page
            body = command_body(slack, "help")
            async with http.post(f"{base}/slack/events", data=body, headers=signed(body)) as response:
                assert response.status == 200
            await until(lambda: len(slack.responses) == 1, within=10)
            await until(lambda: bool(slack.messages_in(SLACK_CHANNEL.channel)), within=60)
            assert process.returncode is None

            # Discord is back: the gateway connects and the digest that waited goes out, once.
            discord_api.down = None
            await discord_api.wait_identified(within=180)
            await until(lambda: bool(discord_api.channel_posts.get(DISCORD_READER.channel)), within=180)
            await until(lambda: ready_with_both(http, base), within=30)
    finally:
        text = await stopped(process)
    assert process.returncode == 0, text
    assert "Discord unavailable: cannot reach Discord at DISCORD_API_URL=" in text
    assert await outbox_counts(url) == {"posted": 2}


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_run_serves_discord_while_slack_is_down_and_serves_slack_once_it_is_back(
    mode: str, slack: FakeSlack, discord_api: FakeDiscord, tmp_path: Path
) -> None:
    """auth.test answering 503 ended `paperbot run` at start-up (exit 1), Discord with it, for as
    long as Slack was down."""
    url = await lab_database(tmp_path)
    port = free_port()
    env = {**both_platforms(url, slack, discord_api), "PAPERBOT_HTTP_PORT": str(port)}
    if mode == "socket":
        del env["SLACK_SIGNING_SECRET"]
        env["SLACK_APP_TOKEN"] = SLACK_APP_TOKEN
    slack.down = UNAVAILABLE
    process = await start_paperbot_run(env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            # Discord is served: its gateway, its digest; the replica is ready, naming Slack.
            await discord_api.wait_identified(within=120)
            await until(lambda: bool(discord_api.channel_posts.get(DISCORD_READER.channel)), within=60)
            discord_only = {"database": "ok", "discord": "ok", "slack": "not connected"}
            await until(lambda: readyz_is(http, base, (200, discord_only)), within=30)
            if mode == "http":
                # A member's command is answered (try again later), not lost in a refused connection.
                body = command_body(slack, "help")
                async with http.post(f"{base}/slack/events", data=body, headers=signed(body)) as response:
                    assert response.status == 200
                    assert (await response.json())["text"] == both_languages("slack.not_ready")
            assert process.returncode is None
            assert not slack.messages_in(SLACK_CHANNEL.channel)

            # Slack is back: the edge serves it and the digest that waited goes out, once.
            slack.down = None
            await until(lambda: bool(slack.messages_in(SLACK_CHANNEL.channel)), within=180)
            await until(lambda: ready_with_both(http, base), within=60)
    finally:
        text = await stopped(process)
    assert process.returncode == 0, text
    assert "Slack unavailable: Slack answered http_503 while checking SLACK_BOT_TOKEN" in text
    assert await outbox_counts(url) == {"posted": 2}
    assert len(slack.messages_in(SLACK_CHANNEL.channel)) == 1
