"""One bad paper never aborts a digest, on any platform: a card that cannot be rendered is left
out and logged with its arXiv id; the rest of the digest still goes out, in order, and every
message's fallback text and buttons still match the cards it carries."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine

import handlers.console.render
import handlers.discord.embeds
import handlers.slack.blocks
from bot.delivery.deliverer import Deliverer
from bot.models import ChannelRef, Interests, Report, Subscription
from bot.ranking.digest import Digest, DigestItem, build_digest
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.delivery import SlackDigestPublisher
from handlers.slack.oauth import WorkspaceClients
from handlers.slack.publisher import make_client
from tests.factories import paper
from tests.handlers.slack.fake_slack import FAKE_TOKEN, FakeSlack

DAY = dt.date(2026, 5, 6)
RL = Interests(("reinforcement-learning",))
BAD = "2605.00001"


def report(n: int) -> Report:
    return Report(
        DAY,
        tuple(
            paper(
                arxiv_id=f"2605.{i:05d}",
                title=f"Reinforcement learning paper {i}",
                domain="强化学习",
                contribution="贡献" * 600,  # long cards: a digest of 12 takes several messages
            )
            for i in range(n)
        ),
    )


def digest(n: int = 12) -> Digest:
    return build_digest(report(n), RL, builtin_taxonomy(), limit=None)


def breaking(real: Any) -> Any:
    """`real` (a card renderer taking the item first), raising for BAD."""

    def render(item: DigestItem, *args: Any, **kwargs: Any) -> Any:
        if item.arxiv_id == BAD:
            raise ValueError("a field no renderer expected")
        return real(item, *args, **kwargs)

    return render


def skipped_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "skipped paper" in r.getMessage()]


def test_slack_leaves_the_bad_card_out_and_keeps_each_messages_text_true(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(handlers.slack.blocks, "card", breaking(handlers.slack.blocks.card))
    with caplog.at_level(logging.WARNING):
        messages = handlers.slack.blocks.digest_messages(digest())
    assert len(messages) > 1
    shown: list[str] = []
    for message in messages:
        ids = [b["block_id"].removeprefix("paper_") for b in message.blocks if b.get("type") == "actions"]
        titles = [f"Reinforcement learning paper {int(i.split('.')[1])}" for i in ids]
        # The notification text names exactly the papers this message carries.
        assert message.text.split(": ", 1)[1].split("; ") == titles
        shown += ids
    assert shown == [f"2605.{i:05d}" for i in range(12) if f"2605.{i:05d}" != BAD]
    [line] = skipped_lines(caplog)
    assert BAD in line


def test_discord_leaves_the_bad_embed_out_and_keeps_buttons_with_their_embeds(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        handlers.discord.embeds, "digest_embed", breaking(handlers.discord.embeds.digest_embed)
    )
    with caplog.at_level(logging.WARNING):
        messages = handlers.discord.embeds.digest_messages(digest(), marker="d1")
    assert len(messages) > 1
    shown: list[str] = []
    for message in messages:
        assert message.view is not None
        links = [
            item.url
            for item in message.view.children
            if isinstance(item, discord.ui.Button) and item.label == "Hugging Face"
        ]
        urls = [embed.url for embed in message.embeds]
        assert links == urls  # each embed's buttons still beside it
        shown += [str(url).rsplit("/", 1)[1] for url in urls]
    assert shown == [f"2605.{i:05d}" for i in range(12) if f"2605.{i:05d}" != BAD]
    assert BAD in skipped_lines(caplog)[0]


def test_the_console_leaves_the_bad_panel_out_and_numbers_the_rest(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        handlers.console.render, "item_panel", _breaking_panel(handlers.console.render.item_panel)
    )
    out = io.StringIO()
    with caplog.at_level(logging.WARNING):
        Console(file=out, width=200).print(handlers.console.render.digest_renderable(digest(3)))
    printed = out.getvalue()
    assert "Reinforcement learning paper 1" not in printed
    assert re.search(r"1\. Reinforcement learning paper 0", printed)
    assert re.search(r"2\. Reinforcement learning paper 2", printed)
    assert BAD in skipped_lines(caplog)[0]


def _breaking_panel(real: Any) -> Any:
    def panel(number: int, item: DigestItem, locale: str, **options: Any) -> Any:
        if item.arxiv_id == BAD:
            raise ValueError("a field no renderer expected")
        return real(number, item, locale, **options)

    return panel


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


async def test_a_slack_digest_with_a_bad_card_is_still_posted(
    engine: AsyncEngine, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await Archive(engine).ingest(report(3))
    store = SubscriptionStore(engine)
    await store.save(Subscription(ChannelRef("slack", "T0FAKE", "C0DIGEST"), RL))
    monkeypatch.setattr(handlers.slack.blocks, "card", breaking(handlers.slack.blocks.card))
    clients = WorkspaceClients(slack.base_url, client=make_client(FAKE_TOKEN, slack.base_url))
    job = Deliverer(
        Archive(engine),
        store,
        Outbox(engine),
        builtin_taxonomy(),
        {"slack": SlackDigestPublisher(clients, store)},
    )
    with caplog.at_level(logging.WARNING):
        assert await job.run_pass(dt.datetime.now(dt.UTC), force=True) == {"posted": 1}
    [message] = slack.messages_in("C0DIGEST")
    text = str(message["text"])
    assert "Reinforcement learning paper 0" in text
    assert "Reinforcement learning paper 2" in text
    assert "Reinforcement learning paper 1" not in text
    assert BAD in skipped_lines(caplog)[0]
