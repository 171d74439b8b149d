from __future__ import annotations

import pytest

from bot.config import SAMPLE_REPORT, load_settings
from bot.errors import BadInputError

VARIABLES = (
    "PAPERBOT_DATABASE_URL",
    "PAPERBOT_REPORT_SOURCE",
    "PAPERBOT_TIMEZONE",
    "PAPERBOT_HTTP_PORT",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
    "PAPERBOT_SLACK_MANAGERS",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "DISCORD_TOKEN",
    "DISCORD_GUILD_ID",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))  # no stray .env file


def test_defaults_are_the_console_demo() -> None:
    settings = load_settings()
    assert settings.database_url is None
    assert settings.timezone == "UTC"
    assert settings.http_port == 3000
    assert not settings.has_platform
    assert settings.report_source_spec() == str(SAMPLE_REPORT)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERBOT_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("PAPERBOT_REPORT_SOURCE", "hf-api")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1234-5678-abcdef")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f14e45fceea167a5a36dedd4bea2543")
    settings = load_settings()
    assert (settings.timezone, settings.report_source_spec()) == ("Asia/Shanghai", "hf-api")
    assert settings.has_platform
    assert settings.slack_mode == "http"
    assert "abcdef" not in repr(settings)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A111-222-abcdef")
    assert load_settings().slack_mode == "socket"


def test_a_slack_bot_token_needs_a_way_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1234-5678-abcdef")
    with pytest.raises(BadInputError, match=r"neither SLACK_APP_TOKEN .* nor SLACK_SIGNING_SECRET"):
        load_settings()
    monkeypatch.setenv("PAPERBOT_SLACK_MANAGERS", "everyone")
    with pytest.raises(BadInputError, match="PAPERBOT_SLACK_MANAGERS"):
        load_settings()


def test_dotenv_file_is_read(tmp_path: object) -> None:
    with open(".env", "w", encoding="utf-8") as env:
        env.write("PAPERBOT_HTTP_PORT=8080\nSLACK_BOT_TOKEN=\n")
    settings = load_settings()
    assert settings.http_port == 8080
    assert settings.slack_bot_token is None  # an empty value means "not configured"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PAPERBOT_TIMEZONE", "Mars/Olympus", "invalid PAPERBOT_TIMEZONE: unknown time zone"),
        ("PAPERBOT_HTTP_PORT", "99999", "invalid PAPERBOT_HTTP_PORT"),
        ("SLACK_BOT_TOKEN", "xoxb-your-token", "invalid SLACK_BOT_TOKEN: looks like a placeholder"),
        ("DISCORD_TOKEN", "changeme", "invalid DISCORD_TOKEN: looks like a placeholder"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(BadInputError, match=message):
        load_settings()


def test_multi_workspace_install_needs_its_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "1234.5678")
    with pytest.raises(BadInputError, match="SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET not"):
        load_settings()
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f14e45fceea167a5a36dedd4bea2543")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A111-222-abcdef")
    settings = load_settings()
    assert settings.slack_mode == "http"  # installs come back over HTTP, whatever else is set
    assert settings.has_platform
