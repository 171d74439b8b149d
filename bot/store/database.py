"""Engine creation: one place that knows how each database is connected and tuned."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.errors import BadInputError

DEFAULT_SQLITE_FILE = "paperbot.db"
# The console demo's own file, beside the default one: the demo never writes into a database a
# platform deployment may use (bot/runtime/cli.py).
DEMO_SQLITE_FILE = "paperbot-demo.db"
BUSY_TIMEOUT_MS = 30_000


def default_database_url(directory: Path | None = None, *, name: str = DEFAULT_SQLITE_FILE) -> str:
    """A SQLite file in the working directory (CONTRACT.md: the zero-configuration default)."""
    path = (directory or Path.cwd()) / name
    return f"sqlite+aiosqlite:///{path}"


def create_engine(url: str, *, echo: bool = False, connect_args: dict[str, Any] | None = None) -> AsyncEngine:
    """An async engine for a `sqlite+aiosqlite://` or `postgresql+asyncpg://` URL."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise BadInputError(f"invalid database URL {url!r}: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.drivername != "sqlite+aiosqlite":
            parsed = parsed.set(drivername="sqlite+aiosqlite")
        engine = create_async_engine(
            parsed, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, **(connect_args or {})}
        )
        path = sqlite_file(parsed)
        if path is not None:
            event.listen(engine.sync_engine, "do_connect", lambda *_args: _folder_must_exist(path))
            event.listen(engine.sync_engine, "do_connect", lambda *_args: create_private(path))
            event.listen(engine.sync_engine, "do_connect", _read_only_when_unwritable(path))
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    if backend == "postgresql":
        if parsed.drivername != "postgresql+asyncpg":
            parsed = parsed.set(drivername="postgresql+asyncpg")
        return create_async_engine(parsed, echo=echo, pool_pre_ping=True, connect_args=connect_args or {})
    raise BadInputError(f"unsupported database {backend!r}: use sqlite+aiosqlite:// or postgresql+asyncpg://")


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names; None for an in-memory database or a `file:` URI, whose
    options SQLite reads itself."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("uri"):
        return None
    return Path(database)


def _folder_must_exist(path: Path) -> None:
    """Refuse a file whose folder does not exist before aiosqlite starts a thread for it: after
    its failed connect that thread still posts to the event loop, which may be closed by then
    (a traceback after the error line). The error is SQLite's own, as a driver error."""
    if not path.absolute().parent.is_dir():
        raise sqlite3.OperationalError("unable to open database file: its folder does not exist")


def database_problem(url: URL, exc: BaseException) -> str | None:
    """What an operator must fix, in one line naming the database (password hidden), for an
    error of the database's configuration: a PostgreSQL database or role that does not exist, a
    refused password, a read-only file or server, a SQLite folder that does not exist. None for
    any other error (a lost connection, a bug), which the caller words itself."""
    where = url.render_as_string(hide_password=True)
    orig = getattr(exc, "orig", None) or exc
    reason = " ".join(str(orig).split())
    code = getattr(orig, "sqlstate", None)  # asyncpg's errors, as SQLAlchemy adapts them
    if code == "3D000":  # invalid_catalog_name: database "x" does not exist
        return f"cannot reach the database at {where}: {reason} (create it, or correct PAPERBOT_DATABASE_URL)"
    if code in ("28000", "28P01"):  # role "x" does not exist; password authentication failed
        return (
            f"cannot reach the database at {where}: {reason} (correct the user or password in "
            "PAPERBOT_DATABASE_URL, or PGPASSWORD)"
        )
    if code == "25006":  # read_only_sql_transaction: a standby, or a read-only role
        return (
            f"cannot write to the database at {where}: {reason} (PAPERBOT_DATABASE_URL must name the "
            "primary server, as a role that may write)"
        )
    path = sqlite_file(url) if url.get_backend_name() == "sqlite" else None
    if path is None:
        return None
    path = path.absolute()
    if "readonly database" in reason:
        return (
            f"cannot write to the database at {where}: the database file {path} is read-only (let the "
            f"user running paperbot write it and its folder {path.parent})"
        )
    if "unable to open database file" in reason and not path.parent.is_dir():
        what = "is not a folder" if path.parent.exists() else "does not exist"
        return (
            f"cannot open the database at {where}: the folder {path.parent} {what} (create it, or "
            "correct PAPERBOT_DATABASE_URL)"
        )
    return None


def database_busy(url: URL, exc: BaseException) -> str | None:
    """One line for SQLite's "database is locked", which it says only after waiting
    BUSY_TIMEOUT_MS for another process's write lock: the file is in use, not unreachable. None
    for any other error. Not one of `database_problem`'s: nothing in the configuration is wrong,
    and a caller that retries (the delivery loop) must still see it as it is."""
    orig = getattr(exc, "orig", None) or exc
    path = sqlite_file(url) if url.get_backend_name() == "sqlite" else None
    if path is None or "database is locked" not in str(orig):
        return None
    return (
        f"the database file {path.absolute()} is busy: another process held its write lock for over "
        f"{BUSY_TIMEOUT_MS // 1000} s (another paperbot command, or an open sqlite3 shell); try again "
        "when it is done. SQLite has one writer at a time: several replicas need PostgreSQL"
    )


def create_private(path: Path) -> None:
    """Create `path` empty and readable by its owner only (0600), whatever the umask, unless it
    exists. SQLite gives its -wal, -shm and -journal files the database file's mode, so they are
    private too: in OAuth mode the database holds every workspace's bot token. A file that exists
    keeps the mode its owner gave it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # a missing folder or no permission: SQLite's own error says it better
    try:
        os.fchmod(fd, 0o600)  # exactly 0600: a umask such as 0277 must not leave it unwritable
    finally:
        os.close(fd)


def read_only_uri(path: Path) -> str | None:
    """A `file:` URI opening `path` read-only when this process may not write it, else None.

    SQLite opens a file it cannot write read-only by itself, but a WAL-mode database (ours,
    bot/store/migrate.py) still needs its `-shm` file, and reading fails with "attempt to write a
    readonly database" when that cannot be created: lookups of an archive shipped read-only failed.
    `mode=ro` reads beside a writable folder; in a read-only folder with no `-wal` file (no
    writer is active: a writer keeps one there) `immutable=1` tells SQLite that nothing changes
    the file, so it needs no `-shm` at all."""
    if not path.exists() or os.access(path, os.W_OK):
        return None
    options = "mode=ro"
    if not os.access(path.parent, os.W_OK) and not path.with_name(path.name + "-wal").exists():
        options += "&immutable=1"
    return f"file:{quote(str(path.resolve()))}?{options}"


def _read_only_when_unwritable(path: Path) -> Any:
    def connect(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        uri = read_only_uri(path)  # checked on every connect: a file's mode can change
        if uri is not None and cargs:
            cargs[0] = uri
            cparams["uri"] = True

    return connect


def as_utc(value: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime: SQLite gives naive ones back (all stored
    values are UTC), PostgreSQL aware ones."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # busy_timeout makes a second writer wait instead of failing with "database is locked";
    # foreign keys are off by default. WAL is not switched on here: the switch needs an
    # exclusive lock and can deadlock with a writer on a fresh file, so the migration sets it
    # once (it persists in the file).
    cursor = dbapi_connection.cursor()
    for pragma in (f"busy_timeout={BUSY_TIMEOUT_MS}", "synchronous=NORMAL", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
