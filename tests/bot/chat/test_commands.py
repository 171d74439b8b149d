from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CommandContext, Reply, handle_invocation, handle_paper_command, unglue
from bot.chat.use_cases import Installed
from bot.i18n import t
from bot.models import ChannelRef, Interests, Locale, Subscription
from bot.reports.sources.local import LocalSource
from bot.runtime.config import SAMPLE_REPORT
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy

CHANNEL = ChannelRef("slack", "T1", "C-video")
SAMPLE_DAY = dt.date(2026, 11, 20)


@pytest.fixture
async def ctx(engine: AsyncEngine) -> CommandContext:
    archive = Archive(engine)
    await archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    return CommandContext(archive, SubscriptionStore(engine), builtin_taxonomy(), CHANNEL, user="U1")


async def say(ctx: CommandContext, text: str) -> Reply:
    return await handle_paper_command(ctx, text)


async def test_a_channel_admin_subscribes_lists_schedules_and_previews(ctx: CommandContext) -> None:
    reply = await say(ctx, 'subscribe video generation, RL "diffusion distillation"')
    assert not reply.error
    assert reply.text == (
        "Subscribed. This channel now follows: video generation, reinforcement learning, "
        '"diffusion distillation". '
        "Digest daily at 09:00 (UTC)."
    )
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert stored.created_by == "U1"

    reply = await say(ctx, "schedule 8:30am Asia/Tokyo")
    assert reply.text == "Digest time set: daily at 08:30 (Asia/Tokyo)."
    listing = (await say(ctx, "list")).text
    assert "video generation, reinforcement learning" in listing
    assert "08:30 (Asia/Tokyo)" in listing

    digest = (await say(ctx, "digest")).digest
    assert digest is not None
    assert digest.date == SAMPLE_DAY
    ids = [item.arxiv_id for item in digest.items]
    assert {"2611.01001", "2611.01002", "2611.01003", "2611.01004", "2611.01009"} == set(ids)
    assert all(item.reason for item in digest.items)


async def test_subscribing_again_adds_only_what_is_new(ctx: CommandContext) -> None:
    await say(ctx, "subscribe RL")
    assert (await say(ctx, "subscribe 强化学习")).text.startswith("没有变化")
    reply = await say(ctx, "subscribe agents")
    assert "reinforcement learning, agents" in reply.text


async def test_unsubscribing_removes_topics_and_all_ends_the_subscription(ctx: CommandContext) -> None:
    await say(ctx, 'subscribe RL, agents, "GRPO"')
    reply = await say(ctx, "unsubscribe 强化学习")
    assert reply.text == "已取消订阅 强化学习。仍在订阅：智能体、「GRPO」。"  # Chinese list punctuation
    assert (await say(ctx, "unsubscribe robotics")).error
    assert (await say(ctx, "unsubscribe all")).text.startswith("Unsubscribed: this channel")
    assert await ctx.store.get(CHANNEL) is None
    assert "follows nothing yet" in (await say(ctx, "list")).text
    # Nothing left to end: said as such, not as "does not follow all".
    for text in ("unsubscribe all", "unsubscribe RL", "退订 全部"):
        reply = await say(ctx, text)
        assert reply.error
        assert reply.text in {
            "This channel has no subscription: there is nothing to unsubscribe from.",
            "本频道没有任何订阅，无需退订。",
        }


async def test_swapping_the_last_topic_for_another_keeps_the_channels_settings(ctx: CommandContext) -> None:
    for command in (
        'subscribe RL -"medical"',
        "schedule 7:15 Asia/Shanghai",
        "set size 3",
        "cadence weekly friday",
        "language zh",
    ):
        assert not (await say(ctx, command)).error, command
    reply = await say(ctx, "unsubscribe RL")
    assert reply.text.startswith("已取消订阅 强化学习。现在没有订阅任何主题，不再推送日报")
    kept = await ctx.store.get(CHANNEL)
    assert kept is not None
    assert not kept.interests  # no digest is planned for it (the planner skips it)
    listing = (await say(ctx, "list")).text
    assert "本频道还没有订阅" in listing
    assert "重新订阅时沿用：每星期五 07:15（Asia/Shanghai）推送周报" in listing
    assert "最多 3 篇" in listing
    reply = await say(ctx, "subscribe agents")
    assert reply.text == (
        "订阅成功。本频道现在订阅：智能体、排除「medical」。"
        "每星期五 07:15（Asia/Shanghai）推送周报：本周最相关的论文，每篇只出现一次。"
    )
    again = await ctx.store.get(CHANNEL)
    assert again is not None
    assert (again.time, again.tz, again.locale) == (dt.time(7, 15), "Asia/Shanghai", "zh")
    assert (again.settings.size, again.settings.cadence) == (3, "weekly")
    assert again.interests.excluded_keywords == ("medical",)
    # `all` still forgets everything.
    await say(ctx, "unsubscribe all")
    assert await ctx.store.get(CHANNEL) is None


async def test_a_date_lookup_says_how_many_papers_the_day_holds_and_where_all_are(
    ctx: CommandContext,
) -> None:
    reply = await say(ctx, "2026-11-20")
    assert [hit.arxiv_id for hit in reply.hits] == [f"2611.{1001 + i:05d}" for i in range(5)]
    assert reply.text == (
        "The first 5 of 14 papers for 2026-11-20, in the report's order "
        "(the whole day: https://huggingface.co/papers/date/2026-11-20):"
    )
    zh = await handle_invocation(replace(ctx, locale="zh"), "lookup", "2026-11-20")
    assert zh.text.startswith("“2026-11-20”共 14 篇论文，按日报顺序显示前 5 篇")
    # A day with no more papers than a reply shows is counted as before.
    assert (await say(ctx, "2611.01004")).text == "1 paper for 2611.01004:"


