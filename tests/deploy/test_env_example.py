"""deploy/.env.example names every setting paperbot reads, and nothing it does not."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from slack_bolt.async_app import AsyncApp

from bot.runtime.config import Settings, load_settings
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
