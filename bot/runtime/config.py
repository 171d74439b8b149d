"""Settings: read once at start-up from the environment (or a `.env` file), never at import."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
from collections.abc import Iterable, MutableMapping, Set
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import unquote, urlsplit

from pydantic import (
    AliasChoices,
    Field,
    ModelWrapValidatorHandler,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import BadInputError
from bot.ids import channel_problem
from bot.models import ChannelRef
from bot.reports.fetch_limits import DEFAULT_MAX_REPORT_BYTES
from bot.reports.sources import source_problem
from bot.zones import NOT_ZONES, UnusableZoneError, load_zone

SAMPLE_REPORT = Path(__file__).resolve().parents[1] / "reports" / "sample" / "report-sample.md"

# Values people paste from documentation instead of a real secret: `xoxb-your-token`, `<token>`,
# `xoxb-…` as the README writes it, a bare prefix, `${SLACK_BOT_TOKEN}` that no shell expanded.
_PLACEHOLDER = re.compile(
    r"^(|x+|\*+|change[-_ ]?me|replace[-_ ]?me|fill[-_ ]?me[-_ ]?in|todo|tbd|fixme|placeholder|secret"
    r"|token|password|example|dummy|<.*>|\{\{.*\}\}|\$\{?\w+\}?|.*your[-_ ].*|.*-x{3,}.*|.*(\.\.\.|…).*"
    r"|(xox[a-z]|xapp)-?)$",
    re.I,
)
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
_HH_MM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*")


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """The configuration table of README.md and CONTRACT.md, one field per variable."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        hide_input_in_errors=True,  # a traceback of a bad Settings must not print the secrets
    )

    database_url: Annotated[str | None, Field(validation_alias=_env("PAPERBOT_DATABASE_URL"))] = None
    report_source: Annotated[str | None, Field(validation_alias=_env("PAPERBOT_REPORT_SOURCE"))] = None
    timezone: Annotated[str, Field(validation_alias=_env("PAPERBOT_TIMEZONE"))] = "UTC"
    http_port: Annotated[int, Field(validation_alias=_env("PAPERBOT_HTTP_PORT"), ge=1, le=65535)] = 3000
    # The address the HTTP server binds (handlers/ops.py). Every IPv4 interface by default: inside a
    # container only that is reachable through a published port.
    http_host: Annotated[str, Field(validation_alias=_env("PAPERBOT_HTTP_HOST"))] = "0.0.0.0"
    slack_bot_token: Annotated[SecretStr | None, Field(validation_alias=_env("SLACK_BOT_TOKEN"))] = None
    slack_app_token: Annotated[SecretStr | None, Field(validation_alias=_env("SLACK_APP_TOKEN"))] = None
    slack_signing_secret: Annotated[
        SecretStr | None, Field(validation_alias=_env("SLACK_SIGNING_SECRET"))
    ] = None
    slack_api_url: Annotated[str, Field(validation_alias=_env("SLACK_API_URL"))] = "https://slack.com/api/"
    discord_token: Annotated[SecretStr | None, Field(validation_alias=_env("DISCORD_TOKEN"))] = None
    discord_guild_id: Annotated[int | None, Field(validation_alias=_env("DISCORD_GUILD_ID"))] = None
    # Discord's REST API, versioned as discord.py speaks it; the gateway's address comes from its
    # GET /gateway/bot. A proxy in front of Discord, or a loopback test double, may differ.
    discord_api_url: Annotated[str, Field(validation_alias=_env("DISCORD_API_URL"))] = (
        "https://discord.com/api/v10"
    )
    slack_client_id: Annotated[str | None, Field(validation_alias=_env("SLACK_CLIENT_ID"))] = None
    slack_client_secret: Annotated[SecretStr | None, Field(validation_alias=_env("SLACK_CLIENT_SECRET"))] = (
        None
    )
    catch_up_hours: Annotated[
        float, Field(validation_alias=_env("PAPERBOT_CATCH_UP_HOURS"), ge=0, le=24 * 7)
    ] = 12
    slack_managers: Annotated[
        Literal["members", "admins"], Field(validation_alias=_env("PAPERBOT_SLACK_MANAGERS"))
    ] = "members"
    log_format: Annotated[
        Literal["auto", "json", "text"], Field(validation_alias=_env("PAPERBOT_LOG_FORMAT"))
    ] = "auto"
    # None: INFO for `paperbot run` serving a chat platform, WARNING otherwise (bot.runtime.logs).
    log_level: Annotated[LogLevel | None, Field(validation_alias=_env("PAPERBOT_LOG_LEVEL"))] = None
    # Loud failures (bot/delivery/loud_failures.py). Where operator notices go (`slack:T…/C…`,
    # `discord:<guild>/<channel>`, `console`); None: to the channel's creator where the platform
    # allows, and always to the log.
    operator_channel: Annotated[str | None, Field(validation_alias=_env("PAPERBOT_OPERATOR_CHANNEL"))] = None
    operator_locale: Annotated[
        Literal["en", "zh"], Field(validation_alias=_env("PAPERBOT_OPERATOR_LOCALE"))
    ] = "en"
    # After this time (PAPERBOT_TIMEZONE) a weekday without a report is late; None ("off"): never.
    report_deadline: Annotated[dt.time | None, Field(validation_alias=_env("PAPERBOT_REPORT_DEADLINE"))] = (
        dt.time(12, 0)
    )
    no_report_notice: Annotated[
        Literal["off", "quiet", "operator"], Field(validation_alias=_env("PAPERBOT_NO_REPORT_NOTICE"))
    ] = "quiet"
    # The largest report file or HTTP body read, in bytes, refused before reading
    # (bot/reports/fetch_limits.py).
    max_report_bytes: Annotated[
        int, Field(validation_alias=_env("PAPERBOT_MAX_REPORT_BYTES"), ge=1024, le=2**31)
    ] = DEFAULT_MAX_REPORT_BYTES
    # The Hugging Face Hub for the `hf-api` source; the Hub's own tools read the same variable.
    hf_endpoint: Annotated[str, Field(validation_alias=_env("HF_ENDPOINT"))] = "https://huggingface.co"

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        # `json`, `JSON`; `info`, `INFO`. Anything else stays as typed, for the error to quote.
        if isinstance(value, str):
            for known in (*get_args(LogLevel), "auto", "json", "text"):
                if value.strip().casefold() == known.casefold():
                    return known
        return value

    @field_validator("operator_locale", "no_report_notice", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("operator_channel")
    @classmethod
    def _known_channel(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from bot.ports import Recipient  # only when set: bot.ports is no part of a lookup

        recipient = Recipient.parse(value)  # its ValueError says how to write one
        if recipient.platform not in ("slack", "discord", "console") or recipient.user:
            raise ValueError(
                f"{value!r} is not a channel: write slack:<team id>/<channel id>, "
                "discord:<server id>/<channel id>, or console"
            )
        problem = channel_problem(ChannelRef(recipient.platform, recipient.workspace, recipient.channel))
        if problem is not None:  # notices would be posted there: refuse an id no platform issues
            raise ValueError(f"{value!r} is not a channel: {problem}")
        return str(recipient)

    @field_validator("report_deadline", mode="before")
    @classmethod
    def _deadline(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.lower() in ("off", "none", "never"):
            return None
        found = _HH_MM.fullmatch(text)
        if found is None:
            raise ValueError(f"{value!r} is not a time: write HH:MM (24-hour, e.g. 12:00), or off")
        return dt.time(int(found[1]), int(found[2]))

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        # Checked with the other settings, so that one start-up names every problem; the engine is
        # created later (bot/store/database.py). The URL itself is never quoted: it may hold a
        # password.
        if value is None:
            return None
        from sqlalchemy.engine import make_url  # imported once there is a URL to read

        how = "write sqlite+aiosqlite:///path/to/paperbot.db or postgresql+asyncpg://user@host/database"
        try:
            backend = make_url(value.strip()).get_backend_name()
        except Exception:
            raise ValueError(f"not a database URL: {how}") from None
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {backend!r}: {how}")
        return value.strip()

    @field_validator("report_source")
    @classmethod
    def _report_source(cls, value: str | None) -> str | None:
        # Checked here, not only when the first report is due: a typo would otherwise surface hours
        # later as a failed fetch, and `paperbot run` would start the console on an empty archive.
        if value is None:
            return None
        problem = source_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        # New subscriptions take this zone. `localtime` (the host's own, which follows the
        # machine) and the other files beside the zones are refused here as in chat.
        if value.strip() in NOT_ZONES:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)")
        try:
            load_zone(value)
            return value
        except UnusableZoneError:
            pass
        # Not an IANA name: read as `/paper schedule` reads one (a city, `UTC+8`, `东八区`; stored
        # as its IANA name), so an operator may write what a member may type. Imported here: the
        # zone table is built only for a value that needs it.
        from bot.chat.subscribing import parse_timezone

        try:
            return parse_timezone(value)
        except BadInputError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("hf_endpoint")
    @classmethod
    def _hub_url(cls, value: str) -> str:
        text = value.strip().rstrip("/")
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"{value!r} is not an http(s) URL (the Hub: https://huggingface.co, or a mirror)"
            )
        return text

    @field_validator("http_host")
    @classmethod
    def _listen_address(cls, value: str) -> str:
        text = value.strip()
        literal = text.removeprefix("[").removesuffix("]")  # [::1], as a URL writes it
        try:
            return str(ipaddress.ip_address(literal))
        except ValueError:
            pass
        if not _HOSTNAME.fullmatch(text):
            raise ValueError(
                f"{value!r} is not an address to listen on: write an IP address of this machine "
                "(0.0.0.0: every IPv4 interface; 127.0.0.1 or ::1: this machine only) or a host name"
            )
        return text

    @field_validator("*")
    @classmethod
    def _no_placeholder(cls, value: object) -> object:
        if isinstance(value, SecretStr) and _PLACEHOLDER.match(value.get_secret_value().strip()):
            raise ValueError(
                "looks like a placeholder, not a real secret: set the real one, or leave it empty"
            )
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        # Pydantic checks across fields only once every field is valid; an operator should
        # learn every problem from one start-up, so the combination is checked on the raw
        # values too (a variable that is set but invalid counts as set: it is reported already).
        try:
            settings = handler(data)
        except ValidationError as exc:
            given = {field for field in cls.model_fields if _given(data, field)}
            problems = _combination_problems(given)
            if not problems:
                raise
            kept = [_same_error(error) for error in exc.errors()]
            raise _validation_error(exc.title, kept, problems, given) from None
        given = {field for field in cls.model_fields if getattr(settings, field)}
        problems = _combination_problems(given)
        if problems:
            raise _validation_error(cls.__name__, [], problems, given)
        return settings

    @property
    def slack_mode(self) -> Literal["socket", "http"] | None:
        """How the Slack edge runs (CONTRACT.md): Socket Mode when an app token is set (and no
        multi-workspace install is configured), HTTP mode otherwise."""
        if self.slack_client_id:
            return "http"
        if not self.slack_bot_token:
            return None
        return "socket" if self.slack_app_token else "http"

    @property
    def has_platform(self) -> bool:
        """Whether any chat platform is configured; without one, `run` is the console demo."""
        return any((self.slack_bot_token, self.slack_client_id, self.discord_token))

    def report_source_spec(self) -> str:
        """The configured report source, or the bundled sample report."""
        return self.report_source or str(SAMPLE_REPORT)

    def secrets(self) -> list[str]:
        """The values logs must never show: every SecretStr setting and the database password."""
        values = [
            value.get_secret_value()
            for value in (getattr(self, field) for field in _SECRET_FIELDS)
            if isinstance(value, SecretStr)
        ]
        password = urlsplit(self.database_url).password if self.database_url else None
        if password:
            values += [password, unquote(password)]
        return [value for value in dict.fromkeys(values) if value]


class ConfigurationError(BadInputError):
    """Every problem of the configuration at once, one a line, each naming its variables."""

    def __init__(self, problems: Iterable[tuple[str | None, str]]) -> None:
        """`problems`: the variable at fault (None when the text names several) and what is wrong."""
        found = list(problems)
        self.problems = [f"{name}: {text}" if name else text for name, text in found]
        if len(found) == 1:
            name, text = found[0]
            message = f"invalid {name or 'configuration'}: {text}"
        else:
            listed = "".join(f"\n  - {problem}" for problem in self.problems)
            message = f"invalid configuration ({len(found)} problems):{listed}"
        super().__init__(message)


# Families of variables that paperbot or a library it runs reads from the process environment.
# slack-bolt reads SLACK_CLIENT_ID / SLACK_CLIENT_SECRET / SLACK_SIGNING_SECRET / SLACK_BOT_TOKEN /
# SLACK_SCOPES / SLACK_REDIRECT_URI… itself and tests `is not None`, so a set-but-empty
# SLACK_CLIENT_ID= (compose env_file, systemd EnvironmentFile) switched it to its file-based OAuth
# store and every command failed. HF_ (HF_ENDPOINT): the Hub's own tools read those the same way.
_LIBRARY_PREFIXES = ("SLACK_", "DISCORD_", "PAPERBOT_", "HF_")


def drop_empty_environment(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Remove this program's variables that are set but empty from the environment, so that an
    empty value means unset for the libraries that read it themselves, as it does for Settings
    (`env_ignore_empty`). A blank one (" ") stays, for Settings to refuse as a placeholder.
    Returns the names removed."""
    env = os.environ if environ is None else environ
    empty = [
        name for name, value in env.items() if name.upper().startswith(_LIBRARY_PREFIXES) and value == ""
    ]
    for name in empty:
        del env[name]
    return empty


def load_settings() -> Settings:
    """Read the settings; bad values are one ConfigurationError naming every variable at fault."""
    drop_empty_environment()
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(_describe(error) for error in exc.errors()) from None


def _describe(error: Any) -> tuple[str | None, str]:
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:  # a check across several variables names them itself
        return None, message
    field = _field_name(str(error["loc"][0]))
    message = message[:1].lower() + message[1:]
    if error["type"] != "value_error" and field not in _SECRET_FIELDS:
        message += f" (got {error['input']!r})"
    return _variable_name(field), message


def _combination_problems(given: Set[str]) -> list[str]:
    """What is missing from the variables set (field names), as sentences naming them."""
    if "slack_client_id" in given:
        # Multi-workspace installs run over HTTP: Slack redirects browsers to /slack/*.
        missing = [
            _variable_name(field)
            for field in ("slack_client_secret", "slack_signing_secret")
            if field not in given
        ]
        if missing:
            verb, them = ("is", "it") if len(missing) == 1 else ("are", "them")
            return [
                f"SLACK_CLIENT_ID is set (multi-workspace install) but {' and '.join(missing)} {verb} not: "
                f"set {them} too, or leave SLACK_CLIENT_ID empty"
            ]
        return []
    # A bot token alone cannot receive commands: Slack needs a way to reach the bot.
    if "slack_bot_token" in given and not given & {"slack_app_token", "slack_signing_secret"}:
        return [
            "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) "
            "nor SLACK_SIGNING_SECRET (HTTP mode) is: set one of them"
        ]
    return []


def _given(data: Any, field: str) -> bool:
    """Whether the raw input sets a field (under its variable's name, any case, or its own)."""
    if not isinstance(data, dict):
        return False
    info = Settings.model_fields[field]
    alias = info.validation_alias
    names = [str(name) for name in alias.choices] if isinstance(alias, AliasChoices) else [field]
    return any(data.get(name) not in (None, "") for name in names)


def _same_error(error: Any) -> InitErrorDetails:
    """A field's error as pydantic reported it, to raise again alongside other problems."""
    return InitErrorDetails(
        type=PydanticCustomError(error["type"], "{message}", {"message": error["msg"]}),
        loc=error["loc"],
        input=error["input"],
    )


def _validation_error(
    title: str, errors: list[InitErrorDetails], problems: list[str], given: Set[str]
) -> ValidationError:
    combined = errors + [
        InitErrorDetails(
            type=PydanticCustomError("combination", "{message}", {"message": problem}),
            loc=(),
            input=sorted(_variable_name(field) for field in given),  # names, never values
        )
        for problem in problems
    ]
    return ValidationError.from_exception_data(title, combined)


def _field_name(name: str) -> str:
    """The field a variable (or field) name in an error's location stands for."""
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        if field == name or (isinstance(alias, AliasChoices) and name in alias.choices):
            return field
    return name


def _variable_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return field.upper()


_SECRET_FIELDS = tuple(
    field
    for field, info in Settings.model_fields.items()
    if SecretStr in (info.annotation, *get_args(info.annotation))
)
