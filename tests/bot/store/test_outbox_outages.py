"""A platform outage is waited out without using up a digest's attempts (`Outbox.finish`): six
attempts spread over half an hour ended every digest of a half-hour Slack outage as failed. The
outage is bounded by the digest's worth (`outage_until`), and a Retry-After is honoured."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef
from bot.ports import PublishResult
from bot.store.outbox import (
    FIRST_RETRY,
    MAX_ATTEMPTS,
    OUTAGE_RETRY_CAP,
    Delivery,
    Outbox,
    Planned,
    outage_delay,
)

ROOM = ChannelRef("slack", "T1", "C1")
DAY = dt.date(2026, 11, 20)
DUE = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
WORTH_UNTIL = DUE + dt.timedelta(hours=12)
LEASE = dt.timedelta(seconds=30)
# Part 1 of 3 is up, part 2 met Slack's 503: what the Slack publisher returns mid-digest.
OUTAGE = PublishResult("failed", ("1.0001",), 1, "http_503", parts=3, outage=True)


@pytest.fixture
async def outbox(engine: AsyncEngine) -> Outbox:
    outbox = Outbox(engine)
    await outbox.ensure([Planned(ROOM, DAY, DUE)], DUE)
    return outbox


async def claim(outbox: Outbox, now: dt.datetime) -> Delivery:
    (delivery,) = await outbox.claim("w", now, limit=1, lease=LEASE)
    return delivery


async def test_an_outage_uses_no_attempt_and_keeps_the_parts_already_up(outbox: Outbox) -> None:
    now = DUE
    for _ in range(MAX_ATTEMPTS * 3):  # three times as many tries as the attempts a digest has
        delivery = await claim(outbox, now)
        status = await outbox.finish(delivery, "w", OUTAGE, now, posted=["1.0001"], outage_until=WORTH_UNTIL)
        assert status == "pending"
        (row,) = await outbox.list()
        assert row.next_attempt_at is not None
        now = row.next_attempt_at
    assert now < WORTH_UNTIL
    (row,) = await outbox.list()
    assert (row.status, row.attempts, row.next_part, row.posted) == ("pending", 0, 1, ("1.0001",))
    assert row.uncertain  # the part that met the 503 may be up: the next try asks first
    assert row.last_error is not None
    assert row.last_error.startswith("http_503 (platform unavailable")


async def test_without_outage_until_an_outage_counts_as_any_failure(outbox: Outbox) -> None:
    delivery = await claim(outbox, DUE)
    assert await outbox.finish(delivery, "w", OUTAGE, DUE, posted=[]) == "pending"
    (row,) = await outbox.list()
    assert row.attempts == 1


async def test_a_channels_own_failure_still_uses_an_attempt(outbox: Outbox) -> None:
    own = PublishResult("failed", (), 0, "missing_scope", parts=3)
    delivery = await claim(outbox, DUE)
    await outbox.finish(delivery, "w", own, DUE, posted=[], outage_until=WORTH_UNTIL)
    (row,) = await outbox.list()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "missing_scope")


async def test_an_outage_past_the_digests_worth_fails_it_for_good_saying_why(outbox: Outbox) -> None:
    late = WORTH_UNTIL + dt.timedelta(seconds=1)
    delivery = await claim(outbox, late)
    assert await outbox.finish(delivery, "w", OUTAGE, late, posted=["1.0001"], outage_until=WORTH_UNTIL) == (
        "failed"
    )
    (row,) = await outbox.list()
    assert (row.status, row.attempts, row.posted) == ("failed", 1, ("1.0001",))
    assert row.last_error is not None
    assert "platform unavailable until 2026-11-20 21:00 UTC" in row.last_error


async def test_a_retry_after_longer_than_the_backoff_is_honoured(outbox: Outbox) -> None:
    limited = PublishResult("failed", (), 0, "ratelimited", parts=3, outage=True, retry_after=600)
    delivery = await claim(outbox, DUE)
    await outbox.finish(delivery, "w", limited, DUE, posted=[], outage_until=WORTH_UNTIL)
    (row,) = await outbox.list()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, DUE + dt.timedelta(seconds=600))
    assert await outbox.claim("w", DUE + dt.timedelta(seconds=599), limit=1, lease=LEASE) == []
    assert len(await outbox.claim("w", DUE + dt.timedelta(seconds=600), limit=1, lease=LEASE)) == 1


def test_outage_tries_spread_out_with_the_overdue_time_up_to_the_cap() -> None:
    rng = random.Random(7)
    assert FIRST_RETRY / 2 <= outage_delay(dt.timedelta(0), rng) <= FIRST_RETRY
    four_minutes_late = outage_delay(dt.timedelta(minutes=4), rng)
    assert dt.timedelta(minutes=1) <= four_minutes_late <= dt.timedelta(minutes=2)
    for hours in (1, 6, 11):
        assert OUTAGE_RETRY_CAP / 2 <= outage_delay(dt.timedelta(hours=hours), rng) <= OUTAGE_RETRY_CAP


async def test_giving_up_after_an_outage_says_the_platform_was_down_once(outbox: Outbox) -> None:
    delivery = await claim(outbox, DUE)
    await outbox.finish(delivery, "w", OUTAGE, DUE, posted=["1.0001"], outage_until=WORTH_UNTIL)
    late = WORTH_UNTIL + dt.timedelta(hours=3)  # every deliverer was stopped meanwhile
    assert await outbox.give_up(await claim(outbox, late), "w", late, WORTH_UNTIL) == "http_503"
    (row,) = await outbox.list()
    assert (row.status, row.attempts, row.posted) == ("failed", 1, ("1.0001",))
    assert row.last_error == (
        "http_503 (platform unavailable until 2026-11-20 21:00 UTC; a digest is not sent later than that)"
    )


async def test_giving_up_after_failed_attempts_keeps_their_count(outbox: Outbox) -> None:
    own = PublishResult("failed", (), 0, "missing_scope", parts=3)
    delivery = await claim(outbox, DUE)
    await outbox.finish(delivery, "w", own, DUE, posted=[], outage_until=WORTH_UNTIL)
    late = WORTH_UNTIL + dt.timedelta(hours=3)
    assert await outbox.give_up(await claim(outbox, late), "w", late, WORTH_UNTIL) == "missing_scope"
    (row,) = await outbox.list()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == (
        "missing_scope (not tried again after 2026-11-20 21:00 UTC; a digest is not sent later than that)"
    )
