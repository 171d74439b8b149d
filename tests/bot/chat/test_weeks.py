"""`/paper digest` and a week: `latest` in a weekly channel, and weeks named as members type them
(`last week`, `上周`, `2026-W48`, `week of 2026-11-30`). Every clock is the test's own."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CommandContext, Reply, handle_paper_command
from bot.chat.query import DayQuery, WeekQuery, parse_week
from bot.chat.use_cases import set_cadence
from bot.errors import LocalisedInputError
from bot.i18n import t
from bot.models import ChannelRef, DigestSettings, Interests, Locale, Paper, Report, Subscription
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


async def ingest(engine: AsyncEngine, day: dt.date, arrived: dt.datetime, *also: Paper) -> None:
    """`day`'s report (its paper, and `also`), archived at `arrived` (which week a weekly channel
    gets it in)."""
    await Archive(engine, clock=lambda: arrived).ingest(Report(day, (rl_paper(day), *also)))


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


async def test_latest_just_after_a_move_to_weekly_names_no_daily_digest_as_a_week(
    engine: AsyncEngine,
) -> None:
    """Daily in Shanghai until Thursday's digest, then weekly on Monday. `latest` took Thursday's
    daily digest for the newest weekly one and said "weekly digest of Thursday 2026-12-24 held no
    report". No week was delivered yet: the newest seven days are shown, no delivery named."""
    await save(engine, DAILY, "Asia/Shanghai")
    job = deliverer(engine, ScriptedPublisher())
    thursday = DEC_21 + dt.timedelta(days=3)
    for n in range(4):
        day = DEC_21 + dt.timedelta(days=n)
        await ingest(engine, day, utc(day, 2))
        assert await job.run_pass(utc(day, 2, 5)) == {"posted": 1}
    await set_cadence(SubscriptionStore(engine), DAILY, "weekly monday")
    reply = await ask(engine, DAILY, utc(thursday, 4), "digest latest")
    assert shown(reply) == [DEC_21 + dt.timedelta(days=n) for n in range(4)]
    assert reply.digest is not None
    assert "weekly digest of" not in reply.digest.following_line()


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


# -- weeks named as members type them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("last week", WeekQuery("last week", weeks_ago=1)),
        ("Last  Week", WeekQuery("Last  Week", weeks_ago=1)),
        ("previous week", WeekQuery("previous week", weeks_ago=1)),
        ("上周", WeekQuery("上周", weeks_ago=1)),
        ("上週", WeekQuery("上週", weeks_ago=1)),  # traditional characters
        ("上个星期", WeekQuery("上个星期", weeks_ago=1)),
        ("this week", WeekQuery("this week", weeks_ago=0)),
        ("本周", WeekQuery("本周", weeks_ago=0)),
        ("這個星期", WeekQuery("這個星期", weeks_ago=0)),
        ("next week", WeekQuery("next week", weeks_ago=-1)),
        ("下周", WeekQuery("下周", weeks_ago=-1)),
        ("上上周", WeekQuery("上上周", weeks_ago=2)),
        ("上上個禮拜", WeekQuery("上上個禮拜", weeks_ago=2)),
        ("the week before last", WeekQuery("the week before last", weeks_ago=2)),
        ("下下周", WeekQuery("下下周", weeks_ago=-2)),
        ("2026-W48", WeekQuery("2026-W48", iso=(2026, 48))),
        ("2026w48", WeekQuery("2026w48", iso=(2026, 48))),
        ("W48", WeekQuery("W48", iso=(None, 48))),
        ("2026年第48周", WeekQuery("2026年第48周", iso=(2026, 48))),
        ("第 48 周", WeekQuery("第 48 周", iso=(None, 48))),
        ("week of 2026-11-30", WeekQuery("week of 2026-11-30", of=DayQuery(dt.date(2026, 11, 30)))),
        ("2026-11-30 那周", WeekQuery("2026-11-30 那周", of=DayQuery(dt.date(2026, 11, 30)))),
        ("yesterday", None),
        ("2026-11-30", None),
        ("world model", None),
        ("", None),
    ],
)
def test_weeks_are_named_as_members_type_them(typed: str, expected: WeekQuery | None) -> None:
    assert parse_week(typed) == expected


