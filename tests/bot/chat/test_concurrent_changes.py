"""Two channel managers changing one channel at the same moment, as they do through different
replicas: each command reads the subscription, changes it and stores it, and neither may store
over the other's change. The commands run at once on one engine's pool (one connection each, as
two replicas have), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Collection

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat import use_cases
from bot.chat.commands import CommandContext, handle_paper_command
from bot.i18n import t
from bot.models import ChannelRef, Subscription
from bot.store.archive import Archive
from bot.store.subscriptions import Edit, SubscriptionStore
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


class MeetingStore(SubscriptionStore):
    """A store whose first two `change` calls wait for each other: two replicas' commands that
    have done everything before the locked change, at the same moment."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.meeting = asyncio.Barrier(2)
        self.met = False

    async def change(
        self, ref: ChannelRef, edit: Edit, *, replacing: Collection[Subscription] = ()
    ) -> tuple[Subscription | None, Subscription | None]:
        if not self.met:
            await self.meeting.wait()
            self.met = True
        return await super().change(ref, edit, replacing=replacing)


async def test_two_workspaces_subscribing_one_shared_channel_at_once_make_one_subscription(
    engine: AsyncEngine, taxonomy: Taxonomy
) -> None:
    # A Slack channel shared by two workspaces (Slack Connect, an Enterprise Grid org) has one id
    # in both. Their managers subscribe it at the same moment through different replicas: on
    # PostgreSQL each used to find no subscription elsewhere, then each created one, and the
    # channel got every digest twice.
    store = MeetingStore(engine)
    archive = Archive(engine)
    home = CommandContext(archive, store, taxonomy, ChannelRef("slack", "T0HOME", "C0SHARED"), locale="en")
    sister = CommandContext(
        archive, store, taxonomy, ChannelRef("slack", "T0SISTER", "C0SHARED"), locale="zh"
    )
    replies = await asyncio.gather(
        handle_paper_command(home, "subscribe RL"), handle_paper_command(sister, "subscribe agents")
    )
    stored = await SubscriptionStore(engine).all()
    assert len(stored) == 1
    winner = stored[0].channel.workspace
    by_workspace = {
        ctx.channel.workspace: (ctx, reply) for ctx, reply in zip((home, sister), replies, strict=True)
    }
    (winner_ctx, won), (loser_ctx, lost) = by_workspace.pop(winner), by_workspace.popitem()[1]
    assert not won.error
    assert lost.error
    # The other manager is told, in their own language, that the channel is subscribed elsewhere.
    assert lost.text == t("subscribe.elsewhere", loser_ctx.locale or "en", workspace=winner)
    assert winner_ctx.locale != loser_ctx.locale
