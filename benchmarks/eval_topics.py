"""How well the topic matcher picks what a subscribed channel wants: precision, recall, macro F1.

    python benchmarks/eval_topics.py              # every labelled report found
    python benchmarks/eval_topics.py --errors     # also list each false positive / negative
    python benchmarks/eval_topics.py --labels benchmarks/eval/labels/report-sample.json

Labels (benchmarks/eval/labels/*.json, written by hand per benchmarks/eval/GUIDE.md) say, per
query, which papers a channel following it must receive and which it may. A paper labelled
"may" counts neither for nor against. Per query, counts are pooled over all reports; macro F1
is the mean of the per-query F1 (a query with nothing to find and nothing found scores 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.models import Report  # noqa: E402
from bot.reports.sources.local import LocalSource  # noqa: E402
from bot.runtime.config import SAMPLE_REPORT  # noqa: E402
from bot.topics.matcher import ReportMatcher  # noqa: E402
from bot.topics.resolve import resolve_terms  # noqa: E402
from bot.topics.taxonomy import builtin_taxonomy  # noqa: E402

EVAL = Path(__file__).resolve().parent / "eval"
SHARED = ROOT.parent / "shared"
GOAL = 0.90


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        if self.tp + self.fp + self.fn == 0:
            return 1.0
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)


def report_path(spec: str) -> Path | None:
    if spec == "package:sample":
        return SAMPLE_REPORT
    if spec.startswith("shared:"):
        path = SHARED / spec.removeprefix("shared:")
        return path if path.exists() else None
    return EVAL / spec


async def load(spec: str) -> Report | None:
    path = report_path(spec)
    return None if path is None else await LocalSource(path).read()


async def evaluate(label_files: list[Path]) -> tuple[dict[str, Tally], list[str]]:
    taxonomy = builtin_taxonomy()
    tallies: dict[str, Tally] = {}
    used: list[str] = []
    for label_file in label_files:
        labels = json.loads(label_file.read_text(encoding="utf-8"))
        report = await load(labels["report"])
        if report is None:
            print(f"(skipped {label_file.name}: {labels['report']} is not here)")
            continue
        used.append(f"{label_file.stem} ({len(report.papers)} papers)")
        matcher = ReportMatcher(report.papers, taxonomy)
        titles = {p.arxiv_id: p.title for p in report.papers}
        for query, wanted in labels["queries"].items():
            must, may = set(wanted["must"]), set(wanted["may"])
            matched = {m.paper.arxiv_id: m for m in matcher.match(resolve_terms(query, taxonomy))}
            got = set(matched)
            tally = tallies.setdefault(query, Tally())
            tally.tp += len(got & must)
            tally.fp += len(got - must - may)
            tally.fn += len(must - got)
            tally.errors += [
                f"FP {query!r}: {i} {titles[i][:60]} — {matched[i].matches[0].reason()} ({matched[i].score})"
                for i in sorted(got - must - may)
            ]
            tally.errors += [f"FN {query!r}: {i} {titles[i][:70]}" for i in sorted(must - got)]
    return tallies, used


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--labels", nargs="*", type=Path, help="label files (default: all in benchmarks/eval/labels)"
    )
    parser.add_argument("--errors", action="store_true", help="list every false positive and negative")
    args = parser.parse_args()
    files = args.labels or sorted((EVAL / "labels").glob("*.json"))
    tallies, used = asyncio.run(evaluate(files))
    if not tallies:
        print("no labelled report found")
        return 1
    print("reports: " + ", ".join(used))
    print(f"{'query':<22} {'P':>6} {'R':>6} {'F1':>6}   tp fp fn")
    for query, t in tallies.items():
        print(f"{query:<22} {t.precision:6.3f} {t.recall:6.3f} {t.f1:6.3f}   {t.tp:2} {t.fp:2} {t.fn:2}")
    total = Tally(sum(t.tp for t in tallies.values()), sum(t.fp for t in tallies.values()))
    total.fn = sum(t.fn for t in tallies.values())
    macro_p = sum(t.precision for t in tallies.values()) / len(tallies)
    macro_r = sum(t.recall for t in tallies.values()) / len(tallies)
    macro_f1 = sum(t.f1 for t in tallies.values()) / len(tallies)
    print(
        f"macro precision {macro_p:.3f}  macro recall {macro_r:.3f}  macro F1 {macro_f1:.3f}  (goal ≥ {GOAL})"
    )
    print(f"micro precision {total.precision:.3f}  micro recall {total.recall:.3f}  micro F1 {total.f1:.3f}")
    if args.errors:
        for t in tallies.values():
            for line in t.errors:
                print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
