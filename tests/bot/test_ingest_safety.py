"""`paperbot ingest` never loses the archive and never reads an oversized input: exit 2, one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime.cli import main
from tests.bot.runtime.test_cli import REPORT

HEADER_ONLY = "# Daily Papers 2026-04-01\n\n**Date**: 2026-04-01\n"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_environment: None) -> None:
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_header_only_report_keeps_the_archived_day(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    full = tmp_path / "full.md"
    full.write_text(REPORT, encoding="utf-8")
    empty = tmp_path / "empty.md"
    empty.write_text(HEADER_ONLY, encoding="utf-8")
    assert run(capsys, "ingest", str(full))[0] == 0
    status, out, err = run(capsys, "ingest", str(empty))
    assert status == 2
    assert out == ""
    assert err.splitlines()[0] == (
        "paperbot: error: 2026-04-01: the report lists no papers, so it does not replace that day's "
        "report; the archived 2 papers were kept"
    )
    status, out, _ = run(capsys, "lookup", "2026-04-01")
    assert (status, len(out.splitlines())) == (0, 2)


def test_a_corrected_report_says_what_it_removes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    full = tmp_path / "full.md"
    full.write_text(REPORT, encoding="utf-8")
    run(capsys, "ingest", str(full))
    first_paper_only = REPORT[: REPORT.index("## 📄 Robot Arms")]
    full.write_text(first_paper_only, encoding="utf-8")
    status, out, _ = run(capsys, "ingest", str(full))
    assert status == 0
    assert out.strip() == "2026-04-01: 1 paper archived (0 new, 0 updated, 1 removed from that day)"


def test_an_oversized_report_is_refused_unread(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "report-2026-04-01.md"
    with big.open("wb") as file:
        file.truncate(300 * 1024 * 1024)
    status, _, err = run(capsys, "ingest", str(big))
    assert status == 2
    assert (
        f"paperbot: error: {big}: report is 300.0 MB, over the 20.0 MB limit (PAPERBOT_MAX_REPORT_BYTES)"
        in err
    )

    small = tmp_path / "small.md"
    small.write_text(REPORT, encoding="utf-8")
    monkeypatch.setenv("PAPERBOT_MAX_REPORT_BYTES", "1024")
    status, _, err = run(capsys, "parse", str(small))
    assert status == 2
    assert "over the 1,024 bytes limit" in err
