"""The labelled evaluation as a regression guard: a taxonomy or weighting edit that costs
precision or recall on the hand-labelled sources fails here, not months later in a muted channel.
Both kinds of source are held to their goal apart (issue 18): the markdown reports, and the
Hugging Face API items, whose held-out days were never looked at while tuning."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.eval.merge_api_labels import splits
from benchmarks.eval_topics import EVAL, FLOORS, Group, Tally, evaluate_groups


async def test_macro_f1_on_every_kind_of_labelled_source_stays_above_its_floor() -> None:
    groups = await evaluate_groups(sorted((EVAL / "labels").glob("*.json")))
    assert set(groups) == {"reports", "hf-api dev", "hf-api held-out"}
    assert len(groups["reports"].used) >= 3  # the sample, the dev report and the held-out report
    assert groups["hf-api dev"].papers + groups["hf-api held-out"].papers >= 200
    for name, group in groups.items():
        macro_f1 = group.macro()[2]
        assert macro_f1 >= FLOORS[name], (name, {q: round(t.f1, 2) for q, t in group.tallies.items()})


def test_the_interval_is_as_wide_as_the_sources_disagree() -> None:
    """The 95% interval beside each macro F1 draws the sources again with replacement: sources
    that agree leave no room; a hit on one day and a miss on the other span everything."""
    agreeing = Group(tallies={"q": Tally(2, 0, 0)}, sources=[{"q": (1, 0, 0)}, {"q": (1, 0, 0)}])
    assert agreeing.interval(rounds=200) == (1.0, 1.0)
    # Drawn twice, the miss alone scores 0, the hit alone 1, one of each 2/3.
    split = Group(tallies={"q": Tally(1, 0, 1)}, sources=[{"q": (1, 0, 0)}, {"q": (0, 0, 1)}])
    assert split.interval(rounds=400) == (0.0, 1.0)


def test_every_label_file_covers_every_query_and_names_real_papers() -> None:
    files = sorted((EVAL / "labels").glob("*.json"))
    queries = None
    for path in files:
        labels = json.loads(Path(path).read_text(encoding="utf-8"))
        keys = set(labels["queries"])
        queries = queries or keys
        assert keys == queries, path.name
        for wanted in labels["queries"].values():
            assert not set(wanted["must"]) & set(wanted["may"])
    assert queries is not None
    assert len(queries) >= 15


def test_the_api_labels_are_the_two_annotators_merged_with_held_out_days_apart() -> None:
    from benchmarks.eval.merge_api_labels import main

    assert main(["--check"]) == 0
    days = splits()
    held_out = [day for day, split in days.items() if split == "held-out"]
    assert len(days) >= 8
    assert len(held_out) >= 4
    assert all((EVAL / "labels" / f"api-{day}.json").exists() for day in days)
