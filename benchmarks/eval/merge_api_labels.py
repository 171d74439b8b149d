"""Merge the two annotators' labels of the Hugging Face API items into the evaluation's labels.

    python benchmarks/eval/merge_api_labels.py          # write labels/api-*.json, print agreement
    python benchmarks/eval/merge_api_labels.py --check  # fail if labels/api-*.json are out of date

Two annotators labelled every item independently (api-labels/annotator-a, annotator-b; GUIDE.md),
without seeing the matcher or each other. A paper both call `must` is `must`; one that either
calls `must` or `may` otherwise is `may` (the annotators disagreeing is the ambiguity `may` is
for); the Chinese keys that mean the same as an English one get its labels. The split (dev or
held-out) comes from api/README.md's table: held-out days are never used for tuning.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

EVAL = Path(__file__).resolve().parent
ANNOTATORS = ("annotator-a", "annotator-b")
SAME_AS = {
    "视频生成": "video generation",
    "强化学习": "RL",
    "智能体": "agents",
    "具身智能": "robotics",
    "机器人": "robotics",
}
_SPLIT_ROW = re.compile(r"^\| (\d{4}-\d{2}-\d{2}) \|.*\| \**(dev|held-out)\** \|$")


def splits() -> dict[str, str]:
    """Each day's split, from the table in api/README.md."""
    text = (EVAL / "api" / "README.md").read_text(encoding="utf-8")
    return {m[1]: m[2] for line in text.splitlines() if (m := _SPLIT_ROW.match(line.strip()))}


def merged(day: str, split: str) -> tuple[dict[str, object], tuple[int, int, int]]:
    """The day's labels, and (agreeing item-key pairs, pairs, pairs either labelled)."""
    a, b = (json.loads((EVAL / "api-labels" / who / f"{day}.json").read_text("utf-8")) for who in ANNOTATORS)
    items = json.loads((EVAL / "api" / f"{day}.json").read_text("utf-8"))
    ids = [item["paper"]["id"] for item in items]
    queries: dict[str, dict[str, list[str]]] = {}
    agree = labelled = 0
    for key in a["queries"]:
        verdicts = [
            {i: ("must" if i in q["must"] else "may" if i in q["may"] else "") for i in ids}
            for q in (a["queries"][key], b["queries"][key])
        ]
        agree += sum(verdicts[0][i] == verdicts[1][i] for i in ids)
        labelled += sum(bool(verdicts[0][i] or verdicts[1][i]) for i in ids)
        must = [i for i in ids if verdicts[0][i] == verdicts[1][i] == "must"]
        may = [i for i in ids if i not in must and (verdicts[0][i] or verdicts[1][i])]
        queries[key] = {"must": must, "may": may}
    for zh, en in SAME_AS.items():
        queries[zh] = queries[en]
    labels: dict[str, object] = {
        "report": f"api/{day}.json",
        "source": "hf-api",
        "split": split,
        "queries": queries,
    }
    return labels, (agree, len(ids) * len(a["queries"]), labelled)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="fail if the merged labels are out of date")
    args = parser.parse_args(argv)
    stale = []
    agree = pairs = labelled = 0
    for day, split in sorted(splits().items()):
        labels, (a, p, n) = merged(day, split)
        agree, pairs, labelled = agree + a, pairs + p, labelled + n
        target = EVAL / "labels" / f"api-{day}.json"
        text = json.dumps(labels, ensure_ascii=False, indent=2) + "\n"
        if args.check:
            if not target.exists() or target.read_text("utf-8") != text:
                stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
    if stale:
        print("out of date (run benchmarks/eval/merge_api_labels.py): " + ", ".join(stale))
        return 1
    print(
        f"annotators agree on {agree / pairs:.3f} of {pairs} item-query pairs "
        f"({(agree - (pairs - labelled)) / labelled:.3f} of the {labelled} that either labelled)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
