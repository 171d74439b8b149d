"""The report archive: storing reports and papers once, and reading them back."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.errors import BadInputError, PaperbotError
from bot.models import SECTION_FIELDS, LookupHit, Paper, Report
from bot.store.database import as_utc
from bot.store.tables import papers, report_papers, reports
from bot.store.terms import index_terms
from bot.text import count

# Fields a later report may refresh; the dates and search columns are derived from them.
_TEXT_FIELDS = ("title", "url", "source", *SECTION_FIELDS, "summary", "original_title", "extra")
_EXTRA_FIELDS = ("authors", "keywords", "upvotes", "github_repo", "project_page")
_INGEST_ATTEMPTS = 3
# Rows or ids per statement. asyncpg refuses a statement with more than 32,767 parameters, and
# a failing statement's message quotes every parameter: a 35,000-paper report ended in a 10 MB
# error. A papers row binds ~20 parameters, so 500 rows stay far below the cap on any dialect.
CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


class EmptyReportRefused(BadInputError):
    """A report listing no papers for a day the archive holds papers of: the archive is kept.

    A header-only file (a failed generation, a truncated download) must never empty a day that
    lookups and digests read; a day that really had no papers has no archived papers to lose."""

    def __init__(self, day: dt.date, kept: int) -> None:
        self.day, self.kept = day, kept
        super().__init__(
            f"{day}: the report lists no papers, so it does not replace that day's report; "
            f"the archived {count(kept, 'paper')} were kept"
        )


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What ingesting one report changed."""

    date: dt.date
    papers: int
    new_papers: int
    updated_papers: int
    unchanged: bool
    # Papers the day's previous report listed and this one does not (a corrected report).
    removed_papers: int = 0

    def describe(self) -> str:
        if self.unchanged:
            return f"{self.date}: already archived, unchanged ({count(self.papers, 'paper')})"
        removed = f", {self.removed_papers} removed from that day" if self.removed_papers else ""
        return (
            f"{self.date}: {count(self.papers, 'paper')} archived "
            f"({self.new_papers} new, {self.updated_papers} updated{removed})"
        )


def report_hash(report: Report) -> str:
    """A digest of everything the archive keeps of a report: equal hashes, nothing to do."""
    payload = report.to_json()
    payload["extras"] = [[getattr(p, name) for name in _EXTRA_FIELDS] for p in report.papers]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _paper_row(paper: Paper, day: dt.date) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(paper, name) for name in _TEXT_FIELDS}
    row.update(
        arxiv_id=paper.arxiv_id,
        authors=list(paper.authors),
        keywords=list(paper.keywords),
        upvotes=paper.upvotes,
        github_repo=paper.github_repo,
        project_page=paper.project_page,
        first_date=day,
        last_date=day,
    )
    return _with_terms(row)


def _with_terms(row: dict[str, Any]) -> dict[str, Any]:
    # A translated title is found by either title (FilmAgent：虚拟3D… and "FilmAgent: A Multi-Agent…").
    row["title_terms"] = index_terms(f"{row['title']}\n{row['original_title']}".strip())
    row["domain_terms"] = index_terms(row["domain"])
    body = [row[name] for name in (*SECTION_FIELDS, "summary", "extra")]
    body.extend(row["keywords"])
    row["body_terms"] = index_terms("\n".join(body))
    return row


