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

from handlers.ops import Readiness, ops_app
from handlers.slack.server import EVENTS_PATH
from tests.deploy.deploy_support import free_port, start_paperbot_run
from tests.handlers.slack.fake_slack import FAKE_APP_TOKEN, FAKE_TOKEN, FakeSlack
from tests.handlers.slack.test_app import SECRET, command_body, signed
from tests.waiting import until


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
    return await start_paperbot_run(env, cwd)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
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
            # The operator's endpoints share the port.
            async with http.get(f"{base}/readyz") as response:
                assert response.status == 200
                assert await response.json() == {
                    "status": "ready",
                    "checks": {"database": "ok", "slack": "ok"},
                }
            async with http.get(f"{base}/metrics") as response:
                page = await response.text()
            assert 'paperbot_commands_total{command="help",outcome="ok",platform="slack"} 1.0' in page
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, stderr.decode()


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({"SLACK_BOT_TOKEN": FAKE_TOKEN, "SLACK_APP_TOKEN": FAKE_APP_TOKEN}, "socket"),
        ({"SLACK_BOT_TOKEN": FAKE_TOKEN, "SLACK_SIGNING_SECRET": SECRET}, "http"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c" * 32, "SLACK_SIGNING_SECRET": SECRET}, "http"),
    ],
)
async def test_run_picks_socket_or_http_mode_from_the_configuration(
    env: dict[str, str], mode: str, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import handlers.slack.run as run_module
    from bot.runtime.composition import App
    from bot.runtime.config import Settings

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
    monkeypatch.setenv("SLACK_API_URL", slack.base_url)
    served: list[str] = []

    async def fake_socket(
        bolt: object, token: str, stop: asyncio.Event, readiness: object, *, url: str | None = None
    ) -> None:
        assert url is not None
        assert url.startswith("ws://127.0.0.1:")  # SLACK_APP_TOKEN was checked at start-up
        served.append(token)

    monkeypatch.setattr(run_module, "serve_socket", fake_socket)
    # By its variable's name: `database_url=` is not how Settings takes it, and left the test on
    # the default file, ./paperbot.db, in whatever folder the suite ran from.
    settings = Settings.model_validate(
        {"PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'mode.db'}"}
    )
    async with App.start(settings=settings) as app:
        readiness = Readiness(app.engine)
        web_app = ops_app(readiness)
        edge = await run_module.start_slack(app, web_app, readiness)
        stop = asyncio.Event()
        stop.set()
        await edge(stop)
        paths = {resource.canonical for resource in web_app.router.resources()}
        if mode == "socket":
            assert served == [FAKE_APP_TOKEN]
            assert EVENTS_PATH not in paths  # nothing for Slack to call
        else:
            assert served == []
            assert EVENTS_PATH in paths
            assert await readiness.checks() == {"database": "ok", "slack": "ok"}
            # Start-up asked Slack first: auth.test with the bot token, or api.test (OAuth).
            assert slack.calls_to("api.test" if "SLACK_CLIENT_ID" in env else "auth.test")
            # OAuth install routes only with an install configuration.
            assert ("/slack/install" in paths) is ("SLACK_CLIENT_ID" in env)
        assert {"/healthz", "/readyz", "/metrics"} <= paths


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_run_delivers_a_due_digest_to_slack_on_schedule(slack: FakeSlack, tmp_path: Path) -> None:
    """The whole product, as an operator runs it: a subscribed channel whose time has passed gets
    today's digest from `paperbot run`'s scheduler — once, with the delivery named in metadata."""
    import datetime as dt

    from bot.models import ChannelRef, Interests, Subscription
    from bot.reports.sources.local import LocalSource
    from bot.runtime.config import SAMPLE_REPORT
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


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_sigterm_mid_delivery_finishes_what_is_in_flight_and_loses_nothing(
    slack: FakeSlack, tmp_path: Path
) -> None:
    """A redeploy in the middle of the morning fan-out: SIGTERM while posts are in flight. The
    process stops claiming, lets what it holds finish, and exits 0; every channel has its whole
    digest exactly once, and a later pass finds nothing left to do."""
    import datetime as dt

    from bot.models import ChannelRef, Interests, Subscription
    from bot.reports.sources.local import LocalSource
    from bot.runtime.config import SAMPLE_REPORT
    from bot.store.archive import Archive
    from bot.store.database import create_engine
    from bot.store.migrate import migrate
    from bot.store.outbox import Outbox
    from bot.store.subscriptions import SubscriptionStore

    url = f"sqlite+aiosqlite:///{tmp_path / 'sigterm.db'}"
    engine = create_engine(url)
    await migrate(engine)
    await Archive(engine).ingest(await LocalSource(SAMPLE_REPORT).read())
    channels = [f"C0TERM{i:02d}" for i in range(8)]
    for name in channels:
        await SubscriptionStore(engine).save(
            Subscription(
                ChannelRef("slack", "T0FAKE", name),
                Interests(("video-generation", "reinforcement-learning")),
                time=dt.time(0, 0),
            )
        )
    slack.delay("chat.postMessage", 0.3)  # posts take a while: SIGTERM lands mid-fan-out
    process = await start_run(slack, tmp_path, url, free_port())
    try:
        await until(lambda: len(slack.calls_to("chat.postMessage")) >= 1, within=30)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=40)
    assert process.returncode == 0, stderr.decode()
    assert "waiting for those in flight" in stderr.decode()
    finished = await Outbox(engine).list()
    assert {d.status for d in finished} <= {"posted", "pending"}  # nothing left claimed
    for delivery in finished:
        messages = slack.messages_in(delivery.channel.channel)
        parts = sorted(m["metadata"]["event_payload"]["part"] for m in messages)
        if delivery.status == "posted":
            assert parts == list(range(delivery.parts or 0))  # whole, each part once
        else:
            assert parts == []  # never claimed: left for the next pass, not half-posted
    # The next pass (another replica, or the restarted one) delivers the rest, and only that.
    slack.delay("chat.postMessage", 0)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "PAPERBOT_"))},
        "PAPERBOT_DATABASE_URL": url,
        "SLACK_BOT_TOKEN": FAKE_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
    }
    again = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "deliver", "--now", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(again.communicate(), timeout=60)
    assert again.returncode == 0, err.decode()
    for name in channels:
        parts = sorted(m["metadata"]["event_payload"]["part"] for m in slack.messages_in(name))
        assert parts, name
        assert parts == list(range(len(parts))), name
    assert await Outbox(engine).counts() == {"posted": len(channels)}
    await engine.dispose()


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_sigterm_during_deliver_finishes_what_is_in_flight_so_a_rerun_finds_nothing_held(
    slack: FakeSlack, tmp_path: Path
) -> None:
    """`paperbot deliver` stopped by SIGTERM mid-fan-out stops as `run` does: it claims nothing
    new and lets the digests in flight finish (releasing any still unfinished after the grace
    period). Before, it was cancelled at once and its claims stayed held by the dead process until
    their lease ran out, so a re-run right away said "held by another deliverer"."""
    import datetime as dt

    from bot.models import ChannelRef, Interests, Subscription
    from bot.reports.sources.local import LocalSource
    from bot.runtime.config import SAMPLE_REPORT
    from bot.store.archive import Archive
    from bot.store.database import create_engine
    from bot.store.migrate import migrate
    from bot.store.outbox import Outbox
    from bot.store.subscriptions import SubscriptionStore

    url = f"sqlite+aiosqlite:///{tmp_path / 'deliver-term.db'}"
    engine = create_engine(url)
    await migrate(engine)
    await Archive(engine).ingest(await LocalSource(SAMPLE_REPORT).read())
    channels = [f"C0DTERM{i:02d}" for i in range(8)]
    for name in channels:
        await SubscriptionStore(engine).save(
            Subscription(
                ChannelRef("slack", "T0FAKE", name), Interests(("video-generation",)), time=dt.time(0)
            )
        )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "PAPERBOT_"))},
        "PAPERBOT_DATABASE_URL": url,
        "SLACK_BOT_TOKEN": FAKE_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
    }

    async def deliver() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "deliver", "--now", env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

    slack.delay("chat.postMessage", 0.3)  # posts take a while: SIGTERM lands mid-fan-out
    process = await deliver()
    try:
        await until(lambda: len(slack.calls_to("chat.postMessage")) >= 1, within=30)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=40)
    text = stderr.decode()
    assert process.returncode == 128 + signal.SIGTERM, text
    assert text.splitlines()[-1].startswith(
        "paperbot: stopped by SIGTERM during deliver; the digests in flight were finished; "
    ), text
    assert text.splitlines()[-1].endswith("no digest is lost or sent twice, so running it again is safe")
    # Nothing is left claimed: what was in flight was recorded, the rest never claimed.
    assert {d.status for d in await Outbox(engine).list()} <= {"posted", "pending"}
    slack.delay("chat.postMessage", 0)
    again = await deliver()
    _, err = await asyncio.wait_for(again.communicate(), timeout=60)
    assert again.returncode == 0, err.decode()
    assert "held by another deliverer" not in err.decode()
    for name in channels:
        parts = sorted(m["metadata"]["event_payload"]["part"] for m in slack.messages_in(name))
        assert parts, name
        assert parts == list(range(len(parts))), name  # whole, each part once
    assert await Outbox(engine).counts() == {"posted": len(channels)}
    await engine.dispose()


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_a_taken_port_is_one_clear_error(slack: FakeSlack, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        process = await start_run(slack, tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'port.db'}", port)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 1
    last = stderr.decode().strip().splitlines()[-1]
    assert last.startswith(f"paperbot: error: cannot listen on port {port}:")
    assert "PAPERBOT_HTTP_PORT" in last
    assert "Traceback" not in stderr.decode()