async def test_a_day_named_as_people_say_it_is_that_days_report(engine: AsyncEngine) -> None:
    # 01:30 UTC on 21 November is still the 20th in New York: "yesterday" there is the 19th.
    clock = lambda: dt.datetime(2026, 11, 21, 1, 30, tzinfo=dt.UTC)  # noqa: E731
    archive = Archive(engine, clock=clock)
    await archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    ctx = CommandContext(archive, SubscriptionStore(engine), builtin_taxonomy(), CHANNEL, user="U1")
    reply = await say(ctx, "yesterday")
    assert reply.text.startswith("The first 5 of 14 papers for yesterday (2026-11-20), in the report's order")
    zh = await handle_invocation(replace(ctx, locale="zh"), "lookup", "昨天")
    assert zh.text.startswith("“昨天（2026-11-20）”共 14 篇论文")  # full-width brackets in Chinese
    assert len((await say(ctx, "latest")).hits) == 5
    assert len((await say(ctx, "最新")).hits) == 5
    # A day with no report names the newest there is, in the caller's language.
    assert (await say(ctx, "today")).text == (
        "No report is archived for today (2026-11-21). The newest archived report is 2026-11-20: "
        "/paper 2026-11-20"
    )
    zh = await handle_invocation(replace(ctx, locale="zh"), "lookup", "2026-12-25")
    assert zh.text == "存档中没有 2026-12-25 的日报。最新的日报是 2026-11-20：/paper 2026-11-20"
    # The channel's own zone decides which day "yesterday" is.
    await say(ctx, "subscribe RL")
    await say(ctx, "schedule 9:00 America/New_York")
    assert "No report is archived for yesterday (2026-11-19)" in (await say(ctx, "yesterday")).text


async def test_a_lookup_that_finds_nothing_says_what_to_try(ctx: CommandContext) -> None:
    reply = await say(ctx, "zzzqqqx")
    assert reply.text == (
        "No archived paper matches zzzqqqx. Check the spelling, or try fewer or other words "
        "(English or 中文), a topic (/paper topics), an arXiv id or a date."
    )
    assert "\n" not in reply.text  # one line: Slack and Discord would fence several in a code block
    zh = await say(ctx, "视频生城")  # one character off a topic's Chinese name
    assert zh.text == "存档中没有与“视频生城”匹配的论文。你是不是要找主题“视频生成”？/paper 视频生成"
    # A near miss that finds papers (stemming forgives it) still names the topic it meant.
    found = await say(ctx, "reinforcment learning")
    assert found.hits
    assert found.text.startswith(
        "Did you mean the topic “reinforcement learning”? /paper reinforcement learning\n"
    )
    # A topic's own name, or words near no name, get no such line.
    assert not (await say(ctx, "RL")).text.startswith("Did you mean")
    assert not (await say(ctx, "GRPO")).text.startswith("Did you mean")


async def test_a_lookup_says_when_more_papers_match_than_it_shows(ctx: CommandContext) -> None:
    # The sample day holds 14 papers; 模型 is in most of them, a title pasted in one.
    many = await say(ctx, "模型")
    assert len(many.hits) == 5
    assert many.text.startswith("“模型”的检索结果，显示前 5 篇论文；还有更多")
    en = await handle_invocation(replace(ctx, locale="en"), "lookup", "模型")
    assert en.text == (
        'The first 5 papers for 模型; more match (add words, a "phrase" or a -word to narrow it down):'
    )
    one = await say(ctx, "One-Step Diffusion Distillation with Adversarial Score Matching")
    assert one.text == "1 paper for One-Step Diffusion Distillation with Adversarial Score Matching:"
    assert (await say(ctx, "RL")).text == "2 papers for RL:"  # a topic: all it is about
    # "/paper more" after it: nothing is kept to page through; say how to narrow one down.
    for word, start in (("more", "A lookup shows its first 5 papers"), ("更多", "检索只显示前 5 篇论文")):
        reply = await say(ctx, word)
        assert reply.text.startswith(start)
        assert not reply.hits


async def test_the_topic_list_names_each_alias_once(ctx: CommandContext) -> None:
    for locale in ("en", "zh"):
        text = (await handle_invocation(replace(ctx, locale=locale), "topics")).text
        for line in text.splitlines()[1:]:
            label, _, aliases = line.removeprefix("• ").partition(" — ")
            names = [label, *aliases.split(", ")]
            assert len({name.casefold() for name in names}) == len(names), line


async def test_people_who_cannot_manage_the_channel_may_not_change_it(ctx: CommandContext) -> None:

    member = replace(ctx, can_manage=False)
    for command in ("subscribe RL", "unsubscribe RL", "schedule 09:00", "language zh"):
        reply = await say(member, command)
        assert reply.error
        assert "Only people who can manage" in reply.text
    assert await ctx.store.get(CHANNEL) is None
    # Reading is for everyone.
    assert not (await say(member, "help")).error
    assert (await say(member, "2611.01001")).hits


async def test_replies_follow_the_callers_language(ctx: CommandContext) -> None:

    assert (await say(ctx, "帮助")).text.startswith("/paper 关键词")
    assert (await say(ctx, "help")).text.startswith("/paper QUERY")
    chinese_caller = replace(ctx, locale="zh")
    assert (await say(chinese_caller, "help")).text.startswith("/paper 关键词")
    assert (await say(ctx, "订阅 视频生成")).text.startswith("订阅成功")
    # The channel's language, set by the first subscriber, then governs English-less replies.
    assert (await say(ctx, "list")).text.startswith("本频道订阅")
    assert (await say(ctx, "language en")).text == "This channel's digest is now in English."
    assert (await say(ctx, "list")).text.startswith("This channel follows")


async def test_a_new_time_for_a_weekly_or_weekdays_channel_is_not_called_daily(ctx: CommandContext) -> None:
    """Setting the time keeps the cadence; the reply said "daily at …" of a weekly channel."""
    await say(ctx, "subscribe RL")
    await say(ctx, "cadence weekly sunday")
    assert (await say(ctx, "schedule 8:00 Pacific/Chatham")).text == (
        "Digest time set. Digest every Sunday at 08:00 (Pacific/Chatham): the week's best papers, each once."
    )
    await say(ctx, "cadence weekdays")
    assert (await say(ctx, "定时 9:00 Asia/Kolkata")).text == (
        "推送时间已设置。周一至周五 09:00（Asia/Kolkata）推送日报；周六、周日不推送。"
    )


