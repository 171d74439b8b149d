"""A report made ready to store, without the database: its content hash, its papers' rows and
their search terms. Bulk ingest does this in worker processes (bot/runtime/ingest_workers.py),
which import this module and the parser and nothing of SQLAlchemy, so that they start fast."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.models import SECTION_FIELDS, Paper, Report
from bot.store.terms import index_terms

# Fields a later report may refresh; the dates and search columns are derived from them.
TEXT_FIELDS = ("title", "url", "source", *SECTION_FIELDS, "summary", "original_title", "extra")
EXTRA_FIELDS = ("authors", "keywords", "upvotes", "github_repo", "project_page")


def report_hash(report: Report) -> str:
    """A digest of everything the archive keeps of a report: equal hashes, nothing to do."""
    payload = report.to_json()
    payload["extras"] = [[getattr(p, name) for name in EXTRA_FIELDS] for p in report.papers]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def paper_row(paper: Paper, day: dt.date) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(paper, name) for name in TEXT_FIELDS}
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
    return row


# A paper's text as the search index sees it: (title, application area, everything).
Sources = tuple[str, str, str]
Terms = tuple[str, str, str]


def term_sources(row: Mapping[Any, Any]) -> Sources:
    """The texts a paper is indexed by: its title (a translated title is found by either title,
    FilmAgent：虚拟3D… and "FilmAgent: A Multi-Agent…"), its application area, and every section,
    the summary, the other labelled parts, the keywords and the authors (a digest's `Authors:`
    line is among the labelled parts; the Hugging Face API's authors are a list of their own)."""
    title = f"{row['title']}\n{row['original_title']}".strip()
    body = [row[name] for name in (*SECTION_FIELDS, "summary", "extra")]
    body.extend(row["keywords"])
    body.extend(row.get("authors") or ())  # absent: the index before migration 0014
    return title, row["domain"], "\n".join(body)


def terms_of(sources: Sources) -> Terms:
    return index_terms(sources[0]), index_terms(sources[1]), index_terms(sources[2])


@dataclass(frozen=True, slots=True)
class PreparedReport:
    """A report made ready to store without the database, so that a worker process can do it
    (bulk ingest): its content hash, and the search terms of each of its papers' texts."""

    report: Report
    digest: str
    # Each paper's terms, in the order of report.papers; none when the archive holds the report
    # already. Not keyed by the texts they were made from, as the archive looks them up: those
    # keys repeat every paper's text: sent from a worker, they made the message 27% longer, and
    # pickling and unpickling it took twice as long (issue 17).
    paper_terms: tuple[Terms, ...] = ()

    def terms(self) -> dict[Sources, Terms]:
        """The papers' terms by the texts they were made from."""
        if not self.paper_terms:
            return {}
        rows = (paper_row(paper, self.report.date) for paper in self.report.papers)
        return {term_sources(row): terms for row, terms in zip(rows, self.paper_terms, strict=True)}


def prepare(report: Report, *, stored: frozenset[str] = frozenset()) -> PreparedReport:
    """`report` with its hash and its papers' terms; without the terms when its hash is among
    `stored` (the archive holds it already: re-reading a folder costs no tokenising)."""
    digest = report_hash(report)
    if digest in stored:
        return PreparedReport(report, digest)
    rows = (paper_row(paper, report.date) for paper in report.papers)
    return PreparedReport(report, digest, tuple(terms_of(term_sources(row)) for row in rows))
