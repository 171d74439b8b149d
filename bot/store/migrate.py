"""Running the Alembic migrations from inside the program (`paperbot migrate`, `run`)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.database import BUSY_TIMEOUT_MS

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_KEY = 0x70617065  # "pape": any constant shared by all replicas


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(_config(connection), "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema up to date; a no-op when it already is.

    Several processes may start at once (replicas, or `ingest` beside `run`): one migrates,
    the others wait for it and then find nothing to do. A schema already at head is left
    without a write, so a read-only archive still serves lookups.
    """
    if await current_revision(engine) == head_revision():
        return
    if engine.dialect.name == "sqlite":
        await _migrate_sqlite(engine)
        return
    async with engine.begin() as connection:
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        await connection.run_sync(_upgrade)


async def _migrate_sqlite(engine: AsyncEngine) -> None:
    # The driver's own transaction handling neither wraps DDL nor takes the write lock up
    # front, so two processes would both see an empty database and both create tables. An
    # explicit BEGIN IMMEDIATE takes the lock first (waiting out busy_timeout for the other).
    async with engine.connect() as plain:
        connection = await plain.execution_options(isolation_level="AUTOCOMMIT")
        await _switch_to_wal(connection)
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            await connection.run_sync(_upgrade)
        except BaseException:
            await connection.exec_driver_sql("ROLLBACK")
            raise
        await connection.exec_driver_sql("COMMIT")


async def _switch_to_wal(connection: AsyncConnection) -> None:
    # WAL lets lookups read while an ingest writes; it persists in the file, so this runs
    # once per file. The switch needs an exclusive lock, and two connections switching a
    # fresh file at once can deadlock each other inside SQLite's busy handler, so each try
    # waits briefly and the loop (not SQLite) does the waiting, yielding to the event loop.
    mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
    if str(mode).lower() in {"wal", "memory"}:
        return
    await connection.exec_driver_sql("PRAGMA busy_timeout=100")
    try:
        for attempt in range(100):
            try:
                await connection.exec_driver_sql("PRAGMA journal_mode=WAL")
                return
            except OperationalError:
                if attempt == 99:
                    raise
                await asyncio.sleep(random.uniform(0.01, 0.1))
    finally:
        await connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def head_revision() -> str:
    """The newest revision this version of paperbot ships."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
