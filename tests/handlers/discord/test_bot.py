"""The /paper command group: callbacks with mocked interactions (no gateway connection, ever)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest
from discord import app_commands
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.use_cases import subscribe
from bot.models import ChannelRef
from bot.reports.sources.local import LocalSource
from bot.runtime.config import SAMPLE_REPORT
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.discord.bot import DiscordEdge, PaperBot, paper_group

GUILD, CHANNEL = 111, 222
REF = ChannelRef("discord", str(GUILD), str(CHANNEL))


@pytest.fixture
async def edge(engine: AsyncEngine) -> DiscordEdge:
    archive = Archive(engine)
    await archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    return DiscordEdge(archive, SubscriptionStore(engine), builtin_taxonomy())


def interaction(*, locale: discord.Locale = discord.Locale.american_english, manage: bool = True) -> Any:
    mock = AsyncMock(spec=discord.Interaction)
    mock.locale = locale
    mock.guild_id = GUILD
    mock.channel_id = CHANNEL
    mock.user = SimpleNamespace(id=333)
    mock.permissions = discord.Permissions(manage_channels=manage)
    mock.response = AsyncMock()
    mock.response.is_done = MagicMock(return_value=False)
    mock.followup = AsyncMock()
    return mock


def command(edge: DiscordEdge, name: str) -> app_commands.Command[Any, ..., Any]:
    found = paper_group(edge).get_command(name)
    assert isinstance(found, app_commands.Command)
    return found


def sent(mock: Any) -> list[dict[str, Any]]:
    return [call.kwargs for call in mock.followup.send.await_args_list]


def texts(mock: Any) -> str:
    parts = []
    for kwargs in sent(mock):
        parts.append(kwargs.get("content", ""))
        parts += [(embed.title or "") + (embed.description or "") for embed in kwargs.get("embeds", [])]
    return "\n".join(parts)


async def test_every_subcommand_defers_then_answers_ephemerally_without_mentions(edge: DiscordEdge) -> None:
    calls: list[tuple[str, dict[str, Any]]] = [
        ("help", {}),
        ("subscribe", {"topics": "RL, video generation"}),
        ("exclude", {"topics": '"robot"'}),
        ("include", {"topics": '"robot"'}),
        ("schedule", {"time": "8:30am", "timezone": "Asia/Tokyo"}),
        ("set", {"setting": "min-upvotes", "value": "20"}),
        ("cadence", {"cadence": "weekly", "day": "friday"}),
        ("language", {"language": "en"}),
        ("list", {}),
        ("topics", {}),
        ("lookup", {"query": "diffusion distillation"}),
        ("digest", {"date": "2026-11-20", "show_all": True}),
        ("more-like", {"paper": "2611.01001"}),
        ("less-like", {"paper": "2611.01001"}),
        ("unsubscribe", {"topics": "all"}),
    ]
    for name, arguments in calls:
        mock = interaction()
        await command(edge, name).callback(mock, **arguments)  # type: ignore[call-arg]
        mock.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
        assert sent(mock), name
        for kwargs in sent(mock):
            assert kwargs["ephemeral"] is True
            assert kwargs["allowed_mentions"].everyone is False
    assert await edge.store.get(REF) is None  # unsubscribed at the end


async def test_help_shows_the_commands_as_they_are_typed_on_discord(edge: DiscordEdge) -> None:
    """Discord has no `/paper QUERY` and no Chinese sub-command names: its help is made from the
    commands as defined here, in the caller's language."""
    for locale, description in (
        (discord.Locale.american_english, "look up papers"),
        (discord.Locale.chinese, "检索论文"),
    ):
        mock = interaction(locale=locale)
        await command(edge, "help").callback(mock)  # type: ignore[call-arg]
        text = texts(mock)
        lines = [line for line in text.splitlines() if line.startswith("/paper")]
        assert lines[0].startswith("/paper lookup query:")
        assert description in lines[0]
        assert any(line.startswith("/paper schedule time: [timezone:]") for line in lines)
        assert any(line.startswith("/paper digest [date:] [show_all:]") for line in lines)
        assert "/paper QUERY" not in text
        assert "/paper 订阅" not in text
        defined = {c.name for c in paper_group(edge).commands}
        assert {line.split()[1] for line in lines} == defined