async def test_an_offset_is_set_as_people_mean_it_and_shown_as_an_offset(ctx: CommandContext) -> None:
    await say(ctx, "subscribe RL")
    # GMT+8 was stored as Etc/GMT+8, which IANA defines as UTC-8: 16 hours off for Beijing.
    assert (await say(ctx, "schedule 9:00 GMT+8")).text == "Digest time set: daily at 09:00 (UTC+08:00)."
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert stored.tz == "Etc/GMT-8"  # the IANA zone that is UTC+8
    assert "09:00 (UTC+08:00)" in (await say(ctx, "list")).text
    assert (await say(ctx, "定时 7:00 UTC-5")).text == "推送时间已设置：每天 07:00（UTC-05:00）。"
    # The explicit IANA name keeps its meaning, and the reply says what that is.
    assert (await say(ctx, "schedule 9:00 Etc/GMT+8")).text.endswith("(UTC-08:00).")


async def test_zones_that_are_no_place_or_no_zone_are_refused_in_the_callers_language(
    ctx: CommandContext,
) -> None:
    await say(ctx, "subscribe RL")
    assert (await say(ctx, "schedule 8:30 localtime")).text.startswith("unknown time zone 'localtime'")
    refused = (await say(ctx, "定时 8:30 UTC+5:30")).text
    assert refused.startswith("「UTC+5:30」是 UTC+05:30")
    assert "Asia/Kolkata" in refused
    refused = (await say(ctx, "schedule 8:30 PT")).text
    assert refused.startswith("'PT' is an abbreviation")
    assert "America/Los_Angeles" in refused
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert (stored.time, stored.tz) == (dt.time(9, 0), "UTC")


NEW_YORK = "America/New_York"


@pytest.mark.parametrize(
    ("command", "reply", "tz"),
    [
        # Each was refused: the argument was split on spaces into one time word and one zone word.
        ("schedule 9:30 pm", "Digest time set: daily at 21:30 (UTC).", "UTC"),
        ("schedule 9 am", "Digest time set: daily at 09:00 (UTC).", "UTC"),
        ("schedule 9:00 New York", "Digest time set: daily at 09:00 (America/New_York).", NEW_YORK),
        ("schedule 9:30 pm New York", "Digest time set: daily at 21:30 (America/New_York).", NEW_YORK),
        ("schedule 9 am UTC+8", "Digest time set: daily at 09:00 (UTC+08:00).", "Etc/GMT-8"),
        ("定时 下午 3点", "推送时间已设置：每天 15:00（UTC）。", "UTC"),
        ("定时 下午 3点 北京", "推送时间已设置：每天 15:00（Asia/Shanghai）。", "Asia/Shanghai"),
    ],
)
async def test_a_time_and_a_zone_may_each_be_several_words(
    ctx: CommandContext, command: str, reply: str, tz: str
) -> None:
    await say(ctx, "subscribe RL")
    assert (await say(ctx, command)).text == reply
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert stored.tz == tz


async def test_bad_arguments_get_clear_replies_and_change_nothing(ctx: CommandContext) -> None:
    assert (await say(ctx, "subscribe agnets")).text.startswith(
        'Unknown topic "agnets" — did you mean "agents"?'
    )
    assert (await say(ctx, "subscribe")).text.startswith("Usage: /paper subscribe")
    assert (await say(ctx, "schedule 09:00")).text.startswith("Subscribe this channel first")
    await say(ctx, "subscribe RL")
    assert "bad time '25:00'" in (await say(ctx, "schedule 25:00")).text
    assert "unknown time zone 'Mars/Olympus'" in (await say(ctx, "schedule 09:00 Mars/Olympus")).text
    assert (await say(ctx, "schedule")).text.startswith("Usage: /paper schedule")
    # `language …` is also a search (`language models`): what is not a language is looked up,
    # and the reply says how to change the language.
    reply = await say(ctx, "language klingon")
    assert reply.text.startswith(
        "Searched the archive for this. To change the channel, the command is /paper language en|zh"
    )
    assert (await say(ctx, "digest 2020-01-01")).text.startswith("No report is archived for 2020-01-01.")
    assert "not a date" in (await say(ctx, "digest someday")).text
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert stored.time == dt.time(9, 0)
    assert stored.tz == "UTC"


async def test_digest_needs_a_subscription_and_all_lifts_the_cap(ctx: CommandContext) -> None:
    assert (await say(ctx, "digest")).text.startswith("This channel follows nothing yet")
    names = [topic.name for topic in ctx.taxonomy]
    for start in range(0, len(names), 10):  # a command takes at most 25 names
        assert not (await say(ctx, "subscribe " + ", ".join(names[start : start + 10]))).error
    capped = (await say(ctx, "digest")).digest
    full = (await say(ctx, f"digest {SAMPLE_DAY} all")).digest
    assert capped is not None
    assert full is not None
    assert len(capped.items) == 10
    assert capped.more == 4
    assert len(full.items) == 14
    assert full.more == 0


async def test_a_topic_lookup_returns_papers_about_it_not_papers_mentioning_it(ctx: CommandContext) -> None:
    hits = (await say(ctx, "RL")).hits
    assert [hit.arxiv_id for hit in hits] == ["2611.01004", "2611.01003"] or {h.arxiv_id for h in hits} == {
        "2611.01004",
        "2611.01003",
    }
    assert "检索结果" in (await say(ctx, "视频生成")).text
    assert (await say(ctx, "2611.01001")).hits[0].title.startswith("TempoWeave")
    assert (await say(ctx, "nothing-like-this-exists")).text.startswith("No archived paper matches")


async def test_subscribing_again_resumes_a_paused_channel(ctx: CommandContext) -> None:
    await say(ctx, "subscribe RL")
    assert await ctx.store.set_paused(CHANNEL, True, "the bot was removed from the channel")
    assert "Paused: the bot was removed" in (await say(ctx, "list")).text
    reply = await say(ctx, "subscribe RL")
    assert reply.text.startswith("Resumed: this channel's digest is back on.")
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert not stored.paused
    assert stored.paused_reason is None


