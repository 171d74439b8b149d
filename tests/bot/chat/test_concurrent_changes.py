"""Two channel managers changing one channel at the same moment, as they do through different
replicas: each command reads the subscription, changes it and stores it, and neither may store
over the other's change. The commands run at once on one engine's pool (one connection each, as
two replicas have), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat import use_cases
from bot.models import ChannelRef
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import Taxonomy, builtin_taxonomy

CHANNEL = ChannelRef("slack", "T1", "C1")
TOPICS = ["video generation", "image generation", "agents", "robotics", "mathematics", "time series"]


@pytest.fixture
def taxonomy() -> Taxonomy:
    return builtin_taxonomy()


@pytest.fixture
def store(engine: AsyncEngine) -> SubscriptionStore:
    return SubscriptionStore(engine)


async def test_topics_subscribed_at_once_are_all_kept(store: SubscriptionStore, taxonomy: Taxonomy) -> None:
    await use_cases.subscribe(store, taxonomy, CHANNEL, "reinforcement learning")
    changes = await asyncio.gather(*(use_cases.subscribe(store, taxonomy, CHANNEL, t) for t in TOPICS))
    stored = await store.get(CHANNEL)
    assert stored is not None
    assert len(stored.interests.topics) == 1 + len(TOPICS)
    # Each manager is told about their own topic, and nobody's is reported as added twice.
    assert sorted(topic for change in changes for topic in change.changed.topics) == sorted(
        stored.interests.topics[1:]
    )


async def test_a_channel_subscribed_twice_at_once_is_created_once_with_both(
    store: SubscriptionStore, taxonomy: Taxonomy
) -> None:
    changes = await asyncio.gather(*(use_cases.subscribe(store, taxonomy, CHANNEL, t) for t in TOPICS[:3]))
    stored = await store.get(CHANNEL)
    assert stored is not None
    assert len(stored.interests.topics) == 3
    assert [change.created for change in changes].count(True) == 1


async def test_settings_changed_at_once_are_all_kept(store: SubscriptionStore, taxonomy: Taxonomy) -> None:
    await use_cases.subscribe(store, taxonomy, CHANNEL, "agents, robotics")
    await use_cases.exclude(store, taxonomy, CHANNEL, "benchmarks")
    await asyncio.gather(
        use_cases.set_schedule(store, CHANNEL, "08:30 Asia/Shanghai"),
        use_cases.set_language(store, CHANNEL, "zh"),
        use_cases.set_cadence(store, CHANNEL, "weekdays"),
        use_cases.set_digest_setting(store, CHANNEL, "size", "7"),
        use_cases.exclude(store, taxonomy, CHANNEL, "mathematics"),
        use_cases.include(store, taxonomy, CHANNEL, "benchmarks"),
        use_cases.unsubscribe(store, taxonomy, CHANNEL, "robotics"),
    )
    stored = await store.get(CHANNEL)
    assert stored is not None
    assert (stored.time, stored.tz, stored.locale) == (dt.time(8, 30), "Asia/Shanghai", "zh")
    assert (stored.settings.cadence, stored.settings.size) == ("weekdays", 7)
    assert stored.interests.topics == ("agents",)
    assert stored.interests.excluded_topics == ("mathematics",)
