"""Discord rendering: digests, `/paper` replies and the paper-details embed, within Discord's limits.

Everything from a report is untrusted. It only reaches Discord through `escape` (so `@everyone`,
`<@123>`, `<#1>`, `[x](url)` and `**` in a title are shown, not rendered) and `clip` (so no
string passes an embed limit), and links are built from parsed arXiv ids, never copied from
report text. Messages are also sent with `AllowedMentions.none()`: escaping keeps the text
readable, the allowed-mentions setting is what guarantees nobody is pinged.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from typing import Any, Protocol, cast

import discord

from bot.chat.commands import Reply, fit_digest
from bot.delivery.split import pack
from bot.i18n import aside, join_list, t
from bot.models import CardLayout, LookupHit, Paper
from bot.ranking.digest import Digest, DigestItem, clip_reason, paper_sections, render_items
from bot.ranking.feedback import DOWN, UP
from bot.ranking.signals import signals_of
from bot.reports.arxiv import paper_links, thumbnail_url
from bot.text import clip as base_clip
from bot.text import fit_lines, text_lines, wrap_line
from handlers.discord.locale import language_of
from handlers.discord.messages import (
    DETAILS_PREFIX,
    MAX_COMPONENTS,
    MAX_CONTENT,
    MAX_DESCRIPTION,
    MAX_EMBED_TOTAL,
    MAX_EMBEDS,
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    MAX_FOOTER,
    MAX_THREAD_NAME,
    MAX_TITLE,
    MAX_URL,
    VOTE_PREFIX,
    DiscordMessage,
)

# Discord (PLATFORM_FACTS.md): a message holds at most 5 action rows of at most 5 buttons, and
# a custom_id is at most 100 characters. Each paper gets a row of its own (Hugging Face, arXiv,
# Details, and on digests 👍 / 👎) so its buttons sit in the order of its embed: 5 rows make 5
# papers per message, and 5 buttons fill a row exactly (25 components).
MAX_ACTION_ROWS = 5
MAX_CUSTOM_ID = 100
BUTTONS_PER_PAPER = 5
PAPERS_PER_MESSAGE = min(MAX_EMBEDS, MAX_ACTION_ROWS, MAX_COMPONENTS // BUTTONS_PER_PAPER)
# Follow-ups are allowed for 15 minutes and Discord sets no count, but a reply of more messages
# than Slack's response_url takes (5) floods the caller's screen: the same bound on both.
MAX_REPLY_MESSAGES = 5

# Each card's share, in escaped characters: a digest card stays near 1,500 characters even when
# a report is hostile, so several fit in the 6,000 a message's embeds may hold together.
DESCRIPTION_CHARS = 1000
AREA_CHARS = 300
REASON_CHARS = 600
HEADER_CHARS = 1500  # the following line can be long (many keywords); the header line is short
# A compact digest's list embed: each line's title and topics, in escaped characters, tried in
# turn until the whole list fits one message's embeds (60 papers fit at the last).
LIST_LIMITS = ((200, 150), (120, 100), (80, 50), (40, 30), (25, 20), (15, 10))

# Hugging Face's yellow, so paperbot's cards are recognisable at a glance.
COLOUR = discord.Colour(0xFFD21E)
CODE_FENCE = "```"

# -- escaping and clipping ---------------------------------------------------------------------

# `[` and `<` that are not already escaped: an even run of backslashes before them is a run
# of escaped backslashes, not an escape of the bracket. `[` opens masked links; `<` opens
# user, role, channel and slash-command mentions, custom emoji and timestamps, which
# escape_mentions leaves alone (it only knows @everyone, @here and 17–20-digit ids).
_UNESCAPED_OPENERS = re.compile(r"(?<!\\)((?:\\\\)*)([\[<])")
# What Discord renders at the start of a line: headings, quotes, lists (escape_markdown knows
# `#`, `>` and `-`; Discord also lists `1.` and `+`).
_LINE_START = re.compile(r"^(\s*)([#>\-+])", re.MULTILINE)
_ORDERED_LIST = re.compile(r"^(\s*\d+)\.(?=\s|$)", re.MULTILINE)
_TRAILING_BACKSLASHES = re.compile(r"\\+$")


def _escape_markup(text: str) -> str:
    # escape_markdown spots a masked link with a greedy `\[.+\]\(.+\)`: on a line with two links
    # it escapes the first `[` only and leaves everything between them (`**`, `||`, …) raw. So
    # each stretch between brackets is escaped on its own, and every `[` is escaped here.
    text = "\\[".join(
        discord.utils.escape_mentions(discord.utils.escape_markdown(piece)) for piece in text.split("[")
    )
    text = _UNESCAPED_OPENERS.sub(r"\1\\\2", text)
    text = _LINE_START.sub(r"\1\\\2", text)
    return _ORDERED_LIST.sub(r"\1\\.", text)


def escape(text: str) -> str:
    """Untrusted text as one line of Discord markdown that renders exactly as written."""
    return _escape_markup(" ".join(text.split()))


def escape_lines(text: str) -> str:
    """Like `escape`, keeping the text's line breaks (a section's bullets); blank lines dropped."""
    return _escape_markup("\n".join(text_lines(text)))


def _without_dangling_escape(text: str) -> str:
    """`text` minus a final backslash that would escape whatever comes after it."""
    run = _TRAILING_BACKSLASHES.search(text)
    if run and len(run.group()) % 2:
        return text[:-1]
    return text


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at the end with an ellipsis; never cutting an escape in two."""
    clipped = base_clip(text, limit)
    if clipped == text or not clipped:
        return clipped
    return _without_dangling_escape(clipped.removesuffix("…")).rstrip() + "…"


