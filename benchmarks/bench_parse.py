"""Parsing speed: paperbot's report parser against markdown-it-py merely tokenizing the same text.

python -m benchmarks.bench_parse [--quick]
"""

from __future__ import annotations

import argparse
import re

from markdown_it import MarkdownIt

from benchmarks.common import ROOT, machine, summary, time_calls
from bot.config import SAMPLE_REPORT
from bot.reports.parser import parse_report

REFERENCE = ROOT.parent / "shared" / "reference" / "report-2026-02-03.md"


def large_report(base: str, papers: int) -> str:
    """A report of `papers` papers made by repeating the base report's blocks with new ids."""
    head, *blocks = re.split(r"(?m)^(?=## 📄)", base)
    out = [head]
    for n in range(papers):
        block = blocks[n % len(blocks)]
        out.append(re.sub(r"/papers/\d{4}\.\d{4,5}", f"/papers/2699.{n:05d}", block, count=1))
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

    tokenizer = MarkdownIt("commonmark")
    print(f"machine: {machine()}")
    print(f"runs per figure: {runs}\n")
    header = f"{'size':>8} {'paperbot p50':>13} {'p95':>8} {'markdown-it p50':>16} {'p95':>8} {'ratio':>6}"
    print(f"{'report':<30} {header}")
    for name, text in texts.items():
        papers = len(parse_report(text).papers)
        ours = summary(time_calls(lambda t=text: parse_report(t), runs))  # type: ignore[misc]
        theirs = summary(time_calls(lambda t=text: tokenizer.parse(t), runs))  # type: ignore[misc]
        print(
            f"{name:<30} {len(text.encode()) // 1024:>6}KB {ours[0]:>11.2f}ms {ours[1]:>6.2f}ms "
            f"{theirs[0]:>14.2f}ms {theirs[1]:>6.2f}ms {ours[0] / theirs[0]:>6.2f}"
            + ("" if papers else "  (no papers parsed!)")
        )
    print("\nratio = paperbot median / markdown-it-py median (goal: ≤ 1.00)")


if __name__ == "__main__":
    main()
