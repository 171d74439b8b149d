"""`paperbot backup FILE` copies a live SQLite database: every commit, the WAL's too, into a new
file readable by its owner only, without migrating it first."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.errors import BadInputError
from bot.store.backup import backup_sqlite
from tests.bot.runtime.test_cli import isolated, run  # noqa: F401  (fixture)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("usual_umask")
def test_a_live_wal_database_is_copied_whole_and_private(tmp_path: Path) -> None:
    """Commits still in the -wal file (paperbot running, no checkpoint yet) are in the copy, which
    is 0600: `sqlite3 paperbot.db .backup`, the documented way, left every workspace's bot token
    in a 0644 file, and a `cp` of paperbot.db alone misses what the WAL holds."""
    source, target = tmp_path / "paperbot.db", tmp_path / "backup.db"
    writer = sqlite3.connect(source)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")  # what a running paperbot has not checkpointed
        writer.execute("CREATE TABLE alembic_version (version_num TEXT)")
        writer.execute("INSERT INTO alembic_version VALUES ('0015')")
        writer.commit()
        assert (tmp_path / "paperbot.db-wal").stat().st_size > 0
        done = backup_sqlite(source, target)
    finally:
        writer.close()
    assert done.revision == "0015"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not (tmp_path / "backup.db-wal").exists()
    with closing(sqlite3.connect(target)) as copy:
        # WAL, as paperbot keeps it: restored at the head, the file is never migrated, and the
        # migration is what switches a file to WAL.
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0015",)]


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    source, target = tmp_path / "paperbot.db", tmp_path / "kept.db"
    sqlite3.connect(source).close()
    target.write_bytes(b"the backup of last week")
    with pytest.raises(BadInputError, match="exists: name a new file"):
        backup_sqlite(source, target)
    assert target.read_bytes() == b"the backup of last week"


def test_a_missing_database_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no database file at"):
        backup_sqlite(tmp_path / "paperbot.db", tmp_path / "backup.db")
    assert list(tmp_path.iterdir()) == []


def test_the_command_backs_up_the_schema_as_it_is(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Before an upgrade the new version is installed: its backup must copy the old schema, not
    migrate it first."""
    with sqlite3.connect(tmp_path / "cli.db") as old:
        old.execute("CREATE TABLE alembic_version (version_num TEXT)")
        old.execute("INSERT INTO alembic_version VALUES ('0010')")
    status, out, _ = run(capsys, "backup", "before-upgrade.db")
    assert status == 0
    assert out.startswith(f"backed up {tmp_path / 'cli.db'} (schema revision 0010) to before-upgrade.db: ")
    with sqlite3.connect(tmp_path / "cli.db") as old:
        assert old.execute("SELECT version_num FROM alembic_version").fetchall() == [("0010",)]
    assert run(capsys, "backup", "before-upgrade.db")[0] == 2


def test_postgresql_is_pointed_to_pg_dump(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", "postgresql+asyncpg://paperbot:secret@db.invalid/paperbot")
    status, _, err = run(capsys, "backup", "x.db")
    assert status == 2
    assert "for PostgreSQL use pg_dump -Fc" in err
    assert "secret" not in err


def test_a_sqlite_url_without_a_file_is_not_sent_to_pg_dump(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An in-memory SQLite database was answered "for PostgreSQL use pg_dump"."""
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", "sqlite+aiosqlite:///:memory:")
    status, _, err = run(capsys, "backup", "x.db")
    assert status == 2
    assert "names none (':memory:': in memory, or a file: URI)" in err
    assert "PostgreSQL" not in err
