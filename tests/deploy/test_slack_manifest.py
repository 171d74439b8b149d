"""deploy/slack-manifest.yaml against the code it configures Slack for.

The manifest is what an operator pastes into api.slack.com, so a drift between it and the code
only shows up in a real workspace: a new Web API call answering `missing_scope`, a listener Slack
never calls, a request URL nobody serves. These tests catch that drift here instead. The Web API
methods are found by reading handlers/slack at test time, so a call added without its scope in
the manifest (and in METHOD_SCOPES below) fails.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.reports.arxiv import arxiv_id_from_url
from handlers.slack.lifecycle import LIFECYCLE_EVENTS
from handlers.slack.oauth import BOT_SCOPES
from handlers.slack.server import EVENTS_PATH
from tests.deploy.deploy_support import load_yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "deploy" / "slack-manifest.yaml"
SLACK_CODE = ROOT / "handlers" / "slack"
OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"

# The bot scopes paperbot asks for: each one's reason is a comment in the manifest.
EXPECTED_BOT_SCOPES = frozenset(BOT_SCOPES)  # what an OAuth install asks for

# Slack Web API method → the bot scopes it needs (every one of them; Slack's method pages list
# them). A method the code calls that is missing here fails test_every_api_call_has_its_scope:
# add it with its scopes, and add the scopes to the manifest.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"chat:write"}),
    # A compact digest's list, edited where the channel refuses threads (docs.slack.dev lists
    # chat.update under chat:write).
    "chat.update": frozenset({"chat:write"}),
    # Public and private channels, and a reader's DM with the app: the digest may go to any.
    "conversations.history": frozenset({"channels:history", "groups:history", "im:history"}),
    # A compact digest's cards are thread replies, which conversations.history does not list.
    "conversations.replies": frozenset({"channels:history", "groups:history", "im:history"}),
    # Whether a /paper typed in a DM is the caller's own DM with the app (a personal digest).
    "conversations.open": frozenset({"im:write"}),
    "users.info": frozenset({"users:read"}),
    # The App Home lists a channel only to whoever could see it: public and private channels.
    "users.conversations": frozenset({"channels:read", "groups:read"}),
    # Whether paperbot can post where /paper subscribe was typed. Slack lists im:read and
    # mpim:read too, for DMs and group DMs: paperbot never asks about a DM, and a group DM it
    # cannot post in answers missing_scope, which is the answer (handlers/slack/reach.py).
    "conversations.info": frozenset({"channels:read", "groups:read"}),
    "chat.unfurl": frozenset({"links:write"}),
    # Scope-free: views answer a trigger or draw the caller's own Home tab; auth.test is Bolt's
    # start-up check; OAuth and Socket Mode authenticate with the client secret / app token.
    "views.open": frozenset(),
    "views.publish": frozenset(),
    "views.update": frozenset(),
    "auth.test": frozenset(),
    "api.test": frozenset(),  # OAuth mode's start-up check that SLACK_API_URL answers
    "oauth.v2.access": frozenset(),
    "apps.connections.open": frozenset(),
}

# Events API event → the bot scopes Slack requires to send it (Slack's event pages list them).
# An event subscribed in the manifest that is missing here fails test_every_event_has_its_scope.
EVENT_SCOPES: dict[str, frozenset[str]] = {
    "app_home_opened": frozenset(),
    "app_uninstalled": frozenset(),
    "tokens_revoked": frozenset(),
    "link_shared": frozenset({"links:read"}),
    "user_change": frozenset({"users:read"}),
    # Public channels need channels:read, private ones groups:read (Slack's event page).
    "member_joined_channel": frozenset({"channels:read", "groups:read"}),
    **{
        f"channel_{change}": frozenset({"channels:read"})
        for change in ("archive", "unarchive", "deleted", "left")
    },
    **{
        f"group_{change}": frozenset({"groups:read"})
        for change in ("archive", "unarchive", "deleted", "left")
    },
}

# `client.chat_postMessage(`, `self.client.users_info(`, `web_client.views_open(`: slack_sdk names
# each method after Slack's with the dots turned into underscores (Slack's own names have none).
_SDK_CALL = re.compile(r"client\s*\.\s*([a-z]+(?:_[A-Za-z0-9]+)+)\s*\(")
# `client.api_call("conversations.info", …)`: the generic form.
_API_CALL = re.compile(r"\.api_call\(\s*[\"']([a-z]+(?:\.[A-Za-z0-9]+)+)[\"']")
_COMMAND = re.compile(r"\.command\(\s*[\"'](/[\w-]+)[\"']")
_EVENT = re.compile(r"\.event\(\s*[\"'](\w+)[\"']")
_ACTION = re.compile(r"\.action\(")


def api_methods(source: str) -> set[str]:
    """The Slack Web API methods (Slack's dotted names) called in `source`."""
    methods = {m.replace("_", ".") for m in _SDK_CALL.findall(source) if m != "api_call"}
    return methods | set(_API_CALL.findall(source))


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return load_yaml(MANIFEST)


@pytest.fixture(scope="module")
def slack_code() -> str:
    files = sorted(SLACK_CODE.rglob("*.py"))
    assert files, f"no Slack code under {SLACK_CODE}"
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def bot_scopes(manifest: dict[str, Any]) -> set[str]:
    return set(manifest["oauth_config"]["scopes"]["bot"])


def request_urls(manifest: dict[str, Any]) -> list[str]:
    settings = manifest["settings"]
    commands = manifest["features"]["slash_commands"]
    return [
        *(command["url"] for command in commands),
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    ]


# -- the extractor itself: a regex that rotted would make the coverage test pass vacuously ----


@pytest.mark.parametrize(
    ("line", "method"),
    [
        ("response = await self.client.chat_postMessage(channel=c, text=t)", "chat.postMessage"),
        ("await client.users_info(user=user_id, include_locale=True)", "users.info"),
        ("await web_client.views_publish(user_id=u, view=v)", "views.publish"),
        ("await client.oauth_v2_access(client_id=i, client_secret=s, code=c)", "oauth.v2.access"),
        ('await client.api_call("conversations.info", params={"channel": c})', "conversations.info"),
    ],
)
def test_api_methods_reads_sdk_and_generic_calls(line: str, method: str) -> None:
    assert api_methods(line) == {method}


def test_api_methods_finds_the_calls_the_slack_edge_is_known_to_make(slack_code: str) -> None:
    known = {"chat.postMessage", "conversations.history", "users.info", "views.open", "views.publish"}
    assert known <= api_methods(slack_code)


# -- the manifest ------------------------------------------------------------------------------


def test_manifest_uses_schema_version_1(manifest: dict[str, Any]) -> None:
    assert manifest["_metadata"]["major_version"] == 1
    assert manifest["display_information"]["name"] == "paperbot"
    assert manifest["features"]["bot_user"] == {"display_name": "paperbot", "always_online": False}


def test_paper_command_is_declared(manifest: dict[str, Any]) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert "/paper" in commands
    paper = commands["/paper"]
    assert paper["should_escape"] is False
    assert paper["description"].strip()
    for verb in ("subscribe", "unsubscribe", "list", "topics", "schedule", "digest", "help"):
        assert verb in paper["usage_hint"]


def test_every_command_listener_is_declared_and_nothing_else(
    manifest: dict[str, Any], slack_code: str
) -> None:
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert declared == set(_COMMAND.findall(slack_code))


def test_interactivity_is_enabled_for_the_card_buttons(manifest: dict[str, Any], slack_code: str) -> None:
    assert _ACTION.search(slack_code), "the Slack edge registers no action listener any more"
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_every_event_listener_is_subscribed(manifest: dict[str, Any], slack_code: str) -> None:
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert "app_home_opened" in events
    # Listeners written `@app.event("…")`, and the lifecycle ones registered from their table.
    assert events == set(_EVENT.findall(slack_code)) | set(LIFECYCLE_EVENTS)


def test_every_lifecycle_event_of_the_issue_is_subscribed(manifest: dict[str, Any]) -> None:
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    wanted = {"app_uninstalled", "tokens_revoked", "channel_archive", "channel_unarchive", "channel_deleted"}
    assert wanted | {"channel_left", "group_left", "group_archive", "group_deleted"} <= events


def test_every_event_has_its_scope(manifest: dict[str, Any]) -> None:
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    unknown = sorted(events - EVENT_SCOPES.keys())
    assert not unknown, f"add these events to EVENT_SCOPES with the scopes they need: {unknown}"
    missing = {
        e: sorted(EVENT_SCOPES[e] - bot_scopes(manifest))
        for e in events
        if EVENT_SCOPES[e] - bot_scopes(manifest)
    }
    assert not missing, f"scopes missing from deploy/slack-manifest.yaml: {missing}"


def test_every_scope_is_used_by_a_call_an_event_or_the_command(
    manifest: dict[str, Any], slack_code: str
) -> None:
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    used = {"commands"}.union(
        *(METHOD_SCOPES.get(m, frozenset()) for m in api_methods(slack_code)),
        *(EVENT_SCOPES.get(e, frozenset()) for e in events),
    )
    # im:write opens the DM that chat.postMessage to a user id posts into.
    assert bot_scopes(manifest) - used <= {"im:write"}


def test_app_home_has_the_home_tab_and_a_messages_tab_readers_can_type_in(manifest: dict[str, Any]) -> None:
    # The Messages tab is the reader's DM with the app: /paper typed there makes a personal digest.
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] is True
    assert home["messages_tab_enabled"] is True
    assert home["messages_tab_read_only_enabled"] is False


