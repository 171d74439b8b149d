"""The Hugging Face daily papers JSON API as a report source.

`GET /api/daily_papers?date=YYYY-MM-DD` lists the day's papers; each item's `paper` object holds
the arXiv `id` and `title` and, optionally, the abstract, authors, upvotes, an AI summary and
keywords, a GitHub repository and a project page. Only `id` and `title` are relied upon: an item
without them is skipped with a warning (the rest of the day is still good); a day whose every
item is unusable is a ReportFormatError. The Hub is reached at `HF_ENDPOINT`, as the Hub's own
tools do, so a mirror serves it too; the papers keep their huggingface.co links.

Saved answers come in the shapes people save them in (tests/fixtures/hf-api/ holds real ones):
the API's list of items, a list of bare `paper` objects (what scrapers keep of each item), a
scraper's flat records named only by a link (LINK_KEYS), or any of these lists wrapped in an
object under one of LIST_KEYS, whose top-level `date` dates the report.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import logging
import urllib.parse
from collections import Counter
from typing import TYPE_CHECKING, Any

from bot.errors import ReportFormatError, SourceError
from bot.models import Paper, ParseWarning, Report
from bot.reports.arxiv import parse_arxiv_id
from bot.reports.counts import upvote_count
from bot.reports.parser import MAX_WARNINGS, parse_report
from bot.reports.sources import HF_ENDPOINT_DEFAULT
from bot.text import first_sentence, without_unsafe

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # imported when a fetch needs it: reading saved answers needs no HTTP client
    from bot.reports.sources.http import HttpFetcher

# Items asked for per page: the API's documented maximum. "A page can hold fewer" (its
# documentation), and a mirror may cap it lower, so a full page of its default size (50) is not
# taken for the last one: the pages are read on until one is empty, brings nothing new, or is
# shorter than the first. A first page shorter than the default is the whole day: one request,
# so a year's backfill stays within the Hub's 500 requests per 5 minutes.
PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
MAX_PAGES = 20  # no day has had more than a few hundred papers; a bound, should `p` misbehave
SOURCE_LABEL = "Hugging Face API"
# Where saved answers wrapped in an object keep their list, in the order looked for (README).
LIST_KEYS = ("papers", "daily_papers", "items", "data", "results")
# Where a scraper's flat record of a paper (no `paper` object, no `id`) keeps a link naming it.
LINK_KEYS = ("paper_url", "url", "arxiv_url", "arxiv_page_url", "page_url", "link", "pdf_url")
# A saved item that is a string is read as an object when it is one written out as JSON or as
# Python prints a dict (`str(item)`: 2404589803/hf-daily-paper-newsletter-chinese saved 22 days
# so); bounded, so that a string of any size costs no more than a real item's text.
MAX_ITEM_TEXT = 1_000_000
_JSON_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
}


class NothingListed(ReportFormatError):
    """A saved daily_papers answer that lists no papers (`[]`): the answer the API gives for a
    day with nothing published (a weekend), which the live source reads as no report that day.
    A source reading a day, and `paperbot ingest` of several files, take it so too; read alone
    (`paperbot parse FILE`, one file ingested) it is said, since there is nothing to show."""


API_PATH = "/api/daily_papers"


def api_day(url: str) -> tuple[str, dt.date] | None:
    """The Hub's address and the day, when `url` asks the daily papers API for one day's list
    (`https://huggingface.co/api/daily_papers?date=2026-04-09`, on a mirror too): such a URL is
    read as the `hf-api` source reads a day, every page of it. Fetched as it is, it gave one page,
    50 papers by the API's default, and a busy day lost the rest."""
    parts = urllib.parse.urlsplit(url)
    if not parts.path.rstrip("/").endswith(API_PATH):
        return None
    query = urllib.parse.parse_qs(parts.query)
    dates = query.get("date", [])
    if len(dates) != 1 or {"week", "month", "p"} & query.keys():
        return None
    day = _day(dates[0])
    if day is None or len(dates[0]) != 10:
        return None
    base = urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, parts.path.rstrip("/")[: -len(API_PATH)], "", "")
    )
    return base, day


