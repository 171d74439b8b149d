from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace
from typing import cast

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef, Interests, Locale, Subscription
from bot.store.database import as_utc
from bot.store.subscriptions import SubscriptionStore
from bot.store.tables import subscriptions as table
from bot.store.write_lock import channel_lock_key
from tests.waiting import until

SLACK = ChannelRef("slack", "T1", "C1")


@pytest.fixture
def store(engine: AsyncEngine) -> SubscriptionStore:
    return SubscriptionStore(engine)


def make(
    channel: ChannelRef = SLACK,
    topics: tuple[str, ...] = ("agents",),
    keywords: tuple[str, ...] = (),
    *,
    time: dt.time = dt.time(9, 0),
    tz: str = "UTC",
    locale: Locale = "en",
    paused: bool = False,
    paused_reason: str | None = None,
    created_by: str | None = None,
) -> Subscription:
    return Subscription(
        channel=channel,
        interests=Interests(topics, keywords),
        time=time,
        tz=tz,
        locale=locale,
        paused=paused,
        paused_reason=paused_reason,
        created_by=created_by,
    )


async def created_at(store: SubscriptionStore, ref: ChannelRef) -> dt.datetime:
    async with store.engine.connect() as conn:
        query = select(table.c.created_at).where(
            table.c.platform == ref.platform,
            table.c.workspace == ref.workspace,
            table.c.channel == ref.channel,
        )
        return cast(dt.datetime, (await conn.execute(query)).scalar_one())


async def test_save_then_get_round_trips_every_field(store: SubscriptionStore) -> None:
    subscription = Subscription(
        channel=ChannelRef("discord", "G123", "C456"),
        interests=Interests(("reinforcement-learning", "video-generation"), ("world model", "世界模型")),
        time=dt.time(21, 5),
        tz="Asia/Shanghai",
        locale="zh",
        paused=True,
        paused_reason="missing permission: send messages",
        created_by="U789",
    )
    await store.save(subscription)
    assert await store.get(subscription.channel) == subscription
    assert await store.get(ChannelRef("discord", "G123", "other")) is None
    assert await store.get(ChannelRef("slack", "G123", "C456")) is None


async def test_save_round_trips_empty_and_default_values(store: SubscriptionStore) -> None:
    subscription = make(topics=(), keywords=("GRPO",), time=dt.time(0, 0))
    await store.save(subscription)
    assert await store.get(SLACK) == subscription


async def test_save_of_an_existing_channel_updates_it(store: SubscriptionStore) -> None:
    await store.save(make(created_by="U1", paused=True, paused_reason="kicked"))
    first_created = await created_at(store, SLACK)
    updated = make(
        topics=("code",),
        keywords=("MoE",),
        time=dt.time(7, 30),
        tz="Europe/Berlin",
        locale="zh",
        created_by="U2",
    )
    await store.save(updated)
    assert await store.get(SLACK) == updated
    assert await store.count() == 1
    assert await created_at(store, SLACK) == first_created


async def test_update_without_an_owner_keeps_the_recorded_one(store: SubscriptionStore) -> None:
    await store.save(make(created_by="U1"))
    await store.save(make(topics=("rag",), created_by=None))
    saved = await store.get(SLACK)
    assert saved is not None
    assert saved.created_by == "U1"
    assert saved.interests.topics == ("rag",)


async def test_save_all_stores_every_entry(store: SubscriptionStore) -> None:
    await store.save(make(ChannelRef("slack", "T1", "C2"), created_by="U1"))
    items = [
        make(ChannelRef("slack", "T1", "C1"), topics=("code",)),
        make(ChannelRef("slack", "T1", "C2"), topics=("rag",), tz="Asia/Tokyo"),
        make(ChannelRef("discord", "G1", "C1"), keywords=("GRPO",)),
    ]
    await store.save_all(items)
    assert await store.count() == 3
    for item in items:
        saved = await store.get(item.channel)
        expected = replace(item, created_by="U1") if item.channel.channel == "C2" else item
        assert saved == expected


async def test_save_all_of_nothing_is_a_no_op(store: SubscriptionStore) -> None:
    await store.save_all([])
    assert await store.count() == 0


