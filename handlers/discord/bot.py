"""The Discord edge: a discord.py client with the `/paper` command group.

Every sub-command defers at once (Discord allows 3 s), then hands the core a structured
invocation: the sub-command Discord reported and its option text (`handle_invocation`), so
option text is never read as another command (`/paper lookup query:"unsubscribe all"` is a
lookup). Changing a channel needs Manage Channels or Administrator in that channel (a thread is
a channel of its own), as Discord resolved them for this interaction: checked by discord.py
before the callback runs, and again by the core from `can_manage`. `/paper` also works in a
reader's own DM with the bot, which is their personal digest: there the reader manages it.
👍 / 👎 buttons and Details are open to every member (votes only tune this channel's ranking;
their custom_id only ever names a paper). No privileged intents: slash commands and buttons
arrive as interactions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.chat.commands import (
    COMMAND_DEADLINE_SECONDS,
    Reply,
    database_unreachable,
    edge_context,
    failure_reply,
    handle_invocation,
    help_text,
)
from bot.chat.completion import complete_timezone, complete_topics
from bot.i18n import join_list, t
from bot.ids import DISCORD_DM_WORKSPACE
from bot.models import ChannelRef
from bot.ranking.tuning import acknowledgement_key, cast_vote
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.store.votes import VoteStore
from bot.topics.taxonomy import Taxonomy
from handlers.discord.embeds import DetailsButton, VoteButton, details_embeds, reply_messages
from handlers.discord.lifecycle import channel_deleted, server_left
from handlers.discord.locale import ChineseDescriptions, language_of

if TYPE_CHECKING:
    from bot.delivery.loud_failures import Notices

log = logging.getLogger("paperbot.discord")

# Exactly what posting digests needs: see channels, post (also in threads) with embeds, read
# recent history to recognise a digest already posted before a crash, and start a public thread on
# each card of a compact digest. Nothing else.
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    read_message_history=True,
)
SCOPES = ("bot", "applications.commands")
# A button is answered directly (no defer): its work must leave room in Discord's 3 s.
BUTTON_SECONDS = 2.0


def invite_url(application_id: int) -> str:
    """The link a server admin opens to add paperbot with exactly those permissions."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


def in_own_dm(interaction: discord.Interaction) -> bool:
    """Whether the interaction comes from the caller's own DM with the bot (Discord's BOT_DM
    context): that DM is their personal digest, and only they can type there."""
    if interaction.guild_id is not None:
        return False
    context = interaction.context
    if context.dm_channel:
        return True
    if context.guild or context.private_channel:  # PRIVATE_CHANNEL: someone else's DM or group
        return False
    # A payload without `context` (older API versions): a DM channel outside any server.
    return isinstance(interaction.channel, discord.DMChannel)


def may_manage(interaction: discord.Interaction) -> bool:
    """Whether the caller may change this channel's digest: in their own DM with the bot, yes (it
    is their personal digest); in a server, Manage Channels or Administrator, from the permissions
    Discord resolved for this member in this channel (or thread), overwrites included. Never from
    anything the caller typed."""
    if in_own_dm(interaction):
        return True
    permissions = interaction.permissions
    return permissions.manage_channels or permissions.administrator


# Without these in the channel a digest cannot be posted there (the compact layout's threads are
# optional: without Create Public Threads its cards stay replies). A thread takes Send Messages
# in Threads where a channel takes Send Messages.
_DIGEST_NEEDS = ("view_channel", "send_messages", "embed_links", "read_message_history")
_DIGEST_NEEDS_IN_THREAD = ("view_channel", "send_messages_in_threads", "embed_links", "read_message_history")


def missing_to_post(interaction: discord.Interaction) -> list[str]:
    """The permissions (PERMISSIONS' names) the bot lacks for posting a digest where this
    interaction comes from, as Discord resolved them for the bot in that channel, overwrites
    included (`app_permissions`); none in the reader's own DM, where Discord resolves none."""
    if interaction.guild_id is None:
        return []
    needed = _DIGEST_NEEDS_IN_THREAD if isinstance(interaction.channel, discord.Thread) else _DIGEST_NEEDS
    has = interaction.app_permissions
    return [name for name in needed if not getattr(has, name)]


