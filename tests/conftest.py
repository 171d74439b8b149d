"""Shared fixtures: databases (SQLite always, PostgreSQL when configured), a network guard, and a clock.

The clock: with ``PAPERBOT_TEST_CLOCK`` set, every test runs with the wall clock travelled to that
moment (``time_machine.travel(..., tick=True)``), so ``datetime.now()``, ``date.today()`` and
``time.time()`` read that hour and keep ticking, while ``time.monotonic()`` (asyncio's timers,
timeouts, hypothesis's deadlines) is untouched. ``HH:MM`` means that time of day, in UTC, on one side
of the midnight between Sunday 28 February and Monday 1 March 2027: ``23:30`` is the Sunday evening,
``00:30`` the Monday morning, so one pass crosses a day, a week and a (short) month boundary from each
side. A full ISO datetime (``2027-03-06T12:00Z``; naive means UTC) is taken as given. At UTC the
process's time zone is UTC too while travelling (``TZ=UTC``, as in CI), so local-time readers such as
``date.today()`` agree on any developer's machine. CI runs the suite at both hours, and at
``2027-03-01T13:30Z`` (a weekday afternoon, past the default report deadline), so that no test
decides what it expects from the hour it happens to run at.

Tests marked ``other_process`` run on the real clock even then: they start a paperbot process
(``python -m bot run``, ``deliver``, a crash worker), and a travelled clock cannot be shared with it.
Such a test and its process compare moments across the boundary: Slack request signatures are signed
with the sender's ``time.time()`` and refused by the receiver when more than five minutes away from
its own, delivery leases are written by one process and judged expired by another, and the process
schedules against its own "now". Half on 2027 and half on today would test nothing. Tools the suite
merely runs (ruff, hadolint, systemd-analyze) do not need the marker. The database servers keep their
own clocks too: nothing in paperbot may take a time from SQL ``now()``/``CURRENT_TIMESTAMP``
(only ``slack_installations.installed_at`` has such a default, and the Slack SDK always writes it
from Python's clock).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.archive import Archive
from bot.store.database import create_engine
from tests.database_templates import NOTES, drop_templates, migrate_postgres_schema, migrated_sqlite
from tests.unreachable import DATABASES, refused_url, settle_sqlite_threads

FIXTURES = Path(__file__).parent / "fixtures"
REPORTS = FIXTURES / "reports"
SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "report-2026-02-03.md"
POSTGRES_URL = os.environ.get("PAPERBOT_TEST_POSTGRES_URL")

_LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost", "0.0.0.0", ""}


class NetworkAccessError(AssertionError):
    """A test tried to reach a host other than this machine."""


@pytest.fixture(autouse=True, scope="session")
def _no_internet() -> Iterator[None]:
    """Fail loudly when anything in a test resolves or connects to a non-loopback host."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def host_of(address: Any) -> str:
        return str(address[0]) if isinstance(address, tuple) else ""

    def check(address: Any) -> None:
        host = host_of(address)
        if isinstance(address, tuple) and host not in _LOCAL_HOSTS and not host.startswith("127."):
            raise NetworkAccessError(f"test tried to reach {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            check((host.decode() if isinstance(host, bytes) else str(host), 0))
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo


def _database_params() -> list[Any]:
    postgres = pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="PAPERBOT_TEST_POSTGRES_URL is not set"),
    )
    return ["sqlite", postgres]


@pytest.fixture(autouse=True, scope="session")
def _database_templates() -> Iterator[None]:
    yield
    drop_templates()


@asynccontextmanager
async def fresh_database(kind: str, tmp_path: Path, *, migrated: bool = True) -> AsyncIterator[AsyncEngine]:
    """An empty database of `kind` ("sqlite": a file under tmp_path; "postgresql": a fresh schema in
    the test server, dropped afterwards), at the head revision unless `migrated` is false (a copy
    of one migrated template: tests/database_templates.py)."""
    async with AsyncExitStack() as cleanup:
        if kind == "sqlite":
            path = tmp_path / "test.db"
            if migrated:
                await migrated_sqlite(path)
            db = create_engine(f"sqlite+aiosqlite:///{path}")
            cleanup.push_async_callback(db.dispose)
        else:
            assert POSTGRES_URL
            schema = f"t_{uuid.uuid4().hex[:12]}"
            admin = create_engine(POSTGRES_URL)
            cleanup.push_async_callback(admin.dispose)
            async with admin.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))

            async def drop_schema() -> None:
                async with admin.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

            cleanup.push_async_callback(drop_schema)
            db = create_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})
            cleanup.push_async_callback(db.dispose)  # first of the clean-ups: before the schema goes
            if migrated:
                await migrate_postgres_schema(POSTGRES_URL, admin, schema, db)
        yield db


