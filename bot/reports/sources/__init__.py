"""Report sources behind the `ReportSource` protocol, and the setting that chooses one."""

from __future__ import annotations

from pathlib import Path

from bot.errors import BadInputError
from bot.ports import ReportSource
from bot.reports.fetch_limits import DEFAULT_MAX_REPORT_BYTES
from bot.reports.sources.hf_api import HF_ENDPOINT_DEFAULT, HuggingFaceApiSource
from bot.reports.sources.http import HttpFetcher, ValidatorCache
from bot.reports.sources.local import LocalSource
from bot.reports.sources.url import UrlTemplateSource

HF_API = "hf-api"

__all__ = ["HF_API", "HuggingFaceApiSource", "LocalSource", "UrlTemplateSource", "source_from_setting"]


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
    if value.lower() == HF_API:
        return HuggingFaceApiSource(hf_endpoint, fetcher=HttpFetcher(cache=cache, max_bytes=max_bytes))
    if value.startswith(("http://", "https://")) or "{date}" in value:
        return UrlTemplateSource(value, fetcher=HttpFetcher(cache=cache, max_bytes=max_bytes))
    path = Path(value).expanduser()
    if path.exists():
        return LocalSource(path, max_bytes=max_bytes)
    raise BadInputError(
        f"PAPERBOT_REPORT_SOURCE={value!r} is neither 'hf-api', a URL template with {{date}}, "
        "nor an existing file or folder"
    )
