"""The `/paper` chat command, platform-free: text in, a neutral reply out.

Slack, Discord and the console each turn the text their users typed into a call to
`handle_paper_command` and render the `Reply` in their own markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.errors import BadInputError
from bot.models import LookupHit
from bot.service import lookup
from bot.store.archive import Archive
from bot.text import count

HELP = """\
/paper QUERY            look up papers: an arXiv id, a paper URL, a date, title words or 中文
/paper "exact phrase"   look up a phrase
/paper help             this help"""

# Sub-commands of the contract that arrive with later work; named here so that
# `/paper subscribe RL` is not mistaken for a lookup of the words "subscribe RL".
_NOT_YET = frozenset({"subscribe", "unsubscribe", "list", "topics", "schedule", "digest"})
LOOKUP_RESULTS = 5


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers: a message, and the papers found, if any."""

    text: str
    hits: list[LookupHit] = field(default_factory=list)
    error: bool = False


async def handle_paper_command(archive: Archive, arguments: str) -> Reply:
    """Answer `/paper ARGUMENTS` (the text after the command name)."""
    words = arguments.split(maxsplit=1)
    verb = words[0].lower() if words else "help"
    if verb in {"help", "帮助", "-h", "--help"}:
        return Reply(HELP)
    if verb in _NOT_YET:
        return Reply(f"`/paper {verb}` is not available in this version yet.", error=True)
    try:
        hits = await lookup(archive, arguments, limit=LOOKUP_RESULTS)
    except BadInputError as exc:
        return Reply(str(exc), error=True)
    if not hits:
        return Reply(f"No archived paper matches {arguments.strip()!r}.")
    return Reply(f"{count(len(hits), 'paper')} for {arguments.strip()!r}:", hits)
