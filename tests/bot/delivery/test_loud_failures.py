"""Loud failures: who is told what, once, when a report is late, a digest fails for good or a
channel is paused — across replicas, passes and restarts (bot/delivery/loud_failures.py).

A scripted in-memory platform posts digests as told and records the notices it is given; the
Slack, Discord and console edges have their own tests (tests/handlers/…/test_notices.py)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import Deliverer
from bot.delivery.loud_failures import NoticePolicy, compose, plain_error
from bot.delivery.scheduler import Scheduler
from bot.errors import SourceError
from bot.models import ChannelRef, DigestSettings, Interests, Locale, Report, Subscription
from bot.ports import NotifyResult, PublishResult, Recipient
from bot.ranking.digest import Digest
from bot.runtime.config import load_settings
from bot.store.archive import Archive
from bot.store.notices import MAX_ATTEMPTS as NOTICE_ATTEMPTS
from bot.store.notices import Notice, NoticeStore
from bot.store.outbox import MAX_ATTEMPTS, Delivery, Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from tests.factories import paper

DAY = dt.date(2026, 5, 6)  # a Wednesday
NOW = dt.datetime(2026, 5, 6, 13, 0, tzinfo=dt.UTC)
RL = Interests(("reinforcement-learning",))
REF = ChannelRef("console", "local", "C1")
OPS = Recipient("console", "local", "ops")
CREATOR = Recipient("console", "local", user="U1")
REASON = "paperbot is not a member of the channel (not_in_channel). To resume, invite it."


class Platform:
    """Posts digests as scripted ("posted", "failed" or "paused") and records notices."""

    def __init__(
        self,
        outcome: str = "posted",
        *,
        store: SubscriptionStore | None = None,
        creator_told: bool = False,
        notify_errors: list[NotifyResult] | None = None,
    ) -> None:
        self.outcome = outcome
        self.store = store
        self.creator_told = creator_told
        self.notify_errors = notify_errors or []
        self.notices: list[tuple[Recipient, str]] = []
        self.attempts = 0

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        self.attempts += 1
        if self.outcome == "failed":
            return PublishResult("failed", (), start_at, "http_503", parts=1)
        if self.outcome == "down":  # the platform itself unavailable
            return PublishResult("failed", (), start_at, "http_503", parts=1, outage=True)
        if self.outcome == "paused":
            assert self.store is not None
            await self.store.set_paused(subscription.channel, True, REASON)
            return PublishResult(
                "paused", (), start_at, "not_in_channel", parts=1, creator_told=self.creator_told
            )
        return PublishResult("posted", (f"{key}:0",), 1, parts=1)

    async def posted_parts(self, subscription: Subscription, key: str) -> set[int]:
        return set()

    async def notify(self, recipient: Recipient, text: str) -> NotifyResult:
        if self.notify_errors:
            return self.notify_errors.pop(0)
        self.notices.append((recipient, text))
        return NotifyResult(True)

    def mention(self, channel: ChannelRef) -> str:
        return f"<#{channel.channel}>"


async def setup(
    engine: AsyncEngine, *, creator: str | None = "U1", locale: Locale = "en"
) -> SubscriptionStore:
    await Archive(engine).ingest(
        Report(DAY, (paper(arxiv_id="2605.00001", title="Scaling RL", domain="强化学习"),))
    )
    store = SubscriptionStore(engine)
    await store.save(Subscription(REF, RL, created_by=creator, locale=locale))
    return store


def deliverer(
    engine: AsyncEngine, platform: Platform, policy: NoticePolicy | None, worker: str = "w1"
) -> Deliverer:
    return Deliverer(
        archive=Archive(engine),
        store=SubscriptionStore(engine),
        outbox=Outbox(engine),
        taxonomy=builtin_taxonomy(),
        publishers={"console": platform},
        worker=worker,
        notice_policy=policy,
    )


async def fail_for_good(jobs: list[Deliverer]) -> dt.datetime:
    """Run passes, taking turns, until the digest has used up its retries; the time after."""
    moment = NOW
    await jobs[0].run_pass(moment, force=True)
    for hour in range(1, 3 * MAX_ATTEMPTS):
        moment = NOW + dt.timedelta(hours=hour)
        await jobs[hour % len(jobs)].run_pass(moment)
        await jobs[(hour + 1) % len(jobs)].send_notices(moment)
    [row] = await Outbox(jobs[0].outbox.engine).list()
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    return moment


# -- a digest that failed for good -------------------------------------------------------------


async def test_a_digest_that_failed_for_good_is_one_operator_notice_across_replicas(
    engine: AsyncEngine,
) -> None:
    await setup(engine)
    policy = NoticePolicy(operator=OPS)
    one, two = Platform("failed"), Platform("failed")
    await fail_for_good([deliverer(engine, one, policy, "w1"), deliverer(engine, two, policy, "w2")])

    [(recipient, text)] = one.notices + two.notices
    [row] = await Outbox(engine).list()
    assert recipient == OPS
    assert f"the {DAY} digest to <#C1>: {MAX_ATTEMPTS} attempts failed (last error: http_503)" in text
    assert f"delivery={row.key}" in text
    assert "paperbot deliveries --status failed" in text
    assert f"/paper digest {DAY}" in text
    [stored] = await NoticeStore(engine).list()
    assert (stored.kind, stored.subject, stored.status) == ("delivery_failed", row.key, "sent")


async def test_a_failure_whose_notice_was_lost_is_found_by_the_next_pass(engine: AsyncEngine) -> None:
    await setup(engine)
    # Recorded as failed by a process that died before asking for the notice (here: one without
    # notices at all), then a replica with them runs its pass.
    moment = await fail_for_good([deliverer(engine, Platform("failed"), None)])
    assert await NoticeStore(engine).list() == []

    platform = Platform()
    job = deliverer(engine, platform, NoticePolicy(operator=OPS), "w2")
    await job.send_notices(moment)
    await job.send_notices(moment + dt.timedelta(minutes=1))
    await deliverer(engine, platform, NoticePolicy(operator=OPS), "w3").send_notices(moment)
    assert [recipient for recipient, _text in platform.notices] == [OPS]


async def test_a_lost_notice_of_a_digest_the_platform_never_took_says_it_was_down(
    engine: AsyncEngine,
) -> None:
    """Found by a later pass, the notice of a digest that failed because the platform stayed down
    until its time ran out said "1 attempts failed (last error: http_503 (platform unavailable
    until …))", not what the notice asked for at once says."""
    await setup(engine)
    failing = deliverer(engine, Platform("down"), None)  # dies before asking for notices
    await failing.run_pass(NOW, force=True)
    for hour in range(1, 14):
        await failing.run_pass(NOW + dt.timedelta(hours=hour), plan=False)
    [row] = await Outbox(engine).list()
    assert row.status == "failed"
    platform = Platform()
    await deliverer(engine, platform, NoticePolicy(operator=OPS), "w2").send_notices(
        NOW + dt.timedelta(hours=14)
    )
    [(_, text)] = platform.notices
    until = NOW + dt.timedelta(hours=12)
    assert f"the platform was unavailable until {until:%Y-%m-%d %H:%M} UTC (last error: http_503)" in text
    assert "attempts failed" not in text