def with_posting_note(interaction: discord.Interaction, answer: Reply) -> Reply:
    """An answer that says a digest will come here (`Reply.promises_digest`: `subscribe`, and
    `list`, `schedule`, `cadence` of a channel that follows topics and is not paused), where the
    bot may not post: say what it lacks, so the manager can fix it now rather than find the
    digest paused at its first delivery. Every answer passes through here (`paper_group`'s
    `run`), so the answers that promise a digest are chosen by the core, in one place."""
    if answer.error or not answer.promises_digest:
        return answer
    missing = missing_to_post(interaction)
    if not missing:
        return answer
    names = join_list((t(f"permission.{name}", answer.locale) for name in missing), answer.locale)
    return answer.with_note(t("subscribe.cannot_post", answer.locale, permissions=names))


def _check_manage(interaction: discord.Interaction) -> bool:
    if not may_manage(interaction):
        raise app_commands.MissingPermissions(["manage_channels"])
    return True


def channel_of(interaction: discord.Interaction) -> ChannelRef:
    # A thread is a channel of its own here: a subscription in a thread posts into the thread.
    guild = str(interaction.guild_id) if interaction.guild_id else DISCORD_DM_WORKSPACE
    return ChannelRef("discord", guild, str(interaction.channel_id or ""))


@dataclass
class DiscordEdge:
    """What the command callbacks need from the core, created once at start-up."""

    archive: Archive
    store: SubscriptionStore
    taxonomy: Taxonomy
    default_tz: str = "UTC"
    command_deadline: float = COMMAND_DEADLINE_SECONDS  # the core's, for each /paper command

    # The readers' 👍 / 👎: the process's one store (App.votes); None: one made on first use.
    vote_store: VoteStore | None = None
    # Records the notices of channels paused by the gateway's events (a server left, a channel
    # deleted), sent by the delivering process; None: only the log says so.
    notices: Notices | None = None

    @property
    def votes(self) -> VoteStore:
        if self.vote_store is None:
            self.vote_store = VoteStore(self.archive.engine)
        return self.vote_store

    async def answer(self, interaction: discord.Interaction, verb: str, text: str = "") -> Reply:
        """Run the sub-command `verb` on its option text for this interaction."""
        ctx = edge_context(
            self,
            channel_of(interaction),
            user=str(interaction.user.id),
            locale=language_of(interaction),
            can_manage=may_manage(interaction),
        )
        return await handle_invocation(ctx, verb, text)


async def reply(interaction: discord.Interaction, answer: Reply) -> None:
    """Send a reply to the caller only, as one or more follow-ups of the deferred interaction."""
    for message in reply_messages(answer):
        await interaction.followup.send(ephemeral=True, **message.send_kwargs())


_PAPER_ID = locale_str(
    "its arXiv id, e.g. 2602.02472 (again: take the vote back)",
    zh="arXiv 编号，例如 2602.02472（再输入一次可撤回）",
)


