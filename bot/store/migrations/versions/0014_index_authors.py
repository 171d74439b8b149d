"""Papers are found by their authors: the search index holds the authors the Hugging Face API
lists (`/paper Shizhe Diao`), as it held those of a digest's `Authors:` line already.

Every paper is indexed again from its stored text, in place (bot/store/archive.py
rebuild_search_index): the index must hold exactly the terms that `term_sources` makes, since
SQLite's contentless FTS5 tables remove a paper's old terms by recomputing them.

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
    from bot.store.archive import rebuild_search_index

    rebuild_search_index(op.get_bind())


def downgrade() -> None:
    from bot.store.archive import rebuild_search_index

    # The index 0013's code reads and removes terms from: without the authors.
    rebuild_search_index(op.get_bind(), authors=False)
