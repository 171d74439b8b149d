"""Parsing speed: paperbot's report parser against markdown-it-py merely tokenizing the same text.

python -m benchmarks.bench_parse [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re

from markdown_it import MarkdownIt

from benchmarks.common import ROOT, machine, summary, time_pair
from bot.reports.parser import parse_report
from bot.runtime.config import SAMPLE_REPORT
from tests.digests import FILES as DIGEST_FILES

REFERENCE = ROOT.parent / "shared" / "reference" / "report-2026-02-03.md"
DAY = dt.date(2026, 1, 1)  # for digests whose text has no date


def large_report(base: str, papers: int) -> str:
    """A report of `papers` papers made by repeating the base report's blocks with new ids."""
    head, *blocks = re.split(r"(?m)^(?=## 📄)", base)
    out = [head]
    for n in range(papers):
        block = blocks[n % len(blocks)]
        out.append(re.sub(r"/papers/\d{4}\.\d{4,5}", f"/papers/2612.{n:05d}", block, count=1))
    return "".join(out)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--quick", action="store_true", help="fewer runs, for a smoke test")
    runs = 20 if options.parse_args().quick else 200

    texts: dict[str, str] = {}
    if REFERENCE.exists():
        texts["reference report (44 papers)"] = REFERENCE.read_text(encoding="utf-8")
    texts["bundled sample (14 papers)"] = SAMPLE_REPORT.read_text(encoding="utf-8")
    base = texts.get("reference report (44 papers)", texts["bundled sample (14 papers)"])
    texts["synthetic (200 papers)"] = large_report(base, 200)
    # Real digests of other shapes (tests/fixtures/digests), each parsed on its own; their
    # row is the sum over the files.
    digests = [path.read_text(encoding="utf-8") for path in DIGEST_FILES]

    tokenizer = MarkdownIt("commonmark")
    print(f"machine: {machine()}")
    print(f"runs per figure: {runs}\n")
    header = f"{'size':>8} {'paperbot p50':>13} {'p95':>8} {'markdown-it p50':>16} {'p95':>8} {'ratio':>6}"
    print(f"{'report':<30} {header}")
    rows: dict[str, list[str]] = {name: [text] for name, text in texts.items()}
    found = sum(len(parse_report(text, default_date=DAY).papers) for text in digests)
    rows[f"{len(digests)} real digests ({found} papers)"] = digests
    for name, group in rows.items():
        papers = sum(len(parse_report(text, default_date=DAY).papers) for text in group)
        mine, others = time_pair(
            lambda g=group: [parse_report(t, default_date=DAY) for t in g],  # type: ignore[misc]
            lambda g=group: [tokenizer.parse(t) for t in g],  # type: ignore[misc]
            runs,
        )
        ours, theirs = summary(mine), summary(others)
        size = sum(len(text.encode()) for text in group)
        print(
            f"{name:<30} {size // 1024:>6}KB {ours[0]:>11.2f}ms {ours[1]:>6.2f}ms "
            f"{theirs[0]:>14.2f}ms {theirs[1]:>6.2f}ms {ours[0] / theirs[0]:>6.2f}"
            + ("" if papers else "  (no papers parsed!)")
        )
    print("\nratio = paperbot median / markdown-it-py median (goal: ≤ 0.33, at least 3× faster)")


if __name__ == "__main__":
    main()
