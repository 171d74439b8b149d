from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.store.database import create_engine
from bot.store.migrate import current_revision, head_revision, migrate
from tests.conftest import POSTGRES_URL


async def test_concurrent_migrations_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    engines = [create_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}") for _ in range(3)]
    try:
        await asyncio.gather(*(migrate(engine) for engine in engines))
        assert await current_revision(engines[0]) == head_revision()
        async with engines[0].connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
        assert journal == "wal"
        assert {
            "papers",
            "reports",
            "report_papers",
            "http_cache",
            "papers_fts",
            "papers_lead_fts",
            "subscriptions",
        } <= set(tables)
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="PAPERBOT_TEST_POSTGRES_URL is not set")
async def test_replicas_starting_together_migrate_once_on_postgres() -> None:
    assert POSTGRES_URL
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engines = [
        create_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})
        for _ in range(4)
    ]
    try:
        await asyncio.gather(*(migrate(engine) for engine in engines))
        assert await current_revision(engines[0]) == head_revision()
    finally:
        for engine in engines:
            await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
