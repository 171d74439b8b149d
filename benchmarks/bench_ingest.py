"""Bulk ingest and archive size: `paperbot ingest FOLDER` as its own process, on SQLite and PostgreSQL.

    python -m benchmarks.bench_ingest [--papers 10000] [--reports 200] [--postgres URL] [--runs N]

A folder of generated reports in the Daily Papers markdown format (`report-YYYY-MM-DD.md`, the
sections made of sentences drawn from real report sections, as in bench_lookup) is cached under
benchmarks/.cache/. Each run ingests it into a fresh archive with the real command, timed as a
whole process (start-up, parsing, writing, the index), then once more (every report unchanged).
Beside the time, the CPU the whole machine used meanwhile (Linux): near every core busy, the
command is bound by its CPU, and only less work makes it faster. Bytes per paper: the SQLite
file (after the command exits, so its write-ahead log is folded in) and PostgreSQL's papers,
reports and links with their indexes and TOAST (pg_total_relation_size), each divided by the
papers archived. `--papers 100000` gives the size at 100,000 papers. Goals (issue 17): ≥ 3,000
papers/s for 200 reports, ≤ 8 KB per paper.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import NamedTuple

from benchmarks.bench_lookup import corpus, make_paper
from benchmarks.common import CACHE, ROOT, execute_autocommit, machine
from bot.models import Paper

GENERATOR_VERSION = 1  # bump when the generated reports change
SECTION_HEADINGS = (
    ("domain", "应用领域"),
    ("contribution", "一句话核心贡献"),
    ("usage", "使用指南"),
    ("innovations", "主要创新点"),
    ("results", "实验效果"),
)
RULE = "=" * 60
_MARKER = re.compile(r"^\s*(?:\d+\.|[-*•])\s*")


def render(day: dt.date, papers: list[Paper]) -> str:
    """A report as the Daily Papers generator writes it (bot/reports/sample/report-sample.md)."""
    lines = [
        "# Hugging Face Daily Papers Report",
        f"**Date**: {day}",
        f"**Source URL**: https://huggingface.co/papers/date/{day}",
        "",
        RULE,
        "",
    ]
    for paper in papers:
        lines += [f"## 📄 {paper.title}", "", f"- **链接**: {paper.url}", "- **阅读来源**: HTML", ""]
        for number, (name, heading) in enumerate(SECTION_HEADINGS, start=1):
            # One bullet per sentence, its own list marker or number dropped: a sentence such as
            # "2.  评估：…" must not read as the next numbered section.
            bullets = [_MARKER.sub("", line) for line in getattr(paper, name).splitlines()]
            lines += [f"### {number}. {heading}", *(f"*   {line}" for line in bullets), ""]
        lines += ["", RULE, ""]
    return "\n".join(lines)


def report_folder(papers: int, reports: int) -> Path:
    """The generated folder of `reports` reports holding `papers` papers, made once and cached."""
    folder = CACHE / f"ingest-{papers}-{reports}-v{GENERATOR_VERSION}"
    if folder.exists():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261207)
    sentences = corpus()
    first_day = dt.date(2023, 1, 2)
    n = 0
    for r in range(reports):
        size = papers // reports + (1 if r < papers % reports else 0)
        day = first_day + dt.timedelta(days=r)
        listed = [make_paper(rng, n + i, sentences) for i in range(size)]
        n += size
        (partial / f"report-{day}.md").write_text(render(day, listed), encoding="utf-8")
    partial.rename(folder)
    return folder


def busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has been busy (Linux's /proc/stat), None elsewhere. The
    command's workers are children of a fork server, not of the command, so neither `time` nor
    getrusage counts them: measured around a run on a quiet machine, this does."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Run(NamedTuple):
    seconds: float  # the whole process, start to exit
    cpu: float | None  # CPU seconds the machine was busy meanwhile (busy_cpu_seconds)


def run_ingest(folder: Path, database_url: str) -> Run:
    """`paperbot ingest FOLDER` as a whole process: how long it took, and the CPU it used."""
    env = {**os.environ, "PAPERBOT_DATABASE_URL": database_url}
    env.pop("PAPERBOT_REPORT_SOURCE", None)
    argv = [sys.executable, "-m", "bot", "ingest", str(folder)]
    busy = busy_cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    after = busy_cpu_seconds()
    if done.returncode != 0:
        raise SystemExit(f"paperbot ingest failed: {done.stderr.decode()[-800:]}")
    return Run(elapsed, after - busy if busy is not None and after is not None else None)


def sqlite_sizes(path: Path) -> dict[str, int]:
    """Bytes per table (its indexes and FTS5 shadow tables grouped with it), from dbstat."""
    groups: dict[str, int] = {}
    with sqlite3.connect(path) as db:
        try:
            rows = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        except sqlite3.OperationalError:
            return groups
    for name, size in rows:
        group = name
        for prefix in ("papers_fts", "papers_lead_fts", "report_papers"):
            if name.startswith(prefix) or name == f"ix_{prefix}_paper_id":
                group = prefix
        if group in ("sqlite_autoindex_papers_1", "papers"):
            group = "papers (+ arXiv id index)"
        groups[group] = groups.get(group, 0) + size
    with sqlite3.connect(path) as db:
        pages = db.execute("PRAGMA freelist_count").fetchone()[0]
        groups["free pages"] = pages * db.execute("PRAGMA page_size").fetchone()[0]
    return groups


def sqlite_run(folder: Path, papers: int, runs: int) -> None:
    timings, again, cpu = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            path = Path(tmp) / f"archive-{run}.db"
            url = f"sqlite+aiosqlite:///{path}"
            fresh = run_ingest(folder, url)
            timings.append(fresh.seconds)
            if fresh.cpu is not None:
                cpu.append(fresh.cpu)
            again.append(run_ingest(folder, url).seconds)
        size = path.stat().st_size
        groups = sqlite_sizes(path)
    best = statistics.median(timings)
    print(
        f"SQLite: ingest {papers:,} papers: median {best:.2f} s, {papers / best:,.0f} papers/s "
        f"(runs: {', '.join(f'{t:.2f}' for t in timings)} s)"
    )
    if cpu:  # a ceiling set by the cores, or one the overlap of the work leaves unreached
        used = statistics.median(cpu)
        cores = os.cpu_count() or 1
        print(
            f"        CPU (the whole machine, during each fresh ingest): median {used:.2f} CPU-s, "
            f"{used / best / cores:.0%} of {cores} cores busy"
        )
    print(f"        the same folder again (unchanged): median {statistics.median(again):.2f} s")
    print(f"        file {size / 2**20:.1f} MiB: {size / papers:,.0f} bytes per paper")
    for name, bytes_ in sorted(groups.items(), key=lambda item: -item[1]):
        if bytes_ >= size / 100:
            print(f"          {name:<26} {bytes_ / papers:>7,.0f} bytes per paper")


def postgres_run(folder: Path, papers: int, url: str) -> None:
    name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(execute_autocommit(url, f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: say so and go on
        print(f"PostgreSQL: skipped ({type(exc).__name__}: {str(exc).splitlines()[0]})")
        return
    target = url.rsplit("/", 1)[0] + "/" + name
    try:
        elapsed = run_ingest(folder, target).seconds
        again = run_ingest(folder, target).seconds
        sizes = asyncio.run(_postgres_sizes(target))
        total = sum(sizes.values())
        print(
            f"PostgreSQL: ingest {papers:,} papers: {elapsed:.2f} s, {papers / elapsed:,.0f} papers/s; "
            f"again (unchanged) {again:.2f} s"
        )
        parts = ", ".join(f"{table} {size / papers:,.0f}" for table, size in sizes.items())
        print(f"        {total / 2**20:.1f} MiB: {total / papers:,.0f} bytes per paper ({parts})")
    finally:
        asyncio.run(execute_autocommit(url, f'DROP DATABASE IF EXISTS "{name}"'))


async def _postgres_sizes(url: str) -> dict[str, int]:
    from sqlalchemy import text

    from bot.store.database import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as plain:
            conn = await plain.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))  # as autovacuum would, soon after a load
            return {
                table: (await conn.execute(text(f"SELECT pg_total_relation_size('{table}')"))).scalar_one()
                for table in ("papers", "report_papers", "reports")
            }
    finally:
        await engine.dispose()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--papers", type=int, default=10_000)
    options.add_argument("--reports", type=int, default=200)
    options.add_argument("--runs", type=int, default=3, help="fresh SQLite ingests to take the median of")
    options.add_argument("--postgres", help="a postgresql+asyncpg:// URL of a server to create a database on")
    args = options.parse_args()
    print(f"machine: {machine()}")
    CACHE.mkdir(parents=True, exist_ok=True)
    folder = report_folder(args.papers, args.reports)
    megabytes = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
    print(f"folder: {args.reports} reports, {args.papers:,} papers, {megabytes:.0f} MB of markdown\n")
    sqlite_run(folder, args.papers, args.runs)
    if args.postgres:
        postgres_run(folder, args.papers, args.postgres)
    print("\nGoals (issue 17): ≥ 3,000 papers/s for the whole command, ≤ 8 KB per paper.")


if __name__ == "__main__":
    main()