# -- the structured entry: a platform's sub-command, never re-read as text ----------------------


@pytest.mark.parametrize(
    "text", ["unsubscribe all", "subscribe RL", "订阅 强化学习", "exclude RL", "language zh"]
)
async def test_a_lookup_invocation_looks_up_whatever_its_text_says(ctx: CommandContext, text: str) -> None:
    await say(ctx, "subscribe agents")
    before = await ctx.store.get(CHANNEL)
    reply = await handle_invocation(ctx, "lookup", text)
    assert text in reply.text  # "No archived paper matches …" / "…的检索结果", naming the query
    assert await ctx.store.get(CHANNEL) == before


async def test_typed_text_still_names_its_sub_command(ctx: CommandContext) -> None:
    assert (await say(ctx, "订阅 强化学习")).text.startswith("订阅成功")
    assert (await handle_invocation(ctx, "help")).text == (await say(ctx, "help")).text
    assert "/paper 订阅" in (await say(ctx, "帮助")).text  # typed in Chinese: answered in Chinese
    with pytest.raises(ValueError, match="not a /paper sub-command"):
        await handle_invocation(ctx, "订阅", "RL")  # only canonical names: the edge maps its own


@pytest.mark.parametrize(
    ("verb", "text"),
    [
        ("subscribe", "agents"),
        ("unsubscribe", "all"),
        ("exclude", "robotics"),
        ("include", '"survey"'),
        ("schedule", "21:00 Asia/Shanghai"),
        ("language", "zh"),
        ("set", "size 3"),
        ("cadence", "weekly friday"),
    ],
)
async def test_every_change_is_refused_to_a_caller_who_cannot_manage_the_channel(
    ctx: CommandContext, verb: str, text: str
) -> None:

    await say(ctx, 'subscribe RL -"survey"')
    before = await ctx.store.get(CHANNEL)
    answers: tuple[tuple[Locale, str], ...] = (
        ("en", "Only people who can manage"),
        ("zh", "只有能管理本频道的成员"),
    )
    for locale, expected in answers:
        member = replace(ctx, can_manage=False, locale=locale)
        reply = await handle_invocation(member, verb, text)
        assert reply.error
        assert reply.text.startswith(expected)
    assert await ctx.store.get(CHANNEL) == before


@pytest.mark.parametrize(
    "text",
    [
        "language models",
        "time series forecasting",
        "list decoding",
        "topics in NLP",
        "语言 模型",
        "lang models",
    ],
)
async def test_a_command_name_that_is_also_a_search_word_searches_when_its_argument_cannot_be(
    ctx: CommandContext, text: str
) -> None:
    await say(ctx, "subscribe RL")
    member = replace(ctx, can_manage=False)  # a lookup needs no permission; a change would
    reply = await say(member, text)
    assert not reply.error
    assert f"for {text}:" in reply.text or f"“{text}”" in reply.text or f"matches {text}" in reply.text
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert (stored.locale, stored.time) == ("en", dt.time(9, 0))


def test_every_name_that_may_start_a_search_is_a_command_that_can_tell() -> None:
    from bot.chat.commands import ALSO_SEARCHED, COMMAND_TABLE, VERBS

    for name in ALSO_SEARCHED:
        command = COMMAND_TABLE[VERBS[name]]
        assert not command.fits("certainly not an argument"), name
        assert command.fits(""), name  # the name alone still gets its usage line


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("shedule 8:30", "/paper schedule HH:MM [ZONE]"),
        ("unsubscibe RL", "/paper unsubscribe TOPICS|all"),
        ("subscribe: RL", "/paper subscribe TOPICS"),
        ("langauge zh", "/paper language en|zh"),
        ("language fr", "/paper language en|zh"),
        (
            "语言： fr",
            "/paper 语言 en|zh",
        ),  # (订阅： RL subscribes: a colon after a Chinese name is Chinese usage)
        ("語言 fr", "/paper 语言 en|zh"),  # traditional characters: the same name
    ],
)
async def test_a_mistyped_command_is_looked_up_and_the_reply_says_the_command(
    ctx: CommandContext, text: str, usage: str
) -> None:
    await say(ctx, "subscribe agents")
    reply = await say(ctx, text)
    first = reply.text.splitlines()[0]
    assert usage in first
    assert "nothing was changed" in first or "未做任何更改" in first
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert stored.interests.topics == ("agents",)


@pytest.mark.parametrize(
    "text",
    [
        "scheduler design",
        "diffusion distillation",
        "topic models",
        "语音 合成",
        "subset selection",
    ],
)
async def test_a_search_that_only_resembles_a_command_gets_no_hint(ctx: CommandContext, text: str) -> None:
    reply = await say(ctx, text)
    # No "To change the channel, the command is /paper …" (a lookup's own tips may name /paper topics).
    assert "the command is /paper" not in reply.text
    assert "如需更改本频道设置" not in reply.text


async def test_a_channel_shared_by_two_workspaces_gets_one_subscription(ctx: CommandContext) -> None:
    # A Slack channel shared by two workspaces of an Enterprise Grid org (or, through Slack
    # Connect, with another organisation that installed paperbot too) has one id in both, and a
    # command typed there names the caller's workspace: a second subscription would post every
    # digest into the channel twice.
    home = ChannelRef("slack", "T0HOME", "C0SHARED")
    sister = ChannelRef("slack", "T0SISTER", "C0SHARED")
    assert (await say(replace(ctx, channel=home), "subscribe RL")).text.startswith("Subscribed")
    refused = await say(replace(ctx, channel=sister), "subscribe agents")
    assert refused.error
    assert refused.text == (
        "This channel already gets its digest, set up from another workspace that shares it (T0HOME); "
        "a second would post every digest here twice, so nothing was changed. "
        "Change it with /paper from that workspace."
    )
    zh = await say(replace(ctx, channel=sister, locale="zh"), "subscribe agents")
    assert zh.text.startswith("本频道已有日报，由共享本频道的另一个工作区（T0HOME）设置")
    assert await ctx.store.get(sister) is None
    assert [s.channel for s in await ctx.store.all()] == [home]
    # The workspace that set it up changes it as before; other channels are not concerned.
    assert (await say(replace(ctx, channel=home), "subscribe agents")).text.startswith("Subscribed")
    other = ChannelRef("slack", "T0SISTER", "C0OTHER")
    assert (await say(replace(ctx, channel=other), "subscribe agents")).text.startswith("Subscribed")


