"""Logs as operators read them: JSON lines or text on stderr, context ids on every line, no secrets.

Every test configures logging as the program does (`configure_logging` with settings read from
the environment) and reads what the real handler wrote to stderr.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.cli import main
from bot.runtime.config import Settings, load_settings
from bot.runtime.logs import (
    CHATTY_LOGGERS,
    REDACTED,
    Redactor,
    configure_logging,
    context_ids,
    log_context,
    new_command_id,
)

# Fake credentials shaped like real ones; split so that no secret scanner mistakes this file for a leak.
BOT_TOKEN = "xoxb-" + "2024117363520-" + "7791234567890-" + "q8Zr3VwK5yT1nLp0aXe4sDfG"
APP_TOKEN = (
    "xapp-"
    + "1-A07ABCDEF12-7791234567890-"
    + "4f1d0c3b2a19e8f7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060"
)
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"
CLIENT_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ" + "." + "GhIjKl" + "." + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab"
DB_PASSWORD = "pgPa55w0rdQ7"
INSTALLED_TOKEN = "xoxb-" + "2024117363520-" + "8881234567890-" + "InstalledWorkspaceToken0"
REFRESH_TOKEN = "xoxe-" + "1-My0xLTA3QUJDREVGMTItNzc5MTIzNDU2Nzg5MC0"
SECRETS = (
    BOT_TOKEN,
    APP_TOKEN,
    SIGNING_SECRET,
    CLIENT_SECRET,
    DISCORD_TOKEN,
    DB_PASSWORD,
    INSTALLED_TOKEN,
    REFRESH_TOKEN,
)
ISO_UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


pytestmark = pytest.mark.usefixtures("clean_environment")


def settings_from(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings()


def with_secrets(monkeypatch: pytest.MonkeyPatch, log_format: str) -> Settings:
    return settings_from(
        monkeypatch,
        PAPERBOT_LOG_FORMAT=log_format,
        PAPERBOT_DATABASE_URL=f"postgresql+asyncpg://paperbot:{DB_PASSWORD}@db:5432/paperbot",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_CLIENT_ID="7363520.7791234",
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        DISCORD_TOKEN=DISCORD_TOKEN,
    )


def json_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines()]


@pytest.fixture
def json_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    return settings_from(monkeypatch, PAPERBOT_LOG_FORMAT="json")


@pytest.fixture
def text_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    return settings_from(monkeypatch, PAPERBOT_LOG_FORMAT="text")


# --- formats ---------------------------------------------------------------------------------


def test_a_json_line_has_time_level_logger_message_and_extra_fields(
    capsys: pytest.CaptureFixture[str], json_settings: Settings
) -> None:
    with configure_logging(json_settings, default_level=logging.INFO):
        logging.getLogger("paperbot.delivery").info(
            "delivery %s: %s", "d42", "sent", extra={"attempt": 2, "parts": ["a", "b"]}
        )
    out, err = capsys.readouterr()
    assert out == ""  # logs never touch stdout
    [line] = json_lines(err)
    assert ISO_UTC_MS.match(line.pop("ts"))
    assert line == {
        "level": "INFO",
        "logger": "paperbot.delivery",
        "msg": "delivery d42: sent",
        "attempt": 2,
        "parts": ["a", "b"],
    }


def test_an_exception_is_one_json_line_with_its_traceback(
    capsys: pytest.CaptureFixture[str], json_settings: Settings
) -> None:
    with configure_logging(json_settings):
        try:
            raise ValueError("the report has no date")
        except ValueError:
            logging.getLogger("paperbot.scheduler").exception("report polling failed")
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    [line] = json_lines(err)
    assert (line["level"], line["msg"]) == ("ERROR", "report polling failed")
    assert line["exc"].startswith("Traceback (most recent call last):")
    assert line["exc"].endswith("ValueError: the report has no date")


def test_text_lines_are_readable_with_context_ids_appended(
    capsys: pytest.CaptureFixture[str], text_settings: Settings
) -> None:
    with configure_logging(text_settings), log_context(delivery="d42", channel="slack:T1/C1"):
        logging.getLogger("paperbot.delivery").warning("retrying", extra={"reason": "rate limited"})
    err = capsys.readouterr().err
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING paperbot\.delivery: retrying "
        r'\[delivery=d42 channel=slack:T1/C1 reason="rate limited"\]\n',
        err,
    ), err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_is_text_on_a_terminal_and_json_elsewhere(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    assert settings.log_format == "auto"
    with configure_logging(settings):
        logging.getLogger("paperbot").warning("piped")
    assert json_lines(capsys.readouterr().err)[0]["msg"] == "piped"

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with configure_logging(settings):
        logging.getLogger("paperbot").warning("on a terminal")
    assert terminal.getvalue().endswith(" WARNING paperbot: on a terminal\n")


# --- levels ----------------------------------------------------------------------------------


def test_level_comes_from_debug_then_the_setting_then_the_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log = logging.getLogger("paperbot.test")
    root = logging.getLogger()
    before = root.level, list(root.handlers)

    settings = settings_from(monkeypatch, PAPERBOT_LOG_FORMAT="json")
    with configure_logging(settings, default_level=logging.INFO):
        log.debug("hidden")
        log.info("shown at the command's default")
    with configure_logging(settings, default_level=logging.WARNING):
        log.info("hidden")
    with configure_logging(settings, debug=True):
        log.debug("shown with --debug")
    settings = settings_from(monkeypatch, PAPERBOT_LOG_LEVEL="error")
    with configure_logging(settings, default_level=logging.INFO):
        log.warning("hidden")
        log.error("shown at PAPERBOT_LOG_LEVEL")
    with configure_logging(settings, debug=True):
        log.debug("--debug wins over PAPERBOT_LOG_LEVEL")

    messages = [line["msg"] for line in json_lines(capsys.readouterr().err)]
    assert messages == [
        "shown at the command's default",
        "shown with --debug",
        "shown at PAPERBOT_LOG_LEVEL",
        "--debug wins over PAPERBOT_LOG_LEVEL",
    ]
    assert (root.level, root.handlers) == before  # each block leaves logging as it found it


def test_libraries_that_log_every_request_speak_only_of_problems_below_debug(
    capsys: pytest.CaptureFixture[str], json_settings: Settings
) -> None:
    with configure_logging(json_settings, default_level=logging.INFO):
        for name in CHATTY_LOGGERS:
            logging.getLogger(name).info("GET /healthz 200")
        logging.getLogger("httpx").warning("a problem")
    assert [line["msg"] for line in json_lines(capsys.readouterr().err)] == ["a problem"]
    with configure_logging(json_settings, debug=True):
        logging.getLogger("httpx").debug("HTTP Request: GET …")
    assert json_lines(capsys.readouterr().err)[0]["logger"] == "httpx"
    assert all(logging.getLogger(name).level == logging.NOTSET for name in CHATTY_LOGGERS)


# --- context ids -----------------------------------------------------------------------------


def test_context_ids_nest_and_end_with_their_block(
    capsys: pytest.CaptureFixture[str], json_settings: Settings
) -> None:
    log = logging.getLogger("paperbot.test")
    with configure_logging(json_settings):
        with log_context(delivery="d42", channel="slack:T1/C1", user=None):
            log.warning("outer")
            with log_context(channel="discord:G1/C9", part=2):
                log.warning("inner")
            log.warning("outer again")
        log.warning("outside")
    lines = json_lines(capsys.readouterr().err)
    ids = [{k: v for k, v in line.items() if k not in {"ts", "level", "logger", "msg"}} for line in lines]
    assert ids == [
        {"delivery": "d42", "channel": "slack:T1/C1"},
        {"delivery": "d42", "channel": "discord:G1/C9", "part": "2"},
        {"delivery": "d42", "channel": "slack:T1/C1"},
        {},
    ]


def test_context_ids_may_not_take_the_names_of_every_line() -> None:
    with pytest.raises(ValueError, match="taken"), log_context(msg="x"):
        pass
    with pytest.raises(ValueError, match="taken"), log_context(level="x"):
        pass


def test_new_command_ids_are_short_and_distinct() -> None:
    ids = {new_command_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{8}", value) for value in ids)


async def test_context_ids_follow_awaits_and_child_tasks_but_not_other_tasks(
    capsys: pytest.CaptureFixture[str], json_settings: Settings
) -> None:
    started = asyncio.Event()

    async def command(name: str) -> None:
        with log_context(command=name):
            await asyncio.sleep(0)
            logging.getLogger("paperbot.commands").warning("%s: after an await", name)

            async def child() -> None:
                # Other libraries' loggers, in a task the command started.
                logging.getLogger("slack_sdk.web.async_base_client").warning("%s: slack_sdk", name)
                logging.getLogger("discord.http").warning("%s: discord", name)

            await asyncio.create_task(child())
            started.set()

    async def bystander() -> None:
        await started.wait()
        logging.getLogger("paperbot.scheduler").warning("bystander")

    with configure_logging(json_settings):
        await asyncio.gather(command("c1"), command("c2"), bystander())
        assert context_ids() == {}
    lines = json_lines(capsys.readouterr().err)
    assert len(lines) == 7
    for line in lines:
        assert line.get("command") == (None if line["msg"] == "bystander" else line["msg"][:2]), line


# --- secrets ---------------------------------------------------------------------------------


def test_settings_name_their_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = with_secrets(monkeypatch, "json")
    # Every configured secret; the installed and refresh tokens come from Slack, not settings.
    assert set(settings.secrets()) == set(SECRETS) - {INSTALLED_TOKEN, REFRESH_TOKEN}


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_no_secret_reaches_the_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, log_format: str
) -> None:
    settings = with_secrets(monkeypatch, log_format)
    log = logging.getLogger("paperbot.test")
    with configure_logging(settings, debug=True):
        for secret in settings.secrets():
            log.warning("configured: %s", secret)  # in the arguments
            log.warning(f"configured: {secret} (in the format string)")
        log.warning("installed: %s, refresh with %s", INSTALLED_TOKEN, REFRESH_TOKEN)  # patterns only
        log.info("connecting", extra={"url": settings.database_url, "headers": {"token": BOT_TOKEN}})
        try:
            raise RuntimeError(f"Slack refused {BOT_TOKEN}; Discord refused {DISCORD_TOKEN}")
        except RuntimeError:
            log.exception("start-up failed")
        logging.getLogger("slack_sdk.web.async_base_client").debug(
            "Sending a request - url: POST https://slack.com/api/chat.postMessage, "
            "headers: {'Content-Type': 'application/json;charset=utf-8', 'Authorization': 'Bearer %s'}",
            BOT_TOKEN,
        )
        logging.getLogger("slack_sdk.oauth").debug(
            "token rotated: Authorization: Bearer %s", "AbC123.dEf-456_ghi"
        )
        log.warning("stack", stack_info=True, extra={"note": f"client_secret={CLIENT_SECRET}"})
    err = capsys.readouterr().err
    for secret in (*SECRETS, "AbC123.dEf-456_ghi"):
        assert secret not in err
    assert err.count(REDACTED) >= 2 * len(settings.secrets()) + 9
    assert "Slack refused [redacted]; Discord refused [redacted]" in err
    assert "Bearer [redacted]" in err
    assert f"postgresql+asyncpg://paperbot:{REDACTED}@db:5432/paperbot" in err
    if log_format == "json":
        assert len(json_lines(err)) == 2 * len(settings.secrets()) + 6  # and every line is still JSON


async def test_slack_sdk_debug_logs_of_real_requests_are_redacted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # slack_sdk logs each request's body and each response's body at DEBUG: tokens in messages,
    # the client secret of an OAuth exchange, the tokens an installation answers with.
    seen: list[dict[str, Any]] = []

    async def api(request: web.Request) -> web.Response:
        seen.append({**request.headers, **(await request.post())})
        if request.match_info["method"] == "oauth.v2.access":
            return web.json_response(
                {"ok": True, "access_token": INSTALLED_TOKEN, "refresh_token": REFRESH_TOKEN}
            )
        return web.json_response({"ok": True, "channel": "C1", "ts": "1.2"})

    server = web.Application()
    server.router.add_post("/api/{method}", api)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    settings = with_secrets(monkeypatch, "json")
    try:
        with configure_logging(settings, debug=True):
            client = AsyncWebClient(token=BOT_TOKEN, base_url=f"http://{host}:{port}/api/")
            await client.api_call(
                "chat.postMessage",
                data={"channel": "C1", "text": f"the app token is {APP_TOKEN}", "token": BOT_TOKEN},
            )
            await client.api_call(
                "oauth.v2.access", data={"client_id": "7363520.7791234", "client_secret": CLIENT_SECRET}
            )
    finally:
        await runner.cleanup()
    assert seen[0]["Authorization"] == f"Bearer {BOT_TOKEN}"  # the secrets did travel
    assert seen[1]["client_secret"] == CLIENT_SECRET
    lines = json_lines(capsys.readouterr().err)
    slack_lines = [line["msg"] for line in lines if line["logger"].startswith("slack_sdk")]
    assert any(msg.startswith("Sending a request") for msg in slack_lines)
    assert any(msg.startswith("Received the following response") for msg in slack_lines)
    text = json.dumps(lines)
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (
            "postgresql+asyncpg://paperbot:s3cr%40t@db:5432/paperbot",
            f"postgresql+asyncpg://paperbot:{REDACTED}@db:5432/paperbot",
        ),
        ("Authorization: Bearer abc.DEF-123_xyz", f"Authorization: Bearer {REDACTED}"),
        ("{'Authorization': 'Bot abc.DEF-123'}", f"{{'Authorization': 'Bot {REDACTED}'}}"),
        ("token xapp-1-A1-2-ff", f"token {REDACTED}"),
        ("code=abc&client_secret=f00ba4&x=1", f"code=abc&client_secret={REDACTED}&x=1"),
        ("{'refresh_token': 'xoxe-1-abc'}", f"{{'refresh_token': '{REDACTED}'}}"),
        ("db_password=hunter22 ok", f"db_password={REDACTED} ok"),
    ],
)
def test_credential_shapes_are_redacted_without_being_configured(text: str, redacted: str) -> None:
    assert Redactor()(text) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "GET https://huggingface.co/api/daily_papers?date=2026-04-01 failed (HTTP 503); retry 1 in 2.0 s",
        "delivery 2026-04-01/slack:T1/C1 to slack:T1/C1: sent",
        "paper 2604.00001v2 in handlers.slack.publisher",
        "the bearer of good news",
        "https://user@example.com/path and http://localhost:3000/slack/events",
        "Slack answered not_in_channel for C0123456789",
    ],
)
def test_ordinary_lines_are_left_alone(text: str) -> None:
    assert Redactor(["pw"])(text) == text  # too short a secret to hunt for everywhere


# --- the command -----------------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'logs.db'}")


def test_one_shot_commands_keep_stdout_for_their_output(
    capsys: pytest.CaptureFixture[str], cli: None
) -> None:
    assert main(["--debug", "topics", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)  # nothing but the JSON list
    assert any(line["level"] == "DEBUG" for line in json_lines(err))  # --debug logs went to stderr


def test_console_mode_stays_quiet_at_its_default_level(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cli: None
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("/paper help\n"))
    assert main(["run"]) == 0
    out, err = capsys.readouterr()
    assert "/paper QUERY" in out
    assert err == ""


def test_each_chat_command_logs_one_line_with_its_id_and_not_the_query(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cli: None
) -> None:
    monkeypatch.setenv("PAPERBOT_LOG_LEVEL", "INFO")
    monkeypatch.setattr(
        sys, "stdin", io.StringIO("/paper 视频生成\n/paper help\n/paper schedule 99:99 Mars/Base\n")
    )
    assert main(["run"]) == 0
    out, err = capsys.readouterr()
    assert "{" not in "".join(line[:1] for line in out.splitlines())  # no log line on stdout
    commands = [line for line in json_lines(err) if line["logger"] == "paperbot.commands"]
    assert [(line["subcommand"], line["outcome"]) for line in commands] == [
        ("lookup", "ok"),
        ("help", "ok"),
        ("schedule", "error"),
    ]
    for line in commands:
        assert re.fullmatch(r"[0-9a-f]{8}", line["command"])
        assert line["channel"].startswith("console:")
        assert line["platform"] == "console"
        assert isinstance(line["elapsed_ms"], int)
        assert line["msg"] == f"/paper {line['subcommand']}: {line['outcome']} in {line['elapsed_ms']} ms"
    assert len({line["command"] for line in commands}) == 3
    assert "视频生成" not in err  # what people search for is theirs
    assert "Mars/Base" not in err
