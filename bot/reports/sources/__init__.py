"""Report sources behind the `ReportSource` protocol, and the setting that chooses one.

Each source is imported when it is chosen: reading a folder of files (bulk ingest's workers,
bot/runtime/ingest_workers.py) imports no HTTP client."""

from __future__ import annotations

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
