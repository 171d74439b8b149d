"""docs/operations/index.md's metrics table and the metrics /metrics serves name the same metrics,
labels and label values: operators write alerts from the table (`status="failed"`), so a value the
code uses and the table does not list, or the reverse, fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client import Metric

from bot.runtime.metrics import COMMAND_OUTCOMES, DELIVERY_OUTCOMES, FETCH_OUTCOMES, REGISTRY

PAGE = Path(__file__).resolve().parents[2] / "docs" / "operations" / "index.md"

# The label whose values each enumerates, per metric as the table names it.
ENUMERATED = {
    "paperbot_reports_fetched_total": ("outcome", FETCH_OUTCOMES),
    "paperbot_deliveries_total": ("status", DELIVERY_OUTCOMES),
    "paperbot_commands_total": ("outcome", COMMAND_OUTCOMES),
}


def _rows() -> dict[str, str]:
    """{metric name: its labels cell} of the table (a row may name several metrics)."""
    text = PAGE.read_text(encoding="utf-8")
    table = text.split("| metric | type | labels |", 1)[1].split("\n\n", 1)[0]
    rows: dict[str, str] = {}
    for line in table.strip().splitlines()[1:]:
        names, _kind, labels = (cell.strip() for cell in line.strip().strip("|").split("|"))
        for name in re.findall(r"`(paperbot_\w+)`", names):
            rows[name] = labels
    return rows


def _families() -> dict[str, Metric]:
    """paperbot's own metric families, by the name a scrape shows (counters end in _total)."""
    return {
        f"{family.name}_total" if family.type == "counter" else family.name: family
        for family in REGISTRY.collect()
        if family.name.startswith("paperbot_")
    }


def _label_names(family: Metric) -> set[str]:
    for collector, names in REGISTRY._collector_to_names.items():  # the labels declared, even unused
        if family.name in names or f"{family.name}_total" in names:
            return set(getattr(collector, "_labelnames", ()))
    raise AssertionError(family.name)


def test_the_table_names_every_metric_and_no_other() -> None:
    assert set(_rows()) == set(_families())


@pytest.mark.parametrize("name", sorted(_families()))
def test_each_metrics_labels_are_in_its_row(name: str) -> None:
    cell = _rows()[name]
    named = set(re.findall(r"`(\w+)`", cell.split("(", 1)[0]))
    assert named == _label_names(_families()[name]), cell


@pytest.mark.parametrize("name", sorted(ENUMERATED))
def test_enumerated_label_values_match_the_code(name: str) -> None:
    label, values = ENUMERATED[name]
    cell = _rows()[name]
    before, _, listed = cell.partition("(")
    assert f"`{label}`" in before, cell
    assert re.findall(r"`(\w+)`", listed.split(")", 1)[0]) == list(values), cell