def installed_in(*workspaces: str) -> Installed:
    """The edge's answer to "is paperbot installed in this workspace?" (handlers/slack/oauth.py)."""

    async def installed(workspace: str) -> bool:
        return workspace in workspaces

    return installed


async def test_a_shared_channel_whose_owner_uninstalled_paperbot_is_taken_over(ctx: CommandContext) -> None:
    # The workspace that subscribed a shared channel uninstalls paperbot: its subscription stays,
    # paused. The other workspace's `/paper subscribe` there was refused for ever, saying the
    # channel "already gets its digest": now it subscribes the channel in its place.
    home = ChannelRef("slack", "T0HOME", "C0SHARED")
    sister = ChannelRef("slack", "T0SISTER", "C0SHARED")
    assert not (await say(replace(ctx, channel=home), "subscribe RL")).error
    await ctx.store.set_paused(home, True, "paperbot was uninstalled from this workspace")
    gone = replace(ctx, channel=sister, installed=installed_in("T0SISTER"))
    reply = await say(gone, "subscribe agents")
    assert not reply.error
    assert reply.text == (
        "Subscribed. This channel now follows: agents. Digest daily at 09:00 (UTC).\n"
        "This channel's digest used to be set up from another workspace that shares it (T0HOME), "
        "which no longer has paperbot installed; it now comes from this workspace instead, with "
        "the topics above."
    )
    assert [s.channel for s in await ctx.store.all()] == [sister]
    # The old owner reinstalls and subscribes again: refused, not a second subscription.
    both = installed_in("T0HOME", "T0SISTER")
    back = await say(replace(ctx, channel=home, installed=both, locale="zh"), "subscribe RL")
    assert back.error
    assert back.text == t("subscribe.elsewhere", "zh", workspace="T0SISTER")
    assert [s.channel for s in await ctx.store.all()] == [sister]


async def test_a_shared_channel_taken_over_says_so_in_chinese(ctx: CommandContext) -> None:
    home = ChannelRef("slack", "T0HOME", "C0SHARED")
    await ctx.store.save(Subscription(home, Interests(("agents",)), paused=True, paused_reason="gone"))
    gone = replace(ctx, channel=ChannelRef("slack", "T0SISTER", "C0SHARED"), locale="zh")
    reply = await say(replace(gone, installed=installed_in()), "subscribe agents")
    assert reply.text.endswith("\n" + t("subscribe.took_over", "zh", workspace="T0HOME"))
    assert reply.text.startswith("订阅成功。")


async def test_a_shared_channel_paused_by_an_installed_owner_stays_its_and_the_refusal_says_paused(
    ctx: CommandContext,
) -> None:
    # Paused (the channel was archived, paperbot removed, or the owner reinstalled and has not
    # resumed yet) but still installed there: they can resume it, so it is not taken; the
    # refusal no longer claims the channel "already gets its digest".
    home = ChannelRef("slack", "T0HOME", "C0SHARED")
    sister = ChannelRef("slack", "T0SISTER", "C0SHARED")
    paused = Subscription(home, Interests(("agents",)), paused=True, paused_reason="archived")
    await ctx.store.save(paused)
    for installed in (installed_in("T0HOME", "T0SISTER"), None):
        refused = await say(replace(ctx, channel=sister, installed=installed), "subscribe agents")
        assert refused.error
        assert refused.text == (
            "This channel's digest is set up from another workspace that shares it (T0HOME), and is "
            "paused there. Nothing was changed: a second subscription would post every digest here "
            "twice once it resumes. Resume it with `/paper subscribe …` from that workspace, or end "
            "it there with `/paper unsubscribe all` so this workspace can subscribe."
        )
    zh = await say(replace(ctx, channel=sister, locale="zh"), "subscribe agents")
    assert zh.text.startswith("本频道的日报由共享本频道的另一个工作区（T0HOME）设置，目前在那里处于暂停")
    assert await ctx.store.all() == [await ctx.store.get(home)]
    # An active subscription of an installed owner: the refusal as before.
    await ctx.store.set_paused(home, False)
    refused = await say(replace(ctx, channel=sister, installed=installed_in("T0HOME")), "subscribe agents")
    assert refused.text.startswith("This channel already gets its digest")


async def test_an_edge_that_cannot_tell_who_is_installed_never_takes_a_channel_over(
    ctx: CommandContext,
) -> None:
    # One token, no installation store (single-workspace mode): the owner's pause stands.
    home = ChannelRef("slack", "T0HOME", "C0SHARED")
    await ctx.store.save(Subscription(home, Interests(("agents",)), paused=True, paused_reason="gone"))
    refused = await say(replace(ctx, channel=ChannelRef("slack", "T0SISTER", "C0SHARED")), "subscribe RL")
    assert refused.error
    assert [s.channel for s in await ctx.store.all()] == [home]


async def test_commands_typed_in_traditional_characters_are_the_same_commands(ctx: CommandContext) -> None:
    # A reader in Taiwan or Hong Kong types 訂閱 機器人, not 订阅 机器人.
    reply = await say(ctx, "訂閱 機器人、強化學習")
    assert reply.text.startswith("订阅成功。本频道现在订阅：机器人、强化学习。"), reply.text
    assert (await say(ctx, "頻率 每週 週五")).text.startswith("每星期五")
    assert "紧凑" in (await say(ctx, "設置 佈局 緊湊")).text
    assert "不限点赞数" in (await say(ctx, "設置 最少點贊 關")).text
    assert (await say(ctx, "語言 繁體中文")).text == "本频道的日报语言已设为中文。"
    assert (await say(ctx, "退訂 機器人")).text.startswith("已取消订阅 机器人。")
    # Every word of the simplified vocabulary, typed in traditional characters: 關閉 was refused
    # ("圖片 只能是 开 或 关") and 下一頁 looked up, for want of 閉, 啟 and 頁 in the table.
    for traditional, simplified in [
        ("設置 圖片 關閉", "设置 图片 关闭"),
        ("設置 圖片 開啟", "设置 图片 开启"),
        ("下一頁", "下一页"),
        ("繼續", "继续"),
        ("再來", "再来"),
    ]:
        expected = await say(ctx, simplified)
        assert not expected.error, simplified
        assert (await say(ctx, traditional)).text == expected.text, traditional


