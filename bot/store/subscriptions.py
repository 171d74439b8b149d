"""The subscriptions repository: one row per channel, upserted by (platform, workspace, channel)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import RowMapping, and_, case, delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.models import ChannelRef, DigestSettings, Interests, LastDigest, Subscription
from bot.ranking.feedback import ChannelPreferences
from bot.store.database import as_utc
from bot.store.limits import chunks, row_problem
from bot.store.outbox import record_imported
from bot.store.tables import subscriptions as table
from bot.store.votes import replace_all, votes_problem
from bot.store.write_lock import insert_new, lock_order, write_transaction

# What a command does to a channel's subscription: the stored one (None: the channel has none) to
# the one to store (None: store nothing). SubscriptionStore.change applies it under a lock.
Edit = Callable[[Subscription | None], Subscription | None]
# One subscription per channel (the table's unique index).
_CHANNEL_KEY = ("platform", "workspace", "channel")


def _where(ref: ChannelRef) -> Any:
    return and_(
        table.c.platform == ref.platform, table.c.workspace == ref.workspace, table.c.channel == ref.channel
    )


def _row(subscription: Subscription, now: dt.datetime, since: dt.datetime | None = None) -> dict[str, Any]:
    ref = subscription.channel
    return {
        "platform": ref.platform,
        "workspace": ref.workspace,
        "channel": ref.channel,
        "topics": list(subscription.interests.topics),
        "keywords": list(subscription.interests.keywords),
        "excluded_topics": list(subscription.interests.excluded_topics),
        "excluded_keywords": list(subscription.interests.excluded_keywords),
        # Defaults are stored as NULL, so a later change of default reaches channels that kept it.
        "digest_size": _unless_default(subscription.settings.size, DEFAULTS.size),
        "min_upvotes": subscription.settings.min_upvotes,
        "digest_order": _unless_default(subscription.settings.order, DEFAULTS.order),
        "cadence": _unless_default(subscription.settings.cadence, DEFAULTS.cadence),
        "cadence_day": subscription.settings.weekday if subscription.settings.cadence == "weekly" else None,
        "card_images": subscription.settings.images,
        "card_layout": subscription.settings.layout,
        "delivery_time": subscription.time.strftime("%H:%M"),
        "tz": subscription.tz,
        "locale": subscription.locale,
        "paused": subscription.paused,
        "paused_reason": subscription.paused_reason,
        "created_by": subscription.created_by,
        "created_at": min(now, since) if since is not None else now,
        "updated_at": now,
    }


# How an import file names the columns whose names differ from its own (bot/chat/subscribing.py).
_LABELS = {
    "digest_size": "digest size",
    "min_upvotes": "digest min_upvotes",
    "digest_order": "digest order",
    "excluded_topics": "exclude_topics",
    "excluded_keywords": "exclude_keywords",
    "delivery_time": "time",
    "card_images": "digest images",
    "card_layout": "digest layout",
}


def import_problem(subscription: Subscription, feedback: ChannelPreferences | None) -> str | None:
    """Why the subscription, or one of the votes that come with it, cannot be stored on every
    supported database (bot/store/limits.py), or None. An import checks each entry with this
    before it writes anything."""
    problem = row_problem(table, _row(subscription, _now()), _LABELS)
    if problem is None and feedback is not None:
        problem = votes_problem(subscription.channel, feedback)
    return problem


def _subscription(row: RowMapping) -> Subscription:
    hour, minute = (int(part) for part in row["delivery_time"].split(":"))
    return Subscription(
        channel=ChannelRef(row["platform"], row["workspace"], row["channel"]),
        interests=Interests(
            tuple(row["topics"]),
            tuple(row["keywords"]),
            tuple(row["excluded_topics"] or ()),
            tuple(row["excluded_keywords"] or ()),
        ),
        time=dt.time(hour, minute),
        tz=row["tz"],
        locale=row["locale"],
        paused=bool(row["paused"]),
        paused_reason=row["paused_reason"],
        created_by=row["created_by"],
        subscribed_at=as_utc(row["created_at"]),
        settings=DigestSettings(
            size=row["digest_size"] or DEFAULTS.size,
            min_upvotes=row["min_upvotes"],
            order=row["digest_order"] or DEFAULTS.order,
            cadence=row["cadence"] or DEFAULTS.cadence,
            weekday=row["cadence_day"] if row["cadence_day"] is not None else DEFAULTS.weekday,
            images=bool(row["card_images"]),
            layout=row["card_layout"] or DEFAULTS.layout,
        ),
    )


DEFAULTS = DigestSettings()


def _unless_default(value: object, default: object) -> object:
    return None if value == default else value


class SubscriptionStore:
    """Reads and writes subscriptions, safe beside other replicas: every write is one statement,
    or (`change`) a read and a write in one transaction holding the row. `clock` says when a
    write happens: a new channel's `created_at` (Subscription.subscribed_at) is when it subscribed,
    or came back after following nothing, which decides whether a digest of a day before that is
    owed to it (bot/delivery/planner.py)."""

    def __init__(self, engine: AsyncEngine, *, clock: Callable[[], dt.datetime] = lambda: _now()) -> None:
        self.engine = engine
        self.clock = clock

    async def get(self, ref: ChannelRef) -> Subscription | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(table).where(_where(ref)))).mappings().first()
        return _subscription(row) if row else None

    async def get_many(self, refs: Sequence[ChannelRef]) -> dict[ChannelRef, Subscription]:
        """Several channels' subscriptions in one query (a delivery batch's)."""
        if not refs:
            return {}
        keys = [(ref.platform, ref.workspace, ref.channel) for ref in refs]
        query = select(table).where(tuple_(table.c.platform, table.c.workspace, table.c.channel).in_(keys))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        found = (_subscription(row) for row in rows)
        return {subscription.channel: subscription for subscription in found}

    async def all(self, *, platform: str | None = None) -> list[Subscription]:
        query = select(table).order_by(table.c.platform, table.c.workspace, table.c.channel)
        if platform is not None:
            query = query.where(table.c.platform == platform)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_subscription(row) for row in rows]

    async def count(self) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())

    async def save(self, subscription: Subscription) -> None:
        """Insert or replace the channel's subscription (its creator and creation time are kept)."""
        async with self.engine.begin() as conn:
            await self._upsert(conn, [subscription])

    async def change(
        self, ref: ChannelRef, edit: Edit, *, replacing: Collection[Subscription] = ()
    ) -> tuple[Subscription | None, Subscription | None]:
        """Store what `edit` makes of the channel's subscription as stored (None: it has none),
        unless it returns None or the same; (before, after), after being before when nothing was
        stored. The row is read and written in one transaction that holds it against every other
        writer (write_lock.py), so two commands changing one channel at once, on different
        replicas, each edit what the other stored and neither change is lost. `edit` may run
        more than once (when another writer creates the row meanwhile) and may raise to change
        nothing.

        One channel, one subscription: a subscription is not created for a channel id already
        subscribed under another workspace (SubscribedElsewhere), checked in the same
        transaction, which is serialised with every other change to that channel id in any
        workspace, so two workspaces sharing a channel (Slack Connect, an Enterprise Grid org)
        subscribing it at once create one subscription, not two.

        `replacing`: the other workspaces' subscriptions the caller found abandoned (their
        workspace uninstalled paperbot): deleted in the same transaction, and the channel's new
        subscription created in their place, only if they are exactly the ones stored elsewhere
        and unchanged since the caller read them (else SubscribedElsewhere, as without it), so
        one that its owner resumed meanwhile is never lost."""
        async with write_transaction(self.engine, channel=ref) as conn:
            while True:
                query = select(table).where(_where(ref)).with_for_update()
                row = (await conn.execute(query)).mappings().first()
                current = _subscription(row) if row else None
                updated = edit(current)
                if updated is None or updated == current:
                    return current, current
                # Checked whenever the channel comes to follow something: created, or back after
                # its last topic was removed (meanwhile another workspace may have subscribed it).
                claims = bool(updated.interests) and (current is None or not current.interests)
                if claims and (others := await _elsewhere(conn, ref)):
                    if not all(other in replacing for other in others):
                        raise SubscribedElsewhere(others)
                    for other in others:
                        await conn.execute(delete(table).where(_where(other.channel)))
                if current is not None:
                    await self._upsert(conn, [updated])
                    return current, updated
                if await insert_new(conn, table, _row(updated, self.clock()), _CHANNEL_KEY):
                    return None, updated
                # Another writer created the channel's row after the read found none (a lock
                # cannot be taken on a row that is not there): edit what it stored instead.

    async def save_all(self, items: Sequence[Subscription]) -> None:
        """Upsert many in one transaction: an import stores all of its entries or none."""
        async with self.engine.begin() as conn:
            await self._upsert(conn, items)

    async def import_all(
        self,
        items: Sequence[Subscription],
        feedback: Mapping[ChannelRef, ChannelPreferences],
        last_digests: Mapping[ChannelRef, LastDigest] | None = None,
    ) -> Imported:
        """An import file's subscriptions, the votes of the channels that carry feedback and the
        last digests the channels had where they were exported (bot/store/outbox.py,
        `record_imported`), in one transaction of chunked writes, so any size is stored whole or
        not at all. A new channel with a last digest counts as subscribed since that digest's day
        (midnight UTC, before its time there in any zone): it is owed what came after it, as it
        was where it came from (bot/delivery/planner.py). Check every item with `import_problem`
        first: what it passes, the databases accept.

        One channel, one subscription, as `change` keeps it: an entry whose channel id is
        subscribed under another workspace (stored, or an earlier entry of the file: two
        workspaces' exports merged) is skipped, with its votes and last digest, and reported.
        The check and the writes hold the lock every `change` of a channel waits for
        (write_lock.py, `every_channel`), so a `/paper subscribe` from another workspace at the
        same moment cannot add a second subscription either."""
        since = {
            ref: dt.datetime.combine(digest.date, dt.time(0), tzinfo=dt.UTC)
            for ref, digest in (last_digests or {}).items()
        }
        async with write_transaction(self.engine, every_channel=True) as conn:
            stored = await self._keys(conn)
            kept, skipped = _one_workspace_per_channel(items, stored)
            await self._upsert(conn, kept, since)
            await replace_all(conn, {ref: votes for ref, votes in feedback.items() if ref not in skipped})
            digests = {ref: digest for ref, digest in (last_digests or {}).items() if ref not in skipped}
            await record_imported(conn, digests, self.clock())
        return Imported(updated=sum(1 for item in kept if item.channel in stored), skipped=skipped)

    async def delete(self, ref: ChannelRef) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(table).where(_where(ref)))
        return bool(result.rowcount)

    async def set_paused(self, ref: ChannelRef, paused: bool, reason: str | None = None) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(table)
                .where(_where(ref))
                .values(paused=paused, paused_reason=reason if paused else None, updated_at=self.clock())
            )
        return bool(result.rowcount)

    async def in_workspace(self, platform: str, workspace: str) -> list[Subscription]:
        """Every subscription of one workspace (a Slack team, a Discord server)."""
        query = (
            select(table)
            .where(table.c.platform == platform, table.c.workspace == workspace)
            .order_by(table.c.channel)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_subscription(row) for row in rows]

    async def pause_many(self, reasons: Mapping[ChannelRef, str]) -> int:
        """Pause each channel with its own reason, in one transaction; how many were found."""
        if not reasons:
            return 0
        paused = 0
        now = self.clock()
        async with self.engine.begin() as conn:
            for ref, reason in sorted(reasons.items(), key=lambda item: lock_order(item[0])):
                result = await conn.execute(
                    update(table).where(_where(ref)).values(paused=True, paused_reason=reason, updated_at=now)
                )
                paused += result.rowcount
        return paused

    async def resume_if_paused_for(self, ref: ChannelRef, reasons: Collection[str]) -> bool:
        """Resume the channel only if it is paused with one of `reasons` (checked and changed in
        one statement, so a pause for another cause, written meanwhile, is never undone)."""
        if not reasons:
            return False
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(table)
                .where(_where(ref), table.c.paused.is_(True), table.c.paused_reason.in_(list(reasons)))
                .values(paused=False, paused_reason=None, updated_at=self.clock())
            )
        return bool(result.rowcount)

    async def _upsert(
        self,
        conn: AsyncConnection,
        items: Sequence[Subscription],
        since: Mapping[ChannelRef, dt.datetime] | None = None,
    ) -> None:
        """Insert or update each channel's row; a new row's created_at is now, or its channel's
        `since` when that is earlier (an update keeps the one stored)."""
        if not items:
            return
        since = since or {}
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        now = self.clock()
        statement = dialect.insert(table)
        kept = {"id", "platform", "workspace", "channel", "created_at"}
        changes = {name: statement.excluded[name] for name in _row(items[0], now) if name not in kept}
        # An import without an owner must not erase the one recorded when the channel subscribed.
        changes["created_by"] = func.coalesce(statement.excluded.created_by, table.c.created_by)
        # A row that follows nothing (its last topic removed; its settings kept) and follows
        # something again is a new subscription: it was subscribed to nothing meanwhile, so it
        # is owed no digest of a day before it came back (bot/delivery/planner.py). A paused
        # channel stays subscribed: resuming it keeps its date.
        came_back = and_(_follows_nothing(table.c), ~_follows_nothing(statement.excluded))
        changes["created_at"] = case((came_back, statement.excluded.created_at), else_=table.c.created_at)
        upsert = statement.on_conflict_do_update(index_elements=list(_CHANNEL_KEY), set_=changes)
        # executemany in chunks, not one multi-row VALUES: 24 columns a row met asyncpg's
        # 32,767-parameter cap at 1,366 rows (bot/store/limits.py).
        for chunk in chunks(sorted(items, key=lambda item: lock_order(item.channel))):
            await conn.execute(upsert, [_row(item, now, since.get(item.channel)) for item in chunk])

    async def _keys(self, conn: AsyncConnection) -> dict[ChannelRef, bool]:
        """Every stored channel, and whether it follows something, from one read of every key:
        PostgreSQL answers a (platform, workspace, channel) IN list by scanning the table once
        per list, which took minutes at 100,000 channels (benchmarks/bench_import.py)."""
        follows = ~_follows_nothing(table.c)
        rows = await conn.execute(select(table.c.platform, table.c.workspace, table.c.channel, follows))
        return {
            ChannelRef(platform, workspace, channel): bool(yes) for platform, workspace, channel, yes in rows
        }