def escape_clip(text: str, limit: int) -> str:
    return clip(escape(text), limit)


def embed_chars(embed: discord.Embed) -> int:
    """The characters Discord counts against a message's 6,000: title, description, field names
    and values, footer text and author name (not URLs)."""
    total = len(embed.title or "") + len(embed.description or "")
    total += sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    return total + len(embed.footer.text or "") + len(embed.author.name or "")


def _message_chars(embeds: Sequence[discord.Embed]) -> int:
    return sum(embed_chars(embed) for embed in embeds)


# -- buttons -----------------------------------------------------------------------------------


class DetailsProvider(Protocol):
    """What the Details button needs from the client: the paper's sections, to the clicker."""

    async def show_details(self, interaction: discord.Interaction[Any], arxiv_id: str) -> None: ...


def _details_provider(client: object) -> DetailsProvider | None:
    show = getattr(client, "show_details", None)
    if callable(show) and inspect.iscoroutinefunction(show):
        return cast(DetailsProvider, client)
    return None


class DetailsButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=DETAILS_PREFIX + r"(?P<arxiv_id>[0-9A-Za-z./\-]+)",
):
    """A persistent "Details" button: its custom_id carries the arXiv id, so buttons on digests
    posted before a restart still work once `client.add_dynamic_items(DetailsButton)` ran."""

    def __init__(
        self, arxiv_id: str, locale: str = "en", *, text: str | None = None, row: int | None = None
    ) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label=text or t("card.details", locale),
                custom_id=DETAILS_PREFIX + arxiv_id,
            ),
            row=row,
        )
        self.arxiv_id = arxiv_id

    @classmethod
    def accepts(cls, arxiv_id: str) -> bool:
        """Whether a button for `arxiv_id` can be dispatched back to this class."""
        return _dispatchable(cls, DETAILS_PREFIX + arxiv_id)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> DetailsButton:
        return cls(match["arxiv_id"], text=_shown_label(item))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        provider = _details_provider(interaction.client)
        if provider is None:
            await interaction.response.send_message(
                t("card.not_available", language_of(interaction)),
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return
        await provider.show_details(interaction, self.arxiv_id)


class VoteProvider(Protocol):
    """What the 👍 / 👎 buttons need from the client: record the vote, answer the voter alone."""

    async def record_vote(
        self, interaction: discord.Interaction[Any], arxiv_id: str, direction: int
    ) -> None: ...


_DIRECTIONS = {"up": UP, "down": DOWN}


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=VOTE_PREFIX + r"(?P<direction>up|down):(?P<arxiv_id>[0-9A-Za-z./\-]+)",
):
    """A persistent 👍 or 👎 button (`paperbot:vote:up:<arXiv id>`): like Details, it keeps
    working on digests posted before a restart once `client.add_dynamic_items` ran."""

    def __init__(
        self,
        direction: str,
        arxiv_id: str,
        locale: str = "en",
        *,
        text: str | None = None,
        row: int | None = None,
    ) -> None:
        if direction not in _DIRECTIONS:
            raise ValueError(f"a vote is up or down, not {direction!r}")
        label = "card.more_like" if direction == "up" else "card.less_like"
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label=text or t(label, locale),
                custom_id=f"{VOTE_PREFIX}{direction}:{arxiv_id}",
            ),
            row=row,
        )
        self.direction = direction
        self.arxiv_id = arxiv_id

    @classmethod
    def accepts(cls, arxiv_id: str) -> bool:
        """Whether both vote buttons for `arxiv_id` can be dispatched back to this class."""
        return _dispatchable(cls, f"{VOTE_PREFIX}down:{arxiv_id}")  # the longer of the two

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> VoteButton:
        return cls(match["direction"], match["arxiv_id"], text=_shown_label(item))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        record = getattr(interaction.client, "record_vote", None)
        if not (callable(record) and inspect.iscoroutinefunction(record)):
            await interaction.response.send_message(
                t("card.not_available", language_of(interaction)),
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return
        await cast(VoteProvider, interaction.client).record_vote(
            interaction, self.arxiv_id, _DIRECTIONS[self.direction]
        )


def paper_view(items: Sequence[tuple[str, str, str]], locale: str, *, votes: bool = False) -> discord.ui.View:
    """Per paper (arxiv_id, hf_url, arxiv_url), in order, a row: Hugging Face, arXiv, Details,
    and with `votes` (digest cards) 👍 and 👎."""
    if len(items) > PAPERS_PER_MESSAGE:
        raise ValueError(f"{len(items)} papers need more than {MAX_ACTION_ROWS} rows of buttons")
    view = discord.ui.View(timeout=None)
    seen: set[str] = set()
    for row, (arxiv_id, hf_url, arxiv_url) in enumerate(items):
        view.add_item(
            discord.ui.Button(style=discord.ButtonStyle.link, label="Hugging Face", url=hf_url, row=row)
        )
        view.add_item(
            discord.ui.Button(style=discord.ButtonStyle.link, label="arXiv", url=arxiv_url, row=row)
        )
        # custom_ids must be unique within a message, and one Discord could not route back
        # would be a button that does nothing: leave such a Details button out.
        if arxiv_id not in seen and DetailsButton.accepts(arxiv_id):
            view.add_item(DetailsButton(arxiv_id, locale, row=row))
        if votes and arxiv_id not in seen and VoteButton.accepts(arxiv_id):
            view.add_item(VoteButton("up", arxiv_id, locale, row=row))
            view.add_item(VoteButton("down", arxiv_id, locale, row=row))
        seen.add(arxiv_id)
    return view


# -- digests -----------------------------------------------------------------------------------


def _description(area: str, body: str, limit: int = DESCRIPTION_CHARS) -> str:
    lines = []
    if area.strip():
        lines.append(f"*{escape_clip(area, AREA_CHARS)}*")
    if body.strip():
        used = sum(len(line) + 1 for line in lines)
        lines.append(escape_clip(body, limit - used))
    return "\n".join(lines)


def digest_embed(item: DigestItem, locale: str, *, image: bool = False) -> discord.Embed:
    """One digest paper: linked title, area in italics, contribution; topics and why as a field.
    With `image`, the paper's Hugging Face thumbnail (URLs do not count against the 6,000)."""
    embed = discord.Embed(
        title=escape_clip(item.title, MAX_TITLE) or item.arxiv_id,
        url=item.hf_url,
        description=_description(item.domain, item.contribution) or None,
        colour=COLOUR,
    )
    topics = join_list(item.topics, locale)
    reason = clip_reason(item.reason, max(0, REASON_CHARS - len(topics) - 1))
    why = "\n".join(part for part in (topics, reason) if part.strip())
    if why.strip():
        value = clip(escape_lines(why), REASON_CHARS)
        embed.add_field(name=t("card.topics_why", locale), value=value, inline=False)
    signals = signals_line(item, locale)
    if signals is not None:
        embed.add_field(name=t("card.signals", locale), value=signals, inline=False)
    thumbnail = thumbnail_url(item.arxiv_id) if image else None
    if thumbnail is not None and len(thumbnail) <= MAX_URL:
        embed.set_thumbnail(url=thumbnail)
    return embed


def signals_line(item: DigestItem, locale: str) -> str | None:
    """`▲ 123 · [Code](…) · [Project page](…)`; None when the paper has no community signals.
    Only URLs `bot.ranking.signals.safe_url` accepted are linked: none can close a markdown link."""
    signals = signals_of(item)
    parts = []
    if signals.upvotes is not None:
        parts.append(escape(t("card.upvotes", locale, count=signals.upvotes)))
    if signals.code is not None:
        parts.append(f"[{escape(t('card.code', locale))}]({signals.code})")
    if signals.project_page is not None:
        parts.append(f"[{escape(t('card.project_page', locale))}]({signals.project_page})")
    # A link cut in two would be broken markup: leave out what does not fit whole.
    while len(" · ".join(parts)) > MAX_FIELD_VALUE:
        parts.pop()
    return " · ".join(parts) or None


def _footer(marker: str, part: int, parts: int) -> str:
    return clip(f"paperbot · {marker} · {part}/{parts}", MAX_FOOTER)


def digest_messages(
    digest: Digest, *, marker: str | None = None, images: bool = False, layout: CardLayout = "cards"
) -> list[DiscordMessage]:
    """The digest as one or more messages, each within Discord's limits, in digest order: cards
    packed five to a message, or (`compact`) a list message and a reply per card. With `images`,
    each card shows the paper's Hugging Face thumbnail.

    With a `marker` (the delivery id), every message's last embed carries the footer
    `paperbot · {marker} · {i}/{n}`, so `DiscordPublisher.posted_parts` can tell after a crash
    which parts already reached the channel."""
    if layout == "compact":
        return _marked(compact_messages(digest, images=images, marker=marker), marker)
    locale = digest.locale
    more = digest.more_line()
    tail = escape(more) if more else ""
    head = clip(f"**{escape(digest.header())}**\n{escape(digest.following_line())}", HEADER_CHARS)
    # A paper whose embed cannot be made is left out (and logged); the others still go out.
    rendered = render_items(digest, lambda item: digest_embed(item, locale, image=images))
    shown = [item for item, _embed in rendered]
    embeds = [embed for _item, embed in rendered]
    # The widest footer any part can get: there are never more parts than papers.
    footer_room = len(_footer(marker, len(embeds), len(embeds))) if marker is not None else 0
    chunks: list[list[discord.Embed]] = pack(
        embeds,
        size=embed_chars,
        max_size=MAX_EMBED_TOTAL - footer_room,
        max_count=PAPERS_PER_MESSAGE,
    ) or [[]]
    messages: list[DiscordMessage] = []
    start = 0
    for number, chunk in enumerate(chunks, start=1):
        items = shown[start : start + len(chunk)]
        start += len(chunk)
        lines = [head] if number == 1 else []
        if number == len(chunks) and tail:
            lines.append(tail)
        buttons = [(i.arxiv_id, i.hf_url, i.arxiv_url) for i in items]
        view = paper_view(buttons, locale, votes=True) if items else None
        papers = tuple(i.arxiv_id for i in items)
        messages.append(DiscordMessage(clip("\n".join(lines), MAX_CONTENT), list(chunk), view, papers=papers))
    return _marked(messages, marker)


def _marked(messages: list[DiscordMessage], marker: str | None) -> list[DiscordMessage]:
    """`messages`, each one's last embed with the footer `paperbot · {marker} · {i}/{n}`."""
    if marker is not None:
        for number, message in enumerate(messages, start=1):
            if not message.embeds:  # an empty digest: a footer-only embed still carries the marker
                message.embeds.append(discord.Embed(colour=COLOUR))
            message.embeds[-1].set_footer(text=_footer(marker, number, len(messages)))
    return messages


def _link_label(text: str, limit: int) -> str:
    """Untrusted text as a masked link's label: escaped, `]` too (it would end the label)."""
    return clip(escape(text).replace("]", "\\]"), limit)


def compact_messages(
    digest: Digest, *, images: bool = False, marker: str | None = None
) -> list[DiscordMessage]:
    """A compact digest: one message listing each paper's linked title with its topics, then each
    paper's card (embed and buttons) as a reply to it (DiscordMessage.reply_to_first), each naming
    the thread the publisher starts from it (DiscordMessage.thread_name), so each paper gets its own
    discussion. The list always fits one embed: titles and topics are shortened as far as needed
    (60 papers fit in the 6,000 characters of one message)."""
    locale = digest.locale
    head = clip(f"**{escape(digest.header())}**\n{escape(digest.following_line())}", HEADER_CHARS)
    rendered = render_items(digest, lambda item: digest_embed(item, locale, image=images))
    items = [item for item, _embed in rendered]
    notes = [escape(t("digest.cards_as_replies", locale))] if items else []
    more = digest.more_line()
    if more:
        notes.append(escape(more))
    # The widest footer any part can get: the list and a message per paper.
    footer_room = len(_footer(marker, len(items) + 1, len(items) + 1)) if marker is not None else 0
    chunks: list[list[str]] = []
    for title_chars, topic_chars in LIST_LIMITS:
        lines = [
            f"{number}. [{_link_label(item.title, title_chars) or item.arxiv_id}]({item.hf_url})"
            + (f" — {escape_clip(join_list(item.topics, locale), topic_chars)}" if item.topics else "")
            for number, item in enumerate(items, start=1)
        ]
        if lines and notes:
            lines[-1] += "\n"  # a blank line before the notes
        lines += notes
        # A description holds 4,096 characters: a long list takes several embeds of one message.
        chunks = pack(
            lines, size=lambda line: len(line) + 1, max_size=MAX_DESCRIPTION + 1, max_count=len(lines) or 1
        )
        total = sum(len(line) + 1 for line in lines) + footer_room
        if len(chunks) <= MAX_EMBEDS and total <= MAX_EMBED_TOTAL:
            break
    listing = [
        discord.Embed(description=clip("\n".join(chunk), MAX_DESCRIPTION), colour=COLOUR)
        for chunk in chunks[:MAX_EMBEDS]
    ]
    messages = [DiscordMessage(clip(head, MAX_CONTENT), listing, papers=tuple(i.arxiv_id for i in items))]
    for item, embed in rendered:
        view = paper_view([(item.arxiv_id, item.hf_url, item.arxiv_url)], locale, votes=True)
        name = thread_name(item)
        papers = (item.arxiv_id,)
        messages.append(
            DiscordMessage("", [embed], view, reply_to_first=True, thread_name=name, papers=papers)
        )
    return messages


def thread_name(item: DigestItem) -> str:
    """The name of a compact card's thread: the paper's title on one line, clipped to Discord's 100
    characters (the arXiv id when there is no title). A name is plain text, never markdown, and
    mentions nobody, so the title is not escaped."""
    return base_clip(" ".join(item.title.split()), MAX_THREAD_NAME) or item.arxiv_id


# -- /paper replies ----------------------------------------------------------------------------


def hit_embed(hit: LookupHit) -> discord.Embed:
    links = paper_links(hit.arxiv_id)
    where = f"arXiv {escape(hit.arxiv_id)}" + (f" · {hit.date.isoformat()}" if hit.date else "")
    body = _description(hit.domain, hit.contribution, DESCRIPTION_CHARS - len(where) - 1)
    return discord.Embed(
        title=escape_clip(hit.title, MAX_TITLE) or hit.arxiv_id,
        url=links["hf"],
        description="\n".join(part for part in (where, body) if part),
        colour=COLOUR,
    )


def _hit_buttons(hit: LookupHit) -> tuple[str, str, str]:
    links = paper_links(hit.arxiv_id)
    return hit.arxiv_id, links["hf"], links["arxiv"]


def _code_blocks(text: str) -> list[str]:
    """Multi-line text (help, topic lists) as code blocks of at most MAX_CONTENT characters each,
    split between lines. Inside a code block nothing renders, so only a fence needs defusing."""
    room = MAX_CONTENT - len(f"{CODE_FENCE}\n\n{CODE_FENCE}")
    lines = [line.rstrip() for line in text.replace(CODE_FENCE, "`\u200b`\u200b`").splitlines()]
    # A line too long for one message (the keywords a channel follows) goes on in the next, not
    # cut off; only a reply past MAX_REPLY_MESSAGES loses words, from its longest line.
    lines = fit_lines(lines, MAX_REPLY_MESSAGES * (room - 100), _hard_cut)
    lines = [piece for line in lines for piece in wrap_line(line, room, _hard_cut)]
    chunks = pack(lines, size=lambda line: len(line) + 1, max_size=room + 1, max_count=len(lines) or 1)
    return [f"{CODE_FENCE}\n" + "\n".join(chunk) + f"\n{CODE_FENCE}" for chunk in chunks]


def reply_messages(reply: Reply) -> list[DiscordMessage]:
    """A `/paper` reply (always ephemeral): text, lookup results with buttons, or a digest in at
    most MAX_REPLY_MESSAGES messages."""
    if reply.digest is not None:
        return fit_digest(reply.digest, digest_messages, MAX_REPLY_MESSAGES)
    if "\n" in reply.text.strip() and not reply.hits:
        return [DiscordMessage(block) for block in _code_blocks(reply.text.strip())]
    text = escape_clip(reply.text, MAX_CONTENT)
    if not reply.hits:
        return [DiscordMessage(text)]
    hits = list(reply.hits)
    embeds = [hit_embed(hit) for hit in hits]
    chunks = pack(embeds, size=embed_chars, max_size=MAX_EMBED_TOTAL, max_count=PAPERS_PER_MESSAGE)
    messages = []
    start = 0
    for number, chunk in enumerate(chunks):
        shown = hits[start : start + len(chunk)]
        start += len(chunk)
        view = paper_view([_hit_buttons(hit) for hit in shown], reply.locale)
        messages.append(DiscordMessage(text if number == 0 else "", list(chunk), view))
    return messages


# -- paper details -----------------------------------------------------------------------------


def _shares(lengths: Sequence[int], budget: int) -> list[int]:
    """Split `budget` characters between texts of `lengths`: short texts keep all of theirs, the
    long ones share the rest equally (so one huge section cannot crowd out the others)."""
    shares = [0] * len(lengths)
    pending = sorted(range(len(lengths)), key=lambda i: lengths[i])
    remaining = max(budget, 0)
    while pending:
        fair = remaining // len(pending)
        if lengths[pending[0]] > fair:
            for i in pending:
                shares[i] = fair
            break
        first = pending.pop(0)
        shares[first] = lengths[first]
        remaining -= lengths[first]
    return shares


def _hard_cut(line: str, limit: int) -> int:
    """Where to cut a line longer than `limit`: at a space if one is near, never inside an escape."""
    cut = line.rfind(" ", limit // 2, limit + 1)
    if cut <= 0:
        cut = limit
    return len(_without_dangling_escape(line[:cut])) or limit


def split_field(text: str, limit: int = MAX_FIELD_VALUE) -> list[str]:
    """Escaped text as field values of at most `limit` characters, split between lines where it can."""
    pieces: list[str] = []
    for line in text.split("\n"):
        while len(line) > limit:
            cut = _hard_cut(line, limit)
            pieces.append(line[:cut].rstrip())
            # The rest starts a field of its own: what was mid-line is now at a line start.
            line = _LINE_START.sub(r"\1\\\2", _ORDERED_LIST.sub(r"\1\\.", line[cut:].lstrip()))
        if line:
            pieces.append(line)
    chunks = pack(pieces, size=lambda p: len(p) + 1, max_size=limit + 1, max_count=len(pieces) or 1)
    return ["\n".join(chunk) for chunk in chunks]


def _section_fields(sections: Sequence[tuple[str, str]], budget: int, locale: str) -> list[tuple[str, str]]:
    shares = _shares([len(text) for _name, text in sections], budget)
    fields: list[tuple[str, str]] = []
    for (name, text), share in zip(sections, shares, strict=True):
        if share <= 0:
            continue
        values = split_field(clip(text, share))
        for number, value in enumerate(values, start=1):
            fields.append(
                (name if len(values) == 1 else aside(name, f"{number}/{len(values)}", locale), value)
            )
    return fields


def details_embeds(paper: Paper, locale: str) -> list[discord.Embed]:
    """The paper's five sections, each as one or more fields, in one embed of at most 6,000
    characters and 25 fields; when a report's sections are longer, each is cut with an ellipsis."""
    links = paper_links(paper.arxiv_id)
    embed = discord.Embed(
        title=escape_clip(paper.title, MAX_TITLE) or paper.arxiv_id,
        url=links["hf"],
        description=f"[arXiv {escape(paper.arxiv_id)}]({links['arxiv']}) · [PDF]({links['pdf']})",
        colour=COLOUR,
    )
    sections = [(name, escape_lines(text)) for name, text in paper_sections(paper, locale)]
    room = MAX_EMBED_TOTAL - embed_chars(embed)
    budget = room
    fields = _section_fields(sections, budget, locale)
    # Field names count too, and splitting adds names: shrink the text until everything fits.
    while fields and (sum(len(n) + len(v) for n, v in fields) > room or len(fields) > MAX_FIELDS):
        excess = sum(len(n) + len(v) for n, v in fields) - room
        budget -= excess if excess > 0 else max(budget // 10, 1)  # too many fields: shed text faster
        fields = _section_fields(sections, budget, locale)
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=False)
    return [embed]


def _dispatchable(item: Any, custom_id: str) -> bool:
    """Whether Discord takes `custom_id` and routes it back to the DynamicItem class `item`."""
    return (
        len(custom_id) <= MAX_CUSTOM_ID
        and item.__discord_ui_compiled_template__.fullmatch(custom_id) is not None
    )


def _shown_label(item: discord.ui.Item[Any]) -> str | None:
    """The label a persistent button was posted with: answering keeps the language it was in."""
    shown = getattr(item, "label", None)
    return shown if isinstance(shown, str) else None
