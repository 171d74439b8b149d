"""Migrated databases for tests, made by copying one migrated template instead of migrating each.

Running every migration for each test's fresh database was most of the suite's time: about 0.15 s
a SQLite file and 0.7–1.8 s a PostgreSQL schema (16 migrations, each its own DDL round trips),
for some 1,500 tests. The first test that wants a migrated database of a kind migrates one
template with the real `migrate()`; every later one gets a copy of it:

- SQLite: the template file, its write-ahead log checkpointed into it, copied byte for byte (the
  page size, auto-vacuum and WAL mode live in the file, so the copy is what `migrate()` made).
- PostgreSQL: `pg_dump` of the template schema (DDL and its rows, the Alembic revision among
  them, as INSERTs) replayed into the test's schema in one round trip. Where `pg_dump` is missing
  or fails, or its dump does not load into the server (a `pg_dump` newer than the server writes
  settings the server does not know: 17's `SET transaction_timeout`), each schema is migrated as
  before, and the run's summary says why.

Tests of migrating itself ask `fresh_database(..., migrated=False)` and call `migrate()`.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.database import create_engine
from bot.store.migrate import migrate

_SQLITE_TEMPLATE: Path | None = None
_POSTGRES_SCRIPT: dict[str, str | None] = {}  # server URL -> the dump with {SCHEMA} for its schema
_TEMPLATE_SCHEMAS: list[tuple[str, str]] = []  # (server URL, schema) to drop when the run ends
_MARK = "{SCHEMA}"
NOTES: list[str] = []  # what the run should be told of how its databases were made


async def migrated_sqlite(path: Path) -> None:
    """A migrated SQLite database at `path` (which must not exist yet)."""
    global _SQLITE_TEMPLATE
    if _SQLITE_TEMPLATE is None:
        folder = Path(tempfile.mkdtemp(prefix="paperbot-template-"))
        template = folder / "template.db"
        engine = create_engine(f"sqlite+aiosqlite:///{template}")
        try:
            await migrate(engine)
        finally:
            await engine.dispose()
        with sqlite3.connect(template) as conn:  # fold the write-ahead log into the file
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _SQLITE_TEMPLATE = template
    shutil.copyfile(_SQLITE_TEMPLATE, path)


async def migrate_postgres_schema(url: str, admin: AsyncEngine, schema: str, db: AsyncEngine) -> None:
    """Bring the new, empty `schema` (reached by `db`) to the head: by replaying the template's
    dump through `admin` when there is one, else with `migrate()`."""
    if url not in _POSTGRES_SCRIPT:
        _POSTGRES_SCRIPT[url] = await _dump_template(url, admin)
    script = _POSTGRES_SCRIPT[url]
    if script is None:
        await migrate(db)
        return
    await _replay(admin, script, schema)


async def _replay(admin: AsyncEngine, script: str, schema: str) -> None:
    """Run the template's dump, made the empty `schema`'s, through `admin`."""
    async with admin.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        # Several statements in one simple-protocol round trip, which PostgreSQL runs as one
        # transaction (a statement that fails leaves nothing); `pg_dump` also sets this session's
        # search_path (to '') and more, which RESET ALL undoes before the pool has it.
        await driver.execute(script.replace(_MARK, schema) + "\nRESET ALL;\n")


async def loads(admin: AsyncEngine, script: str) -> str | None:
    """Why `script` (a dump with `{SCHEMA}`) does not load into this server, or None when it does:
    tried once on a scratch schema, so that a dump the server refuses falls back to `migrate()`
    instead of failing every test's set-up."""
    scratch = f"paperbot_check_{uuid.uuid4().hex[:12]}"
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{scratch}"'))
    try:
        await _replay(admin, script, scratch)
    except Exception as exc:
        if getattr(exc, "sqlstate", None) is None:
            raise  # not the server refusing a statement (a lost connection, a bug here)
        return f"{type(exc).__name__}: {exc}"
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{scratch}" CASCADE'))
    return None


async def _dump_template(url: str, admin: AsyncEngine) -> str | None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        return None
    template = f"paperbot_template_{uuid.uuid4().hex[:12]}"
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{template}"'))
    _TEMPLATE_SCHEMAS.append((url, template))
    engine = create_engine(url, connect_args={"server_settings": {"search_path": template}})
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    server = make_url(url)
    env = dict(os.environ, PGPASSWORD=server.password or "")
    proc = await asyncio.create_subprocess_exec(
        pg_dump,
        "--host", server.host or "127.0.0.1",
        "--port", str(server.port or 5432),
        "--username", server.username or "postgres",
        "--dbname", server.database or "postgres",
        "--schema", template,
        "--inserts", "--no-owner", "--no-privileges", "--no-comments",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )  # fmt: skip
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        return None
    dump = out.decode()
    # The test's schema exists already; every other name of the template becomes the test's.
    # Lines starting with a backslash are psql's (newer pg_dump writes `\restrict KEY`).
    dump = re.sub(rf"^(?:CREATE SCHEMA {template};|\\.*)$", "", dump, flags=re.M)
    assert _MARK not in dump
    assert template in dump
    script = dump.replace(template, _MARK)
    if (refused := await loads(admin, script)) is not None:
        # Said at the end of the run (conftest's pytest_terminal_summary): output during a test is
        # captured, and a warning is an error here, which would fail whichever test came first.
        NOTES.append(f"{pg_dump}'s dump does not load into {server.host} ({refused}): each schema migrated")
        return None
    return script


def drop_templates() -> None:
    """Drop the templates this run made."""
    global _SQLITE_TEMPLATE
    if _SQLITE_TEMPLATE is not None:
        shutil.rmtree(_SQLITE_TEMPLATE.parent, ignore_errors=True)
        _SQLITE_TEMPLATE = None

    async def drop() -> None:
        for url, schema in _TEMPLATE_SCHEMAS:
            engine = create_engine(url)
            try:
                async with engine.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            finally:
                await engine.dispose()

    if _TEMPLATE_SCHEMAS:
        asyncio.run(drop())
        _TEMPLATE_SCHEMAS.clear()
