"""The Hugging Face daily papers JSON API as a report source.

`GET /api/daily_papers?date=YYYY-MM-DD` lists the day's papers; each item's `paper` object holds
the arXiv `id` and `title` and, optionally, the abstract, authors, upvotes, an AI summary and
keywords, a GitHub repository and a project page. Only `id` and `title` are relied upon: an item
without them is skipped with a warning (the rest of the day is still good); a day whose every
item is unusable is a ReportFormatError. The Hub is reached at `HF_ENDPOINT`, as the Hub's own
tools do, so a mirror serves it too; the papers keep their huggingface.co links.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections import Counter
from typing import Any

from bot.errors import ReportFormatError
from bot.models import Paper, ParseWarning, Report
from bot.reports.arxiv import parse_arxiv_id
from bot.reports.parser import MAX_WARNINGS, parse_report
from bot.reports.sources.http import HttpFetcher

PAGE_SIZE = 100  # the API's reported maximum per page
MAX_PAGES = 5  # no day has had more than a few hundred papers
SOURCE_LABEL = "Hugging Face API"
HF_ENDPOINT_DEFAULT = "https://huggingface.co"
log = logging.getLogger(__name__)
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?。！？])(?:\s|$)", re.S)


class HuggingFaceApiSource:
    def __init__(self, base_url: str = HF_ENDPOINT_DEFAULT, fetcher: HttpFetcher | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.fetcher = fetcher or HttpFetcher()

    @property
    def name(self) -> str:
        return f"{self.base_url}/api/daily_papers"

    async def fetch(self, day: dt.date) -> Report | None:
        items: list[Any] = []
        for page in range(MAX_PAGES):
            params = {"date": day.isoformat(), "limit": str(PAGE_SIZE)}
            if page:
                params["p"] = str(page)
            result = await self.fetcher.get_text(self.name, params=params)
            if result is None:
                break
            batch = _decode(result.text, result.url)
            items.extend(batch)
            if len(batch) < PAGE_SIZE:
                break
        if not items:
            return None  # nothing that day (a weekend, or not published yet)
        return report_from_items(items, day, self.name)

    async def aclose(self) -> None:
        await self.fetcher.aclose()


def report_from_items(items: list[Any], day: dt.date, origin: str) -> Report:
    """A day's report from its API items; unusable items are skipped with a warning, and a day
    with items but none usable is a ReportFormatError."""
    papers: list[Paper] = []
    warnings: list[ParseWarning] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        try:
            paper = paper_from_item(item, index, origin)
        except ReportFormatError as exc:
            warnings.append(ParseWarning(0, f"{exc.reason}; skipped"))
            log.warning("%s %s: %s; skipped", origin, day, exc.reason)
            continue
        if paper.arxiv_id not in seen:
            seen.add(paper.arxiv_id)
            papers.append(paper)
    if items and not papers:
        first = warnings[0].message
        raise ReportFormatError(f"none of the {len(items)} items is usable ({first})", origin=origin)
    return Report(
        date=day,
        papers=tuple(papers),
        source_url=f"https://huggingface.co/papers/date/{day.isoformat()}",
        warnings=tuple(warnings[:MAX_WARNINGS]),
    )


def parse_text(text: str, *, origin: str, default_date: dt.date | None = None) -> Report:
    """A markdown report, or a saved daily_papers JSON answer (a report starts with a heading,
    JSON with `[` or `{`)."""
    if looks_like_json(text):
        return parse_daily_papers_json(text, origin=origin, default_date=default_date)
    return parse_report(text, origin=origin, default_date=default_date)


def looks_like_json(text: str) -> bool:
    """Whether a fetched or saved text is JSON rather than a markdown report."""
    return text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{")


def parse_daily_papers_json(text: str, *, origin: str, default_date: dt.date | None = None) -> Report:
    """A saved daily_papers answer (`paperbot ingest papers-2026-03-16.json`). Its day is the one
    in its name or URL, else the day most of its items reached Daily Papers (`publishedAt`)."""
    items = _decode(text.lstrip("\ufeff"), origin)
    day = default_date or _most_common_day(items)
    if day is None:
        raise ReportFormatError(
            "no date: name the file with its day (papers-2026-03-16.json) or keep the items' publishedAt",
            origin=origin,
        )
    return report_from_items(items, day, origin)


def _most_common_day(items: list[Any]) -> dt.date | None:
    days: Counter[dt.date] = Counter()
    for item in items:
        value = item.get("publishedAt") if isinstance(item, dict) else None
        if isinstance(value, str):
            try:
                days[dt.date.fromisoformat(value[:10])] += 1
            except ValueError:
                continue
    return days.most_common(1)[0][0] if days else None


def _decode(text: str, url: str) -> list[Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportFormatError(f"invalid JSON ({exc.msg} at line {exc.lineno})", origin=url) from None
    if not isinstance(data, list):
        raise ReportFormatError(f"expected a JSON list of papers, got {type(data).__name__}", origin=url)
    return data


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def paper_from_item(item: Any, index: int, origin: str) -> Paper:
    """One API item as a Paper; an item without a usable arXiv id is a ReportFormatError."""
    paper = item.get("paper") if isinstance(item, dict) else None
    if not isinstance(paper, dict):
        raise ReportFormatError(f"item {index} has no 'paper' object", origin=origin)
    arxiv_id = parse_arxiv_id(str(paper.get("id", "")))
    if arxiv_id is None:
        raise ReportFormatError(f"item {index} has no valid arXiv id ({paper.get('id')!r})", origin=origin)
    title = _text(paper.get("title")) or _text(item.get("title"))
    if not title:
        raise ReportFormatError(f"item {index} ({arxiv_id}) has no title", origin=origin)
    summary = _text(paper.get("summary")) or _text(item.get("summary"))
    ai_summary = _text(paper.get("ai_summary"))
    first = _FIRST_SENTENCE.match(summary)
    authors = _list(paper.get("authors"))
    keywords = _list(paper.get("ai_keywords"))
    upvotes = paper.get("upvotes")
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        url=f"https://huggingface.co/papers/{arxiv_id}",
        source=SOURCE_LABEL,
        contribution=ai_summary or (first.group(1) if first else summary),
        summary=summary,
        authors=tuple(_text(a.get("name")) for a in authors if isinstance(a, dict) and _text(a.get("name"))),
        upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) else None,
        github_repo=_text(paper.get("githubRepo")) or None,
        project_page=_text(paper.get("projectPage")) or None,
        keywords=tuple(_text(k) for k in keywords if _text(k)),
    )
