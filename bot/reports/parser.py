"""The digest parser: markdown text in, a `Report` out.

Daily-paper digests are written by people and language models in many shapes: a `## 📄 Title`
per paper with five numbered sections (our own reports), numbered `### 1. Title` analyses with
their link at the end, linked headings, `<details>` blocks, bold numbered paragraphs with a
link under them, numbered lists with link bullets, tables of papers (markdown or HTML), single
"paper of the day" posts, in Chinese, English and Korean. So the parser looks for papers, not for
a heading style:

- A **paper** is a block that names one paper: a Hugging Face or arXiv link or id in its heading,
  on a link line under it (`- **链接**: URL`, `[查看详情](URL)`), in a labelled field (`arXiv ID:`),
  or in its first lines. Headings, list items and rows of a papers table can all be papers.
- Everything else (statistics, summaries, "how to read this") is **context**: skipped, and named
  in one summary warning. A block naming two different papers is never merged into one paper.
- Inside a paper, labelled parts map onto the five sections by meaning (labels.py); every other
  part is kept as `extra` text that lookup and matching read at a lower weight.

Only a text with no paper at all is a `ReportFormatError`; one odd paper (a `## 📄` heading with
no usable link) is skipped with its line number and the rest is kept.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from bot.errors import ReportFormatError
from bot.models import SECTION_FIELDS, Paper, ParseWarning, Report
from bot.reports.arxiv import arxiv_id_from_url, impossible_arxiv_id
from bot.reports.counts import upvote_count
from bot.reports.html_tables import HtmlRow, HtmlTable, html_tables
from bot.reports.labels import (
    DATE_KEYS,
    ID_KEYS,
    LINK_KEYS,
    ORIGINAL_TITLE_KEYS,
    SOURCE_KEYS,
    SOURCE_URL_KEYS,
    TITLE_KEYS,
    label_key,
    section_for,
)
from bot.reports.markdown import (
    NO_REFS,
    SEPARATOR,
    Heading,
    KeyValue,
    Refs,
    clean_lines,
    clean_title,
    comparable,
    find_date,
    find_headings,
    front_matter_end,
    id_lines,
    is_decoration,
    is_link_line,
    key_value,
    line_refs,
    link_texts,
    paper_host_lines,
    plain_text,
    strip_emphasis,
    strip_links,
    strip_tags,
    text_lines_with,
    trailing_votes,
    urls,
)
from bot.text import count, first_sentence

# Warnings kept per report; the rest are counted in one last warning. A generated report can
# lack a section in every paper: 35,000 papers made 140,000 warning lines on stderr.
MAX_WARNINGS = 50
MAX_LABEL_LINE = 80  # a label line is short; longer lines are text, whatever they start with
# What a day's digest calls itself (`# 日报 · 2026-05-02`, `# 每日 arXiv 论文精选`, `# Daily AI Papers`):
# a text titled so is a report even on a day with no papers, not a wrong file.
_REPORT_TITLE = re.compile(
    r"daily (?:ai )?papers?|papers? digest|daily digest|daily arxiv|arxiv daily"
    r"|日报|每日.{0,16}(?:论文|arxiv|paper)|论文(?:速览|推荐|精选)|今日论文|데일리|일일 논문",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^( {0,3})(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_EMPHASISED_LABEL = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\d{1,2}[.、)]\s*)?(\*{1,3}|_{1,3})(?P<label>[^*_\n]{1,60}?)\1\s*[:：]?\s*$"
)
_NUMBERED_LABEL = re.compile(
    r"^\s*(?:\d{1,2}[.、)．]|[一二三四五六七八九十]{1,3}[、.．])\s*(?P<label>[^\n]{1,40})$"
)
_NUMBERED_START = re.compile(r"^\s*(?:\d{1,2}[.、)．]|[一二三四五六七八九十]{1,3}[、.．])")
# Longer than the longest label a word in it names (`4. 从实用性、创新性和推荐度进行打分`, 16).
_LONGEST_LABEL = 24
_CJK_NUMBERED = re.compile(r"^\s*[一二三四五六七八九十]{1,3}[、.．]")
_BULLETED = re.compile(r"^\s*[-*+•]\s")
_METADATA_KEYS = SOURCE_KEYS | LINK_KEYS | ID_KEYS
_FIELD_KEYS = _METADATA_KEYS | ORIGINAL_TITLE_KEYS | TITLE_KEYS  # the keys read_metadata takes
_RULE_STARTS = frozenset({"===", "---", "***", "___"})
_ITEM_STARTS = frozenset("-*+0123456789")
_FIELD_SPLIT = re.compile(r"\s+\|\s+(?=\*\*[^*|]{1,30}\*\*\s*[:：])")
_PAPERISH = ("📄", "📃", "📑")
# What a link field holds when its generator had no link to write: `[]()`, `<>`, `[链接]()`.
_EMPTY_LINK = re.compile(r"\[[^\]]{0,40}\]\(\s*\)|<\s*>|[*_`\s]")
_ROLE_SKIP = frozenset(
    {"#", "no", "rank", "순위", "排名", "序号", "date", "日期", "날짜", "소스", "source", "来源"}
)
_ROLE_VOTES = frozenset({"upvotes", "votes", "likes", "👍", "stars", "좋아요", "点赞", "赞"})
_NOT_IN_LABELS = frozenset(",.;，。；()（）")  # a key holding these is part of a sentence


@dataclass(slots=True)
class _Part:
    """One labelled part of a paper: a section (a Paper field) or, when None, extra text under `label`."""

    section: str | None
    label: str
    lines: list[str] = field(default_factory=list)
    inline: bool = False  # its first text stood on the label's line (no indentation to go by)


@dataclass(slots=True)
class _Draft:
    arxiv_id: str
    line: int  # 1-based line of the paper's heading, item or row
    title: str
    url: str
    parts: list[_Part] = field(default_factory=list)
    source: str = ""
    original_title: str = ""
    title_field: str = ""
    upvotes: int | None = None
    from_table: bool = False
    heading: bool = False  # the paper's own heading, not an item or row of a list of papers


@dataclass(slots=True)
class _Block:
    """A heading with the ids its region names, strongest evidence first."""

    heading: Heading
    ids: tuple[str, ...] = ()
    strength: int = 0  # 1 heading text, 2 link line or labelled id, 3 first lines, 4 anywhere; 0 none
    bad_link: tuple[int, str] | None = None  # (line, url) of a link line naming no paper
    end: int = 0  # index after its region (up to the next heading that is not a label)
    lists: bool = False  # its ids come from a list or table under it: its items are the papers
    links_table: bool = False  # its one id comes from a table whose every row links that paper
    empty_link: tuple[int, str] | None = (
        None  # (line, text) of its link field left empty: `**论文链接：** []()`
    )


def parse_report(text: str, *, origin: str | None = None, default_date: dt.date | None = None) -> Report:
    """Parse a digest's markdown. `origin` names the file or URL in errors.

    `default_date` is used when the text itself carries no date (a URL template fetched for
    a given day knows the date even if the report forgot it).
    """
    return _Parser(text, origin, default_date).run()


class _Parser:
    def __init__(self, text: str, origin: str | None, default_date: dt.date | None) -> None:
        self.lines = clean_lines(text)
        self.origin = origin
        self.default_date = default_date
        self.warnings: list[ParseWarning] = []
        self.details: list[ParseWarning] = []
        self.date: dt.date | None = None
        self.source_url: str | None = None
        self.looks_like_report = False
        self.skipped = [False] * len(self.lines)
        self.refs_cache: dict[int, Refs] = {}
        # Lines that could name a paper, found once: most lines of a digest are prose and need
        # no closer look.
        # (The lines are joined once for the three searches: 34 µs a join on a 76,000-character digest.)
        joined = "\n".join(self.lines)
        self.paperish = paper_host_lines(joined)
        self.idish = id_lines(joined)
        self.linkish = sorted(self.paperish | self.idish | text_lines_with(joined, "http"))
        self.extents: list[tuple[int, int]] = []  # [start, end) of each paper heading's text
        self.heading_at: dict[int, Heading] = {}
        self.headings: list[Heading] = []
        self.heading_lines: list[int] = []
        self.odd_lines: set[int] = set()  # headings of papers skipped for want of an id
        self.metadata_ends: dict[int, int] = {}
        self.unreadable: list[ParseWarning] = []  # why each paper the digest meant was skipped
        # HTML tables holding papers, by the line each starts on, with each row's ids; the
        # lines they span (their rows are read as rows, not as lines of text naming papers);
        # and the line and ids of each row naming a paper, in order (bisected by `evidence`).
        self.html_tables: dict[int, tuple[HtmlTable, list[tuple[HtmlRow, tuple[str, ...]]]]] = {}
        self.html_lines: set[int] = set()
        self.html_row_lines: list[int] = []
        self.html_row_ids: list[tuple[str, ...]] = []

    def error(self, message: str, line: int | None) -> ReportFormatError:
        return ReportFormatError(message, line=line, origin=self.origin)

    # -- structure -------------------------------------------------------------------------

    def run(self) -> Report:
        start = front_matter_end(self.lines)
        self.read_front_matter(start)
        for i in range(start):
            self.skipped[i] = True
        tables: list[int] = []
        headings = self.bold_papers(find_headings(self.lines, start, self.skipped, tables), start)
        if tables:
            self.read_html_tables(tables)
        self.heading_at = {heading.line: heading for heading in headings}
        self.headings = headings
        self.heading_lines = [heading.line for heading in headings]  # sorted: headings come in order
        blocks = self.blocks(headings, start)
        papers_at = self.paper_headings(blocks)
        first_paper = min((b.heading.line for b in papers_at), default=len(self.lines))
        self.read_header(start, first_paper, headings)
        drafts, covered = self.heading_papers(blocks, papers_at)
        drafts = self.item_papers(drafts, covered, start)
        if not drafts:
            if self.unreadable:  # the only papers it lists are unreadable: say why the first one is
                first = self.unreadable[0]
                raise self.error(
                    first.message.removesuffix("; skipped").split("; skipped:")[0], first.line or 1
                )
            if not self.looks_like_report:
                raise self.error(
                    "not a Daily Papers report: no paper found (a paper is a heading, list item or table "
                    "row with a Hugging Face or arXiv link or id)",
                    1,
                )
        papers = [self.finish(draft) for draft in drafts]
        self.summarise(papers, blocks, papers_at)
        return Report(
            date=self.report_date(),
            papers=tuple(papers),
            source_url=self.source_url,
            warnings=self.bounded_warnings(),
        )

    def refs(self, i: int, *, bare: bool = False) -> Refs:
        if self.skipped[i] or (i not in self.paperish and (not bare or i not in self.idish)):
            return NO_REFS
        key = -i - 1 if bare else i
        found = self.refs_cache.get(key)
        if found is None:
            found = self.refs_cache[key] = line_refs(self.lines[i], bare=bare)
        return found

    def names_paper(self, i: int) -> bool:
        """Whether `self.refs(i)` names a paper. A link line under a paper's heading was most
        often read bare already (as a list item, by `evidence`), and a line's links are found
        alike either way: links found then answer without reading the line again (4.1 µs, once
        a paper)."""
        read_bare = self.refs_cache.get(-i - 1)
        if read_bare is not None and read_bare.links and not self.skipped[i] and i in self.paperish:
            return True
        return bool(self.refs(i).ids)

    def bold_papers(self, headings: list[Heading], start: int) -> list[Heading]:
        """The headings, with the bold numbered lines that open a paper as a heading would (a
        digest with no markdown headings: `**1. Title**` then `[Read Paper](…)`) and without the
        others, which stay text: section labels (`**2. 工作的主要亮点**`), a list's lead-in."""
        if not any(heading.bold for heading in headings):
            return headings
        others = {heading.line for heading in headings if not heading.bold}
        kept = [h for h in headings if not h.bold or self.bold_opens_paper(h, start, others)]
        for heading in kept:
            for i in range(heading.line + 1, heading.line + 1 + heading.wrapped):
                self.skipped[i] = True  # the rest of the title, not the paper's first words
        return kept

    def bold_opens_paper(self, heading: Heading, start: int, heading_lines: set[int]) -> bool:
        """Whether a bold numbered line starts a paragraph, is no section or link label, and is
        followed in its paragraph (within three lines) by link lines naming one paper."""
        i = heading.line
        if i > start:
            before = self.lines[i - 1]
            if before.strip() and i - 1 not in heading_lines and not SEPARATOR.match(before):
                return False  # inside a paragraph or a list
        if section_for(heading.text, by_words=False) is not None or label_key(heading.text) in _FIELD_KEYS:
            return False  # `**3. 使用指南**` is a section, whatever links its text holds
        ids = set(self.refs(i).ids)
        for j in range(i + 1 + heading.wrapped, min(i + 4 + heading.wrapped, len(self.lines))):
            line = self.lines[j]
            if not line.strip():
                break
            if j in self.paperish and is_link_line(line):
                ids.update(self.refs(j).ids)
        return len(ids) == 1

    def read_html_tables(self, starts: list[int]) -> None:
        """The HTML tables with a row naming one paper (a table of papers): their rows are read
        like a markdown table's. Other tables (a layout, statistics) stay text, as before."""
        for table in html_tables(self.lines, starts):
            named = [(row, self.row_ids(row)) for row in table.rows]
            if not any(len(ids) == 1 for _row, ids in named):
                continue
            self.html_tables[table.start] = (table, named)
            self.html_lines.update(range(table.start, table.end))
            for row, ids in named:
                if row.unread:
                    self.warn(row.line + 1, "table row not read: its HTML has tags that never end; skipped")
                elif ids:
                    self.html_row_lines.append(row.line)
                    self.html_row_ids.append(ids)

    @staticmethod
    def row_ids(row: HtmlRow) -> tuple[str, ...]:
        """The papers an HTML row names: in attributes (`data-arxiv-id`), links and its text."""
        return tuple(dict.fromkeys((*row.ids, *line_refs(row.text, bare=True).ids)))

    def blocks(self, headings: list[Heading], start: int) -> list[_Block]:
        """Every heading that is not a section label, with the papers its region names.

        A label heading (`### 本文工作总结`, `#### What's New`) belongs to the heading above it, so
        a link under it counts for that heading: the region of a heading runs to the next
        heading that is not a label."""
        own: list[Heading] = []
        titles = self.numbered_titles(headings)
        for n, heading in enumerate(headings):
            nested = bool(own) and heading.level > own[-1].level
            label = nested and n not in titles and section_for(heading.text, by_words=True) is not None
            if heading.closes or not label:
                own.append(heading)
        blocks: list[_Block] = []
        for n, heading in enumerate(own):
            end = own[n + 1].line if n + 1 < len(own) else len(self.lines)
            block = _Block(heading, end=end)
            if not heading.closes:
                self.evidence(block)
            blocks.append(block)
        _lift_links_tables(blocks)
        return blocks

    @staticmethod
    def numbered_titles(headings: list[Heading]) -> set[int]:
        """The numbered headings that a word in them would make labels (`### 1. MMVU：专家级多学科视频
        理解评估`, `### 1. REINFORCE++：…对齐方法`) but that are papers' titles: their numbered
        siblings (same level, same heading above) are mostly not labels, as papers' are not; or
        it reads as a title: a name, a colon, then more words, or longer than any label."""
        runs: dict[tuple[int, int], list[tuple[int, bool]]] = {}
        parents: list[Heading] = []  # the open headings above, by level
        for n, heading in enumerate(headings):
            while parents and parents[-1].level >= heading.level:
                parents.pop()
            parent = parents[-1].line if parents else -1
            parents.append(heading)
            if heading.closes or not _numbered_start(heading.text):
                continue
            label = section_for(heading.text, by_words=True) is not None
            runs.setdefault((parent, heading.level), []).append((n, label))
        titles: set[int] = set()
        for run in runs.values():
            labels = sum(label for _n, label in run)
            for n, label in run:
                if not label:
                    continue
                others = len(run) - 1
                if (others and 2 * (labels - 1) < others) or _reads_as_title(headings[n].text):
                    titles.add(n)
        return titles

    def evidence(self, block: _Block) -> None:
        heading = block.heading
        named = self.refs(heading.line, bare=True).ids
        if named:
            block.ids, block.strength = named, 1
            return
        tiers: list[list[str]] = [[], [], []]
        own_links: list[str] = []  # link lines that are not items of a list or table
        items: list[str] = []
        rows = 0  # table rows naming a paper
        lead_end = self.lead_end(heading.line + 1, block.end)
        # Only the lines that could name a paper or hold a link need a closer look.
        start = bisect.bisect_left(self.linkish, heading.line + 1)
        stop = bisect.bisect_left(self.linkish, block.end)
        html = self.html_lines
        for i in self.linkish[start:stop]:
            line = self.lines[i]
            if self.skipped[i] or i in html:  # an HTML table's rows are counted below
                continue
            first = line.lstrip()[:1]
            in_table = first == "|" or self.continues_table(i)
            is_item = in_table or (first in _ITEM_STARTS and _LIST_ITEM.match(line) is not None)
            refs = self.refs(i, bare=is_item)
            if is_item and not (refs.ids and self.is_link_field(line)):
                items.extend(refs.ids)
                rows += in_table and bool(refs.ids)
            if refs is NO_REFS and not (
                "http" in line and not is_decoration(line) and is_link_line(line) and key_value(line)
            ):
                continue
            if is_link_line(line):
                if not is_item or self.is_link_field(line):  # `- **链接**: URL` is the heading's own
                    own_links.extend(refs.ids)
                tiers[0].extend(refs.ids)
                if not refs.ids and block.bad_link is None:
                    block.bad_link = (i + 1, refs.bad[0] if refs.bad else _first_url(line))
            elif i < lead_end:
                tiers[1].extend(refs.ids)
            else:
                tiers[2].extend(refs.ids)
        if self.html_row_lines:
            low = bisect.bisect_left(self.html_row_lines, heading.line + 1)
            high = bisect.bisect_left(self.html_row_lines, block.end)
            for row_ids in self.html_row_ids[low:high]:
                items.extend(row_ids)
                rows += 1
        # A link line of its own names the paper; else a list or table naming several papers
        # makes the heading a list of papers (`## 📊 좋아요 순위`, `## 📋 논문 목록`).
        if len(set(own_links)) == 1:
            block.ids, block.strength = (own_links[0],), 2
            return
        if rows > 1 and len(set(items)) == 1:
            # `| Hugging Face | …/papers/2601.06943 |`, `| ArXiv Abstract | …/abs/2601.06943 |`: one
            # paper's links (kpollz/daily_papers_tool's `### Related Links`), not a list of papers.
            block.ids, block.strength, block.links_table = (items[0],), 2, True
            return
        if len(set(items)) > 1 or rows:
            block.ids, block.strength = tuple(dict.fromkeys(items)), 2
            block.lists = True
            return
        for strength, ids in enumerate(tiers, start=2):
            if ids:
                block.ids, block.strength = tuple(dict.fromkeys(ids)), strength
                return
        block.empty_link = self.empty_link_field(heading.line + 1, min(block.end, heading.line + 16))

    def empty_link_field(self, start: int, end: int) -> tuple[int, str] | None:
        """The first link field among lines start…end that its generator left empty (`**论文链接：**
        []()`, `- **Link**:`): the heading was meant as a paper whose link got lost, which is
        said, not taken for a section of the report. Only the heading's own lines count, up to
        the next heading of any kind (a label's link belongs to the label's paper)."""
        after = bisect.bisect_left(self.heading_lines, start)
        if after < len(self.heading_lines):
            end = min(end, self.heading_lines[after])
        for i in range(start, end):
            line = self.lines[i]
            if self.skipped[i] or (":" not in line and "：" not in line):
                continue
            pair = key_value(line)
            if pair is not None and pair.key in LINK_KEYS and not _EMPTY_LINK.sub("", pair.value).strip():
                return i + 1, line.strip()
        return None

    def paper_headings(self, blocks: list[_Block]) -> list[_Block]:
        """The blocks that are papers: one id each; weak evidence (a link anywhere in the text)
        counts only at the level where the other papers are."""
        single = self.strongest_per_id([b for b in blocks if len(b.ids) == 1 and not b.lists])
        strong = [b.heading.level for b in single if b.strength <= 3]
        weak = [b.heading.level for b in single]
        levels = Counter(strong or weak)
        self.paper_level = levels.most_common(1)[0][0] if levels else 0
        papers = [b for b in single if b.strength <= 3 or b.heading.level == self.paper_level]
        for block in blocks:
            if len(block.ids) > 1 and not block.lists:
                self.warn_unreadable(
                    block.heading.line + 1,
                    f"{_quote(block.heading.text)} names {len(block.ids)} different papers "
                    f"({', '.join(block.ids[:3])}); skipped: give each paper its own heading",
                )
        return papers

    def lead_end(self, start: int, end: int) -> int:
        """The index after the first three lines of text from `start` (a paper names itself there)."""
        seen = 0
        for i in range(start, end):
            line = self.lines[i]
            if line.strip() and not self.skipped[i] and not is_decoration(line):
                seen += 1
                if seen == 3:
                    return i + 1
        return end

    def continues_table(self, i: int) -> bool:
        """Whether line `i` is a table cell wrapped onto the next line."""
        for back in range(i - 1, max(i - 4, -1), -1):
            line = self.lines[back]
            if not line.strip():
                return False
            if line.lstrip().startswith("|"):
                return True
        return False

    @staticmethod
    def is_link_field(line: str) -> bool:
        pair = key_value(line)
        return pair is not None and (pair.key in LINK_KEYS or pair.key in ID_KEYS)

    def strongest_per_id(self, blocks: list[_Block]) -> list[_Block]:
        """One heading per paper: where an executive summary links a paper that has its own
        heading further on, the heading with the stronger evidence (its link line) is the paper."""
        best: dict[str, _Block] = {}
        for block in blocks:
            held = best.get(block.ids[0])
            if held is None or block.strength < held.strength:
                best[block.ids[0]] = block
        winners = {id(block) for block in best.values()}
        return [b for b in blocks if id(b) in winners or b.strength == best[b.ids[0]].strength]

    # -- papers under headings ---------------------------------------------------------------

    def heading_papers(
        self, blocks: list[_Block], papers_at: list[_Block]
    ) -> tuple[list[_Draft], list[bool]]:
        """A draft per paper heading, its text running to the next paper heading or the next
        heading at its level or above that is not its own (a repeated title, a numbered section)."""
        covered = [False] * len(self.lines)
        drafts: list[_Draft] = []
        paper_lines = {b.heading.line for b in papers_at}
        by_line = {b.heading.line: b for b in blocks}
        single = len(papers_at) == 1
        for block in blocks:
            heading = block.heading
            if heading.line not in paper_lines:
                if self.is_odd_paper(block, papers_at):
                    self.skip_odd(block)
                continue
            title = clean_title(heading.text)
            end = len(self.lines)
            sections_at_level = False
            for later in self.headings_after(heading.line):
                block_of = by_line.get(later.line)
                if later.line in paper_lines or (
                    block_of is not None and self.is_odd_paper(block_of, papers_at)
                ):
                    end = later.line
                    break
                if later.level > heading.level:
                    continue
                if later.level < heading.level and self.only_metadata_between(heading.line, later.line):
                    continue  # the paper's own title line (`# 论文研读报告` under `## 📄 Green-VLA`)
                exact = later.level == heading.level and section_for(later.text, by_words=False) is not None
                if exact and (sections_at_level or self.only_metadata_between(heading.line, later.line)):
                    sections_at_level = True  # `## Application` right under `## 📄 Paper`
                    continue
                if not self.belongs_to(later, heading, title, single):
                    end = later.line
                    break
            covered[heading.line : end] = [True] * (end - heading.line)
            self.extents.append((heading.line, end))
            draft = _Draft(block.ids[0], heading.line + 1, title, self.paper_url(block, end), heading=True)
            draft.upvotes = trailing_votes(strip_emphasis(heading.text))
            self.read_body(draft, heading.line + 1, end, heading_title=title)
            drafts.append(draft)
        return drafts, covered

    def only_metadata_between(self, start: int, end: int) -> bool:
        """Whether only a paper's link and source lines stand between its heading and a heading
        at its level or above: that heading is the paper's own title line (`# 论文研读报告` under
        `## 📄 Green-VLA`), not the end of the paper."""
        return end <= self.metadata_end(start)

    def metadata_end(self, start: int) -> int:
        """The index of the first line after heading `start` that is neither blank nor a link or
        source line (remembered: every later heading of a paper asks)."""
        known = self.metadata_ends.get(start)
        if known is not None:
            return known
        i = start + 1
        while i < len(self.lines):
            line = self.lines[i]
            if line.strip() and not is_decoration(line) and not (i in self.paperish and is_link_line(line)):
                pair = key_value(line)
                if pair is None or pair.key not in _METADATA_KEYS:
                    break
            i += 1
        self.metadata_ends[start] = i
        return i

    def headings_after(self, line: int) -> list[Heading]:
        return self.headings[bisect.bisect_right(self.heading_lines, line) :]

    def belongs_to(self, later: Heading, paper: Heading, title: str, single: bool) -> bool:
        """Whether a heading at the paper's level or above is still part of the paper: its
        title repeated (`# SPARKLING: …`, `# 论文研报：…`), a numbered section (`## 3. 使用指南`),
        or any heading of a document about one paper (below its own level)."""
        text = later.text
        if later.closes:
            return False
        if single and (
            later.level > paper.level
            or (later.level == paper.level and _numbered(text) and _numbered(paper.text))
        ):
            return True  # `# 1. 先说结论` after `# 0. 论文信息`: the parts of a one-paper post
        if _repeats_title(text, title):
            return True
        # A numbered section at the paper's own level (`## 3. 使用指南` under `## 📄`), or a labelled
        # part of a post about one paper (`## 实验与分析`); a summary after several papers
        # (`## Summary`, `# 总结`) closes them instead.
        if later.level != paper.level:
            return False
        if _numbered(text) and section_for(text, by_words=False) is not None:
            return True
        return single and section_for(text, by_words=True) is not None

    def is_odd_paper(self, block: _Block, papers_at: list[_Block]) -> bool:
        """A heading that looks like one of the papers but names none: it is reported, not
        silently taken for context."""
        if block.ids or block.heading.closes:
            return False
        text = block.heading.text
        if any(mark in text[:6] for mark in _PAPERISH) or block.empty_link is not None:
            return True
        return block.bad_link is not None and block.heading.level == self.paper_level

    def skip_odd(self, block: _Block) -> None:
        self.odd_lines.add(block.heading.line)
        title = clean_title(block.heading.text) or block.heading.text
        if block.empty_link is not None:
            line, field = block.empty_link
            self.warn_unreadable(line, f"paper {title!r} has an empty link ({field!r}); skipped")
        elif block.bad_link is not None:
            line, url = block.bad_link
            problem = impossible_arxiv_id(url)
            why = f"an impossible arXiv id ({problem})" if problem else "no arXiv paper"
            self.warn_unreadable(line, f"link {url!r} names {why}; paper {title!r} skipped")
        else:
            self.warn_unreadable(
                block.heading.line + 1,
                f"paper {title!r} has no Hugging Face or arXiv link (expected '- **链接**: URL'); skipped",
            )

    def paper_url(self, block: _Block, end: int) -> str:
        # The paper's lines that mention a paper host, in order, taken from the sorted lines that
        # may name a paper (a superset) rather than by testing each of its lines.
        low = bisect.bisect_left(self.linkish, block.heading.line)
        high = bisect.bisect_left(self.linkish, end)
        paperish = self.paperish
        return _url_for((self.lines[i] for i in self.linkish[low:high] if i in paperish), block.ids[0])

    # -- a paper's text -----------------------------------------------------------------------

    def read_body(self, draft: _Draft, start: int, end: int, *, heading_title: str = "") -> None:
        """Sort a paper's lines into labelled parts, metadata and extra text."""
        current: _Part | None = None
        lead = _Part(None, "")
        draft.parts.append(lead)
        first_heading = True
        current_is_heading = False
        blank = False
        entries = self.body_lines(start, end)
        # Looked at for every line: locals are cheaper than attributes.
        skipped, paperish, heading_at = self.skipped, self.paperish, self.heading_at
        count = len(entries)
        n = 0
        while n < count:
            i, line, whole = entries[n]
            n += 1
            if skipped[i]:
                if current is not None and line.strip():
                    current.lines.append(line)
                continue
            stripped = line.strip()
            if not stripped:
                (current or lead).lines.append("")
                blank = True
                continue
            if stripped[:3] in _RULE_STARTS and SEPARATOR.match(line):
                current = None
                continue
            if blank and current is not None and current.inline and not line.startswith((" ", "\t")):
                current = None  # `**💻 Code:** links` is one line; the next paragraph is not code
            blank = False
            if (
                current is not None
                and i not in paperish
                and (
                    line[0] in " \t"
                    or (
                        len(stripped) > MAX_LABEL_LINE
                        and stripped[0] not in "#<!"
                        and ":" not in line[:64]
                        and "：" not in line[:64]
                    )
                )
            ):
                # An indented line or a long line of text inside a section: the common case. Only
                # a label or a link at the section's own level could change where it goes.
                current.lines.append(line)
                continue
            heading = self.heading_text(i) if whole and i in heading_at else None
            if heading is not None:
                if first_heading and _repeats_title(heading, heading_title or draft.title):
                    first_heading = False
                    continue
                first_heading = False
                current = self.start_part(draft, heading, by_words=True)
                current_is_heading = True
                continue
            # (A line without a tag or image is decoration only as a rule, and rules were handled above.)
            if (("<" in line or "![" in line) and is_decoration(line)) or (
                i in paperish
                and is_link_line(line)
                and (self.names_paper(i) if whole else bool(line_refs(line).ids))
            ):
                continue
            pair = key_value(line) if len(stripped) <= 4000 else None
            if pair is not None and pair.key in _FIELD_KEYS and self.read_metadata(draft, pair):
                if pair[0] in ORIGINAL_TITLE_KEYS:
                    while n < count and entries[n][1].startswith((" ", "\t")) and entries[n][1].strip():
                        # a wrapped `原文标题：` value goes on under it, indented
                        draft.original_title = f"{draft.original_title} {clean_title(entries[n][1])}".strip()
                        n += 1
                continue
            # `- **作者**: A` then `- **机构**: B`: two bold labels with their text on their lines,
            # of no section; the second is the first's sibling, not its text (which made the
            # extra text `作者: A\n- 机构: B`).
            sibling = (
                current is not None
                and current.section is None
                and current.inline
                and not current_is_heading
                and pair is not None
                and pair.emphasised
                and line[0] not in " \t"
            )
            if (
                current is not None
                and pair is not None
                and not sibling
                and section_for(pair.label, by_words=pair.emphasised) in (None, current.section)
            ):
                # Inside a section, a `key: value` line naming no other section is the section's
                # own text, whatever label_line would make of it (see `inner` below): the common
                # case (`*   输入：…`), decided without a closer look.
                current.lines.append(line)
                continue
            label = self.label_line(line, pair)
            if (
                label is not None
                and current is not None
                and (current.section is not None or current_is_heading)
                and label[2]
                and (label[1] or _BULLETED.match(line) or current_is_heading)
                and section_for(label[0], by_words=False) is None
            ):
                # Inside a section, `1. **揭示了…性能…现象**：text`, `*   **输出结果**：` and, under a
                # heading, `2. **确立…评估范式**：` are its items: only a label named exactly
                # (`- **Technical Details**: …`) or, where sections are bold lines themselves, one
                # standing alone outside a list (`**2. 工作的主要亮点**`) opens another section.
                # A part that is no section, opened by a label of its own (`- **研究机构/作者**: …`),
                # has no items: the labels after it are its siblings, and one recognised by its
                # words (`- **核心痛点与创新点**: …`) opens its section.
                label = None
            if label is not None:
                name, rest, by_words = label
                section = section_for(name, by_words=by_words)
                # An unknown label inside a section (`**NLP-大模型评测**`, `1. **免训练范式**：`), an
                # indented one, or one naming the section it is in (`*   **开源**：` under 使用指南) is
                # that section's own structure; before any section it opens an extra part.
                inner = (
                    current is not None
                    and not sibling
                    and (section is None or section == current.section or line.startswith((" ", "\t")))
                )
                if not inner:
                    current = self.start_part(draft, name, by_words=by_words, rest=rest)
                    current_is_heading = False
                    continue
            (current or lead).lines.append(line)

    def body_lines(self, start: int, end: int) -> list[tuple[int, str, bool]]:
        """(index, text, whole line) of a paper's lines; `**트랙**: RL | **링크**: [arXiv](…)` holds
        several fields on one line and is read as one line per field."""
        entries: list[tuple[int, str, bool]] = []
        lines = self.lines
        for i in range(start, end):
            line = lines[i]
            if " | " in line and line.count("**") >= 4 and len(fields := _FIELD_SPLIT.split(line)) > 1:
                entries.extend((i, piece, False) for piece in fields)
            else:
                entries.append((i, line, True))
        return entries

    def heading_text(self, i: int) -> str | None:
        heading = self.heading_at.get(i)
        return None if heading is None or heading.closes else heading.text

    def start_part(self, draft: _Draft, label: str, *, by_words: bool, rest: str = "") -> _Part:
        name = section_for(label, by_words=by_words)
        part = _Part(name, label)  # cleaned only if it is shown (as extra text)
        if rest:
            part.lines.append(rest)
            part.inline = True
        draft.parts.append(part)
        return part

    def label_line(self, line: str, pair: KeyValue | None) -> tuple[str, str, bool] | None:
        """(label, text on its line, recognise by words) when a line opens a labelled part."""
        if len(line) > MAX_LABEL_LINE and pair is None:
            return None
        if pair is not None:
            if section_for(pair.key, by_words=pair.emphasised) is not None or _label_like(pair):
                # a known label, or a short unknown one (`**作者**:`, `Comments:`), which opens
                # an extra part before any section and is plain text inside one
                return pair.label, pair.value, pair.emphasised
            return None
        # An emphasised label ends its line (`**Results**`, `- **亮点**：`); the pattern is costly
        # on the many lines of text that do not.
        if line.rstrip().rstrip(":：").rstrip()[-1:] in ("*", "_") and (
            found := _EMPHASISED_LABEL.match(line)
        ):
            return found.group("label"), "", True
        if found := _NUMBERED_LABEL.match(line):
            cjk = _CJK_NUMBERED.match(line) is not None
            if section_for(found.group("label"), by_words=cjk) is not None:
                return found.group("label"), "", cjk
            return None
        stripped = line.strip()
        if (
            stripped
            and not stripped[0].isalnum()
            and not stripped.startswith(("-", "*", "+", ">", "|", "[", "("))
        ):
            # `📋 Problem Definition`, `🧪 Evaluation`: an emoji-led short line is a label.
            if len(stripped) <= 40 and section_for(stripped, by_words=True) is not None:
                return stripped, "", True
        elif section_for(stripped, by_words=False) is not None:
            return stripped, "", False
        return None

    def read_metadata(self, draft: _Draft, pair: KeyValue) -> bool:
        """Fields that say where or what a paper is, not what it does. True when `pair` was one."""
        key, value = pair[0], pair[1]
        if key in LINK_KEYS or key in ID_KEYS:
            return True
        if key in SOURCE_KEYS:
            draft.source = clean_title(value) if value else draft.source
            return True
        if key in ORIGINAL_TITLE_KEYS:
            draft.original_title = clean_title(value)
            return True
        if key in TITLE_KEYS:
            draft.title_field = clean_title(strip_links(value))
            return True
        return False

    # -- papers in lists and tables ------------------------------------------------------------

    def item_papers(self, drafts: list[_Draft], covered: list[bool], start: int) -> list[_Draft]:
        """Papers listed outside any paper heading: list items and rows of a papers table, each
        merged with the other entries of its paper (merge_repeats)."""
        found: list[_Draft] = []
        tables = self.html_tables  # looked at for every line: a local is cheaper
        i = start
        while i < len(self.lines):
            if tables and (table := tables.get(i)) is not None:
                found.extend(self.html_table_papers(*table, covered))
                i = table[0].end
                continue
            if covered[i] or self.skipped[i]:
                i += 1
                continue
            line = self.lines[i]
            if (
                line.lstrip().startswith("|")
                and i + 1 < len(self.lines)
                and _is_table_rule(self.lines[i + 1])
            ):
                rows, i = self.table_papers(i, covered)
                found.extend(rows)
                continue
            if item := _LIST_ITEM.match(line):
                end = self.item_end(i, len(item.group(1)), covered)
                if draft := self.list_paper(i, end):
                    found.append(draft)
                    i = end
                    continue
            i += 1
        return self.merge_repeats([*drafts, *found])

    def merge_repeats(self, drafts: list[_Draft]) -> list[_Draft]:
        """One paper per id, where it is first listed. A paper listed again (a row of an
        at-a-glance table, then its detailed entry) is merged into one: its own heading's text
        first, else its first entry's, each other entry filling only the fields it lacks; of two
        titles where one is the other's short form (`RAGU`, `RAGU: A Multi-Step GraphRAG Engine
        …`) the fuller is kept. Only a paper with two headings of its own is warned about: a
        list or table of the papers shown in full below is how digests are written."""
        kept: list[_Draft] = []
        at: dict[str, int] = {}
        for draft in sorted(drafts, key=lambda d: d.line):
            n = at.get(draft.arxiv_id)
            if n is None:
                at[draft.arxiv_id] = len(kept)
                kept.append(draft)
                continue
            held = kept[n]
            if held.heading and draft.heading:
                self.warn(
                    draft.line,
                    f"paper {draft.arxiv_id} repeated (first at line {held.line}); merged into it",
                )
            main, other = (draft, held) if draft.heading and not held.heading else (held, draft)
            _merge(main, other)
            kept[n] = main
        return kept

    def item_end(self, i: int, indent: int, covered: list[bool]) -> int:
        """The index after a list item: its lines run on while indented deeper than its marker."""
        end = i + 1
        while end < len(self.lines) and not covered[end]:
            line = self.lines[end]
            if line.strip():
                depth = len(line) - len(line.lstrip())
                if depth <= indent:
                    break
            elif end + 1 < len(self.lines) and self.lines[end + 1].strip():
                nxt = self.lines[end + 1]
                if len(nxt) - len(nxt.lstrip()) <= indent:
                    break
            end += 1
        return end

    def list_paper(self, i: int, end: int) -> _Draft | None:
        """A list item naming one paper, with a title: `- [2608.05987 — Title](URL)`,
        `1. **Title** - 👍 904` with link bullets under it, `- [Title](URL): what it does`."""
        ids: list[str] = []
        for j in range(i, end):
            ids.extend(self.refs(j, bare=j == i).ids)
        ids = list(dict.fromkeys(ids))
        if len(ids) != 1:
            return None
        arxiv_id = ids[0]
        item = _LIST_ITEM.match(self.lines[i])
        assert item is not None
        text = item.group(2)
        first_body = i + 1
        while text.count("**") % 2 and first_body < end and first_body < i + 4:
            text = f"{text} {self.lines[first_body].strip()}"  # a bold title wrapped onto the next line
            first_body += 1
        title, rest = _item_title(text, arxiv_id)
        if not title:
            return None
        draft = _Draft(arxiv_id, i + 1, title, "")
        lead = _Part(None, "")
        if rest:
            lead.lines.append(rest)
        draft.parts.append(lead)
        body = _Draft(arxiv_id, i + 1, title, "")
        self.read_body(body, first_body, end, heading_title=title)
        draft.parts.extend(body.parts)
        draft.original_title, draft.source = body.original_title, body.source
        draft.url = _url_for(self.lines[i:end], arxiv_id)
        votes = re.search(r"👍\s*(\d+)", text)
        draft.upvotes = upvote_count(votes.group(1)) if votes else None
        return draft

    def table_papers(self, i: int, covered: list[bool]) -> tuple[list[_Draft], int]:
        """Rows of a table naming one paper each; columns map onto fields by their headers."""
        headers = [label_key(cell) for cell in _cells(self.lines[i])]
        rows: list[tuple[int, str]] = []
        j = i + 2
        while j < len(self.lines) and self.lines[j].strip() and not covered[j]:
            line = self.lines[j]
            if line.lstrip().startswith("|") or not rows:
                rows.append((j, line))
            else:  # a cell wrapped onto the next line
                rows[-1] = (rows[-1][0], rows[-1][1] + " " + line.strip())
            j += 1
        drafts: list[_Draft] = []
        for number, row in rows:
            cells = _cells(row)
            ids = list(dict.fromkeys(line_refs(row, bare=True).ids))
            if len(ids) != 1:
                continue
            if draft := self.row_paper(number, ids[0], headers, cells, row):
                drafts.append(draft)
        return drafts, j

    def html_table_papers(
        self, table: HtmlTable, named: list[tuple[HtmlRow, tuple[str, ...]]], covered: list[bool]
    ) -> list[_Draft]:
        """The rows of an HTML table naming one paper each, read as markdown table rows: columns
        map by the `<th>` row's headers; without one, a row gives its title and id only."""
        headers: list[str] = []
        drafts: list[_Draft] = []
        for row, ids in named:
            if row.cells and all(cell.header for cell in row.cells):
                if not headers and not drafts:
                    headers = [label_key(cell.text) for cell in row.cells]
                continue
            if len(ids) != 1 or covered[row.line]:
                continue
            cells = [cell.text for cell in row.cells]
            if draft := self.row_paper(row.line, ids[0], headers, cells, row.text, title_cell=True):
                drafts.append(draft)
        return drafts

    def row_paper(
        self,
        number: int,
        arxiv_id: str,
        headers: list[str],
        cells: list[str],
        row: str,
        *,
        title_cell: bool = False,
    ) -> _Draft | None:
        """A table row naming `arxiv_id`. With `title_cell`, a row whose columns name no title
        and whose links have no title-like text takes its first title-like cell (an HTML table
        without headers: `<td>1</td><td>Title</td>`)."""
        title = ""
        draft = _Draft(arxiv_id, number + 1, "", _url_for([row], arxiv_id), from_table=True)
        for header, cell in zip(headers, cells, strict=False):
            if header in TITLE_KEYS or header in {"paper", "论文", "논문", "name", "论文名称", "论文题目"}:
                title = _cell_title(cell, arxiv_id)
            elif header in _ROLE_VOTES:
                draft.upvotes = upvote_count(re.sub(r"\D", "", cell))
            elif (
                not header  # `🔗`, `⭐`: no words to map (a ✅ or ☆ taken as the contribution)
                or header in _ROLE_SKIP
                or header in LINK_KEYS
                or header in ID_KEYS
                or not cell.strip()
            ):
                continue
            else:
                name = section_for(header, by_words=True)
                part = _Part(name, header)
                part.lines.append(cell.strip())
                part.inline = True
                draft.parts.append(part)
        if not title:
            texts = [text for text, _url in link_texts(row) if _is_title_like(text, arxiv_id)]
            title = clean_title(texts[0]) if texts else ""
        if not title and title_cell:
            texts = [text for cell in cells if _is_title_like(text := _cell_title(cell, arxiv_id), arxiv_id)]
            title = texts[0] if texts else ""
        if not title:
            return None
        draft.title = title
        return draft

    # -- header ---------------------------------------------------------------------------------

    def read_front_matter(self, end: int) -> None:
        for i in range(end):
            pair = key_value(self.lines[i])
            if pair is None:
                continue
            key, value = pair[0], pair[1].strip("'\" ")
            if key in DATE_KEYS and self.date is None:
                self.take_date(value, i + 1)
            if key == "title" and _REPORT_TITLE.search(value):
                self.looks_like_report = True

    def read_header(self, start: int, end: int, headings: list[Heading]) -> None:
        """The report's date and source URL: from a `**Date**:` field, else a heading before the
        first paper (`# Hugging Face 2025-01-23 论文日报`, `## Papers for 2025-10-30`)."""
        heading_lines = {h.line: h.text for h in headings}
        heading_date: tuple[str, int] | None = None
        for i in range(start, end):
            if self.skipped[i]:
                continue
            line = self.lines[i]
            if i in heading_lines:
                text = heading_lines[i]
                if _REPORT_TITLE.search(text):
                    self.looks_like_report = True
                if heading_date is None and find_date(text):
                    heading_date = (text, i + 1)
                continue
            pair = key_value(line)
            if pair is None:
                continue
            key, value = pair[0], strip_emphasis(pair[1])
            if key in DATE_KEYS:
                self.looks_like_report = True
                if self.date is None:
                    self.take_date(value, i + 1)
            elif key in SOURCE_URL_KEYS and (found_urls := urls(value)):
                self.source_url = found_urls[0]
                if self.date is None and (found := find_date(value)) and (day := found.value()):
                    self.date = day
        if self.date is None and heading_date is not None:
            self.take_date(*heading_date)

    def take_date(self, text: str, line: int) -> None:
        found = find_date(text)
        if found is None:
            return
        day = found.value()
        if day is None:
            raise self.error(f"invalid report date {found.text!r}", line)
        self.date = day

    def report_date(self) -> dt.date:
        if self.date is not None:
            return self.date
        if self.default_date is not None:
            return self.default_date
        raise self.error("report has no date (expected a '**Date**: YYYY-MM-DD' line)", 1)

    # -- results ----------------------------------------------------------------------------------

    def finish(self, draft: _Draft) -> Paper:
        texts: dict[str, list[str]] = {}
        extra: list[str] = []
        lead = ""
        for part in draft.parts:
            text = plain_text(part.lines, first_inline=part.inline) if part.lines else ""
            if part.section is not None:
                if text:
                    if part.section in texts:
                        self.detail(
                            draft.line, f"paper {draft.arxiv_id}: section {part.section!r} repeated; joined"
                        )
                    texts.setdefault(part.section, []).append(text)
            elif not part.label and not lead:
                lead = text
            elif text or part.label:
                label = clean_title(part.label) or part.label.strip()
                # A list under its label goes on the next line (`作者:\n- 张三`, not `作者: - 张三`).
                joint = ":\n" if text.startswith("- ") else ": "
                extra.append(f"{label}{joint}{text}" if label and text else label or text)
        fields = {name: "\n\n".join(texts.get(name, [])) for name in (*SECTION_FIELDS, "summary")}
        if not fields["contribution"]:
            first, _, rest = lead.partition("\n\n")
            if first:
                fields["contribution"], lead = first, rest
            elif fields["summary"]:
                fields["contribution"] = first_sentence(fields["summary"])
        if lead:
            extra.insert(0, lead)
        title = draft.title
        if draft.title_field:  # `- 标题：…` under `# 0. 论文信息` or `## Paper of the day`
            title = draft.title_field
        original = draft.original_title
        if original and comparable(original) == comparable(title):
            original = ""  # the same title in the same language
        for name in SECTION_FIELDS:
            if not fields[name]:
                self.detail(draft.line, f"paper {draft.arxiv_id}: section {name!r} is missing or empty")
        return Paper(
            arxiv_id=draft.arxiv_id,
            title=title or draft.arxiv_id,
            url=draft.url or f"https://arxiv.org/abs/{draft.arxiv_id}",
            source=draft.source,
            domain=fields["domain"],
            contribution=fields["contribution"],
            usage=fields["usage"],
            innovations=fields["innovations"],
            results=fields["results"],
            summary=" ".join(fields["summary"].split()),
            upvotes=draft.upvotes,
            original_title=original,
            extra="\n".join(extra).strip(),
        )

    def summarise(self, papers: list[Paper], blocks: list[_Block], papers_at: list[_Block]) -> None:
        """One line for what was skipped as context and one for the sections papers lack."""
        paper_lines = {b.heading.line for b in papers_at}
        by_line = {b.heading.line: b for b in blocks}
        context: list[Heading] = []
        for heading in self.headings:
            block = by_line.get(heading.line)
            if (
                heading.closes
                or not heading.text.strip()
                or heading.line in paper_lines
                or heading.line in self.odd_lines
                or (block is not None and (len(block.ids) > 1 or block.lists))  # read, or reported
                or self.inside_paper(heading.line)
            ):
                continue
            context.append(heading)
        # The document's own title (`# Hugging Face 2025-01-23 论文日报`) is not worth naming.
        first = self.headings[0] if self.headings else None
        if context and context[0] is first and (not papers_at or first.level < self.paper_level):
            context = context[1:]
        if context and papers:
            names = ", ".join(f"{_quote(h.text)} (line {h.line + 1})" for h in context[:5])
            more = f" and {len(context) - 5} more" if len(context) > 5 else ""
            parts = count(len(context), "part")
            self.warnings.insert(
                0,
                ParseWarning(
                    0,
                    f"skipped {parts} that {'is' if len(context) == 1 else 'are'} not papers: {names}{more}",
                ),
            )
        if papers:
            lacking = Counter(name for paper in papers for name in SECTION_FIELDS if not getattr(paper, name))
            if lacking:
                counts = ", ".join(f"{name} {lacking[name]}" for name in SECTION_FIELDS if lacking[name])
                self.warnings.append(
                    ParseWarning(
                        0, f"papers lacking a section, of {len(papers)}: {counts} (--verbose lists them)"
                    )
                )

    def inside_paper(self, line: int) -> bool:
        # The extents come in document order and never overlap (each ends at the latest at the
        # next paper's heading), so only the last one starting before `line` can hold it.
        # (`(line,)` sorts before every extent starting at `line` or after, and after the others:
        # the same place as bisecting by start, without a Python key call per step: 0.15 µs instead of 0.28.)
        n = bisect.bisect_left(self.extents, (line,)) - 1
        return n >= 0 and line < self.extents[n][1]

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(ParseWarning(line, message))

    def warn_unreadable(self, line: int, message: str) -> None:
        """A paper the digest meant to list and that cannot be read: its rest is kept."""
        self.warn(line, message)
        self.unreadable.append(ParseWarning(line, message))

    def detail(self, line: int, message: str) -> None:
        self.details.append(ParseWarning(line, message, detail=True))

    def bounded_warnings(self) -> tuple[ParseWarning, ...]:
        shown = self.warnings[:MAX_WARNINGS]
        if len(self.warnings) > MAX_WARNINGS:
            shown[-1] = ParseWarning(
                self.warnings[MAX_WARNINGS - 1].line,
                f"{len(self.warnings) - MAX_WARNINGS + 1} more warnings like these, not shown",
            )
        details = self.details[:MAX_WARNINGS]
        if len(self.details) > MAX_WARNINGS:
            details[-1] = ParseWarning(
                self.details[MAX_WARNINGS - 1].line,
                f"{len(self.details) - MAX_WARNINGS + 1} more details like these, not shown",
                detail=True,
            )
        return (*shown, *details)


