"""Digest cadence: daily (the default), weekdays only, or weekly with the week's best papers."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CommandContext, handle_paper_command
from bot.chat.subscribing import from_export, parse_cadence, to_export
from bot.errors import BadInputError
from bot.models import ChannelRef, DigestSettings, Interests, Report, Subscription
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from tests.bot.delivery.test_delivery_flow import ScriptedPublisher, deliverer
from tests.factories import paper

RL = Interests(("reinforcement-learning",))
MONDAY = dt.date(2026, 6, 1)  # a Monday
FRIDAY, SATURDAY = MONDAY + dt.timedelta(days=4), MONDAY + dt.timedelta(days=5)
WEEKLY_FRIDAY = DigestSettings(cadence="weekly", weekday=4)


@pytest.mark.parametrize(
    ("typed", "fields"),
    [
        ("daily", {"cadence": "daily"}),
        ("每天", {"cadence": "daily"}),
        ("weekdays", {"cadence": "weekdays"}),
        ("工作日", {"cadence": "weekdays"}),
        ("weekly", {"cadence": "weekly", "weekday": 0}),
        ("weekly Friday", {"cadence": "weekly", "weekday": 4}),
        ("weekly sun", {"cadence": "weekly", "weekday": 6}),
        ("每周 周五", {"cadence": "weekly", "weekday": 4}),
        ("每周五", {"cadence": "weekly", "weekday": 4}),
        ("每周 星期天", {"cadence": "weekly", "weekday": 6}),
        # As Chinese readers also say them.
        ("每周 五", {"cadence": "weekly", "weekday": 4}),
        ("每个工作日", {"cadence": "weekdays"}),
        ("周一到周五", {"cadence": "weekdays"}),
        ("周一至周五", {"cadence": "weekdays"}),
        ("每週 週五", {"cadence": "weekly", "weekday": 4}),
        # A day alone says weekly, as people put it (`every friday` was an unknown cadence).
        ("friday", {"cadence": "weekly", "weekday": 4}),
        ("Fridays", {"cadence": "weekly", "weekday": 4}),
        ("every friday", {"cadence": "weekly", "weekday": 4}),
        ("each tue", {"cadence": "weekly", "weekday": 1}),
        ("weekly on friday", {"cadence": "weekly", "weekday": 4}),
        ("周五", {"cadence": "weekly", "weekday": 4}),
        ("星期天", {"cadence": "weekly", "weekday": 6}),
        ("every weekday", {"cadence": "weekdays"}),
        ("mon-fri", {"cadence": "weekdays"}),
        # Abbreviations a day alone took were unknown days after `weekly`, and `thurs` in both.
        ("weekly tues", {"cadence": "weekly", "weekday": 1}),
        ("weekly weds", {"cadence": "weekly", "weekday": 2}),
        ("weekly thurs", {"cadence": "weekly", "weekday": 3}),
        ("thurs", {"cadence": "weekly", "weekday": 3}),
        ("weekly on fridays", {"cadence": "weekly", "weekday": 4}),
    ],
)
def test_cadences_are_typed_in_english_or_chinese(typed: str, fields: dict[str, object]) -> None:
    assert parse_cadence(typed) == fields


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("hourly", "unknown cadence"),
        ("weekly someday", "unknown day"),
        ("五", "unknown cadence"),  # a numeral is a day only after 每周
        ("every", "unknown cadence"),
        ("fridays please", "unknown cadence"),
        ("weekly on", "unknown day 'on'"),  # was Monday, the day it meant to name left out
    ],
)
def test_bad_cadences_say_what_works(typed: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_cadence(typed)


def rl_paper(arxiv_id: str, title: str) -> object:
    return paper(arxiv_id=arxiv_id, title=f"Reinforcement learning: {title}", domain="强化学习（RL）")


async def ingest_week(engine: AsyncEngine) -> None:
    """Monday to Friday reports, each archived at 02:00 UTC on its day (a weekly digest holds the
    reports that came before it: bot/ranking/weekly.py); the Monday paper is listed again on
    Wednesday."""
    for offset in range(5):
        day = MONDAY + dt.timedelta(days=offset)
        papers = [rl_paper(f"2606.0{offset}001", f"day {offset}")]
        if offset == 2:
            papers.append(rl_paper("2606.00001", "day 0, listed again"))
        arrived = dt.datetime.combine(day, dt.time(2), tzinfo=dt.UTC)
        archive = Archive(engine, clock=lambda at=arrived: at)  # type: ignore[misc]
        await archive.ingest(Report(day, tuple(papers)))  # type: ignore[arg-type]


async def subscribe(engine: AsyncEngine, name: str, settings: DigestSettings) -> None:
    channel = ChannelRef("console", "local", name)
    await SubscriptionStore(engine).save(Subscription(channel, RL, time=dt.time(9), settings=settings))


async def test_a_weekly_channel_gets_the_weeks_best_once_on_its_day(engine: AsyncEngine) -> None:
    await ingest_week(engine)
    await subscribe(engine, "weekly", WEEKLY_FRIDAY)
    publisher = ScriptedPublisher()
    job = deliverer(engine, publisher)
    thursday = dt.datetime.combine(FRIDAY - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    assert await job.run_pass(thursday) == {}  # not its day (and last week had no report)
    friday = dt.datetime.combine(FRIDAY, dt.time(9, 30), tzinfo=dt.UTC)
    assert await job.run_pass(friday) == {"posted": 1}
    digest = publisher.digests["weekly"]
    ids = [item.arxiv_id for item in digest.items]
    assert sorted(ids) == ["2606.00001", "2606.01001", "2606.02001", "2606.03001", "2606.04001"]  # each once
    assert digest.header().startswith(f"Weekly Papers · {FRIDAY - dt.timedelta(days=6)} – {FRIDAY} — 5 of 5")
    [row] = await Outbox(engine).list()
    assert row.report_date == FRIDAY
    # Later passes that week, and the next days, send nothing more.
    for hours in (1, 24, 48):
        assert await job.run_pass(friday + dt.timedelta(hours=hours)) == {}


async def test_a_weekly_week_without_reports_sends_nothing(engine: AsyncEngine) -> None:
    await ingest_week(engine)
    await subscribe(engine, "weekly", WEEKLY_FRIDAY)
    next_friday = dt.datetime.combine(FRIDAY + dt.timedelta(days=7), dt.time(10), tzinfo=dt.UTC)
    assert await deliverer(engine, ScriptedPublisher()).run_pass(next_friday) == {}


async def test_weekdays_only_skips_weekend_reports_that_daily_channels_get(engine: AsyncEngine) -> None:
    await Archive(engine).ingest(Report(SATURDAY, (rl_paper("2606.05001", "saturday"),)))  # type: ignore[arg-type]
    await subscribe(engine, "daily", DigestSettings())
    await subscribe(engine, "weekdays", DigestSettings(cadence="weekdays"))
    publisher = ScriptedPublisher()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)  # the report was archived just now
    assert await deliverer(engine, publisher).run_pass(later) == {"posted": 1}
    assert publisher.posted == ["daily"]


async def test_cadence_in_chat_list_storage_and_export(engine: AsyncEngine) -> None:
    archive = Archive(engine)
    store = SubscriptionStore(engine)
    ctx = CommandContext(archive, store, builtin_taxonomy(), ChannelRef("console", "local", "c"), user="U1")
    await handle_paper_command(ctx, "subscribe RL")
    reply = await handle_paper_command(ctx, "cadence weekly friday")
    assert reply.text == "Digest every Friday at 09:00 (UTC): the week's best papers, each once."
    assert "Digest every Friday at 09:00" in (await handle_paper_command(ctx, "list")).text
    assert (await handle_paper_command(ctx, "频率 工作日")).text.startswith("周一至周五 09:00")
    assert (await handle_paper_command(ctx, "cadence hourly")).error
    await handle_paper_command(ctx, "cadence weekly sunday")
    stored = await store.get(ctx.channel)
    assert stored is not None
    assert (stored.settings.cadence, stored.settings.weekday) == ("weekly", 6)
    entry = to_export(stored, builtin_taxonomy())
    assert entry["digest"]["cadence"] == "weekly"
    assert entry["digest"]["weekday"] == "sunday"
    assert from_export(entry, builtin_taxonomy()).settings == stored.settings


async def test_paper_digest_in_a_weekly_channel_shows_the_week(engine: AsyncEngine) -> None:
    await ingest_week(engine)
    store = SubscriptionStore(engine)
    friday = dt.datetime.combine(FRIDAY, dt.time(10), tzinfo=dt.UTC)  # its digest came at 09:00
    ctx = CommandContext(
        Archive(engine, clock=lambda: friday),
        store,
        builtin_taxonomy(),
        ChannelRef("console", "local", "w"),
        user="U1",
    )
    await handle_paper_command(ctx, "subscribe RL")
    daily = (await handle_paper_command(ctx, "digest")).digest
    assert daily is not None
    assert [item.arxiv_id for item in daily.items] == ["2606.04001"]  # Friday's report alone
    await handle_paper_command(ctx, "cadence weekly friday")
    weekly = (await handle_paper_command(ctx, "digest")).digest
    assert weekly is not None
    assert len(weekly.items) == 5  # the week's papers, the repeated one once
    assert weekly.header().startswith("Weekly Papers")


async def test_paper_digest_in_a_weekly_channel_shows_the_delivery_it_got_or_will_get(
    engine: AsyncEngine,
) -> None:
    """Weekly on Monday at 09:00 in Shanghai (01:00 UTC); each report arrives at 02:00 UTC, after
    that day's delivery, so Monday's report is in the next Monday's digest. `/paper digest` shows
    those deliveries, not the seven days before the newest report, and says which one it is."""
    await ingest_week(engine)  # Monday 1 June to Friday 5 June
    next_monday = MONDAY + dt.timedelta(days=7)
    arrived = dt.datetime.combine(next_monday, dt.time(2), tzinfo=dt.UTC)
    late = Report(next_monday, (rl_paper("2606.07001", "day 7"),))  # type: ignore[arg-type]
    await Archive(engine, clock=lambda: arrived).ingest(late)
    channel = ChannelRef("console", "local", "weekly")
    settings = DigestSettings(cadence="weekly", weekday=0)
    await SubscriptionStore(engine).save(
        Subscription(channel, RL, time=dt.time(9), tz="Asia/Shanghai", settings=settings)
    )
    publisher = ScriptedPublisher()
    assert await deliverer(engine, publisher).run_pass(
        dt.datetime.combine(next_monday, dt.time(1, 5), tzinfo=dt.UTC)
    ) == {"posted": 1}
    got = [item.arxiv_id for item in publisher.digests["weekly"].items]
    tuesday = dt.datetime.combine(next_monday + dt.timedelta(days=1), dt.time(3), tzinfo=dt.UTC)
    ctx = CommandContext(
        Archive(engine, clock=lambda: tuesday),
        SubscriptionStore(engine),
        builtin_taxonomy(),
        channel,
        user="U1",
    )

    shown = (await handle_paper_command(ctx, f"digest {next_monday}")).digest
    assert shown is not None
    assert [item.arxiv_id for item in shown.items] == got  # what the channel got on Monday
    assert "2606.07001" not in got
    assert (
        "This channel's weekly digest of Monday 2026-06-08, 09:00 (Asia/Shanghai)." in shown.following_line()
    )

    coming = (await handle_paper_command(ctx, "digest")).digest  # the next one, as it stands
    assert coming is not None
    assert [item.arxiv_id for item in coming.items] == ["2606.07001"]
    assert "next weekly digest, Monday 2026-06-15 at 09:00 (Asia/Shanghai)" in coming.following_line()

    ctx = replace(ctx, locale="zh")
    await handle_paper_command(ctx, "language zh")
    coming_zh = (await handle_paper_command(ctx, "日报")).digest
    assert coming_zh is not None
    assert "本频道下一期每周推送：2026-06-15（星期一）09:00（Asia/Shanghai）" in coming_zh.following_line()
    empty = await handle_paper_command(ctx, "日报 2026-06-22")
    assert empty.error
    assert empty.text == "本频道 2026-06-22（星期一）09:00（Asia/Shanghai）的每周推送还没有任何日报。"
    before = await handle_paper_command(ctx, "日报 2026-05-25")  # a Monday before any report came
    assert before.error
    assert before.text == "本频道 2026-05-25（星期一）09:00（Asia/Shanghai）的每周推送中没有日报。"


async def test_paper_digest_in_a_weekly_channel_shows_reports_no_delivery_held(engine: AsyncEngine) -> None:
    """Reports archived weeks after their date (the console's sample report, a backfill with
    `paperbot ingest`) are in no weekly delivery: `/paper digest` answered "This channel's weekly
    digest of … held no report" though the archive held the week's papers. With no delivery to
    show, it shows the seven days ending on the newest report, as before weekly deliveries."""
    later = dt.datetime.combine(MONDAY + dt.timedelta(days=30), dt.time(12), tzinfo=dt.UTC)
    for offset in range(3):
        day = MONDAY + dt.timedelta(days=offset)
        report = Report(day, (rl_paper(f"2606.0{offset}001", f"day {offset}"),))  # type: ignore[arg-type]
        await Archive(engine, clock=lambda: later).ingest(report)
    channel = ChannelRef("console", "local", "weekly")
    settings = DigestSettings(cadence="weekly", weekday=0)
    await SubscriptionStore(engine).save(Subscription(channel, RL, settings=settings))
    archive = Archive(engine, clock=lambda: later)
    ctx = CommandContext(archive, SubscriptionStore(engine), builtin_taxonomy(), channel, user="U1")
    reply = await handle_paper_command(ctx, "digest")
    assert not reply.error, reply.text
    assert reply.digest is not None
    assert sorted(item.arxiv_id for item in reply.digest.items) == ["2606.00001", "2606.01001", "2606.02001"]
    assert reply.digest.header().startswith("Weekly Papers · 2026-05-28 – 2026-06-03")
    assert reply.digest.note is None  # no delivery is claimed for it