def test_a_week_that_does_not_exist_is_an_error_in_both_languages() -> None:
    with pytest.raises(LocalisedInputError) as raised:
        parse_week("2025-W53")  # 2025 has 52 ISO weeks; 2026 has 53
    assert (
        str(raised.value)
        == "no such week '2025-W53': ISO 8601 numbers a year's weeks 1 to 52 or 53, e.g. 2026-W48"
    )
    assert t(raised.value.key, "zh", **raised.value.values).startswith("没有这一周「2025-W53」")
    assert parse_week("2026-W53") == WeekQuery("2026-W53", iso=(2026, 53))


@pytest.mark.parametrize(
    ("typed", "word", "zh"),
    [
        ("week of Friday", "Friday", "「Friday」不是日期（请用 YYYY-MM-DD、昨天或上周）"),
        ("The Week Of Launch", "Launch", "「Launch」不是日期（请用 YYYY-MM-DD、昨天或上周）"),
        ("發佈會那週", "發佈會", "「發佈會」不是日期（请用 YYYY-MM-DD、昨天或上周）"),
    ],
)
def test_week_of_no_day_quotes_the_words_as_typed(typed: str, word: str, zh: str) -> None:
    # They were quoted lower-cased and folded to simplified characters (「发布会」), as read.
    with pytest.raises(LocalisedInputError) as raised:
        parse_week(typed)
    assert raised.value.values == {"word": word}
    assert t(raised.value.key, "zh", **raised.value.values) == zh


# 2026-W53: Monday 28 December 2026 to Sunday 3 January 2027, across a month and a year end.
W53 = [DEC_28 + dt.timedelta(days=n) for n in range(7)]


async def reports_around_the_year_end(engine: AsyncEngine, days: int = 17) -> None:
    """A report every day from Sunday 20 December to Tuesday 5 January (or `days` of them), each
    archived at 02:00 UTC on its day; Friday 1 January's lists Tuesday 29 December's paper again."""
    for n in range(days):
        day = dt.date(2026, 12, 20) + dt.timedelta(days=n)
        also = [rl_paper(dt.date(2026, 12, 29))] if day == dt.date(2027, 1, 1) else []
        await ingest(engine, day, utc(day, 2), *also)


async def test_a_daily_channel_gets_last_weeks_papers_ranked_as_a_weekly_digest(engine: AsyncEngine) -> None:
    await reports_around_the_year_end(engine)
    await save(engine, DAILY, "UTC")
    tuesday = utc(JAN_4 + dt.timedelta(days=1), 12)
    for typed in (
        "digest last week",
        "日报 上周",
        "日报上周",
        "digest 2026-W53",
        "digest W53",
        "digest week of 2027-01-01",
    ):
        reply = await ask(engine, DAILY, tuesday, typed)
        assert shown(reply) == W53, typed  # each day's paper, the repeated one once
    reply = await ask(engine, DAILY, tuesday, "digest last week")
    assert reply.text.startswith("Weekly Papers · 2026-12-28 – 2027-01-03 — 7 of 7 papers for this channel")
    assert reply.digest is not None
    assert reply.digest.note == (
        "The week 2026-W53, Monday 2026-12-28 to Sunday 2027-01-03: its reports ranked together, "
        "as a weekly digest."
    )
    await SubscriptionStore(engine).save(
        Subscription(DAILY, RL, locale="zh", settings=DigestSettings(size=2))
    )
    reply = await ask(engine, DAILY, tuesday, "日报 上周")
    assert reply.digest is not None
    assert (
        reply.digest.note
        == "2026-W53（2026-12-28 星期一至 2027-01-03 星期日）：这一周的日报合并排序，如同每周推送。"
    )
    # Its "more" line names the week, not its Sunday (which names one day's digest).
    assert reply.digest.more_line() == "……还有 5 篇 —— 输入 /paper digest 2026-W53 all 查看全部"
    assert len((await ask(engine, DAILY, tuesday, "digest 2026-W53 all")).digest.items) == 7  # type: ignore[union-attr]


