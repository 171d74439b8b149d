"""deploy/compose.yaml: paperbot beside its PostgreSQL.

Without `docker compose` in CI the file is checked against the Compose specification's JSON
schema when check-jsonschema (which ships it) is installed, by `docker compose config` when the
Compose plugin is, and always by the structural tests below: what an operator relies on, and that
every variable it sets or reads is one paperbot (or the database) actually uses.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import settings_variables
from tests.deploy.deploy_support import (
    COMPOSE,
    DEPLOY,
    DOCKERFILE,
    ENV_EXAMPLE,
    ROOT,
    default_http_port,
    example_env,
    free_port,
    http_server,
    load_yaml,
    run,
    run_healthcheck,
    tool,
)

# Variables the paperbot service may name besides paperbot's settings, and why.
NOT_SETTINGS = {
    # asyncpg (like libpq) takes the password from PGPASSWORD when the URL has none.
    "PGPASSWORD",
    # The database password, which Compose substitutes from deploy/.env.
    "POSTGRES_PASSWORD",
}
_REFERENCE = re.compile(r"\$\{(\w+)(?::?[-?+][^}]*)?\}|\$(\w+)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE)


@pytest.fixture(scope="module")
def paperbot(compose: dict[str, Any]) -> dict[str, Any]:
    service: dict[str, Any] = compose["services"]["paperbot"]
    return service


@pytest.fixture(scope="module")
def db(compose: dict[str, Any]) -> dict[str, Any]:
    service: dict[str, Any] = compose["services"]["db"]
    return service


def references(value: Any) -> set[str]:
    """The ${NAME} references anywhere in `value` ($$ is a literal dollar, not a reference)."""
    if isinstance(value, dict):
        return set().union(*(references(k) | references(v) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(*(references(item) for item in value))
    if isinstance(value, str):
        return {a or b for a, b in _REFERENCE.findall(value.replace("$$", ""))}
    return set()


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_matches_the_compose_specification() -> None:
    if importlib.util.find_spec("check_jsonschema"):
        command = [sys.executable, "-m", "check_jsonschema"]
    elif checker := tool("check-jsonschema"):
        command = [checker]
    else:
        pytest.skip("check-jsonschema (which ships the Compose schema) is not installed")
    result = run([*command, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_accepts_it(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None or run([docker, "compose", "version"]).returncode != 0:
        pytest.skip("no `docker compose` here")
    # A copy with the deploy/.env an operator would write (the real one may not exist).
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    shutil.copy(COMPOSE, deploy / COMPOSE.name)
    shutil.copy(DOCKERFILE, deploy / DOCKERFILE.name)
    env = ENV_EXAMPLE.read_text(encoding="utf-8") + "\nPOSTGRES_PASSWORD=a-test-password\n"
    (deploy / ".env").write_text(env, encoding="utf-8")
    result = run([docker, "compose", "-f", str(deploy / COMPOSE.name), "config", "--quiet"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_builds_the_image_from_the_repository(paperbot: dict[str, Any]) -> None:
    build = paperbot["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == ROOT, "the Dockerfile copies pyproject.toml, bot/ and handlers/ from the root"
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE


def test_reads_its_configuration_from_deploy_env(paperbot: dict[str, Any]) -> None:
    env_file = paperbot["env_file"]
    assert env_file in (".env", [".env"]), "deploy/.env, a copy of deploy/.env.example"
    assert ENV_EXAMPLE.parent == COMPOSE.parent


def test_names_only_variables_that_are_used(paperbot: dict[str, Any], db: dict[str, Any]) -> None:
    known = settings_variables()
    named = set(environment(paperbot)) | references(paperbot)
    assert named - known - NOT_SETTINGS == set(), "not a paperbot setting (see bot/runtime/config.py)"
    assert named >= NOT_SETTINGS, "NOT_SETTINGS lists a variable the file no longer uses"
    # The database service: the postgres image's own variables.
    assert all(name.startswith("POSTGRES_") for name in set(environment(db)) | references(db))


def test_gives_the_database_password_once(paperbot: dict[str, Any], db: dict[str, Any]) -> None:
    # The same deploy/.env variable feeds the server and the client, and Compose refuses to start
    # without it (${VAR:?message}) rather than create a database with an empty password.
    server = environment(db)["POSTGRES_PASSWORD"]
    client = environment(paperbot)["PGPASSWORD"]
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", server), server
    assert client == server


def test_uses_the_db_service_unless_deploy_env_names_another_database(
    paperbot: dict[str, Any], db: dict[str, Any], compose: dict[str, Any]
) -> None:
    # deploy/.env.example leaves the URL empty (it is systemd's environment file too, where `db`
    # is no host); Compose's `:-` default applies to an empty value as to an unset one.
    assert example_env()["PAPERBOT_DATABASE_URL"] == ""
    given = environment(paperbot)["PAPERBOT_DATABASE_URL"]
    default = re.fullmatch(r"\$\{PAPERBOT_DATABASE_URL:-([^}]+)\}", given)
    assert default, f"{given}: deploy/.env must be able to name another database"
    url = make_url(default[1])
    assert url.drivername == "postgresql+asyncpg"
    assert url.host in compose["services"], "the host is the database's service name"
    assert url.host == "db"
    assert url.port in (None, 5432)
    assert url.password is None, "the password comes from PGPASSWORD, set by compose.yaml"
    env = environment(db)
    assert url.username == env["POSTGRES_USER"]
    assert url.database == env["POSTGRES_DB"]


def test_starts_after_a_healthy_database_and_restarts(paperbot: dict[str, Any], db: dict[str, Any]) -> None:
    assert paperbot["depends_on"]["db"]["condition"] == "service_healthy"
    test = db["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))
    for service in (paperbot, db):
        assert service["restart"] in {"unless-stopped", "always"}


def test_keeps_the_database_in_a_named_volume(db: dict[str, Any], compose: dict[str, Any]) -> None:
    image, _, tag = db["image"].partition(":")
    assert image == "postgres"
    assert tag.split(".")[0].isdigit(), "pin a major version: a new major needs pg_upgrade"
    assert int(tag.split(".")[0]) < 18, "postgres:18 and later keep their data in /var/lib/postgresql"
    mounts = [volume.split(":") for volume in db["volumes"]]
    assert [target for _, target, *_ in mounts] == ["/var/lib/postgresql/data"]
    assert mounts[0][0] in compose["volumes"], "a named volume, not a folder or an anonymous one"
    assert "ports" not in db, "only paperbot talks to the database"


def test_publishes_the_http_port_on_loopback(paperbot: dict[str, Any]) -> None:
    port = f"${{PAPERBOT_HTTP_PORT:-{default_http_port()}}}"
    # host address : host port : container port; the container listens on PAPERBOT_HTTP_PORT.
    assert paperbot["ports"] == [f"127.0.0.1:{port}:{port}"]
    # Replicas (`--scale paperbot=N`) need names Compose can number.
    assert "container_name" not in paperbot


def test_listens_on_every_interface_of_the_container(paperbot: dict[str, Any]) -> None:
    # Whatever deploy/.env says: the published port and the health check reach the container
    # from outside its loopback.
    assert environment(paperbot)["PAPERBOT_HTTP_HOST"] == "0.0.0.0"


def test_healthcheck_passes_only_when_healthz_answers(paperbot: dict[str, Any]) -> None:
    command = paperbot["healthcheck"]["test"]
    assert isinstance(command, list)
    assert command[0] == "CMD"
    assert "$" not in " ".join(command).replace("$$", ""), "Compose would substitute it"
    with http_server(200) as (port, asked):
        assert run_healthcheck(command, port) == 0
    assert asked == ["/healthz"]
    with http_server(500) as (port, asked):
        assert run_healthcheck(command, port) == 1
    assert run_healthcheck(command, free_port()) == 1


def test_stops_gracefully(paperbot: dict[str, Any]) -> None:
    # SIGTERM comes from the image (STOPSIGNAL); this is how long paperbot gets to finish.
    assert re.fullmatch(r"\d+s", paperbot["stop_grace_period"])
    assert int(paperbot["stop_grace_period"][:-1]) >= 10
