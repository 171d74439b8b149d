"""A standard input holding a script, as a pipe gives `paperbot run` one (not a terminal)."""

from __future__ import annotations


class ScriptedStdin:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        return self.lines.pop(0) if self.lines else ""

    def read(self) -> str:
        text, self.lines = "".join(self.lines), []
        return text
