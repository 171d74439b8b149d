"""Running the Alembic migrations from inside the program (`paperbot migrate`, `run`).

Every command checks the schema first, and almost always finds it up to date: that check is one
query and a look at the file names, and Alembic (a tenth of a second to import) loads only to
migrate (issue 17: one-shot commands that feel instant).
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.errors import PaperbotError
from bot.store.database import BUSY_TIMEOUT_MS
from bot.store.write_lock import immediate

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_KEY = 0x70617065  # "pape": any constant shared by all replicas
PAGE_SIZE = 16_384


def _config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@dataclass(frozen=True, slots=True)
class Migration:
    """What `migrate` did: the revision it found (None: an empty database) and the one it left."""

    before: str | None
    after: str

    def describe(self) -> str:
        """One line for the operator (`paperbot migrate`, the log of any command that migrated):
        whether anything changed and, after an upgrade, which migrations ran."""
        if self.before == self.after:
            return f"database schema is up to date (revision {self.after})"
        if self.before is None:
            return f"database schema created (revision {self.after})"
        ran = ", ".join(
            f"{number} {name.replace('_', ' ')}"
            for number, name in sorted(_named_revisions().items())
            if self.before < number <= self.after
        )
        return f"database schema upgraded from revision {self.before} to {self.after}: {ran}"


def _upgrade(connection: Connection, snapshot: bool = False) -> str | None:
    """Upgrade to the head; returns the revision found under the migration lock, which another
    process may have moved on since this one first looked. With `snapshot`, an empty database is
    made from the snapshot of the head's schema instead (bot/store/schema_snapshot.py)."""
    before = _read_revision(connection)
    if snapshot and before is None and _made_from_snapshot(connection):
        return None
    from alembic import command

    command.upgrade(_config(connection), "head")
    return before


def _made_from_snapshot(connection: Connection) -> bool:
    """Make an empty SQLite database from the snapshot, if it is of the head's schema."""
    from bot.store.schema_snapshot import SNAPSHOT, create_from_snapshot, snapshot_revision

    if connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one():
        return False  # not empty: another program's tables, or a failed start; Alembic says what
    try:
        snapshot = SNAPSHOT.read_text(encoding="utf-8")
    except OSError:
        return False
    if snapshot_revision(snapshot) != head_revision():
        return False  # written before the newest migration: its test says so
    made = create_from_snapshot(connection.exec_driver_sql, snapshot)
    logging.getLogger("paperbot.store").debug(
        "new database: schema made from %s (%d statements), without running the migrations",
        SNAPSHOT.name,
        made,
    )
    return True


async def migrate(engine: AsyncEngine, *, snapshot: bool = True) -> Migration:
    """Bring the schema up to date; a no-op when it already is. Returns what was done. A new
    SQLite database is made from the snapshot of the head's schema, unless `snapshot` is false.

    Several processes may start at once (replicas, or `ingest` beside `run`): one migrates,
    the others wait for it and then find nothing to do. A schema already at head is left
    without a write, so a read-only archive still serves lookups.
    """
    head = head_revision()
    current = await current_revision(engine)
    if current == head:
        return Migration(current, head)
    _refuse_unknown(current)
    if engine.dialect.name == "sqlite":
        return Migration(await _migrate_sqlite(engine, snapshot=snapshot), head)
    async with engine.begin() as connection:
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        return Migration(await connection.run_sync(_upgrade), head)


async def _migrate_sqlite(engine: AsyncEngine, *, snapshot: bool) -> str | None:
    # The driver's own transaction handling neither wraps DDL nor takes the write lock up
    # front, so two processes would both see an empty database and both create tables. An
    # explicit BEGIN IMMEDIATE takes the lock first (waiting out busy_timeout for the other).
    async with engine.connect() as plain:
        connection = await plain.execution_options(isolation_level="AUTOCOMMIT")
        # A new file gets 16 KiB pages and incremental auto-vacuum (both no-ops on a file that
        # has tables). A paper's row takes about 3 KB, and 4 KiB pages held one row each with a
        # quarter of the page unused (issue 17: 7.4 KB per paper in all at 16 KiB, 8.4 KB at
        # 4 KiB; benchmarks/bench_ingest.py); a bulk ingest leaves the pages of merged FTS5
        # segments free, which Archive.release_free_pages gives back to the disk.
        await connection.exec_driver_sql(f"PRAGMA page_size={PAGE_SIZE}")
        await connection.exec_driver_sql("PRAGMA auto_vacuum=INCREMENTAL")
        await _switch_to_wal(connection)
        async with immediate(connection):
            return await connection.run_sync(_upgrade, snapshot)


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


def _refuse_unknown(revision: str | None) -> None:
    """A schema this version does not ship was written by a newer paperbot (the binary was rolled
    back) or is not paperbot's. Alembic would fail with "Can't locate revision"; say what it means
    and what to do, and touch nothing: an older paperbot must not write into a newer schema."""
    if revision is None or revision in _revisions():
        return
    head = head_revision()
    if revision.isdigit() and len(revision) == len(head) and revision > head:
        raise PaperbotError(
            f"the database schema is at revision {revision}, newer than this paperbot knows "
            f"(its newest is {head}): a newer paperbot upgraded it. Run that version again (paperbot "
            "does not downgrade a schema), or restore the backup taken before the upgrade"
        )
    raise PaperbotError(
        f"the database schema is at revision {revision!r}, which is not one of paperbot's "
        f"(0001 … {head}): PAPERBOT_DATABASE_URL may name another application's database"
    )


def _named_revisions() -> dict[str, str]:
    """Each revision this version ships and its file's name: `0010_digest_extras.py` is 0010,
    `digest_extras`."""
    return dict(
        path.stem.split("_", 1) for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")
    )


def _revisions() -> set[str]:
    return set(_named_revisions())


def head_revision() -> str:
    """The newest revision this version of paperbot ships: revisions are numbered in their file
    names (`0010_digest_extras.py` is 0010, revising 0009), so the highest number is the head
    (tests/bot/store/test_migrate.py holds this to Alembic's own answer)."""
    return max(_revisions())


async def current_revision(engine: AsyncEngine) -> str | None:
    """The database's schema revision (None for an empty database), read as Alembic keeps it."""
    async with engine.connect() as connection:
        return await connection.run_sync(_read_revision)


def _read_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
