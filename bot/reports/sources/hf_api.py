"""The Hugging Face daily papers JSON API as a report source.

`GET /api/daily_papers?date=YYYY-MM-DD` lists the day's papers; each item's `paper` object holds
the arXiv `id` and `title` and, optionally, the abstract, authors, upvotes, an AI summary and
keywords, a GitHub repository and a project page. Only `id` and `title` are relied upon.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from bot.errors import ReportFormatError
from bot.models import Paper, Report
from bot.reports.arxiv import parse_arxiv_id
from bot.reports.sources.http import HttpFetcher

PAGE_SIZE = 100  # the API's reported maximum per page
MAX_PAGES = 5  # no day has had more than a few hundred papers
SOURCE_LABEL = "Hugging Face API"
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?。！？])(?:\s|$)", re.S)


class HuggingFaceApiSource:
    def __init__(self, base_url: str = "https://huggingface.co", fetcher: HttpFetcher | None = None) -> None:
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
        papers: list[Paper] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            paper = paper_from_item(item, index, self.name)
            if paper.arxiv_id not in seen:
                seen.add(paper.arxiv_id)
                papers.append(paper)
        return Report(
            date=day, papers=tuple(papers), source_url=f"https://huggingface.co/papers/date/{day.isoformat()}"
        )

    async def aclose(self) -> None:
        await self.fetcher.aclose()


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
