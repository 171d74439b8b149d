"""A loopback stand-in for Discord: the REST API and the gateway, speaking the real protocol.

One aiohttp server on 127.0.0.1 answers what discord.py calls (login `GET /users/@me`, its
application, `GET /gateway/bot`, the command sync `PUT`, interaction callbacks and webhook
follow-ups) and serves the gateway WebSocket: HELLO (op 10), IDENTIFY (op 2) checked against
the token, READY (op 0) with everything discord.py reads from it, heartbeat ACKs (op 11), then
the INTERACTION_CREATE payloads a test builds as Discord would send them: a member whose
`permissions` Discord resolved for the channel, the locale, the channel (or thread), and the
newer fields discord.py requires (`attachment_size_limit`, `context`, …).

Digests are posted to the server's text channel (CHANNEL_ID), a thread of it (THREAD_ID) or the
reader's DM (DM_CHANNEL_ID): each can be fetched, posted to and its history read, and a message in
the text channel can start a public thread (`POST /channels/{id}/messages/{id}/threads`), answered
as Discord does (a type 11 channel whose id is the message's; 400 with code 160004 for a second
thread on one message, 50024 outside a text channel) or refused as a test says (`thread_refusal`).
A test can stall one message post or thread request (`stall_message`, `stall_thread`) to stop the
bot mid-digest, as a crash would; a stalled request never takes effect.

    async with FakeDiscord() as discord_api:
        ...start the bot with Route.BASE = discord_api.api_url...
        await discord_api.wait_identified()
        sent = await discord_api.send(discord_api.command("lookup", query="unsubscribe all"))
        replies = await discord_api.replies(sent)

Facts it keeps (PLATFORM_FACTS.md): Content-Type is exactly `application/json` (discord.py
compares it without a charset); frames are text, so no zlib; a token other than the bot's is
401 on REST (discord.py raises LoginFailure) and close code 4004 on the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import WSMsgType, web

from bot.models import ChannelRef

FAKE_TOKEN = "MTEx.fake-paperbot.discord-token"
APPLICATION_ID = 900_000_000_000_000_001
BOT_ID = 900_000_000_000_000_002
GUILD_ID = 111
CHANNEL_ID = 222
THREAD_ID = 223
MEMBER_ID = 333
# A reader and their DM channel with the bot: snowflakes of real length, so the ids pass
# bot/ids.py and a digest is planned for them (personal digests, issue 19).
READER_ID = 900_000_000_000_000_333
DM_CHANNEL_ID = 900_000_000_000_000_444
# The same channels as paperbot names them (a subscription's channel).
IN_CHANNEL = ChannelRef("discord", str(GUILD_ID), str(CHANNEL_ID))
IN_THREAD = ChannelRef("discord", str(GUILD_ID), str(THREAD_ID))
IN_DM = ChannelRef("discord", "dm", str(DM_CHANNEL_ID))
CANNOT_DM_USER = 50007  # Discord's "Cannot send messages to this user"
MISSING_PERMISSIONS = 50013
WRONG_CHANNEL_TYPE = 50024  # "Cannot execute action on this channel type"
UNKNOWN_MESSAGE = 10008
THREAD_ALREADY_CREATED = 160004  # "A thread has already been created for this message"
HAS_THREAD = 1 << 5  # a message's flag once a thread was started from it
REPLY = 19  # the message type of a reply
MANAGE_CHANNELS = 1 << 4
ADMINISTRATOR = 1 << 3
VIEW_AND_SEND = (1 << 10) | (1 << 11)  # View Channel, Send Messages: an ordinary member
EPHEMERAL = 1 << 6
TIMESTAMP = "2026-11-20T09:00:00.000000+00:00"  # a fixed time: nothing here reads the clock
HEARTBEAT_INTERVAL_MS = 41_250  # what Discord sends
AUTHENTICATION_FAILED = 4004  # the gateway's close code for a bad token

_USER_FIELDS = {"discriminator": "0", "avatar": None, "global_name": None, "public_flags": 0}


def _json(data: Any, status: int = 200) -> web.Response:
    # Exactly `application/json`: web.json_response would add "; charset=utf-8", which
    # discord.py does not recognise as JSON.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


@dataclass(frozen=True, slots=True)
class Request:
    """One REST request as the fake received it."""

    method: str
    path: str
    body: Any
    authorization: str | None


@dataclass(slots=True)
class Reply:
    """What the bot answered an interaction: the callback, then every follow-up, in order."""

    kind: str  # "callback", "followup" or "edit"
    interaction_id: str
    body: dict[str, Any]

    @property
    def text(self) -> str:
        data = self.body.get("data", self.body) if self.kind == "callback" else self.body
        parts = [str(data.get("content") or "")]
        for embed in data.get("embeds") or []:
            parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        return "\n".join(part for part in parts if part)

    @property
    def ephemeral(self) -> bool:
        data = self.body.get("data", self.body) if self.kind == "callback" else self.body
        return bool(int(data.get("flags") or 0) & EPHEMERAL)


@dataclass
class FakeDiscord:
    token: str = FAKE_TOKEN
    requests: list[Request] = field(default_factory=list)
    replies_sent: list[Reply] = field(default_factory=list)
    synced: list[dict[str, Any]] = field(default_factory=list)
    identifies: list[dict[str, Any]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # routes the fake does not know
    # READY waits for this event when given (to observe the bot between IDENTIFY and READY).
    hold_ready: asyncio.Event | None = None
    # The gateway refuses the token the REST API accepted (a token reset in between): 4004.
    gateway_refuses: bool = False
    # `GET /gateway/bot`'s session_start_limit: the day's IDENTIFYs left (None: 1,000 less those
    # made), and the milliseconds until they reset.
    session_starts_left: int | None = None
    session_starts_reset_ms: int = 43_200_000
    # Messages the bot posted with `POST /channels/{id}/messages`, oldest first, by channel id.
    channel_posts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The reader closed their DMs to the bot: posting there is 403 with code 50007.
    dm_closed: bool = False
    # Threads started from messages (`POST …/messages/{id}/threads`), as Discord answered them.
    threads: list[dict[str, Any]] = field(default_factory=list)
    # (status, code) every thread request is refused with: (403, 50013) for an install without
    # Create Public Threads, (400, 160004) for "a thread already exists".
    thread_refusal: tuple[int, int] | None = None
    # The 0-based message post / thread request (counted over all channels) that stalls until
    # `release()`, then fails without taking effect: the bot stopped (crashed) while sending it.
    stall_message: int | None = None
    stall_thread: int | None = None
    stalled: bool = False
    # Discord is down: every REST call and the gateway answer this HTTP status (503) while it is
    # set, as during an outage; None: up.
    down: int | None = None

    def __post_init__(self) -> None:
        self._ids = itertools.count(950_000_000_000_000_000)
        self._sequence = itertools.count(2)
        self._sockets: list[web.WebSocketResponse] = []
        self._identified = asyncio.Event()
        self._changed = asyncio.Condition()
        self._tokens: dict[str, str] = {}  # interaction token -> interaction id
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._release = asyncio.Event()
        self._message_posts = itertools.count()
        self._thread_requests = itertools.count()

    @property
    def dm_posted(self) -> dict[str, list[dict[str, Any]]]:
        """What the bot posted into the reader's DM (by channel id, as `channel_posts`)."""
        dm = str(DM_CHANNEL_ID)
        return {channel: messages for channel, messages in self.channel_posts.items() if channel == dm}

    def release(self) -> None:
        """Let a stalled request finish (failing, without effect): the bot is gone by then."""
        self._release.set()

    # -- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.release()  # a request still stalled would hold up the server's shutdown
        for socket in list(self._sockets):
            with contextlib.suppress(Exception):
                await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """What `discord.http.Route.BASE` (and paperbot's DISCORD_API_URL) becomes."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def wait_identified(self, within: float = 10) -> None:
        await asyncio.wait_for(self._identified.wait(), within)

    async def wait_identifies(self, count: int, within: float = 10) -> None:
        """Until the gateway has seen `count` IDENTIFYs (a new session each: a reconnect)."""
        await self.until(lambda: len(self.identifies) >= count, within=within)

    async def drop_gateway(self, code: int = 1001) -> None:
        """Close every gateway connection, as Discord does when a gateway node goes away (1001):
        the client may resume or reconnect (a bad token's 4004 is `gateway_refuses`)."""
        for socket in list(self._sockets):
            await socket.close(code=code, message=b"Going away")

    # -- building what Discord sends -------------------------------------------------------------

    def member(self, *, permissions: int = VIEW_AND_SEND, user_id: int = MEMBER_ID) -> dict[str, Any]:
        """A guild member as an interaction carries it: `permissions` are those Discord resolved
        for this member in the interaction's channel, overwrites included."""
        return {
            "user": {"id": str(user_id), "username": f"member{user_id}", **_USER_FIELDS},
            "roles": [],
            "joined_at": TIMESTAMP,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "premium_since": None,
            "communication_disabled_until": None,
            "permissions": str(permissions),
        }

    def channel(self, *, thread: bool = False) -> dict[str, Any]:
        base = {"guild_id": str(GUILD_ID), "flags": 0, "last_message_id": None, "rate_limit_per_user": 0}
        if not thread:
            return {
                **base,
                "id": str(CHANNEL_ID),
                "type": 0,  # GUILD_TEXT
                "name": "papers",
                "position": 0,
                "parent_id": None,
                "nsfw": False,
                "topic": None,
                "permission_overwrites": [],
            }
        return {
            **base,
            "id": str(THREAD_ID),
            "type": 11,  # PUBLIC_THREAD
            "name": "reading group",
            "parent_id": str(CHANNEL_ID),
            "owner_id": str(MEMBER_ID),
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": TIMESTAMP,
                "locked": False,
                "invitable": True,
                "create_timestamp": TIMESTAMP,
            },
        }

    def dm_channel(self, user_id: int = READER_ID) -> dict[str, Any]:
        """The bot's DM channel with a user (type 1, DM), as interactions and GET /channels carry it."""
        user = {"id": str(user_id), "username": f"reader{user_id}", **_USER_FIELDS}
        return {
            "id": str(DM_CHANNEL_ID),
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [user],
        }

    def dm_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        locale: str = "en-US",
        user_id: int = READER_ID,
        context: int = 1,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload from a reader's DM with the bot (context 1, BOT_DM): no
        guild and no member, the `user` itself, and no permissions (Discord resolves none in a DM).
        `context=2` (PRIVATE_CHANNEL) is a DM between other people, where a user-installed app runs."""
        interaction_id, token = str(next(self._ids)), f"interaction-token-{next(self._ids)}"
        channel = self.dm_channel(user_id)
        payload: dict[str, Any] = {
            "id": interaction_id,
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "data": data,
            "channel_id": channel["id"],
            "channel": channel,
            "user": {"id": str(user_id), "username": f"reader{user_id}", **_USER_FIELDS},
            "token": token,
            "version": 1,
            "app_permissions": str(VIEW_AND_SEND | (1 << 14) | (1 << 16)),
            "locale": locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": "0"},
            "context": context,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        self._tokens[token] = interaction_id
        return payload

    def interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        permissions: int = VIEW_AND_SEND,
        locale: str = "en-US",
        thread: bool = False,
        user_id: int = MEMBER_ID,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload in a guild channel (or a thread of it)."""
        interaction_id, token = str(next(self._ids)), f"interaction-token-{next(self._ids)}"
        channel = self.channel(thread=thread)
        payload: dict[str, Any] = {
            "id": interaction_id,
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "data": data,
            "guild_id": str(GUILD_ID),
            "guild": {"id": str(GUILD_ID), "locale": "en-US", "features": []},
            "channel_id": channel["id"],
            "channel": channel,
            "member": self.member(permissions=permissions, user_id=user_id),
            "token": token,
            "version": 1,
            "app_permissions": str(VIEW_AND_SEND | (1 << 14) | (1 << 16) | (1 << 38)),
            "locale": locale,
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,  # GUILD
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        self._tokens[token] = interaction_id
        return payload

    def command(
        self,
        subcommand: str,
        /,
        **options: str | bool,
    ) -> dict[str, Any]:
        """The `data` of `/paper SUBCOMMAND option:value …` (a chat-input command)."""
        types = {str: 3, bool: 5}
        return {
            "id": str(next(self._ids)),
            "name": "paper",
            "type": 1,  # CHAT_INPUT
            "options": [
                {
                    "name": subcommand,
                    "type": 1,  # SUB_COMMAND
                    "options": [
                        {"name": name, "type": types[type(value)], "value": value}
                        for name, value in options.items()
                    ],
                }
            ],
        }

    def button_message(self, custom_id: str, *, thread: bool = False) -> dict[str, Any]:
        """A message of the bot's carrying one button (what a component interaction points at)."""
        channel = self.channel(thread=thread)
        return self._message(
            channel["id"],
            {
                "content": "",
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 2, "style": 2, "label": "👍", "custom_id": custom_id}],
                    }
                ],
            },
        )

    def button(self, custom_id: str) -> dict[str, Any]:
        return {"custom_id": custom_id, "component_type": 2}

    # -- talking to the bot ---------------------------------------------------------------------

    async def send(self, payload: dict[str, Any]) -> str:
        """Dispatch INTERACTION_CREATE over every open gateway connection; the interaction's id."""
        await self.dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway DISPATCH (op 0) event, e.g. GUILD_DELETE {"id": …}, to the bot."""
        assert self._sockets, "no gateway connection: start the bot and wait_identified() first"
        frame = {"op": 0, "t": event, "s": next(self._sequence), "d": data}
        for socket in self._sockets:
            await socket.send_str(json.dumps(frame))

    def replies_to(self, interaction_id: str) -> list[Reply]:
        return [reply for reply in self.replies_sent if reply.interaction_id == interaction_id]

    async def replies(self, interaction_id: str, *, count: int = 2, within: float = 10) -> list[Reply]:
        """Wait until the interaction has `count` replies (a deferral and a follow-up, say)."""
        await self.until(lambda: len(self.replies_to(interaction_id)) >= count, within=within)
        return self.replies_to(interaction_id)

    async def until(self, condition: Callable[[], bool], *, within: float = 10) -> None:
        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(condition)

        await asyncio.wait_for(wait(), within)

    # -- the gateway ----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self.down is not None:
            return _json({"message": "Service Unavailable", "code": 0}, self.down)
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        try:
            await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}))
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    break
                frame = json.loads(message.data)
                if frame["op"] == 1:  # HEARTBEAT
                    await socket.send_str(json.dumps({"op": 11}))
                elif frame["op"] == 2:  # IDENTIFY
                    if self.gateway_refuses or frame["d"].get("token") != self.token:
                        await socket.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
                        break
                    self.identifies.append(frame["d"])
                    self._identified.set()
                    async with self._changed:
                        self._changed.notify_all()
                    if self.hold_ready is not None:
                        await self.hold_ready.wait()
                    await socket.send_str(json.dumps(self._ready()))
        finally:
            self._sockets.remove(socket)
        return socket

    def _ready(self) -> dict[str, Any]:
        return {
            "op": 0,
            "t": "READY",
            "s": 1,
            "d": {
                "v": 10,
                "user": self._bot_user(),
                "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                "session_id": "fake-session",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(APPLICATION_ID), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "user_settings": {},
                "session_type": "normal",
            },
        }

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": str(BOT_ID),
            "username": "paperbot",
            "bot": True,
            "verified": True,
            "flags": 0,
            **_USER_FIELDS,
        }

    # -- REST -----------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await self._body(request)
        authorization = request.headers.get("Authorization")
        self.requests.append(Request(request.method, path, body, authorization))
        parts = path.strip("/").split("/")
        if self.down is not None:
            return _json({"message": "Service Unavailable", "code": 0}, self.down)
        response = await self._route(request.method, parts, body, authorization)
        async with self._changed:
            self._changed.notify_all()
        return response

    async def _body(self, request: web.Request) -> Any:
        if not request.can_read_body:
            return None
        if request.content_type == "multipart/form-data":
            form = await request.post()
            return json.loads(str(form["payload_json"]))
        return json.loads(await request.text())

    async def _route(
        self, method: str, parts: list[str], body: Any, authorization: str | None
    ) -> web.Response:
        webhook = parts[0] in ("interactions", "webhooks")  # authorised by the interaction token
        if not webhook and authorization != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        match method, parts:
            case "GET", ["users", "@me"]:
                return _json(self._bot_user())
            case "GET", ["oauth2", "applications", "@me"]:
                return _json(self._application())
            case "GET", ["gateway", "bot"]:
                left = self.session_starts_left
                left = 1000 - len(self.identifies) if left is None else left
                limit = {
                    "total": 1000,
                    "remaining": left,
                    "reset_after": self.session_starts_reset_ms,
                    "max_concurrency": 1,
                }
                return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})
            case "GET", ["gateway"]:
                return _json({"url": self.gateway_url})
            case "PUT", ["applications", _, "commands"] | ["applications", _, "guilds", _, "commands"]:
                self.synced = [self._registered(command, parts) for command in body]
                return _json(self.synced)
            case "POST", ["interactions", interaction_id, token, "callback"]:
                if self._tokens.get(token) != interaction_id:
                    return _json({"message": "Unknown interaction", "code": 10062}, 404)
                self.replies_sent.append(Reply("callback", interaction_id, body))
                return _json(self._callback(interaction_id, body))
            case "POST", ["webhooks", application_id, token] if application_id == str(APPLICATION_ID):
                if token not in self._tokens:
                    return _json({"message": "Unknown Webhook", "code": 10015}, 404)
                self.replies_sent.append(Reply("followup", self._tokens[token], body))
                return _json(self._message(None, body))
            case "PATCH", ["webhooks", application_id, token, "messages", _] if token in self._tokens:
                self.replies_sent.append(Reply("edit", self._tokens[token], body))
                return _json(self._message(None, body))
            # Where digests go: fetched, posted to, their history read.
            case "GET", ["channels", channel] if channel in self._channels():
                return _json(self._channels()[channel])
            case "POST", ["channels", channel, "messages"] if channel in self._channels():
                if next(self._message_posts) == self.stall_message:
                    return await self._stall()
                if self.dm_closed and channel == str(DM_CHANNEL_ID):
                    refusal = {"message": "Cannot send messages to this user", "code": CANNOT_DM_USER}
                    return _json(refusal, 403)
                message = self._message(channel, body)
                self.channel_posts.setdefault(channel, []).append(message)
                return _json(message)
            case "GET", ["channels", channel, "messages"] if channel in self._channels():
                return _json(list(reversed(self.channel_posts.get(channel, []))))  # newest first
            case "POST", ["channels", channel, "messages", message_id, "threads"] if (
                channel in self._channels()
            ):
                if next(self._thread_requests) == self.stall_thread:
                    return await self._stall()
                return self._start_thread(channel, message_id, body)
        self.unknown.append(f"{method} /{'/'.join(parts)}")
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _channels(self) -> dict[str, dict[str, Any]]:
        channels = (self.channel(), self.channel(thread=True), self.dm_channel())
        return {channel["id"]: channel for channel in channels}

    async def _stall(self) -> web.Response:
        self.stalled = True
        async with self._changed:
            self._changed.notify_all()
        await self._release.wait()
        return _json({"message": "upstream connect error", "code": 0}, 503)

    def _start_thread(self, channel: str, message_id: str, body: dict[str, Any]) -> web.Response:
        """Start Thread from Message: a public thread (type 11) whose id is the message's."""
        if self.thread_refusal is not None:
            status, code = self.thread_refusal
            return _json({"message": "refused by the test", "code": code}, status)
        if channel != str(CHANNEL_ID):  # a thread or a DM holds no threads
            return _json(
                {"message": "Cannot execute action on this channel type", "code": WRONG_CHANNEL_TYPE}, 400
            )
        message = next((m for m in self.channel_posts.get(channel, []) if m["id"] == message_id), None)
        if message is None:
            return _json({"message": "Unknown Message", "code": UNKNOWN_MESSAGE}, 404)
        if message["flags"] & HAS_THREAD:
            already = {
                "message": "A thread has already been created for this message",
                "code": THREAD_ALREADY_CREATED,
            }
            return _json(already, 400)
        thread = self.channel(thread=True)
        thread.update(
            id=message_id,
            name=body["name"],
            parent_id=channel,
            owner_id=str(BOT_ID),
            member_count=0,
            rate_limit_per_user=body.get("rate_limit_per_user") or 0,
        )
        thread["thread_metadata"] = {
            **thread["thread_metadata"],
            "auto_archive_duration": body.get("auto_archive_duration", 4320),
        }
        message["flags"] |= HAS_THREAD
        self.threads.append(thread)
        return _json(thread, 201)

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(APPLICATION_ID),
            "name": "paperbot",
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": {"id": "1", "username": "owner", **_USER_FIELDS},
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
            "interactions_endpoint_url": None,
        }

    def _registered(self, command: dict[str, Any], parts: list[str]) -> dict[str, Any]:
        registered = {
            "id": str(next(self._ids)),
            "application_id": str(APPLICATION_ID),
            "version": "1",
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            **command,
        }
        if "guilds" in parts:
            registered["guild_id"] = parts[3]
        return registered

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """The `with_response` answer: the interaction and the message it created, if any."""
        kind, data = body["type"], body.get("data") or {}
        flags = int(data.get("flags") or 0)
        resource: dict[str, Any] = {"type": kind}
        if kind == 4:  # CHANNEL_MESSAGE_WITH_SOURCE
            resource["message"] = self._message(None, data)
        return {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_id": str(next(self._ids)),
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & EPHEMERAL),
            },
            "resource": resource,
        }

    def _message(self, channel_id: str | None, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(next(self._ids)),
            "channel_id": channel_id or str(CHANNEL_ID),
            "author": self._bot_user(),
            "content": data.get("content") or "",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": data.get("embeds") or [],
            "components": data.get("components") or [],
            "pinned": False,
            "type": REPLY if data.get("message_reference") else 0,
            "flags": int(data.get("flags") or 0),
            "application_id": str(APPLICATION_ID),
            **(
                {"message_reference": _reference(data["message_reference"])}
                if data.get("message_reference")
                else {}
            ),
        }


def _reference(reference: dict[str, Any]) -> dict[str, Any]:
    """A reply's `message_reference` as Discord echoes it: snowflakes as strings."""
    return {key: str(value) if key.endswith("_id") else value for key, value in reference.items()}
