"""The Discord edge over a real gateway connection, against the loopback double (fake_discord).

`run_discord` logs in, syncs `/paper`, connects to the double's gateway and receives
INTERACTION_CREATE payloads as Discord sends them; every assertion is on what reached the
double (interaction callbacks, follow-ups) and on the database. The issue's "done when": no
member without Manage Channels changes a channel by any command, option text or button.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import Interests, Subscription
from bot.reports.sources.local import LocalSource
from bot.runtime import metrics
from bot.runtime.composition import App
from bot.runtime.config import SAMPLE_REPORT, ConfigurationError, Settings
from bot.store.votes import VoteStore
from handlers.discord.run import STEADY_SECONDS, run_discord
from handlers.ops import Readiness
from tests.handlers.discord.fake_discord import (
    ADMINISTRATOR,
    FAKE_TOKEN,
    IN_CHANNEL,
    IN_THREAD,
    MANAGE_CHANNELS,
    VIEW_AND_SEND,
    FakeDiscord,
    Reply,
)

NOT_ALLOWED = {
    "en-US": "Only people who can manage this channel may change its subscriptions.",
    "zh-CN": "只有能管理本频道的成员才能修改订阅。",
}
DEFERRED = 5  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
MESSAGE = 4  # CHANNEL_MESSAGE_WITH_SOURCE
# Every sub-command that changes the channel, with options as a member would fill them in.
CHANGES: list[tuple[str, dict[str, Any]]] = [
    ("subscribe", {"topics": "agents"}),
    ("unsubscribe", {"topics": "all"}),
    ("exclude", {"topics": "robotics"}),
    ("include", {"topics": '"survey"'}),
    ("schedule", {"time": "21:00", "timezone": "Asia/Shanghai"}),
    ("language", {"language": "zh"}),
    ("set", {"setting": "size", "value": "3"}),
    ("cadence", {"cadence": "weekly", "day": "friday"}),
]


@dataclass
class Served:
    discord: FakeDiscord
    app: App
    readiness: Readiness


@pytest.fixture
async def served(fake: FakeDiscord, engine: AsyncEngine, clean_environment: None) -> AsyncIterator[Served]:
    """`run_discord` connected to the double, over a database with the sample report and this
    channel subscribed to RL (with a "survey" exclusion) at 09:00 UTC."""
    settings = Settings(discord_token=SecretStr(FAKE_TOKEN), discord_api_url=fake.api_url)
    app = App(settings, engine)
    await app.archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    await app.subscriptions.save(
        Subscription(IN_CHANNEL, Interests(("reinforcement-learning",), excluded_keywords=("survey",)))
    )
    stop, readiness = asyncio.Event(), Readiness(engine)
    running = asyncio.create_task(run_discord(app, stop, readiness))
    try:
        await fake.wait_identified()
        yield Served(fake, app, readiness)
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 10) == 0
    assert fake.unknown == []  # discord.py called nothing the double does not know


async def ask(
    fake: FakeDiscord, subcommand: str, options: dict[str, Any], *, count: int = 2, **member: Any
) -> list[Reply]:
    sent = await fake.send(fake.interaction(2, fake.command(subcommand, **options), **member))
    return await fake.replies(sent, count=count)


async def until_ready(readiness: Readiness) -> None:
    """/readyz's Discord check turns ok: READY, then discord.py's wait for guild data (2 s)."""
    for _ in range(200):
        if (await readiness.checks())["discord"] == "ok":
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"Discord never ready: {await readiness.checks()}")


@pytest.mark.parametrize(
    "query", ["unsubscribe all", "subscribe RL", "订阅 强化学习", "exclude RL", "schedule 01:00"]
)
@pytest.mark.parametrize("permissions", [VIEW_AND_SEND, MANAGE_CHANNELS])
async def test_lookup_text_is_looked_up_never_run_as_a_command(
    served: Served, query: str, permissions: int
) -> None:
    before = await served.app.subscriptions.get(IN_CHANNEL)
    deferral, answer = await ask(served.discord, "lookup", {"query": query}, permissions=permissions)
    assert (deferral.kind, deferral.body["type"], deferral.ephemeral) == ("callback", DEFERRED, True)
    assert answer.kind == "followup"
    assert answer.ephemeral
    assert query in answer.text  # "No archived paper matches …" or "… for …:", both name the query
    assert "Unsubscribed" not in answer.text
    assert "Subscribed" not in answer.text
    assert await served.app.subscriptions.get(IN_CHANNEL) == before


@pytest.mark.parametrize(("subcommand", "options"), CHANGES)
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_a_member_without_manage_channels_changes_nothing(
    served: Served, subcommand: str, options: dict[str, Any], locale: str
) -> None:
    before = await served.app.subscriptions.get(IN_CHANNEL)
    (refusal,) = await ask(
        served.discord, subcommand, options, count=1, permissions=VIEW_AND_SEND, locale=locale
    )
    assert (refusal.kind, refusal.body["type"]) == ("callback", MESSAGE)
    assert refusal.text == NOT_ALLOWED[locale]
    assert refusal.ephemeral
    assert refusal.body["data"]["allowed_mentions"] == {"parse": []}
    await asyncio.sleep(0)  # nothing else follows the refusal
    assert len(served.discord.replies_sent) == 1
    assert await served.app.subscriptions.get(IN_CHANNEL) == before


@pytest.mark.parametrize("permissions", [MANAGE_CHANNELS, ADMINISTRATOR])
async def test_manage_channels_or_administrator_may_change_the_channel(
    served: Served, permissions: int
) -> None:
    for subcommand, options in CHANGES:
        if subcommand == "unsubscribe":
            continue  # last, below
        replies = await ask(served.discord, subcommand, options, permissions=permissions | VIEW_AND_SEND)
        assert [reply.kind for reply in replies] == ["callback", "followup"], subcommand
        assert NOT_ALLOWED["en-US"] not in replies[1].text
    stored = await served.app.subscriptions.get(IN_CHANNEL)
    assert stored is not None
    assert stored.interests.topics == ("reinforcement-learning", "agents")
    assert (stored.interests.excluded_topics, stored.interests.excluded_keywords) == (("robotics",), ())
    assert (stored.tz, stored.locale, stored.settings.size, stored.settings.cadence) == (
        "Asia/Shanghai",
        "zh",
        3,
        "weekly",
    )
    await ask(served.discord, "unsubscribe", {"topics": "all"}, permissions=permissions)
    assert await served.app.subscriptions.get(IN_CHANNEL) is None


async def test_a_thread_is_its_own_channel_with_the_permissions_discord_resolved_there(
    served: Served,
) -> None:
    (refusal,) = await ask(
        served.discord, "subscribe", {"topics": "agents"}, count=1, thread=True, permissions=VIEW_AND_SEND
    )
    assert refusal.text == NOT_ALLOWED["en-US"]
    assert await served.app.subscriptions.get(IN_THREAD) is None
    _, done = await ask(
        served.discord, "subscribe", {"topics": "agents"}, thread=True, permissions=MANAGE_CHANNELS
    )
    assert "Subscribed" in done.text
    thread = await served.app.subscriptions.get(IN_THREAD)
    assert thread is not None
    assert thread.interests.topics == ("agents",)
    parent = await served.app.subscriptions.get(IN_CHANNEL)
    assert parent is not None
    assert parent.interests.topics == ("reinforcement-learning",)  # the parent channel is untouched


async def test_a_vote_button_only_ever_votes(served: Served) -> None:
    """👍 / 👎 are open to every member (they tune this channel's ranking); a custom_id that
    is not a vote for a paper is not dispatched at all, whatever it says."""
    fake = served.discord
    before = await served.app.subscriptions.get(IN_CHANNEL)
    for custom_id in ("subscribe RL", "paperbot:vote:up:subscribe RL", "unsubscribe all", "paperbot:help"):
        await fake.send(fake.interaction(3, fake.button(custom_id), message=fake.button_message(custom_id)))
    vote = "paperbot:vote:up:2611.01001"
    sent = await fake.send(fake.interaction(3, fake.button(vote), message=fake.button_message(vote)))
    (answer,) = await fake.replies(sent, count=1)
    assert answer.body["type"] == MESSAGE
    assert answer.ephemeral
    assert len(fake.replies_sent) == 1  # the four before it were never answered: not dispatched
    assert await served.app.subscriptions.get(IN_CHANNEL) == before
    votes = await VoteStore(served.app.engine).votes(IN_CHANNEL)
    assert [(vote.paper, vote.user, vote.direction) for vote in votes] == [("2611.01001", "333", 1)]


async def test_help_reaches_the_double_and_readyz_waits_for_the_gateway(served: Served) -> None:
    _, answer = await ask(served.discord, "help", {})
    assert "/paper subscribe topics:" in answer.text
    assert served.discord.synced[0]["name"] == "paper"  # the command was synced at start-up
    identify = served.discord.identifies[0]
    assert identify["token"] == FAKE_TOKEN
    await until_ready(served.readiness)
    assert await served.readiness.checks() == {"database": "ok", "discord": "ok"}


async def test_a_refused_token_is_one_error_naming_discord_token(
    fake: FakeDiscord, engine: AsyncEngine, clean_environment: None
) -> None:
    settings = Settings(discord_token=SecretStr("MTEx.someone-elses.token"), discord_api_url=fake.api_url)
    readiness = Readiness(engine)
    with pytest.raises(ConfigurationError) as refused:
        await run_discord(App(settings, engine), asyncio.Event(), readiness)
    assert str(refused.value).startswith("invalid DISCORD_TOKEN: Discord refused it")
    assert "\n" not in str(refused.value)
    assert [(r.method, r.path) for r in fake.requests] == [("GET", "/users/@me")]
    assert fake.identifies == []
    assert (await readiness.checks())["discord"] == "not connected"


async def test_readyz_is_not_ready_between_identify_and_ready(
    fake: FakeDiscord, engine: AsyncEngine, clean_environment: None
) -> None:
    fake.hold_ready = asyncio.Event()
    settings = Settings(discord_token=SecretStr(FAKE_TOKEN), discord_api_url=fake.api_url)
    stop, readiness = asyncio.Event(), Readiness(engine)
    running = asyncio.create_task(run_discord(App(settings, engine), stop, readiness))
    try:
        await fake.wait_identified()  # logged in, commands synced, gateway open: not READY yet
        assert (await readiness.checks())["discord"] == "not connected"
        fake.hold_ready.set()
        await until_ready(readiness)
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 10) == 0


async def test_a_token_the_gateway_refuses_is_the_same_clear_error(
    fake: FakeDiscord, engine: AsyncEngine, clean_environment: None
) -> None:
    fake.gateway_refuses = True
    settings = Settings(discord_token=SecretStr(FAKE_TOKEN), discord_api_url=fake.api_url)
    with pytest.raises(ConfigurationError, match=r"^invalid DISCORD_TOKEN: Discord refused it"):
        await asyncio.wait_for(run_discord(App(settings, engine), asyncio.Event(), Readiness(engine)), 10)


async def test_a_lost_gateway_is_reconnected_on_the_shared_policy_and_readyz_follows(
    fake: FakeDiscord, engine: AsyncEngine, clean_environment: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord drops the gateway and is down for a while (its REST API and gateway answer 503):
    discord.py's own reconnect loop tried again up to ~17 minutes apart, each time with a
    traceback, while /readyz said not connected. The reconnect is run_discord's, on the shared
    policy (handlers/runtime.py `try_again`: growing waits, each logged), and /readyz (and
    `paperbot_platform_connected`) follow the connection."""
    tries: list[int] = []

    def delay_after(failures: int) -> float:  # the policy's waits, recorded and not waited
        tries.append(failures)
        if failures == 3:
            fake.down = None  # Discord is back after the third failed try
        return 0.0

    settings = Settings(discord_token=SecretStr(FAKE_TOKEN), discord_api_url=fake.api_url)
    stop, readiness = asyncio.Event(), Readiness(engine)
    running = asyncio.create_task(
        run_discord(App(settings, engine), stop, readiness, delay_after=delay_after)
    )
    try:
        await fake.wait_identified()
        await until_ready(readiness)
        synced = len(fake.synced)
        with caplog.at_level(logging.WARNING, logger="paperbot.discord"):
            fake.down = 503
            await fake.drop_gateway()
            await fake.wait_identifies(2)  # a new session, once Discord answers again
            await until_ready(readiness)
        assert tries == [1, 2, 3]  # the lost connection, then the login answered 503 twice
        said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Discord unavailable")]
        assert len(said) == 3
        assert said[0].startswith("Discord unavailable: Discord connection lost")
        assert "503" in said[1]
        assert not [r for r in caplog.records if r.exc_info]  # no traceback per try
        assert len(fake.synced) == synced  # /paper is not synced again on each reconnect
        _, answer = await ask(fake, "help", {})
        assert "/paper subscribe topics:" in answer.text
        assert metrics.REGISTRY.get_sample_value("paperbot_platform_connected", {"platform": "discord"}) == 1
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 10) == 0


async def test_a_connection_lost_soon_after_ready_goes_on_backing_off(
    fake: FakeDiscord, engine: AsyncEngine, clean_environment: None
) -> None:
    """A gateway that accepts each session and drops it at once (a flapping network): every loss
    after READY started the waits again at 1 s, so paperbot identified anew every couple of
    seconds, and Discord resets a bot's token after 1,000 IDENTIFYs in a day. The waits go on
    growing until a connection has held STEADY_SECONDS, and only then start again."""
    tries: list[int] = []
    now = [0.0]  # the clock run_discord reads: a connection holds only as long as the test says

    def delay_after(failures: int) -> float:
        tries.append(failures)
        fake.down = None  # Discord answers the next try
        return 0.0

    settings = Settings(discord_token=SecretStr(FAKE_TOKEN), discord_api_url=fake.api_url)
    stop, readiness = asyncio.Event(), Readiness(engine)
    running = asyncio.create_task(
        run_discord(App(settings, engine), stop, readiness, delay_after=delay_after, clock=lambda: now[0])
    )
    try:
        await fake.wait_identified()
        await until_ready(readiness)
        # Lost at once, lost at once again, then lost after holding STEADY_SECONDS.
        for sessions, held in enumerate((0.0, 0.0, STEADY_SECONDS), start=2):
            now[0] += held
            fake.down = 503  # discord.py's one resume fails too
            await fake.drop_gateway()
            await fake.wait_identifies(sessions)
            await until_ready(readiness)
        assert tries == [1, 2, 1]
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 10) == 0


async def test_no_session_starts_left_waits_for_their_reset_without_identifying(
    fake: FakeDiscord, engine: AsyncEngine, clean_environment: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord allows a bot 1,000 session starts (IDENTIFYs) a day and resets its token on the
    one after. `GET /gateway/bot` says how many are left; paperbot read the gateway's address
    from it and identified regardless. With none left it identifies no more, says why, and tries
    again no sooner than they reset; with few left each start is a warning."""
    tries: list[int] = []

    def delay_after(failures: int) -> float:
        tries.append(failures)
        fake.session_starts_left = 7  # reset: 7 of 1,000 left, so the next start is a warning
        return 0.0

    fake.session_starts_left, fake.session_starts_reset_ms = 0, 50
    settings = Settings(discord_token=SecretStr(FAKE_TOKEN), discord_api_url=fake.api_url)
    stop, readiness = asyncio.Event(), Readiness(engine)
    with caplog.at_level(logging.WARNING, logger="paperbot.discord"):
        running = asyncio.create_task(
            run_discord(App(settings, engine), stop, readiness, delay_after=delay_after)
        )
        try:
            await fake.wait_identified()
            await until_ready(readiness)
        finally:
            stop.set()
            assert await asyncio.wait_for(running, 10) == 0
    assert tries == [1]
    assert len(fake.identifies) == 1  # none while no session start was left
    said = [record.getMessage() for record in caplog.records if "session starts" in record.getMessage()]
    assert said[0] == (
        "Discord unavailable: Discord allows no more session starts until its daily limit of 1,000"
        " resets in 0 s (one more would make Discord reset DISCORD_TOKEN); trying again in 0 s"
        " (the other platforms keep serving)"
    )
    assert said[1].startswith("Discord: 7 of today's 1,000 session starts left (they reset in 0 s)")
    assert len(said) == 2


def test_a_wait_for_session_starts_reads_as_hours_and_minutes() -> None:
    from handlers.discord.run import _in_words

    assert [_in_words(s) for s in (0.4, 40, 720, 11_520, 86_399)] == [
        "0 s",
        "40 s",
        "12 min",
        "3 h 12 min",
        "23 h 59 min",
    ]
