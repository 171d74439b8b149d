"""SQLite's BEGIN IMMEDIATE transactions (write_lock.immediate): the error that ended one is the
error raised, whoever rolled it back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.database import create_engine
from bot.store.write_lock import immediate, write_transaction


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A WAL-mode SQLite file, as migrated databases are, with a table of notes."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'locks.db'}")
    async with engine.connect() as plain:
        conn = await plain.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        await conn.exec_driver_sql("CREATE TABLE notes (body TEXT NOT NULL)")
    yield engine
    await engine.dispose()


async def notes(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return [str(body) for body in (await conn.exec_driver_sql("SELECT body FROM notes")).scalars()]


async def write(engine: AsyncEngine, *statements: str) -> None:
    """Run `statements` in one write_transaction."""
    async with write_transaction(engine) as conn:
        for statement in statements:
            await conn.exec_driver_sql(statement)


async def write_on(conn: AsyncConnection, *statements: str) -> None:
    """Run `statements` in one `immediate` transaction on `conn`."""
    async with immediate(conn):
        for statement in statements:
            await conn.exec_driver_sql(statement)


async def in_transaction(conn: AsyncConnection) -> bool:
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    return bool(driver.in_transaction)


async def test_an_error_after_which_sqlite_rolled_back_by_itself_is_the_error_raised(
    sqlite: AsyncEngine,
) -> None:
    # RAISE(ROLLBACK) ends the whole transaction inside SQLite, as a full disk or an I/O error
    # may: the ROLLBACK after it failed with "cannot rollback - no transaction is active",
    # and that was the error raised, the trigger's message lost.
    async with sqlite.connect() as plain:
        conn = await plain.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON notes WHEN new.body = 'refused' "
            "BEGIN SELECT RAISE(ROLLBACK, 'the trigger refused the row'); END"
        )
    with pytest.raises(IntegrityError, match="the trigger refused the row") as raised:
        await write(sqlite, "INSERT INTO notes VALUES ('first')", "INSERT INTO notes VALUES ('refused')")
    assert "no transaction is active" not in str(raised.value)
    assert await notes(sqlite) == []  # all of the transaction went, as SQLite rolled it back
    await write(sqlite, "INSERT INTO notes VALUES ('next')")  # and the next one writes as usual
    assert await notes(sqlite) == ["next"]


async def test_a_full_disk_is_the_error_raised(sqlite: AsyncEngine) -> None:
    # SQLITE_FULL, here from capping the connection's file at its size (SQLite raises a cap below
    # it to the size), rolls back the whole transaction in WAL mode: the operator must read
    # "database or disk is full", not the failed ROLLBACK's error.
    with pytest.raises(OperationalError, match="database or disk is full"):
        await write(sqlite, "PRAGMA max_page_count=1", f"INSERT INTO notes VALUES ('{'x' * 20_000}')")
    assert await notes(sqlite) == []


async def test_a_commit_that_fails_is_rolled_back_at_once_and_its_error_raised(sqlite: AsyncEngine) -> None:
    # A deferred foreign key is checked at COMMIT, which fails and leaves the transaction open
    # (holding the file's write lock): it is rolled back before the error goes up, not whenever
    # the connection happens to be returned.
    async with sqlite.connect() as plain:
        conn = await plain.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
        await conn.exec_driver_sql(
            "CREATE TABLE children (parent INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)"
        )
        with pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"):
            await write_on(conn, "INSERT INTO children VALUES (7)")
        assert not await in_transaction(conn)
        await write_on(conn, "INSERT INTO parents VALUES (7)", "INSERT INTO children VALUES (7)")
        count = (await conn.exec_driver_sql("SELECT count(*) FROM children")).scalar_one()
    assert count == 1


async def test_an_error_in_an_open_transaction_rolls_it_back(sqlite: AsyncEngine) -> None:
    with pytest.raises(LookupError):
        await write_then_fail(sqlite)
    assert await notes(sqlite) == []


async def write_then_fail(engine: AsyncEngine) -> None:
    async with write_transaction(engine) as conn:
        await conn.exec_driver_sql("INSERT INTO notes VALUES ('undone')")
        raise LookupError("the caller's own error")
