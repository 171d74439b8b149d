"""Transactions that read what they are about to write, safe beside other writers.

A read followed by a write in one ordinary transaction is not enough to keep a concurrent change:
SQLAlchemy's SQLite driver begins its transaction only at the first write (the read runs before
it), and PostgreSQL's READ COMMITTED lets another transaction change the row between the read and
the write. Callers lock what they read (`SELECT … FOR UPDATE` on PostgreSQL, which SQLite
ignores) inside `write_transaction`, which on SQLite takes the database's write lock with its
first statement (BEGIN IMMEDIATE), waiting out busy_timeout for another writer.

Some rules span rows no lock can be taken on: "a channel is subscribed under one workspace only"
reads the rows of other workspaces, which may not exist yet. `write_transaction(…, channel=ref)`
serialises every such transaction on one channel id across workspaces: on PostgreSQL with a
transaction-scoped advisory lock on the channel's `channel_lock_key`, taken before anything is
read; on SQLite, BEGIN IMMEDIATE already lets one writer in at a time. A transaction that
creates many channels' subscriptions at once (an import) checks the rule for all of them:
`write_transaction(…, every_channel=True)` takes an exclusive advisory lock that each
`channel=ref` transaction takes shared before its own, so it waits for the ones under way and
they for it, without holding one lock per channel (100,000 of them would outrun PostgreSQL's
lock table, max_locks_per_transaction).

A transaction writing many channels' rows (an import, a workspace's channels paused) locks each
row as it writes it. Two such transactions taking shared rows in different orders deadlock on
PostgreSQL, which then fails one; each writes its rows in `lock_order`, so the later one waits.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.models import ChannelRef


@asynccontextmanager
async def write_transaction(
    engine: AsyncEngine, *, channel: ChannelRef | None = None, every_channel: bool = False
) -> AsyncIterator[AsyncConnection]:
    """A transaction committed when the block ends (rolled back if it raises) whose reads no other
    writer can change before it commits, given that PostgreSQL reads lock their rows. With
    `channel`, no other transaction given the same channel id (any workspace) runs beside it;
    with `every_channel`, no transaction given any `channel`."""
    if engine.dialect.name != "sqlite":
        async with engine.begin() as connection:
            everything = {"key": EVERY_CHANNEL_KEY}
            if every_channel:
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), everything)
            elif channel is not None:
                # Always the shared lock first, then the channel's: one order, no deadlock.
                await connection.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), everything)
                key = {"key": channel_lock_key(channel)}
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), key)
            yield connection
        return
    async with engine.connect() as plain:
        connection = await plain.execution_options(isolation_level="AUTOCOMMIT")
        async with immediate(connection):
            yield connection


@asynccontextmanager
async def immediate(connection: AsyncConnection) -> AsyncIterator[None]:
    """BEGIN IMMEDIATE … COMMIT on a SQLite connection in AUTOCOMMIT mode (the driver's own
    transaction handling neither wraps DDL nor takes the write lock up front); rolled back if the
    block or the COMMIT raises, and that error is the one raised."""
    await connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        await connection.exec_driver_sql("COMMIT")
    except BaseException as error:
        await _roll_back_after(connection, error)
        raise


async def _roll_back_after(connection: AsyncConnection, error: BaseException) -> None:
    """ROLLBACK, unless SQLite has ended the transaction itself. SQLite rolls the whole
    transaction back on some errors (a full disk, an I/O error, a trigger's RAISE(ROLLBACK), an
    interrupt), and a ROLLBACK after that fails with "cannot rollback - no transaction is
    active", which replaced the error the operator needed to see. A COMMIT that failed (a deferred
    constraint) leaves the transaction open, holding the write lock: it is rolled back here. A
    ROLLBACK that fails with the transaction open is noted on `error`, which stays the one raised
    (the pool rolls the connection back again, or discards it, when it is returned)."""
    try:
        driver = (await connection.get_raw_connection()).driver_connection
        # aiosqlite's Connection: sqlite3's in_transaction, which asks SQLite itself.
        if driver is not None and driver.in_transaction:
            await connection.exec_driver_sql("ROLLBACK")
    except Exception as failed:
        error.add_note(f"the ROLLBACK after this error failed too: {failed}")


def channel_lock_key(ref: ChannelRef) -> int:
    """The advisory lock key (a signed 64-bit integer, as PostgreSQL takes it) of a channel id on
    its platform, whatever the workspace: the same in every process and release (Python's
    `hash` of a string is not), namespaced so that another application's advisory locks on a
    shared database meet paperbot's only by a 1-in-2^64 chance."""
    name = f"{ref.platform}\x1f{ref.channel}".encode()
    digest = hashlib.blake2b(name, digest_size=8, person=b"paperbot.chan").digest()
    return int.from_bytes(digest, "big", signed=True)


# The advisory lock an import holds exclusively and every one-channel change shared: a key no
# channel id hashes to but by a 1-in-2^64 chance, namespaced like theirs.
EVERY_CHANNEL_KEY = int.from_bytes(
    hashlib.blake2b(b"every channel", digest_size=8, person=b"paperbot.all").digest(), "big", signed=True
)


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
