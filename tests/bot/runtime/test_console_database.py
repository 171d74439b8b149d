"""The demo stays a demo: `paperbot run` without chat credentials never writes into a database
that a platform deployment uses, and a service never starts it."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from bot.runtime.cli import main
from bot.store.database import DEMO_SQLITE_FILE
from handlers import service
from tests.stdin import ScriptedStdin

CREDENTIALS = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "DISCORD_TOKEN",
)
SLACK_SUBSCRIPTION = {
    "platform": "slack",
    "workspace": "T0123ABCD",
    "channel": "C0123ABCD",
    "topics": ["reinforcement learning"],
    "time": "09:00",
    "tz": "UTC",
    "locale": "en",
}


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory of its own, a configured SQLite database there, no credentials."""
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "production.db"
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    for name in ("PAPERBOT_REPORT_SOURCE", "PAPERBOT_TIMEZONE", "PAPERBOT_OPERATOR_CHANNEL", *CREDENTIALS):
        monkeypatch.delenv(name, raising=False)
    return database


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = "/quit\n") -> tuple[int, str, str]:
    sys.stdin = ScriptedStdin(stdin)  # restored by the fixture below
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(autouse=True)
def _stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", sys.stdin)


def serve_slack_once(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """`paperbot run` with Slack credentials, its service stopped as soon as it starts; its log."""

    async def started(_app: object, _out: object, stop: object = None) -> int:
        return 0

    monkeypatch.setattr(service, "run_service", started)
    with monkeypatch.context() as env:
        env.setenv("SLACK_BOT_TOKEN", "xoxb-1234-5678-real-looking")
        env.setenv("SLACK_APP_TOKEN", "xapp-1-A1234-5678-real-looking")
        status, _, err = run(capsys, "run")
    assert status == 0, err
    return err


def counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as conn:
        return {
            "reports": conn.execute("SELECT count(*) FROM reports").fetchone()[0],
            "console": conn.execute(
                "SELECT count(*) FROM subscriptions WHERE platform = 'console'"
            ).fetchone()[0],
        }


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_without_a_database_url_the_demo_runs_on_its_own_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PAPERBOT_DATABASE_URL")
    previous = os.umask(0o022)
    try:
        status, out, _ = run(capsys, "run", stdin="/paper subscribe speech\n")
    finally:
        os.umask(previous)
    assert status == 0
    assert f"archived in {DEMO_SQLITE_FILE}; you are in #demo" in out
    demo = tmp_path / DEMO_SQLITE_FILE
    assert stat.S_IMODE(demo.stat().st_mode) == 0o600
    assert not (tmp_path / "paperbot.db").exists(), "the default database is a deployment's to use"
    # The demo's channel survives restarts, in its own file.
    status, out, _ = run(capsys, "run", stdin="/paper list\n")
    assert status == 0
    assert "speech" in out


def test_the_demo_refuses_a_database_a_platform_run_served(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    serve_slack_once(capsys, monkeypatch)
    status, out, err = run(capsys, "run", stdin="/paper subscribe RL\n")
    assert status == 2
    line = one_line(err)
    assert line.startswith("paperbot: error: console mode will not write its demo into PAPERBOT_DATABASE_URL")
    assert "belongs to a platform deployment (`paperbot run` has served Slack from it)" in line
    assert DEMO_SQLITE_FILE in line
    assert out == ""
    assert counts(isolated) == {"reports": 0, "console": 0}


def test_the_demo_refuses_a_database_holding_platform_subscriptions(
    capsys: pytest.CaptureFixture[str], isolated: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "subscriptions.json"
    backup.write_text(json.dumps([SLACK_SUBSCRIPTION]), encoding="utf-8")
    assert run(capsys, "subscriptions", "import", str(backup))[0] == 0
    status, _, err = run(capsys, "run")
    assert status == 2
    assert "(it holds 1 Slack subscription)" in one_line(err)
    assert counts(isolated) == {"reports": 0, "console": 0}


def test_the_demo_refuses_a_database_holding_a_slack_installation(
    capsys: pytest.CaptureFixture[str], isolated: Path
) -> None:
    assert run(capsys, "migrate")[0] == 0
    with sqlite3.connect(isolated) as conn:
        conn.execute(
            "INSERT INTO slack_installations (client_id, app_id, team_id, bot_token, user_id) "
            "VALUES ('123.456', 'A0123ABCD', 'T0123ABCD', 'xoxb-secret', 'U0123ABCD')"
        )
    status, _, err = run(capsys, "run")
    assert status == 2
    line = one_line(err)
    assert "(it holds a Slack installation)" in line
    assert "xoxb-secret" not in line
    assert counts(isolated) == {"reports": 0, "console": 0}


def test_the_demo_refuses_its_own_file_when_a_platform_used_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / DEMO_SQLITE_FILE}")
    serve_slack_once(capsys, monkeypatch)
    monkeypatch.delenv("PAPERBOT_DATABASE_URL")
    status, _, err = run(capsys, "run")
    assert status == 2
    line = one_line(err)
    assert f"console mode will not use its demo database {DEMO_SQLITE_FILE}" in line
    assert "set PAPERBOT_DATABASE_URL to another SQLite file" in line


def test_a_platform_deployment_that_was_never_a_demo_keeps_running(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    # The refusal is the console's: a platform `run` on its own database starts again and again.
    serve_slack_once(capsys, monkeypatch)
    assert "console channel" not in serve_slack_once(capsys, monkeypatch)
    with sqlite3.connect(isolated) as conn:
        assert conn.execute("SELECT platform FROM platform_runs").fetchall() == [("slack",)]


def test_a_fresh_configured_database_still_runs_the_demo(
    capsys: pytest.CaptureFixture[str], isolated: Path
) -> None:
    # `PAPERBOT_DATABASE_URL=sqlite+aiosqlite:///mine.db paperbot run`: a demo on a file of one's own.
    status, out, _ = run(capsys, "run", stdin="/paper help\n")
    assert status == 0
    assert "archived; you are in #demo" in out
    assert counts(isolated) == {"reports": 1, "console": 1}


def test_require_platform_never_starts_the_demo(
    capsys: pytest.CaptureFixture[str], isolated: Path, tmp_path: Path
) -> None:
    status, out, err = run(capsys, "run", "--require-platform", stdin="/paper subscribe RL\n")
    assert status == 2
    assert out == ""
    line = one_line(err)
    assert line.startswith("paperbot: error: no chat platform is configured")
    for variable in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        assert variable in line
    assert os.listdir(tmp_path) == [], "nothing created, not even the database"


def test_an_unreachable_database_is_one_line_without_its_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", "postgresql+asyncpg://nobody:hunter2@127.0.0.1:9/none")
    status, _, err = run(capsys, "run")
    assert status == 1
    line = one_line(err)
    assert line.startswith("paperbot: error: cannot reach the database at postgresql+asyncpg://nobody:***@")
    assert "hunter2" not in line


def test_a_platform_run_names_console_channels_a_demo_left_behind(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    # A console run against this database before the demo refused platform databases.
    assert run(capsys, "run")[0] == 0
    log = serve_slack_once(capsys, monkeypatch)
    assert "the database holds 1 console channel left by a console demo run" in log
    assert "DELETE FROM subscriptions WHERE platform = 'console'" in log


def test_an_export_says_what_it_left_of_the_demo(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Moving from the demo: `subscriptions export` answered "exported 0 subscriptions" and
    nothing more, with the #demo channel subscribed, and on the default file too."""
    monkeypatch.delenv("PAPERBOT_DATABASE_URL")
    assert run(capsys, "run", stdin="/paper subscribe speech\n")[0] == 0
    status, out, err = run(capsys, "subscriptions", "export")
    assert (status, out) == (0, "[]\n")
    assert one_line(err) == (
        f"paperbot: the console demo keeps its #demo channel in its own file, {DEMO_SQLITE_FILE}, "
        "and console subscriptions are not exported"
    )
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / DEMO_SQLITE_FILE}")
    status, out, err = run(capsys, "subscriptions", "export")
    assert (status, out) == (0, "[]\n")
    assert one_line(err).startswith("paperbot: left out 1 console subscription: the console demo's channel")