async def test_a_language_change_is_confirmed_in_the_caller_s_language(ctx: CommandContext) -> None:
    # A Chinese admin (Slack/Discord locale zh-CN or zh-TW) making a lab channel's digest English
    # was told so in English only.
    chinese_admin = replace(ctx, locale="zh")
    await say(chinese_admin, "subscribe RL")
    reply = await say(chinese_admin, "language en")
    assert (reply.text, reply.locale) == ("本频道的日报语言已设为英文。", "zh")
    english_admin = replace(ctx, locale="en")
    assert (await say(english_admin, "language 中文")).text == "This channel's digest is now in Chinese."
    assert (await say(english_admin, "语言 中文")).text == "This channel's digest is now in Chinese."
    # A caller whose language the platform does not say: typed English reads English.
    assert (await say(ctx, "language en")).text == "This channel's digest is now in English."


async def test_a_language_typed_in_chinese_is_confirmed_in_chinese_where_the_platform_says_none(
    ctx: CommandContext,
) -> None:
    # The console and a Slack whose users.info does not answer give no locale: `/paper 语言 英文`
    # was confirmed in English, the new language, though the admin typed Chinese.
    await say(ctx, "订阅 强化学习")
    reply = await say(ctx, "语言 英文")
    assert (reply.text, reply.locale) == ("本频道的日报语言已设为英文。", "zh")
    assert (await say(ctx, "語言英文")).text == "本频道的日报语言已设为英文。"  # traditional, glued
    assert (await say(ctx, "language 中文")).text == "本频道的日报语言已设为中文。"
    # Typed in English, making the digest Chinese: said in English and for the channel's readers.
    await say(ctx, "language en")
    assert (await say(ctx, "language zh")).text == (
        "This channel's digest is now in Chinese. / 本频道的日报语言已设为中文。"
    )


async def test_help_takes_a_language(ctx: CommandContext) -> None:
    # The help's tips named the other language's help by its name (`/paper 帮助 for Chinese`,
    # `/paper help 查看英文`), which gave the caller's language wherever the platform says one.
    chinese, english = replace(ctx, locale="zh"), replace(ctx, locale="en")
    assert (await say(chinese, "help")).text.startswith("/paper 关键词")
    assert "/paper help en 查看英文" in (await say(chinese, "help")).text
    assert (await say(chinese, "help en")).text.startswith("/paper QUERY")
    assert "(/paper help zh for Chinese)" in (await say(english, "help")).text
    assert (await say(english, "help zh")).text.startswith("/paper 关键词")
    assert (await say(ctx, "help 中文")).text.startswith("/paper 关键词")
    assert (await say(ctx, "帮助 English")).text.startswith("/paper QUERY")
    assert (await say(ctx, "help subscribe")).text.startswith("/paper QUERY")  # other words: ignored


async def test_a_schedule_naming_its_zone_first_after_a_name_people_search_for(ctx: CommandContext) -> None:
    # `时间` is also searched for (时间序列): followed by a zone and a time it is the schedule.
    await say(ctx, "订阅 强化学习")
    assert (await say(ctx, "时间 北京时间 21:30")).text == "推送时间已设置：每天 21:30（Asia/Shanghai）。"
    assert (await say(ctx, "time New York 9 pm")).text == "推送时间已设置：每天 21:00（America/New_York）。"
    assert (await say(ctx, "时间 序列")).verb == "lookup"


@pytest.mark.parametrize(
    ("typed", "unglued"),
    [
        # Chinese is typed without spaces: the name is taken apart from a plain argument …
        ("订阅强化学习、机器人", "订阅 强化学习、机器人"),
        ("退订机器人", "退订 机器人"),
        ("取消订阅全部", "取消订阅 全部"),
        ("定时晚上八点半 北京", "定时 晚上八点半 北京"),
        ("定时北京时间 21:30", "定时 北京时间 21:30"),  # the zone first, as Chinese says it
        ("语言中文", "语言 中文"),
        ("频率每周五", "频率 每周五"),
        ("訂閱機器人", "訂閱 機器人"),
        ("日报2026-11-20", "日报 2026-11-20"),
        ("日报全部", "日报 全部"),
        ("日报昨天", "日报 昨天"),
        # … or from anything after a colon, comma or opening quote.
        ("订阅：世界模型", "订阅 世界模型"),
        ("订阅“GRPO”", "订阅 “GRPO”"),
        # What people search for stays a lookup.
        ("语言模型", "语言模型"),
        ("时间序列", "时间序列"),
        ("时间序列 预测", "时间序列 预测"),
        ("频率估计", "频率估计"),
        ("主题建模", "主题建模"),
        ("订阅GRPO", "订阅GRPO"),  # a bare keyword may be a search: quote it, or add a space
        ("订阅 强化学习", "订阅 强化学习"),
        ("diffusion", "diffusion"),
    ],
)
def test_a_chinese_name_glued_to_its_argument_is_taken_apart(typed: str, unglued: str) -> None:
    assert unglue(typed, builtin_taxonomy()) == unglued


async def test_a_chinese_admin_subscribes_without_a_space(ctx: CommandContext) -> None:
    # `/paper 订阅强化学习` was looked up: papers were listed and nothing was subscribed.
    reply = await say(ctx, "订阅强化学习、机器人")
    assert reply.text.startswith("订阅成功。本频道现在订阅：强化学习、机器人。"), reply.text
    assert (await say(ctx, "定时9点")).text == "推送时间已设置：每天 09:00（UTC）。"
    assert (await say(ctx, "订阅： RL")).text.startswith("没有变化：本频道已订阅 强化学习、机器人。")


