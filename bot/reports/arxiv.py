"""arXiv identifiers: recognising them in links and queries, without the version suffix."""

from __future__ import annotations

import re

# New-style ids (since 2007): YYMM.NNNN or YYMM.NNNNN; old-style: archive[.SUB]/YYMMNNN.
_ID = r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_PAPER_URL = re.compile(
    r"^https?://(?:www\.)?(?:huggingface\.co|hf\.co|arxiv\.org|export\.arxiv\.org|alphaxiv\.org)"
    r"/(?:papers|abs|pdf|html|paper)/" + _ID + r"(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_BARE_ID = re.compile(r"^(?:arxiv:)?" + _ID + r"$", re.IGNORECASE)


def arxiv_id_from_url(url: str) -> str | None:
    """The arXiv id a Hugging Face or arXiv paper URL points at, or None."""
    found = _PAPER_URL.match(url.strip())
    return found.group("id") if found else None


def parse_arxiv_id(text: str) -> str | None:
    """The id in `2602.01234`, `2602.01234v2`, `arXiv:2602.01234` or a paper URL, else None."""
    text = text.strip()
    found = _BARE_ID.match(text)
    if found:
        return found.group("id")
    return arxiv_id_from_url(text)


def paper_links(arxiv_id: str) -> dict[str, str]:
    """The three places a reader opens a paper: its Hugging Face page, arXiv abstract and PDF."""
    return {
        "hf": f"https://huggingface.co/papers/{arxiv_id}",
        "arxiv": f"https://arxiv.org/abs/{arxiv_id}",
        "pdf": f"https://arxiv.org/pdf/{arxiv_id}",
    }
