"""`paperbot subscriptions export/import` carry a channel's 👍 / 👎 as `feedback`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.ranking.feedback import DOWN, UP, ChannelPreferences, PaperFeatures, Vote
from tests.bot.runtime.test_cli import isolated, run  # noqa: F401  (fixture)
from tests.bot.runtime.test_cli_topics import ENTRIES

AT = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def feedback() -> dict[str, object]:
    preferences = ChannelPreferences()
    robots = PaperFeatures(("reinforcement-learning", "robotics"), ("robot",))
    preferences.record(Vote("2611.00001", robots, DOWN, "U1", AT))
    preferences.record(Vote("2611.00002", robots, UP, "U2", AT + dt.timedelta(minutes=1)))
    return preferences.to_json()


def test_votes_round_trip_through_export_and_import(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "subs.json"
    source.write_text(json.dumps([{**ENTRIES[0], "feedback": feedback()}, ENTRIES[1]]), encoding="utf-8")
    assert run(capsys, "subscriptions", "import", str(source))[0] == 0
    exported = json.loads(run(capsys, "subscriptions", "export")[1])
    by_channel = {entry["channel"]: entry for entry in exported}
    assert by_channel["C0VIDEO"]["feedback"] == feedback()
    assert "feedback" not in by_channel["456789012345678901"]  # a channel without votes carries none
    # An entry without feedback leaves the channel's votes alone.
    source.write_text(json.dumps(ENTRIES[:1]), encoding="utf-8")
    assert run(capsys, "subscriptions", "import", str(source))[0] == 0
    again = json.loads(run(capsys, "subscriptions", "export")[1])
    assert {e["channel"]: e for e in again}["C0VIDEO"]["feedback"] == feedback()


def test_bad_feedback_imports_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text(json.dumps([{**ENTRIES[0], "feedback": {"version": 9}}]), encoding="utf-8")
    status, _, err = run(capsys, "subscriptions", "import", str(source))
    assert status == 2
    assert "entry 1: not a channel's feedback" in err
    assert json.loads(run(capsys, "subscriptions", "export")[1]) == []


def test_the_last_digest_goes_with_the_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`subscriptions export` writes each channel's newest finished digest; a file without one
    (an older paperbot's) imports as before."""
    import sqlite3

    source = tmp_path / "subs.json"
    source.write_text(json.dumps(ENTRIES), encoding="utf-8")
    assert run(capsys, "subscriptions", "import", str(source))[0] == 0
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute(
            "INSERT INTO deliveries (platform, workspace, channel, report_date, status, due_at,"
            " next_attempt_at, attempts, uncertain, next_part, posted, created_at, updated_at)"
            " VALUES ('slack', 'T01', 'C0VIDEO', '2026-12-06', 'posted', '2026-12-06 01:00:00',"
            " '2026-12-06 01:00:00', 1, 0, 1, '[\"1.2\"]', '2026-12-06 01:00:00', '2026-12-06 01:00:00')"
        )
    exported = {e["channel"]: e for e in json.loads(run(capsys, "subscriptions", "export")[1])}
    assert exported["C0VIDEO"]["last_digest"] == {"date": "2026-12-06", "status": "posted"}
    assert "last_digest" not in exported["456789012345678901"]
