"""deploy/.env.example names every setting paperbot reads, and nothing it does not."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import settings_variables

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / ".env.example"


def test_every_variable_is_in_the_example_and_every_example_is_a_variable() -> None:
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(encoding="utf-8"), re.M))
    assert listed == settings_variables()