async def test_the_week_before_last_is_two_weeks_back(engine: AsyncEngine) -> None:
    # 上上周 (and `week before last`) read as a date: 「上上周」不是日期.
    await reports_around_the_year_end(engine)
    await save(engine, DAILY, "UTC")
    tuesday = utc(JAN_4 + dt.timedelta(days=1), 12)
    for typed in ("日报 上上周", "digest the week before last", "日报上上週"):
        reply = await ask(engine, DAILY, tuesday, typed)
        assert shown(reply) == [dt.date(2026, 12, 21) + dt.timedelta(days=n) for n in range(7)], typed
        assert reply.digest is not None
        assert reply.digest.named == "2026-W52"


async def test_last_week_is_the_channels_own_around_sunday_midnight(engine: AsyncEngine) -> None:
    """Sunday 3 January 20:00 UTC is already Monday 04:00 in Shanghai, and still Sunday noon in
    Los Angeles: `last week` and `this week` are the channel's."""
    await reports_around_the_year_end(engine, days=15)  # to Sunday 3 January
    sunday_evening = utc(dt.date(2027, 1, 3), 20)
    for tz, last, this in (
        ("Asia/Shanghai", W53, None),
        ("UTC", [dt.date(2026, 12, 21) + dt.timedelta(days=n) for n in range(7)], W53),
        ("America/Los_Angeles", [dt.date(2026, 12, 21) + dt.timedelta(days=n) for n in range(7)], W53),
    ):
        await save(engine, DAILY, tz)
        assert shown(await ask(engine, DAILY, sunday_evening, "digest last week")) == last, tz
        reply = await ask(engine, DAILY, sunday_evening, "digest this week")
        if this is None:  # Shanghai's week 1 of 2027 has begun; no report of it has come yet
            assert reply.error
            assert (
                reply.text
                == "No report has come yet this week (2027-W01, Monday 2027-01-04 to Sunday 2027-01-10)."
            )
            zh = await ask(engine, DAILY, sunday_evening, "日报 本周")
            assert zh.text == "本周（2027-W01，2027-01-04 星期一至 2027-01-10 星期日）还没有日报。"
        else:
            assert shown(reply) == this, tz
            assert reply.digest is not None
            assert reply.digest.note is not None
            assert reply.digest.note.startswith("This week so far (2026-W53, Monday 2026-12-28"), tz


async def test_the_week_still_running_says_later_reports_join_it(engine: AsyncEngine) -> None:
    """The Chinese line once said 「本周之后到达的日报也会加入」 ("reports that arrive after this week
    join it"), the opposite of the English."""
    await reports_around_the_year_end(engine)
    tuesday = utc(JAN_4 + dt.timedelta(days=1), 12)
    cases: tuple[tuple[Locale, str, str], ...] = (
        (
            "en",
            "digest this week",
            "This week so far (2027-W01, Monday 2027-01-04 to Sunday 2027-01-10): reports that arrive "
            "this week join it.",
        ),
        (
            "zh",
            "日报 本周",
            "本周目前的内容（2027-W01，2027-01-04 星期一至 2027-01-10 星期日）：本周稍后到达的日报也会加入。",
        ),
    )
    for locale, typed, note in cases:
        await SubscriptionStore(engine).save(Subscription(DAILY, RL, locale=locale))
        reply = await ask(engine, DAILY, tuesday, typed)
        assert shown(reply) == [JAN_4, JAN_4 + dt.timedelta(days=1)]
        assert reply.digest is not None
        assert reply.digest.note == note


