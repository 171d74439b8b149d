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


async def test_an_archive_of_0009_gains_the_digest_extras_in_place(tmp_path: Path) -> None:
    """Migration 0010 adds `original_title` and `extra` to a filled archive: the papers stay,
    searchable as before, and a re-ingest fills the new columns, which search then reads."""
    import datetime as dt

    from alembic import command

    from bot.chat.use_cases import lookup
    from bot.models import Paper, Report
    from bot.store.archive import Archive
    from bot.store.migrate import _config

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(_config(sync), "0009"))
            columns = await conn.run_sync(lambda sync: inspect(sync).get_columns("papers"))
        assert "extra" not in {column["name"] for column in columns}
        day = dt.date(2025, 1, 23)
        old_paper = Paper(
            "2501.12909", "FilmAgent：多智能体电影框架", "https://huggingface.co/papers/2501.12909"
        )
        # An archive written before 0010: only the columns of its time (Archive writes them all)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO papers (arxiv_id, title, url, source, domain, contribution, usage,"
                    " innovations, results, summary, authors, keywords, first_date, last_date,"
                    " title_terms, domain_terms, body_terms) VALUES (:id, :title, :url, '', '', '', '',"
                    " '', '', '', '[]', '[]', :day, :day, 'filmagent', '', '')"
                ),
                {"id": old_paper.arxiv_id, "title": old_paper.title, "url": old_paper.url, "day": day},
            )
        await migrate(engine)
        assert await current_revision(engine) == head_revision()
        archive = Archive(engine)
        assert [hit.arxiv_id for hit in await lookup(archive, "FilmAgent")] == ["2501.12909"]
        translated = Paper(
            old_paper.arxiv_id,
            old_paper.title,
            old_paper.url,
            original_title="FilmAgent: A Multi-Agent Framework for End-to-End Film Automation",
            extra="核心关键词: 虚拟摄影",
        )
        await archive.ingest(Report(day, (translated,)))
        assert [hit.arxiv_id for hit in await lookup(archive, "End-to-End Film Automation")] == ["2501.12909"]
        assert [hit.arxiv_id for hit in await lookup(archive, "虚拟摄影")] == ["2501.12909"]
        stored = await archive.report(day)
        assert stored is not None
        assert stored.papers[0].original_title == translated.original_title
    finally:
        await engine.dispose()


def test_the_head_read_from_file_names_is_alembics_own() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bot.store.migrate import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


async def test_the_revision_is_read_as_alembic_keeps_it(tmp_path: Path) -> None:
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    try:
        assert await current_revision(engine) is None  # an empty database
        await migrate(engine)
        async with engine.connect() as conn:
            alembics = await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
        assert await current_revision(engine) == alembics == head_revision()
    finally:
        await engine.dispose()
