"""Console mode: the zero-configuration bot in a terminal, scriptable through stdin.

On start it fills the archive (the bundled sample, or today's report from the configured
source), subscribes a demo channel if it follows nothing yet and, on that first start only,
prints the channel's digest (`/paper digest` shows it again), then answers `/paper …` lines
exactly as the chat platforms do, until end of input or /quit (or quit, exit).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TextIO

from rich.console import Console

from bot.chat.commands import CommandContext, failure_reply, handle_paper_command
from bot.chat.use_cases import NoReportError, channel_digest, subscribe
from bot.delivery.scheduler import poll_reports
from bot.errors import BadInputError, SourceError
from bot.i18n import t, wrote_chinese
from bot.models import ChannelRef
from bot.reports.sources.local import LocalSource
from bot.runtime.composition import App
from bot.runtime.config import SAMPLE_REPORT
from bot.text import count
from handlers.console.lines import LineReader, make_reader
from handlers.console.render import digest_renderable, reply_renderable

log = logging.getLogger("paperbot.console")

# `quit` and `exit` as other REPLs take them (Python's among them): no /paper line is a bare word,
# so leaving on one never swallows a command.
QUIT = frozenset({"/quit", "/exit", "/q", "quit", "exit", "/退出", "退出"})
# What a first-day user types for help, besides `/paper help`.
HELP_WORDS = frozenset({"help", "/help", "帮助", "/帮助", "?", "/?"})
DEMO_CHANNEL = ChannelRef("console", "local", "demo")
# What the demo channel follows on first start: three topics most labs care about, one
# of them typed in Chinese, so the first screen shows both languages at work.
DEMO_TOPICS = "video generation, RL, 智能体"


def utc_today() -> dt.date:
    """The day whose report is asked for first: today in UTC, as `paperbot run`'s poller asks
    (Hugging Face's lists are dated by the UTC day)."""
    return dt.datetime.now(dt.UTC).date()


async def seed_archive(app: App, console: Console) -> None:
    """Fill the archive on start: the bundled sample, or the configured source's reports of
    today and yesterday, as `paperbot run`'s poller reads them (bot/delivery/scheduler.py).
    Today's alone left the demo empty whenever today had no report yet: every day until
    Hugging Face's list got its first paper (about 01:00 UTC), and on days without papers."""

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)

    if app.settings.report_source is None:
        try:
            report = await LocalSource(SAMPLE_REPORT).read()
        except (BadInputError, SourceError) as exc:
            say(f"(could not read the sample report: {exc})")
            return
        try:
            result = await app.archive.ingest(report, origin=str(SAMPLE_REPORT))
        except BadInputError as exc:  # an empty report for a day already archived: kept
            say(f"({exc})")
            return
        say(result.describe())
        return
    try:
        source = app.report_source()
    except BadInputError as exc:
        say(f"(could not read today's report: {exc})")
        return
    await poll_reports(
        source,
        app.archive,
        utc_today(),
        heard=lambda result: say(result.describe()),
        failed=lambda day, error: say(f"(could not read the report of {day}: {error})"),
    )


# Said on a later start instead of the digest. Console-only English, as the welcome line is.
# Bilingual in one line, like the welcome line below it: the console has no caller's locale yet.
DIGEST_AGAIN = "Type /paper digest for today's digest of #{channel} (/paper 日报)."


async def ensure_demo_subscription(app: App, console: Console) -> bool:
    """Subscribe the demo channel if it has no subscription yet; whether it was (the demo's
    first start on this database)."""
    first = await app.subscriptions.get(DEMO_CHANNEL) is None
    if first:
        await subscribe(
            app.subscriptions,
            app.taxonomy,
            DEMO_CHANNEL,
            DEMO_TOPICS,
            user="console",
            default_tz=app.settings.timezone,
        )
        console.print(
            f"Subscribed the demo channel #{DEMO_CHANNEL.channel} to {DEMO_TOPICS} "
            "(change it with /paper subscribe … and /paper unsubscribe …).",
            markup=False,
            highlight=False,
        )
    return first


