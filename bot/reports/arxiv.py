"""arXiv identifiers: recognising them in links and queries, in one canonical form.

Canonical form: no version suffix; new-style ids as `YYMM.NNNNN` (`YYMM.NNNN` before 2015);
old-style ids as `archive/YYMMNNN`, lower-case and without the subject class
(`HEP-TH/9901001` and `math.GT/0309136` are `hep-th/9901001` and `math/0309136`, the same papers
on arXiv), so case variants of one paper are one paper. Ids no paper can have are refused:
month 00 or 13, a new-style id before April 2007 (`0000.00000`), five digits before 2015 or four
after, an old-style id outside 1991–2007.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the catalogue loads only to word a problem: a lookup by id needs none of it
    from bot.i18n import Phrase

# New-style ids (since 2007): YYMM.NNNN or YYMM.NNNNN; old-style: archive[.SUB]/YYMMNNN.
_ID = r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?"
_URL_REST = (
    r"(?:www\.)?(?:huggingface\.co|hf\.co|arxiv\.org|export\.arxiv\.org|alphaxiv\.org)"
    r"/(?:papers|abs|pdf|html|paper)/" + _ID + r"(?:\.pdf)?/?(?:[?#].*)?$"
)
_PAPER_URL = re.compile(r"^https?://" + _URL_REST, re.IGNORECASE)
# `arXiv:ID` as papers cite it, and `arXiv ID` / `arXiv: ID` as people type it.
_BARE_ID = re.compile(r"^(?:arxiv\s*:?\s*)?" + _ID + r"$", re.IGNORECASE)
# What people paste besides an id or a link: the link as a browser's address bar shows it, without
# its scheme (`hf.co/papers/ID`, `arxiv.org/abs/ID`), and the DOI arXiv gives every paper
# (`10.48550/arXiv.ID`, `https://doi.org/10.48550/arXiv.ID`), as citations and BibTeX have it.
_PAPER_ADDRESS = re.compile(r"^(?:https?://)?" + _URL_REST, re.IGNORECASE)
_ARXIV_DOI = re.compile(
    r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?10\.48550/arxiv\." + _ID + r"$", re.IGNORECASE
)
FIRST_NEW_STYLE = 704  # April 2007, YYMM
FIRST_FIVE_DIGITS = 1501  # January 2015
OLD_STYLE_YEARS = (91, 7)  # 1991 to 2007, YY


def why_impossible(raw: str) -> Phrase | None:
    """Why `raw` (an id without version, as the patterns above capture it) is impossible, as a
    catalogue phrase (a chat reply says it in the caller's language), or None."""
    if "/" in raw:
        number = raw.split("/", 1)[1]
        year, month = int(number[:2]), int(number[2:4])
        if not 1 <= month <= 12:
            return _phrase("arxiv.no_such_month", month=number[2:4])
        if OLD_STYLE_YEARS[1] < year < OLD_STYLE_YEARS[0]:
            return _phrase("arxiv.old_style_years")
        return None
    stem, number = raw.split(".", 1)
    yymm, month = int(stem), int(stem[2:])
    if not 1 <= month <= 12:
        return _phrase("arxiv.no_such_month", month=stem[2:])
    if yymm < FIRST_NEW_STYLE:
        return _phrase("arxiv.new_style_start")
    if len(number) == 5 and yymm < FIRST_FIVE_DIGITS:
        return _phrase("arxiv.five_digits_start")
    if len(number) == 4 and yymm >= FIRST_FIVE_DIGITS:
        return _phrase("arxiv.five_digits_since")
    return None


def _phrase(key: str, **values: Any) -> Phrase:
    from bot.i18n import Phrase

    return Phrase(key, values)


def _english(problem: Phrase | None) -> str | None:
    from bot.i18n import t

    return None if problem is None else t(problem.key, "en", **problem.values)


def id_problem(raw: str) -> str | None:
    """`why_impossible`, in English (parser warnings, logs)."""
    return _english(why_impossible(raw))


def canonical(raw: str) -> str:
    """The canonical spelling of a possible id (see the module docstring)."""
    if "/" not in raw:
        return raw
    archive, number = raw.lower().split("/", 1)
    return archive.split(".", 1)[0] + "/" + number


def _valid(found: re.Match[str] | None) -> str | None:
    if found is None or why_impossible(found.group("id")) is not None:
        return None
    return canonical(found.group("id"))


def arxiv_id_from_url(url: str) -> str | None:
    """The canonical arXiv id a Hugging Face or arXiv paper URL points at, or None."""
    return _valid(_PAPER_URL.match(url.strip()))


def _pasted_id(text: str) -> re.Match[str] | None:
    return _BARE_ID.match(text) or _PAPER_ADDRESS.match(text) or _ARXIV_DOI.match(text)


def parse_arxiv_id(text: str) -> str | None:
    """The canonical id in `2602.01234`, `2602.01234v2`, `arXiv:2602.01234`, a paper URL (with or
    without `https://`) or arXiv's DOI `10.48550/arXiv.2602.01234`, else None."""
    text = text.strip()
    return _valid(_pasted_id(text))


def impossible_arxiv_id(text: str) -> str | None:
    """For text shaped like an arXiv id or paper URL that no paper can have: why (in English).
    Else None."""
    return _english(impossible_id_phrase(text))


def impossible_id_phrase(text: str) -> Phrase | None:
    """`impossible_arxiv_id` as a catalogue phrase, for a reply in the caller's language."""
    text = text.strip()
    found = _pasted_id(text)
    return why_impossible(found.group("id")) if found else None


def paper_links(arxiv_id: str) -> dict[str, str]:
    """The three places a reader opens a paper: its Hugging Face page, arXiv abstract and PDF."""
    return {
        "hf": f"https://huggingface.co/papers/{arxiv_id}",
        "arxiv": f"https://arxiv.org/abs/{arxiv_id}",
        "pdf": f"https://arxiv.org/pdf/{arxiv_id}",
    }


# The image Hugging Face serves as a paper page's social preview (the page's `og:image`, a PNG),
# built from the arXiv id alone, like the links above.
THUMBNAIL_URL = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png"
_NEW_STYLE = re.compile(r"^\d{4}\.\d{4,5}$")


def thumbnail_url(arxiv_id: str) -> str | None:
    """The Hugging Face social thumbnail of a paper (`/paper set images on`), or None for an id
    Hugging Face has no paper page for (old-style ids such as `hep-th/9901001`)."""
    return THUMBNAIL_URL.format(arxiv_id=arxiv_id) if _NEW_STYLE.match(arxiv_id) else None