async def test_subscription_changes_are_stored_for_the_channel(edge: DiscordEdge) -> None:
    mock = interaction()
    await command(edge, "subscribe").callback(mock, topics="RL, 视频生成")  # type: ignore[call-arg]
    assert "Subscribed. This channel now follows: reinforcement learning, video generation" in texts(mock)
    await command(edge, "schedule").callback(interaction(), time="21h00", timezone="Asia/Shanghai")  # type: ignore[call-arg]
    await command(edge, "exclude").callback(interaction(), topics='"robot", 机器人')  # type: ignore[call-arg]
    stored = await edge.store.get(REF)
    assert stored is not None
    assert stored.interests.topics == ("reinforcement-learning", "video-generation")
    assert (stored.interests.excluded_topics, stored.interests.excluded_keywords) == (
        ("robotics",),
        ("robot",),
    )
    assert (stored.time, stored.tz, stored.created_by) == (dt.time(21, 0), "Asia/Shanghai", "333")
    # Discord's two options become one argument: a time and a zone of several words each.
    await command(edge, "schedule").callback(interaction(), time="9:30 pm", timezone="New York")  # type: ignore[call-arg]
    stored = await edge.store.get(REF)
    assert stored is not None
    assert (stored.time, stored.tz) == (dt.time(21, 30), "America/New_York")


async def test_chinese_clients_get_chinese_replies(edge: DiscordEdge) -> None:
    for locale in (discord.Locale.chinese, discord.Locale.taiwan_chinese):
        mock = interaction(locale=locale)
        await command(edge, "help").callback(mock)  # type: ignore[call-arg]
        assert "/paper subscribe topics:" in texts(mock)
        assert "订阅主题" in texts(mock)


async def test_a_chinese_client_s_mistakes_are_answered_in_chinese(edge: DiscordEdge) -> None:
    mistakes: list[tuple[str, dict[str, Any], str]] = [
        (
            "schedule",
            {"time": "25:00"},
            "时间「25:00」无效：请用 24 小时制的 HH:MM（例如 09:30），或写成 21点、下午3点半",
        ),
        ("subscribe", {"topics": '"!!!"'}, "关键词「!!!」不含字母或数字"),
        ("set", {"setting": "size", "value": "lots"}, "size 需要一个整数，而不是「lots」"),
        (
            "digest",
            {"date": "tomorrow"},
            "「tomorrow」不是日期（请用 YYYY-MM-DD、昨天或上周）",
        ),
        ("lookup", {"query": "https://example.org/x"}, "不是论文链接"),
    ]
    await command(edge, "subscribe").callback(interaction(), topics="RL")  # type: ignore[call-arg]
    for name, arguments, answer in mistakes:
        mock = interaction(locale=discord.Locale.chinese)
        await command(edge, name).callback(mock, **arguments)  # type: ignore[call-arg]
        assert answer in texts(mock), name
        english = interaction()
        await command(edge, name).callback(english, **arguments)  # type: ignore[call-arg]
        assert answer not in texts(english)


async def test_votes_are_sub_commands_any_member_may_use(edge: DiscordEdge) -> None:
    await subscribe(edge.store, edge.taxonomy, REF, "video generation")  # votes tune its digest
    member = interaction(manage=False)
    await command(edge, "more-like").callback(member, paper="2611.01001")  # type: ignore[call-arg]
    assert "Noted: more papers like this one" in texts(member)
    again = interaction(manage=False, locale=discord.Locale.chinese)
    await command(edge, "more-like").callback(again, paper="2611.01001")  # type: ignore[call-arg]
    assert "已撤回" in texts(again)


