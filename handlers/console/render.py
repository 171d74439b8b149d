"""Console rendering of digests and replies with rich.

Report text is untrusted: it only ever enters rich as `Text` objects, never as markup, so a
title holding "[bold]" or "[link=…]" is printed as written.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from bot.chat.commands import Reply
from bot.i18n import join_list, t
from bot.models import CardLayout
from bot.ranking.digest import Digest, DigestItem, clip_reason, render_items
from bot.ranking.signals import signals_of
from bot.reports.arxiv import thumbnail_url
from bot.text import clip
from handlers.console.cjk_text import CjkText

# A help row: a command, two or more spaces, what it does.
_ROW = re.compile(r"^(/\S.*?\S) {2,}(\S.*)$")
# A command wider than this keeps its own gap rather than pushing every description right.
WIDEST_COMMAND = 34

# Long sections are cut for a terminal; the full text is a `/paper ID` away.
MAX_LINE = 280
MAX_REASON = 200


def _clip(text: str, limit: int = MAX_LINE) -> str:
    return clip(" ".join(text.split()), limit)


def item_panel(number: int, item: DigestItem, locale: str, *, image: bool = False) -> Panel:
    # A two-column grid keeps labels aligned and lets long Chinese text (which has no spaces
    # to wrap at) fold inside its own column.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    if item.domain:
        grid.add_row(t("digest.area", locale), CjkText(_clip(item.domain)))
    if item.contribution:
        grid.add_row(t("digest.contribution", locale), CjkText(_clip(item.contribution)))
    grid.add_row(t("digest.topics", locale), Text(join_list(item.topics, locale), style="cyan"))
    grid.add_row(
        t("digest.why", locale), CjkText(clip_reason(" ".join(item.reason.split()), 200), style="dim")
    )
    signals = signals_of(item)  # only safe https URLs: a style string must not be bent
    if signals:
        line = Text()
        if signals.upvotes is not None:
            line.append(t("card.upvotes", locale, count=signals.upvotes), style="yellow")
        for label, url in (("card.code", signals.code), ("card.project_page", signals.project_page)):
            if url is not None:
                line.append("  ·  " if line else "")
                line.append(f"{t(label, locale)}: {url}", style=f"link {url}")
        grid.add_row(t("card.signals", locale), line)
    thumbnail = thumbnail_url(item.arxiv_id) if image else None
    if thumbnail is not None:  # a terminal shows no pictures: the image's address, to open
        grid.add_row(t("card.image", locale), Text(thumbnail, style=f"dim link {thumbnail}"))
    links = Text()
    links.append(item.hf_url, style=f"link {item.hf_url}")
    links.append("  ·  ")
    links.append(item.arxiv_url, style=f"link {item.arxiv_url}")
    links.append("  ·  ")
    links.append("PDF", style=f"link {item.pdf_url}")
    grid.add_row("", links)
    return _Card(grid, number=number, title=_clip(item.title, 150), arxiv_id=item.arxiv_id)


class _Card(Panel):
    """A paper's panel whose header always keeps the arXiv id whole (`/paper more-like ID` needs
    it): the title is shortened to the width the panel is drawn at, never the id."""

    def __init__(self, body: RenderableType, *, number: int, title: str, arxiv_id: str) -> None:
        self.number, self.paper_title, self.arxiv_id = number, title, arxiv_id
        super().__init__(body, title=self.header(), title_align="left", border_style="blue")

    def header(self, width: int | None = None) -> Text:
        """The header for a panel `width` cells wide (None: unbounded)."""
        number, tail = f"{self.number}. ", f"  [{self.arxiv_id}]"
        title = Text(self.paper_title, style="bold")
        if width is not None:
            # The panel draws its title between "╭─ " and " ─╮" (rich pads it by a space a side).
            room = width - 6 - cell_len(number) - cell_len(tail)
            if room < 1:  # no room for a title at all: the id alone, then as much as fits
                return Text(f"[{self.arxiv_id}]")
            title.truncate(room, overflow="ellipsis")
        return Text.assemble((number, "bold"), title, tail)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width if self.width is None else min(options.max_width, self.width)
        self.title = self.header(width)
        yield from super().__rich_console__(console, options)


def digest_renderable(
    digest: Digest, *, images: bool = False, layout: CardLayout = "cards"
) -> RenderableType:
    """The digest's cards; `compact` puts the list of titles and topics first (as the chat
    platforms' list message, whose cards follow in a thread); `images` shows each card's
    thumbnail address."""
    parts: list[RenderableType] = [Rule(Text(digest.header(), style="bold"), align="left")]
    if digest.following:
        parts.append(Text(digest.following_line(), style="dim"))
    if layout == "compact":
        for number, item in enumerate(digest.items, start=1):
            line = CjkText.assemble((f"{number}. ", "bold"), (_clip(item.title, 150), "bold"))
            if item.topics:
                line.append(f" — {join_list(item.topics, digest.locale)}", style="cyan")
            parts.append(line)
    # A paper whose panel cannot be made is left out (and logged); the others are still shown,
    # numbered as shown.
    shown = 0

    def panel(item: DigestItem) -> Panel:
        nonlocal shown
        made = item_panel(shown + 1, item, digest.locale, image=images)
        shown += 1
        return made

    parts.extend(made for _item, made in render_items(digest, panel))
    more = digest.more_line()
    if more:
        parts.append(CjkText(more, style="italic"))
    return Group(*parts)


def help_renderable(text: str, style: str = "") -> RenderableType | None:
    """Help rows (`/paper list      what this channel follows`) as a two-column grid, or None
    when `text` has fewer than two such rows. The descriptions line up by display width, so
    Chinese commands (two cells a character) line up as English ones do, and a description
    too long for the terminal wraps within its column. A command wider than WIDEST_COMMAND
    has its own line and its description below it, in the column (as argparse does)."""
    lines = text.split("\n")
    rows = [_ROW.match(line) for line in lines]
    widths = [cell_len(row.group(1)) for row in rows if row and cell_len(row.group(1)) <= WIDEST_COMMAND]
    if len(widths) < 2:
        return None
    column = max(widths)
    parts: list[RenderableType] = []
    grid: Table | None = None
    for line, row in zip(lines, rows, strict=True):
        if row is None or cell_len(row.group(1)) > WIDEST_COMMAND:
            parts.append(CjkText(line if row is None else row.group(1), style=style))
            grid = None
        if row is None:
            continue
        if grid is None:
            grid = Table.grid(padding=(0, 0, 0, 2))
            grid.add_column(width=column, no_wrap=True)
            grid.add_column()
            parts.append(grid)
        command, description = row.groups()
        shown = "" if cell_len(command) > WIDEST_COMMAND else command
        grid.add_row(Text(shown, style=style), CjkText(description, style=style))
    return Group(*parts)


def reply_renderable(reply: Reply) -> RenderableType:
    if reply.digest is not None:
        return digest_renderable(reply.digest)
    style = "red" if reply.error else ""
    parts: list[RenderableType] = [help_renderable(reply.text, style) or CjkText(reply.text, style=style)]
    if reply.hits:
        # A grid, so that a title too long for the terminal wraps under itself (a hanging
        # indent) rather than back at the left edge, where it would read as the next result.
        hits = Table.grid()
        hits.add_column(width=4, no_wrap=True)
        hits.add_column()
        for hit in reply.hits:
            line = CjkText.assemble((hit.arxiv_id, "cyan"), "  ", (hit.title, "bold"))
            if hit.date:
                line.append(f"  ({hit.date.isoformat()})", style="dim")
            hits.add_row(Text("  • ", style="bold"), line)
            if hit.domain:
                hits.add_row("", CjkText(_clip(hit.domain.splitlines()[0], 160), style="dim"))
            hits.add_row("", Text(hit.url, style=f"link {hit.url}"))
        parts.append(hits)
    return Group(*parts)