async def show_digest(app: App, console: Console) -> None:
    subscription = await app.subscriptions.get(DEMO_CHANNEL)
    if subscription is None or not subscription.interests:
        return
    try:
        digest = await channel_digest(
            app.archive, app.taxonomy, subscription.interests, locale=subscription.locale
        )
    except NoReportError:
        return
    console.print(digest_renderable(digest))


def make_console(out: TextIO) -> Console:
    # A fixed width off a terminal keeps scripted output (`printf … | paperbot run`) stable.
    interactive = out.isatty()
    return Console(file=out, highlight=False, width=None if interactive else 100, soft_wrap=False)


async def run_console(
    app: App,
    stdin: TextIO,
    out: TextIO,
    *,
    database: str | None = None,
    reader: LineReader | None = None,
) -> int:
    """Read `/paper …` lines until end of input or /quit; status 0 either way. `database`: the
    demo's own file, named on the welcome line (other commands use PAPERBOT_DATABASE_URL's).
    `reader`: where lines come from (default: handlers.console.lines.make_reader's choice).

    The digest is printed on the first start only, known by the demo channel having no
    subscription yet: a later start against the same database says how to see it again."""
    console = make_console(out)
    await seed_archive(app, console)
    if await ensure_demo_subscription(app, console):
        await show_digest(app, console)
    else:
        console.print(DIGEST_AGAIN.format(channel=DEMO_CHANNEL.channel), markup=False, highlight=False)
    reports, papers = await app.archive.counts()
    kept = f" in {database}" if database else ""
    console.print(
        f"paperbot console mode — {count(papers, 'paper')} in {count(reports, 'report')} archived{kept}; "
        f"you are in #{DEMO_CHANNEL.channel}. Type /paper help (/paper 帮助), or /quit to leave.",
        markup=False,
    )
    context = CommandContext(
        archive=app.archive,
        store=app.subscriptions,
        taxonomy=app.taxonomy,
        channel=DEMO_CHANNEL,
        user="console",
        default_tz=app.settings.timezone,
        votes=app.votes,
    )
    lines = reader or make_reader(stdin, out, app.taxonomy)
    while True:
        line = await lines.read()
        if line is None:
            return 0
        line = line.strip()
        if not line:
            continue
        if line.lower() in QUIT:
            return 0
        # A Chinese keyboard types the slash and the space full-width (／paper　订阅): the same command.
        words = line.replace("／", "/").split(maxsplit=1)
        command, arguments = words[0], words[1] if len(words) > 1 else ""
        if command.lower() != "/paper":
            locale = "zh" if wrote_chinese(line) else "en"
            console.print(not_a_command(command, arguments, locale), markup=False, highlight=False)
            continue
        await answer(console, context, arguments)
        out.flush()


def not_a_command(command: str, arguments: str, locale: str) -> str:
    """The reply to a line that is no /paper command: the /paper line it most likely meant
    (`paper help` without its slash, `/help`), or where commands start."""
    meant: str | None = None
    if command.lower() in ("paper", "/papers", "papers"):
        meant = f"/paper {arguments}".rstrip()
    elif command.lower() in HELP_WORDS and not arguments:
        meant = "/paper 帮助" if locale == "zh" else "/paper help"
    if meant is None:
        return t("console.not_a_command", locale)
    return t("console.did_you_mean", locale, command=meant)


async def answer(console: Console, context: CommandContext, arguments: str) -> None:
    """One `/paper` line answered; whatever goes wrong, the session goes on to the next line."""
    try:
        console.print(reply_renderable(await handle_paper_command(context, arguments)))
    except Exception:
        # The core answers its own failures; this is the rendering. Logged once, then a reply.
        log.exception("/paper: could not show the reply")
        console.print(failure_reply(None, arguments, "failed.logged").text, markup=False, highlight=False)
