"""How well the topic matcher picks what a subscribed channel wants: precision, recall, macro F1.

    python benchmarks/eval_topics.py                  # every labelled source found, per kind
    python benchmarks/eval_topics.py --errors         # also list each false positive / negative
    python benchmarks/eval_topics.py --group "hf-api dev"   # one group only (what tuning may look at)
    python benchmarks/eval_topics.py --labels benchmarks/eval/labels/report-sample.json

Labels (benchmarks/eval/labels/*.json, written by hand per benchmarks/eval/GUIDE.md) say, per
query, which papers a channel following it must receive and which it may. A paper labelled
"may" counts neither for nor against. Per query, counts are pooled over a group's sources; macro
F1 is the mean of the per-query F1 (a query with nothing to find and nothing found scores 1).

Two kinds of source are scored apart, because the matcher reads them differently: markdown
reports with their Chinese sections ("reports"), and Hugging Face daily_papers API items with
their English title, AI summary, AI keywords and abstract ("hf-api", benchmarks/eval/api/),
split into the days tuning may look at ("dev") and the days it never does ("held-out").

Beside each group's macro F1, a 95% interval: its sources (report files, API days) drawn again
with replacement, 2,000 times (a fixed seed, so the figures repeat). With a dozen days and a
rare topic found a few times in all, one paper moves the figure a lot; the interval says how
much of a gap to a goal is the labels' chance.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
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
# What each group should reach (issue 18), and what CI holds it to (tests/bot/topics/
# test_evaluation.py): the figure measured when the labels landed, less a little, so that a change
# that costs precision or recall fails; a floor only ever rises, except when labelled days join a
# group (12 dev days on 2026-12-06 took dev from 0.929 to 0.898 before any tuning on them). The
# held-out API figure is below its goal: see docs/topics.md.
GOALS = {"reports": 0.95, "hf-api dev": 0.92, "hf-api held-out": 0.92}
FLOORS = {"reports": 0.97, "hf-api dev": 0.91, "hf-api held-out": 0.84}


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


def group_of(labels: dict[str, object]) -> str:
    """ "reports" for a markdown report's labels, "hf-api dev" / "hf-api held-out" for API items."""
    if labels.get("source") == "hf-api":
        return f"hf-api {labels.get('split', 'dev')}"
    return "reports"


@dataclass
class Group:
    tallies: dict[str, Tally] = field(default_factory=dict)
    used: list[str] = field(default_factory=list)
    papers: int = 0
    # Each source's own counts per query, for the interval.
    sources: list[dict[str, tuple[int, int, int]]] = field(default_factory=list)

    def macro(self) -> tuple[float, float, float]:
        return _macro(list(self.tallies.values()))

    def interval(self, rounds: int = 2_000, seed: int = 18) -> tuple[float, float]:
        """The 95% interval of the macro F1 over the group's sources drawn again with replacement."""
        rng = random.Random(seed)
        figures = []
        for _ in range(rounds):
            drawn = rng.choices(self.sources, k=len(self.sources))
            pooled = [_pooled(drawn, query) for query in self.tallies]
            figures.append(_macro(pooled)[2])
        figures.sort()
        return figures[int(0.025 * rounds)], figures[int(0.975 * rounds) - 1]


def _pooled(sources: list[dict[str, tuple[int, int, int]]], query: str) -> Tally:
    tp, fp, fn = (sum(source[query][i] for source in sources) for i in range(3))
    return Tally(tp, fp, fn)


def _macro(values: list[Tally]) -> tuple[float, float, float]:
    return (
        sum(t.precision for t in values) / len(values),
        sum(t.recall for t in values) / len(values),
        sum(t.f1 for t in values) / len(values),
    )