def _label_like(pair: KeyValue) -> bool:
    """Whether an unknown `key: value` names a part (`**作者**:`, `Comments:`, `Vote: 12`) rather
    than being a sentence with a colon in it (`We read arXiv:2602.01234 today`)."""
    if pair.emphasised:
        return len(pair.key) <= 24
    key = pair.key
    if len(key) > 16 or not _NOT_IN_LABELS.isdisjoint(key) or any(map(str.isdigit, key)):
        return False
    return len(key.split()) <= 2


def _lift_links_tables(blocks: list[_Block]) -> None:
    """A sub-heading holding only a table of one paper's links (`### Related Links`, `### Các
    đường dẫn liên quan` at the end of `## 1. Title`, after `### Main Idea` and the like) names
    the paper of the heading it is under, when that heading names none itself."""
    for n, block in enumerate(blocks):
        if not block.links_table:
            continue
        for above in reversed(blocks[:n]):
            if above.heading.level < block.heading.level:
                if not above.ids and not above.heading.closes:
                    above.ids, above.strength = block.ids, block.strength
                    block.ids, block.strength = (), 0
                break


@lru_cache(maxsize=4096)
def _numbered_start(heading: str) -> bool:
    """Whether a heading starts with a number (`### 1. 应用领域`, `**二、方法**`). Remembered: a
    digest repeats its section headings in every paper (0.05 µs a heading instead of 0.3)."""
    return _NUMBERED_START.match(strip_emphasis(heading)) is not None


