"""Which publishers a process has: a process serving Slack or Discord never delivers the console
demo's channels (into its service log), whatever its database holds."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef, Interests, Subscription
from bot.reports.sources.local import LocalSource
from bot.runtime.composition import App
from bot.runtime.config import SAMPLE_REPORT, Settings
from bot.store.outbox import Outbox
from handlers.publishers import publishers
from tests.handlers.slack.fake_slack import FAKE_TOKEN, FakeSlack

DEMO = ChannelRef("console", "local", "demo")
SLACK = {
    "SLACK_BOT_TOKEN": FAKE_TOKEN,
    "SLACK_APP_TOKEN": "xapp-1-A1234-5678-real-looking",
}


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file is read
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_TOKEN", "PAPERBOT_OPERATOR_CHANNEL"):
        monkeypatch.delenv(name, raising=False)


async def with_demo_channel(engine: AsyncEngine, settings: Settings) -> App:
    """An app whose database holds the sample report and the console demo's subscription, as
    a console run against it leaves them."""
    app = App(settings, engine)
    report = await LocalSource(SAMPLE_REPORT).read()
    assert report is not None
    await app.archive.ingest(report, origin="sample")
    await app.subscriptions.save(
        Subscription(channel=DEMO, interests=Interests(topics=("reinforcement-learning",)))
    )
    return app


@pytest.mark.parametrize("operator", [None, "console"])
async def test_a_platform_process_never_delivers_console_channels(
    engine: AsyncEngine, operator: str | None
) -> None:
    extra = {"PAPERBOT_OPERATOR_CHANNEL": operator} if operator else {}
    async with FakeSlack() as slack:  # a pass checks that Slack answers before it claims
        settings = Settings.model_validate(SLACK | extra | {"SLACK_API_URL": slack.base_url})
        await delivers_no_console_channel(engine, settings, operator)


async def delivers_no_console_channel(engine: AsyncEngine, settings: Settings, operator: str | None) -> None:
    app = await with_demo_channel(engine, settings)
    out = io.StringIO()
    async with publishers(app, out) as found:
        deliverer = app.deliverer(found)
        assert deliverer.digest_platforms == ["slack"]
        outcomes = await deliverer.run_pass(dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC), force=True)
        # PAPERBOT_OPERATOR_CHANNEL=console: its notices are still printed by this process.
        assert deliverer.notices is not None
        assert ("console" in deliverer.notices.notifiers) == (operator == "console")
    assert outcomes == {}
    assert await Outbox(engine).list() == []
    assert out.getvalue() == ""


async def test_without_a_platform_the_console_delivers_its_channel(engine: AsyncEngine) -> None:
    app = await with_demo_channel(engine, Settings())
    out = io.StringIO()
    async with publishers(app, out) as found:
        deliverer = app.deliverer(found)
        assert deliverer.digest_platforms == ["console"]
        outcomes = await deliverer.run_pass(dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC), force=True)
    assert outcomes == {"posted": 1}
    assert "#demo" in out.getvalue()
