"""Loud failures in the console: notices are printed where the digests are."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import Deliverer
from bot.delivery.loud_failures import NoticePolicy
from bot.delivery.scheduler import Scheduler
from bot.models import ChannelRef, Report
from bot.ports import Recipient
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.console.publisher import ConsolePublisher

OPERATOR = Recipient.parse("console")


async def test_a_notice_is_printed_as_written() -> None:
    out = io.StringIO()
    console = ConsolePublisher(out)
    result = await console.notify(OPERATOR, "[bold]the digest[/bold] failed")
    assert result.ok
    assert "#operator · notice" in out.getvalue()
    assert "[bold]the digest[/bold] failed" in out.getvalue()  # never read as markup
    assert console.mention(ChannelRef("console", "local", "demo")) == "#demo"


class Nothing:
    name = "/srv/reports"

    async def fetch(self, day: dt.date) -> Report | None:
        return None

    async def aclose(self) -> None:
        return None


async def test_a_late_report_is_printed_once(engine: AsyncEngine) -> None:
    out = io.StringIO()
    job = Deliverer(
        archive=Archive(engine),
        store=SubscriptionStore(engine),
        outbox=Outbox(engine),
        taxonomy=builtin_taxonomy(),
        publishers={"console": ConsolePublisher(out)},
        notice_policy=NoticePolicy(operator=OPERATOR, operator_locale="zh"),
    )
    friday_evening = dt.datetime(2026, 5, 8, 18, 0, tzinfo=dt.UTC)
    for _ in range(3):
        await Scheduler(job, Nothing(), Archive(engine), clock=lambda: friday_evening).poll()
    printed = out.getvalue()
    assert printed.count("2026-05-08（星期五）的日报仍未到达") == 1
    assert "/srv/reports" in printed