async def test_a_digest_of_a_day_named_as_people_say_it(engine: AsyncEngine) -> None:
    # `/paper 日报 昨天` answered "「昨天」不是日期", though `/paper 昨天` looks that day up.
    clock = lambda: dt.datetime(2026, 11, 21, 1, 30, tzinfo=dt.UTC)  # noqa: E731
    archive = Archive(engine, clock=clock)
    await archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    ctx = CommandContext(archive, SubscriptionStore(engine), builtin_taxonomy(), CHANNEL, user="U1")
    await say(ctx, "订阅 强化学习")
    for typed in ("日报 昨天", "日报 2026年11月20日", "digest yesterday all", "日报 最新"):
        reply = await say(ctx, typed)
        assert reply.text.startswith("每日论文 · 2026-11-20 —— "), (typed, reply.text)
    assert (await say(ctx, "日报 明年")).text == "「明年」不是日期（请用 YYYY-MM-DD、昨天或上周）"


async def test_a_digest_of_a_day_without_a_report_names_the_newest_one(ctx: CommandContext) -> None:
    # "No report for 2026-11-19 in the archive yet." left the caller guessing which day has one.
    await say(ctx, "subscribe RL")
    reply = await say(ctx, "digest 2026-11-19")
    assert reply.error
    assert reply.text == (
        "No report is archived for 2026-11-19. The newest archived report is 2026-11-20: "
        "/paper digest 2026-11-20"
    )
    chinese = await say(ctx, "日报 2026-11-21")
    assert chinese.text == "存档中没有 2026-11-21 的日报。最新的日报是 2026-11-20：/paper digest 2026-11-20"


async def test_an_arxiv_id_the_archive_lacks_is_not_told_to_try_other_words(ctx: CommandContext) -> None:
    # "No archived paper matches 2602.99999. Check the spelling, or try fewer or other words …"
    for typed in ("2602.99999", "https://arxiv.org/abs/2602.99999v2", "hf.co/papers/2602.99999"):
        reply = await say(ctx, typed)
        assert reply.text == (
            "paperbot has no paper 2602.99999: it knows the papers of the Daily Papers reports it "
            "archived (the newest: 2026-11-20). The paper on arXiv, if it exists: "
            "https://arxiv.org/abs/2602.99999"
        ), typed
        assert not reply.hits
    chinese = await handle_invocation(replace(ctx, locale="zh"), "lookup", "hep-th/9901001")
    assert chinese.text.startswith("存档中没有论文 hep-th/9901001：")
    assert chinese.text.endswith("https://arxiv.org/abs/hep-th/9901001")
    assert (await say(ctx, "2611.01003")).hits  # one it holds is found as before


async def test_an_id_typed_after_the_word_arxiv_is_that_paper(ctx: CommandContext) -> None:
    # `/paper arxiv 2611.01003` searched for the words and found nothing.
    for typed in ("arxiv 2611.01003", "arXiv: 2611.01003"):
        reply = await say(ctx, typed)
        assert [hit.arxiv_id for hit in reply.hits] == ["2611.01003"], typed
    assert "month 13" in (await say(ctx, "arXiv 2613.00001")).text  # an impossible id: why


async def test_a_time_zone_alone_changes_the_zone_and_keeps_the_time(ctx: CommandContext) -> None:
    # `/paper timezone Asia/Shanghai` (and `tz`, `时区`) was looked up: "No archived paper matches".
    await say(ctx, "subscribe RL")
    await say(ctx, "schedule 7:30")
    assert (
        await say(ctx, "timezone Asia/Shanghai")
    ).text == "Digest time set: daily at 07:30 (Asia/Shanghai)."
    assert (await say(ctx, "tz New York")).text == "Digest time set: daily at 07:30 (America/New_York)."
    assert (await say(ctx, "时区 伦敦")).text == "推送时间已设置：每天 07:30（Europe/London）。"
    assert (await say(ctx, "时区东京")).text == "推送时间已设置：每天 07:30（Asia/Tokyo）。"  # glued
    assert (await say(ctx, "schedule UTC+8")).text == "Digest time set: daily at 07:30 (UTC+08:00)."
    # A zone misspelt gets the zone's own error; a text that is neither, the time's.
    assert "did you mean" in (await say(ctx, "timezone Asia/Shangai")).text
    assert (await say(ctx, "schedule soon")).text.startswith("'soon' is neither a time (HH:MM")
    # A zone name that is no zone is told so, not "bad time 'Narnia'".
    narnia = (await say(ctx, "timezone Narnia")).text
    assert narnia.endswith("nor a time zone (e.g. Asia/Shanghai, New York, UTC+8)")
    assert (await say(ctx, "时区 纳尼亚")).text.startswith("「纳尼亚」既不是时间")
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert (stored.time, stored.tz) == (dt.time(7, 30), "Etc/GMT-8")
    # `time` is also a word people search for: what is no time and no zone is still a lookup.
    assert (await say(ctx, "time series forecasting")).verb == "lookup"


async def test_subscribe_all_is_refused_not_taken_as_a_keyword(ctx: CommandContext) -> None:
    # `/paper subscribe all` followed the keyword "all": every paper that says the word.
    await say(ctx, "subscribe RL")
    before = await ctx.store.get(CHANNEL)
    reply = await say(ctx, "subscribe all")
    assert reply.error
    assert reply.text == (
        '"all" names no topic: name the topics one by one (/paper topics lists them), '
        'or put it in quotes to mean the word itself: "all"'
    )
    assert (await say(ctx, "订阅 全部")).text.startswith("「全部」不是主题")
    # Glued, as Chinese is written: refused too, not searched for as the words "订阅全部".
    for glued in ("订阅全部", "排除所有"):
        reply = await say(ctx, glued)
        assert reply.verb != "lookup", glued
        assert reply.text.startswith(("「全部」不是主题", "「所有」不是主题")), glued
    assert (await say(ctx, "exclude ALL")).error
    assert await ctx.store.get(CHANNEL) == before
    # Quoted, it is the keyword; and on a channel that has none, nothing is created.
    assert not (await say(ctx, 'subscribe "all"')).error
    assert (await say(replace(ctx, channel=ChannelRef("slack", "T1", "C-new")), "subscribe *")).error
    assert await ctx.store.get(ChannelRef("slack", "T1", "C-new")) is None