@pytest.mark.parametrize(
    "name", ["subscribe", "unsubscribe", "exclude", "include", "schedule", "language", "set", "cadence"]
)
async def test_changes_need_manage_channels(edge: DiscordEdge, name: str) -> None:
    cmd = command(edge, name)
    assert cmd.checks, "a permission check guards every change"
    (check,) = cmd.checks
    with pytest.raises(app_commands.MissingPermissions):
        await discord.utils.maybe_coroutine(check, interaction(manage=False))
    assert await discord.utils.maybe_coroutine(check, interaction(manage=True))
    for reading in ("list", "lookup", "digest", "help", "topics"):
        assert not command(edge, reading).checks


async def test_a_refusal_is_a_clear_ephemeral_reply_in_the_callers_language(edge: DiscordEdge) -> None:
    bot = PaperBot(edge)
    mock = interaction(locale=discord.Locale.chinese)
    await bot.on_command_error(mock, app_commands.MissingPermissions(["manage_channels"]))
    mock.response.send_message.assert_awaited_once()
    args, kwargs = mock.response.send_message.await_args
    assert args[0] == "只有能管理本频道的成员才能修改订阅。"
    assert kwargs["ephemeral"] is True
    await bot.close()


async def test_topic_and_time_zone_autocomplete(edge: DiscordEdge) -> None:
    subscribe = command(edge, "subscribe")
    complete = subscribe._params["topics"].autocomplete
    assert complete is not None
    choices = await complete(interaction(), "RL, vid")
    assert 0 < len(choices) <= 25
    assert choices[0].value == "RL, video generation"
    chinese = await complete(interaction(locale=discord.Locale.chinese), "视频")
    assert chinese[0].value == "视频生成"
    assert len(await complete(interaction(), "")) == 25
    zone = command(edge, "schedule")._params["timezone"].autocomplete
    assert zone is not None
    assert (await zone(interaction(), "北京"))[0].value == "Asia/Shanghai"
    # A place's Chinese name, typed in traditional characters too (bot/chat/places.py).
    assert (await zone(interaction(), "紐約"))[0].value == "America/New_York"
    assert (await zone(interaction(), "舊金"))[0].value == "America/Los_Angeles"
    # Etc/GMT+8 is UTC-8: never offered for a typed GMT+8, which is offered as the offset it is.
    offered = [choice.value for choice in await zone(interaction(), "gmt+8")]
    assert offered[0] == "UTC+08:00"
    assert not any(value.startswith("Etc/GMT") for value in offered)


async def test_details_button_shows_the_five_sections_to_the_clicker_only(edge: DiscordEdge) -> None:
    bot = PaperBot(edge)
    mock = interaction()
    await bot.show_details(mock, "2611.01001")
    call = mock.response.send_message.await_args
    assert call is not None
    assert call.kwargs["ephemeral"] is True
    assert "TempoWeave" in (call.kwargs["embeds"][0].title or "")
    missing = interaction()
    await bot.show_details(missing, "2999.99999")
    refused = missing.response.send_message.await_args
    assert refused is not None
    assert refused.kwargs["ephemeral"] is True
    await bot.close()


async def test_setup_hook_registers_persistent_buttons_and_syncs_to_the_test_guild(edge: DiscordEdge) -> None:
    bot = PaperBot(edge, guild_id=GUILD)
    bot.tree.sync = AsyncMock()  # type: ignore[method-assign]
    bot.add_dynamic_items = MagicMock()  # type: ignore[method-assign]
    await bot.setup_hook()
    bot.add_dynamic_items.assert_called_once()
    synced = bot.tree.sync.await_args
    assert synced is not None
    assert synced.kwargs["guild"].id == GUILD
    # Guilds only: GUILD_DELETE and CHANNEL_DELETE pause subscriptions; nothing privileged.
    assert bot.intents.value == discord.Intents(guilds=True).value
    assert not bot.intents.members
    assert not bot.intents.presences
    assert not bot.intents.message_content
    await bot.close()