async def test_a_week_not_begun_or_without_reports_says_so_in_both_languages(engine: AsyncEngine) -> None:
    await reports_around_the_year_end(engine)
    await save(engine, DAILY, "UTC")
    tuesday = utc(JAN_4 + dt.timedelta(days=1), 12)
    for typed, text in (
        (
            "digest next week",
            "The week 2027-W02 (Monday 2027-01-11 to Sunday 2027-01-17) has not begun yet: "
            "no report can be in it.",
        ),
        ("日报 下周", "2027-W02（2027-01-11 星期一至 2027-01-17 星期日）还没有开始，不会有日报。"),
        (
            "digest 2027-W10",
            "The week 2027-W10 (Monday 2027-03-08 to Sunday 2027-03-14) has not begun yet: "
            "no report can be in it.",
        ),
        (
            "digest 2026-W40",
            "The archive holds no report of the week 2026-W40 (Monday 2026-09-28 to Sunday 2026-10-04).",
        ),
        ("日报 2026年第40周", "存档中没有 2026-W40（2026-09-28 星期一至 2026-10-04 星期日）这一周的日报。"),
        (
            "digest 2025-W53",
            "no such week '2025-W53': ISO 8601 numbers a year's weeks 1 to 52 or 53, e.g. 2026-W48",
        ),
    ):
        reply = await ask(engine, DAILY, tuesday, typed)
        assert reply.error, typed
        assert reply.text == text
    await save(engine, WEEKLY, "Asia/Shanghai", MONDAY_SHANGHAI)  # a weekly channel: the same
    reply = await ask(engine, WEEKLY, tuesday, "digest next week")
    assert reply.text.startswith(
        "The week 2027-W02 (Monday 2027-01-11 to Sunday 2027-01-17) has not begun yet"
    )


@pytest.mark.parametrize(
    "typed", ["digest Dec 31", "digest 31 December 2026", "digest December 31, 2026 all"]
)
async def test_a_day_written_in_words_is_the_day(engine: AsyncEngine, typed: str) -> None:
    # The words were read one by one: "not a date: 'Dec'", though a lookup takes `Dec 31`.
    await reports_around_the_year_end(engine)
    await save(engine, DAILY, "UTC")
    reply = await ask(engine, DAILY, utc(JAN_4, 12), typed)
    assert shown(reply) == [dt.date(2026, 12, 31)]
    # A weekly channel: the delivery on its day (Monday) on or after it.
    await save(engine, WEEKLY, "UTC", DigestSettings(cadence="weekly", weekday=0))
    reply = await ask(engine, WEEKLY, utc(JAN_4 + dt.timedelta(days=1), 12), typed)
    assert reply.digest is not None
    assert "weekly digest of Monday 2027-01-04" in reply.digest.following_line()


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        ("digest 2026-02-30", "invalid date '2026-02-30'"),
        ("digest week of 2026-02-30", "invalid date '2026-02-30'"),
        ("日报 2026年2月30日", "无效日期「2026年2月30日」"),
        (
            "digest 3/2/2026",
            "'3/2/2026' could be 2026-02-03 or 2026-03-02: write the day you mean as YYYY-MM-DD",
        ),
        (
            "digest week of 3/2/2026",
            "'3/2/2026' could be 2026-02-03 or 2026-03-02: write the day you mean as YYYY-MM-DD",
        ),
        (
            "日报 3/2/2026",
            "「3/2/2026」可能是 2026-02-03，也可能是 2026-03-02：请按 YYYY-MM-DD 写出你要的那一天",
        ),
    ],
)
async def test_a_date_that_is_no_day_is_invalid(engine: AsyncEngine, typed: str, text: str) -> None:
    # It was "not a date: '2026-02-30' (use YYYY-MM-DD, …)", though written as asked.
    await save(engine, DAILY, "UTC")
    reply = await ask(engine, DAILY, utc(JAN_4, 12), typed)
    assert (reply.error, reply.text) == (True, text)


@pytest.mark.parametrize(
    ("channel", "typed"),
    [
        (DAILY, "digest 9999-W52"),  # its Sunday is in the year 10000
        (DAILY, "digest 0001-W01"),
        (DAILY, "digest week of 9999-12-31"),
        (DAILY, "digest week of 0001-01-01"),
        (WEEKLY, "digest 9999-12-31"),  # its delivery is on a Sunday in the year 10000
        (WEEKLY, "digest 0001-01-01"),  # the week before its delivery is before the year 1
        (WEEKLY, "digest 9999-W52"),
    ],
)
async def test_a_day_or_week_at_the_calendars_ends_is_refused(
    engine: AsyncEngine, channel: ChannelRef, typed: str
) -> None:
    # They answered "Something went wrong" and logged a traceback (date arithmetic overflowed).
    await reports_around_the_year_end(engine, days=1)
    await save(engine, DAILY, "UTC")
    await save(engine, WEEKLY, "Pacific/Kiritimati", DigestSettings(cadence="weekly", weekday=6))
    reply = await ask(engine, channel, utc(JAN_4, 12), typed)
    assert reply.error
    asked = typed.removeprefix("digest ").removeprefix("week of ")
    assert reply.text == f"invalid date '{asked}'"
    zh = await ask(engine, channel, utc(JAN_4, 12), typed.replace("digest", "日报"))
    assert zh.text == f"无效日期「{asked}」"


