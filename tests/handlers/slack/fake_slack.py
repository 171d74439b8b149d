"""A loopback stand-in for Slack's Web API, speaking real HTTP to a real `AsyncWebClient`.

`AsyncWebClient` talks through aiohttp, so httpx mocks never see it; this small aiohttp server
on 127.0.0.1 answers the methods paperbot uses, records every call, checks the bearer token and
message payloads the way Slack does, and replays scripted failures (429 with Retry-After, 5xx,
`{"ok": false, "error": …}` bodies, dropped connections) so retry and pause paths can be tested.

    async with FakeSlack(users=[FakeUser("U1", is_admin=True)]) as slack:
        client = AsyncWebClient(token=FAKE_TOKEN, base_url=slack.base_url)
        slack.rate_limit("chat.postMessage", retry_after=0)
        ...
        assert slack.calls_to("chat.postMessage")[0].params["metadata"]["event_type"] == ...
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from slack_sdk.models.attachments import BlockAttachment
from slack_sdk.models.blocks import Block, HeaderBlock
from slack_sdk.models.views import View

FAKE_TOKEN = "xoxb-fake-paperbot"
FAKE_APP_TOKEN = "xapp-1-A0PAPERBOT-1-fakeapptoken"
# Slack's documented limits that the fake enforces (see PLATFORM_FACTS.md, Slack section).
MAX_BLOCKS = 50
# Slack rejects "very long" block payloads somewhere around 11–13k characters; 12,000 is the
# midpoint, so a message the fake accepts is unlikely to be rejected for length by Slack.
MAX_BLOCKS_JSON_CHARS = 12_000
HISTORY_DEFAULT_LIMIT = 100  # conversations.history's documented default page size
HISTORY_MAX_LIMIT = 999  # …and its documented maximum

# Fields slack_sdk (or a form-encoded caller) sends as JSON strings.
_JSON_FIELDS = ("blocks", "metadata", "view", "attachments", "unfurls")
# chat.unfurl's `source`, with `unfurl_id` instead of channel + ts.
_UNFURL_SOURCES = ("composer", "conversations_history")
_CONVERSATION_TYPES = {"public_channel", "private_channel", "mpim", "im"}
_MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update"}


@dataclass(frozen=True, slots=True)
class Call:
    """One request as the fake received it; `params` merges query, form and JSON body."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    http_method: str


@dataclass(frozen=True, slots=True)
class Unfurled:
    """One accepted chat.unfurl: where (channel + ts, or unfurl_id + source) and each URL's attachment."""

    target: dict[str, str]
    unfurls: dict[str, dict[str, Any]]


OUTAGE_PAGE = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"


@dataclass(frozen=True, slots=True)
class Failure:
    """A scripted answer that replaces the method's normal one."""

    status: int = 200
    error: str | None = None  # the body {"ok": false, "error": …}
    retry_after: int | None = None  # sent as the Retry-After header
    body: str | None = None  # a raw, non-JSON body (what a load balancer sends with a 5xx)
    content_type: str = "text/html"  # of `body`: application/json makes it JSON that does not parse
    disconnect: bool = False  # close the connection without answering


@dataclass(slots=True)
class FakeUser:
    id: str
    name: str = "someone"
    is_admin: bool = False
    is_owner: bool = False
    locale: str = "en-US"
    tz: str = "UTC"
    # Who the person is to this workspace, as users.info says it: a guest, someone whose home is
    # another workspace (a Slack Connect member: `team`, default this fake's), a Grid org member
    # (`enterprise_teams`: the org's workspaces they belong to), a deactivated account, a bot.
    team: str | None = None
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    is_stranger: bool = False
    deleted: bool = False
    is_bot: bool = False
    enterprise_teams: tuple[str, ...] = ()
    org_admin: bool = False  # an admin of the Grid org (enterprise_user.is_admin)


@dataclass(frozen=True, slots=True)
class _Kind:
    archived: bool = False
    ext_shared: bool = False
    mpim: bool = False


