"""The console's digest publisher: `paperbot deliver` and the console bot print digests."""

from __future__ import annotations

from typing import TextIO

from bot.models import ChannelRef, Subscription
from bot.ports import NotifyResult, PublishResult, Recipient
from bot.ranking.digest import Digest
from handlers.console.prompt import make_console
from handlers.console.render import digest_renderable


class ConsolePublisher:
    def __init__(self, out: TextIO, *, digests: bool = True) -> None:
        """`digests=False`: notices only (bot.delivery.deliverer.Deliverer.digest_platforms), for a process
        that serves Slack or Discord and prints PAPERBOT_OPERATOR_CHANNEL=console's notices."""
        self.console = make_console(out)
        self.delivers_digests = digests

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        if start_at == 0:
            self.console.print(f"#{subscription.channel.channel} · {key}", markup=False, style="dim")
            settings = subscription.settings
            self.console.print(digest_renderable(digest, images=settings.images, layout=settings.layout))
        return PublishResult("posted", (f"console:{key}",), 1, parts=1)

    def part_papers(self, subscription: Subscription, digest: Digest, *, key: str) -> list[tuple[str, ...]]:
        """The console prints a digest as one part (bot/delivery/decided.py)."""
        return [tuple(item.arxiv_id for item in digest.items)]

    async def posted_parts(self, subscription: Subscription, key: str) -> set[int]:
        # A terminal keeps no history to ask; printing twice after a crash is harmless here.
        return set()

    async def notify(self, recipient: Recipient, text: str) -> NotifyResult:
        """A notice (bot/delivery/loud_failures.py): everyone in the console reads this terminal."""
        where = f"@{recipient.user}" if recipient.user else f"#{recipient.channel}"
        self.console.print(f"{where} · notice", markup=False, style="dim")
        self.console.print(text, markup=False, highlight=False, style="yellow")
        return NotifyResult(True)

    def mention(self, channel: ChannelRef) -> str:
        return f"#{channel.channel}"
