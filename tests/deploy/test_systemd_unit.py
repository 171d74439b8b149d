"""deploy/paperbot.service: paperbot from a virtual environment under systemd.

systemd itself reads the unit when `systemd-analyze` is installed (it is on Debian and Ubuntu,
including CI's machine): `verify` for unknown or malformed directives, `security --offline` for
the sandbox's exposure score. The structural tests hold what operators and the rest of deploy/
rely on.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from tests.deploy.deploy_support import UNIT, default_http_port, run, tool

Unit = dict[str, dict[str, list[str]]]


def parse_unit(text: str) -> Unit:
    """section → key → every value given (systemd keys may repeat), continuations joined."""
    unit: Unit = defaultdict(lambda: defaultdict(list))
    section = ""
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line[0] in "#;"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {line!r}"
        assert section, f"{key} outside any section"
        unit[section][key.strip()].append(value.strip())
    return unit


@pytest.fixture(scope="module")
def unit() -> Unit:
    return parse_unit(UNIT.read_text(encoding="utf-8"))


def one(unit: Unit, section: str, key: str) -> str:
    values = unit[section][key]
    assert len(values) == 1, f"[{section}] {key}: {values}"
    return values[0]


def seconds(value: str) -> float:
    units = {"": 1, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600}
    match = re.fullmatch(r"(\d+)\s*([a-z]*)", value)
    assert match, value
    assert match[2] in units, value
    return int(match[1]) * units[match[2]]


def test_runs_the_virtual_environment_install(unit: Unit) -> None:
    start = one(unit, "Service", "ExecStart").split()
    pre = one(unit, "Service", "ExecStartPre").split()
    assert start[0].startswith("/")
    assert start[0].endswith("/bin/paperbot")
    # The schema is brought up to date before the bot starts; a failed migration fails the start.
    assert pre == [start[0], "migrate"]
    # A service never starts the console demo (which would write into its database).
    assert start[1:] == ["run", "--require-platform"]
    assert one(unit, "Service", "Type") in {"exec", "simple"}
    # Nothing may wait for a terminal that a service does not have.
    assert one(unit, "Service", "StandardInput") == "null"
    assert one(unit, "Install", "WantedBy") == "multi-user.target"
    assert "network-online.target" in one(unit, "Unit", "After").split()
    assert "network-online.target" in one(unit, "Unit", "Wants").split()


def test_runs_as_its_own_user_with_its_environment_file(unit: Unit) -> None:
    assert one(unit, "Service", "User") == "paperbot"
    # No leading "-": a missing configuration file is a failed start, not a console-mode bot.
    assert one(unit, "Service", "EnvironmentFile") == "/etc/paperbot/paperbot.env"


def test_keeps_its_data_in_the_state_directory(unit: Unit) -> None:
    # Without PAPERBOT_DATABASE_URL the SQLite file is created in the working directory, which
    # must be the one place ProtectSystem=strict leaves writable.
    state = one(unit, "Service", "StateDirectory")
    assert one(unit, "Service", "WorkingDirectory") in {f"/var/lib/{state}", f"%S/{state}"}
    assert state == "paperbot"


def test_stops_with_sigterm_and_restarts_after_a_failure(unit: Unit) -> None:
    assert one(unit, "Service", "KillSignal") == "SIGTERM"
    assert seconds(one(unit, "Service", "TimeoutStopSec")) >= 10
    # on-failure, not always: a console-mode run that ends its input exits 0 and stays stopped.
    assert one(unit, "Service", "Restart") == "on-failure"
    assert seconds(one(unit, "Service", "RestartSec")) >= 1


HARDENING = {
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "AmbientCapabilities": "",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes",
    "RestrictNamespaces": "yes",
    "RestrictRealtime": "yes",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "SystemCallArchitectures": "native",
    "UMask": "0077",
}


@pytest.mark.parametrize(("key", "value"), HARDENING.items())
def test_is_sandboxed(unit: Unit, key: str, value: str) -> None:
    assert one(unit, "Service", key) == value


def test_reaches_only_the_network_it_needs(unit: Unit) -> None:
    families = one(unit, "Service", "RestrictAddressFamilies").split()
    assert sorted(families) == ["AF_INET", "AF_INET6", "AF_UNIX"]
    filters = unit["Service"]["SystemCallFilter"]
    assert "@system-service" in filters[0].split()
    # With no capabilities at all, paperbot can only listen on an unprivileged port.
    assert default_http_port() >= 1024


def systemd_analyze() -> str:
    found = tool("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is not installed")
    return found


def test_systemd_accepts_every_directive(tmp_path: Path) -> None:
    analyze = systemd_analyze()
    # verify also checks that the commands exist: point them at a stand-in for the venv's.
    fake = tmp_path / "paperbot"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    fake.chmod(0o755)
    text = UNIT.read_text(encoding="utf-8")
    binary = re.search(r"^ExecStart=(\S+)", text, re.M)
    assert binary
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(binary[1], str(fake)), encoding="utf-8")
    result = run([analyze, "verify", str(copy)])
    output = result.stdout + result.stderr
    # An unknown key or section, or a value systemd cannot parse, is only a warning (status 0)
    # naming the file and line: "paperbot.service:12: Unknown key 'Foo' in section [Service]".
    complaints = [line for line in output.splitlines() if UNIT.name in line]
    assert complaints == []
    assert result.returncode == 0, output


def test_sandbox_exposure_is_low() -> None:
    analyze = systemd_analyze()
    result = run([analyze, "security", "--offline=yes", "--no-pager", str(UNIT)])
    if result.returncode != 0 and "offline" in result.stderr:
        pytest.skip("this systemd-analyze cannot score a unit offline (systemd < 250)")
    score = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert score, result.stdout + result.stderr
    # 0 is a perfect sandbox, 10 none; paperbot needs the network, so not all of it can go.
    assert float(score[1]) <= 2.0, result.stdout