def test_request_urls_point_at_the_path_the_server_serves(manifest: dict[str, Any]) -> None:
    urls = request_urls(manifest)
    assert len(urls) == 3
    for url in urls:
        assert url.startswith("https://"), url
        assert urlsplit(url).path == EVENTS_PATH, url


def test_oauth_redirect_points_at_the_oauth_route(manifest: dict[str, Any]) -> None:
    redirects = manifest["oauth_config"]["redirect_urls"]
    assert redirects
    for url in redirects:
        assert url.startswith("https://"), url
        assert url.endswith(OAUTH_REDIRECT_PATH), url


def test_every_url_names_the_same_host(manifest: dict[str, Any]) -> None:
    urls = [*request_urls(manifest), *manifest["oauth_config"]["redirect_urls"]]
    assert len({urlsplit(url).netloc for url in urls}) == 1


def test_settings(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["token_rotation_enabled"] is False
    assert settings["org_deploy_enabled"] is False


def test_bot_scopes_are_exactly_the_expected_ones(manifest: dict[str, Any]) -> None:
    assert bot_scopes(manifest) == EXPECTED_BOT_SCOPES
    assert not manifest["oauth_config"]["scopes"].get("user"), "paperbot needs no user token"


def test_every_api_call_has_its_scope(manifest: dict[str, Any], slack_code: str) -> None:
    called = api_methods(slack_code)
    unknown = sorted(called - METHOD_SCOPES.keys())
    assert not unknown, f"add these Slack methods to METHOD_SCOPES with their scopes: {unknown}"
    granted = bot_scopes(manifest)
    missing = {m: sorted(METHOD_SCOPES[m] - granted) for m in sorted(called) if METHOD_SCOPES[m] - granted}
    assert not missing, f"scopes missing from deploy/slack-manifest.yaml: {missing}"


def test_commands_scope_goes_with_the_slash_command(manifest: dict[str, Any], slack_code: str) -> None:
    assert _COMMAND.search(slack_code)
    assert "commands" in bot_scopes(manifest)


# A paper link on each unfurl domain, as people paste them: what link_shared would carry.
UNFURL_SAMPLES = {
    "arxiv.org": ("https://arxiv.org/abs/2501.01234", "https://arxiv.org/pdf/2501.01234v2"),
    "huggingface.co": ("https://huggingface.co/papers/2501.01234",),
}


def test_unfurl_domains_are_the_paper_hosts_the_unfurls_read(
    manifest: dict[str, Any], slack_code: str
) -> None:
    domains = manifest["features"]["unfurl_domains"]
    assert sorted(domains) == sorted(UNFURL_SAMPLES)
    assert len(domains) <= 5  # Slack's limit for a manifest
    for domain in domains:
        for url in UNFURL_SAMPLES[domain]:
            assert urlsplit(url).hostname == domain
            assert arxiv_id_from_url(url) == "2501.01234", url
    # The domains, the event and the scopes belong together: without the listener Bolt answers 404.
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert "link_shared" in events
    assert "link_shared" in set(_EVENT.findall(slack_code))
    assert "chat.unfurl" in api_methods(slack_code)
    assert {"links:read", "links:write"} <= bot_scopes(manifest)
