from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import BadInputError
from bot.runtime.config import SAMPLE_REPORT, ConfigurationError, load_settings
from tests.conftest import settings_variables

EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / ".env.example"


pytestmark = pytest.mark.usefixtures("clean_environment")


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
        # The host's own setting, not a place: new subscriptions would follow whatever machine runs.
        ("PAPERBOT_TIMEZONE", "localtime", "invalid PAPERBOT_TIMEZONE: unknown time zone 'localtime'"),
        ("PAPERBOT_TIMEZONE", "Factory", "invalid PAPERBOT_TIMEZONE: unknown time zone 'Factory'"),
        # Refused with the reason chat gives: an abbreviation names no one zone.
        ("PAPERBOT_TIMEZONE", "CST", "invalid PAPERBOT_TIMEZONE: 'CST' is an abbreviation, not a time zone"),
        (
            "PAPERBOT_DATABASE_URL",
            "mysql://x@y/z",
            "invalid PAPERBOT_DATABASE_URL: unsupported database 'mysql': write sqlite[+]aiosqlite:///",
        ),
        (
            "PAPERBOT_DATABASE_URL",
            "postgres://paperbot@db/paperbot",
            "invalid PAPERBOT_DATABASE_URL: unsupported database 'postgres': .* postgresql[+]asyncpg://",
        ),
        ("PAPERBOT_DATABASE_URL", "paperbot.db", "invalid PAPERBOT_DATABASE_URL: not a database URL: write "),
        (
            "PAPERBOT_DATABASE_URL",
            "postgresql://u@h:port/d",
            "invalid PAPERBOT_DATABASE_URL: not a database URL",
        ),
        ("PAPERBOT_HTTP_PORT", "99999", "invalid PAPERBOT_HTTP_PORT: .* 65535 [(]got '99999'[)]"),
        ("SLACK_BOT_TOKEN", "xoxb-your-token", "invalid SLACK_BOT_TOKEN: looks like a placeholder"),
        ("DISCORD_TOKEN", "changeme", "invalid DISCORD_TOKEN: looks like a placeholder"),
        ("PAPERBOT_LOG_FORMAT", "xml", "invalid PAPERBOT_LOG_FORMAT: .*'json'.* [(]got 'xml'[)]"),
        ("PAPERBOT_LOG_LEVEL", "loud", "invalid PAPERBOT_LOG_LEVEL: .*'INFO'.* [(]got 'loud'[)]"),
        ("PAPERBOT_OPERATOR_CHANNEL", "#ops", "invalid PAPERBOT_OPERATOR_CHANNEL: '#ops' is not a channel"),
        (
            "PAPERBOT_OPERATOR_CHANNEL",
            "irc:x/y",
            "invalid PAPERBOT_OPERATOR_CHANNEL: 'irc:x/y' is not a channel",
        ),
        ("PAPERBOT_OPERATOR_CHANNEL", "slack:T1/@U2", "invalid PAPERBOT_OPERATOR_CHANNEL: .* not a channel"),
        ("PAPERBOT_OPERATOR_LOCALE", "fr", "invalid PAPERBOT_OPERATOR_LOCALE: .*'en' or 'zh'"),
        (
            "PAPERBOT_REPORT_DEADLINE",
            "noon",
            "invalid PAPERBOT_REPORT_DEADLINE: 'noon' is not a time: write HH:MM",
        ),
        ("PAPERBOT_REPORT_DEADLINE", "24:00", "invalid PAPERBOT_REPORT_DEADLINE: '24:00' is not a time"),
        # A report source is checked at start-up, not when the first report is due.
        (
            "PAPERBOT_REPORT_SOURCE",
            "/no/such/folder",
            "invalid PAPERBOT_REPORT_SOURCE: '/no/such/folder' is neither 'hf-api', a URL template",
        ),
        ("PAPERBOT_REPORT_SOURCE", "hf_api", "invalid PAPERBOT_REPORT_SOURCE: 'hf_api' is neither"),
        (
            "PAPERBOT_REPORT_SOURCE",
            "https://reports.test/today.md",
            "invalid PAPERBOT_REPORT_SOURCE: .* has no {date} placeholder",
        ),
        (
            "PAPERBOT_REPORT_SOURCE",
            "ftp://reports.test/{date}.md",
            "invalid PAPERBOT_REPORT_SOURCE: .* is not an http[(]s[)] URL",
        ),
        (
            "PAPERBOT_NO_REPORT_NOTICE",
            "loud",
            "invalid PAPERBOT_NO_REPORT_NOTICE: .*'quiet'.* [(]got 'loud'[)]",
        ),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A111-222-abcdef")  # only `name` is wrong
    monkeypatch.setenv(name, value)
    with pytest.raises(BadInputError, match=f"^{message}") as raised:
        load_settings()
    assert "\n" not in str(raised.value)  # one problem, one line


