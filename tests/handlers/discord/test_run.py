"""`paperbot run` with DISCORD_TOKEN as an operator starts it: a real process, configured by
deploy/.env.example exactly as shipped plus a token, against the loopback Discord double."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import aiohttp
import pytest
from aiohttp import web
from discord.http import Route
from pydantic import SecretStr

from bot.errors import PaperbotError
from bot.runtime.config import SAMPLE_REPORT, Settings
from handlers.discord.delivery import delivery_client
from handlers.discord.run import log_in
from tests.deploy.deploy_support import ENV_EXAMPLE, example_env, free_port, start_paperbot_run
from tests.handlers.discord.fake_discord import FAKE_TOKEN, FakeDiscord

START_WITHIN = 60.0  # seconds: import, migrate, log in, connect (a slow CI machine included)


async def start_run(
    fake: FakeDiscord, cwd: Path, *, shipped: str, token: str = FAKE_TOKEN
) -> tuple[asyncio.subprocess.Process, int]:
    """`python -m bot run` with the shipped example as `.env` in its folder (`shipped="file"`) or
    as its environment, every KEY=VALUE line, empty ones too, as Compose's env_file and systemd's
    EnvironmentFile pass it (`shipped="environment"`); then only what points it at this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "PAPERBOT_"))}
    if shipped == "file":
        shutil.copyfile(ENV_EXAMPLE, cwd / ".env")
    else:
        env.update(example_env())
    port = free_port()
    env.update(
        {
            "DISCORD_TOKEN": token,
            "DISCORD_API_URL": fake.api_url,
            "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{cwd / 'run.db'}",
            "PAPERBOT_HTTP_PORT": str(port),
            # As shipped it is hf-api, on the internet; tests stay on this machine.
            "PAPERBOT_REPORT_SOURCE": str(SAMPLE_REPORT),
        }
    )
    process = await start_paperbot_run(env, cwd)
    return process, port


async def readyz(port: int) -> int | None:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/readyz") as response:
            return response.status
    except aiohttp.ClientConnectionError:
        return None


@pytest.mark.parametrize("shipped", ["file", "environment"])
@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_the_shipped_env_example_plus_a_token_answers_paper_help(
    fake: FakeDiscord, tmp_path: Path, shipped: str
) -> None:
    process, port = await start_run(fake, tmp_path, shipped=shipped)
    try:
        identified = asyncio.create_task(fake.wait_identified(within=START_WITHIN))
        exited = asyncio.create_task(process.wait())
        await asyncio.wait({identified, exited}, return_when=asyncio.FIRST_COMPLETED)
        if not identified.done():
            identified.cancel()
            pytest.fail(
                f"paperbot run exited {process.returncode}: {(await process.communicate())[1].decode()}"
            )
        exited.cancel()
        sent = await fake.send(fake.interaction(2, fake.command("help")))
        deferral, answer = await fake.replies(sent, count=2)
        assert deferral.body["type"] == 5
        assert "/paper subscribe topics:" in answer.text
        assert answer.ephemeral
        for _ in range(200):  # /readyz turns ready once the gateway said READY
            if await readyz(port) == 200:
                break
            await asyncio.sleep(0.05)
        assert await readyz(port) == 200
        assert fake.unknown == []  # nothing discord.py asked for went unanswered
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, stderr.decode()


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_a_refused_token_is_one_line_naming_discord_token_and_exit_2(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    process, _ = await start_run(fake, tmp_path, shipped="file", token="MTEx.someone-elses.token")
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=START_WITHIN)
    lines = [line for line in stderr.decode().splitlines() if "error" in line.lower()]
    assert process.returncode == 2, stderr.decode()
    assert lines == [
        "paperbot: error: invalid DISCORD_TOKEN: Discord refused it: copy the bot token again from "
        "the Developer Portal (Bot → Reset Token)"
    ], stderr.decode()
    assert fake.identifies == []


class SilentDiscord(FakeDiscord):
    """The double, never answering the login check (a proxy that accepts and then hangs)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.hang_up = asyncio.Event()

    async def _route(
        self, method: str, parts: list[str], body: Any, authorization: str | None
    ) -> web.Response:
        if parts == ["users", "@me"]:
            await self.hang_up.wait()
        return await super()._route(method, parts, body, authorization)


async def test_a_discord_that_never_answers_the_login_is_named_with_why() -> None:
    # The line ended at the colon ("cannot reach Discord at DISCORD_API_URL=…: "): a timeout has
    # no text of its own.
    base = Route.BASE
    fake = SilentDiscord()
    async with fake:
        client = delivery_client(aiohttp.ClientTimeout(total=0.3))
        settings = SimpleNamespace(discord_token=SecretStr(FAKE_TOKEN), discord_api_url=fake.api_url)
        try:
            with pytest.raises(PaperbotError) as raised:
                async with asyncio.timeout(30):  # a guard far below aiohttp's 300 s, not a timing
                    await log_in(client, cast(Settings, settings))
        finally:
            fake.hang_up.set()
            await client.close()
            Route.BASE = base
    assert str(raised.value) == (
        f"cannot reach Discord at DISCORD_API_URL={fake.api_url}: no answer in time (timeout)"
    )
