# PYTHON_ARGCOMPLETE_OK  (shell completion with the optional `completion` extra: see _complete)
"""The `paperbot` command (CONTRACT.md): argument parsing, exit statuses, one-line errors.

This module imports almost nothing, so that `paperbot --help`, a bad argument and shell
completion answer at once; the commands themselves, and the database, chat and HTTP libraries
they need, are imported only once the arguments are read (bot/runtime/cli_commands.py).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import os
import re
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

from bot import __version__
from bot.errors import BadInputError, PaperbotError
from bot.models import DEFAULT_LOOKUP_LIMIT, DELIVERY_STATUSES, MAX_LOOKUP_LIMIT

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, as every paperbot error; `--help` still shows the full usage.
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}{_dash_hint(message)} (see '{self.prog} --help')\n")


def _dash_hint(message: str) -> str:
    """argparse reads any word starting with '-' as an option (`--topics -survey`, `lookup
    diffusion -survey`); say how to pass such a value."""
    option = re.match(r"argument (--[\w-]+): expected one argument", message)
    if option:
        return f"; write {option.group(1)}=VALUE for a value that starts with '-' (--topics=-survey)"
    if re.match(r"unrecognized arguments: (.* )?-[^-\s]", message):
        return "; put '--' before a query with words that start with '-' (lookup -- diffusion -survey)"
    return ""


def _debug_anywhere(parser: argparse.ArgumentParser) -> None:
    """Accept `--debug` after any subcommand too (`paperbot ingest --debug x.md`). SUPPRESS keeps a
    subcommand that was not given it from resetting the one given before the subcommand."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
                _debug_anywhere(sub)


_DEBUG_HELP = "show tracebacks and debug logs"


_VERBOSE_HELP = "list every paper behind a warning's summary (which papers lack which section)"

# Read by every command (from the environment, or a .env file in the working directory).
_COMMON_VARIABLES = (
    ("PAPERBOT_DATABASE_URL", "the database (default: a SQLite file in the working directory)"),
    ("PAPERBOT_LOG_LEVEL", "DEBUG, INFO, WARNING or ERROR (--debug wins)"),
    ("PAPERBOT_LOG_FORMAT", "auto, json or text"),
)
_REPORT_VARIABLES = (
    ("PAPERBOT_REPORT_SOURCE", "where a date's report comes from: hf-api, a folder or a URL template"),
    ("PAPERBOT_MAX_REPORT_BYTES", "the largest report read"),
    ("HF_ENDPOINT", "the Hugging Face API's address, for PAPERBOT_REPORT_SOURCE=hf-api"),
)
_PLATFORM_VARIABLES = (
    ("SLACK_BOT_TOKEN, SLACK_APP_TOKEN", "Slack in Socket Mode"),
    ("SLACK_SIGNING_SECRET", "Slack over HTTP (with SLACK_BOT_TOKEN)"),
    ("SLACK_CLIENT_ID, SLACK_CLIENT_SECRET", "Slack for many workspaces (OAuth)"),
    ("DISCORD_TOKEN, DISCORD_GUILD_ID", "Discord"),
    ("PAPERBOT_OPERATOR_CHANNEL", "where notices for the operator go"),
    ("PAPERBOT_CATCH_UP_HOURS", "how late a missed digest is still delivered"),
)


def _epilog(examples: Sequence[str], variables: Sequence[tuple[str, str]] = ()) -> str:
    """A subcommand's `--help` tail: examples, then the environment variables it reads."""
    lines = ["examples:", *(f"  {example}" for example in examples), "", "environment:"]
    width = max(len(name) for name, _ in (*variables, *_COMMON_VARIABLES))
    lines += [f"  {name:<{width}}  {meaning}" for name, meaning in (*variables, *_COMMON_VARIABLES)]
    return "\n".join(lines)


