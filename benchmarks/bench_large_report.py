"""A report larger than PostgreSQL's parameter cap: 33,000 papers ingested for real.

python -m benchmarks.bench_large_report [--papers N] [--postgres URL]

asyncpg refuses a statement with more than 32,767 parameters; a 35,000-paper report failed with a
10 MB error listing every id. The archive reads and writes in chunks (bot/store/archive.py CHUNK):
this stores such a report on SQLite and, given a URL, on a fresh PostgreSQL database, then a
correction that drops papers, and prints the time of each. The suite checks the same property on
a small report (tests/bot/store/test_archive_safety.py).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.common import machine
from bot.models import Paper, Report
from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.migrate import migrate

DAY = dt.date(2026, 4, 1)


def report(count: int) -> Report:
    return Report(
        DAY,
        tuple(
            Paper(f"2604.{n:05d}", f"Paper {n}", f"https://huggingface.co/papers/2604.{n:05d}", domain="视觉")
            for n in range(count)
        ),
    )


async def measure(url: str, count: int) -> tuple[float, float]:
    engine = create_engine(url)
    try:
        await migrate(engine)
        archive = Archive(engine)
        whole = report(count)
        started = time.perf_counter()
        assert (await archive.ingest(whole)).new_papers == count
        stored = time.perf_counter() - started
        started = time.perf_counter()
        dropped = await archive.ingest(Report(DAY, whole.papers[: count // 2]))
        assert dropped.removed_papers == count - count // 2
        return stored, time.perf_counter() - started
    finally:
        await engine.dispose()


async def run(count: int, postgres: str | None) -> None:
    print(f"# {count:,} papers in one report — {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        stored, corrected = await measure(f"sqlite+aiosqlite:///{Path(folder) / 'large.db'}", count)
        print(f"SQLite      stored in {stored:6.1f} s; a correction dropping half in {corrected:5.1f} s")
    if postgres:
        name = f"bench_{uuid.uuid4().hex[:12]}"
        admin = create_async_engine(postgres, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = postgres.rsplit("/", 1)[0] + f"/{name}"
            stored, corrected = await measure(url, count)
            print(f"PostgreSQL  stored in {stored:6.1f} s; a correction dropping half in {corrected:5.1f} s")
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=33_000)
    parser.add_argument("--postgres", help="postgresql+asyncpg://… (a database is created and dropped)")
    args = parser.parse_args()
    asyncio.run(run(args.papers, args.postgres))


if __name__ == "__main__":
    main()
