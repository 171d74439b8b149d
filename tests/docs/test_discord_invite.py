"""The invite links the docs print ask for exactly the permissions paperbot's code asks for.

A server admin adds paperbot with the link in the README or docs/discord.md, not the one
`paperbot run` logs: a permission added to `handlers.discord.bot.PERMISSIONS` (Create Public Threads
for the compact layout's threads) must reach every printed `permissions=` integer, or new installs
lack it."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.discord.bot import PERMISSIONS

ROOT = Path(__file__).resolve().parents[2]
_PERMISSIONS = re.compile(r"permissions=(\d+)")
# Where the invite link is printed; every other page is searched too.
INVITE_PAGES = (ROOT / "README.md", ROOT / "docs" / "discord.md")


def printed_integers() -> dict[str, list[int]]:
    pages = [*INVITE_PAGES, *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "deploy").rglob("*"))]
    found: dict[str, list[int]] = {}
    for page in dict.fromkeys(pages):
        if page.is_file():
            text = page.read_text(encoding="utf-8", errors="replace")
            integers = [int(value) for value in _PERMISSIONS.findall(text)]
            if integers:
                found[str(page.relative_to(ROOT))] = integers
    return found


def test_every_printed_invite_asks_for_the_permissions_the_bot_needs() -> None:
    found = printed_integers()
    for page in INVITE_PAGES:
        assert str(page.relative_to(ROOT)) in found, f"{page.name} no longer prints the invite link"
    assert {page: set(integers) for page, integers in found.items()} == {
        page: {PERMISSIONS.value} for page in found
    }


def test_the_invite_includes_create_public_threads() -> None:
    assert PERMISSIONS.create_public_threads
    assert PERMISSIONS.value == 309237730304
