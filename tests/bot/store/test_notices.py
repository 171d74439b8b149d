"""The notices table: each notice kept once whoever asks, claimed by one sender, retried, given up."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Recipient
from bot.store.notices import MAX_ATTEMPTS, OUTAGE_PATIENCE, NewNotice, NoticeStore

NOW = dt.datetime(2026, 5, 6, 12, 0, tzinfo=dt.UTC)
OPS = Recipient("slack", "T1", "COPS")
LEASE = dt.timedelta(minutes=2)


def late(day: str = "2026-05-06", recipient: Recipient = OPS) -> NewNotice:
    return NewNotice("report_late", day, recipient, f"no report for {day}")


async def test_a_notice_asked_for_twice_is_kept_once(engine: AsyncEngine) -> None:
    store = NoticeStore(engine)
    assert await store.add([late()], NOW) == [late()]
    # Another replica, a later pass, a restart: nothing new.
    assert await NoticeStore(engine).add([late(), late("2026-05-07")], NOW) == [late("2026-05-07")]
    # The same subject to another recipient is another notice.
    dm = late(recipient=Recipient("slack", "T1", user="U1"))
    assert await store.add([dm], NOW) == [dm]
    assert len(await store.list()) == 3


async def test_replicas_asking_at_once_keep_one(engine: AsyncEngine) -> None:
    stores = [NoticeStore(engine) for _ in range(4)]
    added = await asyncio.gather(*(store.add([late()], NOW) for store in stores))
    assert sorted(len(a) for a in added) == [0, 0, 0, 1]
    assert [n.status for n in await stores[0].list()] == ["pending"]


async def test_claim_once(engine: AsyncEngine) -> None:
    store = NoticeStore(engine)
    assert await store.claim_once("no_report", "2026-05-09", NOW)
    assert not await NoticeStore(engine).claim_once("no_report", "2026-05-09", NOW)
    assert await store.claim_once("no_report", "2026-05-10", NOW)


async def test_a_notice_for_the_log_is_sent_when_kept(engine: AsyncEngine) -> None:
    store = NoticeStore(engine)
    await store.add([late(recipient=Recipient(Recipient.LOG_ONLY))], NOW)
    assert [(n.status, n.sent_at) for n in await store.list()] == [("sent", NOW)]
    assert await store.claim("w1", NOW, limit=10, lease=LEASE, platforms=["log", "slack"]) == []


async def test_one_sender_claims_it_and_records_it_sent(engine: AsyncEngine) -> None:
    store = NoticeStore(engine)
    await store.add([late()], NOW)
    claims = await asyncio.gather(
        *(
            NoticeStore(engine).claim(f"w{i}", NOW, limit=10, lease=LEASE, platforms=["slack"])
            for i in range(3)
        )
    )
    assert sorted(len(c) for c in claims) == [0, 0, 1]
    [notice] = next(c for c in claims if c)
    assert notice.recipient == OPS
    worker = next(f"w{i}" for i, c in enumerate(claims) if c)
    assert await store.finish(notice, worker, NOW) == "sent"
    [stored] = await store.list()
    assert (stored.status, stored.attempts, stored.sent_at) == ("sent", 1, NOW)
    later = NOW + dt.timedelta(days=1)
    assert await store.claim("w9", later, limit=10, lease=LEASE, platforms=["slack"]) == []


async def test_only_senders_of_its_platform_claim_it(engine: AsyncEngine) -> None:
    store = NoticeStore(engine)
    await store.add([late()], NOW)
    assert (
        await store.claim("discord-only", NOW, limit=10, lease=LEASE, platforms=["discord", "console"]) == []
    )
    assert len(await store.claim("slack", NOW, limit=10, lease=LEASE, platforms=["slack"])) == 1


async def test_a_failed_send_is_retried_with_backoff_then_given_up(engine: AsyncEngine) -> None:
    store = NoticeStore(engine)
    await store.add([late()], NOW)
    moment = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [notice] = await store.claim("w1", moment, limit=10, lease=LEASE, platforms=["slack"])
        status = await store.finish(notice, "w1", moment, error="ratelimited")
        assert status == ("failed" if attempt == MAX_ATTEMPTS else "pending")
        # Not again at once: after a backoff.
        assert await store.claim("w1", moment, limit=10, lease=LEASE, platforms=["slack"]) == []
        moment += dt.timedelta(hours=1)
    [stored] = await store.list()
    assert (stored.status, stored.attempts, stored.last_error) == ("failed", MAX_ATTEMPTS, "ratelimited")


async def test_a_platform_outage_uses_no_try_until_the_notice_is_a_day_old(engine: AsyncEngine) -> None:
    """The notice of a digest that failed because Slack was down for hours goes to Slack: five
    tries over ~15 minutes gave it up while Slack was still down, and nobody was told."""
    store = NoticeStore(engine)
    await store.add([late()], NOW)
    moment = NOW
    for _ in range(MAX_ATTEMPTS * 4):
        [notice] = await store.claim("w1", moment, limit=10, lease=LEASE, platforms=["slack"])
        assert await store.finish(notice, "w1", moment, error="http_503", outage=True) == "pending"
        assert await store.claim("w1", moment, limit=10, lease=LEASE, platforms=["slack"]) == []
        moment += dt.timedelta(minutes=5)  # the cap: it is due again by then
    [stored] = await store.list()
    assert (stored.status, stored.attempts) == ("pending", 0)
    [notice] = await store.claim("w1", moment, limit=10, lease=LEASE, platforms=["slack"])
    assert await store.finish(notice, "w1", moment) == "sent"  # Slack is back
    await store.add([late("2026-05-07")], NOW)
    gone = NOW + OUTAGE_PATIENCE
    [notice] = await store.claim("w1", gone, limit=10, lease=LEASE, platforms=["slack"])
    assert await store.finish(notice, "w1", gone, error="http_503", outage=True) == "pending"  # a try used
    [stored] = [n for n in await store.list() if n.subject == "2026-05-07"]
    assert stored.attempts == 1


async def test_a_permanent_failure_is_given_up_at_once(engine: AsyncEngine) -> None:
    store = NoticeStore(engine)
    await store.add([late()], NOW)
    [notice] = await store.claim("w1", NOW, limit=10, lease=LEASE, platforms=["slack"])
    assert await store.finish(notice, "w1", NOW, error="channel_not_found", permanent=True) == "failed"


async def test_a_sender_that_died_is_taken_over_after_its_lease(engine: AsyncEngine) -> None:
    store = NoticeStore(engine)
    await store.add([late()], NOW)
    [notice] = await store.claim("dead", NOW, limit=10, lease=LEASE, platforms=["slack"])
    assert await store.claim("w2", NOW + LEASE / 2, limit=10, lease=LEASE, platforms=["slack"]) == []
    [again] = await store.claim("w2", NOW + LEASE * 2, limit=10, lease=LEASE, platforms=["slack"])
    assert again.id == notice.id
    # The one that lost its claim records nothing; the new owner does.
    assert await store.finish(notice, "dead", NOW + LEASE * 2) == "lost"
    assert await store.finish(again, "w2", NOW + LEASE * 2) == "sent"


async def test_known_subjects(engine: AsyncEngine) -> None:
    store = NoticeStore(engine)
    await store.add([NewNotice("delivery_failed", "d1", OPS, "x")], NOW)
    assert await store.known("delivery_failed", ["d1", "d2"]) == {"d1"}
    assert await store.known("channel_paused", ["d1"]) == set()
    assert await store.known("delivery_failed", []) == set()
