from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, cast

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.models import ChannelRef, Interests, LastDigest, Locale, Subscription
from bot.ranking.feedback import UP, ChannelPreferences, PaperFeatures, Vote
from bot.store import subscriptions
from bot.store.database import as_utc
from bot.store.outbox import Outbox
from bot.store.subscriptions import Imported, SubscribedElsewhere, SubscriptionStore
from bot.store.tables import subscriptions as table
from bot.store.votes import VoteStore
from bot.store.write_lock import EVERY_CHANNEL_KEY, channel_lock_key
from tests.waiting import until

SLACK = ChannelRef("slack", "T1", "C1")
# Whether at least n writers wait for a held write (`_writes_held`).
WritersWaiting = Callable[[int], Awaitable[bool]]


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
    for the first. (SQLite has one write lock for the whole file: imports there always queued.)
    Since imports check one subscription per channel id, the second also queues on the lock
    every import holds (write_lock.py, `every_channel`) before it takes any row."""
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
        pid = (await blocker.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        first = asyncio.ensure_future(store.import_all([make(ref, ("robotics",)) for ref in channels], {}))
        second = asyncio.ensure_future(
            store.import_all([make(ref, ("video-generation",)) for ref in reversed(channels)], {})
        )
        await until(lambda: _waiting_behind(store.engine, pid, 2))
        await blocker.rollback()
    await asyncio.gather(first, second)
    topics = {subscription.interests.topics for subscription in await store.all()}
    assert len(topics) == 1  # all of one import (the one that came second), none of a mixture


async def test_imports_at_once_each_count_what_the_other_stored(store: SubscriptionStore) -> None:
    """Two imports of the same new channels at one moment: the one that writes second finds every
    channel subscribed by the first, and reports them updated ("0 new, 40 updated"). Each counted
    the channels already subscribed before it could write (SQLite: before it had the write lock;
    PostgreSQL: while the other's rows were not committed), and both reported all 40 new."""
    channels = [ChannelRef("slack", "T1", f"C{n:03}") for n in range(40)]
    async with _writes_held(store.engine, channels[0]) as writers_waiting:
        imports = [
            asyncio.ensure_future(store.import_all([make(ref, (topic,)) for ref in channels], {}))
            for topic in ("robotics", "agents")
        ]
        await until(lambda: writers_waiting(2))
    assert sorted(imported.updated for imported in await asyncio.gather(*imports)) == [0, len(channels)]
    assert await store.count() == len(channels)


@asynccontextmanager
async def _writes_held(
    engine: AsyncEngine, first: ChannelRef
) -> AsyncIterator[Callable[[int], Awaitable[bool]]]:
    """Hold writes of subscriptions back until the block ends (SQLite: the file's write lock;
    PostgreSQL: an uncommitted row of `first`, the channel every import writes first, rolled back
    at the end), giving whether at least n writers are waiting for it."""
    async with engine.connect() as holder:
        if engine.dialect.name == "sqlite":
            locking = await holder.execution_options(isolation_level="AUTOCOMMIT")
            await locking.exec_driver_sql("BEGIN IMMEDIATE")
            writers: set[int] = set()

            def seen(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
                # What takes the write lock: BEGIN IMMEDIATE, or an INSERT's implicit BEGIN.
                if statement.startswith(("BEGIN IMMEDIATE", "INSERT INTO subscriptions")):
                    writers.add(id(conn.connection.dbapi_connection))

            event.listen(engine.sync_engine, "before_cursor_execute", seen)

            async def sqlite_waiting(wanted: int) -> bool:
                return len(writers) >= wanted

            try:
                yield sqlite_waiting
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", seen)
                await locking.exec_driver_sql("ROLLBACK")
            return
        await holder.execute(
            insert(table).values(
                platform=first.platform,
                workspace=first.workspace,
                channel=first.channel,
                delivery_time="09:00",
                tz="UTC",
                locale="en",
                created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
                updated_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
            )
        )
        pid = (await holder.execute(text("SELECT pg_backend_pid()"))).scalar_one()

        yield lambda wanted: _waiting_behind(engine, pid, wanted)
        await holder.rollback()


async def test_a_workspace_paused_twice_at_once_in_other_orders_is_paused_by_both(
    store: SubscriptionStore,
) -> None:
    """Slack sends app_uninstalled and tokens_revoked together when a workspace removes paperbot,
    often to two replicas: each pauses every channel of the workspace in one transaction
    (`pause_many`), and the callers need not name the channels in one order. Rows taken in
    opposite orders deadlock on PostgreSQL, failing one; they are taken in `lock_order`, so the
    second waits for the first. (SQLite has one write lock for the whole file.)"""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    channels = [ChannelRef("slack", "T1", f"C{n:03}") for n in range(60)]
    await store.save_all([make(ref) for ref in channels])
    async with store.engine.connect() as blocker:
        # Hold a row in the middle, so both pauses are under way, their first rows locked, when
        # it is let go.
        await blocker.execute(
            select(table.c.id).where(table.c.channel == channels[30].channel).with_for_update()
        )
        pid = (await blocker.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        pauses = [
            asyncio.ensure_future(store.pause_many(dict.fromkeys(order, reason)))
            for reason, order in (("uninstalled", channels), ("revoked", channels[::-1]))
        ]
        await until(lambda: _waiting_behind(store.engine, pid, 2))
        await blocker.rollback()
    assert await asyncio.gather(*pauses) == [len(channels), len(channels)]
    reasons = {subscription.paused_reason for subscription in await store.all()}
    assert len(reasons) == 1  # every row last paused by the same one: they took turns


async def _waiting_behind(engine: AsyncEngine, pid: int, wanted: int) -> bool:
    """Whether `wanted` sessions wait for the session `pid`, or for one that waits for it."""
    async with engine.connect() as conn:
        waiting = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity AS s WHERE :pid = ANY(pg_blocking_pids(s.pid)) "
                "OR EXISTS (SELECT 1 FROM pg_stat_activity AS t WHERE :pid = ANY(pg_blocking_pids(t.pid)) "
                "AND t.pid = ANY(pg_blocking_pids(s.pid)))"
            ),
            {"pid": pid},
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


async def test_two_workspaces_creating_one_shared_channel_at_once_make_one_subscription(
    store: SubscriptionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workspaces sharing a channel (one id in both) subscribe it at one moment on two
    replicas. Each transaction checked for a subscription elsewhere before either had committed,
    found none, and created its own: every digest twice. Here neither creates its subscription
    before both have checked, unless the channel's advisory lock holds one change back, so the
    test does not depend on how the two happen to interleave. (SQLite lets one writer in at a
    time: always one.)"""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    shared = f"C{uuid.uuid4().hex[:10].upper()}"  # a key no other test run on the server locks
    refs = [ChannelRef("slack", "T1", shared), ChannelRef("slack", "T2", shared)]
    arrived: list[ChannelRef] = []
    check = subscriptions._elsewhere

    async def meeting(conn: AsyncConnection, ref: ChannelRef) -> list[Subscription]:
        found = await check(conn, ref)
        arrived.append(ref)
        # Neither goes on to create its subscription before both have checked.
        await until(lambda: len(arrived) == 2 or _held_back(store.engine, ref))
        return found

    monkeypatch.setattr(subscriptions, "_elsewhere", meeting)

    async def subscribe(ref: ChannelRef) -> object:
        try:
            return await store.change(ref, lambda current: current or make(ref))
        except SubscribedElsewhere as elsewhere:
            return elsewhere

    outcomes = await asyncio.gather(*(subscribe(ref) for ref in refs))
    assert [subscription.channel.channel for subscription in await store.all()] == [shared]
    refused = [outcome for outcome in outcomes if isinstance(outcome, SubscribedElsewhere)]
    assert len(refused) == 1


async def _held_back(engine: AsyncEngine, ref: ChannelRef) -> bool:
    """Whether a transaction waits for `ref`'s channel lock."""
    return await _waits_for(engine, channel_lock_key(ref))


async def _waits_for(engine: AsyncEngine, key: int) -> bool:
    """Whether a transaction waits for the advisory lock `key` (pg_locks shows a bigint advisory
    key as its high half in classid, its low half in objid)."""
    async with engine.connect() as conn:
        waiting = await conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1"
            ),
            {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
        )
        return int(waiting.scalar_one()) > 0


async def test_a_change_replaces_another_workspace_s_subscription_only_as_it_was_read(
    store: SubscriptionStore,
) -> None:
    """`replacing`: the caller found the other workspace's subscription abandoned (paperbot
    uninstalled there). The new one takes its place in one transaction, unless it changed since
    it was read (its owner reinstalled and resumed it): then it stays, and nothing is created."""
    home, sister = ChannelRef("slack", "T1", "C9"), ChannelRef("slack", "T2", "C9")
    await store.save(make(home, paused=True, paused_reason="uninstalled"))
    with pytest.raises(SubscribedElsewhere) as refused:
        await store.change(sister, lambda current: current or make(sister))
    [abandoned] = refused.value.others
    assert abandoned.paused
    await store.set_paused(home, False)  # resumed by its owner after the caller read it
    with pytest.raises(SubscribedElsewhere):
        await store.change(sister, lambda current: current or make(sister), replacing=[abandoned])
    assert [s.channel for s in await store.all()] == [home]
    await store.set_paused(home, True, "uninstalled")
    [abandoned] = [s for s in await store.all() if s.channel == home]
    before, after = await store.change(sister, lambda current: current or make(sister), replacing=[abandoned])
    assert (before, after) == (None, make(sister))
    assert [s.channel for s in await store.all()] == [sister]


async def test_an_import_skips_a_channel_another_workspace_subscribed(
    store: SubscriptionStore,
) -> None:
    """Two workspaces' exports merged (or imported into a database where the other workspace
    had subscribed the shared channel) used to give one channel two subscriptions: every digest
    twice. The first owner keeps it; the other entry is skipped, with its votes and last digest."""
    home, sister = ChannelRef("slack", "T1", "C9"), ChannelRef("slack", "T2", "C9")
    first, second = ChannelRef("slack", "T1", "C8"), ChannelRef("slack", "T2", "C8")
    await store.save(make(home))
    votes = ChannelPreferences()
    votes.record(
        Vote(
            "2611.00001", PaperFeatures(("robotics",), ()), UP, "U1", dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        )
    )
    digest = LastDigest(dt.date(2026, 11, 20), "posted")
    items = [make(home, ("robotics",)), make(sister), make(first), make(second)]
    imported = await store.import_all(items, {sister: votes, second: votes}, {sister: digest, second: digest})
    assert imported == Imported(updated=1, skipped={sister: home, second: first})
    assert [(s.channel, s.interests.topics) for s in await store.all()] == [
        (first, ("agents",)),
        (home, ("robotics",)),
    ]
    assert await VoteStore(store.engine).channels_with_votes() == set()
    assert await Outbox(store.engine).last_digests() == {}
    # Imported again, and with the owner's own entries only: nothing left to skip.
    assert (await store.import_all(items[:1], {})).skipped == {}


async def test_an_import_and_a_subscribe_from_another_workspace_at_once_make_one_subscription(
    store: SubscriptionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import of workspace T1's channel and T2's `/paper subscribe` of the same shared channel
    at one moment: each checks before the other has written, unless the import's lock holds
    the change back (or the other way round). (SQLite lets one writer in at a time: always one.)"""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    shared = f"C{uuid.uuid4().hex[:10].upper()}"
    home, sister = ChannelRef("slack", "T1", shared), ChannelRef("slack", "T2", shared)
    arrived: list[str] = []
    keys, elsewhere = SubscriptionStore._keys, subscriptions._elsewhere

    async def held_back() -> bool:
        # Either waits for the other on the lock imports hold alone and changes share.
        return await _waits_for(store.engine, EVERY_CHANNEL_KEY)

    async def meet(who: str) -> None:
        arrived.append(who)
        await until(lambda: len(arrived) == 2 or held_back())

    async def import_checks(self: SubscriptionStore, conn: AsyncConnection) -> dict[ChannelRef, bool]:
        found = await keys(self, conn)
        await meet("import")
        return found

    async def change_checks(conn: AsyncConnection, ref: ChannelRef) -> list[Subscription]:
        found = await elsewhere(conn, ref)
        await meet("change")
        return found

    monkeypatch.setattr(SubscriptionStore, "_keys", import_checks)
    monkeypatch.setattr(subscriptions, "_elsewhere", change_checks)

    async def subscribe() -> object:
        try:
            return await store.change(sister, lambda current: current or make(sister))
        except SubscribedElsewhere as refused:
            return refused

    await asyncio.gather(store.import_all([make(home)], {}), subscribe())
    assert len([s for s in await store.all() if s.channel.channel == shared]) == 1


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


async def test_a_row_that_follows_nothing_holds_a_shared_channel_for_no_one(store: SubscriptionStore) -> None:
    """A workspace that removed its channel's last topic (its row kept for its settings) gets no
    digest there, yet another workspace sharing the channel was refused as though it did ("This
    channel already gets its digest"). It may subscribe; and the first, coming back, is refused
    then: one channel, one digest."""
    home, sister = ChannelRef("slack", "T1", "C9"), ChannelRef("slack", "T2", "C9")
    await store.save(make(home, topics=()))
    assert await store.change(sister, lambda current: current or make(sister)) == (None, make(sister))
    with pytest.raises(SubscribedElsewhere) as refused:
        await store.change(home, lambda current: current and replace(current, interests=Interests(("code",))))
    assert [other.channel for other in refused.value.others] == [sister]
    stored = {s.channel: s.interests.topics for s in await store.all()}
    assert stored == {home: (), sister: ("agents",)}


async def test_an_import_skips_only_for_a_channel_another_workspace_follows_something_in(
    store: SubscriptionStore,
) -> None:
    """As `change` has it: a stored row that follows nothing claims no channel, and an entry
    that follows nothing claims none (it is kept, and gets no digest)."""
    home, sister = ChannelRef("slack", "T1", "C9"), ChannelRef("slack", "T2", "C9")
    await store.save(make(home, topics=()))
    imported = await store.import_all([make(sister)], {})
    assert imported == Imported(updated=0, skipped={})
    other, mine = ChannelRef("slack", "T1", "C7"), ChannelRef("slack", "T2", "C7")
    imported = await store.import_all([make(other, topics=()), make(mine), make(home)], {})
    assert imported == Imported(updated=0, skipped={home: sister})
    stored = {s.channel: s.interests.topics for s in await store.all()}
    assert stored == {home: (), sister: ("agents",), other: (), mine: ("agents",)}
