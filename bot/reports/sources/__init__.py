"""Report sources behind the `ReportSource` protocol, and the setting that chooses one.

Each source is imported when it is chosen: reading a folder of files (bulk ingest's workers,
bot/runtime/ingest_workers.py) imports no HTTP client."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import BadInputError
from bot.reports.fetch_limits import DEFAULT_MAX_REPORT_BYTES

if TYPE_CHECKING:
    from bot.ports import ReportSource
    from bot.reports.sources.http import ValidatorCache

HF_API = "hf-api"
HF_ENDPOINT_DEFAULT = "https://huggingface.co"


def source_problem(value: str) -> str | None:
    """What is wrong with a `PAPERBOT_REPORT_SOURCE` value, or None: checked with the other
    settings at start-up (bot/runtime/config.py) and again when the source is made."""
    value = value.strip()
    if value.lower() == HF_API:
        return None
    if value.startswith(("http://", "https://")) or "{date}" in value:
        if "{date}" not in value:
            return f"report URL template {value!r} has no {{date}} placeholder"
        if not value.startswith(("http://", "https://")):
            return f"report URL template {value!r} is not an http(s) URL"
        return None
    if not Path(value).expanduser().exists():
        return f"{value!r} is neither 'hf-api', a URL template with {{date}}, nor an existing file or folder"
    return None


def source_from_setting(
    value: str,
    *,
    cache: ValidatorCache | None = None,
    max_bytes: int = DEFAULT_MAX_REPORT_BYTES,
    hf_endpoint: str = HF_ENDPOINT_DEFAULT,
) -> ReportSource:
    """`PAPERBOT_REPORT_SOURCE` → a source: `hf-api`, a URL template with `{date}`, or a path.
    `max_bytes` is PAPERBOT_MAX_REPORT_BYTES; `hf_endpoint` is HF_ENDPOINT (a Hub mirror)."""
    value = value.strip()
    problem = source_problem(value)
    if problem is not None:
        raise BadInputError(f"PAPERBOT_REPORT_SOURCE: {problem}")
    hf_api = value.lower() == HF_API
    if hf_api or value.startswith(("http://", "https://")) or "{date}" in value:
        from bot.reports.sources.http import HttpFetcher

        fetcher = HttpFetcher(cache=cache, max_bytes=max_bytes)
        if hf_api:
            from bot.reports.sources.hf_api import HuggingFaceApiSource

            return HuggingFaceApiSource(hf_endpoint, fetcher=fetcher)
        from bot.reports.sources.url import UrlTemplateSource

        return UrlTemplateSource(value, fetcher=fetcher)
    from bot.reports.sources.local import LocalSource

    return LocalSource(Path(value).expanduser(), max_bytes=max_bytes)


def newest_settled_day(source: ReportSource, today: dt.date) -> dt.date:
    """The newest day whose report this source gives whole on `today` (a UTC day).

    A markdown report is published whole, so today's counts as soon as it is there. Hugging
    Face's daily papers list (`hf-api`, or a URL template asking the API) fills during its own UTC
    day: papers are submitted to it from just after 00:00 UTC until the evening, most by about
    06:00. Taken at its first paper, the day was decided for every channel whose time came then,
    and a Shanghai morning digest (00:30 UTC) held the first one to three papers of a day of fifty.
    So such a day is taken once it is over, whole, as a report is: yesterday is the newest."""
    from bot.reports.sources.hf_api import HuggingFaceApiSource, api_day
    from bot.reports.sources.url import UrlTemplateSource

    fills = isinstance(source, HuggingFaceApiSource) or (
        isinstance(source, UrlTemplateSource) and api_day(source.url_for(today)) is not None
    )
    return today - dt.timedelta(days=1) if fills else today
