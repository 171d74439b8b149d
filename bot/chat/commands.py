"""The `/paper` chat command, platform-free: text in, a neutral reply out.

Slack and the console only get typed text: they call `handle_paper_command`, which reads the
sub-command from the first word. Discord gets structure (a sub-command and its options): it
calls `handle_invocation` with the verb the platform reported, and the option text is only ever
that verb's argument, never read for another verb (`/paper lookup query:"unsubscribe all"`
looks those words up). Whether the caller may change the channel is the edge's `can_manage`,
from the platform's own data, never from text. Sub-commands have English and Chinese names; the
reply is in the caller's language when the platform says which, else Chinese when the command
was typed in Chinese, else the channel's language (`spoken_language`); `/paper help en|zh` is the
help in the language it names.

`COMMAND_LIST` (at the end) is the one table of sub-commands: names, arguments, whether they
change the channel, help lines and handlers. Dispatch, `VERBS`, `CHANGES`, `SUBCOMMANDS`, both
helps and the Slack manifest's usage hint come from it; tests/handlers/test_command_table.py
holds the Discord group and the manifest to it. A mistake in an argument is a
LocalisedInputError (bot/errors.py), answered in the caller's language.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from rapidfuzz.distance import Levenshtein
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from bot.chat.paper_lookup import DayAnswer, day_lookup, lookup_more, named_day, week_monday
from bot.chat.query import (
    DayNamed,
    PaperQuery,
    WeekQuery,
    names_a_week,
    names_newest,
    parse_query,
    parse_week,
)
from bot.chat.subscribing import (
    begins_like_a_time,
    format_time,
    parse_cadence,
    parse_locale,
    parse_schedule,
)
from bot.chat.use_cases import (
    UNSUBSCRIBE_ALL,
    CalendarWeek,
    Installed,
    NoReportError,
    NotSubscribedError,
    ShownWeek,
    channel_digest,
    exclude,
    include,
    set_cadence,
    set_digest_setting,
    set_language,
    set_schedule,
    shown_week,
    subscribe,
    unsubscribe,
)
from bot.errors import BadInputError, LocalisedInputError
from bot.i18n import aside, for_reader, join_list, t, then_say, wrote_chinese
from bot.ids import is_personal
from bot.models import ChannelRef, DigestSettings, Interests, Locale, LookupHit, Subscription
from bot.ranking.digest import Digest, interest_labels
from bot.ranking.feedback import DOWN, UP
from bot.ranking.tuning import NO_DIGEST, acknowledgement_key, cast_vote, tuning_for
from bot.runtime.logs import log_context, new_command_id
from bot.runtime.metrics import COMMAND_SECONDS, COMMANDS
from bot.store.archive import Archive
from bot.store.outbox import Outbox, PlannedDigest
from bot.store.subscriptions import SubscriptionStore
from bot.store.votes import VoteStore
from bot.text import display_width, pad
from bot.topics.resolve import UnknownTopicError, resolve_terms, split_terms, suggest
from bot.topics.taxonomy import Taxonomy
from bot.topics.traditional import to_simplified
from bot.zones import load_zone, zone_label

LOOKUP_RESULTS = 5
# What people type for the next page of a lookup. A lookup keeps nothing between commands, so
# these get how to narrow one down ("more" alone was refused as a common word).
PAGING_WORDS = frozenset({"more", "next", "next page", "more results", "更多", "下一页", "再来", "继续"})
# A lookup's first word this long that is a sub-command's name mistyped gets a line naming it.
MIN_VERB_TYPO_LENGTH = 4
# A command's whole answer, after the platform's 3 s acknowledgement: well inside Slack's 30
# minutes of response_url and Discord's 15 minutes of follow-ups, but people expect an answer
# in seconds. With the caller's locale from Slack (bounded at 2 s, handlers/slack/app.py) a
# reply is posted within 10 s even when the database hangs.
COMMAND_DEADLINE_SECONDS = 7.0
# Reading the channel's language when only that is wanted (help, topics, a lookup): a database
# that does not answer quickly must not hold an answer that does not need it.
CHANNEL_LANGUAGE_SECONDS = 1.5
# `/paper digest … all` shows at most this many papers (a channel's largest digest size):
# enough to read through, and rendering stays small however many papers a day holds.
DIGEST_ALL_LIMIT = 50

log = logging.getLogger("paperbot.commands")


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who typed the command, where, and what the edge knows about them."""

    archive: Archive
    store: SubscriptionStore
    taxonomy: Taxonomy
    channel: ChannelRef
    user: str | None = None
    # The caller's language, when the platform reports it; while a command is answered, when the
    # command itself says it (spoken_language). None: the channel's language is used.
    locale: Locale | None = None
    # Whether the edge found the caller may change this channel; None when the platform could
    # not say (then changes are refused, saying why, and everything else still works).
    can_manage: bool | None = True
    default_tz: str = "UTC"
    deadline: float = COMMAND_DEADLINE_SECONDS  # seconds for the whole answer
    # The readers' 👍 / 👎, built once by the process (App.votes); None: one on the archive's
    # database, for callers that run a single command (tests, scripts).
    votes: VoteStore | None = None
    # Whether paperbot is still installed in a workspace: lets a channel shared with a workspace
    # that uninstalled it be subscribed from this one (use_cases.subscribe); None: never.
    installed: Installed | None = None

    @property
    def vote_store(self) -> VoteStore:
        return self.votes if self.votes is not None else VoteStore(self.archive.engine)

    def say(self, key: str, locale: str, **values: object) -> str:
        """`t(key)`, worded for a personal digest (`KEY.personal`) where the catalogue has such
        a wording and the command came from the caller's own DM with the app."""
        return t(for_reader(key, is_personal(self.channel)), locale, **values)


class CommandEdge(Protocol):
    """What a chat edge holds for every command it hands to the core (SlackEdge, DiscordEdge)."""

    archive: Archive
    store: SubscriptionStore
    taxonomy: Taxonomy
    default_tz: str
    command_deadline: float

    @property
    def votes(self) -> VoteStore: ...


