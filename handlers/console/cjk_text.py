"""Rich text that wraps Chinese, Japanese and Korean the way they are read.

rich breaks lines only at spaces, so a run of Chinese (which has none) is one "word": when it
does not fit what is left of a line it moves whole to the next one, leaving the line before
half empty ("…使用 GRPO" then the rest of the sentence below). Between two CJK characters a
line may break anywhere, except before closing punctuation (，。）」…) or after opening
punctuation (（「…), the usual rule for Chinese text. `CjkText` wraps at those places too, and
measures its narrowest width as its longest unbreakable piece, not its longest CJK run.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.cells import cell_len, chop_cells
from rich.containers import Lines
from rich.measure import Measurement
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, JustifyMethod, OverflowMethod

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
# A line never starts with these, nor ends with the opening ones.
_CLOSING = "，。、；：！？）」』】〉》”’…—～,.;:!?)\\]}%\uff0e\uff09\uff3d\uff5d"
_OPENING = "（「『【〈《“‘(\\[{"
# One unbreakable piece and the spaces after it: a CJK character with the opening punctuation
# before it and the closing punctuation after it, or a run of other non-space characters.
_PIECE = re.compile(rf"\s*(?:[{_OPENING}]*[{_CJK}][{_CLOSING}]*|(?:(?![{_OPENING}]*[{_CJK}])\S)+)\s*")


def pieces(text: str) -> list[tuple[int, str]]:
    """Each unbreakable piece of `text` with where it starts (and the spaces that follow it)."""
    return [(found.start(), found.group(0)) for found in _PIECE.finditer(text)]


def break_offsets(text: str, width: int) -> list[int]:
    """Where to break `text` so that each line fits in `width` cells: rich's greedy
    `divide_line`, with a CJK character a piece of its own; a piece wider than a line is
    folded."""
    offsets: list[int] = []
    used = 0
    for start, piece in pieces(text):
        length = cell_len(piece.rstrip())
        if used + length <= width:
            used += cell_len(piece)
            continue
        if length > width:
            folded = chop_cells(piece, width)
            for line in folded[:-1]:
                if start:
                    offsets.append(start)
                start += len(line)
            if start:
                offsets.append(start)
            used = cell_len(folded[-1])
        elif used and start:
            offsets.append(start)
            used = cell_len(piece)
    return offsets


class CjkText(Text):
    """`rich.text.Text` that also breaks lines between CJK characters."""

    def wrap(
        self,
        console: Console,
        width: int,
        *,
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        tab_size: int = 8,
        no_wrap: bool | None = None,
    ) -> Lines:
        if no_wrap or self.no_wrap or overflow == "ignore":
            return super().wrap(
                console, width, justify=justify, overflow=overflow, tab_size=tab_size, no_wrap=no_wrap
            )
        wrap_justify = justify or self.justify or "default"
        wrap_overflow = overflow or self.overflow or "fold"
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            divided = line.divide(break_offsets(line.plain, width))
            for part in divided:
                part.rstrip_end(width)
            divided.justify(console, width, justify=wrap_justify, overflow=wrap_overflow)
            for part in divided:
                part.truncate(width, overflow=wrap_overflow)
            lines.extend(divided)
        return lines

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = super().__rich_measure__(console, options).maximum
        narrowest = max((cell_len(piece.strip()) for _, piece in pieces(self.plain)), default=0)
        return Measurement(min(narrowest, widest), widest)
