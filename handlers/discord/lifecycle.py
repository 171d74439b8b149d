"""Discord's lifecycle events: the bot leaving a server, and channels or threads deleted.

`GUILD_DELETE` (the bot left, was kicked or banned, or the server was deleted) and
`CHANNEL_DELETE` / `THREAD_DELETE` need only the non-privileged guilds intent. Each is turned
into a `bot.chat.channel_changes` call with the Discord wording of the reason (the publisher's pause
catalogue), so the channel's owner reads the same kind of reason as for a refused post.
A server that is merely unavailable (a Discord outage) is not a removal: discord.py reports that
as `on_guild_unavailable`, which paperbot ignores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.chat.channel_changes import Gone, Reasons, channel_gone, workspace_gone
from bot.ids import DISCORD_DM_WORKSPACE
from bot.models import ChannelRef
from bot.store.subscriptions import SubscriptionStore
from handlers.discord.publisher import pause_reason

if TYPE_CHECKING:
    from bot.delivery.loud_failures import Notices


def discord_reasons(code: str) -> Reasons:
    """The paused_reason of each kind, naming the gateway event `code` that caused it."""
    causes = {Gone.DELETED: "channel_deleted", Gone.UNINSTALLED: "left_server"}

    def reason(kind: Gone, locale: str) -> str:
        return pause_reason(causes.get(kind, "missing_access"), code, locale)

    return reason


async def server_left(store: SubscriptionStore, guild_id: int, notices: Notices | None = None) -> int:
    """paperbot is no longer in the server: pause every channel of it; how many. `notices`: the
    operator hears of each (the bot may share no server with their creators any more)."""
    code = "GUILD_DELETE"
    return await workspace_gone(
        store, "discord", str(guild_id), Gone.UNINSTALLED, discord_reasons(code), notices, error=code
    )


async def channel_deleted(
    store: SubscriptionStore,
    guild_id: int | None,
    channel_id: int,
    code: str = "CHANNEL_DELETE",
    notices: Notices | None = None,
) -> bool:
    """A channel or thread was deleted: pause its subscription; whether it had one. `notices`:
    the operator and the channel's creator hear of it."""
    guild = str(guild_id) if guild_id else DISCORD_DM_WORKSPACE
    ref = ChannelRef("discord", guild, str(channel_id))
    return await channel_gone(store, ref, Gone.DELETED, discord_reasons(code), notices, error=code)
