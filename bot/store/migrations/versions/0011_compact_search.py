"""A compact archive (issue 17): the search index holds the only copy of each paper's terms.

Until now `papers` kept three tokenised copies of each paper's text (title_terms, domain_terms,
body_terms, about five times the text), which SQLite's external-content FTS5 tables and
PostgreSQL's generated `search_vector` indexed. Now SQLite's two FTS5 tables are contentless
(the index alone; bot/store/archive.py writes them, and removes a paper's old terms by
recomputing them from its text), PostgreSQL's `search_vector` is a plain column that the archive
writes from the terms, and a CJK bigram is spelled in 9 characters instead of 13
(bot/store/terms.py). The term columns go; every paper is indexed again, in place.

SQLite keeps the freed pages in the file for the papers to come; `VACUUM` gives them back to the
disk at once (it needs as much free space as the file takes).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TOKENIZER = "porter unicode61 remove_diacritics 2"
_FTS_TABLES = {
    "papers_fts": ("title_terms", "body_terms"),
    "papers_lead_fts": ("title_terms", "domain_terms"),
}
_TERM_COLUMNS = ("title_terms", "domain_terms", "body_terms")
_HASH_SIZE = 16 * 2**20


def upgrade() -> None:
    from bot.store.archive import rebuild_search_index

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table, columns in _FTS_TABLES.items():
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{trigger}")
            op.execute(f"DROP TABLE IF EXISTS {table}")
            # Contentless: the index alone. bm25 and column filters work on it; nothing reads
            # a column's text back from it.
            op.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5({', '.join(columns)}, content='', "
                f"tokenize='{_TOKENIZER}')"
            )
            # Terms are held in memory up to this size before a segment is written (1 MiB by
            # default): a bulk ingest's batch then makes a few large segments instead of many
            # small ones to merge, which took 45% off the index's share of ingest time.
            op.execute(f"INSERT INTO {table}({table}, rank) VALUES ('hashsize', {_HASH_SIZE})")
        for column in _TERM_COLUMNS:
            op.execute(f"ALTER TABLE papers DROP COLUMN {column}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_papers_search_vector")
        op.execute("ALTER TABLE papers DROP COLUMN search_vector")
        for column in _TERM_COLUMNS:
            op.execute(f"ALTER TABLE papers DROP COLUMN {column}")
        op.execute("ALTER TABLE papers ADD COLUMN search_vector tsvector")
    # The index as it was until 0014, which adds the authors.
    rebuild_search_index(bind, authors=False)
    if bind.dialect.name != "sqlite":
        op.execute("CREATE INDEX ix_papers_search_vector ON papers USING gin (search_vector)")


# The layout of 0001-0010, for downgrade: terms in decimal code points, indexed from the columns.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_CHAR = re.compile(rf"[{_CJK}]")


def _old_terms(text: str) -> str:
    def code(chars: str) -> str:
        return "z" + "".join(f"{ord(char):06d}" for char in chars)

    tokens: list[str] = []
    for run in _TOKEN.findall(text.casefold()):
        if _CJK_CHAR.match(run):
            tokens.extend(code(run[i : i + 2]) for i in range(len(run) - 1))
            tokens.append(code(run[-1]))
        else:
            tokens.append(run)
    return " ".join(tokens)


def downgrade() -> None:
    from bot.store.prepared import term_sources

    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        for table in _FTS_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {table}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_papers_search_vector")
        op.execute("ALTER TABLE papers DROP COLUMN search_vector")
    for column in _TERM_COLUMNS:
        op.execute(f"ALTER TABLE papers ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
    texts: tuple[str, ...] = ("id", "title", "original_title", "domain", "contribution", "usage")
    texts = (*texts, "innovations", "results", "summary", "extra", *_TERM_COLUMNS)
    papers = sa.table(
        "papers",
        *(sa.column(name) for name in texts),
        sa.column("keywords", sa.JSON()),
    )
    rows = bind.execute(sa.select(papers)).mappings().all()
    update = sa.update(papers).where(papers.c.id == sa.bindparam("paper_id"))
    values = [
        {"paper_id": row["id"], **dict(zip(_TERM_COLUMNS, map(_old_terms, term_sources(row)), strict=True))}
        for row in rows
    ]
    if values:
        bind.execute(update.values({name: sa.bindparam(name) for name in _TERM_COLUMNS}), values)
    if sqlite:
        for table, columns in _FTS_TABLES.items():
            listed = ", ".join(columns)
            new = ", ".join(f"new.{column}" for column in columns)
            old = ", ".join(f"old.{column}" for column in columns)
            op.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5({listed}, content='papers', content_rowid='id', "
                f"tokenize='{_TOKENIZER}')"
            )
            op.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
            op.execute(
                f"CREATE TRIGGER {table}_insert AFTER INSERT ON papers BEGIN "
                f"INSERT INTO {table}(rowid, {listed}) VALUES (new.id, {new}); END"
            )
            op.execute(
                f"CREATE TRIGGER {table}_delete AFTER DELETE ON papers BEGIN "
                f"INSERT INTO {table}({table}, rowid, {listed}) VALUES ('delete', old.id, {old}); END"
            )
            op.execute(
                f"CREATE TRIGGER {table}_update AFTER UPDATE OF {listed} ON papers BEGIN "
                f"INSERT INTO {table}({table}, rowid, {listed}) VALUES ('delete', old.id, {old}); "
                f"INSERT INTO {table}(rowid, {listed}) VALUES (new.id, {new}); END"
            )
    else:
        op.execute(
            "ALTER TABLE papers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english'::regconfig, title_terms), 'A') || "
            "setweight(to_tsvector('english'::regconfig, domain_terms), 'B') || "
            "setweight(to_tsvector('english'::regconfig, body_terms), 'C')) STORED"
        )
        op.execute("CREATE INDEX ix_papers_search_vector ON papers USING gin (search_vector)")
