"""The corpus of real digests (tests/fixtures/digests): its files and what each is known to hold,
for the corpus test and the benchmarks that read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DIGESTS = Path(__file__).parent / "fixtures" / "digests"
FILES = sorted(path for path in DIGESTS.glob("*.md") if path.name != "README.md")


def expected(path: Path) -> dict[str, Any]:
    """What a reader finds in a digest: its source, date, papers and filled fields."""
    data: dict[str, Any] = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    return data


def same_title(title: str) -> str:
    """A title for comparing: digests wrap long titles over two lines; it is the same title."""
    return " ".join(title.split())