def _command(
    commands: Any, name: str, help: str, examples: Sequence[str], *variables: tuple[str, str]
) -> Any:
    """A subcommand whose `--help` ends with its examples and environment variables."""
    return commands.add_parser(
        name,
        help=help,
        description=help[0].upper() + help[1:] + ".",
        epilog=_epilog(examples, variables),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="paperbot", description="Daily AI papers for your team's chat channels.")
    parser.add_argument("--version", action="version", version=f"paperbot {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    run = _command(
        commands,
        "run",
        "run the bot (console mode when no chat platform is configured)",
        (
            "paperbot run                              # the console demo: type /paper help",
            "printf '/paper help\\n' | paperbot run     # a script of /paper lines",
            "SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… paperbot run --require-platform",
        ),
        *_PLATFORM_VARIABLES,
        ("PAPERBOT_TIMEZONE", "the default time zone of new subscriptions"),
        ("PAPERBOT_HTTP_HOST, PAPERBOT_HTTP_PORT", "where Slack's HTTP mode and /metrics listen"),
        _REPORT_VARIABLES[0],
    )
    run.add_argument(
        "--require-platform",
        action="store_true",
        help="exit with status 2 instead of starting the console demo when no chat platform is "
        "configured (what a service wants: deploy/)",
    )

    ingest = _command(
        commands,
        "ingest",
        "fetch and parse reports into the archive",
        (
            "paperbot ingest reports/2026-04-01.md",
            "paperbot ingest reports/                  # every report in a folder",
            "paperbot ingest 2026-04-01..2026-04-07    # dates, from PAPERBOT_REPORT_SOURCE",
        ),
        *_REPORT_VARIABLES,
    )
    ingest.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="a report file, a folder of reports, a URL, a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD",
    )
    ingest.add_argument("--verbose", "-v", action="store_true", help=_VERBOSE_HELP)

    parse = _command(
        commands,
        "parse",
        "parse one report and print it, storing nothing",
        ("paperbot parse reports/2026-04-01.md", "paperbot parse 2026-04-01 --json --verbose"),
        *_REPORT_VARIABLES,
    )
    parse.add_argument("source", metavar="SOURCE", help="a report file, a URL or a date YYYY-MM-DD")
    parse.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parse.add_argument("--verbose", "-v", action="store_true", help=_VERBOSE_HELP)

    lookup = _command(
        commands,
        "lookup",
        "search the archive as `/paper QUERY` does",
        (
            "paperbot lookup 2604.01234",
            "paperbot lookup 机器人 --json --limit 2",
            "paperbot lookup -- diffusion -survey      # words that start with '-' after --",
        ),
    )
    lookup.add_argument("query", nargs="+", metavar="QUERY", help="an arXiv id, a paper URL, a date or words")
    lookup.add_argument(
        "--limit",
        type=_limit,
        default=DEFAULT_LOOKUP_LIMIT,
        metavar="N",
        help=f"at most N results, 1 to {MAX_LOOKUP_LIMIT} (default: {DEFAULT_LOOKUP_LIMIT})",
    )
    lookup.add_argument("--json", action="store_true", help="print a JSON list")

    preview = _command(
        commands,
        "preview",
        "show what a channel following some topics would receive",
        (
            'paperbot preview --topics "RL, 视频生成"',
            "paperbot preview --report 2026-04-01 --topics=-survey,agents --lang zh",
        ),
        *_REPORT_VARIABLES,
    )
    preview.add_argument(
        "--report", metavar="SOURCE", help="a report file, URL or date (default: the newest archived report)"
    )
    preview.add_argument(
        "--topics",
        required=True,
        metavar="TOPICS",
        help='comma-separated topics or keywords: "RL, 视频生成"; a list that starts with "-" (an '
        "exclusion) goes after '=': --topics=-survey",
    )
    preview.add_argument("--json", action="store_true", help="print a JSON list of the matched papers")
    preview.add_argument(
        "--limit",
        type=_limit,
        metavar="N",
        help=f"show at most N papers, 1 to {MAX_LOOKUP_LIMIT} (default: every match)",
    )
    preview.add_argument(
        "--lang", default="en", metavar="en|zh", help="language of labels and reasons (default: en)"
    )

    topics = _command(
        commands,
        "topics",
        "list the built-in topics with their aliases",
        ("paperbot topics", "paperbot topics --json"),
    )
    topics.add_argument("--json", action="store_true", help="print a JSON list")

    subscriptions = _command(
        commands,
        "subscriptions",
        "export or import channel subscriptions",
        (
            "paperbot subscriptions export backup.json",
            "paperbot subscriptions import backup.json",
            "paperbot subscriptions export | ssh new-host paperbot subscriptions import -",
        ),
        ("PAPERBOT_TIMEZONE", "the time zone of an imported subscription that names none"),
    )
    actions = subscriptions.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=_Parser
    )
    export = actions.add_parser("export", help="write every subscription as JSON")
    export.add_argument("file", nargs="?", default="-", metavar="FILE", help="output file (default: stdout)")
    load = actions.add_parser("import", help="create or update subscriptions from a JSON file")
    load.add_argument("file", metavar="FILE", help="a JSON file as written by export, or - for stdin")

    deliver = _command(
        commands,
        "deliver",
        "one delivery pass: every digest that is due, then exit",
        (
            "paperbot deliver                          # from cron, after the day's ingest",
            "paperbot deliver --date 2026-04-01 --now --wait",
        ),
        *_PLATFORM_VARIABLES,
    )
    deliver.add_argument(
        "--date", type=_date, help="deliver the digest of this report date (default: the newest)"
    )
    deliver.add_argument("--now", action="store_true", help="treat every subscription as due now")
    deliver.add_argument(
        "--wait",
        action="store_true",
        help="then wait until deliveries other deliverers hold are settled (taking over any whose "
        "deliverer died)",
    )

    deliveries = _command(
        commands,
        "deliveries",
        "what was delivered, to whom, and what failed",
        (
            "paperbot deliveries --status failed",
            "paperbot deliveries --date 2026-04-01 --json",
            "paperbot deliveries --date 2026-04-01 --limit 0    # every row, however many",
        ),
    )
    deliveries.add_argument("--date", type=_date, help="only this report date")
    deliveries.add_argument("--status", choices=DELIVERY_STATUSES, help="only this status")
    deliveries.add_argument(
        "--json", action="store_true", help="print a JSON list (every row, unless --limit)"
    )
    deliveries.add_argument(
        "--limit",
        type=_row_limit,
        metavar="N",
        help="show the newest N (0: all; default: 1,000, or all with --json); a cut is said on stderr",
    )

    _command(
        commands,
        "migrate",
        "bring the database schema up to date",
        ("paperbot migrate                          # before starting a new version",),
    )

    backup = _command(
        commands,
        "backup",
        "copy a SQLite database, safely while paperbot runs",
        ("paperbot backup paperbot-$(date +%F).db   # before an upgrade",),
    )
    backup.add_argument("file", metavar="FILE", help="the new file to write (never overwritten)")
    _debug_anywhere(parser)
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: use YYYY-MM-DD") from None


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid limit {text!r}: give a whole number") from None
    if not 1 <= value <= MAX_LOOKUP_LIMIT:
        raise argparse.ArgumentTypeError(f"limit must be between 1 and {MAX_LOOKUP_LIMIT}")
    return value


