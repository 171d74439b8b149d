"""How the console reads a line: with editing, history and completion at a terminal, plainly
from a pipe.

At a terminal (stdin and stdout both ttys) lines are read with prompt_toolkit: arrow keys move
and recall earlier lines, Tab completes `/paper` verbs and topic names. Where prompt_toolkit
cannot start, the standard library's readline gives the same editing, history and completion.
From a pipe (`printf '/paper help\\n' | paperbot run`) lines are read as they come, and nothing
is written but the answers: no prompt, no terminal codes.

prompt_toolkit is imported only here, and only when a terminal asks for it: `paperbot --help`
and every other command start without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from bot.chat.commands import VERBS
from bot.chat.completion import complete_topics
from bot.topics.taxonomy import Taxonomy
from bot.topics.traditional import to_simplified

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

PROMPT = "paperbot> "
COMMAND = "/paper"
# Options spelled as verbs (`/paper --help`) are still answered, but not offered.
OFFERED_VERBS = tuple(sorted(name for name in VERBS if not name.startswith("-")))
# The verbs whose argument is a topic list: after them, Tab completes topic names.
TOPIC_VERBS = frozenset({"subscribe", "unsubscribe", "exclude", "include"})


def complete_line(line: str, taxonomy: Taxonomy) -> tuple[int, list[str]]:
    """Completions for the text before the cursor: how many characters at its end they replace,
    and the replacements. `/pa` → `/paper`; `/paper sub` → the verbs starting so; after a topic
    verb (`/paper subscribe video g`, `/paper 订阅 RL, 视`) the last topic of the list."""
    stripped = line.lstrip()
    command, space, rest = stripped.partition(" ")
    if not space:
        return (len(command), [COMMAND + " "]) if COMMAND.startswith(command.casefold()) else (0, [])
    if command.casefold() != COMMAND:
        return 0, []
    rest = rest.lstrip()
    verb, space, argument = rest.partition(" ")
    if not space:
        typed = verb.casefold()
        return len(verb), [name + " " for name in OFFERED_VERBS if name.startswith(typed)]
    if VERBS.get(to_simplified(verb.casefold())) not in TOPIC_VERBS:  # 訂閱 is 订阅
        return 0, []
    locale = "zh" if any(ord(char) > 0x2E7F for char in verb) else "en"
    values = [value for _label, value in complete_topics(argument, taxonomy, locale)]
    return len(argument), list(dict.fromkeys(values))


class LineReader(Protocol):
    async def read(self) -> str | None:
        """The next line (without its end), or None at end of input."""


class PlainReader:
    """Lines as they come from a pipe or a script; at a terminal without line editing, the
    prompt first."""

    def __init__(self, stdin: TextIO, out: TextIO) -> None:
        self.stdin, self.out = stdin, out
        self.interactive = stdin.isatty()

    async def read(self) -> str | None:
        if self.interactive:
            self.out.write(PROMPT)
            self.out.flush()
        line = self.stdin.readline()
        return line.rstrip("\r\n") if line else None


class ToolkitReader:
    """prompt_toolkit's prompt: line editing, history (the arrow keys), Tab completion. Ctrl-C
    clears the line, Ctrl-D on an empty line ends the session."""

    def __init__(
        self, taxonomy: Taxonomy, *, input: Input | None = None, output: Output | None = None
    ) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import CompleteEvent, Completer, Completion
        from prompt_toolkit.document import Document
        from prompt_toolkit.history import InMemoryHistory

        class PaperCompleter(Completer):
            def get_completions(
                self, document: Document, complete_event: CompleteEvent
            ) -> Iterable[Completion]:
                length, values = complete_line(document.text_before_cursor, taxonomy)
                for value in values:
                    yield Completion(value, start_position=-length)

        self.session: PromptSession[str] = PromptSession(
            history=InMemoryHistory(),
            completer=PaperCompleter(),
            complete_while_typing=False,  # Tab asks; typing Chinese is not interrupted by a menu
            input=input,
            output=output,
        )

    async def read(self) -> str | None:
        while True:
            try:
                return await self.session.prompt_async(PROMPT)
            except KeyboardInterrupt:
                continue
            except EOFError:
                return None


class ReadlineReader:
    """The standard library's readline behind `input()`: editing, history and Tab completion
    where prompt_toolkit cannot run. `input()` blocks, so it runs in a thread."""

    def __init__(self, taxonomy: Taxonomy, readline: Any) -> None:
        self.matches: list[str] = []

        def complete(_text: str, state: int) -> str | None:
            if state == 0:  # with no delimiters, readline's "word" is the line up to the cursor
                line: str = readline.get_line_buffer()[: readline.get_endidx()]
                length, values = complete_line(line, taxonomy)
                self.matches = [line[: len(line) - length] + value for value in values]
            return self.matches[state] if state < len(self.matches) else None

        readline.set_completer_delims("")
        readline.set_completer(complete)
        readline.parse_and_bind("tab: complete")

    async def read(self) -> str | None:
        try:
            return await asyncio.to_thread(input, PROMPT)
        except EOFError:
            return None


def make_reader(stdin: TextIO, out: TextIO, taxonomy: Taxonomy) -> LineReader:
    """Line editing when a person types at a terminal; plain reading from a pipe or file."""
    if not (stdin is sys.stdin and _isatty(stdin) and _isatty(out)):
        return PlainReader(stdin, out)
    with contextlib.suppress(Exception):  # no usable terminal for it (a dumb one, Windows oddities)
        return ToolkitReader(taxonomy)
    readline = _readline()
    if readline is not None:
        return ReadlineReader(taxonomy, readline)
    return PlainReader(stdin, out)


def _isatty(stream: TextIO) -> bool:
    isatty: Callable[[], bool] | None = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _readline() -> Any:
    try:
        import readline
    except ImportError:  # Windows has none
        return None
    return readline
