"""The `paperbot` commands themselves (bot/runtime/cli.py reads the arguments first, without
importing any of this): each command on one App, stoppable by SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

# What every command, and a one-shot lookup above all, needs; the rest is imported by the
# command that uses it (benchmarks/bench_startup.py).
from bot.chat.paper_lookup import lookup
from bot.errors import BadInputError, LocalisedInputError, PaperbotError
from bot.ids import is_personal
from bot.models import ChannelRef, Report

if TYPE_CHECKING:  # parse, ingest and preview import it (with HTTP) when they run
    from bot.reports.resolve import ReportJob

from bot.runtime.cli import _AFTER_STOP, EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, Terminated
from bot.runtime.composition import App, unreachable_database_explained
from bot.runtime.config import Settings, load_settings
from bot.store.database import DEMO_SQLITE_FILE, default_database_url
from bot.text import count, display_width, pad


class _Sigterm:
    """What SIGTERM does to the one-shot command running: cancel it (an open transaction rolls
    back, the database is closed), unless a step that can stop gracefully has taken the signal
    over (`graceful`): then that step winds down and the command ends on its own."""

    def __init__(self) -> None:
        self.received = False
        self.stop: Callable[[], None] | None = None
        self.note: str | None = None  # what the graceful stop did, said with the stop

    @contextlib.contextmanager
    def graceful(self, stop: Callable[[], None]) -> Iterator[None]:
        self.stop = stop
        try:
            yield
        finally:
            self.stop = None


_SIGTERM: ContextVar[_Sigterm | None] = ContextVar("paperbot_sigterm", default=None)


async def run_command(args: argparse.Namespace) -> int:
    """The command, turned into `Terminated` when SIGTERM arrives: the work in flight is
    cancelled, or wound down where a command stops gracefully (`deliver`), and one line says so."""
    task = asyncio.current_task()
    sigterm = _Sigterm()
    _SIGTERM.set(sigterm)  # this task's context: the command's steps find it there

    def stop() -> None:
        sigterm.received = True
        # A second SIGTERM ends the process at once, as if paperbot had never caught the first.
        asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
        if sigterm.stop is not None:
            sigterm.stop()
        elif task is not None:
            task.cancel()

    if args.command != "run":
        # Windows has no loop signal handlers: there the default stop applies.
        with contextlib.suppress(NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)
    try:
        status = await _dispatch(args)
    except asyncio.CancelledError:
        if not sigterm.received:
            raise
        raise _terminated(args, None) from None
    if sigterm.received:  # stopped gracefully: what was done is said, then the stop
        raise _terminated(args, sigterm.note)
    return status


def _terminated(args: argparse.Namespace, note: str | None) -> Terminated:
    command = " ".join(filter(None, (args.command, getattr(args, "action", None))))
    said = "; ".join(filter(None, (note, _AFTER_STOP.get(command))))
    return Terminated(f"stopped by SIGTERM during {command}" + (f"; {said}" if said else ""))


async def _dispatch(args: argparse.Namespace) -> int:
    handler: Callable[[App, argparse.Namespace], Awaitable[int]] = _COMMANDS[args.command]
    # `parse`, and `preview` of a given report, read a report and store nothing: no database
    # (a preview of a date reads the archive's report of that day first).
    # `backup` copies the schema as it is: migrating first would back up the upgraded one.
    stores_nothing = args.command in ("parse", "backup") or (
        args.command == "preview" and args.report and _day_named(args.report) is None
    )
    serve = args.command == "run"  # a service's log is at INFO (App.start)
    settings = load_settings()
    if serve and not settings.has_platform:
        return await _run_console(args, settings)
    async with App.start(settings=settings, debug=args.debug, migrate=not stores_nothing, serve=serve) as app:
        return await handler(app, args)


async def _cmd_migrate(app: App, _args: argparse.Namespace) -> int:
    assert app.migration is not None  # App.start migrated: `migrate` is never started without
    print(app.migration.describe())
    return EXIT_OK


async def _cmd_backup(app: App, args: argparse.Namespace) -> int:
    from bot.store.backup import backup_sqlite
    from bot.store.database import sqlite_file

    url = app.engine.url
    if url.get_backend_name() != "sqlite":
        raise BadInputError(
            f"paperbot backup copies a SQLite file, and the database is "
            f"{url.render_as_string(hide_password=True)}: for PostgreSQL use pg_dump -Fc (see the "
            "operations page, Backup and restore)"
        )
    source = sqlite_file(url)
    if source is None:
        raise BadInputError(
            f"paperbot backup copies a SQLite file, and PAPERBOT_DATABASE_URL names none "
            f"({url.database!r}: in memory, or a file: URI): name the file itself"
        )
    done = await asyncio.to_thread(backup_sqlite, source, Path(args.file))
    revision = f"schema revision {done.revision}" if done.revision else "no paperbot schema"
    print(f"backed up {source.absolute()} ({revision}) to {done.path}: {done.size:,} bytes, owner-only")
    return EXIT_OK


async def _cmd_parse(app: App, args: argparse.Namespace) -> int:
    from bot.reports.resolve import resolve

    jobs = resolve(args.source, app.report_source, max_bytes=app.settings.max_report_bytes)
    if len(jobs) != 1:
        raise BadInputError(f"{args.source}: parse reads one report; this names {len(jobs)}")
    report = await _load(jobs[0])
    assert report is not None  # a single job is required to exist
    _print_warnings(report, verbose=args.verbose)
    if args.json:
        _print_json(report.to_json())
    else:
        print(f"{report.date}  {count(len(report.papers), 'paper')}  {report.source_url or ''}".rstrip())
        for paper in report.papers:
            print(f"  {paper.arxiv_id:<12} {paper.title}")
    return EXIT_OK


async def _cmd_ingest(app: App, args: argparse.Namespace) -> int:
    from bot.reports.resolve import resolve
    from bot.runtime.bulk_ingest import ingest_jobs

    limit = app.settings.max_report_bytes

    def note(text: str) -> None:  # a folder's files that are not reports
        print(text, file=sys.stderr)

    jobs = [
        job
        for argument in args.sources
        for job in resolve(argument, app.report_source, max_bytes=limit, on_note=note)
    ]

    def warn(report: Report) -> None:
        _print_warnings(report, verbose=args.verbose)

    failures = await ingest_jobs(app.archive, jobs, max_bytes=limit, warn=warn)
    if failures:
        print(f"paperbot: {failures} of {len(jobs)} reports could not be read", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


async def _cmd_lookup(app: App, args: argparse.Namespace) -> int:
    from bot.chat.query import names_a_week

    query = " ".join(args.query)
    if names_a_week(query, lookup=True):  # 2025-W53, a week no year has, is error.invalid_week
        # `last week`, `2026-W48`: searched as words, they found papers holding "week" or "2026".
        raise LocalisedInputError("error.lookup_week_cli", query=query.strip())
    # The topics are read only if the query is words (an id, a link or a day names no topic).
    hits = await lookup(
        app.archive,
        query,
        limit=args.limit,
        taxonomy=lambda: app.taxonomy,
        tz=app.settings.timezone,
    )
    if not hits and (await app.archive.counts())[0] == 0:
        # "no papers match" alone reads as a bad query. On the first day it is usually an archive
        # nothing was ingested into, or the demo's papers looked for in the default file.
        demo = (
            f"; the console demo (paperbot run) keeps its papers in its own file, {DEMO_SQLITE_FILE}"
            if app.settings.database_url is None
            else ""
        )
        print(
            "paperbot: the archive holds no report yet: ingest one first "
            f"(paperbot ingest FILE, or a date with PAPERBOT_REPORT_SOURCE set){demo}",
            file=sys.stderr,
        )
    if args.json:
        _print_json([hit.to_json() for hit in hits])
        return EXIT_OK
    if not hits:
        print("no papers match")
    for rank, hit in enumerate(hits, start=1):
        print(f"{rank:>2}. {hit.arxiv_id:<12} {hit.title}  ({hit.date})")
    return EXIT_OK


async def _cmd_preview(app: App, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from bot.chat.subscribing import parse_locale
    from bot.ranking.digest import build_digest
    from bot.reports.resolve import resolve
    from bot.topics.resolve import resolve_terms

    interests = resolve_terms(args.topics, app.taxonomy)
    locale = parse_locale(args.lang)
    day = _day_named(args.report) if args.report else await app.archive.latest_report_date()
    # A day the archive holds is previewed as channels received it; else the source is read.
    report = await app.archive.report(day) if day else None
    if report is None and args.report:
        jobs = resolve(args.report, app.report_source, max_bytes=app.settings.max_report_bytes)
        if len(jobs) != 1:
            raise BadInputError(f"{args.report}: preview reads one report; this names {len(jobs)}")
        report = await _load(jobs[0])
        assert report is not None
        _print_warnings(report)
    if report is None:
        raise BadInputError("the archive holds no report: give --report SOURCE, or ingest one first")
    digest = replace(
        build_digest(report, interests, app.taxonomy, locale=locale, limit=args.limit), more_hint="cli"
    )
    if args.json:
        _print_json([item.to_json() for item in digest.items])
        return EXIT_OK
    from handlers.console.prompt import make_console
    from handlers.console.render import digest_renderable

    make_console(sys.stdout).print(digest_renderable(digest))
    return EXIT_OK


def _day_named(text: str) -> dt.date | None:
    """The day `--report 2026-04-01` names; None for a file or URL."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