async def evaluate_groups(label_files: list[Path]) -> dict[str, Group]:
    """Each group's tallies, in the order: reports, hf-api dev, hf-api held-out."""
    taxonomy = builtin_taxonomy()
    groups: dict[str, Group] = {}
    for label_file in label_files:
        labels = json.loads(label_file.read_text(encoding="utf-8"))
        report = await load(labels["report"])
        if report is None:
            print(f"(skipped {label_file.name}: {labels['report']} is not here)")
            continue
        group = groups.setdefault(group_of(labels), Group())
        group.used.append(f"{label_file.stem} ({len(report.papers)} papers)")
        group.papers += len(report.papers)
        matcher = ReportMatcher(report.papers, taxonomy)
        titles = {p.arxiv_id: p.title for p in report.papers}
        counts: dict[str, tuple[int, int, int]] = {}
        group.sources.append(counts)
        for query, wanted in labels["queries"].items():
            must, may = set(wanted["must"]), set(wanted["may"])
            matched = {m.paper.arxiv_id: m for m in matcher.match(resolve_terms(query, taxonomy))}
            got = set(matched)
            counts[query] = (len(got & must), len(got - must - may), len(must - got))
            tally = group.tallies.setdefault(query, Tally())
            tally.tp += counts[query][0]
            tally.fp += counts[query][1]
            tally.fn += counts[query][2]
            tally.errors += [
                f"FP {query!r}: {i} {titles[i][:60]} — {matched[i].matches[0].reason()} ({matched[i].score})"
                for i in sorted(got - must - may)
            ]
            tally.errors += [f"FN {query!r}: {i} {titles[i][:70]}" for i in sorted(must - got)]
    order = ["reports", "hf-api dev", "hf-api held-out"]
    return {name: groups[name] for name in sorted(groups, key=lambda g: order.index(g) if g in order else 9)}


async def evaluate(label_files: list[Path]) -> tuple[dict[str, Tally], list[str]]:
    """All the files' tallies pooled as one group (for a single kind of source)."""
    pooled = Group()
    for group in (await evaluate_groups(label_files)).values():
        pooled.used += group.used
        for query, tally in group.tallies.items():
            into = pooled.tallies.setdefault(query, Tally())
            into.tp, into.fp, into.fn = into.tp + tally.tp, into.fp + tally.fp, into.fn + tally.fn
            into.errors += tally.errors
    return pooled.tallies, pooled.used


def print_group(name: str, group: Group, errors: bool) -> None:
    print(f"== {name}: {len(group.used)} sources, {group.papers} papers")
    print(f"{'query':<22} {'P':>6} {'R':>6} {'F1':>6}   tp fp fn")
    for query, t in group.tallies.items():
        print(f"{query:<22} {t.precision:6.3f} {t.recall:6.3f} {t.f1:6.3f}   {t.tp:2} {t.fp:2} {t.fn:2}")
    tallies = group.tallies.values()
    total = Tally(sum(t.tp for t in tallies), sum(t.fp for t in tallies), sum(t.fn for t in tallies))
    macro_p, macro_r, macro_f1 = group.macro()
    goal = GOALS.get(name, GOAL)
    met = "met" if macro_f1 >= goal else "NOT met"
    print(
        f"macro precision {macro_p:.3f}  macro recall {macro_r:.3f}  "
        f"macro F1 {macro_f1:.3f}  (goal ≥ {goal}: {met})"
    )
    low, high = group.interval()
    print(f"macro F1 95% interval, its {len(group.sources)} sources drawn again: {low:.3f}–{high:.3f}")
    print(f"micro precision {total.precision:.3f}  micro recall {total.recall:.3f}  micro F1 {total.f1:.3f}")
    if errors:
        for t in tallies:
            for line in t.errors:
                print(line)
    print()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--labels", nargs="*", type=Path, help="label files (default: all in benchmarks/eval/labels)"
    )
    parser.add_argument("--group", help='only this group: "reports", "hf-api dev" or "hf-api held-out"')
    parser.add_argument("--errors", action="store_true", help="list every false positive and negative")
    args = parser.parse_args()
    files = args.labels or sorted((EVAL / "labels").glob("*.json"))
    if args.group:
        files = [f for f in files if group_of(json.loads(f.read_text(encoding="utf-8"))) == args.group]
    groups = asyncio.run(evaluate_groups(files))
    if not groups:
        print("no labelled source found")
        return 1
    for name, group in groups.items():
        print_group(name, group, args.errors)
    print(
        "summary: " + "; ".join(f"{name} macro F1 {group.macro()[2]:.3f}" for name, group in groups.items())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