def edge_context(
    edge: CommandEdge,
    channel: ChannelRef,
    *,
    user: str,
    locale: Locale | None,
    can_manage: bool | None,
    installed: Installed | None = None,
) -> CommandContext:
    """The context of one command typed on a platform: the edge's stores and defaults, and what
    the platform says about the caller (never what they typed)."""
    return CommandContext(
        archive=edge.archive,
        store=edge.store,
        taxonomy=edge.taxonomy,
        channel=channel,
        user=user,
        locale=locale,
        can_manage=can_manage,
        default_tz=edge.default_tz,
        deadline=edge.command_deadline,
        votes=edge.votes,
        installed=installed,
    )


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers (always to the caller alone): text, and papers or a digest."""

    text: str
    hits: list[LookupHit] = field(default_factory=list)
    digest: Digest | None = None
    error: bool = False
    locale: Locale = "en"
    # The sub-command that answered (a SUBCOMMANDS name; "" before one was chosen): an edge adds
    # what only its platform knows to some answers (can paperbot post where one subscribed?).
    verb: str = ""
    # The answer tells the caller that the channel's digest will come (it follows topics and is
    # not paused: `subscribe`, `list`, `schedule`, `cadence`): an edge that can see that the bot
    # cannot post there says so under it, lest the caller wait for a digest that is paused at
    # its first delivery (Slack: handlers/slack/reach.py).
    promises_digest: bool = False

    def with_note(self, note: str) -> Reply:
        """This reply with `note` (in the reply's language) said after it: on a line of its own
        under a reply of several lines (`/paper list`, which both platforms show preformatted, a
        line each), else in the same paragraph (`Subscribed. Note: …` / `订阅成功。注意：…`)."""
        if "\n" in self.text.strip():
            return replace(self, text=f"{self.text.rstrip()}\n{note}")
        return replace(self, text=then_say(self.text, note, self.locale))


async def handle_paper_command(ctx: CommandContext, arguments: str) -> Reply:
    """Answer `/paper ARGUMENTS` as typed (the text after the command name): the first word
    names the sub-command, else the whole text is a lookup."""
    arguments = unglue(arguments, ctx.taxonomy)
    verb, rest = _parse(arguments)
    reply = await handle_invocation(ctx, verb, rest, typed=arguments)
    if verb == "lookup" and (command := _meant_command(arguments, found=bool(reply.hits))) is not None:
        # "/paper shedule 8:30" was looked up: say so, lest the caller think the time was set.
        hint = t("lookup.command_hint", reply.locale, usage=command.usage(reply.locale))
        reply = replace(reply, text=f"{hint}\n{reply.text}")
    return reply


def _meant_command(arguments: str, *, found: bool) -> Command | None:
    """The sub-command changing a channel that a looked-up text seems meant for: its name
    mistyped one or two letters off (`shedule`, `unsubscibe`; not the name grown longer:
    `scheduler design` is a query) or with punctuation (`subscribe:`), or its very name with
    an argument it cannot take (ALSO_SEARCHED) when that is one word (`language fr`) or
    nothing was found (`time series forecasting` finds papers and is left alone). Chinese
    names are two characters, often one from a word people search for (语音 and 语言), so only
    their exact or punctuated forms count."""
    words = arguments.split(maxsplit=1)
    if len(words) < 2:
        return None  # a lone word is a query, not a command missing its argument
    typed = to_simplified(words[0].casefold())  # 語言 is 语言, as _parse reads it
    key = typed.rstrip(":：,，.。")
    if key in _CHANGING_NAMES:
        # `language fr` reads as a command more than `time series forecasting` does.
        return _CHANGING_NAMES[key] if key != typed or not found or len(words[1].split()) == 1 else None
    if len(key) < MIN_VERB_TYPO_LENGTH or not key.isascii():
        return None
    edits = 1 if len(key) < 7 else 2
    for name, command in _CHANGING_NAMES.items():
        grown = key.startswith(name) or name.startswith(key)
        if name.isascii() and not grown and Levenshtein.distance(key, name, score_cutoff=edits) <= edits:
            return command
    return None


async def handle_invocation(
    ctx: CommandContext, verb: str, rest: str = "", *, typed: str | None = None
) -> Reply:
    """Run the sub-command `verb` (a name in SUBCOMMANDS) on its argument text `rest`.

    `rest` is never read for a verb: a lookup looks up whatever it says. `typed` is the whole
    text when the user typed one (its language picks the reply's when the platform says none).
    Every line logged while answering carries the command's id; one INFO line says which
    sub-command ran where, how it ended and how long it took (the query itself only at DEBUG:
    what people search for is theirs).
    """
    if verb not in SUBCOMMANDS:
        raise ValueError(f"not a /paper sub-command: {verb!r}")
    said = rest if typed is None else typed
    ctx = replace(ctx, locale=spoken_language(ctx.locale, said))
    command = new_command_id()
    with log_context(command=command, channel=ctx.channel):
        log.debug("/paper %s: %r", verb, said)
        started, outcome = time.perf_counter(), "failed"
        try:
            async with asyncio.timeout(ctx.deadline):
                reply = await _answer(ctx, said, verb, rest)
            outcome = "error" if reply.error else "ok"
            return replace(reply, verb=verb)
        except TimeoutError:
            # Also a driver's own timeout (asyncpg's connect): either way, try again later.
            outcome = "timeout"
            log.warning("/paper %s: no answer within %s s", verb, ctx.deadline)
            return failure_reply(ctx.locale, said, "failed.timeout")
        except Exception as exc:
            # The one line with the traceback; the caller gets a short reply, never silence.
            log.exception("/paper %s failed", verb)
            key = "failed.database" if database_unreachable(exc) else "failed.command"
            return failure_reply(ctx.locale, said, key, command=command)
        finally:
            ms = round((time.perf_counter() - started) * 1000)
            fields = {
                "subcommand": verb,
                "platform": ctx.channel.platform,
                "outcome": outcome,
                "elapsed_ms": ms,
            }
            log.info("/paper %s: %s in %d ms", verb, outcome, ms, extra=fields)
            COMMANDS.labels(ctx.channel.platform, verb, outcome).inc()
            COMMAND_SECONDS.labels(ctx.channel.platform).observe(time.perf_counter() - started)


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached (refused, reset, gone), rather than
    that a command is wrong: worth "try again in a minute"."""
    if isinstance(exc, OSError | OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    cause = exc.__cause__ or exc.__context__
    return cause is not None and cause is not exc and isinstance(cause, OSError)


def spoken_language(platform: Locale | None, said: str) -> Locale | None:
    """The caller's language as far as the command tells it: the platform's locale, else Chinese
    when the text holds Chinese (`/paper 语言 英文` is answered in Chinese, whatever language it
    chooses); None when neither says (the channel's language is used)."""
    if platform is not None:
        return platform
    return "zh" if wrote_chinese(said) else None


def failure_reply(locale: Locale | None, said: str, key: str, **values: object) -> Reply:
    """The short reply to a command that could not be answered: in the caller's language when
    known (the platform's, or Chinese when they typed Chinese), else in both languages."""
    locale = spoken_language(locale, said)
    if locale is not None:
        return Reply(t(key, locale, **values), error=True, locale=locale)
    both = f"{t(key, 'en', **values)} / {t(key, 'zh', **values)}"
    return Reply(both, error=True, locale="en")


M = TypeVar("M")


def fit_digest(digest: Digest, render: Callable[[Digest], list[M]], max_messages: int) -> list[M]:
    """`render(digest)` in at most `max_messages` messages: when the papers take more, the
    first ones that fit are shown and the last message says how many more and how to see them
    (Slack's response_url takes 5 posts; a Discord reply should not flood the screen)."""
    messages = render(digest)
    keep = len(digest.items)
    while len(messages) > max_messages and keep > 0:
        # Shrink in proportion first, then one paper at a time (the footer line takes room too).
        keep = min(keep - 1, keep * max_messages // len(messages))
        messages = render(digest.shortened(keep))
    return messages


def _parse(arguments: str) -> tuple[str, str]:
    """The sub-command (`lookup` when the first word names none) and the text it works on. A
    sub-command's name is often a word people search for too (`/paper language models`, `time
    series`, `list decoding`): when what follows cannot be that sub-command's argument (its
    `fits`), the whole text is a lookup."""
    words = arguments.strip().split(maxsplit=1)
    # 訂閱 is 订阅: a name typed in traditional characters is the same name (bot/topics/traditional.py).
    name = to_simplified(words[0].casefold()) if words else "help"
    verb = VERBS.get(name, "lookup")
    rest = words[1] if len(words) > 1 else ""
    if verb == "lookup" or (name in ALSO_SEARCHED and not COMMAND_TABLE[verb].fits(rest)):
        return "lookup", arguments.strip()
    return verb, rest


# `/paper digest DATE all`: every match, not the channel's size.
_ALL_WORDS = frozenset({"all", "全部"})
_ALL_ZH = "全部"


def _without_all(rest: str) -> tuple[str, bool]:
    """A digest's day or week without its `all` (`全部`), and whether it was asked for. 全部 is
    also taken glued to the day or week (`上周全部`, `全部昨天`), as Chinese is written without
    spaces: `上周全部` was "not a date"."""
    kept: list[str] = []
    show_all = False
    for word in rest.split():
        if word.casefold() in _ALL_WORDS:
            show_all = True
            continue
        if len(word) > len(_ALL_ZH) and (word.startswith(_ALL_ZH) or word.endswith(_ALL_ZH)):
            show_all = True
            word = word.removeprefix(_ALL_ZH) if word.startswith(_ALL_ZH) else word.removesuffix(_ALL_ZH)
        kept.append(word)
    return " ".join(kept), show_all


# After a Chinese sub-command name, what says the rest is its argument though no space came
# between: a colon or comma (dropped), or an opening quote (kept: it starts a keyword).
_GLUE = "：:，,"
_OPENING_QUOTES = "\"“「『'‘"


def unglue(arguments: str, taxonomy: Taxonomy) -> str:
    """`订阅强化学习、机器人` → `订阅 强化学习、机器人`: Chinese is written without spaces, so a
    Chinese sub-command name is often glued to its argument. It is taken apart when a colon,
    comma or quote follows the name (`订阅：机器人`, `订阅“GRPO”`), or when the rest is plainly
    that sub-command's argument (`定时9点`, `语言中文`, `退订机器人`); otherwise the text is left
    as typed and looked up (`语言模型`, `时间序列`, `频率估计` are things people search for)."""
    text = arguments.strip()
    first = to_simplified(text.split(maxsplit=1)[0].casefold()) if text else ""
    if not first or first in VERBS or not wrote_chinese(first[:1]):
        return arguments
    for name in _CHINESE_NAMES:
        if first.startswith(name) and len(first) > len(name):
            rest = text[len(name) :]
            marked = rest[0] in _GLUE or rest[0] in _OPENING_QUOTES
            rest = rest.lstrip(_GLUE).strip()
            if rest and (marked or _glued_argument(VERBS[name], rest, taxonomy)):
                return f"{text[: len(name)]} {rest}"
            return arguments
    return arguments


def _glued_argument(verb: str, rest: str, taxonomy: Taxonomy) -> bool:
    """Whether `rest`, glued to `verb`'s Chinese name, can only be that sub-command's argument."""
    try:
        if verb in {"subscribe", "unsubscribe", "exclude", "include"}:
            if rest.casefold() in UNSUBSCRIBE_ALL:
                # `退订全部` ends the subscription; `订阅全部` / `排除全部` get their refusal
                # (use_cases._refuse_all), not a search for the words "订阅全部".
                return True
            interests = resolve_terms(rest, taxonomy)
            return not interests.keywords and not interests.excluded_keywords  # topics only
        if verb == "schedule":
            return _a_time(rest)
        if verb == "language":
            return bool(parse_locale(rest))
        if verb == "cadence":
            return bool(parse_cadence(rest))
        if verb == "digest":
            asked, _ = _without_all(rest)
            return names_a_week(asked) or all(_names_a_day(word) for word in asked.split())
    except BadInputError:
        return False
    return False


def _names_a_day(word: str) -> bool:
    return isinstance(parse_query(word), DayNamed)


# Sub-command names that are also words people search for (`language models`, `time series`,
# `list decoding`, 语言模型 typed as `语言 模型`): followed by what the sub-command cannot take,
# they start a lookup. The other names (`schedule`, `cadence`) are plainly commands: a bad
# argument gets the sub-command's own error.
ALSO_SEARCHED = frozenset({"time", "时间", "language", "lang", "语言", "list", "列表", "topics", "主题"})


def _nothing(rest: str) -> bool:
    return not rest.strip()


def _a_time(rest: str) -> bool:
    """Whether `rest` is schedule's argument: nothing (its usage line says what to add), a time
    (a bad one that begins as one, `25:00`, `下午 99点`, gets the sub-command's own error), a
    zone and then a time (`北京时间 21:30`, as Chinese says it), or a zone alone."""
    text = rest.strip()
    if not text or begins_like_a_time(text):
        return True
    try:
        return bool(parse_schedule(text))
    except BadInputError:
        return False


def _a_language(rest: str) -> bool:
    try:
        parse_locale(rest)
    except BadInputError:
        return not rest.strip()  # the name alone: its usage line says what to add
    return True


async def _channel(ctx: CommandContext, verb: str, arguments: str) -> Subscription | None:
    """The channel's subscription when `verb` needs it; else only for its language, and only
    when the caller's is unknown, and never holding the answer up: help and topics need no
    database, a lookup only the archive."""
    if COMMAND_TABLE[verb].reads_channel:
        return await ctx.store.get(ctx.channel)
    if ctx.locale is not None:
        return None
    try:
        async with asyncio.timeout(min(CHANNEL_LANGUAGE_SECONDS, ctx.deadline / 4)):
            return await ctx.store.get(ctx.channel)
    except (TimeoutError, SQLAlchemyError, OSError) as exc:
        log.info("/paper %s: the channel's language is unavailable (%s); answering in English", verb, exc)
        return None


async def _answer(ctx: CommandContext, arguments: str, verb: str, rest: str) -> Reply:
    current = await _channel(ctx, verb, arguments)
    locale = ctx.locale or (current.locale if current else "en")
    command = COMMAND_TABLE[verb]
    if command.changes and not ctx.can_manage:
        key = "not_allowed.unknown" if ctx.can_manage is None else "not_allowed"
        if ctx.can_manage is False and is_personal(ctx.channel):
            key = "not_allowed.dm"  # a DM that is not the caller's own with the app
        return Reply(t(key, locale), error=True, locale=locale)
    try:
        return await command.handler(ctx, rest, current, locale)
    except UnknownTopicError as exc:
        return Reply(
            t("unknown_topic", locale, term=exc.term, suggestion=exc.suggestion), error=True, locale=locale
        )
    except NotSubscribedError:
        return Reply(ctx.say("need_subscription", locale), error=True, locale=locale)
    except NoReportError as exc:
        return await _no_report(ctx, exc.day, locale)
    except LocalisedInputError as exc:
        return Reply(t(exc.key, locale, **exc.values), error=True, locale=locale)
    except BadInputError as exc:
        return Reply(str(exc), error=True, locale=locale)


async def _no_report(ctx: CommandContext, day: dt.date | None, locale: Locale) -> Reply:
    """A digest of a day the archive holds no report of (yesterday, a weekend): which one it
    has, as a lookup of a day says, lest the caller guess dates."""
    latest = await ctx.archive.latest_report_date() if day is not None else None
    if day is None or latest is None:
        return Reply(t("digest.no_reports", locale), error=True, locale=locale)
    return Reply(t("digest.no_report", locale, date=day, latest=latest), error=True, locale=locale)


# -- the handlers: one per sub-command, each `(ctx, rest, current, locale) -> Reply` ------------


async def _help(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    # `/paper help en` / `help 中文`: the help in that language, wherever the caller's is set
    # otherwise (the Chinese help's tip names it); any other word after it is ignored.
    with contextlib.suppress(BadInputError):
        locale = parse_locale(rest) if rest.strip() else locale
    return Reply(HELP[locale], locale=locale)


async def _topics(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    return Reply(_topics_text(ctx.taxonomy, locale), locale=locale)


async def _list(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    text = _list_text(ctx.taxonomy, current, locale, personal=is_personal(ctx.channel))
    return Reply(text, locale=locale, promises_digest=_promised(current))


def _promised(subscription: Subscription | None) -> bool:
    """Whether the channel's digest is to come: it follows something and is not paused."""
    return subscription is not None and bool(subscription.interests) and not subscription.paused


async def _subscribe(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    if not rest.strip():
        return Reply(t("subscribe.usage", locale), error=True, locale=locale)
    change = await subscribe(
        ctx.store,
        ctx.taxonomy,
        ctx.channel,
        rest,
        user=ctx.user,
        default_tz=ctx.default_tz,
        default_locale=locale,
        installed=ctx.installed,
    )
    assert change.subscription is not None
    sub = change.subscription
    following = join_list(interest_labels(sub.interests, ctx.taxonomy, locale), locale)
    promised = _promised(sub)
    if change.resumed:
        return Reply(
            ctx.say("subscribe.resumed", locale, topics=following, when=cadence_text(sub, locale)),
            locale=locale,
            promises_digest=promised,
        )
    if not change.changed.changes_anything():
        text = ctx.say("subscribe.unchanged", locale, topics=following)
        return Reply(text, locale=locale, promises_digest=promised)
    text = ctx.say("subscribe.done", locale, topics=following, when=cadence_text(sub, locale))
    if change.took_over_from is not None:
        text += "\n" + t("subscribe.took_over", locale, workspace=change.took_over_from)
    return Reply(text, locale=locale, promises_digest=promised)


async def _unsubscribe(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    if not rest.strip():
        return Reply(t("unsubscribe.usage", locale), error=True, locale=locale)
    if _only_exclusions(rest, ctx.taxonomy):
        # `unsubscribe -survey` is `include survey` (docs/commands.md), and is answered as it:
        # "Unsubscribed from not "survey"" and "does not follow -survey" said it backwards.
        unminused = ", ".join(f'"{term.text}"' if term.quoted else term.text for term in split_terms(rest))
        return await _exclude_or_include(ctx, "include", unminused, locale)
    change = await unsubscribe(ctx.store, ctx.taxonomy, ctx.channel, rest)
    # A minus among the terms (`unsubscribe agents, -survey`) stops excluding it, as `include`
    # does: said as that, since "Unsubscribed from agents, not "survey"" read as if the
    # exclusion stayed.
    followed = replace(change.changed, excluded_topics=(), excluded_keywords=())
    unexcluded = Interests(change.changed.excluded_topics, change.changed.excluded_keywords)
    removed = join_list(interest_labels(followed, ctx.taxonomy, locale), locale)
    if change.subscription is None and not change.changed.changes_anything():
        return Reply(ctx.say("unsubscribe.nothing", locale), error=True, locale=locale)
    if not change.changed.changes_anything():
        return Reply(
            ctx.say("unsubscribe.not_following", locale, removed=rest.strip()), error=True, locale=locale
        )
    if change.subscription is None:
        return Reply(ctx.say("unsubscribe.all", locale), locale=locale)
    following = join_list(interest_labels(change.subscription.interests, ctx.taxonomy, locale), locale)
    if not followed.changes_anything():
        named = join_list(interest_labels(unexcluded, ctx.taxonomy, locale), locale)
        return Reply(ctx.say("include.done", locale, removed=named, topics=following), locale=locale)
    if not change.subscription.interests:
        text = ctx.say("unsubscribe.last", locale, removed=removed)
    else:
        text = ctx.say("unsubscribe.done", locale, removed=removed, topics=following)
    if unexcluded.changes_anything():
        named = join_list(interest_labels(unexcluded, ctx.taxonomy, locale), locale)
        text = then_say(text, t("unsubscribe.unexcluded", locale, removed=named), locale)
    return Reply(text, locale=locale)


def _only_exclusions(terms: str, taxonomy: Taxonomy) -> bool:
    """Whether every typed term is written with a minus (`-survey`, `-"medical"`)."""
    try:
        typed = resolve_terms(terms, taxonomy)
    except BadInputError:
        return False  # unsubscribe says what is wrong with it
    return not typed and typed.exclusions


async def _cadence(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    if not rest.strip():
        return Reply(t("cadence.usage", locale), error=True, locale=locale)
    updated = await set_cadence(ctx.store, ctx.channel, rest)
    return Reply(cadence_text(updated, locale), locale=locale, promises_digest=_promised(updated))


async def _exclude(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    return await _exclude_or_include(ctx, "exclude", rest, locale)


async def _include(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    return await _exclude_or_include(ctx, "include", rest, locale)


async def _schedule(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    if not rest.strip():
        return Reply(t("schedule.usage", locale), error=True, locale=locale)
    sub = await set_schedule(ctx.store, ctx.channel, rest)
    if sub.settings.cadence != "daily":
        text = t("schedule.done_cadence", locale, when=cadence_text(sub, locale))
    else:
        text = t("schedule.done", locale, time=format_time(sub.time), tz=zone_label(sub.tz))
    return Reply(text, locale=locale, promises_digest=_promised(sub))


async def _language(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    if not rest.strip():
        return Reply(t("language.usage", locale), error=True, locale=locale)
    sub = await set_language(ctx.store, ctx.channel, rest)
    # In the caller's language when known (the platform's, or Chinese typed: `/paper 语言 英文`
    # is confirmed in Chinese). Else they typed English: in English, and in Chinese too when the
    # channel's digest becomes Chinese, for the readers it was changed for; a personal digest's
    # one reader is the caller, who asked for the new language: in it.
    if ctx.locale is not None:
        confirmed: list[Locale] = [ctx.locale]
    elif is_personal(ctx.channel):
        confirmed = [sub.locale]
    else:
        confirmed = list(dict.fromkeys(("en", sub.locale)))
    text = " / ".join(
        ctx.say("language.done", locale, language=t(f"language.{sub.locale}", locale)) for locale in confirmed
    )
    return Reply(text, locale=confirmed[0])


async def _more_like(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    return await _feedback(ctx, "more-like", rest, locale)


async def _less_like(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    return await _feedback(ctx, "less-like", rest, locale)


async def _set(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    words = rest.split()
    if not words and current is not None:
        return Reply(settings_text(current.settings, locale), locale=locale)
    if len(words) != 2:
        return Reply(t("settings.usage", locale), error=True, locale=locale)
    updated = await set_digest_setting(ctx.store, ctx.channel, words[0], words[1])
    return Reply(settings_text(updated.settings, locale), locale=locale)


def cadence_text(subscription: Subscription, locale: str) -> str:
    """ "Digest daily at 09:00 (UTC)." / "…every Friday at…" / "…Monday to Friday at…"."""
    settings, time = subscription.settings, format_time(subscription.time)
    if settings.cadence == "weekly":
        day = t(f"weekday.{settings.weekday}", locale)
        return t("cadence.weekly", locale, day=day, time=time, tz=zone_label(subscription.tz))
    return t(f"cadence.{settings.cadence}", locale, time=time, tz=zone_label(subscription.tz))


def settings_text(settings: DigestSettings, locale: str) -> str:
    floor = (
        t("settings.floor", locale, count=settings.min_upvotes)
        if settings.min_upvotes is not None
        else t("settings.floor.none", locale)
    )
    order = t(f"settings.order.{settings.order}", locale)
    images = t(f"settings.images.{'on' if settings.images else 'off'}", locale)
    layout = t(f"settings.layout.{settings.layout}", locale)
    size = t("settings.size", locale, count=settings.size)  # "up to 1 paper", not "1 papers"
    return t("settings.show", locale, size=size, floor=floor, order=order, images=images, layout=layout)


async def _exclude_or_include(ctx: CommandContext, verb: str, rest: str, locale: Locale) -> Reply:
    if not rest.strip():
        return Reply(t(f"{verb}.usage", locale), error=True, locale=locale)
    action = exclude if verb == "exclude" else include
    change = await action(ctx.store, ctx.taxonomy, ctx.channel, rest)
    assert change.subscription is not None
    now = join_list(interest_labels(change.subscription.interests, ctx.taxonomy, locale), locale)
    if not change.changed.changes_anything():
        if verb == "include":
            return Reply(
                ctx.say("include.not_excluded", locale, removed=rest.strip()), error=True, locale=locale
            )
        return Reply(ctx.say("subscribe.unchanged", locale, topics=now), locale=locale)
    # What changed, named without the "not" prefix: "Excluded robotics", "No longer excluded robotics".
    named = Interests(change.changed.excluded_topics, change.changed.excluded_keywords)
    changed = join_list(interest_labels(named, ctx.taxonomy, locale), locale)
    return Reply(ctx.say(f"{verb}.done", locale, removed=changed, topics=now), locale=locale)


async def _lookup(ctx: CommandContext, query: str, current: Subscription | None, locale: Locale) -> Reply:
    shown = query.strip()
    # `yesterday` is the day before today where the channel is (its digest's zone).
    tz = current.tz if current is not None else ctx.default_tz
    day = await day_lookup(ctx.archive, query, limit=LOOKUP_RESULTS, tz=tz)
    if day is not None:
        return await _day_reply(ctx, day, shown, locale)
    if names_a_week(shown, lookup=True):
        # "/paper last week" found papers holding "week": a week is a digest's (its papers for
        # this channel's topics), never a list of every paper of seven reports.
        return Reply(t("lookup.week", locale, query=shown), locale=locale)
    if to_simplified(shown.casefold()) in PAGING_WORDS:  # 下一頁 is 下一页
        # "/paper more" after a lookup: there is no list kept to page through; say how to narrow.
        return Reply(t("lookup.no_paging", locale, count=LOOKUP_RESULTS), locale=locale)
    hits, more = await lookup_more(ctx.archive, query, limit=LOOKUP_RESULTS, taxonomy=ctx.taxonomy, tz=tz)
    # A topic's name misspelt (`reinforcment learning`, `视频生城`) finds nothing, or papers
    # holding one of its words: name the topic it is one letter from.
    meant = _meant_topic(ctx, shown)
    if not hits and (asked := _paper_asked(shown)) is not None:
        # An id or a paper's link: "try fewer or other words" would not find it either.
        latest = await ctx.archive.latest_report_date()
        if latest is not None:
            return Reply(t("lookup.paper_not_archived", locale, arxiv_id=asked, latest=latest), locale=locale)
    if not hits:
        tip = t("lookup.did_you_mean", locale, topic=meant) if meant else t("lookup.none_tip", locale)
        return Reply(t("lookup.none_then", locale, query=shown, tip=tip), locale=locale)
    found = t(
        "lookup.found_more" if more else "lookup.found",
        locale,
        count=t("paper.count", locale, count=len(hits)),
        query=shown,
    )
    if meant:
        found = t("lookup.did_you_mean", locale, topic=meant) + "\n" + found
    return Reply(found, hits, locale=locale)


def _paper_asked(query: str) -> str | None:
    """The arXiv id a looked-up text names (an id, a paper's link, arXiv's DOI), else None."""
    try:
        parsed = parse_query(query)
    except BadInputError:
        return None
    return parsed.arxiv_id if isinstance(parsed, PaperQuery) else None


def _meant_topic(ctx: CommandContext, query: str) -> str | None:
    """The topic name a looked-up text is a near miss of; None for a topic's very name or a text
    no name is close to."""
    return None if ctx.taxonomy.find(query) is not None else suggest(query, ctx.taxonomy)


async def _day_reply(ctx: CommandContext, answer: DayAnswer, shown: str, locale: Locale) -> Reply:
    day = answer.day
    if day is not None and shown != day.isoformat():
        shown = aside(shown, day.isoformat(), locale)  # `yesterday (2026-12-05)`: which day it was
    if day is None or not answer.hits:
        # A day without a report (a weekend, a day not archived yet): name the newest one there is.
        latest = await ctx.archive.latest_report_date()
        if day is None or latest is None:
            return Reply(t("lookup.no_reports", locale), locale=locale)
        return Reply(
            t("lookup.no_report_for_day", locale, day=shown, latest=latest.isoformat()), locale=locale
        )
    if answer.total > len(answer.hits):
        # A day's papers are more than a reply shows: say so, and where the whole day is listed.
        text = t(
            "lookup.found_part_of_day",
            locale,
            shown=len(answer.hits),
            total=t("paper.count", locale, count=answer.total),
            query=shown,
            url=f"https://huggingface.co/papers/date/{day.isoformat()}",
        )
        return Reply(text, answer.hits, locale=locale)
    count = t("paper.count", locale, count=len(answer.hits))
    return Reply(t("lookup.found", locale, count=count, query=shown), answer.hits, locale=locale)


async def _digest(ctx: CommandContext, rest: str, current: Subscription | None, locale: Locale) -> Reply:
    if current is None or not current.interests:
        return Reply(ctx.say("digest.not_subscribed", locale), error=True, locale=locale)
    asked, show_all = _without_all(rest)  # show_all: every match, up to 50
    if (named_week := parse_week(asked)) is not None:
        return await _week_digest(ctx, named_week, current, locale, show_all=show_all)
    day: dt.date | None = None
    weekly = current.settings.cadence == "weekly"
    # A weekly channel's `latest`: the newest week delivered, not the newest report's.
    latest = weekly and names_newest(asked)
    if asked and not latest:
        # The words as one day, as a lookup takes it (not word by word: `Dec 31` was "not a date:
        # 'Dec'"): 2026-11-20, 2026年11月20日, Dec 31, 昨天, yesterday (in the channel's zone).
        day = await named_day(ctx.archive, asked, current.tz)
    now = ctx.archive.clock()
    # A weekly channel is shown a weekly delivery, the one it got or will get, and told which
    # (None: no delivery holds a report, and the week ending on the newest report is shown).
    week = (
        await shown_week(ctx.archive, current, day, now, latest=latest, history=await _history(ctx))
        if weekly
        else None
    )
    return await _shown_digest(ctx, current, locale, show_all=show_all, day=day, week=week)


async def _history(ctx: CommandContext) -> list[PlannedDigest]:
    """The channel's digests in the outbox (on the archive's database): a weekly delivery holds
    what the digest before it did not (bot/ranking/weekly.py), so showing one needs them."""
    found = await Outbox(ctx.archive.engine).history([ctx.channel], dt.date.min)
    return found.get(ctx.channel, [])


async def _week_digest(
    ctx: CommandContext, named: WeekQuery, current: Subscription, locale: Locale, *, show_all: bool
) -> Reply:
    """`/paper digest last week` (`上周`, `2026-W48`, `week of 2026-11-30`): a weekly channel's
    delivery holding most of that week; any other channel's digest of the week's reports,
    Monday to Sunday, ranked together as a weekly digest is."""
    monday = await week_monday(ctx.archive, named, current.tz)
    if monday is None:
        raise NoReportError(None)
    week = CalendarWeek(monday)
    now = ctx.archive.clock()
    today = now.astimezone(load_zone(current.tz)).date()
    week.check_begun(today)
    if current.settings.cadence == "weekly":
        day = week.delivery_day(current)
        shown = await shown_week(ctx.archive, current, day, now, history=await _history(ctx))
        return await _shown_digest(ctx, current, locale, show_all=show_all, week=shown)
    this_week = today <= week.sunday
    try:
        reply = await _shown_digest(ctx, current, locale, show_all=show_all, day=week.sunday, seven_days=True)
    except NoReportError:
        key = "digest.calendar_week." + ("none_yet" if this_week else "none")
        return Reply(t(key, locale, **week.values()), error=True, locale=locale)
    assert reply.digest is not None
    note = t("digest.calendar_week" + (".current" if this_week else ""), current.locale, **week.values())
    return replace(reply, digest=replace(reply.digest, note=note, named=week.name))


async def _shown_digest(
    ctx: CommandContext,
    current: Subscription,
    locale: Locale,
    *,
    show_all: bool,
    day: dt.date | None = None,
    week: ShownWeek | None = None,
    seven_days: bool = False,
) -> Reply:
    """The channel's digest of `day` (of the seven days ending it, with `seven_days`), or of the
    weekly delivery `week`, said to the caller alone."""
    try:
        digest = await channel_digest(
            ctx.archive,
            ctx.taxonomy,
            current.interests,
            day=day,
            locale=current.locale,
            limit=DIGEST_ALL_LIMIT if show_all else current.settings.size,
            settings=current.settings,
            tuning=await tuning_for(ctx.vote_store, ctx.channel, ctx.archive.clock()),
            week=None if week is None else week.week,
            seven_days=seven_days,
        )
    except NoReportError:
        if week is None:
            raise
        return Reply(week.note(current, locale, empty=True), error=True, locale=locale)
    if week is not None:
        digest = replace(digest, note=week.note(current, current.locale))
    if show_all and digest.more:
        digest = digest.shortened(len(digest.items))  # the "more" line says how to narrow it down
    return Reply(digest.header(), digest=digest, locale=current.locale)


def _topics_text(taxonomy: Taxonomy, locale: str) -> str:
    lines = [t("topics.header", locale, count=len(taxonomy))]
    for topic in taxonomy:
        shown = [topic.label(locale).casefold()]
        aliases = []
        for name in (topic.name, *topic.zh, *topic.aliases[:4]):
            if name.casefold() not in shown:  # a name may be both a Chinese and an alias (OCR)
                shown.append(name.casefold())
                aliases.append(name)
        lines.append(f"• {topic.label(locale)} — {join_list(aliases, locale)}")
    return "\n".join(lines)


def _list_text(
    taxonomy: Taxonomy, current: Subscription | None, locale: str, *, personal: bool = False
) -> str:
    """What the channel follows; in a reader's DM with the app, their personal digest."""
    if current is None:
        return t(for_reader("list.none", personal), locale)
    if not current.interests:
        # Unsubscribed from its last topic: what its next subscription will keep.
        settings = settings_text(current.settings, locale) if current.settings != DigestSettings() else ""
        language = t(f"language.{current.locale}", locale)
        kept = t("list.kept", locale, when=cadence_text(current, locale), language=language)
        return "\n".join(filter(None, (t(for_reader("list.none", personal), locale), kept, settings)))
    paused = t("list.paused", locale, reason=current.paused_reason or "—") if current.paused else ""
    if current.settings != DigestSettings():
        paused = "\n" + settings_text(current.settings, locale) + paused
    return t(
        for_reader("list.some", personal),
        locale,
        topics=join_list(interest_labels(current.interests, taxonomy, locale), locale),
        when=cadence_text(current, locale),
        language=t(f"language.{current.locale}", locale),
        paused=paused,
    )


# -- feedback ----------------------------------------------------------------------------------


async def _feedback(ctx: CommandContext, verb: str, rest: str, locale: Locale) -> Reply:
    """`/paper more-like ID` / `less-like ID`: the typed 👍 / 👎 (the same toggle as the buttons)."""
    try:
        query = parse_query(rest) if rest.strip() else None
    except LocalisedInputError as exc:
        if exc.key == "error.impossible_arxiv_id":
            raise  # an id no paper can have: say why (month 13), as a lookup does
        query = None
    except BadInputError:
        query = None
    if not isinstance(query, PaperQuery):
        return Reply(t("feedback.usage", locale), error=True, locale=locale)
    direction = UP if verb == "more-like" else DOWN
    outcome = await cast_vote(
        ctx.archive,
        ctx.vote_store,
        ctx.taxonomy,
        ctx.channel,
        query.arxiv_id,
        ctx.user or "anonymous",
        direction,
        subscriptions=ctx.store,
    )
    return Reply(
        t(acknowledgement_key(outcome, direction, ctx.channel), locale),
        error=outcome in (None, NO_DIGEST),
        locale=locale,
    )


# -- the command table -------------------------------------------------------------------------

Handler = Callable[[CommandContext, str, Subscription | None, Locale], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Command:
    """One `/paper` sub-command: everything said about it anywhere comes from here or is tested
    against it (dispatch, both helps, the Discord group, the Slack manifest's usage hint)."""

    verb: str  # the canonical name: what `handle_invocation` takes, Discord's sub-command name
    names: tuple[str, ...]  # the typed names, English first (the first is the one shown), then aliases
    zh_names: tuple[str, ...]  # the typed Chinese names, the first shown in the Chinese help
    arguments: tuple[str, str]  # what follows the name, in English and Chinese ("" for none)
    help: tuple[str, str]  # the help line's description, in English and Chinese
    handler: Handler
    changes: bool = False  # changes the channel: only a caller the platform says may manage it
    reads_channel: bool = False  # needs the channel's subscription (not only its language)
    # Whether typed text can be this sub-command's argument; if not, `/paper NAME …` is a lookup.
    fits: Callable[[str], bool] = lambda rest: True

    def usage(self, locale: str) -> str:
        """What the caller types after `/paper`, e.g. `subscribe TOPICS` / `订阅 主题`."""
        zh = locale == "zh"
        arguments = self.arguments[1 if zh else 0]
        if not self.names:  # a lookup has no name: the words are the query
            return arguments
        name = self.zh_names[0] if zh else self.names[0]
        return f"{name} {arguments}".rstrip()


COMMAND_LIST: tuple[Command, ...] = (
    Command(
        "lookup",
        (),
        (),
        ("QUERY", "关键词"),
        (
            "look up papers: arXiv id, paper URL, date, title words, 中文, a topic",
            "检索论文：arXiv 编号、论文链接、日期、标题词、中文或主题",
        ),
        _lookup,
    ),
    Command(
        "subscribe",
        ("subscribe", "sub"),
        ("订阅",),
        ("TOPICS", "主题"),
        (
            'follow topics or "quoted keywords": RL, video generation, "GRPO"',
            "订阅主题或“带引号的关键词”，用逗号或顿号分隔：强化学习、视频生成、“GRPO”",
        ),
        _subscribe,
        changes=True,
    ),
    Command(
        "unsubscribe",
        ("unsubscribe", "unsub"),
        ("退订", "取消订阅"),
        ("TOPICS|all", "主题|all"),
        ("stop following some topics, or everything", "取消订阅部分主题，或全部"),
        _unsubscribe,
        changes=True,
    ),
    Command(
        "exclude",
        ("exclude",),
        ("排除", "屏蔽"),
        ("TOPICS", "主题"),
        (
            'leave papers about these out: survey, "medical", robotics',
            "不要与这些相关的论文：survey、“医疗”、机器人",
        ),
        _exclude,
        changes=True,
    ),
    Command(
        "include",
        ("include", "unexclude"),
        ("取消排除",),
        ("TOPICS", "主题"),
        ("stop excluding them", "不再排除"),
        _include,
        changes=True,
    ),
    Command(
        "list",
        ("list", "ls"),
        ("列表",),
        ("", ""),
        ("what this channel follows, and when its digest comes", "本频道的订阅与推送时间"),
        _list,
        fits=_nothing,
        reads_channel=True,
    ),
    Command(
        "topics",
        ("topics",),
        ("主题",),
        ("", ""),
        ("the built-in topics and their names", "内置主题及其名称"),
        _topics,
        fits=_nothing,
    ),
    Command(
        "schedule",
        # `timezone Asia/Shanghai` is a schedule with a zone alone (the time stays).
        ("schedule", "time", "timezone", "tz"),
        ("定时", "时间", "时区"),
        ("HH:MM [ZONE]", "HH:MM [时区]"),
        (
            "digest time and time zone, e.g. 09:30 Asia/Shanghai, 9 pm New York",
            "推送时间与时区，例如 09:30 Asia/Shanghai、晚上9点 纽约",
        ),
        _schedule,
        fits=_a_time,
        changes=True,
    ),
    Command(
        "cadence",
        ("cadence", "frequency"),
        ("频率",),
        ("daily|weekdays|weekly DAY", "每天|工作日|每周 周几"),
        ("how often the digest comes, e.g. weekly friday", "推送频率，例如 每周 周五"),
        _cadence,
        changes=True,
    ),
    Command(
        "language",
        ("language", "lang"),
        ("语言",),
        ("en|zh", "en|zh"),
        ("the language of this channel's digest", "本频道日报的语言"),
        _language,
        fits=_a_language,
        changes=True,
    ),
    Command(
        "set",
        ("set", "settings"),
        ("设置",),
        ("size|min-upvotes|order|images|layout VALUE", "数量|最少点赞|排序|图片|布局 值"),
        (
            "digest size, upvote floor, order (relevance|upvotes), images (on|off), layout (cards|compact)",
            "日报篇数、点赞下限、排序（相关度|点赞）、图片（开|关）、布局（卡片|紧凑）",
        ),
        _set,
        changes=True,
        reads_channel=True,
    ),
    Command(
        "digest",
        ("digest", "preview"),
        ("日报", "预览"),
        ("[DATE|WEEK] [all]", "[日期|周] [all]"),
        (
            "today's digest for this channel, or a day's or week's (yesterday, last week), shown only to you",
            "立即查看本频道今天的日报，或某天、某周的（昨天、上周），仅自己可见",
        ),
        _digest,
        reads_channel=True,
    ),
    # Feedback (bot/ranking/tuning.py): 👍 / 👎 typed, for the console (no buttons) and anyone who
    # prefers it. Any member may vote, as with the buttons, so these change nothing of the channel.
    Command(
        "more-like",
        ("more-like", "like"),
        ("多推荐",),
        ("ID", "编号"),
        (
            "👍 a paper: tunes this channel's digest (again: take it back)",
            "👍 一篇论文，调整本频道的日报（再输入一次可撤回）",
        ),
        _more_like,
    ),
    Command(
        "less-like",
        ("less-like", "dislike"),
        ("少推荐",),
        ("ID", "编号"),
        (
            "👎 a paper: tunes this channel's digest (again: take it back)",
            "👎 一篇论文，调整本频道的日报（再输入一次可撤回）",
        ),
        _less_like,
    ),
    Command(
        "help",
        ("help", "-h", "--help"),
        ("帮助",),
        ("", ""),
        ("this help", "本帮助"),
        _help,
    ),
)
COMMAND_TABLE: dict[str, Command] = {command.verb: command for command in COMMAND_LIST}

# Every typed name (case-folded) → its sub-command; a first word not here starts a lookup.
VERBS: dict[str, str] = {
    name: command.verb for command in COMMAND_LIST for name in (*command.names, *command.zh_names)
}
# The sub-commands that change a channel: only a caller the platform says may manage it.
CHANGES = frozenset(command.verb for command in COMMAND_LIST if command.changes)
# Every typed name of those, with its sub-command (a mistyped one gets a hint: _meant_command).
_CHANGING_NAMES = {name: COMMAND_TABLE[verb] for name, verb in VERBS.items() if verb in CHANGES}
# The Chinese names, longest first (取消订阅 before a shorter name it starts with): unglue's.
_CHINESE_NAMES = sorted((name for name in VERBS if wrote_chinese(name)), key=len, reverse=True)
# Every sub-command by its canonical name: what `handle_invocation` accepts.
SUBCOMMANDS = frozenset(COMMAND_TABLE)


def help_text(locale: str, usages_by_verb: Mapping[str, str] | None = None) -> str:
    """The `/paper help` text in `locale`: one line per sub-command, descriptions aligned. A
    platform whose commands are typed otherwise (Discord's `/paper lookup query:`) gives each
    sub-command's usage as it is typed there."""
    index = 1 if locale == "zh" else 0
    typed = usages_by_verb or {command.verb: command.usage(locale) for command in COMMAND_LIST}
    tips = {} if usages_by_verb else _TYPED_TIPS
    usages = [f"/paper {typed[command.verb]}" for command in COMMAND_LIST]
    width = max(display_width(usage) for usage in usages) + 2
    return "\n".join(
        pad(usage, width) + command.help[index] + tips.get(command.verb, ("", ""))[index]
        for usage, command in zip(usages, COMMAND_LIST, strict=True)
    )


# What only typed commands allow (Slack, the console): a minus in `subscribe`, and help in the
# other language by its name. Discord's sub-commands have English names and take the caller's locale.
_TYPED_TIPS = {
    "include": (' (or: /paper subscribe agents -"medical")', "（也可写：/paper 订阅 智能体 -“医疗”）"),
    "help": (" (/paper help zh for Chinese)", "（/paper help en 查看英文）"),
}


HELP = {locale: help_text(locale) for locale in ("en", "zh")}


def usage_hint() -> str:
    """The Slack manifest's `/paper` usage hint (deploy/slack-manifest.yaml): every sub-command."""
    return " | ".join(
        f"[{command.arguments[0]}]" if not command.names else command.usage("en") for command in COMMAND_LIST
    )
