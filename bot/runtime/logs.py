"""Logging: JSON lines for machines, text for a terminal, context ids on every line, no secrets.

`configure_logging` routes every logger (paperbot's, slack_sdk's, discord's, …) to one stderr
handler; stdout stays the program's output. Code marks what it is working on with
`log_context`, and every line logged inside the block, by any logger, in this task or in the
tasks it starts, carries those ids. Before a record is written, `RedactingFilter` removes the
configured secrets and anything shaped like a token from its message, traceback and fields.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, TextIO

from bot.runtime.config import Settings

REDACTED = "[redacted]"

# Fields of every JSON line; context ids and `extra=` fields may not take these names.
BASE_FIELDS = ("ts", "level", "logger", "msg", "exc", "stack")

# Libraries that log every request or job at INFO: below DEBUG they speak only of problems.
CHATTY_LOGGERS = ("httpx", "httpcore", "apscheduler", "alembic", "aiohttp.access")

# The database layers: at DEBUG, SQLAlchemy logs every statement and its parameters, and
# aiosqlite every call it hands its thread. `--debug` is for paperbot's own lines, so these
# speak only of problems at every level.
SQL_LOGGERS = ("sqlalchemy", "aiosqlite", "asyncpg")

# A secret shorter than this is redacted only where a pattern finds it (a URL's password):
# replacing every "pw" in every line would garble the logs without protecting anything.
MIN_SECRET_LENGTH = 6

_EMPTY: Mapping[str, str] = MappingProxyType({})
_context: ContextVar[Mapping[str, str]] = ContextVar("paperbot_log_context", default=_EMPTY)
_CONTEXT_ATTRIBUTE = "paperbot_context"
_RECORD_ATTRIBUTES = frozenset(
    [*logging.LogRecord("", 0, "", 0, "", None, None).__dict__, "message", "asctime", _CONTEXT_ATTRIBUTE]
)


def new_command_id() -> str:
    """A short random id for one chat command (8 hex digits)."""
    return secrets.token_hex(4)


@contextmanager
def log_context(**ids: object) -> Iterator[None]:
    """Add ids (`delivery="d42"`, `command=new_command_id()`) to every line logged inside the block.

    Blocks nest (inner ids win); None values are left out. The ids follow the code across
    awaits and into tasks created inside the block (they live in a contextvar), never into
    other tasks. Enter and leave the block in the same task.
    """
    clash = set(ids) & {*BASE_FIELDS, *_RECORD_ATTRIBUTES}
    if clash:
        raise ValueError(f"log context names {sorted(clash)} are taken by every log line")
    added = {name: str(value) for name, value in ids.items() if value is not None}
    token = _context.set(MappingProxyType({**_context.get(), **added}))
    try:
        yield
    finally:
        _context.reset(token)


def context_ids() -> Mapping[str, str]:
    """The ids `log_context` set for the code running now."""
    return _context.get()


class Redactor:
    """Replaces secrets in text: the exact values given, and anything shaped like a credential."""

    # Each pattern's first group, if it has one, stays (a header's name, a URL's user name). A
    # pattern runs only on text holding one of its hints (in lower case): most lines hold none.
    _PATTERNS = (
        # Slack: bot, user, configuration and refresh tokens (xoxb-, xoxp-, xoxe.xoxp-, …).
        (("xox",), re.compile(r"\bxox[a-z](?:\.xox[a-z])?-[A-Za-z0-9-]+")),
        # Slack app-level tokens (Socket Mode).
        (("xapp-",), re.compile(r"\bxapp-[A-Za-z0-9-]+")),
        # Discord bot tokens (base64 user id . timestamp . HMAC), and JWTs, which share the shape.
        (
            (".",),
            re.compile(r"(?<![\w.-])[A-Za-z0-9_-]{23,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{27,}(?![\w-])"),
        ),
        # An Authorization header's credentials: `Bearer …`, `Basic …`, Discord's `Bot …`.
        (
            ("authorization",),
            re.compile(
                r"(?i)(\bauthorization['\"]?\s*[:=]\s*['\"]?(?:bearer\s+|basic\s+|bot\s+)?)[^\s'\",}]+"
            ),
        ),
        (("bearer",), re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}")),
        # A password in a URL: scheme://user:password@host.
        (("://",), re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:)[^\s/@]+(?=@)")),
        # A secret as a named value, as request bodies and OAuth responses carry them.
        (
            ("passw", "secret", "token"),
            re.compile(
                r"(?i)((?<![A-Za-z0-9])(?:password|passwd|client_secret|signing_secret|access_token"
                r"|refresh_token|bot_token|app_token)['\"]?\s*[:=]\s*['\"]?)[^\s'\",&}]+"
            ),
        ),
    )

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values = sorted(
            {value for value in values if len(value) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )
        self._exact = re.compile("|".join(map(re.escape, self._values))) if self._values else None

    def __call__(self, text: str) -> str:
        if self._exact is not None and any(value in text for value in self._values):
            text = self._exact.sub(REDACTED, text)
        lower = text.lower()
        for hints, pattern in self._PATTERNS:
            if any(hint in lower for hint in hints):
                text = pattern.sub(_keep_first_group if pattern.groups else REDACTED, text)
        return text

    def value(self, value: object) -> object:
        """`value` with every string in it redacted (dicts and lists are walked)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, bool | int | float | None):
            return value
        if isinstance(value, Mapping):
            return {str(key): self.value(item) for key, item in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.value(item) for item in value]
        return self(str(value))