async def _cmd_topics(app: App, args: argparse.Namespace) -> int:
    if args.json:
        _print_json([topic.to_json() for topic in app.taxonomy])
        return EXIT_OK
    # Three columns, aligned by display width: a Chinese name takes two columns per character.
    rows = [(topic.name, " / ".join(topic.zh), ", ".join(topic.aliases)) for topic in app.taxonomy]
    name_width = max(display_width(name) for name, _, _ in rows) + 2
    zh_width = max(display_width(zh) for _, zh, _ in rows) + 2
    for name, zh, aliases in rows:
        print(f"{pad(name, name_width)}{pad(zh, zh_width)}— {aliases}")
    return EXIT_OK


async def _cmd_subscriptions(app: App, args: argparse.Namespace) -> int:
    from bot.chat.subscribing import read_import, to_export
    from bot.store.subscriptions import import_problem

    if args.action == "export":
        # Chat channels only: the console's demo channel is local state, not something to restore.
        everything = await app.subscriptions.all()
        entries = [to_export(sub, app.taxonomy) for sub in everything if sub.channel.platform != "console"]
        await _export_feedback(app, entries)
        await _export_last_digests(app, entries)
        text = json.dumps(entries, ensure_ascii=False, indent=2) + "\n"
        if args.file == "-":
            sys.stdout.write(text)
        else:
            _write_file(args.file, text)
            print(f"exported {count(len(entries), 'subscription')} to {args.file}", file=sys.stderr)
        left_out = _left_out_of_export(app, len(everything) - len(entries), len(entries))
        if left_out:
            print(f"paperbot: {left_out}", file=sys.stderr)
        return EXIT_OK
    raw = await _read_stdin() if args.file == "-" else _read_file(args.file)
    found = read_import(
        _json(raw, args.file), app.taxonomy, default_tz=app.settings.timezone, check=import_problem
    )
    items = found.subscriptions
    imported = await app.subscriptions.import_all(items, found.feedback, found.last_digests)
    stored, updated = len(items) - len(imported.skipped), imported.updated
    print(f"imported {count(stored, 'subscription')} ({stored - updated} new, {updated} updated)")
    for ref, owner in imported.skipped.items():
        # One channel, one digest: a second subscription would post every digest there twice.
        print(
            f"skipped {ref}: the channel is already subscribed from workspace {owner.workspace} "
            "(a channel shared between workspaces gets one digest)"
        )
    return EXIT_OK


