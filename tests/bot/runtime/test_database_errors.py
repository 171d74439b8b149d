"""A database that is misconfigured is one error line saying what to fix, as an unreachable one is:
never SQLAlchemy's text (the driver's class, the statement, a link to its documentation)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

import bot.store.database
from bot.runtime.cli import main
from bot.store.database import database_problem
from tests.conftest import POSTGRES_URL

SUBSCRIPTIONS = '[{"platform": "slack", "workspace": "T1", "channel": "C1", "topics": ["RL"]}]'


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PAPERBOT_REPORT_SOURCE", "SLACK_BOT_TOKEN", "DISCORD_TOKEN", "PAPERBOT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)


def one_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line, nothing after it (no thread's traceback)
    assert "sqlalche" not in err.lower()
    assert "[SQL:" not in err
    return err.removesuffix("\n")


def migrated_sqlite(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[Path, str]:
    """A migrated SQLite file that PAPERBOT_DATABASE_URL names: the file and the URL."""
    database = tmp_path / "paperbot.db"
    url = f"sqlite+aiosqlite:///{database}"
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", url)
    assert main(["migrate"]) == 0
    capsys.readouterr()
    return database, url


def test_a_sqlite_file_in_a_folder_that_does_not_exist(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'paperbot.db'}"
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", url)
    assert one_error(capsys, "migrate") == (
        f"paperbot: error: cannot open the database at {url}: the folder {tmp_path / 'gone'} does not "
        "exist (create it, or correct PAPERBOT_DATABASE_URL)"
    )
    assert not (tmp_path / "gone").exists()


def test_a_read_only_sqlite_file_says_so_when_a_command_writes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database, url = migrated_sqlite(capsys, monkeypatch, tmp_path)
    # Tests run as root, whom a file's mode does not stop: paperbot asks os.access before opening
    # a SQLite file, and opens one it may not write read-only (as tests/bot/chat/test_lookup_parity.py).
    real_access = os.access

    def access(target: object, mode: int, *args: object, **kwargs: object) -> bool:
        if mode & os.W_OK and Path(str(target)).resolve() in (database, tmp_path):
            return False
        return real_access(target, mode, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    (tmp_path / "subs.json").write_text(SUBSCRIPTIONS, encoding="utf-8")
    assert one_error(capsys, "subscriptions", "import", "subs.json") == (
        f"paperbot: error: cannot write to the database at {url}: the database file {database} is "
        f"read-only (let the user running paperbot write it and its folder {tmp_path})"
    )
    assert main(["deliveries"]) == 0  # reading still works


def test_a_sqlite_file_another_process_keeps_locked_is_called_busy_not_unreachable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database, _url = migrated_sqlite(capsys, monkeypatch, tmp_path)
    # SQLite waits BUSY_TIMEOUT_MS for the lock before it says "database is locked"; shortened
    # here so that the test does not wait 30 s.
    monkeypatch.setattr(bot.store.database, "BUSY_TIMEOUT_MS", 50)
    (tmp_path / "subs.json").write_text(SUBSCRIPTIONS, encoding="utf-8")
    other = sqlite3.connect(database)  # an open sqlite3 shell, or another writer
    try:
        other.execute("BEGIN IMMEDIATE")
        assert one_error(capsys, "subscriptions", "import", "subs.json") == (
            f"paperbot: error: the database file {database} is busy: another process held its write "
            "lock for over 0 s (another paperbot command, or an open sqlite3 shell); try again when it "
            "is done. SQLite has one writer at a time: several replicas need PostgreSQL"
        )
    finally:
        other.rollback()
        other.close()
    assert main(["subscriptions", "import", "subs.json"]) == 0  # nothing was lost: done once free


@pytest.mark.skipif(not POSTGRES_URL, reason="PAPERBOT_TEST_POSTGRES_URL is not set")
def test_a_postgresql_database_that_does_not_exist(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert POSTGRES_URL
    name = f"qa_missing_{uuid.uuid4().hex[:8]}"
    url = make_url(POSTGRES_URL).set(database=name)
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", url.render_as_string(hide_password=False))
    where = url.render_as_string(hide_password=True)
    assert one_error(capsys, "migrate") == (
        f'paperbot: error: cannot reach the database at {where}: database "{name}" does not exist '
        "(create it, or correct PAPERBOT_DATABASE_URL)"
    )


@pytest.mark.skipif(not POSTGRES_URL, reason="PAPERBOT_TEST_POSTGRES_URL is not set")
def test_a_postgresql_role_that_does_not_exist(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert POSTGRES_URL
    role = f"qa_nobody_{uuid.uuid4().hex[:8]}"
    url = make_url(POSTGRES_URL).set(username=role, password=None)
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", url.render_as_string(hide_password=False))
    err = one_error(capsys, "migrate")
    # A server that trusts loopback says the role does not exist; one that asks for a password
    # first says the password was refused. Either way, the line says which setting to correct.
    assert err.startswith(f"paperbot: error: cannot reach the database at {url.render_as_string()}: ")
    assert f'"{role}"' in err
    assert err.endswith("(correct the user or password in PAPERBOT_DATABASE_URL, or PGPASSWORD)")


class _Driver(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "message", "starts"),
    [
        ("3D000", 'database "x" does not exist', "cannot reach the database at"),
        ("28000", 'role "x" does not exist', "cannot reach the database at"),
        ("28P01", 'password authentication failed for user "x"', "cannot reach the database at"),
        ("25006", "cannot execute INSERT in a read-only transaction", "cannot write to the database at"),
    ],
)
def test_postgresql_configuration_errors_by_sqlstate(sqlstate: str, message: str, starts: str) -> None:
    url = make_url("postgresql+asyncpg://paperbot:hunter2@db/paperbot")
    error = DBAPIError("INSERT INTO …", {}, _Driver(message, sqlstate))
    problem = database_problem(url, error)
    assert problem is not None
    assert problem.startswith(f"{starts} postgresql+asyncpg://paperbot:***@db/paperbot: {message} (")
    assert "hunter2" not in problem


def test_other_database_errors_are_left_to_the_caller() -> None:
    sqlite = make_url("sqlite+aiosqlite:///paperbot.db")
    assert database_problem(sqlite, OperationalError("SELECT 1", {}, _Driver("database is locked"))) is None
    postgres = make_url("postgresql+asyncpg://paperbot@db/paperbot")
    unique = DBAPIError("INSERT …", {}, _Driver("duplicate key value", "23505"))
    assert database_problem(postgres, unique) is None
