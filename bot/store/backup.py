"""`paperbot backup FILE`: a consistent copy of a live SQLite database, as private as the database.

Copying paperbot.db while paperbot runs is no backup: the database is in WAL mode
(bot/store/migrate.py), so its latest commits live in paperbot.db-wal until a checkpoint, and a
copy taken mid-write is torn. SQLite's online backup API copies one consistent snapshot while
writers go on. In OAuth mode the database holds every workspace's bot token, so the copy is
created 0600 whatever the umask (`sqlite3 paperbot.db ".backup …"` leaves it 0644 under the usual
umask 022), and never over an existing file: a backup must not replace the one kept before.
PostgreSQL has pg_dump, which the operations page shows.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bot.errors import BadInputError, PaperbotError
from bot.store.database import BUSY_TIMEOUT_MS


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    size: int  # bytes
    revision: str | None  # the schema revision copied (None: a database paperbot never migrated)


def backup_sqlite(source: Path, target: Path) -> Backup:
    """Copy the SQLite database `source` to the new file `target`: one snapshot, mode 0600, in WAL
    mode as paperbot keeps it. Raises BadInputError for a missing source or an existing target."""
    if not source.is_file():
        raise BadInputError(f"no database file at {source.absolute()}: nothing to back up")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadInputError(f"{target} exists: name a new file (a backup never overwrites one)") from None
    except OSError as exc:
        raise PaperbotError(f"cannot write {target}: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    try:
        with (
            closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)) as src,
            closing(sqlite3.connect(target)) as copy,
        ):
            # The copy keeps the source's WAL mode, which a restored file needs: paperbot sets it
            # only while migrating (bot/store/migrate.py), and a file at the head is not migrated.
            # Its last connection closed, the copy is one file, no -wal or -shm beside it.
            src.backup(copy)
            revision = _revision(copy)
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise PaperbotError(f"cannot back up {source.absolute()}: {exc}") from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return Backup(target, target.stat().st_size, revision)


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no such table: never migrated
        return None
    return str(row[0]) if row else None
