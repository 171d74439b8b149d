"""Every interface the core depends on, in one place; the edges and the report sources implement
them: report sources, digest publishers and notifiers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from bot.models import ChannelRef, Report, Subscription

if TYPE_CHECKING:  # the digest is built from the ports' users, not the other way round
    from bot.ranking.digest import Digest


@runtime_checkable
class ReportSource(Protocol):
    """Where daily reports come from.

    `fetch` returns None when the day's report is not published (yet): a normal state on
    weekends and early mornings, not an error. Failures that retrying did not cure raise
    `SourceError`; content that is not a report raises `ReportFormatError`.
    """

    @property
    def name(self) -> str:
        """A short description for logs and errors, e.g. the path or URL template."""
        ...

    async def fetch(self, day: dt.date) -> Report | None: ...

    async def aclose(self) -> None:
        """Release connections; a no-op for sources that hold none."""
        ...


PublishStatus = Literal["posted", "paused", "failed"]


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What one attempt to post a digest did, on any platform.

    "posted": every part is up; "paused": the channel can no longer receive digests and its
    subscription was paused (do not retry); "failed": a transient failure outlasted the client's
    retries — resume from `next_part` later, so parts already posted are not posted again
    (`outage`: because the platform was down, not the channel).
    """

    status: PublishStatus
    posted: tuple[str, ...]  # platform ids of the parts posted by this call, in order
    next_part: int
    error: str | None = None  # the platform's error code (or a transport failure) when not "posted"
    parts: int | None = None  # how many messages the whole digest takes on this platform
    # "paused" only: the edge already told the subscription's creator why (Slack DMs them), so
    # bot/delivery/loud_failures.py must not tell them a second time.
    creator_told: bool = False
    # "failed" only: the platform itself was unavailable (a 5xx, a timeout, a dropped connection,
    # a rate limit longer than the client sits out), which says nothing about this channel: the
    # outbox waits it out without using up the digest's attempts (bot/store/outbox.py `finish`).
    outage: bool = False
    # "failed" only: the platform asked for this many seconds before the next call (Retry-After).
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a notice goes: a chat channel, or one person by direct message (`user`).

    Written `slack:T123/C456` (a channel), `slack:T123/@U789` (a person), `discord:<guild>/<channel>`,
    `console:local/<name>`, or `log` (nowhere but the log)."""

    platform: str
    workspace: str = ""
    channel: str = ""
    user: str = ""

    LOG_ONLY = "log"

    @property
    def log_only(self) -> bool:
        return self.platform == self.LOG_ONLY

    def __str__(self) -> str:
        if self.log_only:
            return self.LOG_ONLY
        where = f"@{self.user}" if self.user else self.channel
        return f"{self.platform}:{self.workspace}/{where}"

    @classmethod
    def parse(cls, text: str) -> Recipient:
        """The inverse of `str`; ValueError when `text` is not one."""
        text = text.strip()
        if text == cls.LOG_ONLY:
            return cls(cls.LOG_ONLY)
        if text == "console":  # the operator channel of the console demo, in short
            return cls("console", "local", "operator")
        platform, sep, rest = text.partition(":")
        workspace, slash, where = rest.partition("/")
        if not (sep and slash and platform and workspace and where.lstrip("@")) or "/" in where:
            raise ValueError(
                f"{text!r} is not a channel: write it as platform:workspace/channel, "
                "e.g. slack:T0123ABCD/C0456EFGH, discord:<server id>/<channel id> or console"
            )
        if where.startswith("@"):
            return cls(platform, workspace, user=where[1:])
        return cls(platform, workspace, where)

    @classmethod
    def of_channel(cls, ref: ChannelRef) -> Recipient:
        return cls(ref.platform, ref.workspace, ref.channel)


@dataclass(frozen=True, slots=True)
class NotifyResult:
    """What one attempt to post a notice did. `permanent`: retrying cannot help (the channel or
    person is gone, paperbot may not write there, its token was revoked). `outage`: the platform
    itself was unavailable (as PublishResult's): the notice waits it out without using a try."""

    ok: bool
    error: str | None = None
    permanent: bool = False
    outage: bool = False


@runtime_checkable
class Notifier(Protocol):
    """What a platform edge provides to tell people about problems (bot/delivery/loud_failures.py): a plain
    message to a channel or a person. Never raises for platform errors."""

    async def notify(self, recipient: Recipient, text: str) -> NotifyResult: ...

    def mention(self, channel: ChannelRef) -> str:
        """How a message on this platform names the channel, so readers can click it."""
        ...


@runtime_checkable
class RetriesPaused(Protocol):
    """A publisher some of whose pauses end without the platform saying so (Slack: a channel's
    posting permissions change without an event). A channel paused for such a cause is planned
    as usual and tried once at each due digest: the edge resumes it when a part goes through,
    and a refusal for the same cause leaves it paused with nobody told again."""

    def retries_paused(self, subscription: Subscription) -> bool:
        """Whether the paused `subscription` is tried at its due digests."""
        ...


class DigestPublisher(Protocol):
    """What a platform edge provides to deliver digests (Slack, Discord, console)."""

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        """Post the digest's parts from `start_at`; never raises for platform errors."""
        ...

    async def posted_parts(self, subscription: Subscription, key: str) -> set[int]:
        """Which parts of delivery `key` are already in the channel (asked after a crash)."""
        ...
