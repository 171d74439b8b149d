"""Settings: read once at start-up from the environment (or a `.env` file), never at import."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import BadInputError

SAMPLE_REPORT = Path(__file__).parent / "reports" / "sample" / "report-sample.md"

# Values people paste from documentation instead of a real secret.
_PLACEHOLDER = re.compile(
    r"^(|x+|changeme|change-me|todo|placeholder|secret|token|<.*>|.*your[-_].*|.*-x{3,}.*)$", re.I
)


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """The configuration table of README.md and CONTRACT.md, one field per variable."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    database_url: Annotated[str | None, Field(validation_alias=_env("PAPERBOT_DATABASE_URL"))] = None
    report_source: Annotated[str | None, Field(validation_alias=_env("PAPERBOT_REPORT_SOURCE"))] = None
    timezone: Annotated[str, Field(validation_alias=_env("PAPERBOT_TIMEZONE"))] = "UTC"
    http_port: Annotated[int, Field(validation_alias=_env("PAPERBOT_HTTP_PORT"), ge=1, le=65535)] = 3000
    slack_bot_token: Annotated[SecretStr | None, Field(validation_alias=_env("SLACK_BOT_TOKEN"))] = None
    slack_app_token: Annotated[SecretStr | None, Field(validation_alias=_env("SLACK_APP_TOKEN"))] = None
    slack_signing_secret: Annotated[
        SecretStr | None, Field(validation_alias=_env("SLACK_SIGNING_SECRET"))
    ] = None
    slack_api_url: Annotated[str, Field(validation_alias=_env("SLACK_API_URL"))] = "https://slack.com/api/"
    discord_token: Annotated[SecretStr | None, Field(validation_alias=_env("DISCORD_TOKEN"))] = None
    discord_guild_id: Annotated[int | None, Field(validation_alias=_env("DISCORD_GUILD_ID"))] = None
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

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)"
            ) from None
        return value

    @field_validator(
        "slack_bot_token", "slack_app_token", "slack_signing_secret", "slack_client_secret", "discord_token"
    )
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and _PLACEHOLDER.match(value.get_secret_value().strip()):
            raise ValueError("looks like a placeholder, not a real secret")
        return value

    @model_validator(mode="after")
    def _slack_is_complete(self) -> Settings:
        # A bot token alone cannot receive commands: Slack needs a way to reach the bot.
        if self.slack_client_id:
            # Multi-workspace installs run over HTTP: Slack redirects browsers to /slack/*.
            missing = [
                name
                for name, value in (
                    ("SLACK_CLIENT_SECRET", self.slack_client_secret),
                    ("SLACK_SIGNING_SECRET", self.slack_signing_secret),
                )
                if value is None
            ]
            if missing:
                raise ValueError(
                    f"SLACK_CLIENT_ID is set (multi-workspace install) but {' and '.join(missing)} not"
                )
            return self
        if self.slack_bot_token and not (self.slack_app_token or self.slack_signing_secret):
            raise ValueError(
                "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) "
                "nor SLACK_SIGNING_SECRET (HTTP mode) is"
            )
        return self

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


def load_settings() -> Settings:
    """Read the settings; a bad value is a BadInputError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a check across several variables names them itself
            raise BadInputError(f"invalid configuration: {message}") from None
        name = _variable_name(str(first["loc"][0]))
        raise BadInputError(f"invalid {name}: {message}") from None


def _variable_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return field.upper()
