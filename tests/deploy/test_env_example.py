"""deploy/.env.example names every setting paperbot reads, and nothing it does not."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from slack_bolt.async_app import AsyncApp

from bot.runtime.config import Settings, load_settings
from bot.store.database import default_database_url
from handlers.slack.publisher import make_client
from tests.conftest import settings_variables
from tests.handlers.slack.fake_slack import FAKE_TOKEN

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / ".env.example"


def test_every_variable_is_in_the_example_and_every_example_is_a_variable() -> None:
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(encoding="utf-8"), re.M))
    assert listed == settings_variables()


def _example_lines() -> list[tuple[str, str]]:
    return re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", EXAMPLE.read_text(encoding="utf-8"), re.M)


@pytest.mark.usefixtures("clean_environment")
def test_the_example_copied_as_dotenv_reads_its_empty_lines_as_unset(tmp_path: Path) -> None:
    shutil.copyfile(EXAMPLE, tmp_path / ".env")  # clean_environment made tmp_path the cwd
    settings = Settings()
    empty = {name for name, value in _example_lines() if not value}
    assert {"SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_BOT_TOKEN"} <= empty
    assert settings.slack_client_id is None
    assert settings.slack_client_secret is None
    assert settings.slack_mode is None
    assert not settings.has_platform


@pytest.mark.usefixtures("clean_environment")
def test_the_example_as_process_environment_leaves_bolt_in_single_token_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """compose `env_file` / systemd `EnvironmentFile` pass `SLACK_CLIENT_ID=` as set-but-empty;
    slack-bolt tests `is not None` and would switch to its file-based OAuth store."""
    for name, value in _example_lines():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SLACK_BOT_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "0123456789abcdef0123456789abcdef")
    settings = load_settings()
    assert settings.slack_mode == "http"
    assert "SLACK_CLIENT_ID" not in os.environ
    assert "SLACK_CLIENT_SECRET" not in os.environ
    assert os.environ["SLACK_BOT_TOKEN"] == FAKE_TOKEN  # values that are set stay
    bolt = AsyncApp(client=make_client(FAKE_TOKEN, "http://127.0.0.1:9/api/"), signing_secret="s" * 32)
    assert bolt.oauth_flow is None
    assert bolt.installation_store is None


def test_the_header_points_to_the_page_that_describes_every_variable() -> None:
    header = EXAMPLE.read_text(encoding="utf-8").split("\n\n", 1)[0]
    pages = re.findall(r"\b(docs/[\w/.-]+\.md|README\.md)\b", header)
    assert pages == ["docs/configuration.md", "docs/operations/index.md"], header
    table = (EXAMPLE.parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    for name, _ in _example_lines():
        assert f"`{name}`" in table, f"{name} is not described on docs/configuration.md"


@pytest.mark.usefixtures("clean_environment")
def test_installed_as_systemds_environment_file_it_runs_on_sqlite_in_the_state_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """docs/operations/index.md installs the file unchanged as /etc/paperbot/paperbot.env: every
    line as it ships must work outside Compose, so no value may name Compose's `db` host; the
    database is then SQLite in the unit's working directory (/var/lib/paperbot)."""
    for name, value in _example_lines():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.database_url is None
    assert default_database_url() == f"sqlite+aiosqlite:///{tmp_path / 'paperbot.db'}"
    for name, value in _example_lines():
        assert not re.search(r"@db\b|//db\b", value), f"{name}={value} names Compose's database host"


@pytest.mark.usefixtures("clean_environment")
def test_copied_as_dotenv_it_runs_on_sqlite_too(tmp_path: Path) -> None:
    shutil.copyfile(EXAMPLE, tmp_path / ".env")
    assert Settings().database_url is None
