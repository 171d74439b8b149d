"""A new SQLite archive is made from the snapshot of the head's schema (bot/store/schema_snapshot.py):
it must be the very database the migrations make, and an archive with tables still migrates."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

import bot.store.schema_snapshot
from bot.chat.paper_lookup import lookup
from bot.models import Report
from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.migrate import head_revision, migrate
from bot.store.schema_snapshot import SNAPSHOT, snapshot_revision, statements, write_snapshot
from tests.factories import make_paper

REGENERATE = "run `python -m bot.store.schema_snapshot` after adding a migration"


async def made(path: Path, *, snapshot: bool) -> str | None:
    """Migrate a new SQLite file at `path`; the revision it was found at."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        return (await migrate(engine, snapshot=snapshot)).before
    finally:
        await engine.dispose()


def everything(path: Path) -> dict[str, Any]:
    """All a database holds that a program could tell apart: its objects and their SQL in order,
    every table's rows (FTS5's own tables among them), and the settings kept in the file."""
    with sqlite3.connect(path) as db:
        objects = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").fetchall()
        tables = [name for kind, name, _, sql in objects if kind == "table" and "VIRTUAL" not in (sql or "")]
        rows = {table: db.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall() for table in tables}
        pragmas = {
            name: db.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_size", "auto_vacuum", "journal_mode", "user_version", "encoding")
        }
    return {"objects": objects, "rows": rows, "pragmas": pragmas}


async def test_a_new_archive_is_the_database_the_migrations_make(tmp_path: Path) -> None:
    assert await made(tmp_path / "migrated.db", snapshot=False) is None
    assert await made(tmp_path / "snapshot.db", snapshot=True) is None
    assert everything(tmp_path / "snapshot.db") == everything(tmp_path / "migrated.db"), REGENERATE
    # And it works as one: a report stored and found, the index included.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'snapshot.db'}")
    try:
        archive = Archive(engine)
        await archive.ingest(Report(dt.date(2026, 4, 1), (make_paper("2604.00001", title="Kestrel"),)))
        assert [hit.arxiv_id for hit in await lookup(archive, "kestrel")] == ["2604.00001"]
    finally:
        await engine.dispose()
    with sqlite3.connect(tmp_path / "snapshot.db") as db:
        for table in ("papers_fts", "papers_lead_fts"):
            db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")


def test_the_snapshot_is_of_the_newest_revision_and_written_as_the_generator_writes_it(
    tmp_path: Path,
) -> None:
    text = SNAPSHOT.read_text(encoding="utf-8")
    assert snapshot_revision(text) == head_revision(), REGENERATE
    with sqlite3.connect(tmp_path / "copy.db") as db:
        for statement in statements(text):
            db.execute(statement)
        assert write_snapshot(db, head_revision()) == text


async def test_an_archive_with_tables_or_a_stale_snapshot_migrates_with_alembic(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    upgrades: list[str] = []
    from alembic import command

    upgrade = command.upgrade

    def counted(config: Any, to: str) -> None:
        upgrades.append(to)
        upgrade(config, to)

    monkeypatch.setattr(command, "upgrade", counted)
    # A database holding another program's table: Alembic, which leaves it be.
    with sqlite3.connect(tmp_path / "other.db") as db:
        db.execute("CREATE TABLE notes (body TEXT)")
    await made(tmp_path / "other.db", snapshot=True)
    assert upgrades == ["head"]
    # A snapshot older than the newest migration is not used.
    stale = tmp_path / "stale.sql"
    stale.write_text(
        SNAPSHOT.read_text(encoding="utf-8").replace(head_revision(), "0001", 1), encoding="utf-8"
    )
    monkeypatch.setattr(bot.store.schema_snapshot, "SNAPSHOT", stale)
    await made(tmp_path / "new.db", snapshot=True)
    assert upgrades == ["head", "head"]
    assert everything(tmp_path / "new.db")["rows"]["alembic_version"] == [(head_revision(),)]


def test_a_statement_may_span_lines_and_hold_semicolons() -> None:
    text = (
        "-- a comment\n\nCREATE TABLE a (x TEXT);\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO a VALUES ('x;y');\nEND;\n"
    )
    assert list(statements(text)) == [
        "CREATE TABLE a (x TEXT);",
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO a VALUES ('x;y');\nEND;",
    ]


@pytest.mark.other_process
def test_a_new_archive_does_not_import_alembic(tmp_path: Path) -> None:
    import subprocess

    code = (
        "import asyncio, sys\n"
        "from bot.store.database import create_engine\n"
        "from bot.store.migrate import migrate\n"
        f"engine = create_engine('sqlite+aiosqlite:///{tmp_path / 'a.db'}')\n"
        "asyncio.run(migrate(engine))\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"
