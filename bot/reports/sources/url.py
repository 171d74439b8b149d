"""Reports at a URL: a template with `{date}`, or one URL given on the command line.

A body is a saved daily_papers answer when it is served as JSON (`application/json`, `…+json`)
or starts as JSON does, and a markdown report otherwise (bot/reports/sources/hf_api.py).
"""

from __future__ import annotations

import datetime as dt

from bot.errors import BadInputError
from bot.models import Report
from bot.reports.fetch_limits import DEFAULT_MAX_REPORT_BYTES
from bot.reports.sources.hf_api import HuggingFaceApiSource, api_day, parse_text, served_as_json
from bot.reports.sources.http import HttpFetcher
from bot.reports.sources.local import date_in_name


class UrlTemplateSource:
    """`https://…/report-{date}.md`: the day's report, None while it is not published (404)."""

    def __init__(self, template: str, fetcher: HttpFetcher | None = None) -> None:
        if "{date}" not in template:
            raise BadInputError(f"report URL template {template!r} has no {{date}} placeholder")
        if not template.startswith(("http://", "https://")):
            raise BadInputError(f"report URL template {template!r} is not an http(s) URL")
        self.template = template
        self.fetcher = fetcher or HttpFetcher()

    @property
    def name(self) -> str:
        return self.template

    def url_for(self, day: dt.date) -> str:
        return self.template.replace("{date}", day.isoformat())

    async def fetch(self, day: dt.date) -> Report | None:
        url = self.url_for(day)
        api = api_day(url)
        if api is not None:
            hub = HuggingFaceApiSource(api[0], fetcher=self.fetcher, configured_by="PAPERBOT_REPORT_SOURCE")
            return await hub.fetch(api[1])
        result = await self.fetcher.get_text(url)
        if result is None:
            return None
        return parse_text(
            result.text, origin=url, default_date=day, declared_json=served_as_json(result.content_type)
        )

    async def aclose(self) -> None:
        await self.fetcher.aclose()


async def fetch_report_url(
    url: str, fetcher: HttpFetcher | None = None, *, max_bytes: int = DEFAULT_MAX_REPORT_BYTES
) -> Report | None:
    """The report at one URL (`paperbot ingest https://…`); None on 404, except from the daily
    papers API, which answers a day without papers with [] (a 404 there is no API: an error)."""
    own = fetcher is None
    fetcher = fetcher or HttpFetcher(max_bytes=max_bytes)
    api = api_day(url)
    try:
        if api is not None:
            return await HuggingFaceApiSource(api[0], fetcher=fetcher, configured_by=None).fetch(api[1])
        result = await fetcher.get_text(url)
    finally:
        if own:
            await fetcher.aclose()
    if result is None:
        return None
    return parse_text(
        result.text,
        origin=url,
        default_date=date_in_name(url),
        declared_json=served_as_json(result.content_type),
    )