class HuggingFaceApiSource:
    def __init__(
        self,
        base_url: str = HF_ENDPOINT_DEFAULT,
        fetcher: HttpFetcher | None = None,
        *,
        configured_by: str | None = "HF_ENDPOINT",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # What named `base_url`, for the error of an address with no API: the setting to check
        # (HF_ENDPOINT; PAPERBOT_REPORT_SOURCE for a URL template), or None for a URL given as is.
        self.configured_by = configured_by
        if fetcher is None:
            from bot.reports.sources.http import HttpFetcher

            fetcher = HttpFetcher()
        self.fetcher = fetcher

    @property
    def name(self) -> str:
        return f"{self.base_url}{API_PATH}"

    async def fetch(self, day: dt.date) -> Report | None:
        items: list[Any] = []
        seen: set[str] = set()
        first_page = 0
        for page in range(MAX_PAGES):
            params = {"date": day.isoformat(), "limit": str(PAGE_SIZE)}
            if page:
                params["p"] = str(page)
            result = await self.fetcher.get_text(self.name, params=params)
            if result is None:
                if page:
                    break
                raise self._not_there(params)
            if not looks_like_json(result.text):
                raise _not_json(result.url, result.text, result.content_type)
            batch, _ = _decode(result.text, result.url)
            fresh = [item for item in batch if _item_key(item) not in seen]
            seen.update(map(_item_key, fresh))
            items.extend(fresh)
            first_page = first_page or len(batch)
            # The end: an empty page, one that repeats what was read (a server that ignores
            # `p`), a first page shorter than the default (no server caps below it), or a later
            # one shorter than the first (so the first was not cut short by a cap).
            if not fresh or len(batch) < (first_page if page else DEFAULT_PAGE_SIZE):
                break
        else:
            log.warning(
                "%s: %s has more than %d pages; read the first %d", self.name, day, MAX_PAGES, MAX_PAGES
            )
        if not items:
            return None  # nothing that day (a weekend, or not published yet)
        return report_from_items(items, day, self.name)

    def _not_there(self, params: dict[str, str]) -> SourceError:
        """A 404 (or 410) for a day's list. The API answers `[]` for a day without papers (a
        weekend), so this is no API at that address: a mistyped HF_ENDPOINT (a mirror's path), or
        a Hub that moved it. Taken for "not published yet" it went unseen, every day."""
        url = f"{self.name}?{urllib.parse.urlencode(params)}"
        where = f"{self.configured_by}={self.base_url}" if self.configured_by else self.base_url
        return SourceError(
            f"{url}: not found (HTTP 404): no daily papers API at {where} "
            "(the API answers [] for a day without papers; check the address of the Hub or mirror)"
        )

    async def aclose(self) -> None:
        await self.fetcher.aclose()


def _not_json(url: str, text: str, content_type: str | None) -> SourceError:
    """A 200 whose body is not JSON: a captive portal's login page, a proxy's error page, or an
    HF_ENDPOINT that is a website rather than a Hub. Said as such, with how the body starts,
    rather than as a JSON syntax error at line 1."""
    media = (content_type or "").split(";", 1)[0].strip() or "no Content-Type"
    start = " ".join(text.split())[:60]
    return SourceError(
        f"{url}: the answer is not JSON ({media}, it starts {start!r}): a proxy's or captive "
        "portal's page, or HF_ENDPOINT is not a Hugging Face Hub"
    )


def _item_key(item: Any) -> str:
    """What tells one item of a page from another (two pages overlap when the list grows while
    it is read, or when a server ignores `p`): its paper's arXiv id, as the report keeps one
    paper per id. Not the whole item: a paper's upvotes and comments change between two pages'
    requests, and a server ignoring `p` then seemed to bring new items on every page, read
    MAX_PAGES times over. An item without a usable id (skipped later, with a warning) is
    told by its whole text."""
    if isinstance(item, dict):
        inner = item.get("paper")
        paper = inner if isinstance(inner, dict) else item
        arxiv_id = parse_arxiv_id(str(paper.get("id", "")))
        if arxiv_id is not None:
            return arxiv_id
    return json.dumps(item, sort_keys=True, default=str)


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
            # Returned with the report, not logged: whoever reads the report says its warnings
            # (`paperbot parse/ingest` as `warning:` lines, the poller in its log), as for a
            # markdown report. Logging it here too printed it twice, once as a JSON log line.
            warnings.append(ParseWarning(0, f"{exc.reason}; skipped"))
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


def parse_text(
    text: str, *, origin: str, default_date: dt.date | None = None, declared_json: str | None = None
) -> Report:
    """A markdown report, or a saved daily_papers JSON answer: JSON when its source declares it
    (`declared_json` says how: "served as application/json", "named .json"), or when the text
    starts as JSON does (`[` or `{`); a report starts with a heading."""
    if declared_json is not None or looks_like_json(text):
        return parse_daily_papers_json(
            text, origin=origin, default_date=default_date, declared_json=declared_json
        )
    return parse_report(text, origin=origin, default_date=default_date)


def served_as_json(content_type: str | None) -> str | None:
    """`served as …` when a Content-Type names JSON (`application/json`, `text/json`, `…+json`)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in ("application/json", "text/json") or media.endswith("+json"):
        return f"served as {media}"
    return None


def looks_like_json(text: str) -> bool:
    """Whether a fetched or saved text is JSON rather than a markdown report."""
    return text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{")


def parse_daily_papers_json(
    text: str, *, origin: str, default_date: dt.date | None = None, declared_json: str | None = None
) -> Report:
    """A saved daily_papers answer (`paperbot ingest papers-2026-03-16.json`). Its day is the
    `date` of the object wrapping its list, else the one in its name or URL, else the day most of
    its items reached Daily Papers (`submittedOnDailyAt`, else an item's `publishedAt`)."""
    items, dated = _decode(text.lstrip("\ufeff"), origin, declared_json)
    if not items:
        raise NothingListed(
            "the JSON lists no papers: the answer for a day with nothing published (a weekend)",
            origin=origin,
        )
    day = dated or default_date or _most_common_day(items)
    if day is None:
        raise ReportFormatError(
            "no date: name the file with its day (papers-2026-03-16.json) or keep the items' publishedAt",
            origin=origin,
        )
    return report_from_items(items, day, origin)


def _most_common_day(items: list[Any]) -> dt.date | None:
    days: Counter[dt.date] = Counter()
    for item in items:
        if not isinstance(item, dict):
            continue
        inner = item.get("paper")
        paper: dict[str, Any] = inner if isinstance(inner, dict) else item
        # A paper's publishedAt is its arXiv date, and so is, in answers since 2025, an item's
        # own; older answers lack submittedOnDailyAt, and their item's publishedAt is the day.
        day = _day(paper.get("submittedOnDailyAt")) or (
            _day(item.get("publishedAt")) if paper is not item else None
        )
        if day is not None:
            days[day] += 1
    return days.most_common(1)[0][0] if days else None


def _day(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _decode(text: str, url: str, declared_json: str | None = None) -> tuple[list[Any], dt.date | None]:
    """The items of a daily_papers answer, and the date of the object wrapping them, if any."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if declared_json is not None and not looks_like_json(text):
            # Most likely a markdown report (or an error page) under a JSON name or type: say
            # so, rather than point at a character of it.
            start = text.lstrip("\ufeff \t\r\n")[:40]
            raise ReportFormatError(
                f"{declared_json} but not JSON (it starts {start!r})", origin=url
            ) from None
        raise ReportFormatError(f"invalid JSON ({exc.msg} at line {exc.lineno})", origin=url) from None
    if isinstance(data, list):
        return [_object_in_text(item) for item in data], None
    expected = f"expected a JSON list of papers, or an object holding one under {', '.join(LIST_KEYS)}"
    if isinstance(data, dict):
        for key in LIST_KEYS:
            if isinstance(data.get(key), list):
                return [_object_in_text(item) for item in data[key]], _day(data.get("date"))
        if isinstance(data.get("error"), str):  # the Hub's error answer, served with 200
            said = " ".join(data["error"].split())[:200]
            raise ReportFormatError(f"the answer is an error, not papers: {said!r}", origin=url)
        keys = ", ".join(map(str, list(data)[:8])) or "none"
        raise ReportFormatError(f"{expected}; got an object with keys {keys}", origin=url)
    got = "null" if data is None else _JSON_NAMES.get(type(data), type(data).__name__)
    raise ReportFormatError(f"{expected}; got {got}", origin=url)


def _object_in_text(item: Any) -> Any:
    """An item saved as the text of an object (`"{'paper': {'id': '2412.07730', …}}"`, a Python
    dict's repr, or JSON in a string) as that object; any other item as it is."""
    if not isinstance(item, str) or len(item) > MAX_ITEM_TEXT:
        return item
    text = item.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return item
    try:
        found = json.loads(text)
    except ValueError:
        try:
            # literal_eval reads literals only (no names, calls or attributes: nothing runs);
            # malformed or too deeply nested text raises, and the item stays a string.
            found = ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return item
    return found if isinstance(found, dict) else item


def _text(value: Any) -> str:
    # Every string of an item passes here: the same characters leave it as leave a markdown report.
    return " ".join(without_unsafe(value).split()) if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _author(value: Any) -> str:
    # The API gives {"name": …}; scrapers often keep just the names.
    return _text(value.get("name")) if isinstance(value, dict) else _text(value)


def _scraped_record(item: dict[str, Any]) -> dict[str, Any] | None:
    """A scraper's flat record of a paper (`{"title": …, "paper_url": …, "details": {…}}`) as a
    paper object: its fields and its `details` object's in one, and the arXiv id read from the
    first of its links that names a paper; None when no link does."""
    details = item.get("details")
    record = {**details, **item} if isinstance(details, dict) else dict(item)
    for key in LINK_KEYS:
        value = record.get(key)
        arxiv_id = parse_arxiv_id(value) if isinstance(value, str) else None
        if arxiv_id is not None:
            links = _list(record.get("github_links"))
            github = next((link for link in links if isinstance(link, str)), None)
            return {"githubRepo": github, **record, "id": arxiv_id}
    return None


def paper_from_item(item: Any, index: int, origin: str) -> Paper:
    """One API item, or a bare paper object, as a Paper; an item without a usable arXiv id is a
    ReportFormatError."""
    if not isinstance(item, dict):
        got = "null" if item is None else _JSON_NAMES.get(type(item), type(item).__name__)
        raise ReportFormatError(f"item {index} is {got}, not a paper object", origin=origin)
    paper = item.get("paper")
    if not isinstance(paper, dict):
        if "id" not in item:
            paper = _scraped_record(item)
            if paper is None:
                raise ReportFormatError(
                    f"item {index} has no 'paper' object, no arXiv 'id' and no paper link"
                    f" ({', '.join(LINK_KEYS)})",
                    origin=origin,
                )
        else:
            paper = item
        item = {}
    arxiv_id = parse_arxiv_id(str(paper.get("id", "")))
    if arxiv_id is None:
        raise ReportFormatError(f"item {index} has no valid arXiv id ({paper.get('id')!r})", origin=origin)
    title = _text(paper.get("title")) or _text(item.get("title"))
    if not title:
        raise ReportFormatError(f"item {index} ({arxiv_id}) has no title", origin=origin)
    summary = _text(paper.get("summary")) or _text(paper.get("abstract")) or _text(item.get("summary"))
    ai_summary = _text(paper.get("ai_summary"))
    authors = _list(paper.get("authors"))
    keywords = _list(paper.get("ai_keywords"))
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        url=f"https://huggingface.co/papers/{arxiv_id}",
        source=SOURCE_LABEL,
        contribution=ai_summary or first_sentence(summary),
        summary=summary,
        authors=tuple(name for name in map(_author, authors) if name),
        upvotes=upvote_count(paper.get("upvotes")),
        github_repo=_text(paper.get("githubRepo")) or None,
        project_page=_text(paper.get("projectPage")) or None,
        keywords=tuple(_text(k) for k in keywords if _text(k)),
    )
