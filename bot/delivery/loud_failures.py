"""Loud failures, never silent: who is told what when something goes wrong, once.

- A weekday's report still missing after PAPERBOT_REPORT_DEADLINE: the operator channel (else
  the log), once a day.
- No report on a weekend: per PAPERBOT_NO_REPORT_NOTICE, nobody, one log line, or the operator
  channel, once a day.
- A digest that failed for good (every retry used up), or that could not be planned at all (its
  channel's stored time zone does not load on this host): the operator channel; without one, the
  channel's creator by direct message.
- A channel paused for good (bot removed, channel archived or deleted): the operator channel,
  and the creator unless the platform edge told them already (Slack does).
- A personal digest (a reader's DM with the app) that failed or was paused: the operator channel
  (else the log) only, never the reader: their DM is what failed.

Every notice is also logged, once. A notice is stored before it is sent (bot/store/notices.py),
unique per (kind, subject, recipient): any number of replicas, passes and restarts may ask for
the same notice and it is still kept, logged and sent once. Sending is claimed with a lease and
retried with backoff (a notice about a Slack outage may have to wait for Slack), and only by a
process whose platforms include the recipient's. Notices to one recipient that fall due together
share one message, so an outage that fails a hundred digests is one message, not a hundred.

The core decides what to say and to whom; the edges only post text (`bot.ports.Notifier`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from bot.i18n import t
from bot.ids import is_personal
from bot.models import ChannelRef, Subscription
from bot.ports import Notifier, NotifyResult, Recipient
from bot.runtime.config import Settings
from bot.store.archive import Archive
from bot.store.notices import NewNotice, Notice, NoticeStore
from bot.store.outbox import Outbox, ended_by_outage, utc_minute
from bot.store.subscriptions import SubscriptionStore
from bot.text import clip

log = logging.getLogger("paperbot.notices")

NoReportNotice = Literal["off", "quiet", "operator"]

REPORT_LATE = "report_late"
NO_REPORT = "no_report"
DELIVERY_FAILED = "delivery_failed"
CHANNEL_PAUSED = "channel_paused"

LEASE = dt.timedelta(minutes=2)  # a notice is one short message: two minutes is plenty
BATCH = 50
# Failed deliveries this recent are checked for a notice each pass: one whose notice was lost
# (the process died between recording the failure and asking for the notice) is told late,
# not never. Older ones are history: `paperbot deliveries --status failed` lists them.
FAILED_LOOKBACK = dt.timedelta(days=2)
# Notices to one recipient due together share a message: this many in full, the rest counted.
# Each is clipped so a shared message stays within Discord's 2,000 characters.
PER_MESSAGE = 5
SHARED_CHARS = 330
ERROR_CHARS = 300
# A zone this far ahead of UTC spends most of its day in the UTC day before (NoticePolicy.report_due).
DAY_AHEAD = dt.timedelta(hours=12)
_MARKUP = str.maketrans({"<": "‹", ">": "›", "`": "'"})


@dataclass(frozen=True, slots=True)
class NoticePolicy:
    """The settings of bot/delivery/loud_failures.py (PAPERBOT_OPERATOR_CHANNEL and friends)."""

    operator: Recipient | None = None
    operator_locale: str = "en"
    deadline: dt.time | None = dt.time(12, 0)
    timezone: str = "UTC"
    no_report: NoReportNotice = "quiet"

    def report_due(self, now: dt.datetime, lag: dt.timedelta = dt.timedelta(0)) -> dt.date | None:
        """The date of the report that should be here by `now`: None before today's deadline (in
        PAPERBOT_TIMEZONE) or with no deadline. Reports are dated by the UTC day they are
        published in, and a local day's report is the UTC day most of it falls in: the same date,
        except 12 or more hours ahead of UTC (Auckland, Kiritimati), where most of the local day
        is the UTC day before. At 12:00 on Thursday in Auckland (00:00 UTC, or 23:00 on
        Wednesday in its summer) Wednesday's report is due; Thursday's has barely begun. `lag`
        goes back further, for a source whose day is taken only once it is over (`hf-api`)."""
        if self.deadline is None:
            return None
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        if local.time() < self.deadline:
            return None
        offset = dt.datetime.combine(local.date(), self.deadline, tzinfo=zone).utcoffset()
        ahead = offset is not None and offset >= DAY_AHEAD
        return (local.date() - dt.timedelta(days=1) if ahead else local.date()) - lag

    @classmethod
    def from_settings(cls, settings: Settings) -> NoticePolicy:
        channel = settings.operator_channel
        return cls(
            operator=Recipient.parse(channel) if channel else None,
            operator_locale=settings.operator_locale,
            deadline=settings.report_deadline,
            timezone=settings.timezone,
            no_report=settings.no_report_notice,
        )


def notifiers_of(publishers: Mapping[str, object]) -> dict[str, Notifier]:
    """The publishers that can also post notices, by platform."""
    return {platform: p for platform, p in publishers.items() if isinstance(p, Notifier)}


def plain_error(error: str | None) -> str:
    """A platform's error (or an exception's text) safe to quote in a chat message: one line,
    short, without markup that could turn into a mention or a link."""
    text = " ".join((error or "unknown error").split()).translate(_MARKUP)
    return clip(text, ERROR_CHARS)


def weekday_name(day: dt.date, locale: str) -> str:
    return t(f"weekday.{day.weekday()}", locale)


LOG_ONLY = Recipient(Recipient.LOG_ONLY)


@dataclass
class Notices:
    store: NoticeStore
    outbox: Outbox
    subscriptions: SubscriptionStore
    notifiers: Mapping[str, Notifier]
    policy: NoticePolicy = field(default_factory=NoticePolicy)
    worker: str = "notices"
    _warned: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        operator = self.policy.operator
        # No notifiers at all: a chat edge that only records notices (a reader who left), which
        # the delivering process sends.
        if operator is not None and self.notifiers and operator.platform not in self.notifiers:
            # Another process (a replica with that platform's credentials) will send them.
            log.warning(
                "PAPERBOT_OPERATOR_CHANNEL is on %s, which this process does not serve: "
                "its notices are sent by a process that does (and are logged here)",
                operator.platform,
            )

    # -- what happened ---------------------------------------------------------------------------

    async def delivery_failed(
        self,
        ref: ChannelRef,
        day: dt.date,
        key: str,
        *,
        attempts: int,
        error: str | None,
        subscription: Subscription | None,
        now: dt.datetime,
        outage_until: dt.datetime | None = None,
    ) -> int:
        """A digest failed for good: tell the operator channel, or without one the channel's
        creator. How many notices were new. `outage_until`: it failed because the platform was
        unavailable until then, when the digest stopped being worth sending (no attempts counted)."""
        values = {"date": day.isoformat(), "attempts": attempts, "error": plain_error(error), "delivery": key}
        # No attempt at all: the planner failed it (a time zone this host cannot load), and the
        # notice says how to fix that rather than counting retries that never happened.
        message = "notice.delivery_failed" if attempts else "notice.delivery_unplanned"
        if outage_until is not None:
            message = "notice.delivery_outage"
            values["until"] = utc_minute(outage_until)
        operator = self.policy.operator
        if operator is not None:
            locale = self.policy.operator_locale
            where = self._where(ref, operator, subscription, locale)
            text = t(message, locale, channel=where, **values)
            return await self._add([NewNotice(DELIVERY_FAILED, key, operator, text, locale)], now)
        creator = _creator(ref, subscription)
        if creator is not None and subscription is not None:
            locale = subscription.locale
            where = self._where(ref, creator, subscription, locale)
            text = t(f"{message}.creator", locale, channel=where, **values)
            return await self._add([NewNotice(DELIVERY_FAILED, key, creator, text, locale)], now)
        text = t(message, "en", channel=str(ref), **values)
        return await self._add([NewNotice(DELIVERY_FAILED, key, LOG_ONLY, text)], now)

    async def channel_paused(
        self,
        ref: ChannelRef,
        key: str,
        *,
        error: str | None,
        subscription: Subscription | None,
        creator_told: bool,
        now: dt.datetime,
    ) -> int:
        """A channel was paused for good (bot removed, channel archived or gone): tell the operator
        channel, and the creator unless the edge did already. `subscription` as stored after the
        pause (its paused_reason says what to do)."""
        wanted: list[NewNotice] = []
        operator = self.policy.operator
        code = plain_error(error)
        if operator is not None:
            locale = self.policy.operator_locale
            text = t(
                "notice.paused",
                locale,
                channel=self._where(ref, operator, subscription, locale),
                error=code,
                reason=_reason(subscription, locale),
            )
            wanted.append(NewNotice(CHANNEL_PAUSED, key, operator, text, locale))
        creator = _creator(ref, subscription)
        if creator is not None and subscription is not None and not creator_told:
            locale = subscription.locale
            text = t(
                "notice.paused.creator",
                locale,
                channel=self._where(ref, creator, subscription, locale),
                reason=_reason(subscription, locale),
            )
            wanted.append(NewNotice(CHANNEL_PAUSED, key, creator, text, locale))
        if not wanted:  # the edge told the creator, and there is no operator channel: log it
            text = t("notice.paused", "en", channel=str(ref), error=code, reason=_reason(subscription, "en"))
            wanted.append(NewNotice(CHANNEL_PAUSED, key, LOG_ONLY, text))
        return await self._add(wanted, now)

    async def check_report(
        self,
        now: dt.datetime,
        archive: Archive,
        *,
        source: str | None,
        error: str | None = None,
        lag: dt.timedelta = dt.timedelta(0),
    ) -> int:
        """After the deadline, a weekday without its report (NoticePolicy.report_due says which
        day's is due) is late (one notice a day); a weekend without one is said per
        PAPERBOT_NO_REPORT_NOTICE. `source`: where reports are fetched from, None when only
        `paperbot ingest` adds them; `error`: why the last fetch of that report failed, if it did;
        `lag`: a day where the source's newest whole report is yesterday's (Hugging Face's list,
        taken once its day is over), so that one is due."""
        policy = self.policy
        day = policy.report_due(now, lag)
        if day is None or policy.deadline is None or await archive.report_ingested_at(day) is not None:
            return 0
        operator = policy.operator
        locale = policy.operator_locale if operator is not None else "en"
        values = {"date": day.isoformat(), "weekday": weekday_name(day, locale)}
        if day.weekday() >= 5:  # Saturday, Sunday: no report is the normal case
            if policy.no_report == "off":
                return 0
            recipient = operator if policy.no_report == "operator" and operator is not None else LOG_ONLY
            text = t("notice.no_report", locale, **values)
            notice = NewNotice(NO_REPORT, day.isoformat(), recipient, text, locale)
            return await self._add([notice], now, level=logging.INFO)
        deadline = policy.deadline.strftime("%H:%M")
        if source is None:  # nothing to ask: the operator's `paperbot ingest` has not added it
            text = t(
                "notice.report_late.ingest_only", locale, deadline=deadline, tz=policy.timezone, **values
            )
        else:
            cause = (
                t("notice.report_late.error", locale, error=plain_error(error))
                if error
                else t("notice.report_late.not_published", locale)
            )
            text = t(
                "notice.report_late",
                locale,
                deadline=deadline,
                tz=policy.timezone,
                cause=cause,
                source=source,
                **values,
            )
        notice = NewNotice(REPORT_LATE, day.isoformat(), operator or LOG_ONLY, text, locale)
        return await self._add([notice], now)

    async def find_failed(self, now: dt.datetime, platforms: Sequence[str]) -> int:
        """Ask for the notice of every recent failed delivery that has none (the process that
        recorded the failure may have died before asking)."""
        # Every one of the lookback, however many: a busy day can fail more than a listing shows.
        recent = await self.outbox.list(status="failed", since=now - FAILED_LOOKBACK, limit=None)
        failed = [d for d in recent if d.channel.platform in platforms]
        known = await self.store.known(DELIVERY_FAILED, [d.key for d in failed])
        missing = [d for d in failed if d.key not in known]
        if not missing:
            return 0
        subscriptions = await self.subscriptions.get_many([d.channel for d in missing])
        added = 0
        for d in missing:
            # Failed because the platform stayed down: said so, as when the notice was asked
            # for at once (Deliverer._tell), not as a count of attempts.
            outage = ended_by_outage(d.last_error)
            added += await self.delivery_failed(
                d.channel,
                d.report_date,
                d.key,
                attempts=d.attempts,
                error=outage[0] if outage else d.last_error,
                subscription=subscriptions.get(d.channel),
                now=now,
                outage_until=outage[1] if outage else None,
            )
        return added

    # -- sending ---------------------------------------------------------------------------------

    async def send_due(self, now: dt.datetime) -> dict[str, int]:
        """Send the notices due to the platforms this process serves; a count per outcome."""
        outcomes: dict[str, int] = {}
        if not self.notifiers:
            return outcomes
        while True:
            claimed = await self.store.claim(
                self.worker, now, limit=BATCH, lease=LEASE, platforms=list(self.notifiers)
            )
            by_recipient: dict[str, list[Notice]] = {}
            for notice in claimed:
                by_recipient.setdefault(str(notice.recipient), []).append(notice)
            for group in by_recipient.values():
                for status in await self._send(group, now):
                    outcomes[status] = outcomes.get(status, 0) + 1
            if len(claimed) < BATCH:
                return outcomes

    async def run(self, now: dt.datetime, platforms: Sequence[str]) -> dict[str, int]:
        """After a delivery pass: find failures nobody was told of, then send what is due."""
        await self.find_failed(now, platforms)
        return await self.send_due(now)

    async def _send(self, group: list[Notice], now: dt.datetime) -> list[str]:
        recipient = group[0].recipient
        result = await self._notify(recipient, compose(group))
        statuses = []
        for notice in group:
            status = await self.store.finish(
                notice,
                self.worker,
                now,
                error=None if result.ok else result.error,
                permanent=result.permanent,
                outage=result.outage,
            )
            statuses.append(status)
        if result.ok:
            log.info("sent %d notice(s) to %s", len(group), recipient)
        elif "failed" in statuses:
            log.error(
                "gave up on %d notice(s) to %s: %s (they are in the log above)",
                len(group),
                recipient,
                result.error,
            )
        else:
            log.warning(
                "could not send %d notice(s) to %s, will retry: %s", len(group), recipient, result.error
            )
        return statuses

    async def _notify(self, recipient: Recipient, text: str) -> NotifyResult:
        notifier = self.notifiers.get(recipient.platform)
        if notifier is None:  # claims only take notices to platforms this process serves
            return NotifyResult(False, f"no {recipient.platform} here")
        try:
            return await notifier.notify(recipient, text)
        except Exception as exc:  # an edge's bug must not stop the other notices
            log.exception("notifying %s failed", recipient)
            return NotifyResult(False, f"{type(exc).__name__}: {exc}")

    # -- helpers ---------------------------------------------------------------------------------

    async def _add(self, notices: list[NewNotice], now: dt.datetime, *, level: int = logging.WARNING) -> int:
        """Keep the notices nobody asked for yet, and log each of those (once, whoever asks)."""
        added = await self.store.add(notices, now)
        for notice in added:
            log.log(
                level,
                "notice %s about %s, to %s: %s",
                notice.kind,
                notice.subject,
                notice.recipient,
                notice.text,
                extra={"notice": notice.kind, "recipient": str(notice.recipient)},
            )
        return len(added)

    def _where(
        self, ref: ChannelRef, recipient: Recipient, subscription: Subscription | None, locale: str
    ) -> str:
        """The channel as the recipient sees it: a clickable mention on its own platform and
        workspace, its full name (`slack:T…/C…`) anywhere else. A personal digest is named by
        its reader's user id and its full name: nobody but the reader can open their DM, and
        the operator's notice must not ping them."""
        if is_personal(ref):
            user = (subscription.created_by if subscription is not None else None) or "?"
            return t("personal.owner", locale, user=user, channel=str(ref))
        notifier = self.notifiers.get(ref.platform)
        if notifier is not None and (recipient.platform, recipient.workspace) == (
            ref.platform,
            ref.workspace,
        ):
            return notifier.mention(ref)
        return str(ref)


def compose(group: Sequence[Notice]) -> str:
    """One message for the notices to one recipient: the text itself when alone, else a header,
    the first few (clipped), and how many more."""
    if len(group) == 1:
        return group[0].text
    locale = group[0].locale
    lines = [t("notice.many", locale, count=len(group))]
    lines += [f"• {clip(notice.text, SHARED_CHARS)}" for notice in group[:PER_MESSAGE]]
    if len(group) > PER_MESSAGE:
        lines.append(t("notice.more", locale, more=len(group) - PER_MESSAGE))
    return "\n\n".join(lines)


def _creator(ref: ChannelRef, subscription: Subscription | None) -> Recipient | None:
    """Whoever set the channel up, as a recipient of a direct message on its platform. None for
    a personal digest: its DM is the very thing that failed or was paused, so only the operator
    (or the log) is told; the reader sees the reason with `/paper list` there."""
    if is_personal(ref):
        return None
    user = subscription.created_by if subscription is not None else None
    if not user:
        return None
    return Recipient(ref.platform, ref.workspace, user=user)


def _reason(subscription: Subscription | None, locale: str) -> str:
    reason = subscription.paused_reason if subscription is not None else None
    return " ".join(reason.split()) if reason else t("notice.paused.unknown", locale)