def paper_group(edge: DiscordEdge) -> app_commands.Group:
    """`/paper …`: every sub-command of the contract, each a thin call into the core."""
    group = app_commands.Group(
        name="paper",
        description=locale_str(
            "Daily AI papers: look up, subscribe this channel, preview its digest",
            zh="每日 AI 论文：检索论文、为本频道订阅、预览日报",
        ),
        # Servers, and the caller's DM with the bot (a personal digest); not other people's DMs
        # or group DMs, where the bot cannot post (Discord's PRIVATE_CHANNEL context).
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=False),
    )
    # The first gate (a clear refusal before deferring); the core checks `can_manage` again.
    manage = app_commands.check(_check_manage)

    async def run(
        interaction: discord.Interaction,
        verb: str,
        text: str = "",
        adapt: Callable[[Reply], Reply] = lambda answer: answer,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer = adapt(await edge.answer(interaction, verb, text))  # the core answers its own failures
        answer = with_posting_note(interaction, answer)
        try:
            await reply(interaction, answer)
        except discord.HTTPException:
            raise  # Discord refused or is unreachable: on_command_error logs it and tries once more
        except Exception:
            log.exception("/paper %s: could not render the reply", verb)
            failed = failure_reply(language_of(interaction), text, "failed.logged")
            await reply(interaction, failed)

    async def topic_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        choices = complete_topics(current, edge.taxonomy, language_of(interaction))
        return [app_commands.Choice(name=label, value=value) for label, value in choices]

    async def zone_choices(_interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=label, value=value) for label, value in complete_timezone(current)]

    @group.command(
        name="lookup", description="Find papers: an arXiv id, a URL, a date, words, 中文 or a topic"
    )
    @app_commands.describe(
        query=locale_str(
            "2602.02472, a paper URL, 2026-02-03, diffusion distillation, 视频生成, RL",
            zh="2602.02472、论文链接、2026-02-03、扩散蒸馏、视频生成、RL",
        )
    )
    async def lookup(interaction: discord.Interaction, query: app_commands.Range[str, 1, 500]) -> None:
        await run(interaction, "lookup", query)

    @group.command(name="subscribe", description="Follow topics or keywords in this channel")
    @app_commands.describe(
        topics=locale_str(
            'Comma-separated: RL, video generation, 智能体, "a keyword"',
            zh="用逗号或顿号分隔：强化学习、视频生成、“关键词”",
        )
    )
    @app_commands.autocomplete(topics=topic_choices)
    @manage
    async def subscribe(interaction: discord.Interaction, topics: app_commands.Range[str, 1, 500]) -> None:
        await run(interaction, "subscribe", topics)

    @group.command(name="unsubscribe", description="Stop following topics or keywords (or: all)")
    @app_commands.describe(
        topics=locale_str(
            "Comma-separated topics or keywords, or all", zh="主题或关键词，用逗号或顿号分隔；或 all"
        )
    )
    @app_commands.autocomplete(topics=topic_choices)
    @manage
    async def unsubscribe(interaction: discord.Interaction, topics: app_commands.Range[str, 1, 500]) -> None:
        await run(interaction, "unsubscribe", topics)

    @group.command(name="exclude", description="Leave out papers about these topics or keywords")
    @app_commands.describe(
        topics=locale_str(
            'Comma-separated: survey, robotics, "medical"', zh="用逗号或顿号分隔：survey、机器人、“医疗”"
        )
    )
    @app_commands.autocomplete(topics=topic_choices)
    @manage
    async def exclude(interaction: discord.Interaction, topics: app_commands.Range[str, 1, 500]) -> None:
        await run(interaction, "exclude", topics)

    @group.command(name="include", description="Stop excluding these topics or keywords")
    @app_commands.describe(
        topics=locale_str(
            "Comma-separated topics or keywords now excluded", zh="已排除的主题或关键词，用逗号或顿号分隔"
        )
    )
    @manage
    async def include(interaction: discord.Interaction, topics: app_commands.Range[str, 1, 500]) -> None:
        await run(interaction, "include", topics)

    @group.command(name="list", description="What this channel follows, and when its digest comes")
    async def list_(interaction: discord.Interaction) -> None:
        await run(interaction, "list")

    @group.command(name="topics", description="The built-in topics and their names")
    async def topics_(interaction: discord.Interaction) -> None:
        await run(interaction, "topics")

    @group.command(name="schedule", description="When this channel's digest comes: HH:MM and a time zone")
    @app_commands.describe(
        time=locale_str("e.g. 09:30, 9am, 21h00", zh="例如 09:30、21点、下午3点半"),
        timezone=locale_str(
            "e.g. Asia/Shanghai (default: unchanged)", zh="例如 Asia/Shanghai、北京（默认不变）"
        ),
    )
    @app_commands.autocomplete(timezone=zone_choices)
    @manage
    async def schedule(
        interaction: discord.Interaction, time: app_commands.Range[str, 1, 20], timezone: str | None = None
    ) -> None:
        await run(interaction, "schedule", f"{time} {timezone or ''}".strip())

    @group.command(name="language", description="The language of this channel's digest")
    @app_commands.describe(language=locale_str("en: English, zh: Chinese", zh="en：英文，zh：中文"))
    @manage
    async def language(interaction: discord.Interaction, language: Literal["en", "zh"]) -> None:
        await run(interaction, "language", language)

    @group.command(name="set", description="Digest size, upvote floor, order, images or layout")
    @app_commands.describe(
        setting=locale_str(
            "size 1-50, min-upvotes N|off, order relevance|upvotes, images on|off, layout cards|compact",
            zh="size 篇数 1-50、min-upvotes 点赞下限（或 off）、order 排序、images 配图、layout 布局",
        ),
        value=locale_str("e.g. 5, 20, off, upvotes, on, compact", zh="例如 5、20、off、upvotes、on、compact"),
    )
    @manage
    async def set_(
        interaction: discord.Interaction,
        setting: Literal["size", "min-upvotes", "order", "images", "layout"],
        value: app_commands.Range[str, 1, 20],
    ) -> None:
        await run(interaction, "set", f"{setting} {value}")

    @group.command(name="cadence", description="Daily, weekdays only, or weekly on a chosen day")
    @app_commands.describe(
        cadence=locale_str("daily, weekdays or weekly", zh="daily 每天、weekdays 工作日、weekly 每周"),
        day=locale_str("for weekly: the day (default Monday)", zh="每周推送的日子（默认周一）"),
    )
    @manage
    async def cadence(
        interaction: discord.Interaction,
        cadence: Literal["daily", "weekdays", "weekly"],
        day: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        | None = None,
    ) -> None:
        await run(interaction, "cadence", f"{cadence} {day or ''}".strip())

    @group.command(name="digest", description="This channel's digest of the newest report, shown only to you")
    @app_commands.describe(
        date=locale_str(
            "YYYY-MM-DD, yesterday, or a week: last week, 2026-W48 (default: the newest report)",
            zh="YYYY-MM-DD、昨天，或一周：上周、2026-W48（默认：最新的日报）",
        ),
        show_all=locale_str("every match, not the top 10", zh="显示全部匹配的论文，而不只是前 10 篇"),
    )
    async def digest(
        interaction: discord.Interaction, date: str | None = None, show_all: bool = False
    ) -> None:
        await run(interaction, "digest", " ".join([date or "", "all" if show_all else ""]).strip())

    # 👍 / 👎 typed, as the buttons do: any member may vote (no manage check).
    @group.command(name="more-like", description="👍 a paper: more like it in this channel's digest")
    @app_commands.describe(paper=_PAPER_ID)
    async def more_like(interaction: discord.Interaction, paper: app_commands.Range[str, 1, 100]) -> None:
        await run(interaction, "more-like", paper)

    @group.command(name="less-like", description="👎 a paper: fewer like it in this channel's digest")
    @app_commands.describe(paper=_PAPER_ID)
    async def less_like(interaction: discord.Interaction, paper: app_commands.Range[str, 1, 100]) -> None:
        await run(interaction, "less-like", paper)

    @group.command(name="help", description="How to use paperbot")
    async def help_(interaction: discord.Interaction) -> None:
        # The help as typed here (`/paper lookup query:`), not as Slack and the console type it.
        usages = discord_usages(group)
        await run(
            interaction, "help", adapt=lambda answer: replace(answer, text=help_text(answer.locale, usages))
        )

    return group


