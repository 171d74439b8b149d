"""How well paperbot reads real digests of other shapes (tests/fixtures/digests): per format, the
papers found with their own id and title, papers merged or invented, how many papers carry each
field, and how many are found by `paperbot lookup` of a word from their body.

python -m benchmarks.eval_digests
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from benchmarks.common import machine
from bot.chat.paper_lookup import lookup
from bot.models import SECTION_FIELDS
from bot.reports.sources.local import read_report_file
from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.migrate import migrate
from tests.digests import FILES, expected, same_title


async def evaluate() -> None:
    files = FILES
    print(f"machine: {machine()}\n")
    header = (
        f"{'digest':<36} {'lang':<4} {'listed':>6} {'right':>5} {'merged':>6} {'invented':>8}  fields filled"
    )
    print(header)
    totals = {"listed": 0, "right": 0, "merged": 0, "invented": 0, "words": 0, "found": 0}
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'eval.db'}")
        await migrate(engine)
        archive = Archive(engine)
        for path in files:
            want = expected(path)
            report = read_report_file(path)
            await archive.ingest(report)
            wanted = {p["arxiv_id"]: same_title(p["title"]) for p in want["papers"]}
            got = {p.arxiv_id: same_title(p.title) for p in report.papers}
            right = sum(1 for arxiv_id, title in wanted.items() if got.get(arxiv_id) == title)
            merged = len(wanted) - len(set(wanted) & set(got))
            invented = len(set(got) - set(wanted))
            filled = " ".join(
                f"{name[:5]} {sum(1 for p in report.papers if getattr(p, name))}" for name in SECTION_FIELDS
            )
            counts = f"{len(wanted):>6} {right:>5} {merged:>6} {invented:>8}"
            print(f"{path.stem:<36} {want['language']:<4} {counts}  {filled}")
            totals["listed"] += len(wanted)
            totals["right"] += right
            totals["merged"] += merged
            totals["invented"] += invented
        for path in files:
            for paper in expected(path)["papers"]:
                if paper["word"]:
                    totals["words"] += 1
                    hits = await lookup(archive, paper["word"], limit=10)
                    totals["found"] += paper["arxiv_id"] in {hit.arxiv_id for hit in hits}
        await engine.dispose()
    share = 100 * totals["right"] / totals["listed"]
    print(
        f"\n{len(files)} digests, {totals['listed']} papers listed: {totals['right']} ({share:.0f}%) with "
        f"their own id and title, {totals['merged']} merged or lost, {totals['invented']} invented, "
        "0 digests rejected"
    )
    print(f"lookup of a word from each paper's body: {totals['found']} of {totals['words']} papers found")


if __name__ == "__main__":
    asyncio.run(evaluate())