def _left_out_of_export(app: App, console: int, exported: int) -> str | None:
    """Why an export holds fewer subscriptions than someone moving from the demo expects: "exported
    0 subscriptions" alone read as a lost #demo channel, or as a database emptied."""
    if console:
        return (
            f"left out {count(console, 'console subscription')}: the console demo's channel is a "
            "terminal, not a Slack or Discord channel; subscribe there with /paper subscribe"
        )
    if not exported and app.settings.database_url is None and Path(DEMO_SQLITE_FILE).exists():
        return (
            f"the console demo keeps its #demo channel in its own file, {DEMO_SQLITE_FILE}, and "
            "console subscriptions are not exported"
        )
    return None


def _json(text: str, name: str) -> Any:
    """`text` parsed as JSON; BadInputError, one line, for anything the parser refuses."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{name}: not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise BadInputError(f"{name}: JSON nested too deeply to be a subscriptions file") from None
    except ValueError as exc:  # an integer longer than Python's limit of 4,300 digits
        raise BadInputError(f"{name}: not usable JSON ({exc})") from None


async def _export_feedback(app: App, entries: list[dict[str, Any]]) -> None:
    """Add each channel's votes to its entry as `feedback` (channels without votes get none)."""
    votes = app.votes
    voting = await votes.channels_with_votes()
    for entry in entries:
        ref = ChannelRef(entry["platform"], entry["workspace"], entry["channel"])
        if ref in voting:
            entry["feedback"] = (await votes.preferences_for(ref)).to_json()