async def test_all_among_other_terms_is_refused_too(ctx: CommandContext) -> None:
    # `subscribe all, agents` (or `agents、全部`, `exclude survey, all`) took "all" as a keyword
    # beside the others: the channel then got every paper that says the word.
    await say(ctx, "subscribe RL")
    before = await ctx.store.get(CHANNEL)
    for typed, start in (
        ("subscribe all, agents", '"all" names no topic'),
        ("订阅 智能体、全部", "「全部」不是主题"),
        ("exclude survey, ALL", '"ALL" names no topic'),
        ("subscribe agents -all", '"all" names no topic'),
    ):
        reply = await say(ctx, typed)
        assert reply.error, typed
        assert reply.text.startswith(start), typed
    assert await ctx.store.get(CHANNEL) == before
    # Words that hold "all" are no such word: `all you need` stays a keyword.
    assert not (await say(ctx, 'subscribe agents, "all"')).error


async def test_star_is_refused_without_offering_a_keyword_it_cannot_be(ctx: CommandContext) -> None:
    # "put it in quotes: "*"" offered a keyword that is refused ("has no letters or digits").
    reply = await say(ctx, "subscribe *")
    assert reply.error
    assert reply.text == '"*" names no topic: name the topics one by one (/paper topics lists them)'
    assert (await say(ctx, "订阅 *")).text == "「*」不是主题：请逐个写出主题（/paper 主题 可查看列表）"


async def test_a_minus_among_topics_unsubscribed_from_is_said_as_no_longer_excluded(
    ctx: CommandContext,
) -> None:
    # `unsubscribe agents, -survey` stopped excluding survey but said "Unsubscribed from agents,
    # not "survey"", as if the exclusion stayed.
    await say(ctx, 'subscribe RL, agents -survey -"medical"')
    reply = await say(ctx, "unsubscribe agents, -survey")
    assert not reply.error
    assert reply.text == (
        'Unsubscribed from agents. Still following: reinforcement learning, not "medical". '
        'No longer excluded: "survey".'
    )
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert stored.interests.excluded_keywords == ("medical",)
    # A topic it does not follow beside the minus: only the exclusion changed, said as include.
    reply = await say(ctx, '退订 机器人, -"medical"')
    assert reply.text == "已取消排除 「medical」。当前：强化学习。"


async def test_unsubscribing_an_exclusion_is_answered_as_include(ctx: CommandContext) -> None:
    # `/paper unsubscribe -survey` is `include survey`, but was answered "Unsubscribed from not
    # "survey"" and, when nothing was excluded, "This channel does not follow -survey."
    await say(ctx, 'subscribe RL -survey -"medical imaging"')
    reply = await say(ctx, 'unsubscribe -survey, -"medical imaging"')
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert not stored.interests.exclusions
    await say(ctx, 'exclude survey, "medical imaging"')
    assert reply.text == (await say(ctx, 'include survey, "medical imaging"')).text
    assert reply.text.startswith("No longer excluded")
    assert (await say(ctx, "unsubscribe -robotics")).text == "This channel does not exclude robotics."
    assert (await say(ctx, "退订 -机器人")).text == "本频道没有排除 机器人。"
    # A topic and an exclusion together are still an unsubscribe.
    await say(ctx, "exclude survey")
    together = await say(ctx, "unsubscribe RL, -survey")
    assert together.text.startswith("Unsubscribed from reinforcement learning")


async def test_excluding_in_a_channel_that_follows_nothing_says_to_subscribe(ctx: CommandContext) -> None:
    # After its last topic went, `exclude survey` answered "excluding that would leave this
    # channel following nothing: unsubscribe instead".
    await say(ctx, "subscribe RL")
    await say(ctx, "unsubscribe RL")
    reply = await say(ctx, "exclude survey")
    assert (reply.error, reply.text) == (True, "Subscribe this channel first: /paper subscribe TOPICS")
    assert (await say(ctx, "排除 综述")).text == "请先订阅：/paper subscribe 主题"
    # Excluding the last followed topic is still refused as before.
    await say(ctx, "subscribe RL")
    assert (await say(ctx, "exclude RL")).text.startswith("excluding that would leave this channel")


async def test_a_shared_channel_whose_owner_follows_nothing_is_subscribed_from_the_other_workspace(
    ctx: CommandContext,
) -> None:
    # The owner removed its last topic (its settings kept): no digest comes, yet the other
    # workspace was told "This channel already gets its digest". Now it subscribes; the old
    # owner, subscribing again, is refused (one channel, one digest), and when that workspace
    # uninstalls, the old owner's row coming back takes over and says so.
    home = ChannelRef("slack", "T0HOME", "C0SHARED")
    sister = ChannelRef("slack", "T0SISTER", "C0SHARED")
    assert not (await say(replace(ctx, channel=home), "subscribe RL")).error
    assert not (await say(replace(ctx, channel=home), "unsubscribe RL")).error
    both = installed_in("T0HOME", "T0SISTER")
    reply = await say(replace(ctx, channel=sister, installed=both), "subscribe agents")
    assert reply.text == "Subscribed. This channel now follows: agents. Digest daily at 09:00 (UTC)."
    back = await say(replace(ctx, channel=home, installed=both), "subscribe RL")
    assert back.text == t("subscribe.elsewhere", "en", workspace="T0SISTER")
    await ctx.store.set_paused(sister, True, "paperbot was uninstalled from this workspace")
    taken = await say(replace(ctx, channel=home, installed=installed_in("T0HOME")), "subscribe RL")
    assert taken.text.endswith("\n" + t("subscribe.took_over", "en", workspace="T0SISTER"))
    assert [(s.channel, bool(s.interests)) for s in await ctx.store.all()] == [(home, True)]
