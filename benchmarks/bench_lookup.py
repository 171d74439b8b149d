"""Lookup latency over a large synthetic archive, against a bare SQLite FTS5 trigram table.

    python -m benchmarks.bench_lookup [--papers 100000] [--quick] [--postgres URL]

The archive is filled through the real write path (`Archive.ingest_many` inside
`Archive.bulk_load`, what `paperbot ingest FOLDER` runs: 50 papers a report, 40 reports a
transaction) once and cached under benchmarks/.cache/.
Each query kind is run against `bot.chat.use_cases.lookup` (what `/paper QUERY` and `paperbot
lookup` call) and, for the text kinds, as the equivalent query on a bare FTS5 table with the
trigram tokenizer over the raw title and section text.

With `--postgres postgresql+asyncpg://…/db`, the same papers fill a database of that server
(`paperbot_bench_lookup_<papers>_v<version>`, kept for the next run, like the SQLite file) and
the same query kinds run against it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks.bench_parse import REFERENCE
from benchmarks.common import CACHE, execute_autocommit, machine, percentile
from bot.chat.paper_lookup import lookup
from bot.models import SECTION_FIELDS, Paper, Report
from bot.reports.parser import parse_report
from bot.runtime.config import SAMPLE_REPORT
from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.migrate import current_revision, head_revision, migrate
from bot.store.prepared import PreparedReport, prepare

GENERATOR_VERSION = 6  # bump when the generator, the schema or the write path changes
PAPERS_PER_REPORT = 50
REPORTS_PER_BATCH = 40

EN_WORDS = (  # noqa: SIM905 - a word list reads best as text
    "diffusion distillation agent agents reinforcement learning video generation robot robotic "
    "manipulation transformer quantization GRPO benchmark reasoning multimodal language model vision "
    "action policy reward retrieval augmented speech audio synthesis efficient sparse attention long "
    "context scaling alignment preference optimization tokenizer embedding graph neural network "
    "segmentation detection tracking 3D gaussian splatting rendering world model planning navigation "
    "instruction tuning evaluation dataset compression pruning adapter LoRA mixture experts routing "
    "latent autoregressive flow matching consistency editing personalization safety jailbreak "
    "watermark hallucination factuality code repair software mathematical theorem proving chemistry "
    "protein molecule medical imaging clinical weather forecasting time series recommendation "
    "ranking search web GUI browser tool use memory curriculum self-play exploration offline online "
    "imitation demonstration humanoid locomotion dexterous grasping tactile"
).split()
EN_RARE = [
    f"{a}{b}" for a in ("neo", "hyper", "omni", "proto", "meta", "ultra", "micro", "quasi") for b in EN_WORDS
]


def corpus() -> list[str]:
    """Sentences of real report sections: the reference report when ../shared is beside the
    checkout, plus the bundled sample. Synthetic sections are drawn from these, so that term
    frequencies look like real reports rather than like a small word list."""
    texts = [SAMPLE_REPORT.read_text(encoding="utf-8")]
    if REFERENCE.exists():
        texts.append(REFERENCE.read_text(encoding="utf-8"))
    sentences: list[str] = []
    for text in texts:
        for paper in parse_report(text).papers:
            for name in SECTION_FIELDS:
                sentences += [
                    s.strip() for s in re.split(r"(?<=[。；！？])|\n", getattr(paper, name)) if len(s) > 8
                ]
    return sentences


def make_paper(rng: random.Random, n: int, sentences: list[str]) -> Paper:
    title_words = rng.sample(EN_WORDS, rng.randint(4, 9)) + (
        [rng.choice(EN_RARE)] if rng.random() < 0.3 else []
    )
    title = f"{rng.choice(EN_RARE).capitalize()}: " + " ".join(title_words).capitalize()

    def section(low: int, high: int) -> str:
        target, parts = rng.randint(low, high), list[str]()
        while sum(len(p) for p in parts) < target:
            parts.append(rng.choice(sentences))
        return "\n".join(parts)

    arxiv_id = f"{23 + n // 40000:02d}{1 + (n // 3400) % 12:02d}.{n % 100000:05d}"
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        url=f"https://huggingface.co/papers/{arxiv_id}",
        source="HTML",
        domain=section(30, 90),
        contribution=section(60, 120),
        usage=section(150, 350),
        innovations=section(200, 400),
        results=section(150, 350),
    )


async def build_archive(url: str, count: int) -> None:
    engine = create_engine(url)
    await migrate(engine)
    archive = Archive(engine)
    started = time.perf_counter()
    async with archive.bulk_load():  # as `paperbot ingest FOLDER` stores a folder
        await _fill(archive, count, started)
    elapsed = time.perf_counter() - started
    print(
        f"fill through Archive.ingest_many: {count:,} papers in {elapsed:.1f} s "
        f"({count / elapsed:,.0f} papers/s)"
    )
    await engine.dispose()


async def _fill(archive: Archive, count: int, started: float) -> None:
    rng = random.Random(20261125)
    sentences = corpus()
    start_day = dt.date(2023, 1, 2)
    batch: list[tuple[PreparedReport, str | None]] = []
    for r in range(count // PAPERS_PER_REPORT):
        papers = tuple(
            make_paper(rng, r * PAPERS_PER_REPORT + i, sentences) for i in range(PAPERS_PER_REPORT)
        )
        batch.append((prepare(Report(start_day + dt.timedelta(days=r), papers)), None))
        if len(batch) == REPORTS_PER_BATCH or r == count // PAPERS_PER_REPORT - 1:
            await archive.ingest_many(batch)
            batch.clear()
        if r % 200 == 199:
            done = (r + 1) * PAPERS_PER_REPORT
            print(
                f"  filled {done:,} papers ({done / (time.perf_counter() - started):,.0f} papers/s)",
                flush=True,
            )


def build_trigram(path: Path) -> None:
    """A bare FTS5 trigram table over the raw text, in the same file, for comparison."""
    with sqlite3.connect(path) as db:
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'bare_trigram'").fetchone():
            return
        db.execute("CREATE VIRTUAL TABLE bare_trigram USING fts5(title, body, tokenize='trigram')")
        db.execute(
            "INSERT INTO bare_trigram(rowid, title, body) SELECT id, title, domain || ' ' || "
            "contribution || ' ' || usage || ' ' || innovations || ' ' || results FROM papers"
        )


def chinese_words(texts: list[str], rng: random.Random, length: int) -> list[str]:
    """Runs of `length` Chinese characters cut from real section text: what a reader might search."""
    words = []
    for text in texts:
        runs = [r for r in re.findall(r"[\u4e00-\u9fff]+", text) if len(r) >= length]
        run = rng.choice(runs)
        start = rng.randrange(len(run) - length + 1)
        words.append(run[start : start + length])
    return words


async def sample_rows(archive: Archive, rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(arXiv id, title, innovations) of `count` papers drawn with `rng`: the same papers on either
    database, since both hold the same generated archive."""
    async with archive.engine.connect() as conn:
        total = (await conn.execute(sa.text("SELECT count(*) FROM papers"))).scalar_one()
        chosen = rng.sample(range(1, total + 1), count)
        statement = sa.text("SELECT arxiv_id, title, innovations FROM papers WHERE id IN :ids ORDER BY id")
        rows = await conn.execute(statement.bindparams(sa.bindparam("ids", expanding=True)), {"ids": chosen})
        return [(row[0], row[1], row[2]) for row in rows]