@dataclass(frozen=True, slots=True)
class Imported:
    """What `import_all` did: how many of the channels it stored were subscribed before (updated
    rather than new), and the entries it skipped, each with the subscription the channel id
    already has under another workspace."""

    updated: int
    skipped: dict[ChannelRef, ChannelRef] = field(default_factory=dict)


def _one_workspace_per_channel(
    items: Sequence[Subscription], stored: Mapping[ChannelRef, bool]
) -> tuple[list[Subscription], dict[ChannelRef, ChannelRef]]:
    """The items to store, and the ones to skip (each with the channel's owner): a channel id's
    owner is the workspace it is stored under following something (`stored`: whether each
    does), else the first item's that names it and follows something. A row or an entry that
    follows nothing gets no digest and claims no channel, as in `change`: it is always kept."""
    owners: dict[tuple[str, str], set[str]] = {}
    for ref, follows in stored.items():
        if follows:
            owners.setdefault((ref.platform, ref.channel), set()).add(ref.workspace)
    kept: list[Subscription] = []
    skipped: dict[ChannelRef, ChannelRef] = {}
    for item in items:
        ref = item.channel
        if not item.interests:
            kept.append(item)
            continue
        owner = owners.setdefault((ref.platform, ref.channel), {ref.workspace})
        if ref.workspace in owner:
            kept.append(item)
        else:
            skipped[ref] = ChannelRef(ref.platform, min(owner), ref.channel)
    return kept, skipped