def _keep_first_group(match: re.Match[str]) -> str:
    return match.group(1) + REDACTED


class ContextFilter(logging.Filter):
    """Stamps each record with the ids of the `log_context` it was logged in."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, _CONTEXT_ATTRIBUTE):
            setattr(record, _CONTEXT_ATTRIBUTE, _context.get())
        return True


class RedactingFilter(logging.Filter):
    """Removes secrets from a record's message, traceback, stack and `extra=` fields, in place,
    so that whatever formats the record next sees no secret."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line, nor leak its arguments
            message = f"{record.msg!s} % {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name, value in _extra_fields(record).items():
            setattr(record, name, self.redact.value(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, the context ids, `extra=` fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name, value in {**getattr(record, _CONTEXT_ATTRIBUTE, _EMPTY), **_extra_fields(record)}.items():
            line.setdefault(name, value)  # `extra=` cannot overwrite what every line has
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`2026-04-01 09:30:00,123 INFO paperbot.delivery: message [delivery=d42 channel=…]`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        fields = {**getattr(record, _CONTEXT_ATTRIBUTE, _EMPTY), **_extra_fields(record)}
        text = super().formatMessage(record)
        if not fields:
            return text
        pairs = " ".join(f"{name}={_text_value(value)}" for name, value in fields.items())
        return f"{text} [{pairs}]"


class _Demote(logging.Filter):
    """Logs a library's record that says something expected at a lower level than the library
    chose (operators alert on WARNING), and drops it when its logger is not enabled for that
    level: a logger checks its level before its filters run."""

    def __init__(self, matches: Callable[[str], bool], level: int) -> None:
        super().__init__()
        self.matches = matches
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= self.level or not self.matches(str(record.msg)):
            return True
        record.levelno, record.levelname = self.level, logging.getLevelName(self.level)
        return logging.getLogger(record.name).isEnabledFor(self.level)


def demote(logger: str, matches: Callable[[str], bool], level: int) -> None:
    """From now on, `logger`'s records whose message (its format string, before any arguments)
    `matches` are logged at `level` instead. Idempotent per logger and level."""
    target = logging.getLogger(logger)
    if not any(isinstance(f, _Demote) and f.level == level and f.matches is matches for f in target.filters):
        target.addFilter(_Demote(matches, level))


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is when a record comes (tests and tools replace it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # under the handler's lock, as every emit is
        super().emit(record)


def _level(settings: Settings, *, debug: bool = False, default: int = logging.WARNING) -> int:
    """`--debug` first, then PAPERBOT_LOG_LEVEL, then the caller's default."""
    if debug:
        return logging.DEBUG
    return logging.getLevelNamesMapping()[settings.log_level] if settings.log_level else default


def _use_json(settings: Settings) -> bool:
    """PAPERBOT_LOG_FORMAT; `auto` is text on a terminal and JSON lines anywhere else."""
    if settings.log_format == "auto":
        isatty = getattr(sys.stderr, "isatty", None)
        return not (isatty is not None and isatty())
    return settings.log_format == "json"


@contextmanager
def configure_logging(
    settings: Settings, *, debug: bool = False, default_level: int = logging.WARNING
) -> Iterator[logging.Handler]:
    """Send every log record to stderr, formatted and redacted per `settings`, until the block ends.

    The root logger gets one handler (and its level); on leaving, the previous state returns,
    so that a process (or a test) can configure logging more than once.
    """
    level = _level(settings, debug=debug, default=default_level)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if _use_json(settings) else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter(Redactor(settings.secrets())))
    root = logging.getLogger()
    chatty = CHATTY_LOGGERS if level > logging.DEBUG else ()
    quieted = [logging.getLogger(name) for name in (*chatty, *SQL_LOGGERS)]
    saved = root.level, [(logger, logger.level) for logger in quieted]
    root.addHandler(handler)
    root.setLevel(level)
    for logger in quieted:
        logger.setLevel(max(level, logging.WARNING))
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for logger, previous in saved[1]:
            logger.setLevel(previous)


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        name: value
        for name, value in record.__dict__.items()
        if name not in _RECORD_ATTRIBUTES and not name.startswith("_")
    }


def _text_value(value: object) -> str:
    text = str(value)
    return (
        text
        if text and not any(char.isspace() or char in "[]=\"'" for char in text)
        else json.dumps(text, ensure_ascii=False)
    )