async def test_a_weekly_channel_gets_the_delivery_holding_most_of_the_week(engine: AsyncEngine) -> None:
    """Monday 09:00 in Shanghai: 2026-W53 (28 December to 3 January) is in Monday 4 January's
    digest; before 09:00 on that Monday it is the next digest, as it stands."""
    got = await year_end_with_a_holiday(engine)
    tuesday = JAN_4 + dt.timedelta(days=1)
    await ingest(engine, tuesday, utc(tuesday, 2))
    later = utc(tuesday, 3)
    for typed in ("digest last week", "日报 上周", "digest 2026-W53"):
        reply = await ask(engine, WEEKLY, later, typed)
        assert shown(reply) == got[1], typed
        assert reply.digest is not None
        assert "weekly digest of Monday 2027-01-04, 09:00 (Asia/Shanghai)" in reply.digest.following_line()
    assert shown(await ask(engine, WEEKLY, later, "digest week of 2026-12-21")) == got[0]
    assert shown(await ask(engine, WEEKLY, later, "digest this week")) == [tuesday]
    before_nine = utc(JAN_4, 0, 30)  # Monday 08:30 in Shanghai
    reply = await ask(engine, WEEKLY, before_nine, "digest last week")
    assert shown(reply) == [DEC_28]
    assert reply.digest is not None
    assert "next weekly digest, Monday 2027-01-04 at 09:00 (Asia/Shanghai)" in reply.digest.following_line()


async def test_a_week_typed_as_a_lookup_says_where_its_papers_are(engine: AsyncEngine) -> None:
    await save(engine, DAILY, "UTC")
    now = utc(JAN_4, 12)
    reply = await ask(engine, DAILY, now, "last week")
    assert (
        reply.text
        == "“last week” names a week: /paper digest last week shows this channel's papers of that week."
    )
    reply = await ask(engine, DAILY, now, "上周")
    assert reply.text == "「上周」指的是一周：/paper 日报 上周 可查看本频道那一周的论文。"


@pytest.mark.parametrize(
    "typed",
    [
        "日报 上周全部",
        "日报上周全部",
        "日报 上周 全部",
        "日报 全部上周",
        "digest last week all",
        "digest all last week",
        "日报 2026-W53全部",
        "日报 2026年第53周全部",
    ],
)
async def test_all_glued_to_a_week_is_every_match_of_the_week(engine: AsyncEngine, typed: str) -> None:
    # `上周全部` (no space: Chinese is written without them) was "「上周全部」不是日期".
    await reports_around_the_year_end(engine)
    await SubscriptionStore(engine).save(Subscription(DAILY, RL, settings=DigestSettings(size=2)))
    reply = await ask(engine, DAILY, utc(JAN_4 + dt.timedelta(days=1), 12), typed)
    assert not reply.error, reply.text
    assert shown(reply) == W53, typed  # all seven, not the channel's two


@pytest.mark.parametrize(
    ("typed", "days"),
    [("日报 昨天全部", [JAN_4]), ("日报 本周全部", [JAN_4, JAN_4 + dt.timedelta(days=1)])],
)
async def test_all_glued_to_a_day_or_this_week_is_every_match(
    engine: AsyncEngine, typed: str, days: list[dt.date]
) -> None:
    await reports_around_the_year_end(engine)
    await SubscriptionStore(engine).save(Subscription(DAILY, RL, settings=DigestSettings(size=1)))
    reply = await ask(engine, DAILY, utc(JAN_4 + dt.timedelta(days=1), 12), typed)
    assert not reply.error, reply.text
    assert shown(reply) == days, typed


