"""`paperbot preview`, `topics` and `subscriptions export/import` as operators script them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bot.runtime.config import SAMPLE_REPORT
from tests.bot.runtime.test_cli import isolated, run  # noqa: F401  (fixture)
from tests.stdin import ScriptedStdin

ENTRIES = [
    {
        "platform": "slack",
        "workspace": "T01",
        "channel": "C0VIDEO",
        "topics": ["video generation", "强化学习"],
        "time": "08:30",
        "tz": "Asia/Shanghai",
        "locale": "zh",
    },
    {
        "platform": "discord",
        "workspace": "123456789012345678",
        "channel": "456789012345678901",
        "topics": ["RL", '"GRPO"'],
        "time": "9:00",
    },
]


def test_preview_json_lists_matched_papers_best_first_with_topics(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, _ = run(
        capsys, "preview", "--report", str(SAMPLE_REPORT), "--topics", "RL, 视频生成", "--json"
    )
    assert status == 0
    items = json.loads(out)
    assert {item["arxiv_id"] for item in items} == {"2611.01001", "2611.01002", "2611.01003", "2611.01004"}
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    for item in items:
        assert set(item) >= {"arxiv_id", "title", "score", "topics"}
        assert item["topics"]
        assert set(item["topics"]) <= {"reinforcement learning", "video generation"}
        assert item["reason"].startswith("matched")
    assert not (tmp_path / "cli.db").exists()  # preview of a given report stores nothing


def test_preview_human_output_and_chinese_labels(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "preview", "--report", str(SAMPLE_REPORT), "--topics", "speech", "--lang", "zh"
    )
    assert status == 0
    assert "每日论文 · 2026-11-20 —— 当日 14 篇中有 1 篇与本频道相关" in out
    assert "EchoVoice" in out
    assert "https://arxiv.org/abs/2611.01010" in out


@pytest.mark.parametrize(
    ("lang", "more"),
    [
        ("en", "…and 1 more — run it without --limit to see every match"),
        ("zh", "……还有 1 篇 —— 去掉 --limit 再运行即可查看全部"),
    ],
)
def test_preview_cut_by_limit_says_how_to_see_the_rest_on_the_command_line(
    capsys: pytest.CaptureFixture[str], lang: str, more: str
) -> None:
    """QA: the line under a `--limit`ed preview told a shell user to type `/paper digest … all`,
    a chat command the command line does not have."""
    status, out, _ = run(
        capsys, "preview", "--report", str(SAMPLE_REPORT), "--topics", "RL", "--limit", "1", "--lang", lang
    )
    assert status == 0
    assert more in out
    assert "/paper digest" not in out


@pytest.mark.parametrize(
    ("topics", "message"),
    [("agnets", 'did you mean "agents"'), (" , ", "topic list is empty"), ('RL, "world', "unclosed quote")],
)
def test_preview_with_a_bad_topic_list_exits_2(
    capsys: pytest.CaptureFixture[str], topics: str, message: str
) -> None:
    status, out, err = run(capsys, "preview", "--report", str(SAMPLE_REPORT), "--topics", topics)
    assert status == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_preview_defaults_to_the_newest_archived_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "preview", "--topics", "RL")[0] == 2  # empty archive: a clear error
    run(capsys, "ingest", str(SAMPLE_REPORT))
    status, out, _ = run(capsys, "preview", "--topics", "RL", "--json")
    assert status == 0
    assert {i["arxiv_id"] for i in json.loads(out)} == {"2611.01003", "2611.01004"}


def test_preview_of_a_date_reads_the_archives_report_of_that_day(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """QA: `--report 2026-05-06` read the report source (here the bundled sample, of another
    day: "no report published for this date") though the archive held that day."""
    from tests.bot.reports.test_parser import HEADER, paper_block

    report = tmp_path / "report-2026-05-06.md"
    text = HEADER.replace("2026-04-01", "2026-05-06") + paper_block(
        "### {n}. {name}", arxiv="2605.00001", title="Reinforcement Learning for Agents"
    )
    report.write_text(text, encoding="utf-8")
    assert run(capsys, "ingest", str(report))[0] == 0
    status, out, _ = run(capsys, "preview", "--report", "2026-05-06", "--topics", "RL", "--json")
    assert status == 0
    assert [i["arxiv_id"] for i in json.loads(out)] == ["2605.00001"]
    # A day the archive lacks is still read from the report source, which has none for it.
    assert run(capsys, "preview", "--report", "2026-05-07", "--topics", "RL")[0] == 2


def test_topics_lists_every_topic_with_aliases(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "topics", "--json")
    topics = json.loads(out)
    assert status == 0
    assert len(topics) >= 25
    rl = next(t for t in topics if t["id"] == "reinforcement-learning")
    assert "强化学习" in rl["zh"]
    assert "RL" in rl["aliases"]
    status, out, _ = run(capsys, "topics")
    assert status == 0
    assert "reinforcement learning" in out
    assert "强化学习" in out


def test_subscriptions_round_trip_through_export_and_import(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "subs.json"
    source.write_text(json.dumps(ENTRIES, ensure_ascii=False), encoding="utf-8")
    status, out, _ = run(capsys, "subscriptions", "import", str(source))
    assert (status, out) == (0, "imported 2 subscriptions (2 new, 0 updated)\n")
    status, out, _ = run(capsys, "subscriptions", "export")
    exported = json.loads(out)
    assert [(e["platform"], e["channel"]) for e in exported] == [
        ("discord", "456789012345678901"),
        ("slack", "C0VIDEO"),
    ]
    slack = exported[1]
    assert slack["topics"] == ["video generation", "reinforcement learning"]
    assert (slack["time"], slack["tz"], slack["locale"]) == ("08:30", "Asia/Shanghai", "zh")
    assert exported[0]["keywords"] == ["GRPO"]
    assert exported[0]["tz"] == "UTC"
    # Importing the export changes nothing, and says the entries were updates.
    backup = tmp_path / "backup.json"
    assert run(capsys, "subscriptions", "export", str(backup))[0] == 0
    assert (
        run(capsys, "subscriptions", "import", str(backup))[1]
        == "imported 2 subscriptions (0 new, 2 updated)\n"
    )
    assert json.loads(run(capsys, "subscriptions", "export")[1]) == exported


def test_an_import_of_two_workspaces_exports_merged_keeps_one_subscription_per_channel(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A Slack Connect channel has one id in both workspaces: merging their exports gave it two
    # subscriptions, and every digest twice. The first workspace's entry stays; the other is
    # skipped, and the summary says so.
    home = {"platform": "slack", "workspace": "T0HOME", "channel": "C0SHARED", "topics": ["RL"]}
    merged = [home, {**home, "workspace": "T0SISTER", "topics": ["agents"]}]
    source = tmp_path / "merged.json"
    source.write_text(json.dumps(merged), encoding="utf-8")
    status, out, _ = run(capsys, "subscriptions", "import", str(source))
    assert (status, out) == (
        0,
        "imported 1 subscription (1 new, 0 updated)\n"
        "skipped slack:T0SISTER/C0SHARED: the channel is already subscribed from workspace T0HOME "
        "(a channel shared between workspaces gets one digest)\n",
    )
    exported = json.loads(run(capsys, "subscriptions", "export")[1])
    assert [(e["workspace"], e["channel"]) for e in exported] == [("T0HOME", "C0SHARED")]


def test_a_bad_import_names_every_problem_and_imports_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = [
        *ENTRIES,
        {**ENTRIES[0], "channel": "C2", "tz": "Mars/Base"},
        {**ENTRIES[0], "channel": "C3", "topics": []},
    ]
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(bad), encoding="utf-8")
    status, _, err = run(capsys, "subscriptions", "import", str(source))
    assert status == 2
    assert "2 problems, first: entry 3: unknown time zone 'Mars/Base'" in err
    assert "(also entry 4)" in err
    assert json.loads(run(capsys, "subscriptions", "export")[1]) == []
    source.write_text("{not json", encoding="utf-8")
    assert "not JSON" in run(capsys, "subscriptions", "import", str(source))[2]
    assert "cannot read" in run(capsys, "subscriptions", "import", str(tmp_path / "missing.json"))[2]


def test_import_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", ScriptedStdin(json.dumps(ENTRIES[:1])))
    assert run(capsys, "subscriptions", "import", "-")[0] == 0
    assert len(json.loads(run(capsys, "subscriptions", "export")[1])) == 1


def test_the_console_demo_channel_is_not_exported(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", ScriptedStdin("/paper list\n"))
    status, out, _ = run(capsys, "run")
    assert status == 0
    assert "This channel follows: video generation, reinforcement learning, agents" in out
    assert json.loads(run(capsys, "subscriptions", "export")[1]) == []


@pytest.mark.parametrize(
    ("workspace", "channel", "says"),
    [
        ("T1/C2", "C0VIDEO", "entry 2: 'T1/C2' is not a slack workspace id"),
        ("T01", "C" * 200, "entry 2: the slack channel id 'CCCCCCCCCCCCCCCCCCCC'… is longer than 64"),
        ("T01", "c0video", "entry 2: 'c0video' is not a slack channel id"),
    ],
)
def test_an_import_naming_an_impossible_channel_exits_2_and_imports_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, workspace: str, channel: str, says: str
) -> None:
    source = tmp_path / "subs.json"
    bad = [ENTRIES[1], {**ENTRIES[0], "workspace": workspace, "channel": channel}]
    source.write_text(json.dumps(bad), encoding="utf-8")
    status, _, err = run(capsys, "subscriptions", "import", str(source))
    assert status == 2
    assert says in err
    assert len(err.strip().splitlines()) == 1  # one line, no traceback
    assert json.loads(run(capsys, "subscriptions", "export")[1]) == []


def test_a_paused_channel_is_exported_with_its_reason_and_imported_paused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    reason = "the channel is archived (Slack: is_archived). To resume, unarchive the channel."
    source = tmp_path / "subs.json"
    paused = {**ENTRIES[0], "paused": True, "paused_reason": reason}
    source.write_text(json.dumps([paused, ENTRIES[1]], ensure_ascii=False), encoding="utf-8")
    assert run(capsys, "subscriptions", "import", str(source))[0] == 0
    exported = {e["channel"]: e for e in json.loads(run(capsys, "subscriptions", "export")[1])}
    assert (exported["C0VIDEO"]["paused"], exported["C0VIDEO"]["paused_reason"]) == (True, reason)
    assert (exported[ENTRIES[1]["channel"]]["paused"], exported[ENTRIES[1]["channel"]]["paused_reason"]) == (
        False,
        None,
    )
