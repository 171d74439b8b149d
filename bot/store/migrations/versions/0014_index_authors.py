"""Papers are found by their authors: the search index holds the authors the Hugging Face API
lists (`/paper Shizhe Diao`), as it held those of a digest's `Authors:` line already.

Only the papers that list authors are indexed again (bot/store/archive.py
reindex_authored_papers): the terms of the others are the same, so an archive of markdown reports
migrates at once, and one of API days re-indexes each paper once, in place. The index must hold
exactly the terms that `term_sources` makes, since SQLite's contentless FTS5 tables remove a
paper's old terms by recomputing them; the downgrade gives back 0013's index.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from bot.store.archive import reindex_authored_papers

    reindex_authored_papers(op.get_bind(), with_authors=True)


def downgrade() -> None:
    from bot.store.archive import reindex_authored_papers

    reindex_authored_papers(op.get_bind(), with_authors=False)
