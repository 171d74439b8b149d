"""SQLite files hold secrets (OAuth installations' tokens): created readable by their owner only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store.database import create_engine, sqlite_file
from bot.store.migrate import migrate


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual login umask, under which files are created world-readable (0644)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_database_and_its_wal_and_shm_files_are_private(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "paperbot.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(engine)  # switches the file to WAL
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE probe (x INTEGER)"))
            await conn.execute(text("INSERT INTO probe VALUES (1)"))
        # Checked while a connection is open: SQLite removes -wal and -shm on the last close.
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            files = [path, path.with_name("paperbot.db-wal"), path.with_name("paperbot.db-shm")]
            assert all(file.exists() for file in files)
            assert {file.name: mode(file) for file in files} == {file.name: 0o600 for file in files}
    finally:
        await engine.dispose()


async def test_a_rollback_journal_is_private_too(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "journal.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE probe (x INTEGER)"))
            await conn.execute(text("PRAGMA journal_mode=PERSIST"))  # keeps the journal on disk
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO probe VALUES (1)"))
    finally:
        await engine.dispose()
    assert mode(path) == 0o600
    assert mode(path.with_name("journal.db-journal")) == 0o600


async def test_an_existing_file_keeps_the_mode_its_owner_gave_it(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    assert mode(path) == 0o640


async def test_creating_an_engine_creates_no_file(tmp_path: Path) -> None:
    # `paperbot parse` builds an engine and never connects: it must leave nothing behind.
    path = tmp_path / "unused.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await engine.dispose()
    assert not path.exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite+aiosqlite:///relative.db", Path("relative.db")),
        ("sqlite+aiosqlite:////var/lib/paperbot/paperbot.db", Path("/var/lib/paperbot/paperbot.db")),
        ("sqlite+aiosqlite://", None),
        ("sqlite+aiosqlite:///:memory:", None),
        ("sqlite+aiosqlite:///file:demo.db?mode=ro&uri=true", None),
    ],
)
def test_which_urls_name_a_file(url: str, expected: Path | None) -> None:
    from sqlalchemy.engine import make_url

    assert sqlite_file(make_url(url)) == expected


async def test_an_in_memory_database_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
    assert os.listdir(tmp_path) == []