@lru_cache(maxsize=4096)
def _reads_as_title(heading: str) -> bool:
    """Remembered, as _numbered_start is: every paper's section headings are asked about (numbered_titles:
    4.3 µs a paper to 3.7)."""
    key = label_key(heading)
    name, colon, rest = key.replace("：", ":").partition(":")
    return len(key) > _LONGEST_LABEL or bool(colon and name.strip() and rest.strip())


def _numbered(heading: str) -> bool:
    return _NUMBERED_LABEL.match(strip_emphasis(heading)) is not None


def _quote(text: str) -> str:
    text = " ".join(strip_tags(text).split())
    return repr(text if len(text) <= 40 else text[:39] + "…")


def _repeats_title(text: str, title: str) -> bool:
    """Whether a heading inside a paper restates its title (`# SPARKLING: …`, `# Green-VLA 论文研读报告`)."""
    mine, theirs = comparable(strip_links(text)), comparable(title)
    if not mine or not theirs:
        return False
    if mine in theirs or theirs in mine:
        return True
    head = comparable(re.split(r"[\s:：]", title.strip(), maxsplit=1)[0])
    return len(head) >= 3 and head in mine


def _first_url(line: str) -> str:
    found = urls(line)
    return found[0] if found else line.strip()


def _url_for(lines: Iterable[str], arxiv_id: str) -> str:
    """The link a digest gives for a paper, else its arXiv page."""
    for line in lines:
        for url in urls(line):
            if arxiv_id_from_url(url) == arxiv_id:
                return url
    return f"https://arxiv.org/abs/{arxiv_id}"


