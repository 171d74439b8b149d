"""`paperbot subscriptions import` at 100,000 entries, on SQLite and PostgreSQL.

    python -m benchmarks.bench_import [--entries 100000] [--quick] [--postgres URL]

Each database gets three runs of the real command (`python -m bot subscriptions import FILE`,
a process of its own, so its peak memory is its own): the file into an empty database (every
entry new), the same file again (every entry updated), and the file with a bad vote on its last
entry (refused: exit 2, one line, nothing written). One entry in ten carries `feedback` with
three votes. Then the phases of a good import are timed in this process: JSON parsing, checking
every entry (`read_import` with the store's `import_problem`), and the one-transaction write
(`SubscriptionStore.import_all`). PostgreSQL gets a fresh database, dropped afterwards; it is
skipped when no server answers.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks.bench_deliver import DEFAULT_POSTGRES, postgres_answers, postgres_database
from benchmarks.common import ROOT, machine
from bot.chat.subscribing import read_import
from bot.ranking.feedback import DOWN, UP, ChannelPreferences, PaperFeatures, Vote
from bot.store.database import create_engine
from bot.store.migrate import migrate
from bot.store.subscriptions import SubscriptionStore, import_problem
from bot.store.tables import feedback_votes, subscriptions
from bot.topics.taxonomy import builtin_taxonomy

AT = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
TOPICS = (["RL"], ["video generation", "diffusion"], ["agents", "reasoning"], ["robotics"])


def entries(count: int) -> list[dict[str, Any]]:
    """`count` Slack channels over 100 workspaces; one in ten with three votes as feedback."""
    made = []
    for n in range(count):
        entry: dict[str, Any] = {
            "platform": "slack",
            "workspace": f"T{n % 100:04d}",
            "channel": f"C{n:08d}",
            "topics": TOPICS[n % len(TOPICS)],
            "keywords": ["GRPO"] if n % 3 == 0 else [],
            "time": f"{n % 24:02d}:{n % 60:02d}",
            "tz": ("UTC", "Asia/Shanghai", "America/New_York")[n % 3],
            "locale": "zh" if n % 2 else "en",
        }
        if n % 10 == 0:
            preferences = ChannelPreferences()
            features = PaperFeatures(("robotics",), ("robot",))
            for k in range(3):
                paper = f"2611.{(n + k) % 100000:05d}"
                preferences.record(Vote(paper, features, UP if k % 2 else DOWN, f"U{k}", AT))
            entry["feedback"] = preferences.to_json()
        made.append(entry)
    return made


def command(path: Path, database_url: str) -> tuple[float, int, int, str]:
    """One `paperbot subscriptions import` process: seconds, exit status, its peak RSS in MB,
    and what it printed."""
    env = {**os.environ, "PAPERBOT_DATABASE_URL": database_url}
    with tempfile.TemporaryFile("w+") as output:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "subscriptions", "import", str(path)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
        _, status, usage = os.wait4(process.pid, 0)  # this child's own resource usage
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        said = output.read().strip()
    return seconds, process.returncode, usage.ru_maxrss // 1024, said


async def rows(database_url: str) -> tuple[int, int]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            subs = (await conn.execute(select(func.count()).select_from(subscriptions))).scalar_one()
            votes = (await conn.execute(select(func.count()).select_from(feedback_votes))).scalar_one()
        return int(subs), int(votes)
    finally:
        await engine.dispose()


async def phases(text: str, database_url: str) -> dict[str, float]:
    """Seconds of each phase of one good import into an empty database, in this process."""
    timings: dict[str, float] = {}

    def timed(name: str, step: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = step()
        timings[name] = time.perf_counter() - start
        return value

    data = timed("parse JSON", lambda: json.loads(text))
    taxonomy = builtin_taxonomy()
    found = timed("check entries", lambda: read_import(data, taxonomy, check=import_problem))
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        start = time.perf_counter()
        await SubscriptionStore(engine).import_all(found.subscriptions, found.feedback)
        timings["write (one transaction)"] = time.perf_counter() - start
    finally:
        await engine.dispose()
    return timings


async def scenario(name: str, database_url: str, fresh_url: str, files: dict[str, Path], text: str) -> None:
    print(f"\n{name}")
    for label, path in (("into an empty database", files["good"]), ("again (all updated)", files["good"])):
        seconds, status, peak, said = command(path, database_url)
        print(f"  import {label:<24} {seconds:6.1f} s  exit {status}  peak RSS {peak} MB — {said[:90]}")
    before = await rows(database_url)
    seconds, status, peak, said = command(files["bad"], database_url)
    kept = "unchanged" if await rows(database_url) == before else "CHANGED"
    print(
        f"  {'refused (bad last vote)':<31} {seconds:6.1f} s  exit {status}  peak RSS {peak} MB — {said[:90]}"
    )
    print(
        f"    its message: {len(said)} characters; {before[0]:,} subscriptions and {before[1]:,} votes {kept}"
    )
    for phase, took in (await phases(text, fresh_url)).items():
        print(f"  phase: {phase:<24} {took:6.2f} s")


async def main(args: argparse.Namespace) -> None:
    count = 5_000 if args.quick else args.entries
    data = entries(count)
    # The last entry's vote names a paper id longer than the column (40 characters).
    vote = {"direction": 1, "user": "U1", "at": AT.isoformat()}
    bad_feedback = {"version": 1, "papers": [{"paper": "x" * 41, "votes": [vote]}]}
    bad = [*data[:-1], {**data[-1], "feedback": bad_feedback}]
    print(f"bench_import: {count:,} entries ({count // 10:,} with 3 votes each) — {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        files = {"good": Path(folder) / "good.json", "bad": Path(folder) / "bad.json"}
        text = json.dumps(data)
        files["good"].write_text(text, encoding="utf-8")
        files["bad"].write_text(json.dumps(bad), encoding="utf-8")
        print(f"file: {files['good'].stat().st_size / 1e6:.1f} MB")
        sqlite_url = f"sqlite+aiosqlite:///{Path(folder) / 'import.db'}"
        await scenario(
            "SQLite (a file)", sqlite_url, f"sqlite+aiosqlite:///{Path(folder) / 'phases.db'}", files, text
        )
        url = args.postgres or os.environ.get("PAPERBOT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
        if not await postgres_answers(url):
            print(f"\nPostgreSQL skipped: no server answers at {url}")
            return
        async with postgres_database(url) as (_, database_url), postgres_database(url) as (_, fresh_url):
            server = database_url.rsplit("@", 1)[-1].split("/", 1)[0]
            await scenario(f"PostgreSQL ({server})", database_url, fresh_url, files, text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=100_000, help="entries in the file (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="5,000 entries")
    parser.add_argument("--postgres", help="a postgresql+asyncpg:// URL (default: the test server)")
    asyncio.run(main(parser.parse_args()))
