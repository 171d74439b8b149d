"""docs/cli.md's "Subscriptions file" section and `subscriptions export`/`import` agree: the example
imports, exports back as shown, and every `digest` key the code writes is in the example, in the
prose and in the defaults the page states (`images` and `layout` were once missing)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.chat.subscribing import read_import, to_export
from bot.errors import BadInputError
from bot.models import ChannelRef, Interests, Subscription
from bot.topics.taxonomy import builtin_taxonomy

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


@pytest.fixture(scope="module")
def section() -> str:
    return PAGE.read_text(encoding="utf-8").split("## Subscriptions file", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def example(section: str) -> list[dict[str, Any]]:
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block, "the section shows a file"
    entries: list[dict[str, Any]] = json.loads(block[1])
    return entries


def _exported_digest_keys() -> set[str]:
    """Every key `export` writes in `digest`, a weekly channel's included (it adds `weekday`)."""
    taxonomy = builtin_taxonomy()
    channel = Subscription(ChannelRef("slack", "T024BE7LD", "C0ANY"), Interests(("agents",)))
    weekly = read_import(
        [{**to_export(channel, taxonomy), "digest": {"cadence": "weekly", "weekday": "friday"}}], taxonomy
    ).subscriptions[0]
    return set(to_export(channel, taxonomy)["digest"]) | set(to_export(weekly, taxonomy)["digest"])


def test_the_example_imports_and_exports_back_as_shown(example: list[dict[str, Any]]) -> None:
    taxonomy = builtin_taxonomy()
    imported = read_import(example, taxonomy).subscriptions
    exported = [to_export(subscription, taxonomy) for subscription in imported]
    for shown, written in zip(example, exported, strict=True):
        assert written["digest"] == {**written["digest"], **shown.get("digest", {})}
        assert set(shown) <= set(written)


def test_the_example_shows_every_digest_key_export_writes(example: list[dict[str, Any]]) -> None:
    shown = set().union(*(set(entry.get("digest", {})) for entry in example))
    assert shown == _exported_digest_keys()


def test_the_prose_names_every_digest_key(section: str) -> None:
    for key in _exported_digest_keys():
        assert f"`{key}`" in section, key


def test_the_stated_defaults_are_what_export_writes(section: str) -> None:
    stated = re.search(r"Defaults: .*?`(\{\"size\".*?\})`", section)
    assert stated, "the section states the digest's defaults"
    channel = Subscription(ChannelRef("slack", "T024BE7LD", "C0ANY"), Interests(("agents",)))
    assert json.loads(stated[1]) == to_export(channel, builtin_taxonomy())["digest"]


def test_a_digest_key_the_page_does_not_name_is_refused(example: list[dict[str, Any]]) -> None:
    entry = {**example[0], "digest": {**example[0]["digest"], "colour": "blue"}}
    with pytest.raises(BadInputError, match="colour"):
        read_import([entry], builtin_taxonomy())
