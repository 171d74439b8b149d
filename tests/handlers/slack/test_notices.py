"""Loud failures on Slack, against the loopback double: operator notices land in the operator
channel once, creators hear of their channel once, and a DM Slack already sent is not repeated."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import Deliverer
from bot.delivery.loud_failures import NoticePolicy
from bot.models import ChannelRef, Interests, Report, Subscription
from bot.ports import Recipient
from bot.store.archive import Archive
from bot.store.notices import NoticeStore
from bot.store.outbox import MAX_ATTEMPTS, Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.delivery import SlackDigestPublisher
from handlers.slack.oauth import WorkspaceClients
from handlers.slack.publisher import make_client, pause_reason
from tests.factories import paper
from tests.handlers.slack.fake_slack import FAKE_TOKEN, FakeSlack, FakeUser

DAY = dt.date(2026, 5, 6)
TEAM = "T0FAKE"
CREATOR = "U0CREATOR"
OPS = Recipient("slack", TEAM, "C0OPS")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(team_id=TEAM, users=[FakeUser(CREATOR)]) as fake:
        yield fake


async def no_wait(_seconds: float) -> None:
    return None


def publisher(engine: AsyncEngine, slack: FakeSlack) -> SlackDigestPublisher:
    clients = WorkspaceClients(
        slack.base_url, client=make_client(FAKE_TOKEN, slack.base_url, retry_sleep=no_wait)
    )
    return SlackDigestPublisher(clients, SubscriptionStore(engine))


def deliverer(engine: AsyncEngine, slack: FakeSlack, policy: NoticePolicy, worker: str = "w1") -> Deliverer:
    return Deliverer(
        archive=Archive(engine),
        store=SubscriptionStore(engine),
        outbox=Outbox(engine),
        taxonomy=builtin_taxonomy(),
        publishers={"slack": publisher(engine, slack)},
        worker=worker,
        notice_policy=policy,
    )


async def setup(engine: AsyncEngine, channel: str) -> None:
    await Archive(engine).ingest(
        Report(DAY, (paper(arxiv_id="2605.00001", title="Scaling RL", domain="强化学习"),))
    )
    await SubscriptionStore(engine).save(
        Subscription(
            ChannelRef("slack", TEAM, channel), Interests(("reinforcement-learning",)), created_by=CREATOR
        )
    )


async def passes(jobs: list[Deliverer], hours: int = 3 * MAX_ATTEMPTS) -> None:
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    await jobs[0].run_pass(start, force=True)
    for hour in range(1, hours):
        await jobs[hour % len(jobs)].run_pass(start + dt.timedelta(hours=hour))


def texts(slack: FakeSlack, channel: str) -> list[str]:
    return [str(m["text"]) for m in slack.messages_in(channel)]


async def test_a_digest_that_failed_for_good_is_one_message_in_the_operator_channel(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await setup(engine, "C0DOWN")
    # The channel's own failure, every attempt (a 5xx would be Slack's: tests below).
    slack.slack_error("chat.postMessage", "missing_scope", times=None, channel="C0DOWN")
    policy = NoticePolicy(operator=OPS)
    await passes([deliverer(engine, slack, policy, "w1"), deliverer(engine, slack, policy, "w2")])

    [row] = await Outbox(engine).list()
    assert row.status == "failed"
    [text] = texts(slack, "C0OPS")
    assert (
        f"could not post the {DAY} digest to <#C0DOWN>: {MAX_ATTEMPTS} attempts failed "
        "(last error: missing_scope)" in text
    )
    assert f"delivery={row.key}" in text
    # The notice is plain text, with no link previews, and nobody else was bothered.
    [call] = slack.calls_to("chat.postMessage", channel="C0OPS")
    assert call.params["unfurl_links"] is False
    assert texts(slack, slack.dm_channel(CREATOR)) == []


async def test_without_an_operator_channel_the_creator_gets_a_dm_once(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await setup(engine, "C0DOWN")
    slack.server_error("chat.postMessage", times=None, channel="C0DOWN")
    await passes(
        [deliverer(engine, slack, NoticePolicy(), "w1"), deliverer(engine, slack, NoticePolicy(), "w2")]
    )
    [text] = texts(slack, slack.dm_channel(CREATOR))
    assert text.startswith(f"The paperbot digest of {DAY} could not be posted to <#C0DOWN>")
    assert f"/paper digest {DAY}" in text


async def test_a_paused_channel_tells_the_operator_once_and_its_creator_only_by_slacks_own_dm(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await setup(engine, "C0GONE")
    slack.slack_error("chat.postMessage", "not_in_channel", channel="C0GONE")
    policy = NoticePolicy(operator=OPS)
    await passes([deliverer(engine, slack, policy, "w1"), deliverer(engine, slack, policy, "w2")], hours=4)

    [row] = await Outbox(engine).list()
    assert row.status == "skipped"
    [text] = texts(slack, "C0OPS")
    assert text.startswith("⚠️ paperbot paused the digest of <#C0GONE> (not_in_channel): ")
    assert "/invite @paperbot" in text  # what to do, from the pause reason
    [dm] = texts(slack, slack.dm_channel(CREATOR))  # the publisher's DM, and no second one
    assert dm.startswith("I paused the paperbot digest for <#C0GONE>")
    kept = await NoticeStore(engine).list()
    assert [(n.kind, n.recipient) for n in kept] == [("channel_paused", OPS)]


async def test_a_digest_slack_never_took_in_its_time_says_slack_was_down_not_attempts(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """Slack answers 503 to every post for the whole catch-up window: the digest fails then, its
    notice says the platform was unavailable until when (no "6 attempts failed"), and the notice,
    which Slack refused meanwhile too, still reaches the operator once Slack answers."""
    await setup(engine, "C0DOWN")
    slack.server_error("chat.postMessage", times=None)  # the operator channel too
    policy = NoticePolicy(operator=OPS)
    job = deliverer(engine, slack, policy)
    start = dt.datetime(2026, 5, 7, 9, 0, tzinfo=dt.UTC)
    await job.run_pass(start, force=True)
    for hour in range(1, 14):
        await job.run_pass(start + dt.timedelta(hours=hour), plan=False)
    [row] = await Outbox(engine).list()
    assert (row.status, row.attempts) == ("failed", 1)
    [notice] = await NoticeStore(engine).list()
    assert (notice.status, notice.attempts) == ("pending", 0)  # Slack still down: no try used

    slack.clear_failures()
    await job.run_pass(start + dt.timedelta(hours=15), plan=False)
    assert texts(slack, "C0DOWN") == []
    [text] = texts(slack, "C0OPS")
    assert (
        f"could not post the {DAY} digest to <#C0DOWN>: the platform was unavailable until "
        "2026-05-07 21:00 UTC (last error: http_503)" in text
    )
    assert "attempts failed" not in text


async def test_a_pause_whose_dm_could_not_be_sent_is_retried_by_the_notices(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await setup(engine, "C0GONE")
    slack.slack_error("chat.postMessage", "not_in_channel", channel="C0GONE")
    slack.server_error("chat.postMessage", channel=CREATOR, times=3)  # the publisher's DM fails
    await passes([deliverer(engine, slack, NoticePolicy())], hours=3)
    [dm] = texts(slack, slack.dm_channel(CREATOR))
    assert dm.startswith("I paused the paperbot digest for <#C0GONE>")


async def test_an_operator_channel_slack_refuses_is_given_up_after_one_try(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await setup(engine, "C0DOWN")
    slack.server_error("chat.postMessage", times=None, channel="C0DOWN")
    slack.slack_error("chat.postMessage", "channel_not_found", channel="C0OPS", times=None)
    await passes([deliverer(engine, slack, NoticePolicy(operator=OPS))])
    [kept] = await NoticeStore(engine).list()
    assert (kept.status, kept.attempts, kept.last_error) == ("failed", 1, "channel_not_found")


async def test_a_late_report_lands_in_the_operator_channel(engine: AsyncEngine, slack: FakeSlack) -> None:
    from bot.delivery.scheduler import Scheduler

    class Nothing:
        name = "hf-api"

        async def fetch(self, day: dt.date) -> Report | None:
            return None

        async def aclose(self) -> None:
            return None

    wednesday_afternoon = dt.datetime(2026, 5, 6, 15, 0, tzinfo=dt.UTC)
    job = deliverer(engine, slack, NoticePolicy(operator=OPS))
    for _ in range(2):
        await Scheduler(job, Nothing(), Archive(engine), clock=lambda: wednesday_afternoon).poll()
    [text] = texts(slack, "C0OPS")
    assert "the report for 2026-05-06 (Wednesday) has not arrived" in text


async def test_a_retry_into_a_channel_paperbot_was_removed_from_pauses_it_once(
    engine: AsyncEngine, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    # Slack was down at 09:00; by the retry the bot had been removed from the channel (and its
    # channel_left event was lost). The retry reads the channel's history first, which Slack now
    # refuses: that was a traceback and five more refused retries, a "failed" notice, and the
    # subscription left active for tomorrow.
    await setup(engine, "C0GONE")
    policy = NoticePolicy(operator=OPS)
    job = deliverer(engine, slack, policy)
    start = dt.datetime(2026, 5, 7, 9, 0, tzinfo=dt.UTC)
    slack.server_error("chat.postMessage", times=None, channel="C0GONE")
    await job.run_pass(start, force=True)
    [row] = await Outbox(engine).list()
    assert (row.status, row.uncertain) == ("pending", True)

    slack.clear_failures()
    slack.slack_error("conversations.history", "not_in_channel", times=None, channel="C0GONE")
    slack.slack_error("chat.postMessage", "not_in_channel", times=None, channel="C0GONE")
    with caplog.at_level(logging.WARNING):
        for hour in range(1, 4):
            await job.run_pass(start + dt.timedelta(hours=hour), plan=False)

    [row] = await Outbox(engine).list()
    assert (row.status, row.attempts) == ("skipped", 1)  # Slack's 503 at 09:00 used no attempt
    stored = await SubscriptionStore(engine).get(ChannelRef("slack", TEAM, "C0GONE"))
    assert stored is not None
    assert stored.paused
    assert stored.paused_reason is not None
    assert "not_in_channel" in stored.paused_reason
    [text] = texts(slack, "C0OPS")
    assert text.startswith("⚠️ paperbot paused the digest of <#C0GONE> (not_in_channel): ")
    assert not [r for r in caplog.records if r.exc_info]


def morning(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)  # the channel's 09:00 is past


async def report_of(engine: AsyncEngine, day: dt.date, title: str) -> None:
    """A report of `day` arriving that morning, with one paper the channel follows."""
    arxiv_id = f"2605.{day.day:05d}"
    report = Report(day, (paper(arxiv_id=arxiv_id, title=title, domain="强化学习"),))
    await Archive(engine, clock=lambda: morning(day) - dt.timedelta(hours=2)).ingest(report)


async def subscribed_before(engine: AsyncEngine, channel: str, day: dt.date) -> SubscriptionStore:
    """`channel` subscribed the evening before `day` (the store's clock pinned, no wall clock)."""
    store = SubscriptionStore(engine, clock=lambda: morning(day) - dt.timedelta(hours=14))
    ref = ChannelRef("slack", TEAM, channel)
    await store.save(Subscription(ref, Interests(("reinforcement-learning",)), created_by=CREATOR))
    return store


async def test_a_channel_paused_for_its_posting_permissions_resumes_by_itself_once_paperbot_may_post(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    # Slack sends no event when posting permissions change: each due digest is tried once, a
    # refusal says nothing new to anyone, and the first that goes through resumes the channel.
    await report_of(engine, DAY, "Scaling RL")
    store = await subscribed_before(engine, "C0RO", DAY)
    slack.slack_error("chat.postMessage", "restricted_action_read_only_channel", times=None, channel="C0RO")
    job = deliverer(engine, slack, NoticePolicy(operator=OPS))
    await job.run_pass(morning(DAY))
    paused = await store.get(ChannelRef("slack", TEAM, "C0RO"))
    assert paused is not None
    assert paused.paused
    assert len(texts(slack, slack.dm_channel(CREATOR))) == 1
    assert len(texts(slack, "C0OPS")) == 1

    # The next day, still read-only: one refused post, at its time; nobody is told again.
    next_day = DAY + dt.timedelta(days=1)
    await report_of(engine, next_day, "Scaling RL again")
    for hour in range(4):
        await job.run_pass(morning(next_day) + dt.timedelta(hours=hour))
    refused = slack.calls_to("chat.postMessage", channel="C0RO")
    assert len(refused) == 2  # one a day
    assert await store.get(ChannelRef("slack", TEAM, "C0RO")) == paused  # the same pause, the same reason
    assert len(texts(slack, slack.dm_channel(CREATOR))) == 1
    assert len(texts(slack, "C0OPS")) == 1
    assert {row.status for row in await Outbox(engine).list()} == {"skipped"}

    # The admin lets paperbot post: the next digest comes, and the channel is no longer paused.
    slack.clear_failures()
    third = DAY + dt.timedelta(days=2)
    await report_of(engine, third, "Scaling RL once more")
    for hour in range(3):
        await job.run_pass(morning(third) + dt.timedelta(hours=hour))
    resumed = await store.get(ChannelRef("slack", TEAM, "C0RO"))
    assert resumed is not None
    assert (resumed.paused, resumed.paused_reason) == (False, None)
    [digest] = slack.messages_in("C0RO")  # exactly once
    assert "Scaling RL once more" in str(digest["text"])
    assert len(texts(slack, slack.dm_channel(CREATOR))) == 1
    assert len(texts(slack, "C0OPS")) == 1


async def test_a_paused_channel_resumed_by_a_part_and_refused_at_the_next_is_told_as_a_new_pause(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    # The digest's first part went up (the channel resumed) and its second was refused: the
    # refusal was taken for the pause the pass began with, and nobody heard of the new one.
    await report_of(engine, DAY, "Scaling RL")
    store = await subscribed_before(engine, "C0RO", DAY)
    ref = ChannelRef("slack", TEAM, "C0RO")
    subscription = await store.get(ref)
    assert subscription is not None
    # Compact: the list, then its cards in its thread (two parts for one paper).
    await store.save(replace(subscription, settings=replace(subscription.settings, layout="compact")))
    await store.set_paused(ref, True, pause_reason("restricted_action", "en"))
    slack.slack_error(
        "chat.postMessage",
        "restricted_action",
        times=None,
        channel="C0RO",
        when=lambda params: params["metadata"]["event_payload"]["part"] > 0,
    )
    await deliverer(engine, slack, NoticePolicy(operator=OPS)).run_pass(morning(DAY))

    assert len(slack.messages_in("C0RO")) == 1  # the first part only
    stored = await store.get(ref)
    assert stored is not None
    assert stored.paused
    [text] = texts(slack, "C0OPS")
    assert text.startswith("⚠️ paperbot paused the digest of <#C0RO> (restricted_action): ")


async def test_a_channel_paused_for_another_cause_is_not_tried_again(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await report_of(engine, DAY, "Scaling RL")
    await subscribed_before(engine, "C0GONE", DAY)
    slack.slack_error("chat.postMessage", "not_in_channel", times=None, channel="C0GONE")
    job = deliverer(engine, slack, NoticePolicy(operator=OPS))
    await job.run_pass(morning(DAY))
    next_day = DAY + dt.timedelta(days=1)
    await report_of(engine, next_day, "Scaling RL again")
    await job.run_pass(morning(next_day))
    assert len(slack.calls_to("chat.postMessage", channel="C0GONE")) == 1  # its invite resumes it
    assert len(await Outbox(engine).list()) == 1