def test_the_invite_asks_for_exactly_the_permissions_digests_need() -> None:
    from handlers.discord.bot import PERMISSIONS, invite_url

    url = invite_url(42)
    assert "client_id=42" in url
    assert "scope=bot+applications.commands" in url
    assert f"permissions={PERMISSIONS.value}" in url
    granted = {name for name, value in PERMISSIONS if value}
    assert granted == {
        "read_messages",  # discord.py's name for View Channels
        "send_messages",
        "send_messages_in_threads",
        "create_public_threads",  # a compact digest's card starts its own thread
        "embed_links",
        "read_message_history",
    }


# run_discord's start-up, credential check and readiness: over the wire in test_gateway.py.


async def test_administrators_pass_the_check_without_the_manage_channels_bit(edge: DiscordEdge) -> None:
    (check,) = command(edge, "subscribe").checks
    admin = interaction(manage=False)
    admin.permissions = discord.Permissions(administrator=True)
    assert await discord.utils.maybe_coroutine(check, admin)
    await command(edge, "subscribe").callback(admin, topics="agents")  # type: ignore[call-arg]
    assert "Subscribed" in texts(admin)


async def test_the_core_refuses_a_change_even_when_the_check_is_bypassed(edge: DiscordEdge) -> None:
    """Two gates: discord.py's check, then `can_manage` from the interaction's permissions
    (never a constant), so a callback reached some other way still changes nothing."""
    for name, options in (("subscribe", {"topics": "agents"}), ("language", {"language": "zh"})):
        for locale, refusal in (
            (discord.Locale.american_english, "Only people who can manage"),
            (discord.Locale.chinese, "只有能管理"),
        ):
            member = interaction(manage=False, locale=locale)
            await command(edge, name).callback(member, **options)  # type: ignore[call-arg]
            assert texts(member).startswith(refusal)
    assert await edge.store.get(REF) is None


async def test_lookup_option_text_is_a_lookup_even_for_a_manager(edge: DiscordEdge) -> None:
    await command(edge, "subscribe").callback(interaction(), topics="RL")  # type: ignore[call-arg]
    before = await edge.store.get(REF)
    for query in ("unsubscribe all", "subscribe agents", "订阅 强化学习"):
        mock = interaction()
        await command(edge, "lookup").callback(mock, query=query)  # type: ignore[call-arg]
        assert query in texts(mock)
    assert await edge.store.get(REF) == before


async def test_a_subscription_where_the_bot_may_not_post_says_what_it_lacks(edge: DiscordEdge) -> None:
    # Discord resolves the bot's own permissions in the channel with every interaction
    # (app_permissions, overwrites included): a manager subscribing a channel whose overwrites
    # deny the bot Send Messages hears it now, not at the first digest, which would be paused.
    denied = interaction()
    denied.app_permissions = discord.Permissions(view_channel=True, read_message_history=True)
    await command(edge, "subscribe").callback(denied, topics="agents")  # type: ignore[call-arg]
    reply = texts(denied)
    assert reply.startswith("Subscribed")
    assert (
        "paperbot cannot post this digest here yet: it lacks Send Messages, Embed Links in this channel"
        in reply
    )
    assert await edge.store.get(REF) is not None

    chinese = interaction(locale=discord.Locale.chinese)
    chinese.app_permissions = discord.Permissions(view_channel=True, send_messages=True)
    await command(edge, "subscribe").callback(chinese, topics="RL")  # type: ignore[call-arg]
    assert "它在本频道缺少嵌入链接、阅读消息历史权限" in texts(chinese)
    assert "推送日报。注意：paperbot" in texts(chinese)  # run on, as Chinese sentences are

    # In a thread (a forum post too) the bot posts with Send Messages in Threads.
    in_thread = interaction()
    in_thread.channel = MagicMock(spec=discord.Thread)
    in_thread.app_permissions = discord.Permissions(
        view_channel=True, send_messages_in_threads=True, embed_links=True, read_message_history=True
    )
    await command(edge, "subscribe").callback(in_thread, topics="agents")  # type: ignore[call-arg]
    assert "cannot post" not in texts(in_thread)
    in_thread.app_permissions = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
    in_thread.followup.send.reset_mock()
    await command(edge, "subscribe").callback(in_thread, topics="agents")  # type: ignore[call-arg]
    assert "it lacks Send Messages in Threads, Read Message History" in texts(in_thread)

    # Everything a digest needs (Create Public Threads is optional): no note.
    able = interaction()
    able.app_permissions = discord.Permissions(
        view_channel=True, send_messages=True, embed_links=True, read_message_history=True
    )
    await command(edge, "subscribe").callback(able, topics="agents")  # type: ignore[call-arg]
    assert "cannot post" not in texts(able)
    # A refused subscription gets no note.
    refused = interaction()
    refused.app_permissions = discord.Permissions.none()
    await command(edge, "subscribe").callback(refused, topics='"!!!"')  # type: ignore[call-arg]
    assert "cannot post" not in texts(refused)