async def test_the_next_pass_finds_every_lost_notice_however_many_failed(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await setup(engine)
    await store.save(Subscription(ChannelRef("console", "local", "C2"), RL))
    jobs = [deliverer(engine, Platform("failed"), None)]
    moment = NOW
    await jobs[0].run_pass(moment, force=True)
    for hour in range(1, 3 * MAX_ATTEMPTS):
        moment = NOW + dt.timedelta(hours=hour)
        await jobs[0].run_pass(moment)
    assert [d.status for d in await Outbox(engine).list()] == ["failed", "failed"]
    # A listing that shows fewer rows than failed (1,000 by default; 1 here) hides none of them.
    listing = Outbox.list

    async def capped(self: Outbox, **filters: Any) -> list[Delivery]:
        return await listing(self, **{"limit": 1, **filters})

    monkeypatch.setattr(Outbox, "list", capped)
    await deliverer(engine, Platform(), NoticePolicy(operator=OPS), "w2").send_notices(moment)
    failed = [n for n in await NoticeStore(engine).list() if n.kind == "delivery_failed"]
    assert len(failed) == 2


async def test_without_an_operator_channel_the_creator_is_told_in_their_language(engine: AsyncEngine) -> None:
    await setup(engine, locale="zh")
    platform = Platform("failed")
    await fail_for_good([deliverer(engine, platform, NoticePolicy())])
    [(recipient, text)] = platform.notices
    assert recipient == CREATOR
    assert "无法将 2026-05-06 的日报发到 <#C1>" in text
    assert f"/paper digest {DAY}" in text


async def test_with_nobody_to_tell_the_log_says_it_once(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await setup(engine, creator=None)
    platform = Platform("failed")
    jobs = [
        deliverer(engine, platform, NoticePolicy(), "w1"),
        deliverer(engine, platform, NoticePolicy(), "w2"),
    ]
    with caplog.at_level(logging.INFO, logger="paperbot.notices"):
        await fail_for_good(jobs)
    assert platform.notices == []
    lines = [
        r for r in caplog.records if r.name == "paperbot.notices" and "delivery_failed" in r.getMessage()
    ]
    assert len(lines) == 1
    assert lines[0].levelno == logging.WARNING
    assert "console:local/C1" in lines[0].getMessage()


# -- a paused channel ----------------------------------------------------------------------------


async def test_a_paused_channel_is_one_notice_to_the_operator_and_one_to_its_creator(
    engine: AsyncEngine,
) -> None:
    store = await setup(engine)
    platform = Platform("paused", store=store)
    policy = NoticePolicy(operator=OPS)
    jobs = [deliverer(engine, platform, policy, "w1"), deliverer(engine, platform, policy, "w2")]
    assert await jobs[0].run_pass(NOW, force=True) == {"skipped": 1}
    for hour in range(1, 4):  # later passes (another replica, later ticks): the channel is paused
        await jobs[hour % 2].run_pass(NOW + dt.timedelta(hours=hour), force=True)
    assert platform.attempts == 1
    [(to_ops, ops_text), (to_creator, creator_text)] = sorted(platform.notices, key=lambda n: n[0].user)
    assert (to_ops, to_creator) == (OPS, CREATOR)
    assert ops_text.startswith("⚠️ paperbot paused the digest of <#C1> (not_in_channel): " + REASON)
    assert creator_text == f"I paused the paperbot digest for <#C1>: {REASON}"


async def test_a_creator_the_platform_told_already_is_not_told_twice(engine: AsyncEngine) -> None:
    store = await setup(engine)
    platform = Platform("paused", store=store, creator_told=True)
    await deliverer(engine, platform, NoticePolicy(operator=OPS)).run_pass(NOW, force=True)
    assert [recipient for recipient, _text in platform.notices] == [OPS]


async def test_a_pause_nobody_else_hears_of_is_logged(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    store = await setup(engine)
    platform = Platform("paused", store=store, creator_told=True)
    with caplog.at_level(logging.WARNING, logger="paperbot.notices"):
        await deliverer(engine, platform, NoticePolicy()).run_pass(NOW, force=True)
    assert platform.notices == []
    [line] = [r.getMessage() for r in caplog.records if r.name == "paperbot.notices"]
    assert "channel_paused" in line
    assert REASON in line


# -- sending -------------------------------------------------------------------------------------


async def test_a_notice_that_cannot_be_sent_yet_is_retried(engine: AsyncEngine) -> None:
    await setup(engine)
    platform = Platform("failed", notify_errors=[NotifyResult(False, "ratelimited")])
    moment = await fail_for_good([deliverer(engine, platform, NoticePolicy(operator=OPS))])
    # The first try failed within the passes above; a later one got through, once.
    assert [recipient for recipient, _text in platform.notices] == [OPS]
    [stored] = await NoticeStore(engine).list()
    assert (stored.status, stored.attempts) == ("sent", 2)
    await deliverer(engine, platform, NoticePolicy(operator=OPS)).send_notices(moment + dt.timedelta(hours=2))
    assert len(platform.notices) == 1


async def test_a_notice_that_can_never_be_sent_is_given_up_loudly(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await setup(engine)
    platform = Platform("failed", notify_errors=[NotifyResult(False, "channel_not_found", permanent=True)])
    with caplog.at_level(logging.ERROR, logger="paperbot.notices"):
        await fail_for_good([deliverer(engine, platform, NoticePolicy(operator=OPS))])
    assert platform.notices == []
    [stored] = await NoticeStore(engine).list()
    assert (stored.status, stored.attempts, stored.last_error) == ("failed", 1, "channel_not_found")
    assert any("gave up" in r.getMessage() and "channel_not_found" in r.getMessage() for r in caplog.records)


async def test_an_operator_channel_this_process_cannot_reach_waits_for_one_that_can(
    engine: AsyncEngine,
) -> None:
    await setup(engine)
    elsewhere = Recipient("discord", "1", "2")
    platform = Platform("failed")
    moment = await fail_for_good([deliverer(engine, platform, NoticePolicy(operator=elsewhere))])
    assert platform.notices == []
    [stored] = await NoticeStore(engine).list()
    assert (stored.recipient, stored.status) == (elsewhere, "pending")
    # A replica serving Discord sends it.
    discord = Platform()
    replica = Deliverer(
        archive=Archive(engine),
        store=SubscriptionStore(engine),
        outbox=Outbox(engine),
        taxonomy=builtin_taxonomy(),
        publishers={"discord": discord},
        worker="w-discord",
        notice_policy=NoticePolicy(operator=elsewhere),
    )
    await replica.send_notices(moment)
    [(recipient, text)] = discord.notices
    assert recipient == elsewhere
    assert "console:local/C1" in text  # not a mention: the channel is on another platform


def notice(n: int, text: str = "something broke", locale: str = "en") -> Notice:
    return Notice(n, "delivery_failed", f"d{n}", OPS, locale, text, "claimed", 0, None, NOW, None)


def test_notices_due_together_share_one_message() -> None:
    assert compose([notice(1)]) == "something broke"
    message = compose([notice(n, "x" * 1000) for n in range(7)])
    assert message.startswith("paperbot has 7 notices:")
    assert message.count("• ") == 5
    assert message.endswith("…and 2 more: see the log, and `paperbot deliveries --status failed`.")
    assert len(message) < 2000  # Discord's limit for one message
    assert compose([notice(1, locale="zh"), notice(2, locale="zh")]).startswith("paperbot 有 2 条通知：")


async def test_many_failures_at_once_are_one_message(engine: AsyncEngine) -> None:
    store = SubscriptionStore(engine)
    await Archive(engine).ingest(Report(DAY, (paper(arxiv_id="2605.00001", title="Scaling RL"),)))
    for n in range(8):
        await store.save(Subscription(ChannelRef("console", "local", f"C{n}"), RL))
    platform = Platform("failed")
    await fail_for_good_all(engine, platform)
    [(recipient, text)] = platform.notices
    assert recipient == OPS
    assert text.startswith("paperbot has 8 notices:")


async def fail_for_good_all(engine: AsyncEngine, platform: Platform) -> None:
    job = deliverer(engine, platform, NoticePolicy(operator=OPS))
    await job.planner.plan(NOW, force=True)
    moment = NOW
    for hour in range(3 * MAX_ATTEMPTS):  # deliveries only: the notices are sent together after
        moment = NOW + dt.timedelta(hours=hour)
        await job.deliver_due(moment)
    assert (await Outbox(engine).counts()) == {"failed": 8}
    await job.send_notices(moment)


def test_errors_are_quoted_without_markup() -> None:
    assert plain_error("<!channel> `boom`\n  again") == "‹!channel› 'boom' again"
    assert plain_error(None) == "unknown error"
    assert len(plain_error("x" * 5000)) <= 300


def test_the_policy_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch, clean_environment: None) -> None:
    assert NoticePolicy.from_settings(load_settings()) == NoticePolicy()
    monkeypatch.setenv("PAPERBOT_OPERATOR_CHANNEL", "slack:T0123/C0456")
    monkeypatch.setenv("PAPERBOT_OPERATOR_LOCALE", "zh")
    monkeypatch.setenv("PAPERBOT_REPORT_DEADLINE", "09:30")
    monkeypatch.setenv("PAPERBOT_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("PAPERBOT_NO_REPORT_NOTICE", "operator")
    assert NoticePolicy.from_settings(load_settings()) == NoticePolicy(
        operator=Recipient("slack", "T0123", "C0456"),
        operator_locale="zh",
        deadline=dt.time(9, 30),
        timezone="Asia/Shanghai",
        no_report="operator",
    )


def test_recipients_read_back_as_written() -> None:
    for written in ("slack:T1/C2", "slack:T1/@U3", "discord:1/2", "console:local/ops", "log"):
        assert str(Recipient.parse(written)) == written
    assert Recipient.parse("console") == Recipient("console", "local", "operator")
    for bad in ("slack", "slack:T1", "slack:/C2", "slack:T1/", "slack:T1/C2/C3", ":T1/C2"):
        with pytest.raises(ValueError, match="platform:workspace/channel"):
            Recipient.parse(bad)


# -- a late report -------------------------------------------------------------------------------


class Source:
    """A report source that has published nothing (or fails, when given an error)."""

    name = "https://reports.example/{date}.md"

    def __init__(self, error: str | None = None) -> None:
        self.error = error

    async def fetch(self, day: dt.date) -> Report | None:
        if self.error:
            raise SourceError(self.error)
        return None

    async def aclose(self) -> None:
        return None


async def poll(
    engine: AsyncEngine,
    platform: Platform,
    moment: dt.datetime,
    policy: NoticePolicy,
    *,
    source: Source | None = None,
    worker: str = "w1",
) -> None:
    job = deliverer(engine, platform, policy, worker)
    await Scheduler(job, source or Source(), Archive(engine), clock=lambda: moment).poll()


async def test_a_late_report_on_a_weekday_is_one_notice_a_day(engine: AsyncEngine) -> None:
    platform = Platform()
    policy = NoticePolicy(operator=OPS)
    await poll(engine, platform, NOW - dt.timedelta(hours=2), policy)  # 11:00: not late yet
    assert platform.notices == []
    for minutes, worker in ((0, "w1"), (10, "w2"), (20, "w1")):  # every poll, every replica
        await poll(engine, platform, NOW + dt.timedelta(minutes=minutes), policy, worker=worker)
    [(recipient, text)] = platform.notices
    assert recipient == OPS
    assert text.startswith(
        "⚠️ paperbot: the report for 2026-05-06 (Wednesday) has not arrived, and it is past 12:00 (UTC)."
    )
    assert "not published yet" in text
    assert "https://reports.example/{date}.md" in text
    assert "`paperbot ingest 2026-05-06`" in text
    assert "holiday" in text
    await poll(engine, platform, NOW + dt.timedelta(days=1), policy)  # Thursday: its own notice
    assert len(platform.notices) == 2


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", "PAPERBOT_REPORT_SOURCE is not set, so paperbot fetches no report itself"),
        ("zh", "未设置 PAPERBOT_REPORT_SOURCE，paperbot 不会自行获取日报"),
    ],
)
async def test_without_a_report_source_a_report_nobody_ingested_is_late_too(
    engine: AsyncEngine, locale: str, said: str
) -> None:
    """PAPERBOT_REPORT_SOURCE unset: reports come from `paperbot ingest` (cron), and when that job
    fails the report is as late; the notice says where reports come from, not "the source"."""
    platform = Platform()
    policy = NoticePolicy(operator=OPS, operator_locale=locale)
    job = deliverer(engine, platform, policy)
    scheduler = Scheduler(job, None, Archive(engine), clock=lambda: NOW)
    await scheduler.poll()
    [(recipient, text)] = platform.notices
    assert recipient == OPS
    assert said in text
    assert "`paperbot ingest`" in text
    assert "{" not in text  # every placeholder filled
    await setup(engine)  # ingested (late): the next day is another matter, this one is settled
    await scheduler.poll()
    assert len(platform.notices) == 1


async def test_a_report_that_arrived_is_not_late(engine: AsyncEngine) -> None:
    await setup(engine)
    platform = Platform()
    await poll(engine, platform, NOW, NoticePolicy(operator=OPS))
    assert platform.notices == []


async def test_the_late_notice_says_why_fetching_failed_in_the_operators_language(
    engine: AsyncEngine,
) -> None:
    platform = Platform()
    policy = NoticePolicy(operator=OPS, operator_locale="zh")
    await poll(engine, platform, NOW, policy, source=Source("HTTP 503 from reports.example"))
    [(_recipient, text)] = platform.notices
    assert "2026-05-06（星期三）的日报仍未到达" in text
    assert "上次获取失败：HTTP 503 from reports.example。" in text


async def test_the_deadline_is_in_the_configured_time_zone(engine: AsyncEngine) -> None:
    platform = Platform()
    policy = NoticePolicy(operator=OPS, timezone="Asia/Shanghai", deadline=dt.time(12))
    await poll(engine, platform, dt.datetime(2026, 5, 6, 3, 59, tzinfo=dt.UTC), policy)  # 11:59 there
    assert platform.notices == []
    await poll(engine, platform, dt.datetime(2026, 5, 6, 4, 0, tzinfo=dt.UTC), policy)
    [(_recipient, text)] = platform.notices
    assert "past 12:00 (Asia/Shanghai)" in text


@pytest.mark.parametrize(
    ("zone", "noon_utc"),
    [
        ("Pacific/Auckland", dt.datetime(2026, 5, 6, 0, 0, tzinfo=dt.UTC)),  # NZST, UTC+12
        ("Pacific/Kiritimati", dt.datetime(2026, 5, 5, 22, 0, tzinfo=dt.UTC)),  # UTC+14
    ],
)
async def test_a_zone_a_day_ahead_of_utc_waits_for_the_report_of_the_utc_day(
    engine: AsyncEngine, zone: str, noon_utc: dt.datetime
) -> None:
    """Noon on Thursday 7 May there is still Wednesday by UTC: Wednesday's report is the one
    due. It came, so nothing is late; Thursday's, which cannot exist yet, is not asked for."""
    await setup(engine)  # Wednesday's report
    platform = Platform()
    policy = NoticePolicy(operator=OPS, timezone=zone, deadline=dt.time(12))
    for hours in (0, 1, 12, 23):  # from the deadline until the next one: every poll that day
        await poll(engine, platform, noon_utc + dt.timedelta(days=1, hours=hours), policy)
    assert platform.notices == []
    await poll(engine, platform, noon_utc + dt.timedelta(days=2), policy)  # Thursday's is late
    [(_recipient, text)] = platform.notices
    assert "the report for 2026-05-07 (Thursday) has not arrived" in text
    assert f"past 12:00 ({zone})" in text


async def test_without_an_operator_channel_a_late_report_is_logged_once(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    platform = Platform()
    with caplog.at_level(logging.INFO, logger="paperbot.notices"):
        for worker in ("w1", "w2"):
            await poll(engine, platform, NOW, NoticePolicy(), worker=worker)
    assert platform.notices == []
    [line] = [r for r in caplog.records if r.name == "paperbot.notices"]
    assert line.levelno == logging.WARNING
    assert "report_late" in line.getMessage()


async def test_a_deadline_of_off_says_nothing(engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    platform = Platform()
    with caplog.at_level(logging.DEBUG, logger="paperbot.notices"):
        await poll(engine, platform, NOW, NoticePolicy(operator=OPS, deadline=None))
    assert platform.notices == []
    assert [r for r in caplog.records if r.name == "paperbot.notices"] == []


SATURDAY = dt.datetime(2026, 5, 9, 13, 0, tzinfo=dt.UTC)


async def test_no_report_on_a_weekend_is_quiet_by_default_one_log_line(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    platform = Platform()
    with caplog.at_level(logging.INFO, logger="paperbot.notices"):
        for minutes, worker in ((0, "w1"), (10, "w2"), (600, "w1")):
            await poll(
                engine,
                platform,
                SATURDAY + dt.timedelta(minutes=minutes),
                NoticePolicy(operator=OPS),
                worker=worker,
            )
    assert platform.notices == []
    [line] = [r for r in caplog.records if r.name == "paperbot.notices"]
    assert line.levelno == logging.INFO
    assert "no report for 2026-05-09 (Saturday), so no digests today" in line.getMessage()


async def test_no_report_on_a_weekend_can_tell_the_operator_once(engine: AsyncEngine) -> None:
    platform = Platform()
    policy = NoticePolicy(operator=OPS, no_report="operator")
    for minutes in (0, 10):
        await poll(engine, platform, SATURDAY + dt.timedelta(minutes=minutes), policy)
    assert platform.notices == [(OPS, "paperbot: no report for 2026-05-09 (Saturday), so no digests today.")]


async def test_no_report_on_a_weekend_can_be_said_not_at_all(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    platform = Platform()
    with caplog.at_level(logging.DEBUG, logger="paperbot.notices"):
        await poll(engine, platform, SATURDAY, NoticePolicy(operator=OPS, no_report="off"))
    assert platform.notices == []
    assert [r for r in caplog.records if r.name == "paperbot.notices"] == []
    assert await NoticeStore(engine).list() == []


def test_notice_attempts_are_bounded() -> None:
    assert NOTICE_ATTEMPTS >= 2


# -- a channel whose time zone does not load --------------------------------------------------


async def test_a_zone_that_does_not_load_fails_its_channel_alone_and_loudly(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """One stored zone this host cannot load (written by hand, or `localtime` on a host without
    it) stopped the whole pass; now that channel fails, is told of once, and the rest post."""
    # The report arrived in the morning (the archive's clock pinned): C1's 09:00 is due at NOW.
    await Archive(engine, clock=lambda: NOW - dt.timedelta(hours=7)).ingest(
        Report(DAY, (paper(arxiv_id="2605.00001", title="Scaling RL", domain="强化学习"),))
    )
    store = SubscriptionStore(engine)
    await store.save(Subscription(REF, RL, created_by="U1"))
    bad = ChannelRef("console", "local", "C-bad")
    weekly = ChannelRef("console", "local", "C-weekly")
    await store.save(Subscription(bad, RL, tz="Mars/Olympus", created_by="U2"))
    # A weekly channel plans by another path (its week); "Asia" is a directory, not a zone.
    await store.save(
        Subscription(weekly, RL, tz="Asia", settings=DigestSettings(cadence="weekly", weekday=DAY.weekday()))
    )
    platform = Platform()
    job = deliverer(engine, platform, NoticePolicy(operator=OPS))
    with caplog.at_level(logging.ERROR, logger="paperbot.delivery"):
        assert await job.run_pass(NOW) == {"posted": 1}  # C1, at its time
        assert await job.run_pass(NOW + dt.timedelta(minutes=1)) == {}
    rows = {row.channel: row for row in await Outbox(engine).list()}
    assert rows[REF].status == "posted"
    for ref, tz in ((bad, "Mars/Olympus"), (weekly, "Asia")):
        assert (rows[ref].status, rows[ref].attempts) == ("failed", 0)
        assert f"time zone {tz!r} cannot be used here" in (rows[ref].last_error or "")
    assert rows[weekly].last_error == "time zone 'Asia' cannot be used here: a region of zones, not one zone"
    # Said once each in the log, though the planner ran twice.
    logged = [r.getMessage() for r in caplog.records if r.name == "paperbot.delivery"]
    assert [("C-bad" in line, "C-weekly" in line) for line in logged] == [(True, False), (False, True)]
    # One message to the operator, telling both and what to do: no "0 attempts failed".
    [(recipient, text)] = platform.notices
    assert recipient == OPS
    assert f"did not post the {DAY} digest to <#C-bad>: time zone 'Mars/Olympus' cannot be used here" in text
    assert "<#C-weekly>" in text
    assert "/paper schedule 09:00 Asia/Shanghai" in text
    assert "attempts failed" not in text


async def test_without_an_operator_the_creator_learns_of_their_zone_in_their_language(
    engine: AsyncEngine,
) -> None:
    store = await setup(engine, locale="zh")
    await store.save(Subscription(REF, RL, tz="Mars/Olympus", created_by="U1", locale="zh"))
    platform = Platform()
    await deliverer(engine, platform, NoticePolicy()).run_pass(NOW)
    [(recipient, text)] = platform.notices
    assert recipient == CREATOR
    assert text.startswith(f"paperbot 没有将 {DAY} 的日报发到 <#C1>：time zone 'Mars/Olympus'")
    assert "重新设置该频道的时区" in text
    assert platform.attempts == 0
