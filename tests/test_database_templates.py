"""A test's migrated database, copied from a template (tests/database_templates.py), is the very
database `migrate()` makes: the same tables, columns, indexes, triggers, settings and revision."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.database import create_engine
from bot.store.migrate import current_revision, head_revision, migrate
from tests.conftest import POSTGRES_URL, _database_params, fresh_database
from tests.database_templates import loads

SQLITE_SHAPE = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name",
    "PRAGMA page_size",
    "PRAGMA auto_vacuum",
    "PRAGMA journal_mode",
)
# Every object of the schema as PostgreSQL describes it, the schema's own name left out.
POSTGRES_SHAPE = (
    "SELECT table_name, column_name, data_type, is_nullable, column_default, is_generated,"
    " generation_expression FROM information_schema.columns"
    " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
    # A partial index's predicate is printed as PostgreSQL reparsed it, which differs in casts
    # between one made by the migration and one replayed from its dump: whether there is one.
    "SELECT indexname, regexp_replace(replace(indexdef, current_schema() || '.', ''), ' WHERE .*', ' WHERE')"
    " FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname",
    "SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
    " JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema() ORDER BY conname",
    "SELECT c.relname, a.attname, a.attcompression, a.attstorage FROM pg_attribute a"
    " JOIN pg_class c ON c.oid = a.attrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
    " AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind = 'r' ORDER BY c.relname, a.attname",
    # Where each sequence stands too: a copy whose next id differs from migrate()'s would hide a
    # migration that writes rows (or a test that depends on the ids it gets).
    "SELECT sequencename, start_value, increment_by, last_value FROM pg_sequences"
    " WHERE schemaname = current_schema() ORDER BY sequencename",
)


async def shape(engine: AsyncEngine) -> list[list[tuple[object, ...]]]:
    queries = SQLITE_SHAPE if engine.dialect.name == "sqlite" else POSTGRES_SHAPE
    async with engine.connect() as conn:
        return [[tuple(row) for row in await conn.execute(text(query))] for query in queries]


@pytest.mark.parametrize("kind", _database_params())
async def test_a_copied_database_is_what_migrate_makes(kind: str, tmp_path: Path) -> None:
    (tmp_path / "copied").mkdir()
    (tmp_path / "migrated").mkdir()
    async with (
        fresh_database(kind, tmp_path / "copied") as copied,
        fresh_database(kind, tmp_path / "migrated", migrated=False) as migrated,
    ):
        await migrate(migrated)
        assert await current_revision(copied) == head_revision()
        got, expected = await shape(copied), await shape(migrated)
        assert all(expected), "the shape queries found nothing: they test nothing"
        assert got == expected


async def test_a_dump_the_server_refuses_is_set_aside() -> None:
    # A pg_dump newer than the server (17 against 15 or 16) writes `SET transaction_timeout = 0`,
    # which the server refuses: every PostgreSQL test failed in its set-up instead of migrating
    # its schema. The dump is tried once on a scratch schema; one refused is not used.
    if not POSTGRES_URL:
        pytest.skip("PAPERBOT_TEST_POSTGRES_URL is not set")
    admin = create_engine(POSTGRES_URL)
    try:
        table = "CREATE TABLE {SCHEMA}.loaded (id integer);\n"
        refused = await loads(admin, "SET paperbot_setting_of_a_newer_server = 0;\n" + table)
        assert refused is not None
        assert "paperbot_setting_of_a_newer_server" in refused
        assert await loads(admin, table) is None
    finally:
        await admin.dispose()
