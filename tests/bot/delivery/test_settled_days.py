"""Hugging Face's list of a day fills during that UTC day (papers are submitted to it from just
after 00:00 UTC until the evening), so paperbot takes such a day once it is over, whole, as it
takes a published report: the poller's newest day is yesterday, and the late-report notice waits
for yesterday's. A markdown report is whole when published: today's counts at once.

Taken at its first paper, the day was decided for every channel whose time had come, and a
Shanghai morning digest (09:00 is 01:00 UTC) held the first one to three papers of fifty."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import respx
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.loud_failures import NoticePolicy
from bot.delivery.scheduler import Scheduler, poll_reports
from bot.ports import ReportSource
from bot.reports.sources import newest_settled_day
from bot.reports.sources.hf_api import HuggingFaceApiSource
from bot.reports.sources.local import LocalSource
from bot.reports.sources.url import UrlTemplateSource
from bot.store.archive import Archive
from tests.bot.delivery.test_loud_failures import NOW, OPS, Platform, deliverer

API = "https://huggingface.co/api/daily_papers"
TODAY = NOW.date()  # Wednesday 2026-05-06, 13:00 UTC
YESTERDAY = TODAY - dt.timedelta(days=1)


def hub_day(request: httpx.Request) -> httpx.Response:
    """The Hub's list of the day asked for: one paper whose id carries the day (a first page
    shorter than the API's default is the whole day, one request)."""
    day = dt.date.fromisoformat(request.url.params["date"])
    item = {"title": f"Paper of {day}", "paper": {"id": f"2605.{day.day:05d}", "title": f"Paper of {day}"}}
    return httpx.Response(200, json=[item])


@respx.mock
async def test_the_hub_s_list_is_archived_once_its_day_is_over_not_while_filling(engine: AsyncEngine) -> None:
    route = respx.get(API).mock(side_effect=hub_day)
    archive = Archive(engine, clock=lambda: NOW)
    ingested = await poll_reports(HuggingFaceApiSource(), archive, TODAY)
    asked = {call.request.url.params["date"] for call in route.calls}
    assert asked == {str(YESTERDAY - dt.timedelta(days=1)), str(YESTERDAY)}  # never today's, half full
    assert ingested == [YESTERDAY - dt.timedelta(days=1), YESTERDAY]
    assert TODAY not in await archive.report_dates()


@pytest.mark.parametrize(
    ("setting", "newest"),
    [
        (HuggingFaceApiSource(), YESTERDAY),
        # The API asked through a URL template is the same list.
        (UrlTemplateSource("https://hf-mirror.com/api/daily_papers?date={date}"), YESTERDAY),
        # A markdown report is published whole.
        (UrlTemplateSource("https://reports.example/{date}.md"), TODAY),
        (LocalSource("reports"), TODAY),
    ],
)
def test_only_a_list_that_fills_during_its_day_waits_for_the_day_to_end(
    setting: ReportSource, newest: dt.date
) -> None:
    assert newest_settled_day(setting, TODAY) == newest


async def poll_hub_at(engine: AsyncEngine, platform: Platform, archive: Archive) -> None:
    job = deliverer(engine, platform, NoticePolicy(operator=OPS))
    await Scheduler(job, HuggingFaceApiSource(), archive, clock=lambda: NOW).poll()


@respx.mock
async def test_the_late_notice_waits_for_yesterday_s_list_from_the_hub(engine: AsyncEngine) -> None:
    # Past the 12:00 deadline: today's list is still filling, so its absence is not late …
    respx.get(API).mock(side_effect=hub_day)
    platform = Platform()
    await poll_hub_at(engine, platform, Archive(engine, clock=lambda: NOW))
    assert platform.notices == []


@respx.mock
async def test_a_missing_list_of_yesterday_from_the_hub_is_late(engine: AsyncEngine) -> None:
    # … but yesterday's, over for 13 hours and still empty, is.
    respx.get(API).mock(return_value=httpx.Response(200, json=[]))
    platform = Platform()
    await poll_hub_at(engine, platform, Archive(engine, clock=lambda: NOW))
    [(_, text)] = platform.notices
    assert text.startswith("⚠️ paperbot: the report for 2026-05-05 (Tuesday) has not arrived"), text
    assert "`paperbot ingest 2026-05-05`" in text
