"""Tables of papers written in HTML inside a markdown digest (`<table>` … `</table>`, as static-site
generators write them: shiyibihua/arxiv-daily), read row by row with the standard library's
html.parser, not with regexes over HTML.

Each `<tr>` becomes a row of cells, each cell as markdown-like text (a link as `[text](href)`, so
the parser reads the row as it reads a markdown table row), with the arXiv ids its attributes name
(`data-arxiv-id="2508.07029v2"`: some generators keep the id nowhere else).

html.parser is quadratic on crafted input in the Python versions paperbot runs on (3.11): a
construct left open (`<a b="`, `<!--`, `<td` without `>`) is searched for its end to the end of
the text, and when it has none the search starts again one construct further on; 2 MB of such
rows took 4 s. A construct that ends is read once. So each row is parsed on its own, and one in
which more than MAX_OPEN constructs find no end is given up (`unread`): a row costs at most a few
times its length, and the text a few times its size. Real rows have none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

from bot.reports.arxiv import parse_arxiv_id
from bot.text import without_unsafe

MAX_OPEN = 4
_CELLS = frozenset({"td", "th"})
_LINK_UNSAFE = frozenset(" \t\n()[]<>")  # an href with these would not read back as a markdown link


@dataclass(frozen=True, slots=True)
class HtmlCell:
    text: str  # markdown-like: whitespace collapsed, links as `[text](href)`
    header: bool  # a `<th>`


@dataclass(frozen=True, slots=True)
class HtmlRow:
    line: int  # index of the line its `<tr>` opens on
    cells: tuple[HtmlCell, ...]
    ids: tuple[str, ...]  # arXiv ids named by its attributes (`data-arxiv-id`), canonical
    unread: bool = False  # given up (over MAX_OPEN constructs without an end): no cells, no ids

    @property
    def text(self) -> str:
        """The row as one markdown-like line (what a markdown table row would be)."""
        return " | ".join(cell.text for cell in self.cells)


@dataclass(frozen=True, slots=True)
class HtmlTable:
    start: int  # index of the line `<table` is on
    end: int  # index after the line its `</table>` is on (the end of the text if none)
    rows: tuple[HtmlRow, ...]


def html_tables(lines: list[str], starts: Iterable[int]) -> list[HtmlTable]:
    """The tables opening on lines `starts` (ascending; a start inside a table already read, a
    nested table, is part of it)."""
    tables: list[HtmlTable] = []
    after = 0
    for start in starts:
        if start < after:
            continue
        end = _table_end(lines, start)
        tables.append(HtmlTable(start, end, tuple(_rows(lines, start, end))))
        after = end
    return tables


def _table_end(lines: list[str], start: int) -> int:
    depth = 0
    for i in range(start, len(lines)):
        if "<" not in lines[i]:
            continue
        low = lines[i].lower()
        depth += low.count("<table") - low.count("</table")
        if depth <= 0:
            return i + 1
    return len(lines)


def _rows(lines: list[str], start: int, end: int) -> Iterable[HtmlRow]:
    text = "\n".join(lines[start:end])
    low = text.lower()
    opens = [at for at in _find_all(low, "<tr") if not low[at + 3 : at + 4].isalnum()]
    line, counted = start, 0
    for n, at in enumerate(opens):
        line += text.count("\n", counted, at)
        counted = at
        chunk = text[at : opens[n + 1] if n + 1 < len(opens) else len(text)]
        reader = _RowReader()
        try:
            reader.feed(chunk)
            reader.close()
        except _GivenUp:
            yield HtmlRow(line, (), (), unread=True)
            continue
        yield HtmlRow(line, tuple(reader.cells), tuple(dict.fromkeys(reader.ids)))


def _find_all(text: str, needle: str) -> list[int]:
    found = []
    at = text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + len(needle))
    return found


class _GivenUp(Exception):
    """A row with more than MAX_OPEN constructs that do not end."""


class _RowReader(HTMLParser):
    """The cells of one `<tr>` … (up to the next `<tr>`), and the ids its attributes name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open = 0  # constructs found without an end, each searched for it to the row's end
        self.cells: list[HtmlCell] = []
        self.ids: list[str] = []
        self.parts: list[str] | None = None  # the open cell's text so far
        self.header = False
        self.links: list[tuple[int, str]] = []  # open `<a>`s: where their text starts, href
        self.done = False  # after `</tr>` or `</table>`: what follows is no part of the row

    # The parser tries each construct with one of these; -1 means it found no end (module doc).
    def parse_starttag(self, i: int) -> int:
        return self.ended(super().parse_starttag(i))

    def parse_endtag(self, i: int) -> int:
        return self.ended(super().parse_endtag(i))

    def parse_comment(self, i: int, report: bool = True) -> int:
        return self.ended(super().parse_comment(i, report))

    def parse_pi(self, i: int) -> int:
        return self.ended(super().parse_pi(i))

    def parse_html_declaration(self, i: int) -> int:
        return self.ended(super().parse_html_declaration(i))

    def ended(self, found: int) -> int:
        if found < 0:
            self.open += 1
            if self.open > MAX_OPEN:
                raise _GivenUp
        return found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        for name, value in attrs:
            if value and "arxiv" in name and (found := parse_arxiv_id(value)):
                self.ids.append(found)
        if tag in _CELLS:
            self.end_cell()  # an unclosed cell ends where the next begins, as in HTML
            self.parts, self.header = [], tag == "th"
        elif self.parts is None:
            return
        elif tag == "a":
            href = next((value for name, value in attrs if name == "href" and value), "")
            self.links.append((len(self.parts), without_unsafe(href).strip()))
        elif tag in ("br", "p", "div", "li"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _CELLS:
            self.end_cell()
        elif tag in ("tr", "table"):
            self.end_cell()
            self.done = True
        elif tag == "a" and self.links and self.parts is not None:
            self.end_link(self.parts)

    def handle_data(self, data: str) -> None:
        # Character references are converted by now (`&#x202e;` is U+202E): what the report's
        # lines were cleaned of (bot.text.UNSAFE) is taken out again here.
        if self.parts is not None:
            self.parts.append(without_unsafe(data))

    def end_link(self, parts: list[str]) -> None:
        at, href = self.links.pop()
        label = " ".join("".join(parts[at:]).split())
        if label and href and _LINK_UNSAFE.isdisjoint(href) and "[" not in label and "]" not in label:
            parts[at:] = [f"[{label}]({href})"]

    def end_cell(self) -> None:
        if self.parts is None:
            return
        while self.links:
            self.end_link(self.parts)
        self.cells.append(HtmlCell(" ".join("".join(self.parts).split()), self.header))
        self.parts = None

    def close(self) -> None:
        super().close()
        self.end_cell()
