"""The feedback votes repository on SQLite and PostgreSQL: toggle semantics, per channel and reader."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef
from bot.ranking.feedback import DOWN, UP, ChannelPreferences, PaperFeatures, Vote
from bot.store.votes import HORIZON, VoteStore

ROOM = ChannelRef("slack", "T1", "C1")
OTHER = ChannelRef("discord", "111", "222")
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
ROBOTS = PaperFeatures(topics=("reinforcement-learning", "robotics"), terms=("robot", "manipulation"))


def vote(paper: str, direction: int, user: str = "U1", at: dt.datetime = NOW) -> Vote:
    return Vote(paper, ROBOTS, direction, user, at)


async def test_a_press_records_the_other_button_replaces_the_same_one_retracts(engine: AsyncEngine) -> None:
    store = VoteStore(engine)
    assert await store.press(ROOM, vote("2611.00001", UP)) == "recorded"
    assert [(v.paper, v.direction, v.user) for v in await store.votes(ROOM)] == [("2611.00001", UP, "U1")]
    later = NOW + dt.timedelta(minutes=1)
    assert await store.press(ROOM, vote("2611.00001", DOWN, at=later)) == "changed"
    (only,) = await store.votes(ROOM)
    assert (only.direction, only.at, only.features) == (DOWN, later, ROBOTS)
    assert await store.press(ROOM, vote("2611.00001", DOWN, at=later)) == "retracted"
    assert await store.votes(ROOM) == []
    assert await store.channels_with_votes() == set()


async def test_votes_are_kept_per_channel_and_reader(engine: AsyncEngine) -> None:
    store = VoteStore(engine)
    await store.press(ROOM, vote("2611.00001", UP, "U1"))
    await store.press(ROOM, vote("2611.00001", DOWN, "U2"))
    await store.press(OTHER, vote("2611.00001", DOWN, "U1"))
    assert {(v.user, v.direction) for v in await store.votes(ROOM)} == {("U1", UP), ("U2", DOWN)}
    assert [(v.user, v.direction) for v in await store.votes(OTHER)] == [("U1", DOWN)]
    assert await store.channels_with_votes() == {ROOM, OTHER}
    assert await store.retract(ROOM, "2611.00001", "U2")
    assert not await store.retract(ROOM, "2611.00001", "U2")
    assert [v.user for v in await store.votes(ROOM)] == ["U1"]


async def test_preferences_are_learned_from_the_stored_votes(engine: AsyncEngine) -> None:
    store = VoteStore(engine)
    for number in range(6):
        await store.press(ROOM, vote(f"2611.0000{number}", DOWN, at=NOW + dt.timedelta(minutes=number)))
    preferences = await store.preferences_for(ROOM)
    assert len(preferences) == 6
    assert preferences.factor(ROBOTS, NOW) < 1
    assert preferences.disliked(ROBOTS, NOW + dt.timedelta(minutes=6))
    assert len(await store.preferences_for(OTHER)) == 0


async def test_replace_restores_exported_preferences_exactly(engine: AsyncEngine) -> None:
    store = VoteStore(engine)
    await store.press(ROOM, vote("2611.09999", UP, "stale"))
    exported = ChannelPreferences()
    exported.record(vote("2611.00001", UP, "U1"))
    exported.record(vote("2611.00002", DOWN, "U2", NOW + dt.timedelta(hours=1)))
    restored = ChannelPreferences.from_json(exported.to_json())
    assert await store.replace(ROOM, restored) == 2
    assert (await store.preferences_for(ROOM)).to_json() == exported.to_json()


async def test_votes_past_the_horizon_are_deleted_when_the_channel_votes_again(engine: AsyncEngine) -> None:
    store = VoteStore(engine)
    old = NOW - HORIZON - dt.timedelta(days=1)
    await store.press(ROOM, vote("2611.00001", UP, at=old))
    await store.press(OTHER, vote("2611.00001", UP, at=old))
    await store.press(ROOM, vote("2611.00002", UP))
    assert [v.paper for v in await store.votes(ROOM)] == ["2611.00002"]
    assert len(await store.votes(OTHER)) == 1  # another channel's votes are its own business


async def test_presses_at_once_toggle_in_turn(engine: AsyncEngine) -> None:
    """A reader's double-click handled at once by two replicas (or two tasks): each press sees
    what the one before it stored, so two presses of one button record and withdraw, and an odd
    number leaves the vote standing; the outcomes say so, one `recorded` each time."""
    store = VoteStore(engine)
    twice = await asyncio.gather(*(store.press(ROOM, vote("2611.00001", UP)) for _ in range(2)))
    assert sorted(twice) == ["recorded", "retracted"]
    assert await store.votes(ROOM) == []
    thrice = await asyncio.gather(*(store.press(ROOM, vote("2611.00002", DOWN)) for _ in range(3)))
    assert sorted(thrice) == ["recorded", "recorded", "retracted"]
    assert [(v.paper, v.direction) for v in await store.votes(ROOM)] == [("2611.00002", DOWN)]


async def test_members_voting_at_once_keep_every_vote(engine: AsyncEngine) -> None:
    store = VoteStore(engine)
    readers = [f"U{number}" for number in range(8)]
    outcomes = await asyncio.gather(*(store.press(ROOM, vote("2611.00001", UP, user)) for user in readers))
    assert outcomes == ["recorded"] * len(readers)
    assert sorted(v.user for v in await store.votes(ROOM)) == readers
