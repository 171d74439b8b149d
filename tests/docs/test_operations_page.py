"""The operator's page on permissions, tenancy and lifecycle names what the code does: every
sub-command that changes a channel (in both languages), every Slack lifecycle event and the scopes
they need, every platform's id rule. A verb or an event added to the code fails here until the
page says it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.chat.commands import CHANGES, VERBS
from bot.ids import ID_RULES
from handlers.slack.lifecycle import EVENT_SCOPES, LIFECYCLE_EVENTS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "operations" / "permissions-tenancy-lifecycle.md"
_CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def page() -> str:
    return PAGE.read_text(encoding="utf-8")


@pytest.mark.parametrize("verb", sorted(CHANGES))
def test_every_change_is_named_in_english_and_chinese(page: str, verb: str) -> None:
    assert f"`{verb}`" in page
    chinese = [name for name, canonical in VERBS.items() if canonical == verb and _CJK.search(name)]
    assert chinese, f"{verb} has no Chinese name"
    assert any(name in page for name in chinese), f"none of {chinese} is on the page"


@pytest.mark.parametrize("event", LIFECYCLE_EVENTS)
def test_every_slack_lifecycle_event_is_explained(page: str, event: str) -> None:
    assert f"`{event}`" in page


@pytest.mark.parametrize("scope", EVENT_SCOPES)
def test_the_scopes_the_events_need_are_named(page: str, scope: str) -> None:
    assert f"`{scope}`" in page


@pytest.mark.parametrize("platform", sorted({platform for platform, _part in ID_RULES}))
def test_every_platform_has_its_id_rule_on_the_page(page: str, platform: str) -> None:
    assert re.search(rf"^\| {platform} \|", page, re.I | re.M)
