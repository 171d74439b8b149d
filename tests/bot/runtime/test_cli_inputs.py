"""The command line itself: `--debug` anywhere, values that start with '-', a vanished working
directory and SIGTERM each end with one clear line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime.cli import build_parser
from tests.bot.runtime.test_cli import isolated, run  # noqa: F401  (fixture)


@pytest.mark.parametrize(
    ("argv", "debug"),
    [
        (["--debug", "ingest", "x.md"], True),
        (["ingest", "x.md", "--debug"], True),
        (["ingest", "--debug", "x.md"], True),
        (["subscriptions", "import", "x.json", "--debug"], True),
        (["subscriptions", "--debug", "export"], True),
        (["ingest", "x.md"], False),
    ],
)
def test_debug_is_accepted_anywhere(argv: list[str], debug: bool) -> None:
    assert build_parser().parse_args(argv).debug is debug


def test_debug_after_the_subcommand_runs_it(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "topics", "--json", "--debug")
    assert status == 0
    assert out.startswith("[")


def test_a_topic_list_starting_with_a_minus_says_how_to_pass_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["preview", "--topics", "-survey"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--topics: expected one argument" in err
    assert "--topics=-survey" in err
    assert build_parser().parse_args(["preview", "--topics=-survey"]).topics == "-survey"


def test_help_documents_the_equals_form(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["preview", "--help"])
    assert "--topics=-survey" in capsys.readouterr().out


def test_a_query_word_starting_with_a_minus_says_to_use_double_dash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["lookup", "diffusion", "-survey"])
    assert caught.value.code == 2
    assert "lookup -- diffusion -survey" in capsys.readouterr().err
    assert build_parser().parse_args(["lookup", "--", "diffusion", "-survey"]).query == [
        "diffusion",
        "-survey",
    ]
    # A mistyped option gets no such advice.
    with pytest.raises(SystemExit):
        build_parser().parse_args(["lookup", "diffusion", "--jsno"])
    assert "lookup --" not in capsys.readouterr().err


def test_a_deleted_working_directory_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    monkeypatch.delenv("PAPERBOT_DATABASE_URL")  # the default database lives in the working directory
    status, _, err = run(capsys, "topics")
    assert status == 2
    assert err == (
        "paperbot: error: the working directory no longer exists (deleted or moved): cd to an "
        "existing directory, or give PAPERBOT_DATABASE_URL and every path in full\n"
    )


@pytest.fixture
def silent_server() -> Iterator[tuple[int, threading.Event]]:
    """A loopback HTTP server that accepts connections and never answers: a fetch hangs on it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    connected = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            connected.set()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], connected
    server.close()
    for conn in held:
        conn.close()


def test_sigterm_during_ingest_ends_with_one_line_saying_rerunning_is_safe(
    tmp_path: Path, silent_server: tuple[int, threading.Event]
) -> None:
    port, connected = silent_server
    env = {
        **os.environ,
        "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'term.db'}",
        "NO_PROXY": "*",
    }
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", f"http://127.0.0.1:{port}/report.md"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert connected.wait(30), "ingest never reached the report server"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 128 + signal.SIGTERM
    assert err == (
        "paperbot: stopped by SIGTERM during ingest; the reports archived before it are kept, and "
        "ingest is idempotent: running it again is safe\n"
    )


def test_an_unexpected_error_with_a_huge_message_is_one_short_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.store.subscriptions import SubscriptionStore

    async def fails(*_args: object) -> int:
        # What a database error once looked like: the statement with every parameter quoted.
        raise RuntimeError("INSERT INTO subscriptions … " + "('slack', 'T1', 'C1'), " * 100_000)

    monkeypatch.setattr(SubscriptionStore, "import_all", fails)
    source = tmp_path / "subs.json"
    source.write_text('[{"platform": "slack", "workspace": "T1", "channel": "C1", "topics": ["RL"]}]')
    status, _, err = run(capsys, "subscriptions", "import", str(source))
    assert status == 1
    assert err.startswith("paperbot: error: RuntimeError: INSERT INTO subscriptions")
    assert err.endswith("… (run with --debug for details)\n")
    assert len(err) < 500