def _is_table_rule(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") and set(stripped) <= set("|-: ") and "-" in stripped


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|"):
        row = row[:-1]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)]


_GENERIC_LINK = re.compile(
    r"(?i)^(?:arxiv|hf|pdf|html|abs|paper|link|code|github|project|page|website|read more|"
    r"details|huggingface|hugging face|论文|链接|论文链接|原文|查看|详情|.*查看详情|"
    r"hf 페이지|논문 링크|링크|⭐ code)\b"
)


def _is_title_like(text: str, arxiv_id: str) -> bool:
    cleaned = clean_title(text)
    if len(comparable(cleaned)) < 4 or (arxiv_id in text and len(comparable(cleaned)) < 8):
        return False
    return _GENERIC_LINK.match(strip_emphasis(text).strip(" 🤗📄📥🔗")) is None


def _item_title(text: str, arxiv_id: str) -> tuple[str, str]:
    """(title, the text after it) of a list item naming a paper."""
    bold = re.match(r"^\s*(?:\*\*|__)(.+?)(?:\*\*|__)\s*(.*)$", text)
    if bold and _is_title_like(bold.group(1), arxiv_id):
        return clean_title(bold.group(1)), _after_title(bold.group(2))
    links = link_texts(text)
    for label, _url in links:
        if _is_title_like(label, arxiv_id):
            after = text.split("](", 1)[1].split(")", 1)[1] if "](" in text else ""
            return clean_title(label), _after_title(after)
    before = re.split(r"\[|https?://", text, maxsplit=1)[0]
    if _is_title_like(before, arxiv_id):
        return clean_title(before), ""
    return "", ""


