"""`/paper digest` and a week: `latest` in a weekly channel, and weeks named as members type them
(`last week`, `上周`, `2026-W48`, `week of 2026-11-30`). Every clock is the test's own."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CommandContext, Reply, handle_paper_command
from bot.models import ChannelRef, DigestSettings, Interests, Paper, Report, Subscription
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from tests.bot.delivery.test_delivery_flow import ScriptedPublisher, deliverer
from tests.factories import paper

RL = Interests(("reinforcement-learning",))
WEEKLY = ChannelRef("console", "local", "weekly")
DAILY = ChannelRef("console", "local", "daily")
EVERY_DAY = DigestSettings()


def utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def rl_paper(day: dt.date) -> Paper:
    return paper(
        arxiv_id=f"{day:%y%m}.{day.day:02d}001",
        title=f"Reinforcement learning of {day.isoformat()}",
        domain="强化学习（RL）",
    )


async def ingest(engine: AsyncEngine, day: dt.date, arrived: dt.datetime) -> None:
    """`day`'s report, archived at `arrived` (which week a weekly channel gets it in)."""
    await Archive(engine, clock=lambda: arrived).ingest(Report(day, (rl_paper(day),)))


async def save(
    engine: AsyncEngine, channel: ChannelRef, tz: str, settings: DigestSettings = EVERY_DAY
) -> None:
    await SubscriptionStore(engine).save(Subscription(channel, RL, time=dt.time(9), tz=tz, settings=settings))


async def ask(engine: AsyncEngine, channel: ChannelRef, now: dt.datetime, typed: str) -> Reply:
    ctx = CommandContext(
        Archive(engine, clock=lambda: now), SubscriptionStore(engine), builtin_taxonomy(), channel, user="U1"
    )
    return await handle_paper_command(ctx, typed)


def shown(reply: Reply) -> list[dt.date]:
    """The report dates of the papers a digest reply shows (each paper's id says its day)."""
    assert reply.digest is not None, reply.text
    return sorted(
        dt.date(2000 + int(item.arxiv_id[:2]), int(item.arxiv_id[2:4]), int(item.arxiv_id[5:7]))
        for item in reply.digest.items
    )


# -- `latest` in a weekly channel: the newest week delivered ---------------------------------

MONDAY_SHANGHAI = DigestSettings(cadence="weekly", weekday=0)  # 09:00 in Shanghai: 01:00 UTC
DEC_21, DEC_28, JAN_4 = dt.date(2026, 12, 21), dt.date(2026, 12, 28), dt.date(2027, 1, 4)  # Mondays


async def year_end_with_a_holiday(engine: AsyncEngine) -> list[list[dt.date]]:
    """Reports Monday 21 to Friday 25 December, each archived at 02:00 UTC on its day (after a
    Monday's 01:00 UTC delivery); Monday 28 December's report, then none until 4 January (a
    holiday). The channel gets Monday 28 December's digest (21–25 December's reports) and Monday
    4 January's, which holds only 28 December's report: it came after that day's delivery. What
    each delivery held, in order."""
    for offset in range(5):
        day = DEC_21 + dt.timedelta(days=offset)
        await ingest(engine, day, utc(day, 2))
    await ingest(engine, DEC_28, utc(DEC_28, 2))
    await save(engine, WEEKLY, "Asia/Shanghai", MONDAY_SHANGHAI)
    publisher = ScriptedPublisher()
    job = deliverer(engine, publisher)
    got = []
    for monday in (DEC_28, JAN_4):
        assert await job.run_pass(utc(monday, 1, 5)) == {"posted": 1}
        got.append(shown(Reply("", digest=publisher.digests["weekly"])))
    return got


async def test_latest_in_a_weekly_channel_is_the_week_just_delivered_not_the_one_before(
    engine: AsyncEngine,
) -> None:
    """The newest report is 28 December's; the week on or after its date is 28 December's, which
    the channel got a week ago. It was shown, though 4 January's (with that report) had just come."""
    got = await year_end_with_a_holiday(engine)
    assert got == [[DEC_21 + dt.timedelta(days=n) for n in range(5)], [DEC_28]]
    just_after = utc(JAN_4, 1, 30)  # 09:30 in Shanghai, Monday 4 January
    for typed in ("digest latest", "digest newest", "日报 最新", "digest"):
        reply = await ask(engine, WEEKLY, just_after, typed)
        assert shown(reply) == got[1], typed
        assert reply.digest is not None
        assert "weekly digest of Monday 2027-01-04, 09:00 (Asia/Shanghai)" in reply.digest.following_line()


async def test_latest_in_a_weekly_channel_is_not_the_week_still_filling(engine: AsyncEngine) -> None:
    """A report dated after the channel's day is in the next week: `latest` still shows the week
    the channel got (plain `/paper digest` shows the next one as it stands, as documented)."""
    got = await year_end_with_a_holiday(engine)
    tuesday = JAN_4 + dt.timedelta(days=1)
    await ingest(engine, tuesday, utc(tuesday, 2))
    later = utc(tuesday, 3)  # Tuesday 11:00 in Shanghai
    assert shown(await ask(engine, WEEKLY, later, "digest latest")) == got[1]
    coming = await ask(engine, WEEKLY, later, "digest")
    assert shown(coming) == [tuesday]
    assert coming.digest is not None
    assert "next weekly digest, Monday 2027-01-11" in coming.digest.following_line()


async def test_latest_before_any_weekly_delivery_is_the_newest_complete_week(engine: AsyncEngine) -> None:
    """Nothing delivered yet: the only report came after the newest week's time. `latest` names
    that week and says it held no report, in the channel's language and the caller's."""
    tuesday = JAN_4 + dt.timedelta(days=1)
    await ingest(engine, tuesday, utc(tuesday, 2))
    await save(engine, WEEKLY, "Asia/Shanghai", MONDAY_SHANGHAI)
    reply = await ask(engine, WEEKLY, utc(tuesday, 3), "digest latest")
    assert reply.error
    assert reply.text == (
        "This channel's weekly digest of Monday 2027-01-04, 09:00 (Asia/Shanghai) held no report."
    )
    reply = await ask(engine, WEEKLY, utc(tuesday, 3), "日报 最新")
    assert reply.text == "本频道 2027-01-04（星期一）09:00（Asia/Shanghai）的每周推送中没有日报。"
