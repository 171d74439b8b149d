"""The Slack edge: a Bolt app whose listeners only translate between Slack and the core.

`/paper` is acknowledged at once (Slack allows 3 s) and answered through `respond()`, always
ephemerally; the core's `handle_paper_command` decides what the answer is. Buttons on cards
open the paper's details in a modal or share it into the channel, and 👍 / 👎 record a reader's
vote for the channel (answered to the voter alone); App Home lists what the workspace follows.
Requests naming an id Slack cannot have issued (bot/ids.py) are refused before anything changes;
channel and install lifecycle events are handled in handlers/slack/lifecycle.py, pasted paper
links (link_shared) in handlers/slack/unfurls.py; whether paperbot can post in a channel whose
reply promises its digest (subscribe, list, schedule, cadence), in handlers/slack/reach.py.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.commands import (
    COMMAND_DEADLINE_SECONDS,
    cadence_text,
    database_unreachable,
    edge_context,
    failure_reply,
    handle_paper_command,
)
from bot.i18n import join_list, t
from bot.ids import channel_problem, is_personal
from bot.models import ChannelRef, Locale, Paper
from bot.ranking.digest import interest_labels
from bot.ranking.feedback import DOWN, UP
from bot.ranking.tuning import acknowledgement_key, cast_vote
from bot.runtime.logs import demote
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.store.votes import VoteStore
from bot.topics.taxonomy import Taxonomy
from handlers.slack.blocks import (
    DETAILS_ACTION,
    LINK_ACTION,
    MAX_SECTION_TEXT,
    SHARE_ACTION,
    VOTE_DOWN_ACTION,
    VOTE_UP_ACTION,
    details_message,
    details_view,
    escape,
    escape_clip,
    mrkdwn,
    reply_messages,
    shared_message,
)
from handlers.slack.lifecycle import register_lifecycle
from handlers.slack.messages import SlackMessage
from handlers.slack.oauth import installed_check
from handlers.slack.publisher import slack_error_code
from handlers.slack.reach import with_reach_note
from handlers.slack.unfurls import register_unfurls

if TYPE_CHECKING:
    from bot.delivery.loud_failures import Notices

log = logging.getLogger("paperbot.slack")

# Who may change a channel's subscriptions: any full member of the workspace (not a guest, nor
# someone from another organisation in a Slack Connect channel), or its admins and owners only;
# both checked with users.info (may_change).
Managers = Literal["members", "admins"]
# users.info answers are cached this long: a locale or an admin flag rarely changes, and
# asking on every command would spend the Web API's per-method rate limit.
USER_CACHE_SECONDS = 600
# users.info tells the caller's language and their authority: never worth holding an answer up
# for (a change is then refused, anything else answered). A failed answer is cached briefly, so a
# Slack outage does not cost every command this wait.
USER_LOOKUP_SECONDS = 2.0
USER_FAILURE_CACHE_SECONDS = 30
# The App Home lists at most this many channels: a Home view holds at most 100 blocks.
HOME_CHANNELS = 90
# users.conversations, asked when someone opens the App Home: the method's largest page, and
# enough pages for the channels of a member of a very large workspace.
MEMBERSHIP_PAGE = 999
MEMBERSHIP_PAGES = 5


@dataclass
class SlackEdge:
    """What the listeners need from the core, created once at start-up."""

    archive: Archive
    store: SubscriptionStore
    taxonomy: Taxonomy
    default_tz: str = "UTC"
    managers: Managers = "members"
    user_lookup_seconds: float = USER_LOOKUP_SECONDS
    command_deadline: float = COMMAND_DEADLINE_SECONDS  # the core's, for each /paper command
    _users: dict[tuple[str, str], tuple[float, dict[str, Any]]] = field(default_factory=dict)
    # (team, user) → the id of the user's DM with the app: an IM's id never changes.
    _dms: dict[tuple[str, str], str] = field(default_factory=dict)

    # The readers' 👍 / 👎: the process's one store (App.votes); None: one made on first use.
    vote_store: VoteStore | None = None
    # Records the operator's notice when a reader who left pauses their personal digest (None:
    # only the log says so).
    notices: Notices | None = None

    @property
    def votes(self) -> VoteStore:
        if self.vote_store is None:
            self.vote_store = VoteStore(self.archive.engine)
        return self.vote_store

    async def user(self, client: AsyncWebClient, team: str, user_id: str) -> dict[str, Any]:
        """users.info (with locale), cached; an empty dict when Slack will not say, fails or
        takes longer than `user_lookup_seconds`."""
        key = (team, user_id)
        cached = self._users.get(key)
        if cached:
            keep = USER_CACHE_SECONDS if cached[1] else USER_FAILURE_CACHE_SECONDS
            if time.monotonic() - cached[0] < keep:
                return cached[1]
        try:
            async with asyncio.timeout(self.user_lookup_seconds):
                response = await client.users_info(user=user_id, include_locale=True)
            info: dict[str, Any] = dict(response.get("user") or {})
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, slack_error_code(exc))
            info = {}
        except TimeoutError:
            log.warning("users.info for %s: no answer within %s s", user_id, self.user_lookup_seconds)
            info = {}
        except Exception as exc:  # a dropped connection, a body that is not JSON: still answer
            log.warning("users.info failed for %s: %s: %s", user_id, type(exc).__name__, exc)
            info = {}
        self._users[key] = (time.monotonic(), info)
        return info

    async def caller(
        self, client: AsyncWebClient, team: str, user_id: str
    ) -> tuple[Locale | None, bool | None]:
        """(the caller's language if Slack knows it, whether they may change the channels of
        `team` (`may_change`): None when users.info did not answer — changes are then refused)."""
        info = await self.user(client, team, user_id)
        locale = str(info.get("locale") or "")
        language: Locale | None = "zh" if locale.startswith("zh") else ("en" if locale else None)
        return language, may_change(info, team, self.managers)

    async def owns_dm(self, client: AsyncWebClient, team: str, user_id: str, channel: str) -> bool | None:
        """Whether `channel` (a D… id) is `user_id`'s own DM with the app — the app's Messages tab,
        their personal digest — and not a DM between people, where a slash command also works but
        paperbot cannot post. Asked with conversations.open (im:write), which returns the app's IM
        with the user, and cached; None when Slack does not answer (changes are then refused)."""
        key = (team, user_id)
        known = self._dms.get(key)
        if known is None:
            try:
                async with asyncio.timeout(self.user_lookup_seconds):
                    response = await client.conversations_open(users=user_id)
                known = str((response.get("channel") or {}).get("id") or "")
            except (SlackApiError, TimeoutError) as exc:
                code = slack_error_code(exc) if isinstance(exc, SlackApiError) else "timeout"
                log.warning("conversations.open for %s failed: %s", user_id, code)
                return None
            except Exception as exc:  # a dropped connection: say "could not check", never crash
                log.warning("conversations.open for %s failed: %s: %s", user_id, type(exc).__name__, exc)
                return None
            if not known:
                return None
            self._dms[key] = known
        return known == channel


def may_change(info: dict[str, Any], team: str, managers: Managers) -> bool | None:
    """Whether the person users.info describes (`info`, empty when Slack did not answer) may change
    a channel of workspace `team`: a full member of that workspace (with managers = "admins", one
    of its admins or owners). Not a guest (`is_restricted`, `is_ultra_restricted`), nor someone
    from another organisation typing in a Slack Connect channel (their own `team_id`, not one of
    ours), nor a deactivated account or a bot: a channel's digest is its workspace's business, and
    Slack lets all of them type `/paper` there. None when Slack did not say (changes are refused,
    as asking again in a minute may answer)."""
    if not info:
        return None
    enterprise = info.get("enterprise_user") or {}
    ours = info.get("team_id") == team or team in (enterprise.get("teams") or ())
    if not ours or any(info.get(flag) for flag in _NOT_A_MEMBER):
        return False
    if managers == "members":
        return True
    # An Enterprise Grid org's admins and owners administer every workspace of the org; Slack
    # says so in `enterprise_user`, not always in the workspace's own flags.
    return any(role.get(flag) for role in (info, enterprise) for flag in _ADMIN_FLAGS)


_ADMIN_FLAGS = ("is_admin", "is_owner", "is_primary_owner")


# users.info flags of people (and accounts) who are in a channel without being full members of
# the workspace: guests, external strangers, deactivated accounts, bots and workflows.
_NOT_A_MEMBER = (
    "is_restricted",
    "is_ultra_restricted",
    "is_stranger",
    "deleted",
    "is_bot",
    "is_workflow_bot",
)


def _token_left_unused(message: str) -> bool:
    return message == warning_client_prioritized_and_token_skipped()


def build_app(edge: SlackEdge, **bolt: Any) -> AsyncApp:
    """The Bolt app with every listener registered; `bolt` goes to AsyncApp (token or
    installation store, signing secret, client)."""
    # paperbot gives Bolt a client carrying the token (its base URL, retries and session); Bolt
    # reads SLACK_BOT_TOKEN from the environment all the same, and warns on every start that it
    # will use the client's, the same token. Expected, so DEBUG: operators alert on WARNING.
    demote(f"slack_bolt.{AsyncApp.__name__}", _token_left_unused, logging.DEBUG)  # Bolt's naming
    app = AsyncApp(**bolt)

    @app.command("/paper")
    async def paper_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = command.get("team_id", ""), command.get("user_id", "")
        channel = ChannelRef("slack", str(team), str(command.get("channel_id", "")))
        if not _known_ids(channel):
            await respond(text=_unknown_ids_text(), response_type="ephemeral", replace_original=False)
            return
        language: Locale | None = None
        text = str(command.get("text") or "")
        try:
            language, may_manage = await edge.caller(client, team, user)
            if is_personal(channel):
                # A DM: no channel permission applies. The reader's own DM with the app is their
                # personal digest, which they manage (only they can type there).
                may_manage = await edge.owns_dm(client, team, user, channel.channel)
            installed = installed_check(app.installation_store)
            ctx = edge_context(
                edge, channel, user=user, locale=language, can_manage=may_manage, installed=installed
            )
            reply = await handle_paper_command(ctx, text)
            if reply.promises_digest and not reply.error and not is_personal(channel):
                reply = await with_reach_note(client, channel.channel, reply, edge.user_lookup_seconds)
            # Off the event loop: a long digest's blocks take a while to build.
            messages = await asyncio.to_thread(reply_messages, reply)
        except Exception:
            # The core answers its own failures; this is rendering or the edge itself.
            log.exception("/paper: could not build the reply")
            messages = [SlackMessage(escape(failure_reply(language, text, "failed.logged").text))]
        for message in messages:
            await respond(
                text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False
            )

    @app.action(DETAILS_ACTION)
    async def paper_details(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        arxiv_id, user = _action_value(body), body.get("user", {}).get("id", "")
        paper = await _archived(edge, arxiv_id, respond, client, _team(body), user) if arxiv_id else None
        if paper is None:
            return
        language, _ = await edge.caller(client, _team(body), user)
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=details_view(paper, language or "en"))
        except Exception as exc:
            # A click's trigger_id lasts 3 s, which a slow archive or users.info, or Slack's own
            # 429 / 5xx and the client's retries, can use up: the clicker gets the same details
            # as a message only they see, not a button that did nothing (and a logged traceback).
            code = slack_error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("details of %s: the modal did not open (%s); sent as a message", arxiv_id, code)
            message = details_message(paper, language or "en")
            await respond(
                text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False
            )

    @app.action(SHARE_ACTION)
    async def paper_share(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        arxiv_id, user = _action_value(body), body.get("user", {}).get("id", "")
        paper = await _archived(edge, arxiv_id, respond, client, _team(body), user) if arxiv_id else None
        if paper is None:
            return
        language, _ = await edge.caller(client, _team(body), user)
        message = shared_message(paper, user, language or "en")
        await respond(
            text=message.text, blocks=message.blocks, response_type="in_channel", replace_original=False
        )

    @app.action(re.compile(f"^(?:{VOTE_UP_ACTION}|{VOTE_DOWN_ACTION})$"))
    async def paper_vote(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        # Anyone in the channel may vote: a vote tunes the ranking, it changes no subscription.
        await ack()
        action = (body.get("actions") or [{}])[0].get("action_id")
        direction = UP if action == VOTE_UP_ACTION else DOWN
        arxiv_id, team = _action_value(body), _team(body)
        user = str(body.get("user", {}).get("id") or "")
        channel = str(
            (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id") or ""
        )
        if not (arxiv_id and user and channel):
            return
        ref = ChannelRef("slack", team, channel)
        if not _known_ids(ref):
            await respond(text=_unknown_ids_text(), response_type="ephemeral", replace_original=False)
            return
        language, _ = await edge.caller(client, team, user)
        try:
            async with asyncio.timeout(edge.command_deadline):
                outcome = await cast_vote(
                    edge.archive,
                    edge.votes,
                    edge.taxonomy,
                    ref,
                    arxiv_id,
                    user,
                    direction,
                    subscriptions=edge.store,
                )
                if language is None:
                    subscription = await edge.store.get(ref)
                    language = subscription.locale if subscription else "en"
            text = t(acknowledgement_key(outcome, direction, ref), language)
        except TimeoutError:
            log.warning("vote on %s: no answer within %s s", arxiv_id, edge.command_deadline)
            text = failure_reply(language, "", "failed.timeout").text
        except Exception as exc:
            # Like a command: the voter is told, in a line, never left without an answer.
            log.exception("vote on %s failed", arxiv_id)
            key = "failed.database" if database_unreachable(exc) else "failed.logged"
            text = failure_reply(language, "", key).text
        await respond(text=escape(text), response_type="ephemeral", replace_original=False)

    # A pattern, not a string: Bolt compares a str action_id for equality.
    @app.action(re.compile(f"^{LINK_ACTION}_"))
    async def paper_link(ack: AsyncAck) -> None:
        # Link buttons open the URL in the browser; Slack still sends an action to acknowledge.
        await ack()

    @app.event("app_home_opened")
    async def app_home(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        team = body.get("team_id") or event.get("view", {}).get("team_id", "")
        language, _ = await edge.caller(client, team, event["user"])
        # A guest, or someone from another organisation, sees in Slack only the channels they are
        # in: the App Home lists no more (may_change says who is a full member).
        member = may_change(await edge.user(client, team, event["user"]), team, "members")
        readable = await readable_channels(client, event["user"], edge.command_deadline, member=member)
        view = await home_view(edge, team, language or "en", user=event["user"], readable=readable)
        try:
            await client.views_publish(user_id=event["user"], view=view)
        except SlackApiError as exc:
            # The viewer keeps the tab they had; reopening it asks again. One line, no traceback.
            log.warning("App Home for %s not published: %s", event["user"], slack_error_code(exc))
        except Exception as exc:  # a dropped connection, a timeout
            log.warning("App Home for %s not published: %s: %s", event["user"], type(exc).__name__, exc)

    register_lifecycle(app, edge.store, edge.notices)
    register_unfurls(app, edge)
    return app


async def _archived(
    edge: SlackEdge, arxiv_id: str, respond: AsyncRespond, client: AsyncWebClient, team: str, user: str
) -> Paper | None:
    """The archived paper a button names; None when it is not archived (nothing to do) or the
    archive cannot be read (then the clicker is told so, alone, in their language)."""
    try:
        async with asyncio.timeout(edge.command_deadline):
            return await edge.archive.paper(arxiv_id)
    except Exception as exc:
        if isinstance(exc, TimeoutError):
            log.warning("paper %s: no answer within %s s", arxiv_id, edge.command_deadline)
            key = "failed.timeout"
        else:
            log.exception("paper %s could not be read", arxiv_id)
            key = "failed.database" if database_unreachable(exc) else "failed.logged"
    language, _ = await edge.caller(client, team, user)
    text = escape(failure_reply(language, "", key).text)
    await respond(text=text, response_type="ephemeral", replace_original=False)
    return None


def _known_ids(ref: ChannelRef) -> bool:
    """Whether both ids have a shape Slack issues (bot/ids.py); logged when not."""
    problem = channel_problem(ref)
    if problem is not None:
        log.warning("Slack: refused a request with an impossible id: %s", problem)
    return problem is None


def _unknown_ids_text() -> str:
    # Both languages: asking Slack for the caller's would mean a call about an id Slack never made.
    return escape(t("ids.invalid", "en", platform="Slack") + "\n" + t("ids.invalid", "zh", platform="Slack"))


def _action_value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def _team(body: dict[str, Any]) -> str:
    return str((body.get("team") or {}).get("id") or body.get("user", {}).get("team_id") or "")


@dataclass(frozen=True, slots=True)
class Readable:
    """The channels an App Home viewer could see in Slack itself; None where Slack did not say."""

    public: frozenset[str] | None = None  # the public channels paperbot is in
    joined: frozenset[str] | None = None  # the viewer's channels: public, and private ones paperbot shares
    private: frozenset[str] = frozenset()  # the private ones of `joined` (paperbot is in each)
    # `public` holds every public channel paperbot is in (Slack answered every page of it).
    public_whole: bool = False

    def shows(self, channel: str) -> bool:
        # Unknown is hidden: a private channel's topics and schedule are its members' business.
        return channel in (self.public or ()) or channel in (self.joined or ())

    def without_paperbot(self, channel: str) -> bool:
        """Whether `channel` is a public channel the viewer is in and paperbot is not: its digest
        cannot be posted. Known only from whole answers; a private channel is listed to the
        viewer only when paperbot is in it, so it never counts."""
        if not self.public_whole or self.public is None or channel not in (self.joined or ()):
            return False
        return channel not in self.public and channel not in self.private

    @property
    def complete(self) -> bool:
        return self.public is not None and self.joined is not None


async def readable_channels(
    client: AsyncWebClient, user: str, deadline: float, *, member: bool | None = True
) -> Readable:
    """Which channels `user` may see listed: the public channels paperbot is in, and the channels
    `user` is in. For a private channel Slack answers the second only when paperbot is in it too,
    which is where its digest goes. Group DMs are not asked for (that needs mpim:read, and a
    digest never goes to one): a subscription made in one is not listed. `member`: whether `user`
    is a full member of the workspace; a guest or an external member (False) sees no public
    channel they are not in, and when it is unknown (None) neither do they, with the note that
    some may be missing."""
    joined_only = member is not True
    paperbots, viewers = await asyncio.gather(
        _nothing() if joined_only else _conversations(client, None, "public_channel", deadline),
        _conversations(client, user, "public_channel,private_channel", deadline),
    )
    public = paperbots.ids if paperbots is not None else None
    if joined_only:
        public = frozenset() if member is False else None
    return Readable(
        public,
        viewers.ids if viewers is not None else None,
        private=viewers.private if viewers is not None else frozenset(),
        public_whole=paperbots is not None and paperbots.whole,
    )


@dataclass(frozen=True, slots=True)
class _Listed:
    """What users.conversations answered: the ids, the private ones, and whether every page came."""

    ids: frozenset[str]
    private: frozenset[str]
    whole: bool


async def _nothing() -> _Listed | None:
    return None


async def _conversations(
    client: AsyncWebClient, user: str | None, types: str, deadline: float
) -> _Listed | None:
    """users.conversations (channels:read, groups:read) for `user`, or paperbot itself when None;
    None when Slack refuses (a workspace installed before the scope was asked for answers
    missing_scope), fails or does not answer within `deadline`."""
    ids: set[str] = set()
    private: set[str] = set()
    cursor = ""
    who = user or "paperbot"
    try:
        async with asyncio.timeout(deadline):
            for _ in range(MEMBERSHIP_PAGES):
                response = await client.users_conversations(
                    user=user, types=types, limit=MEMBERSHIP_PAGE, cursor=cursor or None
                )
                for found in response.get("channels") or ():
                    ids.add(str(found.get("id") or ""))
                    if found.get("is_private"):
                        private.add(str(found.get("id") or ""))
                cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    break
    except SlackApiError as exc:
        log.warning("users.conversations for %s failed: %s", who, slack_error_code(exc))
        return None
    except TimeoutError:
        log.warning("users.conversations for %s: no answer within %s s", who, deadline)
        return None
    except Exception as exc:  # a dropped connection: list less, never fail the Home tab
        log.warning("users.conversations for %s failed: %s: %s", who, type(exc).__name__, exc)
        return None
    # More pages than read: what was read is still true membership; the rest stays hidden.
    return _Listed(frozenset(ids - {""}), frozenset(private - {""}), whole=not cursor)


async def home_view(
    edge: SlackEdge,
    team: str,
    locale: str,
    *,
    user: str | None = None,
    readable: Readable = Readable(),
) -> dict[str, Any]:
    """App Home: the subscribed channels of this workspace the viewer could see in Slack (public
    ones, and private ones they are in; `readable`), their topics and digest time, and the
    viewer's own personal digest (marked as such). Other readers' personal digests are theirs:
    only how many there are is shown."""
    # A channel unsubscribed from its last topic keeps its row (its settings) but gets no digest.
    everything = [
        s for s in await edge.store.all(platform="slack") if s.channel.workspace == team and s.interests
    ]
    mine = [s for s in everything if is_personal(s.channel) and user and s.created_by == user]
    others = sum(1 for s in everything if is_personal(s.channel)) - len(mine)
    channels = [s for s in everything if not is_personal(s.channel) and readable.shows(s.channel.channel)]
    # The viewer's own channels first: past HOME_CHANNELS, those are the ones they look for.
    channels.sort(key=lambda s: s.channel.channel not in (readable.joined or ()))
    subscriptions = mine + channels
    title = t("home.title", locale)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    if not subscriptions:
        # Not list.none ("This channel follows nothing yet"): the Home tab is no channel.
        blocks.append({"type": "section", "text": mrkdwn(escape(t("home.none", locale)))})
    for subscription in subscriptions[:HOME_CHANNELS]:
        topics = join_list(interest_labels(subscription.interests, edge.taxonomy, locale), locale)
        when = escape(cadence_text(subscription, locale))
        # The reason is stored in the channel's language and says how to resume (bot/chat/channel_changes.py).
        paused = " · ⏸ " + escape(subscription.paused_reason or "") if subscription.paused else ""
        if not subscription.paused and readable.without_paperbot(subscription.channel.channel):
            # Known from the listings just read, at no extra call; the digest would be paused.
            paused = " · ⚠️ " + escape(t("home.not_member", locale))
        where = (
            escape(t("home.personal", locale))
            if is_personal(subscription.channel)
            else f"<#{subscription.channel.channel}>"
        )
        head = f"{where} · {when}{paused}"[: MAX_SECTION_TEXT // 2]
        # A long keyword list ends with "…", never inside an `&amp;` (which would show as "&am").
        text = f"{head}\n{escape_clip(topics, MAX_SECTION_TEXT - len(head) - 1)}"
        blocks.append({"type": "section", "text": mrkdwn(text)})
    notes = []
    if len(subscriptions) > HOME_CHANNELS:
        notes.append(t("home.more", locale, count=len(subscriptions) - HOME_CHANNELS))
    if others > 0:
        notes.append(t("home.personal.others", locale, count=others))
    if not readable.complete:
        notes.append(t("home.unknown", locale))
    for note in notes:
        blocks.append({"type": "context", "elements": [mrkdwn(escape(note))]})
    return {"type": "home", "blocks": blocks}
