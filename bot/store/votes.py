"""The feedback votes repository: each reader's latest 👍 / 👎 per paper and channel.

A row is a standing vote, unique per (channel, paper, reader). Pressing a button is a toggle:
the other direction replaces the reader's vote, the same direction again withdraws it. What the
votes teach is derived (`ChannelPreferences`), so only votes are stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.models import ChannelRef
from bot.ranking.feedback import (
    FORGET_AFTER_HALF_LIVES,
    HALF_LIFE_DAYS,
    ChannelPreferences,
    PaperFeatures,
    Vote,
)
from bot.store.database import as_utc
from bot.store.limits import chunks, row_problem
from bot.store.tables import feedback_votes as table
from bot.store.write_lock import insert_new, lock_order, write_transaction

log = logging.getLogger("paperbot.votes")
# One vote per reader, paper and channel (the table's unique index).
_VOTE_KEY = ("platform", "workspace", "channel", "arxiv_id", "voter")

# Past this age a vote weighs nothing in ChannelPreferences (eight half-lives): it is deleted
# when the channel next votes, so the table stays bounded by what still counts.
HORIZON = dt.timedelta(days=HALF_LIFE_DAYS * FORGET_AFTER_HALF_LIVES)

Outcome = Literal["recorded", "changed", "retracted"]


def _where(ref: ChannelRef) -> Any:
    return and_(
        table.c.platform == ref.platform, table.c.workspace == ref.workspace, table.c.channel == ref.channel
    )


def _where_vote(ref: ChannelRef, arxiv_id: str, user: str) -> Any:
    return and_(_where(ref), table.c.arxiv_id == arxiv_id, table.c.voter == user)


def _row(ref: ChannelRef, vote: Vote) -> dict[str, Any]:
    return {
        "platform": ref.platform,
        "workspace": ref.workspace,
        "channel": ref.channel,
        "arxiv_id": vote.paper,
        "voter": vote.user,
        "direction": vote.direction,
        "features": vote.features.to_json(),
        "voted_at": vote.at,
    }


# How an import file names the vote columns (`feedback` in bot/chat/subscribing.py).
_LABELS = {
    "arxiv_id": "feedback paper id",
    "voter": "feedback user",
    "features": "feedback topics or terms",
    "voted_at": "feedback vote time",
}


def votes_problem(channel: ChannelRef, preferences: ChannelPreferences) -> str | None:
    """Why one of the channel's votes cannot be stored (a paper id longer than its column …), or None."""
    for vote in preferences.votes():
        problem = row_problem(table, _row(channel, vote), _LABELS)
        if problem is not None:
            return problem
    return None


async def replace_all(conn: AsyncConnection, feedback: Mapping[ChannelRef, ChannelPreferences]) -> int:
    """Make each channel's votes exactly those of its preferences, inside the caller's
    transaction (an import's), in chunks of executemany so no size meets a parameter cap, in
    `lock_order`; how many votes were written. Rows are checked by `votes_problem` first."""
    in_order = sorted(feedback.items(), key=lambda item: lock_order(item[0]))
    channels = [{"p": ref.platform, "w": ref.workspace, "c": ref.channel} for ref, _ in in_order]
    forget = delete(table).where(
        table.c.platform == bindparam("p"),
        table.c.workspace == bindparam("w"),
        table.c.channel == bindparam("c"),
    )
    for chunk in chunks(channels):
        await conn.execute(forget, list(chunk))
    rows = [_row(ref, vote) for ref, preferences in in_order for vote in preferences.votes()]
    for chunk in chunks(rows):
        await conn.execute(insert(table), list(chunk))
    return len(rows)


class VoteStore:
    """Reads and writes votes; every change is one transaction, safe beside other replicas."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def press(self, channel: ChannelRef, vote: Vote) -> Outcome:
        """A reader pressed 👍 or 👎: `recorded` (first vote on the paper), `changed` (the other
        direction replaced their vote) or `retracted` (the same button again withdrew it). The
        vote is read and written in one transaction holding it against every other writer
        (write_lock.py), so presses handled at once (a double-click reaching two replicas) toggle
        in turn, each seeing what the one before it stored."""
        where = _where_vote(channel, vote.paper, vote.user)
        async with write_transaction(self.engine) as conn:
            while True:
                query = select(table.c.direction).where(where).with_for_update()
                standing = (await conn.execute(query)).scalar_one_or_none()
                if standing == vote.direction:
                    await conn.execute(delete(table).where(where))
                    return "retracted"
                if standing is not None:
                    values = _row(channel, vote)
                    changes = {name: values[name] for name in ("direction", "features", "voted_at")}
                    await conn.execute(update(table).where(where).values(changes))
                    break
                if await insert_new(conn, table, _row(channel, vote), _VOTE_KEY):
                    break
                # Another press inserted the vote after the read found none (a lock cannot be
                # taken on a row that is not there): toggle what it stored instead.
            await _forget_old(conn, channel, vote.at - HORIZON)
        return "recorded" if standing is None else "changed"

    async def retract(self, channel: ChannelRef, arxiv_id: str, user: str) -> bool:
        """Withdraw a reader's vote on a paper; False if there was none."""
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(table).where(_where_vote(channel, arxiv_id, user)))
        return bool(result.rowcount)

    async def votes(self, channel: ChannelRef) -> list[Vote]:
        """The channel's standing votes, oldest first (a row that cannot be read is skipped)."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(table).where(_where(channel)).order_by(table.c.voted_at, table.c.id)
                )
            ).mappings()
            found = []
            for row in rows:
                try:
                    features = row["features"]
                    found.append(
                        Vote(
                            paper=row["arxiv_id"],
                            features=PaperFeatures(
                                topics=tuple(str(x) for x in features.get("topics", [])),
                                terms=tuple(str(x) for x in features.get("terms", [])),
                            ),
                            direction=row["direction"],
                            user=row["voter"],
                            at=as_utc(row["voted_at"]),
                        )
                    )
                except (AttributeError, TypeError, ValueError):
                    log.warning("%s: skipped an unreadable vote on %s", channel, row["arxiv_id"])
            return found

    async def preferences_for(self, channel: ChannelRef) -> ChannelPreferences:
        """What the channel's votes say (empty when it has none)."""
        preferences = ChannelPreferences()
        for vote in await self.votes(channel):
            preferences.record(vote)
        return preferences

    async def channels_with_votes(self) -> set[ChannelRef]:
        """Every channel with at least one standing vote (one query for a whole delivery pass)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(table.c.platform, table.c.workspace, table.c.channel).distinct())
            return {ChannelRef(platform, workspace, channel) for platform, workspace, channel in rows}

    async def replace(self, channel: ChannelRef, preferences: ChannelPreferences) -> int:
        """Make the channel's votes exactly those of `preferences` (an import); how many."""
        async with self.engine.begin() as conn:
            return await replace_all(conn, {channel: preferences})

    async def forget_channel(self, channel: ChannelRef) -> int:
        """Delete every vote of the channel; how many."""
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(table).where(_where(channel)))
        return int(result.rowcount or 0)


async def _forget_old(conn: AsyncConnection, channel: ChannelRef, before: dt.datetime) -> None:
    """Delete the channel's votes older than `before`, passing over those another press holds:
    two readers re-pressing old votes at once would otherwise each wait for the other's row
    (a deadlock on PostgreSQL), and a vote being pressed is not old."""
    old = select(table.c.id).where(_where(channel), table.c.voted_at < before)
    if conn.dialect.name == "postgresql":
        old = old.with_for_update(skip_locked=True)
    await conn.execute(delete(table).where(table.c.id.in_(old.scalar_subquery())))