async def test_save_all_stores_nothing_when_one_entry_fails(store: SubscriptionStore) -> None:
    await store.save(make(ChannelRef("slack", "T1", "C0"), topics=("agents",)))
    # A NULL locale breaks the NOT NULL constraint in every database.
    bad = make(ChannelRef("slack", "T1", "C3"), locale=cast(Locale, None))
    batch = [
        make(ChannelRef("slack", "T1", "C0"), topics=("code",)),
        make(ChannelRef("slack", "T1", "C1")),
        make(ChannelRef("slack", "T1", "C2")),
        bad,
    ]
    with pytest.raises(DBAPIError):
        await store.save_all(batch)
    assert await store.count() == 1
    kept = await store.get(ChannelRef("slack", "T1", "C0"))
    assert kept is not None
    assert kept.interests.topics == ("agents",)


async def test_save_all_rolls_back_an_over_long_value_on_postgresql(
    engine: AsyncEngine, store: SubscriptionStore
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    batch = [make(ChannelRef("slack", "T1", "C1")), make(ChannelRef("slack", "W" * 65, "C2"))]
    with pytest.raises(DBAPIError):
        await store.save_all(batch)
    assert await store.count() == 0


async def test_all_is_ordered_and_filtered_by_platform(store: SubscriptionStore) -> None:
    refs = [
        ChannelRef("slack", "T2", "C1"),
        ChannelRef("discord", "G1", "C9"),
        ChannelRef("slack", "T1", "C2"),
        ChannelRef("console", "local", "demo"),
        ChannelRef("slack", "T1", "C1"),
    ]
    for ref in refs:
        await store.save(make(ref))
    assert [s.channel for s in await store.all()] == [
        ChannelRef("console", "local", "demo"),
        ChannelRef("discord", "G1", "C9"),
        ChannelRef("slack", "T1", "C1"),
        ChannelRef("slack", "T1", "C2"),
        ChannelRef("slack", "T2", "C1"),
    ]
    assert [s.channel for s in await store.all(platform="slack")] == [
        ChannelRef("slack", "T1", "C1"),
        ChannelRef("slack", "T1", "C2"),
        ChannelRef("slack", "T2", "C1"),
    ]
    assert [s.channel for s in await store.all(platform="discord")] == [ChannelRef("discord", "G1", "C9")]
    assert await store.all(platform="teams") == []


async def test_all_returns_whole_subscriptions(store: SubscriptionStore) -> None:
    subscription = make(keywords=("GRPO",), tz="Asia/Tokyo", locale="zh", created_by="U1")
    await store.save(subscription)
    assert await store.all() == [subscription]


async def test_delete_returns_whether_a_row_went(store: SubscriptionStore) -> None:
    other = ChannelRef("slack", "T1", "C2")
    await store.save(make())
    await store.save(make(other))
    assert await store.delete(SLACK) is True
    assert await store.get(SLACK) is None
    assert await store.delete(SLACK) is False
    assert await store.get(other) is not None
    assert await store.count() == 1


async def test_set_paused_sets_and_clears_the_reason(store: SubscriptionStore) -> None:
    original = make(topics=("code",), created_by="U1")
    await store.save(original)
    assert await store.set_paused(SLACK, True, "channel archived") is True
    assert await store.get(SLACK) == replace(original, paused=True, paused_reason="channel archived")
    assert await store.set_paused(SLACK, False, "ignored when resuming") is True
    assert await store.get(SLACK) == original


async def test_set_paused_without_a_reason(store: SubscriptionStore) -> None:
    await store.save(make())
    assert await store.set_paused(SLACK, True) is True
    saved = await store.get(SLACK)
    assert saved is not None
    assert (saved.paused, saved.paused_reason) == (True, None)


async def test_set_paused_of_an_unknown_channel(store: SubscriptionStore) -> None:
    assert await store.set_paused(SLACK, True, "x") is False
    assert await store.count() == 0


async def test_count(store: SubscriptionStore) -> None:
    assert await store.count() == 0
    await store.save(make(ChannelRef("slack", "T1", "C1")))
    await store.save(make(ChannelRef("slack", "T1", "C2")))
    await store.save(make(ChannelRef("slack", "T1", "C1"), topics=("rag",)))
    assert await store.count() == 2


async def test_same_channel_id_in_two_workspaces_is_two_channels(store: SubscriptionStore) -> None:
    first = make(ChannelRef("slack", "T1", "C1"), topics=("agents",))
    second = make(ChannelRef("slack", "T2", "C1"), topics=("code",))
    third = make(ChannelRef("discord", "T1", "C1"), topics=("rag",))
    for item in (first, second, third):
        await store.save(item)
    assert await store.count() == 3
    assert await store.get(first.channel) == first
    assert await store.get(second.channel) == second
    assert await store.get(third.channel) == third
    assert await store.delete(second.channel) is True
    assert await store.get(first.channel) == first


async def test_concurrent_saves_of_one_channel_leave_one_row(store: SubscriptionStore) -> None:
    versions = [
        make(topics=(topic,), created_by="U1") for topic in ("agents", "rag", "code", "safety", "data")
    ]
    await asyncio.gather(*(store.save(version) for version in versions))
    assert await store.count() == 1
    saved = await store.get(SLACK)
    assert saved in versions


async def test_imports_at_once_of_overlapping_channels_in_other_orders_both_land(
    store: SubscriptionStore,
) -> None:
    """Two `paperbot subscriptions import` runs at one moment (two operators, or a deploy job
    run twice) whose files list the same channels in other orders. Each import locks the rows it
    writes as it goes; two transactions taking the same rows in opposite orders deadlock on
    PostgreSQL, and one import failed. Rows are taken in one order, so the second import waits
    for the first. (SQLite has one write lock for the whole file: imports there always queued.)"""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    channels = [ChannelRef("slack", f"T{n % 7}", f"C{n:04}") for n in range(600)]
    await store.save_all([make(ref) for ref in channels])
    middle = channels[300]
    async with store.engine.connect() as blocker:
        # Hold one row in the middle, so both imports are under way, their first rows locked,
        # when it is let go: the moment two imports of one size meet.
        await blocker.execute(
            select(table.c.id)
            .where(
                table.c.platform == middle.platform,
                table.c.workspace == middle.workspace,
                table.c.channel == middle.channel,
            )
            .with_for_update()
        )
        first = asyncio.ensure_future(store.import_all([make(ref, ("robotics",)) for ref in channels], {}))
        second = asyncio.ensure_future(
            store.import_all([make(ref, ("video-generation",)) for ref in reversed(channels)], {})
        )
        await until(lambda: _waiting_imports(store.engine, 2))
        await blocker.rollback()
    await asyncio.gather(first, second)
    topics = {subscription.interests.topics for subscription in await store.all()}
    assert len(topics) == 1  # all of one import (the one that came second), none of a mixture


async def _waiting_imports(engine: AsyncEngine, wanted: int) -> bool:
    async with engine.connect() as conn:
        waiting = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND cardinality(pg_blocking_pids(pid)) > 0 AND query LIKE 'INSERT INTO subscriptions%'"
            )
        )
        return int(waiting.scalar_one()) >= wanted