def queries(rows: list[tuple[str, str, str]], rng: random.Random, per_kind: int) -> dict[str, list[str]]:
    sections = [row[2] for row in rows]
    zh2, zh4 = chinese_words(sections, rng, 2), chinese_words(sections, rng, 4)
    ids = [row[0] for row in rows]
    title_words = [rng.choice(row[1].replace(":", "").split()[1:]).lower() for row in rows]
    rare = [rng.choice(EN_RARE) for _ in range(per_kind)]
    return {
        "arXiv id": ids,
        "HF URL": [f"https://huggingface.co/papers/{i}v2" for i in ids],
        "1 common English word": title_words,
        "1 rare English word": rare,
        "2 English words": [
            f"{a} {b}" for a, b in zip(title_words, rng.choices(EN_WORDS, k=per_kind), strict=True)
        ],
        "quoted phrase": [f'"{rng.choice(EN_WORDS)} {rng.choice(EN_WORDS)}"' for _ in range(per_kind)],
        "Chinese 2 chars": zh2,
        "Chinese 4 chars": zh4,
        "English + Chinese": [f"{rng.choice(EN_WORDS)} {word}" for word in zh4],
        "no hit": [f"zzqx{n}" for n in range(per_kind)],
    }


def bare_statement(query: str) -> tuple[str, tuple[str, ...]] | None:
    """The equivalent query on the trigram table; None where a bare table has no equivalent."""
    text = query.strip('"')
    words = text.split()
    if any(len(w) < 3 for w in words):
        # Trigram MATCH needs 3+ characters per term; LIKE is what a bare setup falls back to.
        return "SELECT rowid FROM bare_trigram WHERE body LIKE ? LIMIT 10", (f"%{text}%",)
    expression = f'"{text}"' if query.startswith('"') else " AND ".join(f'"{w}"' for w in words)
    return "SELECT rowid FROM bare_trigram WHERE bare_trigram MATCH ? ORDER BY rank LIMIT 10", (expression,)


