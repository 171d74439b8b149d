"""The Daily Papers report parser: markdown text in, a `Report` out.

Reports are written by people and language models, so their markup drifts from day to day
(the sample alone uses seven styles of section heading). The parser is line based and
tolerant where the meaning is clear — any heading level, bold or not, numbered or not,
Chinese or English names, either colon — and strict where it is not: a text with no paper
blocks, a paper without a link, or a link that names no arXiv paper is a
`ReportFormatError` that points at the line.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.errors import ReportFormatError
from bot.models import SECTION_FIELDS, Paper, ParseWarning, Report
from bot.reports.arxiv import arxiv_id_from_url, impossible_arxiv_id

# Section names as they appear in headings, lower-cased, mapped to the Paper field they fill.
SECTION_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        [
            "应用领域",
            "应用方向",
            "研究领域",
            "领域",
            "application area",
            "application areas",
            "application domain",
            "application",
            "applications",
            "domain",
            "area",
            "field",
        ],
        "domain",
    ),
    **dict.fromkeys(
        [
            "一句话核心贡献",
            "一句话贡献",
            "核心贡献",
            "一句话总结",
            "主要贡献",
            "core contribution",
            "one-line contribution",
            "one-line core contribution",
            "one-sentence contribution",
            "contribution",
            "contributions",
            "key contribution",
            "tl;dr",
            "tldr",
        ],
        "contribution",
    ),
    **dict.fromkeys(
        [
            "使用指南",
            "使用方法",
            "如何使用",
            "使用说明",
            "usage guide",
            "usage",
            "how to use",
            "how to use it",
            "getting started",
            "user guide",
        ],
        "usage",
    ),
    **dict.fromkeys(
        [
            "主要创新点",
            "创新点",
            "主要创新",
            "核心创新点",
            "main innovations",
            "main innovation",
            "key innovations",
            "innovations",
            "novelty",
            "key ideas",
            "highlights",
        ],
        "innovations",
    ),
    **dict.fromkeys(
        [
            "实验效果",
            "实验结果",
            "主要结果",
            "效果",
            "results",
            "experimental results",
            "experiments",
            "main results",
            "evaluation",
            "performance",
        ],
        "results",
    ),
}

LINK_KEYS = frozenset({"链接", "论文链接", "原文链接", "link", "url", "paper", "paper link", "arxiv"})
SOURCE_KEYS = frozenset({"阅读来源", "来源", "reading source", "source", "read from"})
DATE_KEYS = frozenset({"date", "日期", "report date"})
SOURCE_URL_KEYS = frozenset({"source url", "来源链接", "source link", "url"})

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# `- **链接**: value`, `**Date**：value`, `链接: value` — a key/value metadata line.
_KEY_VALUE = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?([^*_:：]{1,40}?)(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(.*)$"
)
# A section heading once the leading `#`s are gone: optional bold, optional number, the name,
# an optional parenthesised gloss, an optional colon, and maybe the section's first text.
_SECTION = re.compile(
    r"^(?:\*\*|__)?\s*(?:[1-9][.、)．]\s*)?(?:\*\*|__)?\s*"
    r"(?P<name>[^*_:：(（\n]+?)\s*(?:[(（][^)）]*[)）])?\s*(?:\*\*|__)?\s*"
    r"(?:[:：]\s*(?:\*\*|__)?\s*(?P<rest>.*))?$"
)
MAX_HEADING_LINE = 20_000
# Warnings kept per report; the rest are counted in one last warning. A generated report can
# lack a section in every paper: 35,000 papers made 140,000 warning lines on stderr.
MAX_WARNINGS = 50
_SEPARATOR = re.compile(r"^\s*(?:={3,}|-{3,}|\*{3,}|_{3,})\s*$")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_URL = re.compile(r"https?://[^\s)>\]]+")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((\S+?)\)")
_EMPHASIS = re.compile(r"(\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*]))")
_BULLET = re.compile(r"^(\s*)[*+](\s+)")
# Control characters (other than tab and newline) and bidirectional overrides can corrupt a
# terminal or disguise text in chat; report text is untrusted, so they never leave the parser.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_REPORT_TITLE = re.compile(r"daily papers|每日论文|论文日报", re.IGNORECASE)


@dataclass(slots=True)
class _PaperDraft:
    line: int
    title: str
    url: str = ""
    url_line: int = 0
    source: str = ""
    sections: dict[str, list[str]] = field(default_factory=dict)
    # Sections whose first text stood on the heading line, so it carries no indentation.
    inline: set[str] = field(default_factory=set)
    current: str | None = None


def parse_report(text: str, *, origin: str | None = None, default_date: dt.date | None = None) -> Report:
    """Parse a report's markdown. `origin` names the file or URL in errors.

    `default_date` is used when the text itself carries no date (a URL template fetched for
    a given day knows the date even if the report forgot it).
    """
    return _Parser(text, origin, default_date).run()


class _Parser:
    def __init__(self, text: str, origin: str | None, default_date: dt.date | None) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _UNSAFE.sub("", text)
        self.lines = [line.rstrip() for line in text.split("\n")]
        self.origin = origin
        self.default_date = default_date
        self.warnings: list[ParseWarning] = []
        self.date: dt.date | None = None
        self.date_line = 0
        self.source_url: str | None = None
        self.looks_like_report = False
        self.drafts: list[_PaperDraft] = []

    def error(self, message: str, line: int | None) -> ReportFormatError:
        return ReportFormatError(message, line=line, origin=self.origin)

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(ParseWarning(line, message))

    def run(self) -> Report:
        marker = any(_is_paper_marker(line) for line in self.lines)
        draft: _PaperDraft | None = None
        for number, line in enumerate(self.lines, start=1):
            heading = _HEADING.match(line)
            if heading and _starts_paper(heading, marker):
                draft = _PaperDraft(line=number, title=_clean_title(heading.group(2)))
                if not draft.title:
                    raise self.error("paper heading without a title", number)
                self.drafts.append(draft)
            elif draft is None:
                self.read_header_line(number, line, heading)
            else:
                self.read_paper_line(draft, number, line, heading)
        if not self.drafts and not self.looks_like_report:
            raise self.error(
                "not a Daily Papers report: no paper headings ('## 📄 Title') and no report date", 1
            )
        papers = tuple(self.finish(draft) for draft in self.drafts_without_duplicates())
        return Report(
            date=self.report_date(),
            papers=papers,
            source_url=self.source_url,
            warnings=self.bounded_warnings(),
        )

    def bounded_warnings(self) -> tuple[ParseWarning, ...]:
        if len(self.warnings) <= MAX_WARNINGS:
            return tuple(self.warnings)
        kept = self.warnings[: MAX_WARNINGS - 1]
        rest = self.warnings[MAX_WARNINGS - 1 :]
        summary = ParseWarning(rest[0].line, f"{len(rest)} more warnings like these, not shown")
        return (*kept, summary)

    def read_header_line(self, number: int, line: str, heading: re.Match[str] | None) -> None:
        if heading:
            if _REPORT_TITLE.search(heading.group(2)):
                self.looks_like_report = True
            if self.date is None and (found := _ISO_DATE.search(heading.group(2))):
                self.set_date(found, number)
            return
        pair = _KEY_VALUE.match(line)
        if not pair:
            return
        key, value = pair.group(1).strip().lower(), _strip_emphasis(pair.group(2)).strip()
        if key in DATE_KEYS and (found := _ISO_DATE.search(value)):
            self.set_date(found, number)
            self.looks_like_report = True
        elif key in SOURCE_URL_KEYS and (url := _URL.search(value)):
            self.source_url = url.group(0)
            if self.date is None and (found := _ISO_DATE.search(value)):
                self.set_date(found, number)

    def set_date(self, found: re.Match[str], number: int) -> None:
        try:
            self.date = dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            raise self.error(f"invalid report date {found.group(0)!r}", number) from None
        self.date_line = number

    def read_paper_line(
        self, draft: _PaperDraft, number: int, line: str, heading: re.Match[str] | None
    ) -> None:
        if _SEPARATOR.match(line):
            draft.current = None
            return
        body = heading.group(2) if heading else line
        section = _match_section(body)
        if section is not None:
            name, rest = section
            if name in draft.sections:
                self.warn(number, f"section {name!r} repeated; its texts are joined")
            draft.current = name
            texts = draft.sections.setdefault(name, [])
            if rest:
                if not texts:
                    draft.inline.add(name)
                texts.append(rest)
            return
        if draft.current is not None:
            draft.sections[draft.current].append(line)
            return
        self.read_paper_metadata(draft, number, line, heading)

    def read_paper_metadata(
        self, draft: _PaperDraft, number: int, line: str, heading: re.Match[str] | None
    ) -> None:
        if heading or not line.strip():
            return  # an in-paper title line (`# SPARKLING: …`) or blank space
        pair = _KEY_VALUE.match(line)
        key = pair.group(1).strip().lower() if pair else ""
        if pair and key in SOURCE_KEYS:
            draft.source = _strip_emphasis(pair.group(2)).strip()
        elif not draft.url and ((pair and key in LINK_KEYS) or _URL.search(line)):
            found = _URL.search(line)
            if found is None:
                raise self.error("paper link line holds no URL", number)
            draft.url, draft.url_line = found.group(0).rstrip(".,;，。"), number

    def report_date(self) -> dt.date:
        if self.date is not None:
            return self.date
        if self.default_date is not None:
            return self.default_date
        raise self.error("report has no date (expected a '**Date**: YYYY-MM-DD' line)", 1)

    def drafts_without_duplicates(self) -> Iterator[_PaperDraft]:
        seen: dict[str, int] = {}
        for draft in self.drafts:
            if not draft.url:
                raise self.error(
                    f"paper {draft.title!r} has no link (expected '- **链接**: URL')", draft.line
                )
            arxiv_id = arxiv_id_from_url(draft.url)
            if arxiv_id is None:
                problem = impossible_arxiv_id(draft.url)
                why = f"an impossible arXiv id ({problem})" if problem else "no arXiv paper"
                raise self.error(f"link {draft.url!r} names {why}", draft.url_line)
            if arxiv_id in seen:
                self.warn(draft.line, f"paper {arxiv_id} repeated (first at line {seen[arxiv_id]}); skipped")
                continue
            seen[arxiv_id] = draft.line
            yield draft

    def finish(self, draft: _PaperDraft) -> Paper:
        arxiv_id = arxiv_id_from_url(draft.url)
        assert arxiv_id is not None  # checked by drafts_without_duplicates
        texts: dict[str, str] = {}
        for name in SECTION_FIELDS:
            lines = draft.sections.get(name)
            texts[name] = _plain_text(lines, first_inline=name in draft.inline) if lines else ""
            if not texts[name]:
                self.warn(draft.line, f"paper {arxiv_id}: section {name!r} is missing or empty")
        return Paper(
            arxiv_id=arxiv_id,
            title=draft.title,
            url=draft.url,
            source=draft.source,
            domain=texts["domain"],
            contribution=texts["contribution"],
            usage=texts["usage"],
            innovations=texts["innovations"],
            results=texts["results"],
        )


def _is_paper_marker(line: str) -> bool:
    return line.startswith("#") and "📄" in line[:12]


def _starts_paper(heading: re.Match[str], marker: bool) -> bool:
    """Whether a heading opens a paper block.

    Reports mark paper headings with 📄; a report without any such marker is read as one
    paper per level-2 heading that is not a section heading.
    """
    if marker:
        return len(heading.group(1)) in (2, 3) and "📄" in heading.group(2)[:4]
    return len(heading.group(1)) == 2 and _match_section(heading.group(2)) is None


def _match_section(text: str) -> tuple[str, str] | None:
    """(field, text on the same line) when `text` is a section heading, else None."""
    # A heading may carry its whole section on the same line ("1. **应用领域**：…"), so long
    # lines are read too; only absurd ones are skipped, to keep the scan cheap.
    if len(text) > MAX_HEADING_LINE:
        return None
    found = _SECTION.match(text.strip())
    if not found:
        return None
    name = SECTION_ALIASES.get(found.group("name").strip().lower())
    if name is None:
        return None
    rest = found.group("rest") or ""
    return name, rest.strip()


def _clean_title(raw: str) -> str:
    """The heading text without decorative emoji and emphasis."""
    title = _strip_emphasis(raw).strip()
    while title and (unicodedata.category(title[0]) in {"So", "Sk", "Mn", "Cf"} or title[0] in "\ufe0f "):
        title = title[1:]
    return " ".join(title.split())


def _strip_emphasis(text: str) -> str:
    text = _MD_LINK.sub(_link_text, text)
    text = text.replace("`", "")
    return _EMPHASIS.sub("", text)


def _link_text(found: re.Match[str]) -> str:
    label, url = found.group(1).strip(), found.group(2)
    return url if not label or label == url else f"{label} ({url})"


def _plain_text(lines: list[str], *, first_inline: bool = False) -> str:
    """Section lines as plain text: emphasis removed, bullets as '- ', line breaks kept."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    indented = lines[1:] if first_inline else lines
    indents = [len(line) - len(line.lstrip()) for line in indented if line.strip()]
    cut = min(indents, default=0)
    out: list[str] = []
    for line in lines:
        line = line[cut:] if not line[:cut].strip() else line.lstrip()
        line = _BULLET.sub(_bullet, line)
        out.append(_strip_emphasis(line).rstrip())
    return "\n".join(out)


def _bullet(found: re.Match[str]) -> str:
    # Reports indent nested bullets by 3–4 spaces; keep nesting as two spaces per level.
    depth = len(found.group(1)) // 3
    return "  " * depth + "- "
