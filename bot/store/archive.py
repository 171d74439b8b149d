"""The report archive: storing reports and papers once, and reading them back."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    TextClause,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.errors import BadInputError, PaperbotError
from bot.models import SECTION_FIELDS, LookupHit, Paper, Report
from bot.store.database import as_utc
from bot.store.prepared import (
    EXTRA_FIELDS,
    TEXT_FIELDS,
    PreparedReport,
    Sources,
    Terms,
    paper_row,
    prepare,
    term_sources,
    terms_of,
)
from bot.store.tables import papers, report_papers, reports
from bot.text import count

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


def _merge(stored: Mapping[str, Any], incoming: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """The changes a paper's stored row needs after it appears in the report of `day`.

    The newest report's text wins, field by field, but an empty field never erases a
    filled one; an older report (ingested late) only fills gaps.
    """
    newer = day >= stored["last_date"]
    merged = dict(stored)
    for name in (*TEXT_FIELDS, *EXTRA_FIELDS):
        value = incoming[name]
        if value in ("", None, []):
            continue
        if newer or stored[name] in ("", None, []):
            merged[name] = value
    merged["first_date"] = min(stored["first_date"], day)
    merged["last_date"] = max(stored["last_date"], day)
    return {name: value for name, value in merged.items() if stored.get(name) != value}


# The search index (bot/store/search.py reads it). SQLite: two contentless FTS5 tables, which
# keep only the index, written here (a contentless table is told a paper's old terms to remove
# them, so they are recomputed from the stored text). PostgreSQL: `papers.search_vector`, the
# title's lexemes at weight A, the application area's at B, the rest at C, GIN-indexed.
_FTS_TABLES = {"papers_fts": (0, 2), "papers_lead_fts": (0, 1)}  # which of a paper's Terms
# FTS5's own default: a merge once 4 segments of a size are there (bulk_load turns it off awhile).
FTS5_AUTOMERGE = 4
_FTS_COLUMNS = {
    "papers_fts": ("title_terms", "body_terms"),
    "papers_lead_fts": ("title_terms", "domain_terms"),
}
SEARCH_VECTOR_SQL = (
    "setweight(to_tsvector('english', :title_terms), 'A') || "
    "setweight(to_tsvector('english', :domain_terms), 'B') || "
    "setweight(to_tsvector('english', :body_terms), 'C')"
)


def _fts_statement(table: str, *, remove: bool) -> str:
    # Written through the driver (SQLite's own `?` parameters): SQLAlchemy's processing of each
    # row's parameters cost as much as FTS5's indexing of the row's title (issue 17).
    first, second = _FTS_COLUMNS[table]
    if remove:
        return f"INSERT INTO {table}({table}, rowid, {first}, {second}) VALUES ('delete', ?, ?, ?)"
    return f"INSERT INTO {table}(rowid, {first}, {second}) VALUES (?, ?, ?)"


def _fts_rows(table: str, entries: Sequence[tuple[int, Terms]]) -> list[tuple[int, str, str]]:
    first, second = _FTS_TABLES[table]
    return [(paper_id, terms[first], terms[second]) for paper_id, terms in entries]


def _vector_params(terms: Terms) -> dict[str, str]:
    return {"title_terms": terms[0], "domain_terms": terms[1], "body_terms": terms[2]}


def _postgres_papers_insert() -> TextClause:
    # PostgreSQL's rows come with ids drawn from the sequence beforehand (_sequence_ids), so no
    # RETURNING is needed (SQLite numbers them itself: _sqlite_papers_insert).
    names = [column.name for column in papers.columns]
    columns, values = ", ".join(names), ", ".join(f":{name}" for name in names)
    # Typed, so that JSON and dates are written as the table's columns write them.
    return text(
        f"INSERT INTO papers ({columns}, search_vector) VALUES ({values}, {SEARCH_VECTOR_SQL})"
    ).bindparams(*(bindparam(column.name, type_=column.type) for column in papers.columns))


def _sqlite_papers_insert(dialect: Dialect) -> tuple[str, Callable[[Mapping[str, Any]], tuple[Any, ...]]]:
    """SQLite's insert of papers rows, and each row's values for it, written through the driver
    as SQLAlchemy would write them (each column type's own conversion: JSON, dates) but without
    its per-row parameter processing, which cost ~0.1 ms a paper in bulk ingest (issue 17)."""
    columns = [column for column in papers.columns if column.name != "id"]
    convert = [(column.name, column.type.dialect_impl(dialect).bind_processor(dialect)) for column in columns]
    names, marks = ", ".join(column.name for column in columns), ", ".join("?" * len(columns))

    def values(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row[name] if to is None else to(row[name]) for name, to in convert)

    return f"INSERT INTO papers ({names}) VALUES ({marks})", values


async def _sequence_ids(conn: AsyncConnection, count_: int) -> list[int]:
    rows = await conn.execute(
        text("SELECT nextval(pg_get_serial_sequence('papers', 'id')) FROM generate_series(1, :n)"),
        {"n": count_},
    )
    return [int(value) for value in rows.scalars()]


async def _ids_of(conn: AsyncConnection, arxiv_ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in chunks(arxiv_ids):
        rows = await conn.execute(select(papers.c.arxiv_id, papers.c.id).where(papers.c.arxiv_id.in_(part)))
        found.update((row.arxiv_id, row.id) for row in rows)
    return found


def rebuild_search_index(conn: Connection, *, batch: int = CHUNK, authors: bool = True) -> None:
    """Index every paper again from its stored text (migrations: a new tokenisation or layout).
    `authors=False` leaves the authors out, as the index was before migration 0014 (0011 runs
    with it, so that 0014 finds the index it expects)."""
    postgres = conn.dialect.name != "sqlite"
    if not postgres:
        for table in _FTS_TABLES:
            conn.execute(text(f"INSERT INTO {table}({table}) VALUES ('delete-all')"))
    source_columns = [papers.c.id, papers.c.title, papers.c.original_title, papers.c.domain]
    source_columns += [papers.c[name] for name in (*SECTION_FIELDS, "summary", "extra", "keywords")]
    if authors:
        source_columns.append(papers.c.authors)
    last = 0
    while True:
        rows = (
            conn.execute(select(*source_columns).where(papers.c.id > last).order_by(papers.c.id).limit(batch))
            .mappings()
            .all()
        )
        if not rows:
            return
        last = rows[-1]["id"]
        entries = [(row["id"], terms_of(term_sources(row))) for row in rows]
        if postgres:
            statement = text(f"UPDATE papers SET search_vector = {SEARCH_VECTOR_SQL} WHERE id = :id")
            conn.execute(
                statement, [{"id": paper_id, **_vector_params(terms)} for paper_id, terms in entries]
            )
        else:
            for table in _FTS_TABLES:
                conn.exec_driver_sql(_fts_statement(table, remove=False), _fts_rows(table, entries))


# Papers whose stored authors are a non-empty list (JSON text "[]" when there are none).
_HAS_AUTHORS = text("papers.authors IS NOT NULL AND CAST(papers.authors AS TEXT) NOT IN ('[]', 'null')")


def reindex_authored_papers(conn: Connection, *, with_authors: bool, batch: int = CHUNK) -> None:
    """Index again the papers that list authors, with them (migration 0014) or without (its
    downgrade); no other paper's terms differ. SQLite's contentless tables lose each paper's
    terms as indexed before and gain the new ones; PostgreSQL's vectors are written anew."""
    postgres = conn.dialect.name != "sqlite"
    source_columns = [papers.c.id, papers.c.title, papers.c.original_title, papers.c.domain, papers.c.authors]
    source_columns += [papers.c[name] for name in (*SECTION_FIELDS, "summary", "extra", "keywords")]
    last = 0
    while True:
        statement = select(*source_columns).where(papers.c.id > last, _HAS_AUTHORS)
        rows = conn.execute(statement.order_by(papers.c.id).limit(batch)).mappings().all()
        if not rows:
            return
        last = rows[-1]["id"]
        before, after = [], []
        for row in rows:
            listed, bare = terms_of(term_sources(row)), terms_of(term_sources({**row, "authors": ()}))
            before.append((row["id"], bare if with_authors else listed))
            after.append((row["id"], listed if with_authors else bare))
        if postgres:
            write = text(f"UPDATE papers SET search_vector = {SEARCH_VECTOR_SQL} WHERE id = :id")
            conn.execute(write, [{"id": paper_id, **_vector_params(terms)} for paper_id, terms in after])
            continue
        for table in _FTS_TABLES:
            conn.exec_driver_sql(_fts_statement(table, remove=True), _fts_rows(table, before))
            conn.exec_driver_sql(_fts_statement(table, remove=False), _fts_rows(table, after))


@dataclass(slots=True)
class _Batch:
    """What one transaction of ingest learns and decides, report by report, before writing."""

    heads: dict[dt.date, Any]  # the stored reports of the batch's days
    hashes: dict[dt.date, str]  # each day's content hash, as stored or as this batch leaves it
    listed: dict[dt.date, set[str]]  # each day's papers, likewise
    stored: dict[str, dict[str, Any]]  # papers already archived, as read
    current: dict[str, dict[str, Any]]  # every paper of the batch as it will be written
    new: dict[str, dict[str, Any]] = field(default_factory=dict)  # the papers to insert
    plans: dict[dt.date, tuple[dict[str, Any], list[str]]] = field(default_factory=dict)
    terms: dict[Sources, Terms] = field(default_factory=dict)

    def terms_of(self, row: Mapping[str, Any] | RowMapping) -> Terms:
        sources = term_sources(row)
        found = self.terms.get(sources)
        if found is None:
            found = self.terms[sources] = terms_of(sources)
        return found


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
        result = (await self.ingest_many([(prepare(report), origin)]))[0]
        if isinstance(result, EmptyReportRefused):
            raise result
        return result

    async def ingest_many(
        self, items: Sequence[tuple[PreparedReport, str | None]]
    ) -> list[IngestResult | EmptyReportRefused]:
        """Store several reports in one transaction (bulk ingest), each exactly as `ingest` would
        one after the other, in order: a result for each, EmptyReportRefused for a report that
        would empty an archived day (that report alone is left out)."""
        if not items:
            return []
        for attempt in range(_INGEST_ATTEMPTS):
            try:
                return await self._ingest_batch(items)
            except IntegrityError:
                # Another process stored the same report or papers a moment ago; the next
                # attempt sees its rows and merges into them.
                if attempt == _INGEST_ATTEMPTS - 1:
                    raise
            except DBAPIError as exc:
                # SQLite opened read-only (bot/store/database.py), or a read-only PostgreSQL role.
                if any(words in str(exc.orig) for words in ("readonly database", "read-only transaction")):
                    first = items[0][0].report.date
                    raise PaperbotError(
                        f"{first}: the archive is read-only here (lookups work; ingesting needs "
                        "write access to the database: a SQLite file and its folder, or a PostgreSQL role)"
                    ) from None
                raise
        raise AssertionError("unreachable")

    async def _ingest_batch(
        self, items: Sequence[tuple[PreparedReport, str | None]]
    ) -> list[IngestResult | EmptyReportRefused]:
        async with self.engine.begin() as conn:
            batch = await self._read_batch(conn, items)
            results = [self._plan(batch, prepared, origin) for prepared, origin in items]
            if batch.plans:
                await self._write_papers(conn, batch)
                await self._write_reports(conn, batch)
        return results

    async def _read_batch(
        self, conn: AsyncConnection, items: Sequence[tuple[PreparedReport, str | None]]
    ) -> _Batch:
        days = sorted({prepared.report.date for prepared, _ in items})
        heads: dict[dt.date, Any] = {}
        for part in chunks(days):
            statement = select(reports.c.id, reports.c.date, reports.c.content_hash)
            heads.update(
                (row.date, row) for row in await conn.execute(statement.where(reports.c.date.in_(part)))
            )
        listed: dict[dt.date, set[str]] = {day: set() for day in heads}
        by_id = {head.id: day for day, head in heads.items()}
        for part in chunks(list(by_id)):
            rows = await conn.execute(
                select(report_papers.c.report_id, papers.c.arxiv_id)
                .join(papers, papers.c.id == report_papers.c.paper_id)
                .where(report_papers.c.report_id.in_(part))
            )
            for row in rows:
                listed[by_id[row.report_id]].add(row.arxiv_id)
        wanted = sorted({paper.arxiv_id for prepared, _ in items for paper in prepared.report.papers})
        stored: dict[str, dict[str, Any]] = {}
        for part in chunks(wanted):
            rows = await conn.execute(select(papers).where(papers.c.arxiv_id.in_(part)))
            stored.update((row["arxiv_id"], dict(row)) for row in rows.mappings())
        batch = _Batch(
            heads=heads,
            hashes={day: head.content_hash for day, head in heads.items()},
            listed=listed,
            stored=stored,
            current={arxiv_id: dict(row) for arxiv_id, row in stored.items()},
        )
        for prepared, _ in items:
            batch.terms.update(prepared.terms())
        return batch

    def _plan(
        self, batch: _Batch, prepared: PreparedReport, origin: str | None
    ) -> IngestResult | EmptyReportRefused:
        """Apply one report to the batch's papers and reports, in memory, as `ingest` would."""
        report, day = prepared.report, prepared.report.date
        if batch.hashes.get(day) == prepared.digest:
            return IngestResult(day, len(report.papers), 0, 0, unchanged=True)
        before = batch.listed.get(day, set())
        if not report.papers and before:
            return EmptyReportRefused(day, len(before))
        new = updated = 0
        for paper in report.papers:
            row = paper_row(paper, day)
            held = batch.current.get(paper.arxiv_id)
            if held is None:
                batch.current[paper.arxiv_id] = batch.new[paper.arxiv_id] = row
                new += 1
                continue
            changes = _merge(held, row, day)
            if changes:
                held.update(changes)
                updated += 1
        ids = [paper.arxiv_id for paper in report.papers]
        values = {
            "source_url": report.source_url,
            "origin": origin,
            "content_hash": prepared.digest,
            "paper_count": len(report.papers),
            "ingested_at": self.clock(),
        }
        batch.plans.pop(day, None)  # a later report of the same day replaces it, in order
        batch.plans[day] = (values, ids)
        batch.hashes[day], batch.listed[day] = prepared.digest, set(ids)
        return IngestResult(
            day, len(report.papers), new, updated, unchanged=False, removed_papers=len(before - set(ids))
        )

    async def _write_papers(self, conn: AsyncConnection, batch: _Batch) -> None:
        sqlite = conn.dialect.name == "sqlite"
        rows = list(batch.new.values())
        if sqlite:
            statement, values = _sqlite_papers_insert(conn.dialect)
            for part in chunks(rows):
                await conn.exec_driver_sql(statement, [values(row) for row in part])
            ids = await _ids_of(conn, list(batch.new))
            for row in rows:
                row["id"] = ids[row["arxiv_id"]]
        elif rows:
            for row, paper_id in zip(rows, await _sequence_ids(conn, len(rows)), strict=True):
                row["id"] = paper_id
            insert_rows = _postgres_papers_insert()
            for part in chunks(rows):
                await conn.execute(
                    insert_rows, [{**row, **_vector_params(batch.terms_of(row))} for row in part]
                )
        added = [(row["id"], batch.terms_of(row)) for row in rows]
        removed: list[tuple[int, Terms]] = []
        changed: list[tuple[int, Terms]] = []
        for arxiv_id, original in batch.stored.items():
            final = batch.current[arxiv_id]
            changes = {name: value for name, value in final.items() if original[name] != value}
            if not changes:
                continue
            await conn.execute(update(papers).where(papers.c.id == original["id"]).values(**changes))
            old, new = batch.terms_of(original), batch.terms_of(final)
            if old == new:
                continue
            if sqlite:
                removed.append((original["id"], old))
                changed.append((original["id"], new))
            else:
                await conn.execute(
                    text(f"UPDATE papers SET search_vector = {SEARCH_VECTOR_SQL} WHERE id = :id"),
                    {"id": original["id"], **_vector_params(new)},
                )
        if sqlite:
            await self._write_fts(conn, added, removed, changed)

    @staticmethod
    async def _write_fts(
        conn: AsyncConnection,
        added: list[tuple[int, Terms]],
        removed: list[tuple[int, Terms]],
        changed: list[tuple[int, Terms]],
    ) -> None:
        for table, (first, second) in _FTS_TABLES.items():
            # Only the papers whose terms in this table changed leave and re-enter it.
            moved = [
                (old, new)
                for old, new in zip(removed, changed, strict=True)
                if (old[1][first], old[1][second]) != (new[1][first], new[1][second])
            ]
            gone = [old for old, _ in moved]
            entering = added + [new for _, new in moved]
            # One executemany each (three parameters a row: no cap is near), since a statement
            # on another table may flush FTS5's pending terms (see migration 0011, hashsize).
            if gone:
                await conn.exec_driver_sql(_fts_statement(table, remove=True), _fts_rows(table, gone))
            if entering:
                await conn.exec_driver_sql(_fts_statement(table, remove=False), _fts_rows(table, entering))

    async def _write_reports(self, conn: AsyncConnection, batch: _Batch) -> None:
        links: list[dict[str, Any]] = []
        for day, (values, ids) in batch.plans.items():
            head = batch.heads.get(day)
            if head is None:
                # Values as parameters, not in the statement: one compiled statement for all.
                statement = insert(reports).returning(reports.c.id)
                report_id = (await conn.execute(statement, {"date": day, **values})).scalar_one()
            else:
                report_id = head.id
                # `ingested_at` is when the day's report arrived, and stays so: a report that
                # grows or is corrected later (bot/delivery/scheduler.py polls it again) is not a
                # new arrival, or the planner would take an old day for the newest report's
                # successor and a channel's digest of it would be dropped (planner._superseded).
                changes = {name: value for name, value in values.items() if name != "ingested_at"}
                await conn.execute(update(reports).where(reports.c.id == report_id).values(**changes))
                await conn.execute(delete(report_papers).where(report_papers.c.report_id == report_id))
            links.extend(
                {"report_id": report_id, "paper_id": batch.current[arxiv_id]["id"], "position": position}
                for position, arxiv_id in enumerate(ids)
            )
        for part in chunks(links):
            await conn.execute(insert(report_papers), part)

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
        """When the report of `day` first reached the archive (a late report is delivered from
        then); its later growth or corrections leave this as it was."""
        async with self.engine.connect() as conn:
            value = (await conn.execute(select(reports.c.ingested_at).where(reports.c.date == day))).scalar()
        return as_utc(value) if value is not None else None

    async def report_before(self, day: dt.date) -> tuple[dt.date, dt.datetime] | None:
        """The newest report older than `day`: its date and when it reached the archive."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(reports.c.date, reports.c.ingested_at)
                    .where(reports.c.date < day)
                    .order_by(reports.c.date.desc())
                    .limit(1)
                )
            ).one_or_none()
        return (row.date, as_utc(row.ingested_at)) if row is not None else None

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

    @asynccontextmanager
    async def bulk_load(self) -> AsyncIterator[None]:
        """Around many batches stored one after another (bulk ingest). On SQLite, FTS5 merges no
        index segments after each batch meanwhile (its `automerge` 0: a batch's commit writes a
        segment of each table, and merging them as they came cost a seventh of the index's
        writing: 0.25 s of 1.71 s for 10,000 papers); it merges them again when they pile up (its
        `crisismerge`, 16 of a size), and from the next write after this, as before. Then the
        file's free pages go back to the disk."""
        if self.engine.dialect.name != "sqlite":
            yield
            return
        await self._set_automerge(0)
        try:
            yield
        except BaseException:
            # The error that stopped the load is the one to report, not a second one here (the
            # database locked, gone): a process killed before this leaves automerge off until
            # the next bulk load, and the crisis merges still bound the segments, as lookups need.
            with suppress(Exception):
                await self._set_automerge(FTS5_AUTOMERGE)
            raise
        await self._set_automerge(FTS5_AUTOMERGE)
        await self._release_free_pages()

    async def _set_automerge(self, pages: int) -> None:
        async with self.engine.begin() as conn:
            for table in _FTS_TABLES:
                setting = f"INSERT INTO {table}({table}, rank) VALUES ('automerge', {pages})"
                await conn.exec_driver_sql(setting)

    async def _release_free_pages(self) -> None:
        """Give the SQLite file's free pages back to the disk (the FTS5 segments merged away;
        files made before 0011 keep them for later papers instead)."""
        async with self.engine.connect() as conn:
            # It frees a page per step of the statement, and a statement without result
            # columns is stepped once by `execute`; `executescript` steps it to the end.
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.executescript("PRAGMA incremental_vacuum")

    async def content_hashes(self) -> frozenset[str]:
        """The content hash of every stored report (bulk ingest skips preparing those)."""
        async with self.engine.connect() as conn:
            return frozenset((await conn.execute(select(reports.c.content_hash))).scalars())

    async def report_dates(self) -> list[dt.date]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(select(reports.c.date).order_by(reports.c.date))).scalars())

    async def report_arrivals(self) -> dict[dt.date, dt.datetime]:
        """Every report's date and when it first reached the archive (a later version keeps that
        time: Archive.ingest)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(reports.c.date, reports.c.ingested_at).order_by(reports.c.date))
            return {row.date: as_utc(row.ingested_at) for row in rows}

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
