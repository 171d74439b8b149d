"""The report archive: reports, papers, their links, full-text search, HTTP validators.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("source_url", sa.Text()),
        sa.Column("origin", sa.Text()),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("paper_count", sa.Integer(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("date", name="uq_reports_date"),
    )
    op.create_table(
        "papers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("arxiv_id", sa.String(40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        *(
            sa.Column(name, sa.Text(), nullable=False)
            for name in ("source", "domain", "contribution", "usage", "innovations", "results", "summary")
        ),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("upvotes", sa.Integer()),
        sa.Column("github_repo", sa.Text()),
        sa.Column("project_page", sa.Text()),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("domain_terms", sa.Text(), nullable=False),
        sa.Column("body_terms", sa.Text(), nullable=False),
        sa.UniqueConstraint("arxiv_id", name="uq_papers_arxiv_id"),
    )
    op.create_table(
        "report_papers",
        sa.Column(
            "report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("paper_id", sa.Integer(), sa.ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_index("ix_report_papers_paper_id", "report_papers", ["paper_id"])
    op.create_table(
        "http_cache",
        sa.Column("url", sa.String(2048), primary_key=True),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_fts()
    else:
        _postgres_fts()


_FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"


def _sqlite_fts() -> None:
    # External-content FTS5 indexes over the tokenised columns, kept in step by triggers so
    # that every write path, present or future, updates them. `papers_fts` holds everything
    # and finds matches; `papers_lead_fts` holds the title and the application area only:
    # its doclists are short, so ranking there with bm25 stays cheap for common words
    # (see bot/store/search.py).
    _sqlite_fts_table("papers_fts", ("title_terms", "body_terms"))
    _sqlite_fts_table("papers_lead_fts", ("title_terms", "domain_terms"))


def _sqlite_fts_table(name: str, columns: tuple[str, ...]) -> None:
    listed = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    op.execute(
        f"CREATE VIRTUAL TABLE {name} USING fts5({listed}, content='papers', content_rowid='id', "
        f"tokenize='{_FTS_TOKENIZER}')"
    )
    op.execute(
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON papers BEGIN "
        f"INSERT INTO {name}(rowid, {listed}) VALUES (new.id, {new}); END"
    )
    op.execute(
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON papers BEGIN "
        f"INSERT INTO {name}({name}, rowid, {listed}) VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {listed} ON papers BEGIN "
        f"INSERT INTO {name}({name}, rowid, {listed}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {name}(rowid, {listed}) VALUES (new.id, {new}); END"
    )


def _postgres_fts() -> None:
    # Title lexemes carry weight A, application-area lexemes B, the other sections C, so a
    # query can ask for title matches alone (`term:A`) or lead matches (`term:AB`), and
    # ts_rank favours them.
    op.execute(
        "ALTER TABLE papers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('english'::regconfig, title_terms), 'A') || "
        "setweight(to_tsvector('english'::regconfig, domain_terms), 'B') || "
        "setweight(to_tsvector('english'::regconfig, body_terms), 'C')) STORED"
    )
    op.execute("CREATE INDEX ix_papers_search_vector ON papers USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS papers_fts")
        op.execute("DROP TABLE IF EXISTS papers_lead_fts")
    op.drop_table("http_cache")
    op.drop_table("report_papers")
    op.drop_table("papers")
    op.drop_table("reports")