def _merge(stored: RowMapping, incoming: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """The changes a paper's stored row needs after it appears in the report of `day`.

    The newest report's text wins, field by field, but an empty field never erases a
    filled one; an older report (ingested late) only fills gaps.
    """
    newer = day >= stored["last_date"]
    merged = dict(stored)
    for name in (*_TEXT_FIELDS, *_EXTRA_FIELDS):
        value = incoming[name]
        if value in ("", None, []):
            continue
        if newer or stored[name] in ("", None, []):
            merged[name] = value
    merged["first_date"] = min(stored["first_date"], day)
    merged["last_date"] = max(stored["last_date"], day)
    merged = _with_terms(merged)
    return {name: value for name, value in merged.items() if stored.get(name) != value}


class Archive:
    """Reports and papers in the database. One instance per engine; safe to share."""

    def __init__(
        self, engine: AsyncEngine, *, clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    ) -> None:
        self.engine = engine
        self.clock = clock  # when a report "arrived": a parameter so tests can pin it

    async def ingest(self, report: Report, *, origin: str | None = None) -> IngestResult:
        """Store a report. Idempotent; a corrected report for the same date replaces the old one
        (the result counts the papers it drops), except that a report with no papers never
        replaces one with papers: that raises EmptyReportRefused and changes nothing."""
        for attempt in range(_INGEST_ATTEMPTS):
            try:
                return await self._ingest_once(report, origin)
            except IntegrityError:
                # Another process stored the same report or papers a moment ago; the next
                # attempt sees its rows and merges into them.
                if attempt == _INGEST_ATTEMPTS - 1:
                    raise
            except DBAPIError as exc:
                # SQLite opened read-only (bot/store/database.py), or a read-only PostgreSQL role.
                if any(words in str(exc.orig) for words in ("readonly database", "read-only transaction")):
                    raise PaperbotError(
                        f"{report.date}: the archive is read-only here (lookups work; ingesting needs "
                        "write access to the database: a SQLite file and its folder, or a PostgreSQL role)"
                    ) from None
                raise
        raise AssertionError("unreachable")

    async def _ingest_once(self, report: Report, origin: str | None) -> IngestResult:
        digest = report_hash(report)
        async with self.engine.begin() as conn:
            existing = (
                await conn.execute(
                    select(reports.c.id, reports.c.content_hash).where(reports.c.date == report.date)
                )
            ).one_or_none()
            if existing is not None and existing.content_hash == digest:
                return IngestResult(report.date, len(report.papers), 0, 0, unchanged=True)
            listed: set[int] = set()
            if existing is not None:
                listed = set(
                    (
                        await conn.execute(
                            select(report_papers.c.paper_id).where(report_papers.c.report_id == existing.id)
                        )
                    ).scalars()
                )
                if not report.papers and listed:
                    raise EmptyReportRefused(report.date, len(listed))
            paper_ids, new, updated = await self._upsert_papers(conn, report)
            values = {
                "source_url": report.source_url,
                "origin": origin,
                "content_hash": digest,
                "paper_count": len(report.papers),
                "ingested_at": self.clock(),
            }
            if existing is None:
                report_id = (
                    await conn.execute(
                        insert(reports).values(date=report.date, **values).returning(reports.c.id)
                    )
                ).scalar_one()
            else:
                report_id = existing.id
                await conn.execute(update(reports).where(reports.c.id == report_id).values(**values))
                await conn.execute(delete(report_papers).where(report_papers.c.report_id == report_id))
            links = [
                {"report_id": report_id, "paper_id": paper_id, "position": position}
                for position, paper_id in enumerate(paper_ids)
            ]
            for batch in chunks(links):
                await conn.execute(insert(report_papers), batch)
        removed = len(listed - set(paper_ids))
        return IngestResult(
            report.date, len(report.papers), new, updated, unchanged=False, removed_papers=removed
        )

    async def _upsert_papers(self, conn: AsyncConnection, report: Report) -> tuple[list[int], int, int]:
        ids = [paper.arxiv_id for paper in report.papers]
        stored: dict[str, RowMapping] = {}
        for batch in chunks(ids):
            rows = await conn.execute(select(papers).where(papers.c.arxiv_id.in_(batch)))
            stored.update((row["arxiv_id"], row) for row in rows.mappings())
        new_rows = [_paper_row(p, report.date) for p in report.papers if p.arxiv_id not in stored]
        for batch in chunks(new_rows):
            await conn.execute(insert(papers), batch)
        updated = 0
        for paper in report.papers:
            row = stored.get(paper.arxiv_id)
            if row is None:
                continue
            changes = _merge(row, _paper_row(paper, report.date), report.date)
            if changes:
                updated += 1
                await conn.execute(update(papers).where(papers.c.id == row["id"]).values(**changes))
        id_of: dict[str, int] = {}
        for batch in chunks(ids):
            rows = await conn.execute(
                select(papers.c.arxiv_id, papers.c.id).where(papers.c.arxiv_id.in_(batch))
            )
            id_of.update((row.arxiv_id, row.id) for row in rows)
        return [id_of[arxiv_id] for arxiv_id in ids], len(new_rows), updated

    async def _stored_row(self, arxiv_id: str) -> RowMapping | None:
        async with self.engine.connect() as conn:
            statement = select(papers).where(papers.c.arxiv_id == arxiv_id)
            return (await conn.execute(statement)).mappings().one_or_none()

    async def paper(self, arxiv_id: str) -> Paper | None:
        row = await self._stored_row(arxiv_id)
        return _paper_from_row(row) if row else None

    async def papers(self, arxiv_ids: Sequence[str]) -> dict[str, tuple[Paper, dt.date]]:
        """Several papers at once, each with the date of the newest report that listed it."""
        if not arxiv_ids:
            return {}
        found: dict[str, tuple[Paper, dt.date]] = {}
        async with self.engine.connect() as conn:
            for batch in chunks(list(arxiv_ids)):
                rows = (await conn.execute(select(papers).where(papers.c.arxiv_id.in_(batch)))).mappings()
                found.update((row["arxiv_id"], (_paper_from_row(row), row["last_date"])) for row in rows)
        return found

    async def report_ingested_at(self, day: dt.date) -> dt.datetime | None:
        """When the report of `day` reached the archive (a late report is delivered from then)."""
        async with self.engine.connect() as conn:
            value = (await conn.execute(select(reports.c.ingested_at).where(reports.c.date == day))).scalar()
        return as_utc(value) if value is not None else None

    async def latest_report_date(self) -> dt.date | None:
        async with self.engine.connect() as conn:
            latest: dt.date | None = (await conn.execute(select(func.max(reports.c.date)))).scalar_one()
        return latest

    async def hit(self, arxiv_id: str) -> LookupHit | None:
        """The lookup result for an exact id, dated by the newest report that listed it."""
        row = await self._stored_row(arxiv_id)
        return hit_from_row(row, 1.0) if row else None

    async def report(self, day: dt.date) -> Report | None:
        async with self.engine.connect() as conn:
            head = (await conn.execute(select(reports).where(reports.c.date == day))).mappings().one_or_none()
            if head is None:
                return None
            rows = (
                await conn.execute(
                    select(papers)
                    .join(report_papers, report_papers.c.paper_id == papers.c.id)
                    .where(report_papers.c.report_id == head["id"])
                    .order_by(report_papers.c.position)
                )
            ).mappings()
            return Report(
                date=day, papers=tuple(_paper_from_row(r) for r in rows), source_url=head["source_url"]
            )

    async def report_dates(self) -> list[dt.date]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(select(reports.c.date).order_by(reports.c.date))).scalars())

    async def counts(self) -> tuple[int, int]:
        """(reports, papers) in the archive."""
        async with self.engine.connect() as conn:
            n_reports = (await conn.execute(select(func.count()).select_from(reports))).scalar_one()
            n_papers = (await conn.execute(select(func.count()).select_from(papers))).scalar_one()
        return n_reports, n_papers


def _paper_from_row(row: RowMapping) -> Paper:
    return Paper(
        arxiv_id=row["arxiv_id"],
        title=row["title"],
        url=row["url"],
        source=row["source"],
        domain=row["domain"],
        contribution=row["contribution"],
        usage=row["usage"],
        innovations=row["innovations"],
        results=row["results"],
        authors=tuple(row["authors"] or ()),
        summary=row["summary"],
        upvotes=row["upvotes"],
        github_repo=row["github_repo"],
        project_page=row["project_page"],
        keywords=tuple(row["keywords"] or ()),
        original_title=row["original_title"],
        extra=row["extra"],
    )


def hit_from_row(row: RowMapping, score: float) -> LookupHit:
    return LookupHit(
        arxiv_id=row["arxiv_id"],
        title=row["title"],
        date=row["last_date"],
        score=score,
        url=row["url"],
        domain=row["domain"],
        contribution=row["contribution"],
    )


def rows_to_hits(rows: Sequence[RowMapping]) -> list[LookupHit]:
    return [hit_from_row(row, float(row["score"])) for row in rows]
