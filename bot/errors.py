"""Errors the core raises on purpose; each maps to an exit status of the CLI."""

from __future__ import annotations


class PaperbotError(Exception):
    """Base of every error paperbot raises deliberately (exit status 1)."""


class BadInputError(PaperbotError):
    """The user gave something unusable: a bad argument, file, date or topic (exit status 2)."""


class LocalisedInputError(BadInputError):
    """A BadInputError whose text is in the message catalogue (bot/i18n.py `key`), so a chat
    reply can say it in the caller's language; `str()` is the English text (CLI, logs)."""

    def __init__(self, key: str, **values: object) -> None:
        from bot.i18n import t

        self.key = key
        self.values = values
        super().__init__(t(key, "en", **values))


class ReportFormatError(BadInputError):
    """A text that is not a Daily Papers report, or one whose meaning is unclear.

    `line` is 1-based and points at the line the problem was found on.
    """

    def __init__(self, message: str, line: int | None = None, origin: str | None = None) -> None:
        self.line = line
        self.origin = origin
        self.reason = message
        where = origin or "report"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


class PlatformUnavailable(PaperbotError):
    """Slack or Discord cannot be reached right now (no answer, a 5xx, a network error): an
    outage, not a configuration to fix. `run` keeps serving the other platforms and tries this
    one again; `deliver` leaves its digests pending for the next pass. A credential the platform
    refuses is a BadInputError instead (fail fast: the operator must change it). `wait`: seconds
    the platform said not to try again before (Discord's session starts used up for the day)."""

    def __init__(self, message: str, *, wait: float = 0.0) -> None:
        super().__init__(message)
        self.wait = wait


class SourceError(PaperbotError):
    """A report source failed (network, server error after retries, unreadable file)."""
