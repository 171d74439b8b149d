"""Whose database is this: the marks a platform deployment leaves, read before any migration."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef, Interests, Subscription
from bot.store.database import create_engine
from bot.store.deployment import platform_evidence, record_platform_run
from bot.store.subscriptions import SubscriptionStore
from bot.store.tables import platform_runs

MONDAY = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


async def test_an_empty_database_belongs_to_nobody(engine: AsyncEngine) -> None:
    assert await platform_evidence(engine) is None


async def test_a_database_never_migrated_belongs_to_nobody(tmp_path: Path) -> None:
    fresh = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert await platform_evidence(fresh) is None
    finally:
        await fresh.dispose()


async def test_a_platform_run_marks_the_database_once_per_platform(engine: AsyncEngine) -> None:
    later = MONDAY + dt.timedelta(days=1)
    await asyncio.gather(*(record_platform_run(engine, ["slack", "discord"], MONDAY) for _ in range(4)))
    await record_platform_run(engine, ["slack"], later)
    async with engine.connect() as conn:
        rows = (await conn.execute(select(platform_runs).order_by(platform_runs.c.platform))).all()
    assert [(row.platform, row.first_run_at.date(), row.last_run_at.date()) for row in rows] == [
        ("discord", MONDAY.date(), MONDAY.date()),
        ("slack", MONDAY.date(), later.date()),
    ]
    assert await platform_evidence(engine) == "`paperbot run` has served Discord and Slack from it"


async def test_platform_subscriptions_are_counted_and_console_ones_are_not(engine: AsyncEngine) -> None:
    store = SubscriptionStore(engine)
    assert await platform_evidence(engine) is None
    await store.save_all(
        [
            _subscribed("console", "local", "demo"),
            _subscribed("slack", "T0123ABCD", "C0123ABCD"),
            _subscribed("slack", "T0123ABCD", "C0123ABCE"),
            _subscribed("discord", "123456789012345678", "223456789012345678"),
        ]
    )
    assert await platform_evidence(engine) == "it holds 1 Discord subscription and 2 Slack subscriptions"


async def test_a_slack_installation_marks_the_database(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO slack_installations (client_id, app_id, team_id, bot_token, user_id) "
                "VALUES ('123.456', 'A0123ABCD', 'T0123ABCD', 'xoxb-secret', 'U0123ABCD')"
            )
        )
    assert await platform_evidence(engine) == "it holds a Slack installation"


def _subscribed(platform: str, workspace: str, channel: str) -> Subscription:
    return Subscription(
        channel=ChannelRef(platform, workspace, channel),
        interests=Interests(topics=("reinforcement-learning",)),
    )
