"""PostgreSQL: a lead vector beside the search vector, and LZ4 (issue 17: lookups within 10 ms,
a compact archive).

`lead_vector` holds a paper's title and application-area lexemes (weights A and B of
`search_vector`), as SQLite's `papers_lead_fts` does: lookups rank and flag title matches on it
(bot/store/search.py). Before, they did so on `search_vector`, about 10 KB a paper and kept out of
line, and whenever few titles matched a query PostgreSQL read that of every paper: 143 ms p95
for one common English word at 100,000 papers (benchmarks/bench_lookup.py --postgres). It is a
generated column (`ts_filter` of `search_vector`), so every write keeps it in step, and stored in
the row (STORAGE MAIN: about 1.1 KB), so that reading it costs no TOAST fetch.

`search_vector` is compressed with LZ4: pglz, the default, gives up on a tsvector (it keeps a
value uncompressed unless it saves a quarter), LZ4 saves 17% of it, which pays for the lead
vector (16.9 → 17.1 KB per paper in all), and the ingest that writes it is faster. A server built
without LZ4 (optional before PostgreSQL 16's packages; per-column compression exists from 14)
keeps pglz. SQLite has its lead table already (0011).

All in one ALTER TABLE, so that the one rewrite of the table that adding a stored column costs
also stores the lead vectors in the row and compresses the search vectors with LZ4: about 3.3 s
per 10,000 papers, the table locked meanwhile.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Whether this server can compress with LZ4: `default_toast_compression` lists what it was built
# with (the setting exists from PostgreSQL 14, which brought per-column compression).
_LZ4_AVAILABLE = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return
    changes = [
        "ADD COLUMN lead_vector tsvector GENERATED ALWAYS AS (ts_filter(search_vector, '{a,b}')) STORED",
        "ALTER COLUMN lead_vector SET STORAGE MAIN",
    ]
    if bind.execute(text(_LZ4_AVAILABLE)).scalar():
        changes.append("ALTER COLUMN search_vector SET COMPRESSION lz4")
    op.execute(f"ALTER TABLE papers {', '.join(changes)}")
    op.execute("CREATE INDEX ix_papers_lead_vector ON papers USING gin (lead_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    # Dropping the column drops its index.
    op.execute("ALTER TABLE papers DROP COLUMN lead_vector, ALTER search_vector SET COMPRESSION default")