def discord_usages(group: app_commands.Group) -> dict[str, str]:
    """Each sub-command as typed on Discord, from its definition: its name and its options
    (`lookup query:`, `schedule time: [timezone:]`), English only (Discord shows them so)."""
    usages = {}
    for command in group.commands:
        assert isinstance(command, app_commands.Command)
        options = [f"{p.name}:" if p.required else f"[{p.name}:]" for p in command.parameters]
        usages[command.name] = " ".join([command.name, *options])
    return usages


class PaperBot(discord.Client):
    """The Discord client: commands synced in setup_hook, persistent Details buttons re-added."""

    def __init__(self, edge: DiscordEdge, *, guild_id: int | None = None, sync_commands: bool = True) -> None:
        # Guilds only (not privileged): GUILD_DELETE and CHANNEL_DELETE pause what they orphan.
        super().__init__(intents=discord.Intents(guilds=True))
        self.edge = edge
        self.guild_id = guild_id
        # False for a client that reconnects after an outage: /paper was synced by an earlier
        # one of the process, and syncing on every reconnect would spend Discord's daily quota.
        self.sync_commands = sync_commands
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(paper_group(edge))
        self.tree.on_error = self.on_command_error  # type: ignore[method-assign]

    # Lifecycle (handlers/discord/lifecycle.py): the bot left a server, a channel or thread went.
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await server_left(self.edge.store, guild.id, self.edge.notices)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await channel_deleted(self.edge.store, channel.guild.id, channel.id, notices=self.edge.notices)

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        # The raw event: a thread deleted while not in discord.py's cache must pause too.
        await channel_deleted(
            self.edge.store, payload.guild_id, payload.thread_id, "THREAD_DELETE", self.edge.notices
        )

    async def setup_hook(self) -> None:
        # Buttons on digests posted before this start must keep working: register the
        # Details button's custom_id pattern, not a view bound to one message.
        self.add_dynamic_items(DetailsButton, VoteButton)
        # Chinese clients see /paper's descriptions in Chinese (given to Discord at sync).
        await self.tree.set_translator(ChineseDescriptions())
        if not self.sync_commands:
            return
        if self.application_id is not None:
            log.warning("Discord: invite paperbot to a server with %s", invite_url(self.application_id))
        if self.guild_id is not None:
            guild = discord.Object(id=self.guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)  # instant: for testing in one server
        else:
            await self.tree.sync()  # global: may take a while to reach every server

    async def show_details(self, interaction: discord.Interaction, arxiv_id: str) -> None:
        """The Details button: the paper's five sections, only to whoever clicked."""
        locale = language_of(interaction)
        try:
            async with asyncio.timeout(BUTTON_SECONDS):
                paper = await self.edge.archive.paper(arxiv_id)
        except Exception as exc:
            await _button_failed(interaction, locale, exc, f"details of {arxiv_id}")
            return
        if paper is None:
            await interaction.response.send_message(
                t("lookup.none", locale, query=arxiv_id),
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return
        await interaction.response.send_message(
            embeds=details_embeds(paper, locale),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def record_vote(self, interaction: discord.Interaction, arxiv_id: str, direction: int) -> None:
        """A 👍 / 👎 button: the clicker's vote for this channel (anyone in it may vote), answered
        to the clicker alone."""
        locale = language_of(interaction)
        try:
            async with asyncio.timeout(BUTTON_SECONDS):
                outcome = await cast_vote(
                    self.edge.archive,
                    self.edge.votes,
                    self.edge.taxonomy,
                    channel_of(interaction),
                    arxiv_id,
                    str(interaction.user.id),
                    direction,
                    subscriptions=self.edge.store,
                )
        except Exception as exc:
            await _button_failed(interaction, locale, exc, f"vote on {arxiv_id}")
            return
        await interaction.response.send_message(
            t(acknowledgement_key(outcome, direction, channel_of(interaction)), locale),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        locale = language_of(interaction)
        if isinstance(error, app_commands.CheckFailure):
            # Outside any server only someone else's DM fails the check: a personal digest is set
            # up in the reader's own DM with the bot.
            text = t("not_allowed.dm" if interaction.guild_id is None else "not_allowed", locale)
        else:
            log.exception("/paper failed", exc_info=error)
            text = t("failed.logged", locale)
        if interaction.response.is_done():
            await interaction.followup.send(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )


async def _button_failed(interaction: discord.Interaction, locale: str, exc: Exception, what: str) -> None:
    """A button whose work failed or ran out of time: a line to the clicker, logged once."""
    if isinstance(exc, TimeoutError):
        log.warning("%s: no answer within %s s", what, BUTTON_SECONDS)
        key = "failed.timeout"
    else:
        log.error("%s failed", what, exc_info=exc)
        key = "failed.database" if database_unreachable(exc) else "failed.logged"
    await interaction.response.send_message(
        t(key, locale), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )
