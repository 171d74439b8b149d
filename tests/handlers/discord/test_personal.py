"""Personal digests on Discord (issue 19, part 1), over the loopback gateway and REST double.

`/paper` is allowed in the bot's DMs (contexts GUILD and BOT_DM). A reader's `/paper subscribe …`
in their DM with the bot arrives as an INTERACTION_CREATE without a guild; the reader manages it
(Discord resolves no permissions in a DM), and a later delivery pass posts the digest into that DM
channel through the ordinary outbox and publisher. A DM that refuses the bot (50007) pauses it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
from discord.http import Route
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import Deliverer
from bot.delivery.loud_failures import NoticePolicy
from bot.models import Interests, Subscription
from bot.reports.sources.local import LocalSource
from bot.runtime.composition import App
from bot.runtime.config import SAMPLE_REPORT, Settings
from bot.store.outbox import Outbox
from bot.store.votes import VoteStore
from handlers.discord.delivery import DiscordDigestPublisher
from handlers.discord.run import run_discord
from handlers.ops import Readiness
from tests.handlers.discord.fake_discord import (
    DM_CHANNEL_ID,
    FAKE_TOKEN,
    IN_CHANNEL,
    IN_DM,
    READER_ID,
    FakeDiscord,
    Reply,
)

AFTER_THE_REPORT = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # the sample report's day
DEFERRED = 5


@dataclass
class Served:
    discord: FakeDiscord
    app: App


@pytest.fixture
async def served(fake: FakeDiscord, engine: AsyncEngine, clean_environment: None) -> AsyncIterator[Served]:
    settings = Settings(discord_token=SecretStr(FAKE_TOKEN), discord_api_url=fake.api_url)
    app = App(settings, engine)
    await app.archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    stop = asyncio.Event()
    running = asyncio.create_task(run_discord(app, stop, Readiness(engine)))
    try:
        await fake.wait_identified()
        yield Served(fake, app)
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 10) == 0
    assert fake.unknown == []  # discord.py called nothing the double does not know


async def in_dm(
    fake: FakeDiscord, subcommand: str, *, count: int = 2, context: int = 1, **options: str
) -> list[Reply]:
    sent = await fake.send(fake.dm_interaction(2, fake.command(subcommand, **options), context=context))
    return await fake.replies(sent, count=count)


async def deliver(served: Served, now: dt.datetime) -> None:
    """One delivery pass with the publisher `paperbot deliver` uses: REST only, no gateway."""
    Route.BASE = served.discord.api_url
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(FAKE_TOKEN)
        app = served.app
        job = Deliverer(
            archive=app.archive,
            store=app.subscriptions,
            outbox=Outbox(app.engine),
            taxonomy=app.taxonomy,
            publishers={"discord": DiscordDigestPublisher(client, app.subscriptions)},
            worker="w1",
            notice_policy=NoticePolicy(),
        )
        await job.run_pass(now, force=True)
    finally:
        await client.close()


async def test_the_paper_group_is_offered_in_servers_and_the_bots_dms(served: Served) -> None:
    [paper] = served.discord.synced
    assert paper["name"] == "paper"
    assert paper["contexts"] == [0, 1]  # GUILD, BOT_DM; not other people's DMs (PRIVATE_CHANNEL)
    assert paper["dm_permission"] is True


async def test_a_dm_subscription_is_personal_and_its_digest_is_posted_to_the_dm_once(served: Served) -> None:
    fake = served.discord
    deferral, done = await in_dm(fake, "subscribe", topics='agents, "GRPO"')
    assert (deferral.body["type"], deferral.ephemeral) == (DEFERRED, True)
    assert done.text.startswith('Subscribed. Your personal digest now follows: agents, "GRPO".')
    stored = await served.app.subscriptions.get(IN_DM)
    assert stored is not None
    assert (stored.created_by, stored.interests.topics, stored.interests.keywords) == (
        str(READER_ID),
        ("agents",),
        ("GRPO",),
    )
    _, listing = await in_dm(fake, "list")
    assert 'Your personal digest follows: agents, "GRPO"' in listing.text
    _, scheduled = await in_dm(fake, "schedule", time="07:30", timezone="Asia/Shanghai")
    assert scheduled.text == "Digest time set: daily at 07:30 (Asia/Shanghai)."

    await deliver(served, AFTER_THE_REPORT)
    await deliver(served, AFTER_THE_REPORT + dt.timedelta(hours=1))  # nothing twice
    posted = fake.dm_posted[str(DM_CHANNEL_ID)]
    assert posted
    assert posted[0]["content"].startswith("**Daily Papers · 2026-11-20")
    markers = {m["embeds"][-1]["footer"]["text"].split(" · ")[1] for m in posted}
    assert len(markers) == 1  # one delivery's parts, each posted once
    [row] = await Outbox(served.app.engine).list()
    assert (row.channel, row.status) == (IN_DM, "posted")


async def test_votes_in_a_dm_tune_only_that_dm(served: Served) -> None:
    fake = served.discord
    await served.app.subscriptions.save_all(
        [
            Subscription(IN_DM, Interests(("reinforcement-learning",)), created_by=str(READER_ID)),
            Subscription(IN_CHANNEL, Interests(("reinforcement-learning",))),
        ]
    )
    vote = "paperbot:vote:up:2611.01004"
    components = [{"type": 1, "components": [{"type": 2, "style": 2, "label": "👍", "custom_id": vote}]}]
    message = fake._message(str(DM_CHANNEL_ID), {"content": "", "components": components})
    sent = await fake.send(fake.dm_interaction(3, fake.button(vote), message=message))
    (answer,) = await fake.replies(sent, count=1)
    assert answer.ephemeral
    votes = VoteStore(served.app.engine)
    assert [(v.paper, v.user) for v in await votes.votes(IN_DM)] == [("2611.01004", str(READER_ID))]
    assert await votes.votes(IN_CHANNEL) == []


async def test_someone_elses_dm_is_not_a_personal_digest(served: Served) -> None:
    # Discord's PRIVATE_CHANNEL context (a DM between other people): not offered, and refused.
    (refusal,) = await in_dm(served.discord, "subscribe", count=1, context=2, topics="RL")
    assert refusal.text.startswith("A personal digest lives in your own DM with paperbot")
    assert await served.app.subscriptions.get(IN_DM) is None


async def test_a_dm_closed_to_the_bot_pauses_the_personal_digest(served: Served) -> None:
    fake = served.discord
    await served.app.subscriptions.save(
        Subscription(IN_DM, Interests(("agents",)), created_by=str(READER_ID))
    )
    fake.dm_closed = True
    await deliver(served, AFTER_THE_REPORT)
    stored = await served.app.subscriptions.get(IN_DM)
    assert stored is not None
    assert stored.paused
    assert stored.paused_reason == (
        "the reader no longer accepts direct messages from paperbot (DMs turned off, the bot blocked, "
        "or no server shared with it any more) (Discord: 403 Forbidden (error code 50007)). To resume, "
        "the reader runs `/paper subscribe …` in their DM with paperbot again once paperbot can message them."
    )
    assert str(DM_CHANNEL_ID) not in fake.dm_posted
    [row] = await Outbox(served.app.engine).list()
    assert row.status == "skipped"
