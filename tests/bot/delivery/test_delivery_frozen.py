"""A multi-part digest that failed midway is finished as it began: every paper once, none lost.

Slack and Discord split a large digest into several messages; a transient failure after the first
parts leaves the rest to a retry minutes later. Whatever changed meanwhile (readers' 👍 / 👎 on the
cards already up, a corrected report, the channel's settings), the retry posts the remaining
parts of the digest begun, not parts of a digest built anew."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import LEASE
from bot.models import ChannelRef, DigestSettings, Interests, Paper, Report, Subscription
from bot.ports import PublishResult
from bot.ranking.digest import Digest
from bot.ranking.feedback import DOWN, UP
from bot.ranking.tuning import cast_vote
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.store.votes import VoteStore
from bot.topics.taxonomy import builtin_taxonomy
from tests.bot.delivery.test_delivery_flow import deliverer
from tests.factories import paper

DAY = dt.date(2026, 4, 6)
NOW = dt.datetime(2026, 4, 7, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)  # past any retry delay
CHANNEL = ChannelRef("console", "local", "C1")
RL = Interests(("reinforcement-learning",))
PER_PART = 2


class Dies(Exception):
    pass


class PartedPublisher:
    """Splits a digest into messages of PER_PART papers, as a platform splits a large digest, and
    fails the second message once (a 503). Records which papers reached the channel, in order."""

    def __init__(self, *, fail_part: int | None = 1, per_part: int = PER_PART) -> None:
        self.fail_part = fail_part
        self.per_part = per_part
        self.channel: list[str] = []  # arXiv ids as the channel shows them
        self.up: dict[str, set[int]] = {}  # parts of each delivery key in the channel

    def split(self, digest: Digest, subscription: Subscription) -> list[list[str]]:
        size = 1 if subscription.settings.layout == "compact" else self.per_part
        ids = [item.arxiv_id for item in digest.items]
        return [ids[n : n + size] for n in range(0, len(ids), size)]

    def part_papers(self, subscription: Subscription, digest: Digest, *, key: str) -> list[tuple[str, ...]]:
        return [tuple(part) for part in self.split(digest, subscription)]

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        parts = self.split(digest, subscription)
        posted: list[str] = []
        for number in range(start_at, len(parts)):
            if number == self.fail_part:
                self.fail_part = None  # once
                return PublishResult("failed", tuple(posted), number, "http_503", parts=len(parts))
            self.channel.extend(parts[number])
            self.up.setdefault(key, set()).add(number)
            posted.append(f"{key}:{number}")
        return PublishResult("posted", tuple(posted), len(parts), parts=len(parts))

    async def posted_parts(self, subscription: Subscription, key: str) -> set[int]:
        return set(self.up.get(key, ()))


def rl_paper(n: int, title: str) -> Paper:
    return paper(arxiv_id=f"2604.{n:05d}", title=title, domain="强化学习", upvotes=10 * n)


LLM = [rl_paper(n, f"Reinforcement learning for LLM reasoning {n}") for n in range(1, 4)]
ROBOT = [rl_paper(n, f"Reinforcement learning for quadruped robot locomotion {n}") for n in range(4, 7)]
PAPERS = tuple(p for pair in zip(LLM, ROBOT, strict=True) for p in pair)  # mixed, as a report is


async def setup(engine: AsyncEngine, settings: DigestSettings | None = None) -> Subscription:
    await Archive(engine).ingest(Report(DAY, PAPERS))
    sub = Subscription(CHANNEL, RL, time=dt.time(9), tz="UTC", settings=settings or DigestSettings())
    await SubscriptionStore(engine).save(sub)
    return sub


async def first_attempt(engine: AsyncEngine, publisher: PartedPublisher) -> list[str]:
    """The first attempt posts part 1 and fails at part 2; the digest it began, in order."""
    job = deliverer(engine, publisher)
    assert await job.run_pass(NOW, force=True) == {"pending": 1}
    (row,) = await Outbox(engine).list()
    assert (row.next_part, len(row.posted)) == (1, 1)
    sub = await SubscriptionStore(engine).get(CHANNEL)
    assert sub is not None
    digest = await job.digests.digest(DAY, sub, NOW, "day")
    assert digest is not None
    return [item.arxiv_id for item in digest.items]


async def finish(engine: AsyncEngine, publisher: PartedPublisher, worker: str = "w1") -> None:
    assert await deliverer(engine, publisher, worker).deliver_due(LATER) == {"posted": 1}


def assert_each_once(channel: list[str], begun: list[str]) -> None:
    assert channel == begun, f"posted {channel}, the digest begun was {begun}"


async def test_votes_on_the_first_part_do_not_reshuffle_the_rest(engine: AsyncEngine) -> None:
    await setup(engine)
    publisher = PartedPublisher()
    begun = await first_attempt(engine, publisher)
    # Minutes later, readers vote on the cards of part 1: more LLM papers, no robots.
    archive, votes, subs = Archive(engine), VoteStore(engine), SubscriptionStore(engine)
    taxonomy = builtin_taxonomy()
    for arxiv_id, user, direction in ((begun[0], "U1", UP), (begun[1], "U2", DOWN)):
        await cast_vote(
            archive, votes, taxonomy, CHANNEL, arxiv_id, user, direction, subscriptions=subs, now=NOW
        )
    await finish(engine, publisher)
    assert_each_once(publisher.channel, begun)


async def test_a_report_corrected_between_the_attempts_loses_and_repeats_nothing(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await setup(engine)
    publisher = PartedPublisher()
    begun = await first_attempt(engine, publisher)
    # Re-published the same day: a paper added at the top, and one of part 3 withdrawn.
    added = rl_paper(9, "Reinforcement learning for LLM reasoning, the best one")
    gone = begun[-1]
    corrected = (added, *(p for p in PAPERS if p.arxiv_id != gone))
    await Archive(engine).ingest(Report(DAY, corrected))
    with caplog.at_level(logging.INFO, logger="paperbot.delivery"):
        await finish(engine, publisher)
    # The rest of the digest begun, less the paper the report no longer has (its part was not up).
    assert_each_once(publisher.channel, [i for i in begun if i != gone])
    assert added.arxiv_id not in publisher.channel
    assert any(gone in r.getMessage() and "left out" in r.getMessage() for r in caplog.records)


async def test_a_paper_withdrawn_from_a_part_already_up_moves_nothing_else(engine: AsyncEngine) -> None:
    await setup(engine)
    publisher = PartedPublisher()
    begun = await first_attempt(engine, publisher)
    shown = begun[0]  # in part 1, which is up: dropping it would pull part 3's papers forward
    await Archive(engine).ingest(Report(DAY, tuple(p for p in PAPERS if p.arxiv_id != shown)))
    await finish(engine, publisher)
    assert_each_once(publisher.channel, begun)


@pytest.mark.parametrize(
    "change",
    [DigestSettings(size=4), DigestSettings(order="upvotes"), DigestSettings(layout="compact")],
    ids=["size", "order", "layout"],
)
async def test_an_admin_changing_the_channel_between_the_attempts_changes_the_next_digest_only(
    engine: AsyncEngine, change: DigestSettings
) -> None:
    await setup(engine)
    publisher = PartedPublisher()
    begun = await first_attempt(engine, publisher)
    subs = SubscriptionStore(engine)
    sub = await subs.get(CHANNEL)
    assert sub is not None
    await subs.save(replace(sub, settings=change))
    await finish(engine, publisher)
    assert_each_once(publisher.channel, begun)


async def test_topics_or_exclusions_changed_between_the_attempts(engine: AsyncEngine) -> None:
    await setup(engine)
    publisher = PartedPublisher()
    begun = await first_attempt(engine, publisher)
    subs = SubscriptionStore(engine)
    sub = await subs.get(CHANNEL)
    assert sub is not None
    narrower = Interests(("reinforcement-learning",), excluded_keywords=("robot",))
    await subs.save(replace(sub, interests=narrower))
    await finish(engine, publisher)
    assert_each_once(publisher.channel, begun)


async def test_a_replica_taking_over_after_a_crash_posts_the_rest_of_the_same_digest(
    engine: AsyncEngine,
) -> None:
    """The first worker posts part 1 and dies before recording it; votes come in; another
    replica takes the claim over after its lease, asks the channel, and posts the rest."""
    await setup(engine)
    publisher = PartedPublisher(fail_part=None)
    crashed = deliverer(engine, publisher, "crashed")
    await crashed.planner.plan(NOW, force=True)
    (claimed,) = await crashed.outbox.claim("crashed", NOW, limit=5, lease=LEASE)
    sub = await SubscriptionStore(engine).get(CHANNEL)
    assert sub is not None

    class DiesAfterPartOne(PartedPublisher):
        async def publish(
            self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
        ) -> PublishResult:
            publisher.channel.extend(self.split(digest, subscription)[0])
            publisher.up.setdefault(key, set()).add(0)
            raise Dies  # killed: nothing recorded, the claim runs out

    crashed.publishers = {"console": DiesAfterPartOne()}
    with pytest.raises(Dies):
        await crashed._deliver(claimed, sub, lambda: NOW)
    begun = [i.arxiv_id for i in (await crashed.digests.digest(DAY, sub, NOW, "day")).items]  # type: ignore[union-attr]
    taxonomy = builtin_taxonomy()
    await cast_vote(
        Archive(engine), VoteStore(engine), taxonomy, CHANNEL, begun[1], "U1", DOWN,
        subscriptions=SubscriptionStore(engine), now=NOW,
    )  # fmt: skip
    assert await deliverer(engine, publisher, "replica").deliver_due(NOW + LEASE * 2) == {"posted": 1}
    assert_each_once(publisher.channel, begun)


async def test_the_decided_digest_is_kept_while_attempts_remain_and_dropped_once_done(
    engine: AsyncEngine,
) -> None:
    # Kept for the retry; a finished delivery keeps none, so the outbox holds no copy of every
    # digest ever sent (a 10-paper digest is ~8 KB of JSON).
    await setup(engine)
    publisher = PartedPublisher()
    await first_attempt(engine, publisher)
    (row,) = await Outbox(engine).list()
    assert row.digest is not None
    await finish(engine, publisher)
    (row,) = await Outbox(engine).list()
    assert (row.status, row.digest) == ("posted", None)


async def test_a_pass_decides_its_fresh_deliveries_in_one_write(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One write per delivery, each just before its post, queued every concurrent delivery of a
    # pass behind SQLite's write lock: the batch's digests are kept together.
    store = SubscriptionStore(engine)
    await setup(engine)
    for n in range(2, 6):
        await store.save(Subscription(ChannelRef("console", "local", f"C{n}"), RL, time=dt.time(9), tz="UTC"))
    writes: list[int] = []
    decide_many = Outbox.decide_many

    async def counted(self: Outbox, digests: dict[int, object], worker: str, now: dt.datetime) -> set[int]:
        writes.append(len(digests))
        return await decide_many(self, digests, worker, now)  # type: ignore[arg-type]

    monkeypatch.setattr(Outbox, "decide_many", counted)
    publisher = PartedPublisher(fail_part=None)
    assert await deliverer(engine, publisher).run_pass(NOW, force=True) == {"posted": 5}
    assert writes == [5]
    assert sorted(publisher.channel) == sorted([p.arxiv_id for p in PAPERS] * 5)
