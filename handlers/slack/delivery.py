"""Slack digests for the delivery outbox: render, pick the workspace's client, publish."""

from __future__ import annotations

from bot.errors import PlatformUnavailable
from bot.models import ChannelRef, DigestSettings, Subscription
from bot.ports import NotifyResult, PublishResult, Recipient
from bot.ranking.digest import Digest
from bot.store.subscriptions import SubscriptionStore
from handlers.slack.blocks import digest_messages
from handlers.slack.messages import SlackMessage
from handlers.slack.oauth import WorkspaceClients
from handlers.slack.publisher import (
    PERMANENT_ERRORS,
    SlackHistoryError,
    SlackPublisher,
    is_outage,
    pause_reason,
    retried_while_paused,
)

# Rendered digests kept per publisher: a pass sends the same few digests to many channels.
RENDERED_KEPT = 64


class SlackDigestPublisher:
    def __init__(self, clients: WorkspaceClients, store: SubscriptionStore) -> None:
        self.clients = clients
        self.store = store
        self._rendered: dict[tuple[int, bool, str], tuple[Digest, list[SlackMessage]]] = {}
        self._no_threads: set[ChannelRef] = set()  # learnt by this process's publishers (NO_THREADS)

    def _messages(self, digest: Digest, settings: DigestSettings) -> list[SlackMessage]:
        # The delivery pass hands every channel with the same interests the same Digest object;
        # keyed by identity (and holding the digest, so its id cannot be reused meanwhile) and
        # by how the channel's cards look.
        key = (id(digest), settings.images, settings.layout)
        kept = self._rendered.get(key)
        if kept is None:
            if len(self._rendered) >= RENDERED_KEPT:
                self._rendered.pop(next(iter(self._rendered)))
            messages = digest_messages(digest, images=settings.images, layout=settings.layout)
            kept = self._rendered[key] = (digest, messages)
        return kept[1]

    async def _publisher(self, subscription: Subscription) -> SlackPublisher | None:
        client = await self.clients.client_for(subscription.channel.workspace)
        return SlackPublisher(client, self.store, self._no_threads) if client is not None else None

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        publisher = await self._publisher(subscription)
        if publisher is None:
            reason = pause_reason("not_installed", subscription.locale)
            await self.store.set_paused(subscription.channel, True, reason)
            return PublishResult("paused", (), start_at, "not_installed")
        return await publisher.publish(
            subscription, self._messages(digest, subscription.settings), delivery_id=key, start_at=start_at
        )

    def retries_paused(self, subscription: Subscription) -> bool:
        """A channel paused because its posting permissions keep paperbot out is tried at each due
        digest (bot/ports.py RetriesPaused): Slack sends no event when they change."""
        return retried_while_paused(subscription.paused_reason)

    def part_papers(self, subscription: Subscription, digest: Digest, *, key: str) -> list[tuple[str, ...]]:
        """The papers of each message `publish` would post (bot/delivery/decided.py)."""
        return [message.papers for message in self._messages(digest, subscription.settings)]

    async def posted_parts(self, subscription: Subscription, key: str) -> set[int]:
        publisher = await self._publisher(subscription)
        if publisher is None:
            return set()
        try:
            return await publisher.posted_parts(subscription.channel.channel, key)
        except SlackHistoryError as exc:
            if is_outage(exc.code):
                # Slack down, not the channel: the outbox waits it out without using an attempt.
                raise PlatformUnavailable(str(exc)) from exc
            if exc.code not in PERMANENT_ERRORS:
                raise
            # The channel is gone or closed to paperbot (removed, archived, token revoked) since
            # the attempt this one resumes: nothing more can be posted there, and `publish` meets
            # the same refusal at its first post and pauses the channel, telling whom it tells.
            return set()

    async def notify(self, recipient: Recipient, text: str) -> NotifyResult:
        """A notice (bot/delivery/loud_failures.py) to a channel, or by DM to a person, in the
        recipient's workspace."""
        client = await self.clients.client_for(recipient.workspace)
        if client is None:
            return NotifyResult(False, "not_installed", permanent=True)
        return await SlackPublisher(client, self.store).notify(recipient.user or recipient.channel, text)

    def mention(self, channel: ChannelRef) -> str:
        return f"<#{channel.channel}>"
