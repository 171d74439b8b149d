"""The platform-free lifecycle rules (bot/chat/channel_changes.py): pause what is gone, resume what
is back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.channel_changes import Gone, channel_back, channel_gone, workspace_gone
from bot.chat.use_cases import subscribe
from bot.delivery.deliverer import Deliverer
from bot.models import ChannelRef, Interests, Report, Subscription
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from tests.bot.test_ids import Recorder
from tests.factories import paper

RL = Interests(("reinforcement-learning",))
TEAM, OTHER = "T0LAB", "T0OTHER"
GENERAL = ChannelRef("slack", TEAM, "C0GENERAL")
CHINESE = ChannelRef("slack", TEAM, "C0ZH")
ELSEWHERE = ChannelRef("slack", OTHER, "C0GENERAL")


def reasons(kind: Gone, locale: str) -> str:
    """An edge's wording: which kind, in which language."""
    return f"{kind}/{locale}"


async def stored(engine: AsyncEngine) -> SubscriptionStore:
    store = SubscriptionStore(engine)
    await store.save_all(
        [Subscription(GENERAL, RL), Subscription(CHINESE, RL, locale="zh"), Subscription(ELSEWHERE, RL)]
    )
    return store


async def state(store: SubscriptionStore, ref: ChannelRef) -> tuple[bool, str | None]:
    subscription = await store.get(ref)
    assert subscription is not None
    return subscription.paused, subscription.paused_reason


async def test_a_channel_that_is_gone_is_paused_with_the_reason_in_its_language(engine: AsyncEngine) -> None:
    store = await stored(engine)
    assert await channel_gone(store, CHINESE, Gone.ARCHIVED, reasons)
    assert await state(store, CHINESE) == (True, "archived/zh")
    assert await state(store, GENERAL) == (False, None)
    # A channel without a subscription: nothing to do, nothing created.
    nowhere = ChannelRef("slack", TEAM, "C0NONE")
    assert not await channel_gone(store, nowhere, Gone.DELETED, reasons)
    assert await store.get(nowhere) is None


async def test_a_workspace_that_is_gone_pauses_each_of_its_channels_in_its_language(
    engine: AsyncEngine,
) -> None:
    store = await stored(engine)
    assert await workspace_gone(store, "slack", TEAM, Gone.UNINSTALLED, reasons) == 2
    assert await state(store, GENERAL) == (True, "uninstalled/en")
    assert await state(store, CHINESE) == (True, "uninstalled/zh")
    assert await state(store, ELSEWHERE) == (False, None)  # another workspace is untouched
    assert await workspace_gone(store, "discord", TEAM, Gone.UNINSTALLED, reasons) == 0


async def test_a_channel_back_resumes_only_when_paused_for_that_kind(engine: AsyncEngine) -> None:
    store = await stored(engine)
    await channel_gone(store, GENERAL, Gone.ARCHIVED, reasons)
    await channel_gone(store, CHINESE, Gone.REMOVED, reasons)
    assert await channel_back(store, GENERAL, (Gone.ARCHIVED,), reasons)
    assert await state(store, GENERAL) == (False, None)
    # Removed, not archived: unarchiving does not bring the bot back into it.
    assert not await channel_back(store, CHINESE, (Gone.ARCHIVED,), reasons)
    assert await state(store, CHINESE) == (True, "removed/zh")
    # Active already, or not subscribed: nothing changes.
    assert not await channel_back(store, ELSEWHERE, (Gone.ARCHIVED,), reasons)
    assert not await channel_back(store, ChannelRef("slack", TEAM, "C0NONE"), (Gone.ARCHIVED,), reasons)


async def test_a_reason_read_in_another_language_still_counts(engine: AsyncEngine) -> None:
    store = await stored(engine)
    await channel_gone(store, CHINESE, Gone.ARCHIVED, reasons)
    # The channel switched to English after it was paused: its stored reason is still Chinese.
    await store.save(Subscription(CHINESE, RL, locale="en", paused=True, paused_reason="archived/zh"))
    assert await channel_back(store, CHINESE, (Gone.ARCHIVED,), reasons)


async def test_subscribing_again_resumes_a_channel_the_bot_was_removed_from(engine: AsyncEngine) -> None:
    store = await stored(engine)
    await channel_gone(store, GENERAL, Gone.REMOVED, reasons)
    change = await subscribe(store, builtin_taxonomy(), GENERAL, "agents")
    assert change.resumed
    assert await state(store, GENERAL) == (False, None)


async def test_nothing_is_delivered_to_a_paused_workspace(engine: AsyncEngine) -> None:
    archive = Archive(engine)
    day = dt.date(2026, 5, 6)
    await archive.ingest(Report(day, (paper(arxiv_id="2605.00001", title="Scaling RL", domain="强化学习"),)))
    store = await stored(engine)
    await workspace_gone(store, "slack", TEAM, Gone.REVOKED, reasons)
    recorder = Recorder()
    job = Deliverer(archive, store, Outbox(engine), builtin_taxonomy(), {"slack": recorder})
    await job.run_pass(dt.datetime(2026, 5, 6, 13, 0, tzinfo=dt.UTC), force=True)
    assert recorder.channels == [ELSEWHERE]
