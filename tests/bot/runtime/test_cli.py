"""The `paperbot` command as operators script it: output, exit statuses, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import respx

from bot.runtime.cli import main
from bot.store.migrate import head_revision
from tests.bot.reports.test_parser import HEADER, paper_block
from tests.stdin import ScriptedStdin

REPORT = (
    HEADER
    + paper_block("### {n}. {name}", title="Diffusion Distillation for Video")
    + paper_block("{n}. **{name}**：", arxiv="2604.00002", title="Robot Arms That Listen")
)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test gets its own working directory, database and no platform credentials."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    for name in ("PAPERBOT_REPORT_SOURCE", "SLACK_BOT_TOKEN", "DISCORD_TOKEN", "PAPERBOT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "report-2026-04-01.md"
    path.write_text(REPORT, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_parse_json(capsys: pytest.CaptureFixture[str], report_file: Path) -> None:
    status, out, _ = run(capsys, "parse", str(report_file), "--json")
    assert status == 0
    data = json.loads(out)
    assert data["date"] == "2026-04-01"
    assert [p["arxiv_id"] for p in data["papers"]] == ["2604.00001", "2604.00002"]
    assert data["papers"][1]["results"] == "第5节的内容。"


def test_parse_stores_nothing(capsys: pytest.CaptureFixture[str], report_file: Path, tmp_path: Path) -> None:
    run(capsys, "parse", str(report_file))
    assert not (tmp_path / "cli.db").exists()


def test_ingest_then_lookup(capsys: pytest.CaptureFixture[str], report_file: Path) -> None:
    status, out, _ = run(capsys, "ingest", str(report_file))
    assert (status, out.strip()) == (0, "2026-04-01: 2 papers archived (2 new, 0 updated)")
    status, out, _ = run(capsys, "ingest", str(report_file))
    assert "already archived, unchanged" in out

    for query in (["2604.00002v2"], ["https://arxiv.org/abs/2604.00002"], ["robot", "arms"], ["第5节"]):
        status, out, _ = run(capsys, "lookup", *query, "--json")
        assert status == 0
        hits = json.loads(out)
        assert hits, query
        assert set(hits[0]) == {"arxiv_id", "title", "date", "score"}
    status, out, _ = run(capsys, "lookup", "robot", "--json")
    assert [h["arxiv_id"] for h in json.loads(out)] == ["2604.00002"]


def test_lookup_human_output_and_no_match(capsys: pytest.CaptureFixture[str], report_file: Path) -> None:
    run(capsys, "ingest", str(report_file))
    status, out, _ = run(capsys, "lookup", "Robot")
    assert status == 0
    assert " 1. 2604.00002   Robot Arms That Listen  (2026-04-01)\n" in out
    assert run(capsys, "lookup", "nonexistentword")[1] == "no papers match\n"
    assert json.loads(run(capsys, "lookup", "nonexistentword", "--json")[1]) == []


@pytest.mark.parametrize("week", ["2026-W14", "last week", "上周", "week of 2026-04-01"])
def test_a_lookup_of_a_week_says_where_a_week_is_shown(
    capsys: pytest.CaptureFixture[str], report_file: Path, week: str
) -> None:
    # Searched as words, `2026-W14` found papers holding "2026", `last week` papers holding "week".
    run(capsys, "ingest", str(report_file))
    status, out, err = run(capsys, "lookup", *week.split())
    assert (status, out) == (2, "")
    assert "names a week: paperbot lookup takes a day (2026-11-20)" in err
    assert f"`/paper digest {week}`" in err
    status, _, err = run(capsys, "lookup", "2025-W53")  # no year has it
    assert status == 2
    assert "no such week '2025-W53'" in err
    assert run(capsys, "lookup", "week", "of", "robots")[0] == 0  # words, not a week


def test_lookup_in_an_empty_archive_says_it_is_empty(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, report_file: Path
) -> None:
    """QA: after the console demo (`paperbot run`, its own paperbot-demo.db) a new user's
    `paperbot lookup RL` answered "no papers match", as if the query were at fault."""
    status, out, err = run(capsys, "lookup", "RL")
    assert (status, out) == (0, "no papers match\n")
    assert "the archive holds no report yet: ingest one first (paperbot ingest FILE" in err
    assert "paperbot-demo.db" not in err  # PAPERBOT_DATABASE_URL is set: the demo's file is not the cause
    status, out, err = run(capsys, "lookup", "RL", "--json")
    assert (status, json.loads(out)) == (0, [])  # stdout stays a JSON list for scripts
    assert "holds no report yet" in err
    monkeypatch.delenv("PAPERBOT_DATABASE_URL")  # the default file in the working directory
    assert "its own file, paperbot-demo.db" in run(capsys, "lookup", "RL")[2]
    run(capsys, "ingest", str(report_file))
    assert run(capsys, "lookup", "nonexistentword")[2] == ""  # a query that misses, in a filled archive


def test_ingest_folder_keeps_good_reports_and_names_bad_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "2026-04-01.md").write_text(REPORT, encoding="utf-8")
    (folder / "2026-04-02.md").write_text("# Notes\n\nnothing here\n", encoding="utf-8")
    status, out, err = run(capsys, "ingest", str(folder))
    assert status == 2
    assert "2026-04-01: 2 papers archived" in out
    assert "2026-04-02.md:1: not a Daily Papers report" in err
    assert json.loads(run(capsys, "lookup", "2604.00001", "--json")[1])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["parse", "missing.md"], "missing.md: no such file or folder"),
        (["parse", "2026-13-01"], "invalid date"),
        (["ingest", "2026-04-05..2026-04-01"], "ends before it starts"),
        (["lookup", "https://example.com/x"], "not a paper link"),
        (["lookup", "x", "--limit", "0"], "limit must be between 1 and 100"),
        (["lookup", "x", "--limit", "many"], "invalid limit 'many'"),
        (["frobnicate"], "invalid choice"),
        (["parse"], "required"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    try:
        status = main(argv)
    except SystemExit as exited:  # argparse's own usage errors leave this way
        status = int(exited.code or 0)
    _, err = capsys.readouterr()
    assert status == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_malformed_report_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text(HEADER + "\n## 📄 No Link Here\n\n### 1. 应用领域\n文本\n", encoding="utf-8")
    status, _, err = run(capsys, "parse", str(bad))
    assert status == 2
    why = "paper 'No Link Here' has no Hugging Face or arXiv link (expected '- **链接**: URL')"
    assert err == f"paperbot: error: {bad}:7: {why}\n"


def test_date_not_published_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERBOT_REPORT_SOURCE", str(tmp_path))
    status, _, err = run(capsys, "ingest", "2026-04-09")
    assert status == 2
    assert "2026-04-09: no report published for this date" in err


def test_date_range_skips_days_without_reports(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, report_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERBOT_REPORT_SOURCE", str(tmp_path))
    status, out, err = run(capsys, "ingest", "2026-03-31..2026-04-02")
    assert status == 0
    assert "2026-04-01: 2 papers archived" in out
    assert "2026-03-31: no report published" in err


def test_bad_configuration_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERBOT_TIMEZONE", "Nowhere/Land")
    status, _, err = run(capsys, "migrate")
    assert status == 2
    assert err.startswith("paperbot: error: invalid PAPERBOT_TIMEZONE")


def test_unreachable_database_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:9/none")
    status, _, err = run(capsys, "migrate")
    assert status == 1
    assert err.startswith("paperbot: error: cannot reach the database")
    assert err.count("\n") == 1


def test_migrate_says_what_it_did(capsys: pytest.CaptureFixture[str]) -> None:
    """An operator reads from one line whether the schema was created, upgraded (and by which
    migrations: tests/bot/store/test_migrate.py) or already up to date."""
    status, out, _ = run(capsys, "migrate")
    assert (status, out) == (0, f"database schema created (revision {head_revision()})\n")
    status, out, _ = run(capsys, "migrate")
    assert (status, out) == (0, f"database schema is up to date (revision {head_revision()})\n")


def test_console_mode_answers_paper_commands(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    script = (
        "/paper help\n/paper 2611.0\nhello\n/paper subscribe speech\n/paper list\n"
        # Typed on a Chinese keyboard: a full-width slash and space are the same command.
        "／paper\u3000主题\n你好\n/quit\n/paper never-read\n"
    )
    monkeypatch.setattr(sys, "stdin", ScriptedStdin(script))
    status, out, _ = run(capsys, "run")
    assert status == 0
    assert "papers archived" in out
    assert "/paper QUERY" in out
    assert "Commands start with /paper" in out
    assert "个内置主题" in out
    assert "命令以 /paper 开头" in out
    assert (
        "Subscribed. This channel now follows: video generation, reinforcement learning, agents, speech"
        in out
    )
    assert "never-read" not in out


def test_console_lookup_finds_sample_papers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", ScriptedStdin("/paper 视频\n"))
    status, out, _ = run(capsys, "run")
    assert status == 0
    assert "“视频”的检索结果（2 篇论文）" in out
    assert "https://" in out


def test_run_refuses_incomplete_or_unsupported_platform_credentials(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1234-real-looking")
    status, _, err = run(capsys, "run")
    assert status == 2
    assert "neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode)" in err
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "changeme")
    status, _, err = run(capsys, "run")
    assert status == 2
    assert "invalid SLACK_SIGNING_SECRET: looks like a placeholder" in err


def test_python_dash_m_is_the_same_program(tmp_path: Path, report_file: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "parse", str(report_file), "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["date"] == "2026-04-01"


@respx.mock
def test_ingest_a_url(capsys: pytest.CaptureFixture[str]) -> None:
    respx.get("https://reports.test/r.md").mock(return_value=httpx.Response(200, text=REPORT))
    respx.get("https://reports.test/missing.md").mock(return_value=httpx.Response(404))
    status, out, _ = run(capsys, "ingest", "https://reports.test/r.md")
    assert (status, out) == (0, "2026-04-01: 2 papers archived (2 new, 0 updated)\n")
    status, _, err = run(capsys, "ingest", "https://reports.test/missing.md")
    assert status == 2
    assert "https://reports.test/missing.md: no report published" in err


@respx.mock
def test_url_template_validators_persist_between_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERBOT_REPORT_SOURCE", "https://reports.test/daily/{date}.md")
    route = respx.get("https://reports.test/daily/2026-04-01.md").mock(
        side_effect=[httpx.Response(200, text=REPORT, headers={"ETag": '"r1"'}), httpx.Response(304)]
    )
    assert run(capsys, "ingest", "2026-04-01")[0] == 0
    status, out, _ = run(capsys, "ingest", "2026-04-01")  # a new process would do the same
    assert status == 0
    assert "already archived, unchanged" in out
    assert route.calls[1].request.headers["If-None-Match"] == '"r1"'


@respx.mock
def test_ingest_from_the_hugging_face_api(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERBOT_REPORT_SOURCE", "hf-api")
    payload = [{"paper": {"id": "2603.20001", "title": "Tiny Agents", "summary": "Agents. Small ones."}}]
    respx.get("https://huggingface.co/api/daily_papers").mock(return_value=httpx.Response(200, json=payload))
    status, out, _ = run(capsys, "ingest", "2026-03-16")
    assert (status, out) == (0, "2026-03-16: 1 paper archived (1 new, 0 updated)\n")
    hits = json.loads(run(capsys, "lookup", "tiny", "agents", "--json")[1])
    assert [h["arxiv_id"] for h in hits] == ["2603.20001"]


@respx.mock
def test_server_errors_exit_1_after_retries(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.reports.sources.http as http

    monkeypatch.setattr(http, "BACKOFF_BASE", 0.0)
    respx.get("https://reports.test/r.md").mock(return_value=httpx.Response(503))
    status, _, err = run(capsys, "ingest", "https://reports.test/r.md")
    assert status == 1
    # Each retry is logged (a JSON line: stderr is not a terminal here), then the one-line error.
    *retries, last = err.splitlines()
    assert last == "paperbot: error: https://reports.test/r.md: failed after 4 attempts (HTTP 503)"
    assert [json.loads(line)["msg"].split("; ")[-1] for line in retries] == [
        f"retry {n} in 0.0 s" for n in (1, 2, 3)
    ]


def test_deliver_sends_each_due_digest_once_and_deliveries_reports_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", ScriptedStdin("/quit\n"))
    assert run(capsys, "run")[0] == 0  # the console subscribes its demo channel
    status, out, err = run(capsys, "deliver", "--now")
    assert status == 0
    assert "Daily Papers · 2026-11-20" in out
    assert "delivery pass: 1 posted" in err
    status, out, err = run(capsys, "deliver", "--now")
    assert (status, out) == (0, "")
    assert "nothing due" in err
    status, out, _ = run(capsys, "deliveries", "--json")
    (row,) = json.loads(out)
    assert (row["platform"], row["channel"], row["status"], row["date"]) == (
        "console",
        "demo",
        "posted",
        "2026-11-20",
    )
    assert "posted" in run(capsys, "deliveries", "--status", "posted")[1]
    assert run(capsys, "deliver", "--date", "2020-01-01")[0] == 2
    with pytest.raises(SystemExit) as refused:
        run(capsys, "deliveries", "--status", "lost")
    assert refused.value.code == 2


def test_warnings_are_summary_lines_and_verbose_lists_the_papers_behind_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    digest = tmp_path / "digest-2026-08-01.md"
    digest.write_text(
        "# Digest\n\n## Executive summary\nA good day.\n\n"
        + "".join(f"## [Paper {n}](https://arxiv.org/abs/2608.0598{n})\n\nA blurb.\n\n" for n in range(1, 4)),
        encoding="utf-8",
    )
    status, out, err = run(capsys, "parse", str(digest))
    assert status == 0
    assert out.splitlines()[0] == "2026-08-01  3 papers"
    assert err.splitlines() == [
        "warning: 2026-08-01: skipped 1 part that is not papers: 'Executive summary' (line 3)",
        "warning: 2026-08-01: papers lacking a section, of 3: domain 3, usage 3, innovations 3, results 3 "
        "(--verbose lists them)",
    ]
    status, _, err = run(capsys, "parse", str(digest), "--verbose")
    assert status == 0
    detail = "warning: 2026-08-01: line 6: paper 2608.05981: section 'domain' is missing or empty"
    assert detail in err.splitlines()
    assert len(err.splitlines()) == 2 + 12


@pytest.mark.parametrize("command", ["parse", "ingest"])
def test_warnings_of_a_json_report_print_as_those_of_a_markdown_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    # The JSON reader also logged each skipped item, so the CLI printed it twice: once as a
    # `warning:` line and once as a JSON log line.
    saved = tmp_path / "papers.json"
    papers = [{"id": "2602.01234", "title": "Green-VLA"}, {"title": "x"}]
    saved.write_text(json.dumps({"date": "2026-02-20", "papers": papers}), encoding="utf-8")
    status, _, err = run(capsys, command, str(saved))
    assert status == 0
    assert err.splitlines() == [
        "warning: 2026-02-20: item 1 has no 'paper' object, no arXiv 'id' and no paper link (paper_url, url, "
        "arxiv_url, arxiv_page_url, page_url, link, pdf_url); skipped"
    ]


def test_ingest_verbose_too(capsys: pytest.CaptureFixture[str], report_file: Path) -> None:
    text = report_file.read_text(encoding="utf-8").replace("### 4. 主要创新点\n   第4节的内容。", "")
    report_file.write_text(text, encoding="utf-8")
    _, _, quiet = run(capsys, "ingest", str(report_file))
    _, _, verbose = run(capsys, "ingest", "-v", str(report_file))
    assert "--verbose lists them" in quiet
    assert "section 'innovations' is missing" not in quiet
    assert "paper 2604.00001: section 'innovations' is missing or empty" in verbose


def _planned_deliveries(tmp_path: Path, channels: int) -> None:
    """`channels` deliveries of 2026-04-01 in the test's database: the one due first failed for
    good, the others pending."""
    import asyncio
    import datetime as dt

    from sqlalchemy import update

    from bot.models import ChannelRef
    from bot.store.database import create_engine
    from bot.store.migrate import migrate
    from bot.store.outbox import Outbox, Planned
    from bot.store.tables import deliveries

    nine = dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)

    async def fill() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
        await migrate(engine)
        planned = [
            Planned(ChannelRef("slack", "T1", f"C{n:05d}"), nine.date(), nine + dt.timedelta(seconds=n))
            for n in range(channels)
        ]
        await Outbox(engine).ensure(planned, nine)
        async with engine.begin() as conn:
            await conn.execute(
                update(deliveries)
                .where(deliveries.c.channel == "C00000")
                .values(status="failed", attempts=6, last_error="http_503")
            )
        await engine.dispose()

    asyncio.run(fill())


def test_deliveries_says_when_it_shows_only_the_newest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _planned_deliveries(tmp_path, 1142)
    status, out, err = run(capsys, "deliveries", "--date", "2026-04-01")
    assert status == 0
    assert len(out.splitlines()) == 1000
    assert err == "showing the newest 1,000 of 1,142 deliveries; --limit 0 for all\n"
    status, out, err = run(capsys, "deliveries", "--date", "2026-04-01", "--limit", "0")
    assert (len(out.splitlines()), err) == (1142, "")
    # --json gives every row unless told otherwise: a script must not get part of the list unawares.
    status, out, err = run(capsys, "deliveries", "--json")
    assert (len(json.loads(out)), err) == (1142, "")
    status, out, err = run(capsys, "deliveries", "--json", "--limit", "2")
    assert len(json.loads(out)) == 2
    assert err == "showing the newest 2 of 1,142 deliveries; --limit 0 for all\n"
    # Everything matched is shown: nothing to say. The failure, due first, is never cut from view.
    status, out, err = run(capsys, "deliveries", "--status", "pending", "--limit", "1141")
    assert (len(out.splitlines()), err) == (1141, "")
    status, out, err = run(capsys, "deliveries", "--date", "2026-04-01", "--status", "failed")
    assert "slack:T1/C00000" in out
    assert "http_503" in out
    assert (len(out.splitlines()), err) == (1, "")


def test_deliveries_limit_must_be_a_count(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("-1", "many"):
        with pytest.raises(SystemExit) as refused:
            run(capsys, "deliveries", "--limit", bad)
        assert refused.value.code == 2
        assert "--limit" in capsys.readouterr().err


def test_deliveries_marks_a_weekly_digest_and_json_says_each_kind(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A channel gone from weekly to daily on its day has a week and a day keyed that date
    (migration 0017): the list tells them apart, and --json says which is which."""
    import asyncio
    import datetime as dt

    from bot.models import ChannelRef
    from bot.store.database import create_engine
    from bot.store.migrate import migrate
    from bot.store.outbox import Outbox, Planned

    monday = dt.datetime(2026, 12, 7, 1, tzinfo=dt.UTC)
    room = ChannelRef("slack", "T1", "C0SHANGHAI")

    async def fill() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
        await migrate(engine)
        later = monday + dt.timedelta(hours=1)
        planned = [Planned(room, monday.date(), monday, kind="week"), Planned(room, monday.date(), later)]
        assert await Outbox(engine).ensure(planned, later) == 2
        await engine.dispose()

    asyncio.run(fill())
    status, out, _ = run(capsys, "deliveries", "--date", "2026-12-07")
    assert status == 0
    assert out.splitlines() == [
        "2026-12-07  pending  slack:T1/C0SHANGHAI (week)  due 2026-12-07 01:00Z  attempts 0",
        "2026-12-07  pending  slack:T1/C0SHANGHAI  due 2026-12-07 02:00Z  attempts 0",
    ]
    status, out, _ = run(capsys, "deliveries", "--json")
    assert [row["kind"] for row in json.loads(out)] == ["week", "day"]
