"""The console's compact layout (the list, then the cards) and images (the thumbnail's address)."""

from __future__ import annotations

import io

from bot.models import ChannelRef, DigestSettings, Interests, Subscription
from bot.reports.arxiv import thumbnail_url
from handlers.console.publisher import ConsolePublisher
from tests.handlers.discord.test_card_layouts import digest


async def test_compact_prints_the_list_then_the_cards_and_images_their_address() -> None:
    out = io.StringIO()
    settings = DigestSettings(images=True, layout="compact")
    subscription = Subscription(ChannelRef("console", "local", "demo"), Interests(("rl",)), settings=settings)
    shown = digest(3, "A short title")
    result = await ConsolePublisher(out).publish(subscription, shown, key="d-1", start_at=0)
    assert result.status == "posted"
    text = out.getvalue()
    listed = [text.index(f"{n}. A short title {n - 1}") for n in (1, 2, 3)]
    assert listed == sorted(listed)
    assert max(listed) < text.index("╭─ 1. A short title 0")  # the list first, then the cards
    assert str(thumbnail_url("2605.00000"))[:40] in text


async def test_cards_without_images_show_no_image_row() -> None:
    out = io.StringIO()
    subscription = Subscription(ChannelRef("console", "local", "demo"), Interests(("rl",)))
    await ConsolePublisher(out).publish(subscription, digest(2, "A short title"), key="d-1", start_at=0)
    assert "cdn-thumbnails" not in out.getvalue()
    assert "1. A short title 0 —" not in out.getvalue()