async def measure(url: str, per_kind: int, bare_path: Path | None) -> None:
    """Each query kind's latency through `lookup`; beside it, with `bare_path`, the same text
    query on the bare trigram table of that SQLite file."""
    engine = create_engine(url)
    archive = Archive(engine)
    rng = random.Random(7)
    kinds = queries(await sample_rows(archive, rng, per_kind), rng, per_kind)
    bare_db = sqlite3.connect(bare_path) if bare_path else None
    heads = f"{'p50':>7} {'p95':>7} {'max':>7} {'hits/q':>7} {'bare p50':>9} {'bare p95':>9} {'p95 ratio':>9}"
    print(f"\n{'query kind':<22} {heads}")
    for kind, texts in kinds.items():
        for text in texts[:5]:
            await lookup(archive, text)  # warm the page cache and statement cache
        timings, hits = [], 0
        for text in texts:
            started = time.perf_counter_ns()
            hits += len(await lookup(archive, text))
            timings.append((time.perf_counter_ns() - started) / 1e6)
        bare: list[float] = []
        if bare_db is not None and kind not in {"arXiv id", "HF URL"}:
            for text in texts:
                statement = bare_statement(text)
                if statement is None:
                    continue
                started = time.perf_counter_ns()
                bare_db.execute(*statement).fetchall()
                bare.append((time.perf_counter_ns() - started) / 1e6)
        p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
        line = f"{kind:<22} {p50:>5.2f}ms {p95:>5.2f}ms {max(timings):>5.1f}ms {hits / len(texts):>7.1f}"
        if bare:
            b50, b95 = percentile(bare, 0.5), percentile(bare, 0.95)
            line += f" {b50:>7.2f}ms {b95:>7.2f}ms {p95 / b95:>9.2f}"
        print(line)
    if bare_db is not None:
        bare_db.close()
    await engine.dispose()


def sizes(path: Path) -> None:
    with sqlite3.connect(path) as db:
        try:
            rows = dict(db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
        except sqlite3.OperationalError:
            return
    ours = sum(v for k, v in rows.items() if k.startswith(("papers_fts", "papers_lead_fts")))
    bare = sum(v for k, v in rows.items() if k.startswith("bare_trigram"))
    papers = sqlite3.connect(path).execute("SELECT count(*) FROM papers").fetchone()[0]
    print(
        f"\nfile {path.stat().st_size / 2**20:.0f} MiB (with the bare trigram table); our FTS index "
        f"{ours / 2**20:.0f} MiB; bare trigram index {bare / 2**20:.0f} MiB; without the bare table "
        f"{(path.stat().st_size - bare) / papers:,.0f} bytes per paper"
    )


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--papers", type=int, default=100_000)
    options.add_argument("--quick", action="store_true", help="5,000 papers and 30 queries per kind")
    options.add_argument("--postgres", help="a postgresql+asyncpg:// URL: measure a database on that server")
    args = options.parse_args()
    count = 5_000 if args.quick else args.papers
    per_kind = 30 if args.quick else 200
    print(f"machine: {machine()}")
    if args.postgres:
        postgres_main(args.postgres, count, per_kind)
        return
    path = cached_archive(count)
    build_trigram(path)
    asyncio.run(measure(f"sqlite+aiosqlite:///{path}", per_kind, path))
    sizes(path)
    print("\nbare = the same text query on an FTS5 trigram table via sqlite3 (no Python service layer);")
    print("2-character Chinese terms use LIKE there, since trigram MATCH needs 3+ characters.")
    print("Goal: p95 ≤ 10 ms.")


def cached_archive(count: int) -> Path:
    """The generated archive of `count` papers as a SQLite file under benchmarks/.cache/, built
    once (under another name, renamed when complete: an interrupted build is never reused)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"archive-{count}-v{GENERATOR_VERSION}.db"
    if path.exists():
        print(f"reusing {path.relative_to(CACHE.parent.parent)}")
        return path
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    asyncio.run(build_archive(f"sqlite+aiosqlite:///{partial}", count))
    db = sqlite3.connect(partial)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file before the rename
    finally:
        db.close()
    os.replace(partial, path)
    for leftover in (Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    return path


async def migrate_timed(url: str) -> None:
    """Bring a kept archive to this code's schema, as `paperbot migrate` would, saying how long
    that took when there was anything to do."""
    engine = create_engine(url)
    try:
        before = await current_revision(engine)
        started = time.perf_counter()
        await migrate(engine)
        if before != head_revision():
            print(f"migrated from {before} to {head_revision()} in {time.perf_counter() - started:.1f} s")
    finally:
        await engine.dispose()


def postgres_main(url: str, count: int, per_kind: int) -> None:
    """The same archive in a PostgreSQL database of the server at `url`, built once and kept."""
    name = f"paperbot_bench_lookup_{count}_v{GENERATOR_VERSION}"
    server = url.rsplit("/", 1)[0]
    listed = asyncio.run(execute_autocommit(url, "SELECT datname FROM pg_database"))
    if (name,) not in listed:
        partial = f"{name}_partial"
        asyncio.run(execute_autocommit(url, f'DROP DATABASE IF EXISTS "{partial}"'))
        asyncio.run(execute_autocommit(url, f'CREATE DATABASE "{partial}"'))
        asyncio.run(build_archive(f"{server}/{partial}", count))
        asyncio.run(execute_autocommit(url, f'ALTER DATABASE "{partial}" RENAME TO "{name}"'))
    else:
        print(f"reusing database {name}")
        asyncio.run(migrate_timed(f"{server}/{name}"))
    asyncio.run(execute_autocommit(f"{server}/{name}", "VACUUM ANALYZE"))  # as autovacuum would
    asyncio.run(measure(f"{server}/{name}", per_kind, None))
    print("\nGoal: p95 ≤ 10 ms.")


if __name__ == "__main__":
    main()
