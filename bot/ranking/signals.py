"""Community signals on a digest card: upvotes, the code repository, the project page.

They come from the Hugging Face API (markdown reports carry none), so the URLs are untrusted:
a card links one only when `safe_url` accepts it — https, a host, no credentials, and none of
the characters that could close or bend a link in Slack's `<url|label>` or Discord's
`[label](url)` markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.ranking.digest import DigestItem

# Slack: a button or link URL ≤ 3,000; Discord: a link button ≤ 512. A real link is far shorter.
MAX_URL = 512
# RFC 3986's unreserved and reserved characters and `%`, minus those with meaning in chat
# markup: ( ) [ ] < > | ' " ` { } \ and whitespace.
_SAFE_URL = re.compile(r"[A-Za-z0-9\-._~:/?#@!$&*+,;=%]+")
# What the Hugging Face API sometimes gives instead of a URL: `owner/repo`.
_GITHUB_NAME = re.compile(r"[A-Za-z0-9\-_.]+/[A-Za-z0-9\-_.]+")


def safe_url(text: str | None) -> str | None:
    """`text` if it is a link a card may show, else None."""
    if not text:
        return None
    url = text.strip()
    if len(url) > MAX_URL or not _SAFE_URL.fullmatch(url):
        return None
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not hostname or "@" in parts.netloc:
        return None
    return url


def code_url(github_repo: str | None) -> str | None:
    """The code repository's link: a safe URL, or `owner/repo` made a GitHub URL."""
    if github_repo and _GITHUB_NAME.fullmatch(github_repo.strip()) and ".." not in github_repo:
        return f"https://github.com/{github_repo.strip()}"
    return safe_url(github_repo)


@dataclass(frozen=True, slots=True)
class Signals:
    upvotes: int | None = None
    code: str | None = None  # safe URLs only
    project_page: str | None = None

    def __bool__(self) -> bool:
        return self.upvotes is not None or self.code is not None or self.project_page is not None


def signals_of(item: DigestItem) -> Signals:
    """What a card may show of the paper's community signals (nothing for a markdown report)."""
    upvotes = item.upvotes if item.upvotes is not None and item.upvotes >= 0 else None
    return Signals(upvotes, code_url(item.github_repo), safe_url(item.project_page))
