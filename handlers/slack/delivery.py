"""Slack digests for the delivery outbox: render, pick the workspace's client, publish."""

from __future__ import annotations

from bot.digest import Digest
from bot.models import Subscription
from bot.ports import PublishResult
from bot.store.subscriptions import SubscriptionStore
from handlers.slack.blocks import digest_messages
from handlers.slack.oauth import WorkspaceClients
from handlers.slack.publisher import SlackPublisher


class SlackDigestPublisher:
    def __init__(self, clients: WorkspaceClients, store: SubscriptionStore) -> None:
        self.clients = clients
        self.store = store

    async def _publisher(self, subscription: Subscription) -> SlackPublisher | None:
        client = await self.clients.client_for(subscription.channel.workspace)
        return SlackPublisher(client, self.store) if client is not None else None

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        publisher = await self._publisher(subscription)
        if publisher is None:
            reason = (
                "paperbot is not installed in this Slack workspace any more: "
                "reinstall it, then /paper subscribe again"
            )
            await self.store.set_paused(subscription.channel, True, reason)
            return PublishResult("paused", (), start_at, "not_installed")
        return await publisher.publish(
            subscription, digest_messages(digest), delivery_id=key, start_at=start_at
        )

    async def posted_parts(self, subscription: Subscription, key: str) -> set[int]:
        publisher = await self._publisher(subscription)
        if publisher is None:
            return set()
        return await publisher.posted_parts(subscription.channel.channel, key)