async def test_every_answer_that_promises_a_digest_says_what_the_bot_lacks(edge: DiscordEdge) -> None:
    # `/paper list`, `schedule` and `cadence` tell a manager when the digest comes; where the bot
    # may not post (overwrites deny Send Messages) they say so, as `subscribe` does, rather than
    # leave the manager waiting for a digest that is paused at its first delivery.
    def denied(locale: discord.Locale = discord.Locale.american_english) -> Any:
        mock = interaction(locale=locale)
        mock.app_permissions = discord.Permissions(view_channel=True, read_message_history=True)
        return mock

    note = "paperbot cannot post this digest here yet: it lacks Send Messages, Embed Links in this channel"
    unsubscribed = denied()
    await command(edge, "list").callback(unsubscribed)  # type: ignore[call-arg]
    assert "cannot post" not in texts(unsubscribed)  # no digest is promised: no note
    await subscribe(edge.store, edge.taxonomy, REF, "agents")

    listed = denied()
    await command(edge, "list").callback(listed)  # type: ignore[call-arg]
    assert "agents" in texts(listed)
    # The note is a line of its own under the list (shown as a code block, a line each).
    fix = "Give it those, or the digest will be paused at its first delivery."
    assert texts(listed).endswith(f"(UTC). Language: English.\nNote: {note}. {fix}\n```")
    scheduled = denied()
    await command(edge, "schedule").callback(scheduled, time="08:30", timezone=None)  # type: ignore[call-arg]
    assert texts(scheduled).count(note) == 1
    cadence = denied()
    await command(edge, "cadence").callback(cadence, cadence="weekdays", day=None)  # type: ignore[call-arg]
    assert texts(cadence).count(note) == 1
    chinese = denied(discord.Locale.chinese)
    await command(edge, "list").callback(chinese)  # type: ignore[call-arg]
    assert "它在本频道缺少发送消息、嵌入链接权限" in texts(chinese)

    # Answers that promise nothing get no note: the topics, the help, a lookup, a paused channel.
    for name, options in (("topics", {}), ("help", {}), ("lookup", {"query": "agents"})):
        quiet = denied()
        await command(edge, name).callback(quiet, **options)  # type: ignore[call-arg]
        assert "cannot post" not in texts(quiet), name
    await edge.store.set_paused(REF, True, "the channel was archived")
    paused = denied()
    await command(edge, "list").callback(paused)  # type: ignore[call-arg]
    assert "cannot post" not in texts(paused)
    # Everything a digest needs: no note.
    able = interaction()
    able.app_permissions = discord.Permissions(
        view_channel=True, send_messages=True, embed_links=True, read_message_history=True
    )
    await edge.store.set_paused(REF, False)
    await command(edge, "list").callback(able)  # type: ignore[call-arg]
    assert "cannot post" not in texts(able)
