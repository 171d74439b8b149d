"""Each subcommand's --help shows examples and the environment variables it reads; --debug shows
paperbot's debug lines, not the database layers'; shell completion is optional and cheap."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.runtime.cli import build_parser, main
from bot.runtime.config import Settings
from bot.runtime.logs import configure_logging
from bot.store.database import create_engine
from tests.conftest import settings_variables


def subcommands() -> dict[str, argparse.ArgumentParser]:
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def test_options_read_as_docs_cli_md_writes_them() -> None:
    """QA: `paperbot lookup --help` showed `--limit LIMIT  at most N results` (no default),
    `preview --help` `--limit LIMIT` and `--lang LANG`, where docs/cli.md and `deliveries`
    write `--limit N` and `--lang en|zh`."""
    page = (Path(__file__).resolve().parents[3] / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, parser in subcommands().items():
        for action in parser._actions:
            if "--limit" in action.option_strings:
                assert action.metavar == "N", name
                assert "default" in (action.help or ""), name
            if "--lang" in action.option_strings:
                assert f"--lang {action.metavar}" in page.replace("\\|", "|"), name


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_subcommand_help_has_examples_and_its_variables(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([name, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    examples = out.split("examples:\n", 1)[1].split("\n\nenvironment:\n", 1)
    assert all(
        line.startswith(f"  paperbot {name}") or "paperbot run" in line
        for line in [line for line in examples[0].splitlines() if line.strip()]
    )
    named = set(re.findall(r"\b(?:PAPERBOT|SLACK|DISCORD|HF)_[A-Z_]+\b", examples[1]))
    assert {"PAPERBOT_DATABASE_URL", "PAPERBOT_LOG_LEVEL"} <= named
    assert named <= settings_variables()  # no variable named that paperbot does not read


async def test_debug_shows_paperbot_lines_and_no_sql(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = logging.getLogger("aiosqlite").level
    with configure_logging(Settings(log_format="json"), debug=True):
        logging.getLogger("paperbot.test").debug("our debug line")
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'debug.db'}")
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 42"))
        await engine.dispose()
        logging.getLogger("sqlalchemy.engine").error("a database problem")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert [line["msg"] for line in lines] == ["our debug line", "a database problem"]
    assert logging.getLogger("aiosqlite").level == before  # restored on leaving


# What `paperbot --help` or a mistyped argument must not wait for (issue 17: --help was 1.1 s,
# nearly all of it importing these; benchmarks/bench_startup.py measures it).
HEAVY = (
    "asyncio",
    "prompt_toolkit",
    "argcomplete",
    "sqlalchemy",
    "alembic",
    "pydantic",
    "httpx",
    "slack_bolt",
    "discord",
)


def heavy_imported_by(code: str) -> str:
    """Which of HEAVY a fresh interpreter has imported after running `code`, as printed."""
    code += f"\nimport sys\nprint(sorted(name for name in {HEAVY!r} if name in sys.modules))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1]


@pytest.mark.parametrize("argv", [["--help"], ["lookup", "--help"], ["lookup", "--limit", "x", "q"]])
def test_help_and_bad_arguments_import_none_of_the_heavy_libraries(argv: list[str]) -> None:
    code = f"from bot.runtime.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
    assert heavy_imported_by(code) == "[]"


# What a one-shot `paperbot lookup` must not import: the subscription and vote stores (and the
# PostgreSQL dialect they load), the digest, delivery and chat code, the HTTP client, Alembic,
# the message catalogue, the ports, the topic probes and RE2, and the compiled topic patterns;
# and for an id, a link or a day, the taxonomy (issue 17: benchmarks/bench_startup.py).
NOT_FOR_A_LOOKUP = (
    "bot.chat.subscribing",
    "bot.chat.use_cases",
    "bot.ranking.digest",
    "bot.delivery.deliverer",
    "bot.store.outbox",
    "bot.store.notices",
    "bot.store.subscriptions",
    "bot.store.votes",
    "sqlalchemy.dialects.postgresql",
    "bot.i18n",
    "bot.ports",
    "bot.topics.probe",
    "re2",
    "bot.topics.taxonomy",
    "tomllib",
    "bot.topics.matcher",
    "httpx",
    "alembic",
    "slack_bolt",
    "discord",
)
_TOPICS = ["bot.topics.taxonomy", "tomllib"]


@pytest.mark.other_process
@pytest.mark.parametrize(
    ("query", "needed", "compiled"),
    [
        ("2611.01003", [], 0),  # an id: no topics read
        ("2026-11-20", [], 0),  # a day
        ("photomosaics", _TOPICS, 0),  # a word: is it a topic's name?
        ("diffusion", [*_TOPICS, "bot.topics.matcher"], 1),  # a topic's name: only that topic compiled
    ],
)
def test_a_one_shot_lookup_imports_only_what_a_lookup_needs(
    tmp_path: Path, query: str, needed: list[str], compiled: int
) -> None:
    code = (
        "import sys\n"
        "from bot.runtime.cli import main\n"
        f"try:\n    main(['lookup', {query!r}])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(name for name in {NOT_FOR_A_LOOKUP!r} if name in sys.modules))\n"
        "from bot.topics.taxonomy import builtin_taxonomy\n"
        "print(sum('strong' in vars(topic) for topic in builtin_taxonomy()))\n"
    )
    env = {**os.environ, "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"}
    from bot.runtime.config import SAMPLE_REPORT

    # An archive in use: migrated, and holding papers for the topic to be scored on.
    ingest = [
        sys.executable,
        "-c",
        f"from bot.runtime.cli import main; main(['ingest', {str(SAMPLE_REPORT)!r}])",
    ]
    subprocess.run(ingest, env=env, capture_output=True, check=True)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    imported, patterns = done.stdout.splitlines()[-2:]
    assert imported == str(sorted(needed))
    assert patterns == str(compiled)  # the topic patterns compiled: only those a lookup used


def test_the_paperbot_process_imports_its_commands_frozen_and_a_caller_keeps_its_collector(
    tmp_path: Path,
) -> None:
    """Issue 17: the collector traversed the ~65,000 objects SQLAlchemy and pydantic create at
    import while importing them and again at exit, a third of a one-shot lookup's CPU. main()
    without argv (the `paperbot` process) freezes them; with argv (a test, an embedding caller)
    the collector is left as it was."""
    code = (
        "import gc, sys\n"
        "from bot.runtime.cli import main\n"
        "sys.argv = ['paperbot', 'topics']\n"
        "seen = []\n"
        "main(['topics'])\n"
        "seen.append((gc.isenabled(), gc.get_freeze_count()))\n"
        "gc.disable()\n"
        "main(['topics'])\n"
        "seen.append((gc.isenabled(), gc.get_freeze_count()))\n"
        "gc.enable()\n"
        "main()\n"
        "seen.append((gc.isenabled(), gc.get_freeze_count() > 10_000))\n"
        "print(seen)\n"
    )
    env = {**os.environ, "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[(True, 0), (False, 0), (True, True)]"


def test_shell_completion_when_argcomplete_is_installed(tmp_path: Path) -> None:
    pytest.importorskip("argcomplete")
    answer = tmp_path / "completions"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "COMP_LINE": "paperbot deliv",
        "COMP_POINT": "14",
        "_ARGCOMPLETE_IFS": "\n",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),  # instead of the shell's file descriptor 8
    }
    done = subprocess.run(
        [sys.executable, "-c", "from bot.runtime.cli import main; main()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert set(answer.read_text().split()) == {"deliver", "deliveries"}


@pytest.mark.other_process
def test_ingesting_files_imports_no_http_client(tmp_path: Path) -> None:
    # httpx took 40 ms of every `paperbot ingest FOLDER` (issue 17); only a URL or a date needs it.
    from bot.runtime.config import SAMPLE_REPORT

    code = (
        "import sys\n"
        "from bot.runtime.cli import main\n"
        f"assert main(['ingest', {str(SAMPLE_REPORT)!r}]) == 0\n"
        "print('httpx' in sys.modules)\n"
    )
    env = {**os.environ, "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"}
    env.pop("PAPERBOT_REPORT_SOURCE", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"