def test_a_channel_s_lock_key_is_one_for_every_workspace_and_the_same_in_every_process() -> None:
    # Two workspaces sharing a channel must meet on one advisory lock; the key must not change
    # between processes or releases (Python's str hash does), or replicas would miss each other.
    key = channel_lock_key(SLACK)
    assert key == channel_lock_key(ChannelRef("slack", "T2", "C1"))
    assert key != channel_lock_key(ChannelRef("slack", "T1", "C2"))
    assert key != channel_lock_key(ChannelRef("discord", "T1", "C1"))
    assert -(2**63) <= key < 2**63  # PostgreSQL's bigint
    assert key == -2110980968797113246  # pinned: a release that changed it would not meet the last one


async def test_a_channel_that_followed_nothing_is_subscribed_anew_when_it_follows_something(
    engine: AsyncEngine,
) -> None:
    """A channel that removed its last topic (its row kept for its settings) and subscribed again
    weeks later kept its first subscription date, which decides the digests of earlier days it is
    owed (bot/delivery/planner.py): it is a new subscriber from the day it follows something again."""
    today = [dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)]
    store = SubscriptionStore(engine, clock=lambda: today[0])

    async def save_on(day: int, subscription: Subscription) -> dt.datetime:
        today[0] = today[0].replace(day=day)
        await store.save(subscription)
        return await created_at(store, SLACK)

    started = await save_on(2, make(topics=("agents",)))
    assert await save_on(3, make(topics=("agents", "code"))) == started  # a topic more
    assert await save_on(4, make(topics=("code",), paused=True, paused_reason="kicked")) == started
    assert await save_on(5, make(topics=("code",))) == started  # resumed: subscribed all along
    assert await save_on(6, make(topics=())) == started  # the last topic removed: settings kept
    again = await save_on(20, make(topics=(), keywords=("GRPO",)))  # a keyword, two weeks later
    assert as_utc(again) == dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)  # SQLite's are naive UTC
    assert await save_on(21, make(topics=("code",), keywords=("GRPO",))) == again
    stored = await store.get(SLACK)
    assert stored is not None
    assert stored.subscribed_at == as_utc(again)