def _after_title(rest: str) -> str:
    """What a list item says after its title (`: a one-line summary`), without votes or links."""
    rest = re.sub(r"^\s*(?:[-–—:：|]\s*)?(?:👍\s*\d+)?\s*[-–—:：|]?\s*", "", rest)
    rest = strip_links(rest).strip(" ()-–—|")
    return rest if any(char.isalpha() for char in rest) else ""


def _cell_title(cell: str, arxiv_id: str) -> str:
    """A title cell without its links: `Title (Read more on [arXiv](…) or [HF](…))` is `Title`."""
    link = cell.find("](")
    if link >= 0:
        bracket = cell.rfind("[", 0, link)
        paren = cell.rfind("(", 0, bracket)
        prefix = cell[:paren] if paren > 0 else ""
        if comparable(prefix):
            return clean_title(prefix)
        texts = [t for t, _u in link_texts(cell) if _is_title_like(t, arxiv_id)]
        return clean_title(texts[0]) if texts else clean_title(strip_links(cell))
    return clean_title(cell)


def _merge(paper: _Draft, other: _Draft) -> None:
    """Another entry of the same paper fills what `paper` lacks: sections, source, original
    title, upvotes, and the fuller title where one title is the other's short form."""
    have = {part.section for part in paper.parts if part.section and any(line.strip() for line in part.lines)}
    for part in other.parts:
        if part.section is not None and part.section not in have:
            paper.parts.append(part)
    paper.source = paper.source or other.source
    paper.original_title = paper.original_title or other.original_title
    if paper.upvotes is None:
        paper.upvotes = other.upvotes
    mine, theirs = paper.title_field or paper.title, other.title_field or other.title
    if _short_form(mine, theirs):
        if paper.title_field:
            paper.title_field = theirs
        else:
            paper.title = theirs


def _short_form(title: str, other: str) -> bool:
    """Whether `title` is a short form of `other` (`RAGU` of `RAGU: A Multi-Step GraphRAG …`,
    `Loopie` of `Loop the Loopies!`): its letters and digits, at least three, stand in it."""
    short, full = comparable(title), comparable(other)
    return 3 <= len(short) < len(full) and short in full
