"""Personal digests (issue 19, part 1): the same `/paper` commands in a reader's DM with the app.

A DM is a channel like any other (Slack D…, Discord "dm"/channel id), told from its ids; its owner
manages it (the edge says so: only they can type there), and everything that lists subscriptions
marks it as personal. The platforms' own paths (a slash command from the Messages tab, a Discord
DM interaction, the digest posted into the DM) are tested over the wire in tests/handlers/.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CommandContext, Reply, handle_paper_command
from bot.chat.subscribing import from_export, read_import, to_export
from bot.delivery.loud_failures import LOG_ONLY, NoticePolicy, Notices
from bot.errors import BadInputError
from bot.ids import is_personal, valid_channel
from bot.models import ChannelRef, Interests, Subscription
from bot.ports import Recipient
from bot.reports.sources.local import LocalSource
from bot.runtime.config import SAMPLE_REPORT
from bot.store.archive import Archive
from bot.store.notices import NoticeStore
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import Taxonomy, builtin_taxonomy

SLACK_DM = ChannelRef("slack", "T1", "D0READER")
DISCORD_DM = ChannelRef("discord", "dm", "123456789012345678")
CHANNEL = ChannelRef("slack", "T1", "C0PAPERS")
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def ctx(engine: AsyncEngine) -> CommandContext:
    archive = Archive(engine)
    await archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    return CommandContext(archive, SubscriptionStore(engine), builtin_taxonomy(), SLACK_DM, user="U0READER")


async def say(ctx: CommandContext, text: str) -> Reply:
    return await handle_paper_command(ctx, text)


@pytest.mark.parametrize(
    ("ref", "personal"),
    [
        (SLACK_DM, True),
        (DISCORD_DM, True),
        (CHANNEL, False),
        (ChannelRef("slack", "T1", "G0PRIVATE"), False),
        (ChannelRef("discord", "111111111111111111", "222222222222222222"), False),
        (ChannelRef("console", "local", "D-demo"), False),
    ],
)
def test_a_dm_is_told_from_its_ids_and_is_a_valid_channel(ref: ChannelRef, personal: bool) -> None:
    assert is_personal(ref) is personal
    assert valid_channel(ref)


async def test_a_reader_subscribes_in_their_dm_exactly_as_in_a_channel(ctx: CommandContext) -> None:
    reply = await say(ctx, 'subscribe agents, "GRPO"')
    assert not reply.error
    assert reply.text == (
        'Subscribed. Your personal digest now follows: agents, "GRPO". '
        "It comes to this DM. Digest daily at 09:00 (UTC)."
    )
    for command in ("exclude survey", "schedule 07:30 Asia/Shanghai", "cadence weekdays", "set size 5"):
        assert not (await say(ctx, command)).error, command
    stored = await ctx.store.get(SLACK_DM)
    assert stored is not None
    assert stored.created_by == "U0READER"
    assert stored.interests == Interests(("agents",), ("GRPO",), excluded_keywords=("survey",))
    assert (stored.time, stored.tz, stored.settings.cadence, stored.settings.size) == (
        dt.time(7, 30),
        "Asia/Shanghai",
        "weekdays",
        5,
    )
    listing = (await say(ctx, "list")).text
    assert listing.startswith('Your personal digest follows: agents, "GRPO", not "survey"\n')
    assert (await say(ctx, "language zh")).text == "你的个人日报语言已设为中文。"
    assert (await say(ctx, "列表")).text.startswith("你的个人日报订阅：智能体")


async def test_replies_in_a_dm_speak_of_the_readers_personal_digest_not_a_channel(
    ctx: CommandContext,
) -> None:
    replies = {
        "unsubscribe RL": "You have no personal digest: there is nothing to unsubscribe from.",
        "schedule 08:00": "Subscribe here first: /paper subscribe TOPICS "
        "(your personal digest comes to this DM)",
        "digest": "You have no personal digest yet — try /paper subscribe RL, video generation",
    }
    for command, text in replies.items():
        assert (await say(ctx, command)).text == text, command
    await say(ctx, "subscribe RL")
    replies = {
        "subscribe RL": "Nothing new: your personal digest already follows reinforcement learning.",
        "unsubscribe agents": "Your personal digest does not follow agents.",
        "include survey": "Your personal digest does not exclude survey.",
        "exclude survey": 'Excluded "survey": papers about it stay out of your personal digest. '
        'Now: reinforcement learning, not "survey".',
        "more-like 2611.01004": "Noted: more papers like this one in your personal digest "
        "(vote the same again to undo).",
        "language en": "Your personal digest is now in English.",
    }
    for command, text in replies.items():
        assert (await say(ctx, command)).text == text, command
    assert (await say(ctx, "unsubscribe RL")).text.startswith(
        "Unsubscribed from reinforcement learning. Your personal digest follows nothing now"
    )
    assert (await say(ctx, "unsubscribe all")).text == "Unsubscribed: your personal digest has stopped."
    # In a channel, the same commands speak of the channel.
    channel = replace(ctx, channel=CHANNEL)
    assert (await say(channel, "unsubscribe RL")).text.startswith("This channel has no subscription")


async def test_list_in_an_empty_dm_says_how_to_start_a_personal_digest(ctx: CommandContext) -> None:
    assert (await say(ctx, "list")).text.startswith("You have no personal digest yet.")
    assert (await say(ctx, "列表")).text.startswith("你还没有个人日报。")


async def test_in_a_channel_non_managers_are_still_refused(ctx: CommandContext) -> None:
    member = replace(ctx, channel=CHANNEL, can_manage=False)
    reply = await say(member, "subscribe RL")
    assert reply.error
    assert reply.text == "Only people who can manage this channel may change its subscriptions."
    assert await ctx.store.get(CHANNEL) is None


async def test_in_someone_elses_dm_changes_are_refused_with_where_to_go(ctx: CommandContext) -> None:
    # A Slack DM between two people (the edge found it is not the caller's own DM with the app).
    elsewhere = replace(ctx, channel=ChannelRef("slack", "T1", "D0BETWEEN"), can_manage=False)
    for typed, start in (("subscribe RL", "A personal digest lives"), ("订阅 强化学习", "个人日报只在")):
        reply = await say(elsewhere, typed)
        assert reply.error
        assert reply.text.startswith(start)
    assert await ctx.store.get(elsewhere.channel) is None
    # Lookups and help still work there.
    assert not (await say(elsewhere, "help")).error


async def test_votes_in_a_dm_tune_only_that_dm(ctx: CommandContext) -> None:
    await say(ctx, "subscribe RL")
    assert not (await say(ctx, "more-like 2611.01004")).error
    votes = ctx.vote_store
    assert [v.paper for v in await votes.votes(SLACK_DM)] == ["2611.01004"]
    assert await votes.votes(CHANNEL) == []


def personal_subscription() -> Subscription:
    return Subscription(
        channel=SLACK_DM,
        interests=Interests(("agents",), ("GRPO",), excluded_keywords=("survey",)),
        time=dt.time(7, 30),
        tz="Asia/Shanghai",
        locale="zh",
        created_by="U0READER",
    )


def test_export_marks_personal_digests_and_import_round_trips_them() -> None:
    taxonomy = builtin_taxonomy()
    for original in (personal_subscription(), replace(personal_subscription(), channel=DISCORD_DM)):
        exported = to_export(original, taxonomy)
        assert exported["personal"] is True
        assert from_export(json.loads(json.dumps(exported)), taxonomy) == original
    channel = replace(personal_subscription(), channel=CHANNEL)
    assert to_export(channel, taxonomy)["personal"] is False
    # An entry written by hand (or by an older paperbot) without the marker: told from the ids.
    entry = to_export(personal_subscription(), taxonomy)
    del entry["personal"]
    assert from_export(entry, taxonomy) == personal_subscription()


@pytest.mark.parametrize(
    ("channel", "personal", "message"),
    [
        ("C0PAPERS", True, "personal is true, but slack:T1/C0PAPERS is not a DM"),
        ("D0READER", False, "personal is false, but slack:T1/D0READER is not a channel"),
        ("D0READER", "yes", 'personal is "yes", but slack:T1/D0READER is not a channel'),
    ],
)
def test_import_refuses_a_personal_marker_the_ids_contradict(
    channel: str, personal: object, message: str
) -> None:
    taxonomy: Taxonomy = builtin_taxonomy()
    entry = to_export(personal_subscription(), taxonomy) | {"channel": channel, "personal": personal}
    with pytest.raises(BadInputError, match=message.replace("(", r"\(")):
        from_export(entry, taxonomy)
    with pytest.raises(BadInputError):
        read_import([entry], taxonomy)


async def notices(engine: AsyncEngine, policy: NoticePolicy) -> Notices:
    store = SubscriptionStore(engine)
    return Notices(NoticeStore(engine), Outbox(engine), store, {}, policy)


async def test_a_paused_personal_digest_tells_the_operator_never_the_reader(engine: AsyncEngine) -> None:
    ops = Recipient("slack", "T1", "C0OPS")
    stored = replace(personal_subscription(), paused=True, paused_reason="the reader left.")
    job = await notices(engine, NoticePolicy(operator=ops))
    added = await job.channel_paused(
        SLACK_DM, "k1", error="user_deactivated", subscription=stored, creator_told=False, now=NOW
    )
    assert added == 1
    [kept] = await NoticeStore(engine).list()
    assert kept.recipient == ops
    assert kept.text.startswith(
        "⚠️ paperbot paused the digest of the personal digest of user U0READER (slack:T1/D0READER)"
    )
    # A digest that failed for good: the operator too, and without one only the log.
    await job.delivery_failed(
        SLACK_DM, NOW.date(), "k2", attempts=3, error="http_503", subscription=stored, now=NOW
    )
    quiet = await notices(engine, NoticePolicy())
    await quiet.delivery_failed(
        SLACK_DM, NOW.date(), "k3", attempts=3, error="http_503", subscription=stored, now=NOW
    )
    await quiet.channel_paused(
        SLACK_DM, "k4", error="user_deactivated", subscription=stored, creator_told=False, now=NOW
    )
    recipients = {(n.subject, n.recipient) for n in await NoticeStore(engine).list()}
    assert recipients == {("k1", ops), ("k2", ops), ("k3", LOG_ONLY), ("k4", LOG_ONLY)}
    assert all(r.user != "U0READER" for _, r in recipients)