@dataclass(slots=True)
class _Script:
    failure: Failure
    remaining: int | None  # None: every matching call until cleared
    channel: str | None  # None: any channel
    when: Callable[[dict[str, Any]], bool] | None  # None: any params

    def matches(self, params: dict[str, Any]) -> bool:
        if self.channel is not None and params.get("channel") != self.channel:
            return False
        return self.when is None or self.when(params)


@dataclass(slots=True)
class _Stored:
    channel: str
    ts: str
    text: str
    blocks: list[Any] | None = None
    metadata: dict[str, Any] | None = None
    user: str | None = None
    thread_ts: str | None = None  # a reply: the ts of its thread's parent
    reply_count: int = 0  # a parent: how many replies its thread holds

    def as_message(self, *, with_metadata: bool) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        if self.user:
            message["user"] = self.user
        # As Slack lists them: a reply and a parent with replies carry thread_ts; a parent, its count.
        if self.thread_ts is not None:
            message["thread_ts"] = self.thread_ts
        elif self.reply_count:
            message["thread_ts"] = self.ts
            message["reply_count"] = self.reply_count
        if self.blocks:
            message["blocks"] = self.blocks
        if with_metadata and self.metadata is not None:
            message["metadata"] = self.metadata
        return message


@dataclass
class FakeSlack:
    """The fake server; start it with `async with` (or `await start()` / `await close()`)."""

    tokens: Iterable[str] = (FAKE_TOKEN,)
    users: Iterable[FakeUser] = ()
    team_id: str = "T0FAKE"
    bot_user_id: str = "UPAPERBOT"
    bot_id: str = "BPAPERBOT"
    clock: Callable[[], float] = time.time
    calls: list[Call] = field(default_factory=list, init=False, repr=False)
    # What a command's or action's `respond()` posted to its response_url, in order.
    responses: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False)
    base_url: str = field(default="", init=False)
    root: str = field(default="", init=False)
    # The OAuth code a browser brings back to /slack/oauth_redirect, and the workspace it installs.
    oauth_code: str = "code-from-slack"
    install_team: str = "T0INSTALL"
    # Off only where the double must cost next to nothing (the delivery benchmark, which checks
    # every stored message with `message_problem` after its timed span instead).
    check_payloads: bool = True
    # Socket Mode: the app-level tokens apps.connections.open accepts, and every frame the bot
    # sent back over the WebSocket (acknowledgements), in order.
    app_tokens: Iterable[str] = (FAKE_APP_TOKEN,)
    socket_frames: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False)
    # Every chat.unfurl the fake accepted, in order.
    unfurled: list[Unfurled] = field(default_factory=list, init=False, repr=False)
    # Slack is down: every Web API call and the Socket Mode WebSocket answer this HTTP status
    # (503) while it is set, with a load balancer's HTML page, as during an outage; None: up.
    down: int | None = None

    def __post_init__(self) -> None:
        self._tokens = set(self.tokens)
        self._app_tokens = set(self.app_tokens)
        self._sockets: list[web.WebSocketResponse] = []
        self._envelopes = 0
        self._users = {user.id: user for user in self.users}
        self._scripts: dict[str, list[_Script]] = {}
        self._delays: dict[str, float] = {}
        self._messages: list[_Stored] = []
        # channel → (is private, its members): what users.conversations answers from.
        self._channels: dict[str, tuple[bool, set[str]]] = {}
        # channel → what conversations.info says of it besides privacy and membership.
        self._kinds: dict[str, _Kind] = {}
        self._last_micros = 0
        self._runner: web.AppRunner | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/respond/{hook}", self._respond)
        app.router.add_get("/_fake/state", self._state)
        app.router.add_get("/link/", self._socket_mode)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)  # port 0: the OS picks a free one
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}/api/"
        self.root = f"http://{host}:{port}"

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- scripting ---------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        failure: Failure,
        *,
        times: int | None = 1,
        channel: str | None = None,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (to `channel`, and for which `when(params)`
        holds, if given) with `failure`. `times=None` fails every matching call until
        `clear_failures`; scripts are consumed in the order they were added."""
        self._scripts.setdefault(method, []).append(_Script(failure, times, channel, when))

    def rate_limit(self, method: str, *, retry_after: int = 1, **match: Any) -> None:
        """HTTP 429 with Retry-After, as Slack answers a method called too often."""
        self.fail(method, Failure(429, "ratelimited", retry_after), **match)

    def server_error(self, method: str, *, status: int = 503, **match: Any) -> None:
        """A 5xx with an HTML body, as a load balancer in front of Slack sends it."""
        body = f"<html><body><h1>{status} Service Unavailable</h1></body></html>"
        self.fail(method, Failure(status, body=body), **match)

    def slack_error(self, method: str, error: str, **match: Any) -> None:
        """HTTP 200 with {"ok": false, "error": error}: how Slack reports most failures."""
        self.fail(method, Failure(error=error), **match)

    def disconnect(self, method: str, **match: Any) -> None:
        """Close the connection after reading the request, without answering."""
        self.fail(method, Failure(disconnect=True), **match)

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of `method` only after `seconds` (a slow Slack: work in flight)."""
        self._delays[method] = seconds

    def clear_failures(self) -> None:
        self._scripts.clear()

    def add_user(self, user: FakeUser) -> None:
        self._users[user.id] = user

    def join(self, channel: str, *users: str, private: bool = False) -> None:
        """Make `users` members of `channel` (paperbot itself is `bot_user_id`), public or private."""
        _, members = self._channels.setdefault(channel, (private, set()))
        self._channels[channel] = (private, members | set(users))

    def describe(
        self, channel: str, *, archived: bool = False, ext_shared: bool = False, mpim: bool = False
    ) -> None:
        """What conversations.info says of `channel` besides who is in it (`join`): archived, a
        Slack Connect channel (shared with another organisation), or a group DM (private)."""
        private, members = self._channels.get(channel, (mpim, set()))
        self._channels[channel] = (private or mpim, members)
        self._kinds[channel] = _Kind(archived, ext_shared, mpim)

    def seed_message(
        self, channel: str, text: str, *, metadata: dict[str, Any] | None = None, user: str = "UOTHER"
    ) -> str:
        """Put a message in a channel's history as if someone had posted it; returns its ts."""
        return self._store(channel, text, None, metadata, user).ts

    # -- inspection --------------------------------------------------------------------------

    def calls_to(self, method: str, *, channel: str | None = None) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.method == method and (channel is None or call.params.get("channel") == channel)
        ]

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """A channel's stored messages (thread replies too), oldest first, with their metadata."""
        return [m.as_message(with_metadata=True) for m in self._messages if m.channel == channel]

    @staticmethod
    def dm_channel(user_id: str) -> str:
        """The IM channel id the fake gives a DM posted with `channel=<user id>`."""
        return "D" + user_id[1:]

    # -- the server --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(Call(method, params, dict(request.headers), request.method))
        if self.down is not None:
            return _failure_response(request, Failure(self.down, body=OUTAGE_PAGE))
        if method in self._delays:
            await asyncio.sleep(self._delays[method])
        failure = self._next_failure(method, params)
        if failure is not None:
            return _failure_response(request, failure)
        if (problem := self._auth_problem(request, params)) is not None:
            return _error(problem)
        answer = self._answers().get(method)
        if answer is None:
            return _error("unknown_method")
        return web.json_response(answer(params))

    async def _state(self, _request: web.Request) -> web.StreamResponse:
        """What a test in another process needs: every stored message and the calls per method."""
        calls: dict[str, int] = {}
        for call in self.calls:
            calls[call.method] = calls.get(call.method, 0) + 1
        messages = [{"channel": m.channel, **m.as_message(with_metadata=True)} for m in self._messages]
        # The double's CPU time, so a benchmark can tell whether it or the bot was the bottleneck.
        return web.json_response({"messages": messages, "calls": calls, "cpu_seconds": time.process_time()})

    def _oauth_access(self, params: dict[str, Any]) -> dict[str, Any]:
        """The token exchange at the end of an install: a new bot token for `install_team`."""
        token = f"xoxb-installed-{self.install_team}"
        self._tokens.add(token)
        return {
            "ok": True,
            "app_id": "A0PAPERBOT",
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.install_team, "name": "Installed Lab"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "U0INSTALLER"},
        }

    def response_url(self, hook: str = "cmd") -> str:
        """A response_url for a command or action payload; posts to it land in `responses`."""
        return f"{self.root}/respond/{hook}"

    async def _respond(self, request: web.Request) -> web.StreamResponse:
        # response_url answers are checked like messages: Slack rejects bad blocks there too.
        payload = await request.json()
        problem = message_problem({"text": payload.get("text"), "blocks": payload.get("blocks")})
        if problem is not None:
            return web.json_response(_body(*problem), status=400)
        self.responses.append({"hook": request.match_info["hook"], **payload})
        return web.json_response({"ok": True})

    def _next_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        scripts = self._scripts.get(method, [])
        for script in scripts:
            if not script.matches(params):
                continue
            if script.remaining is not None:
                script.remaining -= 1
                if script.remaining <= 0:
                    scripts.remove(script)
            return script.failure
        return None

    def _auth_problem(self, request: web.Request, params: dict[str, Any]) -> str | None:
        if request.match_info["method"] == "oauth.v2.access":
            # Exchanged with the app's client id and secret (basic auth), not a token.
            return None if params.get("code") == self.oauth_code else "invalid_code"
        if request.match_info["method"] == "api.test":
            return None  # needs no token
        header = request.headers.get("Authorization", "")
        token = (
            header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else params.get("token")
        )
        if not token:
            return "not_authed"
        if request.match_info["method"] == "apps.connections.open":
            # Only an app-level token opens a Socket Mode connection.
            if token in self._app_tokens:
                return None
            return "not_allowed_token_type" if token in self._tokens else "invalid_auth"
        return None if token in self._tokens else "invalid_auth"

    def _answers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "api.test": lambda params: {"ok": True, "args": params},
            "apps.connections.open": self._connections_open,
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.getPermalink": self._permalink,
            "chat.unfurl": self._unfurl,
            "conversations.history": self._history,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "conversations.replies": self._replies,
            "users.info": self._user_info,
            "users.conversations": self._users_conversations,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "oauth.v2.access": self._oauth_access,
        }

    # -- Socket Mode ---------------------------------------------------------------------------

    def _connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        ws_root = self.root.replace("http://", "ws://", 1)
        return {"ok": True, "url": f"{ws_root}/link/?ticket=fake-ticket-{len(self.calls)}"}

    async def _socket_mode(self, request: web.Request) -> web.StreamResponse:
        """Slack's end of a Socket Mode connection: `hello` first, then envelopes sent by
        `send_envelope`; every frame the bot sends back is recorded in `socket_frames`."""
        if self.down is not None:
            return _failure_response(request, Failure(self.down, body=OUTAGE_PAGE))
        socket = web.WebSocketResponse()  # answers the client's pings itself, as Slack does
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
                "connection_info": {"app_id": "A0PAPERBOT"},
            }
        )
        try:
            async for frame in socket:
                if frame.type == WSMsgType.TEXT:
                    with contextlib.suppress(json.JSONDecodeError):
                        self.socket_frames.append(json.loads(frame.data))
        finally:
            self._sockets.remove(socket)
        return socket

    @property
    def socket_connected(self) -> bool:
        return bool(self._sockets)

    async def send_envelope(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = True
    ) -> str:
        """Deliver one request over the newest Socket Mode connection; returns its envelope_id
        (the bot acknowledges with a frame carrying it)."""
        self._envelopes += 1
        envelope_id = f"fake-envelope-{self._envelopes}"
        envelope: dict[str, Any] = {"envelope_id": envelope_id, "type": kind, "payload": payload}
        if kind != "events_api":
            envelope["accepts_response_payload"] = accepts_response_payload
        await self._sockets[-1].send_json(envelope)
        return envelope_id

    def ack_for(self, envelope_id: str) -> dict[str, Any] | None:
        """The bot's acknowledgement of an envelope, once it arrived."""
        return next((f for f in self.socket_frames if f.get("envelope_id") == envelope_id), None)

    # -- methods -----------------------------------------------------------------------------

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": "Fake Team",
            "user": "paperbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
        }

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if not channel:
            return _body("channel_not_found")
        if self.check_payloads and (problem := message_problem(params)) is not None:
            return _body(*problem)
        # A DM posted to a user id lands in that user's IM channel, as on Slack.
        if channel[:1] in {"U", "W"}:
            channel = self.dm_channel(channel)
        parent: _Stored | None = None
        if params.get("thread_ts"):
            # Slack threads a reply under the thread's parent (a reply's ts names its parent's thread).
            found = self._find(channel, str(params["thread_ts"]))
            if found is None:
                return _body("thread_not_found")
            parent = self._find(channel, found.thread_ts) if found.thread_ts else found
            assert parent is not None
        stored = self._store(
            channel, str(params.get("text") or ""), params.get("blocks"), params.get("metadata")
        )
        if parent is not None:
            stored.thread_ts = parent.ts
            parent.reply_count += 1
        return {
            "ok": True,
            "channel": channel,
            "ts": stored.ts,
            "message": stored.as_message(with_metadata=True),
        }

    def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            return _body("channel_not_found")
        if not params.get("user"):
            return _body("user_not_found")
        if (problem := message_problem(params)) is not None:
            return _body(*problem)
        # Ephemeral messages never appear in conversations.history.
        return {"ok": True, "message_ts": self._next_ts()}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._find(str(params.get("channel") or ""), str(params.get("ts") or ""))
        if stored is None:
            return _body("message_not_found")
        if (problem := message_problem(params)) is not None:
            return _body(*problem)
        stored.text = str(params.get("text") or "")
        stored.blocks = params.get("blocks")
        if params.get("metadata") is not None:
            stored.metadata = params["metadata"]
        return {"ok": True, "channel": stored.channel, "ts": stored.ts, "text": stored.text}

    def _unfurl(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.unfurl as Slack checks it: the message by channel + ts (it must exist and hold every
        URL) or the link by unfurl_id + source; `unfurls` a map of URL → attachment whose blocks
        pass the same checks as a message's, all of them together within one message's limits."""
        target: dict[str, str]
        message: _Stored | None = None
        if params.get("unfurl_id") or params.get("source"):
            if not (params.get("unfurl_id") and params.get("source")):
                return _body("invalid_arguments", "unfurl_id and source must be provided together")
            if params["source"] not in _UNFURL_SOURCES:
                return _body("invalid_arguments", f"source must be one of {', '.join(_UNFURL_SOURCES)}")
            target = {"unfurl_id": str(params["unfurl_id"]), "source": str(params["source"])}
        else:
            if not params.get("channel"):
                return _body("missing_channel")
            if not params.get("ts"):
                return _body("missing_ts")
            message = self._find(str(params["channel"]), str(params["ts"]))
            if message is None:
                return _body("cannot_find_message")
            target = {"channel": message.channel, "ts": message.ts}
        unfurls = params.get("unfurls")
        if unfurls is None:
            return _body("missing_unfurls")
        if (
            not isinstance(unfurls, dict)
            or not unfurls
            or not all(isinstance(a, dict) for a in unfurls.values())
        ):
            return _body("invalid_unfurls_format", "unfurls must map URLs to attachments")
        if message is not None and any(str(url) not in message.text for url in unfurls):
            return _body("cannot_unfurl_message")
        if self.check_payloads:
            for url, attachment in unfurls.items():
                if (detail := attachment_problem(attachment)) is not None:
                    return _body("invalid_attachments", f"{url}: {detail}")
            together = [block for attachment in unfurls.values() for block in attachment.get("blocks") or ()]
            if together and (problem := blocks_problem(together)) is not None:
                return _body(*problem)
        self.unfurled.append(Unfurled(target, unfurls))
        return {"ok": True}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """The app's IM with one person (`users=U…`), as `dm_channel` names it: what Slack answers
        with im:write (a comma-separated list would open a group DM, which paperbot never asks)."""
        users = str(params.get("users") or "")
        if not users or "," in users or users[:1] not in {"U", "W"}:
            return _body("users_not_found")
        return {"ok": True, "channel": {"id": self.dm_channel(users)}}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.info as Slack answers paperbot's token (channels:read, groups:read): any
        public channel, with `is_member`; a private channel only when paperbot is in it, else
        channel_not_found; a group DM missing_scope (paperbot has no mpim:read). A channel the
        test never declared (`join`, `describe`) is a public one paperbot is in, as chat.postMessage
        here lets paperbot post anywhere."""
        channel = str(params.get("channel") or "")
        if not channel:
            return _body("channel_not_found")
        private, members = self._channels.get(channel, (False, {self.bot_user_id}))
        kind = self._kinds.get(channel, _Kind())
        if kind.mpim:
            return {**_body("missing_scope"), "needed": "mpim:read", "provided": "channels:read,groups:read"}
        member = self.bot_user_id in members
        if private and not member:
            return _body("channel_not_found")
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "is_channel": not private,
                "is_group": private,
                "is_im": False,
                "is_mpim": False,
                "is_private": private,
                "is_archived": kind.archived,
                "is_shared": kind.ext_shared,
                "is_ext_shared": kind.ext_shared,
                "is_member": member,
            },
        }

    def _permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._find(str(params.get("channel") or ""), str(params.get("message_ts") or ""))
        if stored is None:
            return _body("message_not_found")
        permalink = f"https://fake.slack.test/archives/{stored.channel}/p{stored.ts.replace('.', '')}"
        return {"ok": True, "channel": stored.channel, "permalink": permalink}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if not channel:
            return _body("channel_not_found")
        inclusive = _truthy(params.get("inclusive"))
        oldest = float(params.get("oldest") or 0)
        latest = float(params["latest"]) if params.get("latest") else None
        newest_first = sorted(
            (
                m
                for m in self._messages
                if m.channel == channel
                and m.thread_ts is None  # thread replies are conversations.replies' business
                and _after(float(m.ts), oldest, inclusive)
                and (latest is None or _after(latest, float(m.ts), inclusive))
            ),
            key=lambda m: float(m.ts),
            reverse=True,
        )
        return {**_page(newest_first, params), "pin_count": 0}

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies: a thread's parent, then its replies, oldest first, paged."""
        channel = str(params.get("channel") or "")
        if not channel:
            return _body("channel_not_found")
        parent = self._find(channel, str(params.get("ts") or ""))
        if parent is None:
            return _body("thread_not_found")
        root = self._find(channel, parent.thread_ts) if parent.thread_ts else parent
        assert root is not None
        thread = [root, *(m for m in self._messages if m.channel == channel and m.thread_ts == root.ts)]
        return _page(thread, params)

    def _user_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(str(params.get("user") or ""))
        if user is None:
            return _body("user_not_found")
        info: dict[str, Any] = {
            "id": user.id,
            "team_id": user.team or self.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_restricted": user.is_restricted,
            "is_ultra_restricted": user.is_ultra_restricted,
            "is_bot": user.is_bot,
            "tz": user.tz,
        }
        if user.is_stranger:
            info["is_stranger"] = True
        if user.enterprise_teams:
            info["enterprise_user"] = {
                "enterprise_id": "E0ORG",
                "teams": list(user.enterprise_teams),
                "is_admin": user.org_admin,
            }
        if _truthy(params.get("include_locale")):
            info["locale"] = user.locale
        return {"ok": True, "user": info}

    def _users_conversations(self, params: dict[str, Any]) -> dict[str, Any]:
        """users.conversations as Slack answers a bot token: the channels `user` (default: the bot)
        is in, of `types` (default public_channel); a private one only when the bot is in it too."""
        user = str(params.get("user") or self.bot_user_id)
        types = set(str(params.get("types") or "public_channel").split(","))
        if not types <= _CONVERSATION_TYPES:
            return _body("invalid_types")
        if "private_channel" not in types and "public_channel" not in types:
            return {"ok": True, "channels": [], "response_metadata": {"next_cursor": ""}}
        found = [
            {"id": channel, "is_channel": not private, "is_group": private, "is_private": private}
            for channel, (private, members) in self._channels.items()
            if user in members
            and ("private_channel" if private else "public_channel") in types
            and (not private or self.bot_user_id in members)
        ]
        limit = min(max(int(params.get("limit") or HISTORY_DEFAULT_LIMIT), 1), HISTORY_MAX_LIMIT)
        start = _cursor_offset(params.get("cursor"))
        more = start + limit < len(found)
        return {
            "ok": True,
            "channels": found[start : start + limit],
            "response_metadata": {"next_cursor": f"offset:{start + limit}" if more else ""},
        }

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            return _body("invalid_trigger_id")
        return self._view_answer(params.get("view"))

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("user_id"):
            return _body("user_not_found")
        return self._view_answer(params.get("view"))

    def _view_answer(self, view: Any) -> dict[str, Any]:
        if (problem := view_problem(view)) is not None:
            return _body("invalid_arguments", problem)
        return {"ok": True, "view": {"id": f"V{len(self.calls):08d}", "team_id": self.team_id, **view}}

    # -- storage -----------------------------------------------------------------------------

    def _store(self, channel: str, text: str, blocks: Any, metadata: Any, user: str | None = None) -> _Stored:
        stored = _Stored(channel, self._next_ts(), text, blocks or None, metadata, user or self.bot_user_id)
        self._messages.append(stored)
        return stored

    def _find(self, channel: str, ts: str) -> _Stored | None:
        return next((m for m in self._messages if m.channel == channel and m.ts == ts), None)

    def _next_ts(self) -> str:
        # Slack's ts is "seconds.micros" and unique per channel; strictly increasing here.
        micros = max(int(self.clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


# -- payload checks (public so tests of renderers can reuse them) ------------------------------


def message_problem(params: dict[str, Any]) -> tuple[str, str] | None:
    """Why Slack would refuse this message payload: (error, detail), or None if it is fine."""
    blocks = params.get("blocks")
    if not params.get("text") and not blocks:
        return "no_text", "text or blocks is required"
    if blocks:
        problem = blocks_problem(blocks)
        if problem is not None:
            return problem
    metadata = params.get("metadata")
    if metadata is not None and not _valid_metadata(metadata):
        return "invalid_metadata_format", "metadata needs a string event_type and an object event_payload"
    return None


def blocks_problem(blocks: Any) -> tuple[str, str] | None:
    if not isinstance(blocks, list):
        return "invalid_blocks_format", "blocks must be a JSON array"
    if len(blocks) > MAX_BLOCKS:
        return "invalid_blocks", f"no more than {MAX_BLOCKS} items allowed, got {len(blocks)}"
    size = len(json.dumps(blocks, ensure_ascii=False, separators=(",", ":")))
    if size > MAX_BLOCKS_JSON_CHARS:
        return "msg_blocks_too_long", f"{size} characters of blocks"
    for index, block in enumerate(blocks):
        if (detail := block_problem(block)) is not None:
            return "invalid_blocks", f"block {index}: {detail}"
    return None


def block_problem(block: Any) -> str | None:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return "unknown block type"
        parsed.validate_json()
    except Exception as exc:  # any failure to build or validate the model is Slack's invalid_blocks
        return f"{type(exc).__name__}: {exc}"
    # slack_sdk 3.48 accepts a mrkdwn header; Slack does not (header text is plain_text only).
    if isinstance(parsed, HeaderBlock) and parsed.text is not None and parsed.text.type != "plain_text":
        return "header text must be plain_text"
    return None


def attachment_problem(attachment: Any) -> str | None:
    """Why Slack would refuse one unfurl attachment made of blocks (and a fallback, a colour)."""
    if not isinstance(attachment, dict) or not attachment.get("blocks"):
        return "an unfurl attachment needs blocks"
    unknown = set(attachment) - {"blocks", "fallback", "color"}
    if unknown:
        return f"unexpected fields {sorted(unknown)}"
    if (problem := blocks_problem(attachment["blocks"])) is not None:
        return problem[1]
    try:
        BlockAttachment(
            blocks=attachment["blocks"], fallback=attachment.get("fallback"), color=attachment.get("color")
        ).validate_json()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def view_problem(view: Any) -> str | None:
    if not isinstance(view, dict) or view.get("type") not in {"modal", "home"}:
        return "view must be an object of type modal or home"
    try:
        View(**view).validate_json()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _valid_metadata(metadata: Any) -> bool:
    return (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and isinstance(metadata.get("event_payload"), dict)
    )


# -- request and response helpers --------------------------------------------------------------


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body if isinstance(body, dict) else {})
        else:
            params.update(dict((await request.post()).items()))
    for name in _JSON_FIELDS:
        if isinstance(params.get(name), str):
            # Undecodable JSON stays a string: the payload checks then report it as Slack would.
            with contextlib.suppress(json.JSONDecodeError):
                params[name] = json.loads(params[name])
    return params


def _failure_response(request: web.Request, failure: Failure) -> web.StreamResponse:
    if failure.disconnect:
        assert request.transport is not None
        request.transport.close()
        return web.Response()
    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
    if failure.body is not None:
        return web.Response(
            status=failure.status, text=failure.body, content_type=failure.content_type, headers=headers
        )
    return web.json_response(_body(failure.error or "internal_error"), status=failure.status, headers=headers)


def _body(error: str, detail: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error": error}
    if detail:
        body["response_metadata"] = {"messages": [f"[ERROR] {detail}"]}
    return body


def _error(error: str) -> web.Response:
    return web.json_response(_body(error))


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"1", "true"}


def _after(ts: float, bound: float, inclusive: bool) -> bool:
    return ts >= bound if inclusive else ts > bound


def _cursor_offset(cursor: Any) -> int:
    if isinstance(cursor, str) and cursor.startswith("offset:"):
        return int(cursor.removeprefix("offset:"))
    return 0


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A started fake; import it into a conftest.py (or a test module) to use it by name."""
    async with FakeSlack() as slack:
        yield slack


def _page(messages: list[Any], params: dict[str, Any]) -> dict[str, Any]:
    """One page of conversations.history or .replies: `limit` messages from the cursor on."""
    limit = min(max(int(params.get("limit") or HISTORY_DEFAULT_LIMIT), 1), HISTORY_MAX_LIMIT)
    start = _cursor_offset(params.get("cursor"))
    page = messages[start : start + limit]
    has_more = start + limit < len(messages)
    with_metadata = _truthy(params.get("include_all_metadata"))
    return {
        "ok": True,
        "messages": [m.as_message(with_metadata=with_metadata) for m in page],
        "has_more": has_more,
        "response_metadata": {"next_cursor": f"offset:{start + limit}" if has_more else ""},
    }
