"""The configuration page's table names exactly the environment variables paperbot reads (each
Settings field's first alias in bot/runtime/config.py): a setting added, renamed or removed fails here until
the page says so."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import settings_variables

PAGE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
# The first table on the page: | `NAME` | meaning | default |, or several names in one row.
_TABLE = re.compile(
    r"^\| variable \| meaning \| default \|\n\| --- \| --- \| --- \|\n(?P<rows>(?:\|.*\n)+)", re.M
)


def documented_variables() -> set[str]:
    found = _TABLE.search(PAGE.read_text(encoding="utf-8"))
    assert found, "docs/configuration.md has no | variable | meaning | default | table"
    names: set[str] = set()
    for row in found["rows"].splitlines():
        first_cell = row.split("|")[1]
        names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_the_table_names_every_setting_and_nothing_else() -> None:
    documented = documented_variables()
    missing = settings_variables() - documented
    extra = documented - settings_variables()
    assert not missing, f"read by bot/runtime/config.py but not in docs/configuration.md: {sorted(missing)}"
    assert not extra, f"in docs/configuration.md but not read by bot/runtime/config.py: {sorted(extra)}"
