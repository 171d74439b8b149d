"""The README is a short, task-first page whose examples cannot drift from the program.

Every ```console block of the README (and of the docs pages that show CLI output) is run: each
`$ paperbot …` line as `python -m bot …` in an empty folder, with a clean environment and a fresh
SQLite database shared by the block's commands in order, and what it prints (stdout and stderr) must
be what the block shows. Only safe, offline commands may appear in a tested block; a block that needs
files, tools or a network the test does not have is marked `<!-- illustrative: why -->` on the line
before it, and is skipped."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# Pages whose console blocks are run, besides the README.
PAGES = [README, ROOT / "docs" / "cli.md", ROOT / "docs" / "reports.md"]
SAMPLE = Path("bot") / "reports" / "sample" / "report-sample.md"
# What a tested block may run: reads and writes nothing but the sample and its own database.
SAFE = {"parse", "topics", "lookup", "ingest", "preview"}
EXIT_STATUS = '; echo "exit $?"'

_BLOCK = re.compile(r"^```console\n(?P<body>.*?)^```$", re.M | re.S)
_ILLUSTRATIVE = re.compile(r"<!--\s*illustrative\b")


def console_blocks(page: Path) -> list[tuple[int, str]]:
    """(line, body) of each ```console block on the page that is not marked illustrative."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for found in _BLOCK.finditer(text):
        before = text[: found.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if not _ILLUSTRATIVE.search(before):
            blocks.append((text.count("\n", 0, found.start()) + 1, found["body"]))
    return blocks


def commands(body: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of each `$ ` line of a block."""
    steps: list[tuple[str, list[str]]] = []
    for line in body.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, f"output before the first command: {line!r}"
            steps[-1][1].append(line)
    return steps


def run(command: str, folder: Path) -> list[str]:
    """Runs one documented command as `python -m bot` in `folder`; its output lines, as a reader sees them."""
    echo_status = command.endswith(EXIT_STATUS)
    words = shlex.split(command.removesuffix(EXIT_STATUS))
    assert words[0] == "paperbot", f"only paperbot commands are run: {command!r}"
    assert len(words) > 1, f"no sub-command: {command!r}"
    assert words[1] in SAFE, (
        f"{command!r} is not a safe offline command ({', '.join(sorted(SAFE))}): mark its block illustrative"
    )
    assert not {"|", ">", "<", "&&", ";"} & set(words), f"no shell syntax in a tested command: {command!r}"
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "COLUMNS": "100",
        "PYTHONUNBUFFERED": "1",  # stdout and stderr interleave as on a terminal
        "PYTHONSAFEPATH": "1",  # the folder's bot/ (the sample's copy) is not the package
        "PYTHONPATH": str(ROOT),
        "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'paperbot.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", *words[1:]],
        cwd=folder,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    lines = done.stdout.decode("utf-8").rstrip("\n").split("\n")
    if echo_status:
        lines.append(f"exit {done.returncode}")
    else:
        assert done.returncode == 0, f"{command!r} exited {done.returncode}:\n" + "\n".join(lines)
    return [line.rstrip() for line in lines]


BLOCKS = [(page, line, body) for page in PAGES for line, body in console_blocks(page)]


def test_the_readme_has_tested_examples() -> None:
    assert console_blocks(README)


@pytest.mark.other_process
@pytest.mark.parametrize(
    ("page", "line", "body"), BLOCKS, ids=[f"{page.relative_to(ROOT)}:{line}" for page, line, _ in BLOCKS]
)
def test_each_console_block_prints_what_it_shows(page: Path, line: int, body: str, tmp_path: Path) -> None:
    (tmp_path / SAMPLE).parent.mkdir(parents=True)
    shutil.copyfile(ROOT / SAMPLE, tmp_path / SAMPLE)
    for command, expected in commands(body):
        assert run(command, tmp_path) == [text.rstrip() for text in expected], (
            f"{page.relative_to(ROOT)}:{line}: `{command}` no longer prints what the page shows"
        )


# ---- the README's shape ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


def test_the_readme_is_short(readme: str) -> None:
    assert len(readme) < 12_000
    assert readme.count("\n") <= 150


def test_install_and_run_are_on_the_first_screen(readme: str) -> None:
    first_screen = "\n".join(readme.split("\n")[:40])
    assert 'pip install -e ".[dev]"' in first_screen
    assert "\npaperbot run\n" in first_screen


def test_the_test_command_block_is_there_for_ci(readme: str) -> None:
    # .ci/run reads the test command from the block right after this comment.
    assert "<!-- test-command -->\n```bash\n" in readme


def test_the_readme_cites_no_file_outside_the_repository(readme: str) -> None:
    for name in ("CONTRACT.md", "PLATFORM_FACTS.md", "ARCHITECTURE.md"):
        assert name not in readme


def test_every_relative_link_of_the_readme_exists(readme: str) -> None:
    for target in re.findall(r"\]\(([^)\s]+)\)", readme):
        if "://" in target:
            continue
        assert (ROOT / target.split("#")[0]).exists(), target
