"""Transactions that read what they are about to write, safe beside other writers.

A read followed by a write in one ordinary transaction is not enough to keep a concurrent change:
SQLAlchemy's SQLite driver begins its transaction only at the first write (the read runs before
it), and PostgreSQL's READ COMMITTED lets another transaction change the row between the read and
the write. Callers lock what they read (`SELECT … FOR UPDATE` on PostgreSQL, which SQLite
ignores) inside `write_transaction`, which on SQLite takes the database's write lock with its
first statement (BEGIN IMMEDIATE), waiting out busy_timeout for another writer.

A transaction writing many channels' rows (an import, a workspace's channels paused) locks each
row as it writes it. Two such transactions taking shared rows in different orders deadlock on
PostgreSQL, which then fails one; each writes its rows in `lock_order`, so the later one waits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.models import ChannelRef


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A transaction committed when the block ends (rolled back if it raises) whose reads no other
    writer can change before it commits, given that PostgreSQL reads lock their rows."""
    if engine.dialect.name != "sqlite":
        async with engine.begin() as connection:
            yield connection
        return
    async with engine.connect() as plain:
        connection = await plain.execution_options(isolation_level="AUTOCOMMIT")
        async with immediate(connection):
            yield connection


@asynccontextmanager
async def immediate(connection: AsyncConnection) -> AsyncIterator[None]:
    """BEGIN IMMEDIATE … COMMIT on a SQLite connection in AUTOCOMMIT mode (the driver's own
    transaction handling neither wraps DDL nor takes the write lock up front)."""
    await connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        await connection.exec_driver_sql("ROLLBACK")
        raise
    await connection.exec_driver_sql("COMMIT")


def lock_order(ref: ChannelRef) -> tuple[str, str, str]:
    """The sort key of the one order in which a transaction writes several channels' rows."""
    return (ref.platform, ref.workspace, ref.channel)


async def insert_new(conn: AsyncConnection, table: Table, row: Mapping[str, Any], key: Sequence[str]) -> bool:
    """Insert `row` unless a row with its `key` exists; whether it did. False, writing nothing,
    when another transaction has inserted one (PostgreSQL waits for that transaction to end
    before it answers): a lock cannot be taken on a row that is not there, so a caller that found
    none reads again and edits what the other stored."""
    # Imported here: `migrate` imports this module on every command, and a one-shot lookup must
    # not pay for the dialects' insert constructs (tests/bot/runtime/test_cli_help.py).
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(**row)
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(table.c.id)
    )
    return (await conn.execute(statement)).first() is not None