async def _export_last_digests(app: App, entries: list[dict[str, Any]]) -> None:
    """Add each channel's newest finished digest to its entry as `last_digest` (channels that
    never had one get none): imported into another database, that day is not delivered again."""
    from bot.chat.subscribing import last_digest_to_json

    last = await app.outbox.last_digests()
    for entry in entries:
        digest = last.get(ChannelRef(entry["platform"], entry["workspace"], entry["channel"]))
        if digest is not None:
            entry["last_digest"] = last_digest_to_json(digest)


async def _read_stdin() -> str:
    """Standard input, read in a daemon thread, so SIGTERM can stop a command waiting for it
    (a blocking read in the loop would hold the stop until end of input) and the process can
    exit without joining the thread."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()

    def read() -> None:
        text: str | None = None
        error: Exception | None = None
        try:
            text = sys.stdin.read()
        except UnicodeDecodeError:
            error = BadInputError("standard input: not UTF-8 text")
        except Exception as exc:  # handed to the waiting coroutine, not lost in the thread
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop closed: paperbot is exiting
            loop.call_soon_threadsafe(_settle, done, text, error)

    threading.Thread(target=read, name="paperbot-stdin", daemon=True).start()
    return await done


def _settle(future: asyncio.Future[str], text: str | None, error: BaseException | None) -> None:
    if future.done():  # the command was stopped while it waited
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(text or "")


def _read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise BadInputError(f"{path}: not UTF-8 text") from None


def _write_file(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise PaperbotError(f"cannot write {path}: {exc.strerror}") from None


async def _cmd_deliver(app: App, args: argparse.Namespace) -> int:
    from handlers.publishers import publishers

    if args.date is not None and await app.archive.report(args.date) is None:
        raise BadInputError(f"no report for {args.date} in the archive")
    from bot.delivery.deliverer import SHUTDOWN_GRACE
    from bot.delivery.planner import PlanNotes
    from bot.delivery.report import Unsettled, describe, settle, unsettled

    notes = PlanNotes()
    sigterm = _SIGTERM.get() or _Sigterm()  # none: called without run_command (no signal)
    grace = SHUTDOWN_GRACE.total_seconds()
    # One platform's outage must not keep the other's digests from going out: it is named in
    # `unavailable` and its digests wait, pending, for a pass that reaches it.
    unavailable: dict[str, str] = {}
    async with publishers(app, sys.stdout, unavailable) as found:
        deliverer = app.deliverer(found, unavailable)
        stopping: list[asyncio.Task[int]] = []

        def stop() -> None:
            # As `run` stops (Scheduler.shutdown): claim nothing new, let the digests in flight
            # finish for up to the grace period, then release the rest for another deliverer
            # to take over at once, not after their lease: a re-run right away finds them free.
            stopping.append(asyncio.ensure_future(deliverer.shutdown(grace)))

        try:
            with sigterm.graceful(stop):
                outcomes = await deliverer.run_pass(day=args.date, force=args.now, notes=notes)
                if args.wait and not deliverer.stopping:

                    def waiting(open_: Unsettled) -> None:
                        print(f"waiting for {len(open_.held)} held by other deliverers…", file=sys.stderr)

                    waited = await settle(deliverer, clock=deliverer.clock, on_wait=waiting, notes=notes)
                    for status, n in waited.items():
                        outcomes[status] = outcomes.get(status, 0) + n
        finally:
            # The releases are written before the clients and the database close, whatever ended the pass.
            released = await stopping[0] if stopping else None
        if released is not None:
            sigterm.note = (
                f"{released} {'digest' if released == 1 else 'digests'} still in flight after {grace:g} s "
                "released, for another deliverer to take over now"
                if released
                else "the digests in flight were finished"
            ) + "; anything not started is left for the next pass"
        left = await unsettled(deliverer, deliverer.clock())
    if notes.unusable_zone:  # failed at planning (their zone): a failure like any other
        outcomes["failed"] = outcomes.get("failed", 0) + len(notes.unusable_zone)
    # Said once the platforms' clients are closed: the process ends with these lines.
    for line in describe(outcomes, notes, left, deliverer.clock(), catch_up=deliverer.catch_up):
        print(line, file=sys.stderr)
    return EXIT_FAILURE if outcomes.get("failed") else EXIT_OK


# What `deliveries` shows without --limit on a terminal; --json gives every row by default, as a
# script reading it must not get part of the list without noticing.
DELIVERIES_SHOWN = 1000


async def _cmd_deliveries(app: App, args: argparse.Namespace) -> int:
    from bot.store.outbox import WEEK_KIND

    limit = args.limit if args.limit is not None else (0 if args.json else DELIVERIES_SHOWN)
    rows = await app.outbox.list(day=args.date, status=args.status, limit=limit or None)
    if limit and len(rows) == limit:
        # A cut that hid rows says so, on stderr (stdout stays the list, or valid JSON).
        total = await app.outbox.count(day=args.date, status=args.status)
        if total > len(rows):
            print(
                f"showing the newest {len(rows):,} of {total:,} deliveries; --limit 0 for all",
                file=sys.stderr,
            )
    if args.json:
        _print_json([row.to_json() for row in rows])
        return EXIT_OK
    if not rows:
        print("no deliveries")
    for row in rows:
        ref = row.channel
        error = f"  — {row.last_error}" if row.last_error else ""
        personal = " (personal)" if is_personal(ref) else ""  # a reader's DM with the app
        week = " (week)" if row.kind == WEEK_KIND else ""  # a weekly digest, keyed by the channel's day
        where = f"{ref.platform}:{ref.workspace}/{ref.channel}{personal}{week}"
        print(
            f"{row.report_date}  {row.status:<8} {where}  "
            f"due {row.due_at:%Y-%m-%d %H:%M}Z  attempts {row.attempts}{error}"
        )
    return EXIT_OK


async def _cmd_run(app: App, _args: argparse.Namespace) -> int:
    from bot.store.deployment import console_channels, record_platform_run

    """`run` with platform credentials: the service. Its start marks the database as a platform
    deployment's, which the console demo then never writes into."""
    from handlers.service import run_service

    served = [
        platform
        for platform, configured in (
            ("slack", app.settings.slack_mode is not None),
            ("discord", app.settings.discord_token is not None),
        )
        if configured
    ]
    await record_platform_run(app.engine, served, dt.datetime.now(dt.UTC))
    leftovers = await console_channels(app.engine)
    if leftovers:
        logging.getLogger("paperbot.service").warning(
            "the database holds %s left by a console demo run against it; this process never "
            "delivers them (remove them with: DELETE FROM subscriptions WHERE platform = 'console')",
            count(leftovers, "console channel"),
        )
    return await run_service(app, sys.stdout)


