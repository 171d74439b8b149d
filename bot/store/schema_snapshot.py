"""A new SQLite archive made at once from the schema the migrations leave, instead of by running
each of them.

Importing Alembic and running its 16 migrations took 0.18 s, a twentieth of the first
`paperbot ingest FOLDER` into a new archive (issue 17) and of the console demo's first start. A
database with no tables yet is made from migrations/sqlite_schema.sql instead: the statements
that make a database the migrations brought to the head, in the order SQLite keeps them, and the
rows those migrations wrote (the Alembic revision, FTS5's settings). `migrate()` uses it only for
an empty SQLite database, and only while its revision is the newest one; PostgreSQL and every
database that has tables still migrate with Alembic.

`python -m bot.store.schema_snapshot` writes the snapshot again from the migrations, and
tests/bot/store/test_schema_snapshot.py holds the two equal (every table, index, virtual table,
row and setting), so a new migration fails that test until it is run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("migrations") / "sqlite_schema.sql"
_REVISION = "-- revision: "
# The tables an FTS5 table makes for itself (its shadow tables): CREATE VIRTUAL TABLE makes them.
_FTS5_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")


def snapshot_revision(snapshot: str) -> str | None:
    """The schema revision a snapshot makes."""
    for line in snapshot.splitlines():
        if line.startswith(_REVISION):
            return line.removeprefix(_REVISION).strip()
    return None


def statements(snapshot: str) -> Iterator[str]:
    """A snapshot's SQL statements, one at a time (a statement may span lines)."""
    pending = ""
    for line in snapshot.splitlines(keepends=True):
        if not pending and (not line.strip() or line.startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""


def create_from_snapshot(execute: Callable[[str], object], snapshot: str) -> int:
    """Make the snapshot's schema with `execute` (one statement a call) in an empty database;
    how many statements that took."""
    made = 0
    for statement in statements(snapshot):
        execute(statement)
        made += 1
    return made


def write_snapshot(database: sqlite3.Connection, revision: str) -> str:
    """The snapshot of `database`, a database the migrations brought to `revision`."""
    lines = [
        "-- Written by `python -m bot.store.schema_snapshot` from a database the migrations made:",
        "-- do not edit; bot/store/schema_snapshot.py says why it is here.",
        f"{_REVISION}{revision}",
        "",
    ]
    objects = database.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    virtual = [name for kind, name, sql in objects if kind == "table" and sql.startswith("CREATE VIRTUAL")]
    shadows = {f"{table}{suffix}" for table in virtual for suffix in _FTS5_SHADOWS}
    tables = []
    for kind, name, sql in objects:
        if name.startswith("sqlite_") or name in shadows:
            continue  # made by SQLite itself, or by the virtual table they belong to
        lines.append(f"{sql};")
        if kind == "table" and name not in virtual:
            tables.append(name)
    for table in tables:
        columns = [row[1] for row in database.execute(f'PRAGMA table_info("{table}")')]
        quoted = " || ', ' || ".join(f'quote("{column}")' for column in columns)
        for (values,) in database.execute(f'SELECT {quoted} FROM "{table}" ORDER BY rowid'):
            lines.append(f'INSERT INTO "{table}" VALUES ({values});')
    for table in virtual:
        # FTS5's settings (`hashsize`), written as FTS5 takes them; `version` is its own.
        for key, value in database.execute(
            f"SELECT k, v FROM {table}_config WHERE k != 'version' ORDER BY k"
        ):
            lines.append(f"INSERT INTO {table}({table}, rank) VALUES ('{key}', {value});")
    return "\n".join(lines) + "\n"


def _migrated(path: Path) -> sqlite3.Connection:
    """A SQLite database at `path` brought to the head by the migrations themselves."""
    import asyncio

    from bot.store.database import create_engine
    from bot.store.migrate import migrate

    async def run() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate(engine, snapshot=False)
        finally:
            await engine.dispose()

    asyncio.run(run())
    return sqlite3.connect(path)


def main() -> None:
    import tempfile

    from bot.store.migrate import head_revision

    with tempfile.TemporaryDirectory() as folder:
        database = _migrated(Path(folder) / "schema.db")
        try:
            SNAPSHOT.write_text(write_snapshot(database, head_revision()), encoding="utf-8")
        finally:
            database.close()
    print(f"wrote {SNAPSHOT} (revision {head_revision()})")


if __name__ == "__main__":
    main()