def test_multi_workspace_install_needs_its_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "1234.5678")
    with pytest.raises(BadInputError, match="SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET are not"):
        load_settings()
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    with pytest.raises(BadInputError, match="but SLACK_SIGNING_SECRET is not"):
        load_settings()
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f14e45fceea167a5a36dedd4bea2543")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A111-222-abcdef")
    settings = load_settings()
    assert settings.slack_mode == "http"  # installs come back over HTTP, whatever else is set
    assert settings.has_platform


def test_log_settings_ignore_case(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert (settings.log_format, settings.log_level) == ("auto", None)  # None: the command decides
    monkeypatch.setenv("PAPERBOT_LOG_FORMAT", "JSON")
    monkeypatch.setenv("PAPERBOT_LOG_LEVEL", "debug")
    settings = load_settings()
    assert (settings.log_format, settings.log_level) == ("json", "DEBUG")


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {
        "PAPERBOT_TIMEZONE": "Mars/Olympus",
        "PAPERBOT_HTTP_PORT": "http",
        "PAPERBOT_CATCH_UP_HOURS": "-1",
        "PAPERBOT_SLACK_MANAGERS": "everyone",
        "PAPERBOT_LOG_LEVEL": "loud",
        "DISCORD_TOKEN": "<token>",
        "DISCORD_GUILD_ID": "my-server",
        "PAPERBOT_REPORT_SOURCE": "hf_api",
    }
    for name, value in bad.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1234-5678-abcdef")  # and no way in: a cross-field problem
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    lines = str(raised.value).splitlines()
    assert lines[0] == f"invalid configuration ({len(bad) + 1} problems):"
    assert len(lines) == len(bad) + 2
    named = [line.removeprefix("  - ").split(":")[0] for line in lines[1:-1]]
    assert sorted(named) == sorted(bad)
    assert lines[-1].startswith("  - SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN")
    assert raised.value.problems == [line.removeprefix("  - ") for line in lines[1:]]


def test_field_errors_and_the_combination_of_fields_are_reported_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pydantic alone skips checks across fields once a field is invalid.
    monkeypatch.setenv("PAPERBOT_HTTP_PORT", "0")
    monkeypatch.setenv("SLACK_CLIENT_ID", "1234.5678")
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert [problem.split(" ")[0] for problem in raised.value.problems] == [
        "PAPERBOT_HTTP_PORT:",
        "SLACK_CLIENT_ID",
    ]


def test_a_placeholder_counts_as_set_for_the_combination(monkeypatch: pytest.MonkeyPatch) -> None:
    # The signing secret is wrong, not missing: one problem, not also "neither … nor".
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1234-5678-abcdef")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "changeme")
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    [problem] = raised.value.problems
    assert problem.startswith("SLACK_SIGNING_SECRET: looks like a placeholder, not a real secret")


@pytest.mark.parametrize(
    "value",
    [
        "xoxb-your-token",
        "xoxb-…",
        "xoxb-...",
        "xoxb-",
        "xoxb-xxxx-xxxx",
        "changeme",
        "change_me",
        "<token>",
        "<your Slack bot token>",
        "YOUR_SLACK_BOT_TOKEN",
        "${SLACK_BOT_TOKEN}",
        "$SLACK_BOT_TOKEN",
        "{{ slack_bot_token }}",
        "********",
        " ",
    ],
)
def test_placeholders_copied_from_documentation_are_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A111-222-abcdef")
    monkeypatch.setenv("SLACK_BOT_TOKEN", value)
    with pytest.raises(ConfigurationError, match=r"^invalid SLACK_BOT_TOKEN: looks like a placeholder"):
        load_settings()


def test_a_secret_is_never_quoted_in_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "xoxb-1234-5678-" + "notaplaceholder" + "-your-x"  # real-looking, but refused
    monkeypatch.setenv("SLACK_BOT_TOKEN", secret)
    monkeypatch.setenv("PAPERBOT_HTTP_PORT", "http")
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert "notaplaceholder" not in str(raised.value)
    assert "(got 'http')" in str(raised.value)  # other values are quoted, to find the typo


def test_the_example_file_copied_unfilled_is_a_valid_configuration() -> None:
    # Secrets are empty there, which means "not configured": paperbot starts without chat platforms.
    Path(".env").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    settings = load_settings()
    assert not settings.has_platform
    assert settings.report_source == "hf-api"


def test_a_bad_database_url_is_reported_with_the_other_problems_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", "mysql://paperbot:hunter2@db/paperbot")
    monkeypatch.setenv("PAPERBOT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert [problem.split(":")[0] for problem in raised.value.problems] == [
        "PAPERBOT_DATABASE_URL",
        "PAPERBOT_TIMEZONE",
    ]
    assert "hunter2" not in str(raised.value)


def test_supported_database_urls_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    for url in (
        "sqlite+aiosqlite:///paperbot.db",
        "sqlite:////var/lib/paperbot/paperbot.db",  # the driver is chosen by paperbot
        "postgresql+asyncpg://paperbot:p%40ss@db:5432/paperbot",
        "postgresql://paperbot@db/paperbot",
    ):
        monkeypatch.setenv("PAPERBOT_DATABASE_URL", url)
        assert load_settings().database_url == url


def test_the_command_prints_every_problem_and_exits_2(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name not in settings_variables()}
    env |= {"PAPERBOT_HTTP_PORT": "99999", "PAPERBOT_TIMEZONE": "Mars/Olympus"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "topics"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "paperbot: error: invalid configuration (2 problems):",
        "  - PAPERBOT_TIMEZONE: unknown time zone 'Mars/Olympus' (use an IANA name such as Asia/Shanghai, "
        "or a city such as New York, San Francisco, London, 北京)",
        "  - PAPERBOT_HTTP_PORT: input should be less than or equal to 65535 (got '99999')",
    ]


def test_notice_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.operator_channel is None
    assert (settings.operator_locale, settings.report_deadline, settings.no_report_notice) == (
        "en",
        dt.time(12, 0),
        "quiet",
    )
    monkeypatch.setenv("PAPERBOT_OPERATOR_CHANNEL", " discord:811111111111111111/822222222222222222 ")
    monkeypatch.setenv("PAPERBOT_OPERATOR_LOCALE", "ZH")
    monkeypatch.setenv("PAPERBOT_REPORT_DEADLINE", "9:05")
    monkeypatch.setenv("PAPERBOT_NO_REPORT_NOTICE", "Operator")
    settings = load_settings()
    assert settings.operator_channel == "discord:811111111111111111/822222222222222222"
    assert (settings.operator_locale, settings.report_deadline, settings.no_report_notice) == (
        "zh",
        dt.time(9, 5),
        "operator",
    )
    monkeypatch.setenv("PAPERBOT_OPERATOR_CHANNEL", "console")
    monkeypatch.setenv("PAPERBOT_REPORT_DEADLINE", "off")
    settings = load_settings()
    assert settings.operator_channel == "console:local/operator"
    assert settings.report_deadline is None


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("Asia/Shanghai", "Asia/Shanghai"),
        ("shanghai", "Asia/Shanghai"),
        ("UTC+8", "Etc/GMT-8"),
        ("东八区", "Etc/GMT-8"),
    ],
)
def test_the_default_zone_is_read_as_chat_reads_one(
    monkeypatch: pytest.MonkeyPatch, value: str, stored: str
) -> None:
    # What a member may type to /paper schedule, an operator may write: stored as its IANA name
    # (UTC+8 is east of Greenwich: Etc/GMT-8 in IANA's inverted sign).
    monkeypatch.setenv("PAPERBOT_TIMEZONE", value)
    assert load_settings().timezone == stored
