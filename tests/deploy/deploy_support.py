"""What the tests of deploy/ share: paths, the settings' variable names, a Dockerfile reader, a
.dockerignore matcher, optional tools, and a stand-in for paperbot's /healthz."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from bot.runtime.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
ENTRYPOINT = DEPLOY / "docker-entrypoint.sh"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = DEPLOY / "compose.yaml"
UNIT = DEPLOY / "paperbot.service"
ENV_EXAMPLE = DEPLOY / ".env.example"


def load_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), path
    return loaded


def default_http_port() -> int:
    port = Settings.model_fields["http_port"].default
    assert isinstance(port, int)
    return port


def example_env() -> dict[str, str]:
    """deploy/.env.example as a mapping."""
    found = re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M)
    return dict(found)


# ---- Dockerfile


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, COPY, …
    flags: tuple[str, ...]  # --from=builder, --chmod=0755, --interval=30s, …
    args: str  # the rest, as written

    def flag(self, name: str) -> str | None:
        for flag in self.flags:
            key, _, value = flag.partition("=")
            if key == f"--{name}":
                return value
        return None

    def exec_form(self) -> list[str] | None:
        """The JSON array form (`CMD ["run"]`), or None for the shell form."""
        text = self.args.strip()
        if not text.startswith("["):
            return None
        value = json.loads(text)
        assert isinstance(value, list), text
        assert all(isinstance(item, str) for item in value), text
        return value


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction]
    args: dict[str, str]  # ARG defaults declared in this stage

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        assert found, f"no {keyword} in stage {self.name or self.base}"
        return found[-1]

    def resolve(self, text: str) -> str:
        """`text` with this stage's ARG defaults substituted for ${NAME} and $NAME (other
        variables, such as $PATH in ENV, are left as they are)."""

        def value(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(3)
            default = match.group(2)
            if name in self.args:
                return self.args[name]
            return match.group(0) if default is None else default

        return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)", value, text)


_FLAG = re.compile(r"--[a-z-]+(?:=\S*)?")


def parse_dockerfile(text: str) -> list[Instruction]:
    """Docker's reading of a Dockerfile, as far as these tests need it: comment lines dropped
    (also inside a continued instruction), a trailing backslash continues the line."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1]
            continue
        logical.append(pending + raw)
        pending = ""
    assert not pending.strip(), "the Dockerfile ends inside a continued line"
    instructions = []
    for line in logical:
        keyword, _, rest = line.strip().partition(" ")
        flags = []
        rest = rest.strip()
        while match := _FLAG.match(rest):
            flags.append(match.group(0))
            rest = rest[match.end() :].strip()
        instructions.append(Instruction(keyword.upper(), tuple(flags), rest))
    return instructions


def dockerfile_stages(path: Path = DOCKERFILE) -> list[Stage]:
    instructions = parse_dockerfile(path.read_text(encoding="utf-8"))
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = instruction.args.split()
            base = Stage("", None, [], dict(global_args)).resolve(words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            # A stage sees a global ARG only if it declares it again.
            stages.append(Stage(base, name, [], {}))
            continue
        if instruction.keyword == "ARG":
            name, _, default = instruction.args.partition("=")
            (stages[-1].args if stages else global_args)[name.strip()] = default.strip().strip('"')
        if stages:
            stages[-1].instructions.append(instruction)
    return stages


# ---- .dockerignore (the rules of moby/patternmatcher, which `docker build` applies)


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", i)
            out += pattern[i : end + 1]
            i = end
        else:
            out += re.escape(char)
        i += 1
    return re.compile(out)


@dataclass(frozen=True)
class DockerIgnore:
    rules: tuple[tuple[bool, re.Pattern[str]], ...]  # (is an exception "!", pattern)

    @classmethod
    def parse(cls, lines: Sequence[str]) -> DockerIgnore:
        rules = []
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            exception = line.startswith("!")
            pattern = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
            rules.append((exception, _pattern_regex(pattern)))
        return cls(tuple(rules))

    @classmethod
    def read(cls, path: Path = DOCKERIGNORE) -> DockerIgnore:
        return cls.parse(path.read_text(encoding="utf-8").splitlines())

    def excludes(self, relative: str) -> bool:
        """Whether the file or folder `relative` (to the build context) is left out. A pattern
        matches a path or any folder above it; the last pattern that matches decides."""
        parts = relative.strip("/").split("/")
        candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for exception, pattern in self.rules:
            if any(pattern.fullmatch(candidate) for candidate in candidates):
                excluded = not exception
        return excluded


# ---- tools that may or may not be installed


def tool(name: str) -> str | None:
    """An executable on PATH or beside this Python (a virtual environment's bin/)."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def run(command: Sequence[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, timeout=120, check=False, env=env)


# ---- a stand-in for paperbot's HTTP server


PAPERBOT_RUN = (sys.executable, "-m", "bot", "run")


async def start_paperbot_run(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    """`python -m bot run` as a service manager starts it: only `env`, in `cwd`, no terminal;
    its output captured for the test to read."""
    return await asyncio.create_subprocess_exec(
        *PAPERBOT_RUN,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def free_port() -> int:
    """A loopback port nothing listens on (just released by the kernel)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def http_server(status: int, host: str = "127.0.0.1") -> Iterator[tuple[int, list[str]]]:
    """A loopback server answering every GET with `status`; yields its port and the paths asked."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = b"ok\n" if status == 200 else b"not ok\n"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def run_healthcheck(command: Sequence[str], port: int, host: str | None = None) -> int:
    """Run a container health check (`["CMD", "python", …]` or its exec form without CMD) here,
    with this interpreter for `python`, paperbot listening on `port` (and PAPERBOT_HTTP_HOST=`host`,
    when given); its exit status."""
    argv = list(command)
    if argv[0] == "CMD":
        argv = argv[1:]
    assert argv[0] in {"python", "python3"}, f"the health check should use Python (no curl in slim): {argv}"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PAPERBOT_HTTP_PORT": str(port)}
    if host is not None:
        env["PAPERBOT_HTTP_HOST"] = host
    return run([sys.executable, *argv[1:]], env=env).returncode
