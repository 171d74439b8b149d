"""Discord digests for the delivery outbox: embeds marked with the delivery, then publish."""

from __future__ import annotations

import discord

from bot.digest import Digest
from bot.models import ChannelRef, Subscription
from bot.ports import NotifyResult, PublishResult, Recipient
from bot.store.subscriptions import SubscriptionStore
from handlers.discord.embeds import digest_messages
from handlers.discord.publisher import DiscordPublisher


class DiscordDigestPublisher:
    def __init__(self, client: discord.Client, store: SubscriptionStore) -> None:
        self.publisher = DiscordPublisher(client, store)

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        messages = digest_messages(digest, marker=key)
        return await self.publisher.publish(subscription, messages, delivery_id=key, start_at=start_at)

    async def posted_parts(self, subscription: Subscription, key: str) -> set[int]:
        return await self.publisher.posted_parts(subscription.channel.channel, key)

    async def notify(self, recipient: Recipient, text: str) -> NotifyResult:
        """A notice (bot/notices.py) to a channel, or by DM to a person."""
        return await self.publisher.notify(channel_id=recipient.channel, user_id=recipient.user, text=text)

    def mention(self, channel: ChannelRef) -> str:
        return f"<#{channel.channel}>"