def _row_limit(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid limit {text!r}: give a whole number (0: all)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid limit {text!r}: give 0 (all) or more")
    return value


class Terminated(PaperbotError):
    """SIGTERM stopped a one-shot command (`run` stops gracefully on its own: handlers/runtime.py)."""


# What is safe after a one-shot command was stopped midway, said with the stop.
_AFTER_STOP = {
    "ingest": "the reports archived before it are kept, and ingest is idempotent: running it again is safe",
    "subscriptions import": "an import is all-or-nothing, so running it again is safe",
    "deliver": "no digest is lost or sent twice, so running it again is safe",
}
EXIT_TERMINATED = 128 + signal.SIGTERM  # what a shell reports for a process SIGTERM ended


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    _complete(parser)
    args = parser.parse_args(argv)
    if args.command != "ingest":
        return _run(args, freeze=argv is None)
    # Before the imports, so that the workers read the first reports meanwhile (issue 17).
    from bot.runtime.ingest_workers import start_early, stop_early

    # Until the command's event loop takes SIGTERM over, it stops the command here, so that the
    # workers started now are stopped too: by default it ended the process at once, leaving them.
    previous = signal.signal(signal.SIGTERM, _terminated_while_starting)
    try:
        start_early(args.sources)
        return _run(args, freeze=argv is None)
    except Terminated as exc:
        print(f"paperbot: {exc}", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        stop_early()  # the command ended before ingesting (an error, a stop): the workers stop too
        signal.signal(signal.SIGTERM, previous)


def _terminated_while_starting(signum: int, frame: object) -> None:
    raise Terminated("stopped by SIGTERM while starting; nothing was archived")


def _run(args: argparse.Namespace, *, freeze: bool) -> int:
    with _collector_paused(freeze=freeze):
        from bot import aio  # asyncio: a third of `--help`'s imports, and --help needs no loop
        from bot.runtime.cli_commands import run_command

    try:
        return aio.run(run_command(args))
    except KeyboardInterrupt:
        return 130
    except Terminated as exc:
        print(f"paperbot: {exc}", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        # `paperbot topics | head`: the reader left; say nothing, and keep Python's exit-time
        # flush from raising again (the recipe of the `signal` module's documentation).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except BadInputError as exc:
        return _fail(exc, EXIT_BAD_INPUT, args.debug)
    except PaperbotError as exc:
        return _fail(exc, EXIT_FAILURE, args.debug)
    except Exception as exc:
        if isinstance(exc, OSError) and _working_directory_gone():
            gone = BadInputError(
                "the working directory no longer exists (deleted or moved): cd to an existing "
                "directory, or give PAPERBOT_DATABASE_URL and every path in full"
            )
            return _fail(gone, EXIT_BAD_INPUT, args.debug)
        return _fail(exc, EXIT_FAILURE, args.debug, unexpected=True)


@contextlib.contextmanager
def _collector_paused(*, freeze: bool) -> Iterator[None]:
    """Import the commands with the cyclic garbage collector off; with `freeze`, then move what
    was imported out of its sight for the rest of the process (gc.freeze).

    Why (issue 17): importing SQLAlchemy and pydantic creates ~65,000 objects that live as long as
    the process, and the collector traversed them again and again while they were created, and
    once more when the interpreter finalized: about a third of a one-shot lookup's CPU time on the
    benchmarks' VM (docs/benchmarks.md). Frozen, they are never traversed; the little cyclic
    garbage the imports left is kept, once, not collected. Only for the `paperbot` process itself
    (`freeze`: main() called without argv, as the console script and `python -m bot` call it): a
    caller passing argv, such as a test, keeps its collector as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def _complete(parser: argparse.ArgumentParser) -> None:
    """Shell completion, when a shell asks for it (argcomplete sets _ARGCOMPLETE) and the optional
    `completion` extra is installed: `eval "$(register-python-argcomplete paperbot)"`. Nothing is
    imported otherwise, so start-up stays as fast."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    import importlib

    with contextlib.suppress(ImportError):
        importlib.import_module("argcomplete").autocomplete(parser)  # exits after completing


def _working_directory_gone() -> bool:
    try:
        os.getcwd()
    except OSError:
        return True
    return False


def _fail(exc: BaseException, status: int, debug: bool, *, unexpected: bool = False) -> int:
    if debug:
        traceback.print_exception(exc)
    message = f"{type(exc).__name__}: {exc}" if unexpected else str(exc)
    hint = " (run with --debug for details)" if unexpected and not debug else ""
    # Every configuration problem on a line of its own; any other error is one line.
    from bot.runtime.config import ConfigurationError

    text = message if isinstance(exc, ConfigurationError) else _one_line(message)
    print(f"paperbot: error: {text}{hint}", file=sys.stderr)
    return status


# A database error quotes its statement and parameters: an import's once ran past a megabyte.
_LONGEST_ERROR = 400


def _one_line(message: str) -> str:
    text = " ".join(message.split())
    return text if len(text) <= _LONGEST_ERROR else f"{text[: _LONGEST_ERROR - 1]}…"