@pytest.fixture(params=_database_params())
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database: a SQLite file, or a fresh schema in the test PostgreSQL."""
    async with fresh_database(request.param, tmp_path) as db:
        yield db


@pytest.fixture
def archive(engine: AsyncEngine) -> Archive:
    return Archive(engine)


@pytest.fixture
def reference_report() -> str:
    """The real sample report from ../shared, when this checkout has it beside it."""
    if not SHARED_REFERENCE.exists():
        pytest.skip("../shared/reference is not beside this checkout")
    return SHARED_REFERENCE.read_text(encoding="utf-8")


def settings_variables() -> set[str]:
    """Every environment variable paperbot reads: each Settings field's first alias."""
    from pydantic import AliasChoices

    from bot.runtime.config import Settings

    names = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        assert isinstance(alias, AliasChoices), field
        names.add(str(alias.choices[0]))
    return names


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No paperbot variable from the developer's shell, and no stray .env file, reaches Settings."""
    for name in settings_variables():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


# ---- the clock (see the module docstring) ------------------------------------------------------

CLOCK_VARIABLE = "PAPERBOT_TEST_CLOCK"
# "HH:MM" from noon on lands on the Sunday, before noon on the Monday: the two sides of one midnight.
CLOCK_SUNDAY = dt.date(2027, 2, 28)
_CLOCK_KEY = pytest.StashKey[dt.datetime]()


def clock_destination(value: str) -> dt.datetime:
    """The moment ``PAPERBOT_TEST_CLOCK`` names: ``HH:MM`` around the Sunday-Monday midnight, or ISO."""
    value = value.strip()
    try:
        if len(value) <= 5 and ":" in value:
            at = dt.time.fromisoformat(value.zfill(5))
            day = CLOCK_SUNDAY if at.hour >= 12 else CLOCK_SUNDAY + dt.timedelta(days=1)
            return dt.datetime.combine(day, at, tzinfo=ZoneInfo("UTC"))
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(
            f"{CLOCK_VARIABLE}={value!r}: expected HH:MM (UTC) or an ISO datetime such as 2027-03-01T00:30Z"
        ) from None
    if moment.utcoffset() in (None, dt.timedelta(0)):
        # A ZoneInfo, not a fixed offset: time-machine then also sets TZ=UTC while it travels.
        return moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment


def pytest_configure(config: pytest.Config) -> None:
    value = os.environ.get(CLOCK_VARIABLE, "")
    if value.strip():
        config.stash[_CLOCK_KEY] = clock_destination(value)


def pytest_report_header(config: pytest.Config) -> str | None:
    destination = config.stash.get(_CLOCK_KEY, None)
    if destination is None:
        return None
    return (
        f"clock: travelled to {destination.isoformat()} ({destination:%A}, {CLOCK_VARIABLE}); "
        "tests marked other_process run on the real clock"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for note in NOTES:  # e.g. PostgreSQL schemas migrated one by one: tests/database_templates.py
        terminalreporter.write_line(note)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    """Setup, call and teardown of each test under the travelled clock, each test from the same moment."""
    destination = item.config.stash.get(_CLOCK_KEY, None)
    if destination is None or item.get_closest_marker("other_process") is not None:
        return (yield)
    import time_machine  # the dev extra's; imported only when a clock is asked for

    with time_machine.travel(destination, tick=True):
        return (yield)


@pytest.fixture(params=DATABASES)
async def refusing(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a database that refuses every connection (SQLite and PostgreSQL; needs no
    server): what a command meets when the database is down."""
    engine = create_engine(refused_url(request.param, tmp_path))
    yield engine
    await engine.dispose()
    await settle_sqlite_threads()
