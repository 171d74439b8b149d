"""`paperbot ingest` of a folder of many reports: worker processes, batches, the same outcome."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest

import bot.runtime.bulk_ingest
from bot.reports.resolve import ReportJob
from bot.runtime.bulk_ingest import POOL_MIN_FILES, workers_for
from bot.runtime.cli import main
from tests.bot.reports.test_parser import HEADER, paper_block

FIRST = dt.date(2026, 4, 1)


def report(day: dt.date, *papers: tuple[str, str]) -> str:
    text = HEADER.replace("2026-04-01", day.isoformat())
    return text + "".join(paper_block("### {n}. {name}", arxiv=a, title=t) for a, t in papers)


def folder_of_reports(folder: Path, count: int) -> None:
    """`count` reports, each with a paper of its own and one that every report lists (merged),
    and an unreadable one in the middle."""
    folder.mkdir()
    for n in range(count):
        day = FIRST + dt.timedelta(days=n)
        papers = [(f"2604.{n + 100:05d}", f"Widget Number {n}"), ("2604.00001", f"Shared Paper, Take {n}")]
        (folder / f"report-{day}.md").write_text(report(day, *papers), encoding="utf-8")
    (folder / f"report-{FIRST + dt.timedelta(days=count // 2)}x.md").write_text("# Notes\n", encoding="utf-8")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


@pytest.mark.other_process  # worker processes
def test_worker_processes_and_batches_ingest_a_folder_as_one_report_at_a_time_does(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder_of_reports(folder, POOL_MIN_FILES + 2)
    for name in ("PAPERBOT_REPORT_SOURCE", "SLACK_BOT_TOKEN", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    outcomes = []
    for pooled, batch in ((True, bot.runtime.bulk_ingest.BATCH_PAPERS), (False, 1)):
        monkeypatch.setenv("PAPERBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / f'{pooled}.db'}")
        monkeypatch.setattr(bot.runtime.bulk_ingest, "POOL_MIN_FILES", 2 if pooled else 10**6)
        monkeypatch.setattr(bot.runtime.bulk_ingest, "BATCH_PAPERS", batch)
        status, out, err = run(capsys, "ingest", str(folder))
        again = run(capsys, "ingest", str(folder))[1]
        found = [run(capsys, "lookup", query)[1] for query in ("widget", "shared take", "2604.00001")]
        outcomes.append((status, out, err, again, found))
    assert outcomes[0] == outcomes[1]
    status, out, err, again, found = outcomes[0]
    assert status == 2
    assert "x.md:1: not a Daily Papers report" in err
    assert len(out) == POOL_MIN_FILES + 2
    assert out[0] == "2026-04-01: 2 papers archived (2 new, 0 updated)"
    assert out[1] == "2026-04-02: 2 papers archived (1 new, 1 updated)"
    assert all("already archived, unchanged" in line for line in again)
    assert "Shared Paper, Take 13" in found[2][0]  # the newest report's title won
    with sqlite3.connect(tmp_path / "True.db") as db:
        # A new file's 16 KiB pages and incremental auto-vacuum; the free pages given back.
        assert db.execute("PRAGMA page_size").fetchone()[0] == 16_384
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0


def test_workers_only_for_enough_files(tmp_path: Path) -> None:
    async def nothing() -> None:
        return None

    files = [ReportJob(f"f{n}", nothing, required=True, path=tmp_path / f"f{n}.md") for n in range(40)]
    days = [ReportJob(f"d{n}", nothing, required=False) for n in range(40)]
    assert workers_for(files[: POOL_MIN_FILES - 1]) == 0
    assert workers_for(days) == 0
    assert workers_for(files) == (0 if (os.cpu_count() or 1) < 2 else min(40, os.cpu_count() or 1))