async def _run_console(args: argparse.Namespace, settings: Settings) -> int:
    """`run` without platform credentials: the console demo, which writes the sample report and
    its #demo channel into its database. So it runs on its own SQLite file (DEMO_SQLITE_FILE)
    unless PAPERBOT_DATABASE_URL names one, and never on a platform deployment's database: that
    is refused before anything, the schema included, is written."""
    from bot.store.deployment import platform_evidence

    if args.require_platform:
        raise BadInputError(
            "no chat platform is configured, and `run --require-platform` never starts the console "
            "demo: set DISCORD_TOKEN, or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or "
            "SLACK_SIGNING_SECRET (HTTP mode), or SLACK_CLIENT_ID for many workspaces "
            "(see deploy/.env.example)"
        )
    from handlers.console.prompt import run_console

    own_file = settings.database_url is None
    if own_file:
        settings = settings.model_copy(update={"database_url": default_database_url(name=DEMO_SQLITE_FILE)})
    async with App.start(settings=settings, debug=args.debug, migrate=False, serve=True) as app:
        where = app.engine.url.render_as_string(hide_password=True)
        with unreachable_database_explained(app.engine):
            reason = await platform_evidence(app.engine)
        if reason is not None and own_file:
            raise BadInputError(
                f"console mode will not use its demo database {DEMO_SQLITE_FILE}: it belongs to a "
                f"platform deployment ({reason}); set PAPERBOT_DATABASE_URL to another SQLite file "
                "for the demo"
            )
        if reason is not None:
            raise BadInputError(
                f"console mode will not write its demo into PAPERBOT_DATABASE_URL ({where}): that "
                f"database belongs to a platform deployment ({reason}). Leave PAPERBOT_DATABASE_URL "
                f"empty to run the demo on its own file ({DEMO_SQLITE_FILE}), or set the Slack or "
                "Discord credentials to run the bot"
            )
        await app.migrate()
        return await run_console(app, sys.stdin, sys.stdout, database=DEMO_SQLITE_FILE if own_file else None)


_COMMANDS: dict[str, Callable[[App, argparse.Namespace], Awaitable[int]]] = {
    "run": _cmd_run,
    "ingest": _cmd_ingest,
    "parse": _cmd_parse,
    "lookup": _cmd_lookup,
    "preview": _cmd_preview,
    "topics": _cmd_topics,
    "subscriptions": _cmd_subscriptions,
    "backup": _cmd_backup,
    "deliver": _cmd_deliver,
    "deliveries": _cmd_deliveries,
    "migrate": _cmd_migrate,
}


async def _load(job: ReportJob) -> Report | None:
    report = await job.load()
    if report is None and job.required:
        raise BadInputError(f"{job.label}: no report published for this date")
    return report


def _print_warnings(report: Report, stream: TextIO | None = None, *, verbose: bool = False) -> None:
    """A report's warnings: its summary lines, and with `verbose` the per-paper detail too."""
    for warning in report.warnings:
        if warning.detail and not verbose:
            continue
        print(f"warning: {report.date}: {warning}", file=stream or sys.stderr)


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