async def test_a_week_number_typed_as_a_lookup_says_where_its_papers_are(engine: AsyncEngine) -> None:
    # `/paper 2026-W48` searched the archive for the words "2026" and "w48".
    await reports_around_the_year_end(engine)
    await save(engine, DAILY, "UTC")
    now = utc(JAN_4, 12)
    for typed in ("2026-W48", "W48", "2026w48"):
        reply = await ask(engine, DAILY, now, typed)
        assert (reply.text, reply.hits) == (
            f"“{typed}” names a week: /paper digest {typed} shows this channel's papers of that week.",
            [],
        )
    reply = await ask(engine, DAILY, now, "第48周")
    assert reply.text == "「第48周」指的是一周：/paper 日报 第48周 可查看本频道那一周的论文。"


async def test_a_week_that_does_not_exist_typed_as_a_lookup_says_so(engine: AsyncEngine) -> None:
    # `/paper 2025-W53` searched the archive for its text; `digest 2025-W53` says there is none.
    await reports_around_the_year_end(engine)
    await save(engine, DAILY, "UTC")
    reply = await ask(engine, DAILY, utc(JAN_4, 12), "2025-W53")
    assert (reply.error, reply.text) == (
        True,
        "no such week '2025-W53': ISO 8601 numbers a year's weeks 1 to 52 or 53, e.g. 2026-W48",
    )
    reply = await ask(engine, DAILY, utc(JAN_4, 12), "2025年第53周")
    assert reply.text.startswith("没有这一周「2025年第53周」")


async def test_a_paper_named_after_a_week_number_is_still_found(engine: AsyncEngine) -> None:
    # Words around a week number are a search, as before: only the week alone is a week.
    w48 = paper(arxiv_id="2612.30999", title="W48 Benchmark: Weekly Forecasting", domain="时间序列")
    await reports_around_the_year_end(engine, days=1)
    await ingest(engine, dt.date(2026, 12, 30), utc(dt.date(2026, 12, 30), 2), w48)
    await save(engine, DAILY, "UTC")
    for typed in ("W48 benchmark", "W48 Benchmark: Weekly Forecasting", '"W48"'):
        reply = await ask(engine, DAILY, utc(JAN_4, 12), typed)
        assert [hit.arxiv_id for hit in reply.hits] == ["2612.30999"], typed


async def test_a_day_before_a_move_to_another_weekday_shows_the_week_that_held_it(
    engine: AsyncEngine,
) -> None:
    """Weekly on Monday until Tuesday 1 December, then on Friday. `/paper digest 2026-11-25` showed
    a "weekly digest of Friday 2026-11-27" that never went out, its week counted from the digest
    of 23 November: the channel got 25 November's report in Monday 30 November's, which is shown."""
    from tests.bot.delivery.test_weekly_history import _day_of, change_cadence, daily_reports, subscribe

    def held(reply: Reply) -> list[dt.date]:
        assert reply.digest is not None, reply.text
        return sorted(_day_of(item.arxiv_id) for item in reply.digest.items)

    ref = await subscribe(engine, "CWEEK", weekday=0)
    bot = deliverer(engine, ScriptedPublisher())
    await daily_reports(engine, bot, dt.date(2026, 11, 17), dt.date(2026, 11, 30))
    await change_cadence(engine, ref, "weekly fri")
    await daily_reports(engine, bot, dt.date(2026, 12, 1), dt.date(2026, 12, 5))
    saturday = utc(dt.date(2026, 12, 5), 12)
    reply = await ask(engine, ref, saturday, "digest 2026-11-25")
    assert held(reply) == [dt.date(2026, 11, 24) + dt.timedelta(days=n) for n in range(7)]
    assert reply.digest is not None
    assert "weekly digest of Monday 2026-11-30, 09:00 (UTC)" in reply.digest.following_line()
    # A day of the new day's weeks, and one still to come, are the Friday's as before.
    reply = await ask(engine, ref, saturday, "digest 2026-12-02")
    assert held(reply) == [dt.date(2026, 12, 1) + dt.timedelta(days=n) for n in range(4)]
    assert reply.digest is not None
    assert "weekly digest of Friday 2026-12-04, 09:00 (UTC)" in reply.digest.following_line()