def _follows_nothing(columns: Any) -> Any:
    """Whether a row's topics and keywords (JSON lists, on either database) are both empty:
    Interests' falsehood, in SQL (exclusions alone follow nothing)."""
    return func.json_array_length(columns.topics) + func.json_array_length(columns.keywords) == 0


class SubscribedElsewhere(Exception):
    """`change` created no subscription: the channel is subscribed under other workspaces
    (`others`, as stored: whether each is paused, who set it up)."""

    def __init__(self, others: Sequence[Subscription]) -> None:
        first = others[0].channel
        workspaces = ", ".join(other.channel.workspace for other in others)
        super().__init__(f"{first.platform} channel {first.channel} is subscribed from {workspaces}")
        self.others = list(others)


async def _elsewhere(conn: AsyncConnection, ref: ChannelRef) -> list[Subscription]:
    """The same channel subscribed under other workspaces: a Slack channel shared between the
    workspaces of an Enterprise Grid org, or with another organisation (Slack Connect), keeps one
    id in all of them, and a command typed there names the caller's workspace. Locked: `change`
    may delete them (`replacing`). A row that follows nothing (its last topic removed, its
    settings kept) is no subscription: it gets no digest, so it holds the channel for no one."""
    query = select(table).where(
        table.c.platform == ref.platform,
        table.c.channel == ref.channel,
        table.c.workspace != ref.workspace,
        ~_follows_nothing(table.c),
    )
    rows = (await conn.execute(query.order_by(table.c.workspace).with_for_update())).mappings().all()
    return [_subscription(row) for row in rows]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
