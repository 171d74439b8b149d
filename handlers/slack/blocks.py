"""Block Kit rendering: digests, lookup results, replies and the paper-details modal.

Everything from a report is untrusted. It only reaches Slack through `escape` (so `<!channel>`,
`<@U…>` and `<url|label>` in a title are shown, not executed) and `clip` (so no field passes a
Block Kit limit), and links are built from parsed arXiv ids, never copied from report text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.chat.commands import Reply, fit_digest
from bot.chat.link_cards import LinkCard, LinkCards
from bot.delivery.split import pack
from bot.i18n import aside, join_list, labelled, t
from bot.models import CardLayout, LookupHit, Paper
from bot.ranking.digest import Digest, DigestItem, clip_reason, paper_sections, render_items
from bot.ranking.signals import signals_of
from bot.reports.arxiv import paper_links, thumbnail_url
from bot.text import clip, fit_lines, text_lines, wrap_line
from handlers.slack.messages import SlackMessage

# Block Kit limits (PLATFORM_FACTS.md, Slack): 50 blocks per message, section text 3,000,
# header 150 (plain text), context 10 elements, button text 75, modal title 24, 100 blocks
# in a modal. Messages far below 50 blocks still fail with msg_blocks_too_long at roughly
# 11–13k characters of blocks, so a digest message stops well before that.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_MODAL_TITLE = 24
MAX_MODAL_BLOCKS = 100
MAX_MESSAGE_BLOCK_CHARS = 10_000
MAX_FALLBACK_TEXT = 3000  # Slack cuts `text` at 40k; a notification needs far less
# A response_url accepts 5 posts within 30 minutes (PLATFORM_FACTS.md): a /paper reply's digest
# fits in that many messages, and its last says how to see the rest.
MAX_RESPONSE_POSTS = 5

# Each card's share, in escaped characters: together far below a section's 3,000, and short
# enough that several cards fit one message.
TITLE_CHARS = 400
AREA_CHARS = 500
CONTRIBUTION_CHARS = 1200
REASON_CHARS = 800
# A link's card (unfurl) is compact: its area and contribution in about a line each.
UNFURL_AREA_CHARS = 200
UNFURL_CONTRIBUTION_CHARS = 300
UNFURL_TOPICS_CHARS = 300
# An image element (Block Kit reference, and slack_sdk's ImageElement): image_url at most 3,000
# characters, alt_text at most 2,000.
MAX_IMAGE_URL = 3000
MAX_ALT_TEXT = 2000
# A compact digest's list message: each line's title and topics, in escaped characters, tried
# in turn until the whole list fits one message (50 papers fit at the last).
LIST_LIMITS = ((200, 150), (120, 100), (80, 60), (40, 40), (25, 25))
# A lookup reply's results: each one's title, area and contribution, in escaped characters,
# tried in turn until the reply fits one message (the first is a card's own share). Five
# results with everything long reach ~14k characters at the first; the last leaves room for
# LOOKUP_RESULTS of them under the longest reply text (3,000).
HIT_LIMITS = (
    (TITLE_CHARS, AREA_CHARS, CONTRIBUTION_CHARS),
    (300, 300, 600),
    (200, 150, 300),
    (120, 80, 150),
)

DETAILS_ACTION = "paper_details"
SHARE_ACTION = "paper_share"
LINK_ACTION = "paper_link"  # link buttons still send an action; Bolt must ack it
# 👍 / 👎 on digest cards (bot/ranking/tuning.py); the value is the arXiv id.
VOTE_UP_ACTION = "paper_vote_up"
VOTE_DOWN_ACTION = "paper_vote_down"


def escape(text: str) -> str:
    """Slack mrkdwn escaping: only &, < and > are special, and escaping them defuses
    `<!channel>`, `<!here>`, `<@U…>` and `<url|label>` smuggled in through report text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_clip(text: str, limit: int) -> str:
    """`escape(text)` in at most `limit` characters, never cutting an `&amp;`-style entity."""
    escaped = escape(" ".join(text.split()))
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + "…"


def _flat(text: str) -> str:
    return " ".join(text.split())


def mrkdwn(text: str) -> dict[str, Any]:
    """Every mrkdwn text object paperbot sends (messages, modals, App Home). verbatim: Slack must
    not turn report text or a typed keyword into links, channel links or mentions on its own."""
    return {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT), "verbatim": True}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(_flat(text), limit), "emoji": True}


def link(url: str, text: str, limit: int = 400) -> str:
    """`<url|text>` with the label escaped and clipped (the URL is ours: built from an arXiv id)."""
    return f"<{url}|{escape_clip(text, limit)}>"


def _buttons(
    arxiv_id: str, hf_url: str, arxiv_url: str, locale: str, *, share: bool = False, votes: bool = False
) -> dict[str, Any]:
    elements: list[dict[str, Any]] = [
        {
            "type": "button",
            "text": _plain("Hugging Face", MAX_BUTTON_TEXT),
            "url": hf_url,
            "action_id": f"{LINK_ACTION}_hf",
        },
        {
            "type": "button",
            "text": _plain("arXiv", MAX_BUTTON_TEXT),
            "url": arxiv_url,
            "action_id": f"{LINK_ACTION}_arxiv",
        },
        {
            "type": "button",
            "text": _plain(t("card.details", locale), MAX_BUTTON_TEXT),
            "action_id": DETAILS_ACTION,
            "value": arxiv_id,
        },
    ]
    if share:
        elements.append(
            {
                "type": "button",
                "text": _plain(t("card.share", locale), MAX_BUTTON_TEXT),
                "action_id": SHARE_ACTION,
                "value": arxiv_id,
            }
        )
    if votes:
        # Five buttons at most per card, far below an actions block's 25 elements.
        elements += [
            {
                "type": "button",
                "text": _plain(t(label, locale), MAX_BUTTON_TEXT),
                "action_id": action,
                "value": arxiv_id,
            }
            for label, action in (("card.more_like", VOTE_UP_ACTION), ("card.less_like", VOTE_DOWN_ACTION))
        ]
    return {"type": "actions", "block_id": f"paper_{arxiv_id}", "elements": elements}


def safe_link(url: str, text: str) -> str:
    """`<url|text>` for a URL that `bot.ranking.signals.safe_url` accepted (no `<`, `>` or `|`; its `&`
    escaped as mrkdwn wants)."""
    return f"<{escape(url)}|{escape_clip(text, 100)}>"


def signals_line(item: DigestItem, locale: str) -> str | None:
    """`▲ 123 · Code · Project page`, linked; None when the paper has no community signals."""
    signals = signals_of(item)
    parts = []
    if signals.upvotes is not None:
        parts.append(escape(t("card.upvotes", locale, count=signals.upvotes)))
    if signals.code is not None:
        parts.append(safe_link(signals.code, t("card.code", locale)))
    if signals.project_page is not None:
        parts.append(safe_link(signals.project_page, t("card.project_page", locale)))
    return " · ".join(parts) or None


def image_accessory(item: DigestItem) -> dict[str, Any] | None:
    """The paper's Hugging Face thumbnail as a section's image accessory (`/paper set images on`);
    None when Hugging Face has no page for its id. alt_text is plain text: nothing to escape."""
    url = thumbnail_url(item.arxiv_id)
    if url is None or len(url) > MAX_IMAGE_URL:
        return None
    return {
        "type": "image",
        "image_url": url,
        "alt_text": clip(_flat(item.title) or item.arxiv_id, MAX_ALT_TEXT),
    }


def without_images(blocks: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """`blocks` minus their image accessories; None when they hold none."""
    if not any(block.get("accessory", {}).get("type") == "image" for block in blocks):
        return None
    return [
        {k: v for k, v in block.items() if k != "accessory"}
        if block.get("accessory", {}).get("type") == "image"
        else block
        for block in blocks
    ]


def card(item: DigestItem, locale: str, *, image: bool = False) -> list[dict[str, Any]]:
    """One digest paper: linked title, area and contribution; topics and why, and community
    signals when the paper has them; buttons, 👍 / 👎 included. With `image`, the paper's
    Hugging Face thumbnail beside the text."""
    lines = [f"*{link(item.hf_url, item.title, TITLE_CHARS)}*"]
    if item.domain:
        lines.append(f"_{escape_clip(item.domain, AREA_CHARS)}_")
    if item.contribution:
        lines.append(escape_clip(item.contribution, CONTRIBUTION_CHARS))
    topics = labelled(t("digest.topics", locale), join_list(item.topics, locale), locale)
    head = f"{topics} · {labelled(t('digest.why', locale), '', locale)}"
    why = head + clip_reason(_flat(item.reason), max(0, REASON_CHARS - len(head)))
    context = [mrkdwn(escape_clip(why, REASON_CHARS))]
    signals = signals_line(item, locale)
    if signals is not None:
        context.append(mrkdwn(signals))  # 2 of a context block's 10 elements
    section: dict[str, Any] = {"type": "section", "text": mrkdwn("\n".join(lines))}
    accessory = image_accessory(item) if image else None
    if accessory is not None:
        section["accessory"] = accessory
    return [
        section,
        {"type": "context", "elements": context},
        _buttons(item.arxiv_id, item.hf_url, item.arxiv_url, locale, votes=True),
        {"type": "divider"},
    ]


def _size(blocks: list[dict[str, Any]]) -> int:
    return len(json.dumps(blocks, ensure_ascii=False))


def _count(blocks: list[dict[str, Any]]) -> int:
    return len(blocks)


def _header(digest: Digest) -> list[dict[str, Any]]:
    return [
        {"type": "header", "text": _plain(digest.header(), MAX_HEADER_TEXT)},
        {"type": "context", "elements": [mrkdwn(escape_clip(digest.following_line(), 1000))]},
    ]


def digest_messages(
    digest: Digest, *, images: bool = False, layout: CardLayout = "cards"
) -> list[SlackMessage]:
    """The digest as one or more messages, each within Slack's limits, in digest order: cards
    packed into messages, or (`compact`) a list message and a threaded reply per card. With
    `images`, each card shows the paper's Hugging Face thumbnail."""
    if layout == "compact":
        return compact_messages(digest, images=images)
    header = _header(digest)
    # A paper whose card cannot be made is left out (and logged); the others still go out.
    rendered = render_items(digest, lambda item: card(item, digest.locale, image=images))
    items = [item for item, _blocks in rendered]
    cards = [blocks for _item, blocks in rendered]
    more = digest.more_line()
    footer: list[dict[str, Any]] = [{"type": "context", "elements": [mrkdwn(escape(more))]}] if more else []
    chunks = pack(
        cards,
        size=_size,
        max_size=MAX_MESSAGE_BLOCK_CHARS - _size(footer),
        count=_count,
        max_count=MAX_BLOCKS - len(footer),
        first_overhead=(_size(header), len(header)),
    ) or [[]]
    messages = []
    start = 0
    for number, chunk in enumerate(chunks, start=1):
        papers = tuple(item.arxiv_id for item in items[start : start + len(chunk)])
        start += len(chunk)
        blocks = [block for card_blocks in chunk for block in card_blocks]
        if number == 1:
            blocks = header + blocks
        if number == len(chunks):
            blocks += footer
        messages.append(
            SlackMessage(
                _fallback(digest, chunk_titles(items, chunks, number), number, len(chunks)),
                blocks,
                plain_blocks=without_images(blocks),
                papers=papers,
            )
        )
    return messages


def compact_messages(digest: Digest, *, images: bool = False) -> list[SlackMessage]:
    """A compact digest: one message listing each paper's linked title with its topics, then each
    paper's card as a reply in that message's thread (SlackMessage.thread), so every paper can
    be discussed under its own card. The list always fits one message: titles and topics are
    shortened as far as needed (50 papers fit with titles of 40 characters)."""
    locale = digest.locale
    rendered = render_items(digest, lambda item: card(item, locale, image=images)[:-1])  # no divider
    items = [item for item, _blocks in rendered]
    more = digest.more_line()

    def tail(where: str) -> list[dict[str, Any]]:
        """The list's closing lines: where its cards are (catalogue key `where`), and the more line."""
        notes = ([t(where, locale)] if items else []) + ([more] if more else [])
        return [{"type": "context", "elements": [mrkdwn(escape(note))]} for note in notes]

    blocks: list[dict[str, Any]] = []
    unthreaded: list[dict[str, Any]] = []
    for title_chars, topic_chars in LIST_LIMITS:
        lines = [
            f"{number}. *{link(item.hf_url, item.title, title_chars)}*"
            + (f" — {escape_clip(join_list(item.topics, locale), topic_chars)}" if item.topics else "")
            for number, item in enumerate(items, start=1)
        ]
        sections = pack(
            lines, size=lambda line: len(line) + 1, max_size=MAX_SECTION_TEXT, max_count=len(lines) or 1
        )
        body = [
            *_header(digest),
            *({"type": "section", "text": mrkdwn("\n".join(chunk))} for chunk in sections),
        ]
        blocks, unthreaded = body + tail("digest.cards_in_thread"), body + tail("digest.cards_below")
        if all(_size(b) <= MAX_MESSAGE_BLOCK_CHARS and len(b) <= MAX_BLOCKS for b in (blocks, unthreaded)):
            break
    listing = SlackMessage(
        _fallback(digest, [item.title for item in items], 1, 1),
        blocks,
        papers=tuple(item.arxiv_id for item in items),
        unthreaded_blocks=unthreaded if items else None,
    )
    cards = [
        SlackMessage(
            clip(escape(_flat(item.title)), MAX_FALLBACK_TEXT),
            card_blocks,
            thread=True,
            plain_blocks=without_images(card_blocks),
            papers=(item.arxiv_id,),
        )
        for item, card_blocks in rendered
    ]
    return [listing, *cards]


def chunk_titles(items: Sequence[DigestItem], chunks: Sequence[Sequence[Any]], number: int) -> list[str]:
    """The titles of the papers in chunk `number` (1-based) of `items` packed into `chunks`."""
    start = sum(len(chunk) for chunk in chunks[: number - 1])
    return [item.title for item in items[start : start + len(chunks[number - 1])]]


def _fallback(digest: Digest, titles: list[str], part: int, parts: int) -> str:
    """The plain-text notification: what the message is, then the titles it carries."""
    head = digest.header()
    if parts > 1:
        head = aside(head, t("card.part", digest.locale, part=part, parts=parts), digest.locale)
    body = "; ".join(_flat(title) for title in titles)
    return clip(escape(labelled(head, body, digest.locale) if body else head), MAX_FALLBACK_TEXT)


def hit_blocks(
    hit: LookupHit, locale: str, limits: tuple[int, int, int] = HIT_LIMITS[0]
) -> list[dict[str, Any]]:
    title_chars, area_chars, contribution_chars = limits
    links = paper_links(hit.arxiv_id)
    lines = [f"*{link(links['hf'], hit.title, title_chars)}*  `{hit.arxiv_id}`"]
    if hit.date:
        lines[0] += f"  {hit.date.isoformat()}"
    if hit.domain:
        lines.append(f"_{escape_clip(hit.domain, area_chars)}_")
    if hit.contribution:
        lines.append(escape_clip(hit.contribution, contribution_chars))
    return [
        {"type": "section", "text": mrkdwn("\n".join(lines))},
        _buttons(hit.arxiv_id, links["hf"], links["arxiv"], locale, share=True),
    ]


# A text reply's share of a message's blocks: the rest is the sections' own JSON.
TEXT_REPLY_CHARS = MAX_MESSAGE_BLOCK_CHARS - 1000
FENCE = "```"


def text_sections(text: str, *, preformatted: bool, budget: int = TEXT_REPLY_CHARS) -> list[dict[str, Any]]:
    """A text reply as sections of at most MAX_SECTION_TEXT characters each, split between lines
    and, within a line too long for one (the keywords a channel follows), between words. Only a
    reply past one message's budget loses words: from its longest line, so the short ones (the
    schedule, a pause reason) always stay."""
    lines = fit_lines(escape(text).split("\n"), budget, _cut)
    if preformatted:
        # Inside the block nothing renders, so only a fence in the text (a keyword the caller
        # follows, say) needs defusing, lest it close the block and the rest render as mrkdwn.
        lines = [line.replace(FENCE, "`\u200b`\u200b`") for line in lines]
    room = MAX_SECTION_TEXT - (2 * len(FENCE) if preformatted else 0)
    pieces = [piece for line in lines for piece in wrap_line(line, room, _cut)]
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 1 + len(piece) <= room:
            chunks[-1] += "\n" + piece
        else:
            chunks.append(piece)
    if preformatted:
        chunks = [FENCE + chunk + FENCE for chunk in chunks]
    return [{"type": "section", "text": mrkdwn(chunk or " ")} for chunk in chunks or [""]]


def _cut(line: str, room: int) -> int:
    """Where an escaped line longer than `room` may end: at a space near the end, else at
    `room`, never inside an `&amp;`-style entity."""
    cut = line.rfind(" ", room // 2, room + 1)
    if cut > 0:
        return cut
    amp = line.rfind("&", 0, room)
    return amp if amp > 0 and ";" not in line[amp:room] else room


def reply_messages(reply: Reply) -> list[SlackMessage]:
    """A `/paper` reply (always ephemeral): text, lookup results with a share button, or a digest
    in at most MAX_RESPONSE_POSTS messages."""
    if reply.digest is not None:
        return fit_digest(reply.digest, digest_messages, MAX_RESPONSE_POSTS)
    if reply.hits:
        shown = escape(reply.text)
        if len(shown) > MAX_SECTION_TEXT:
            shown = escape_clip(reply.text, MAX_SECTION_TEXT)
        head: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(shown)}]
    else:
        preformatted = "\n" in reply.text
        head = text_sections(reply.text, preformatted=preformatted)
        # JSON escapes quotes and line breaks: a text full of them gives up what it overran.
        if (over := _size(head) - MAX_MESSAGE_BLOCK_CHARS) > 0:
            budget = TEXT_REPLY_CHARS - over - 200
            head = text_sections(reply.text, preformatted=preformatted, budget=budget)
    # Slack refuses the whole reply past ~11-13k characters of blocks (msg_blocks_too_long), and
    # the caller would get nothing: results with long texts are shown shorter instead, all alike.
    for limits in HIT_LIMITS:
        blocks = head + [block for hit in reply.hits for block in hit_blocks(hit, reply.locale, limits)]
        if _size(blocks) <= MAX_MESSAGE_BLOCK_CHARS:
            break
    titles = "; ".join(_flat(hit.title) for hit in reply.hits)
    fallback = f"{reply.text} {titles}".strip() if titles else reply.text
    return [SlackMessage(clip(escape(fallback), MAX_FALLBACK_TEXT), blocks[:MAX_BLOCKS])]


def shared_message(paper: Paper, user: str, locale: str) -> SlackMessage:
    """A paper someone shared from their lookup results into the channel."""
    links = paper_links(paper.arxiv_id)
    hit = LookupHit(paper.arxiv_id, paper.title, None, 1.0, links["hf"], paper.domain, paper.contribution)
    blocks = hit_blocks(hit, locale)
    blocks[1]["elements"] = blocks[1]["elements"][:3]  # no share button on a shared card
    blocks.append({"type": "context", "elements": [mrkdwn(t("card.shared_by", locale, user=user))]})
    return SlackMessage(clip(escape(_flat(paper.title)), MAX_FALLBACK_TEXT), blocks)


def details_view(paper: Paper, locale: str) -> dict[str, Any]:
    """A modal with the paper's five sections."""
    links = paper_links(paper.arxiv_id)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(paper.title, MAX_HEADER_TEXT)},
        {"type": "context", "elements": [mrkdwn(f"`{paper.arxiv_id}` · {link(links['pdf'], 'PDF')}")]},
    ]
    for name, text in paper_sections(paper, locale):
        kept = _escaped_lines(text, MAX_SECTION_TEXT - 100)
        blocks.append({"type": "section", "text": mrkdwn(f"*{escape(name)}*\n{kept}")})
    blocks.append(_buttons(paper.arxiv_id, links["hf"], links["arxiv"], locale))
    blocks[-1]["elements"] = blocks[-1]["elements"][:2]  # Hugging Face, arXiv
    return {
        "type": "modal",
        "title": _plain(t("card.modal_title", locale), MAX_MODAL_TITLE),
        "close": _plain(t("card.close", locale), MAX_BUTTON_TEXT),
        "blocks": blocks[:MAX_MODAL_BLOCKS],
    }


def _escaped_lines(text: str, limit: int) -> str:
    """A section's lines (its bullets; not its blank lines), escaped, in at most `limit`
    characters: whole lines while they fit, then the next one cut with "…". A long section was
    clipped as one line, its bullets run together into a paragraph."""
    kept: list[str] = []
    for line in text_lines(text):
        room = limit - len("\n".join(kept)) - (1 if kept else 0)
        shown = escape(line)
        if len(shown) > room:
            if room > 1:
                kept.append(escape_clip(line, room))
            break
        kept.append(shown)
    return "\n".join(kept)


def details_message(paper: Paper, locale: str) -> SlackMessage:
    """The modal's details as a message (for the clicker alone) when the modal could not open."""
    blocks = details_view(paper, locale)["blocks"]
    return SlackMessage(clip(escape(_flat(paper.title)), MAX_FALLBACK_TEXT), blocks)


def unfurl_attachment(card: LinkCard, locale: str) -> dict[str, Any]:
    """A pasted paper link's card (a chat.unfurl attachment): linked title, area, one-line
    contribution; topics, community signals, id, report date and PDF; Hugging Face, arXiv and
    Details buttons."""
    item = card.item
    lines = [f"*{link(item.hf_url, item.title, TITLE_CHARS)}*"]
    if item.domain:
        lines.append(f"_{escape_clip(item.domain, UNFURL_AREA_CHARS)}_")
    if item.contribution:
        lines.append(escape_clip(item.contribution, UNFURL_CONTRIBUTION_CHARS))
    context: list[dict[str, Any]] = []
    if item.topics:
        topics = labelled(t("digest.topics", locale), join_list(item.topics, locale), locale)
        context.append(mrkdwn(escape_clip(topics, UNFURL_TOPICS_CHARS)))
    signals = signals_line(item, locale)
    if signals is not None:
        context.append(mrkdwn(signals))
    where = [f"`{item.arxiv_id}`"]
    if card.last_date is not None:
        where.append(escape(t("unfurl.report", locale, date=card.last_date.isoformat())))
    where.append(link(item.pdf_url, "PDF"))
    context.append(mrkdwn(" · ".join(where)))  # at most 3 of a context block's 10 elements
    fallback = t("unfurl.fallback", locale, title=_flat(item.title))
    return {
        "fallback": clip(escape(fallback), MAX_FALLBACK_TEXT),
        "blocks": [
            {"type": "section", "text": mrkdwn("\n".join(lines))},
            {"type": "context", "elements": context},
            _buttons(item.arxiv_id, item.hf_url, item.arxiv_url, locale),
        ],
    }


def unfurls(cards: LinkCards) -> dict[str, dict[str, Any]]:
    """chat.unfurl's `unfurls`: each posted URL → its paper's card, in the order the links came,
    as many as fit one message's limits together (the rest keep Slack's own preview)."""
    found: dict[str, dict[str, Any]] = {}
    blocks = size = 0
    for card in cards.cards:
        attachment = unfurl_attachment(card, cards.locale)
        blocks += len(attachment["blocks"])
        size += _size(attachment["blocks"])
        if blocks > MAX_BLOCKS or size > MAX_MESSAGE_BLOCK_CHARS:
            break
        found[card.url] = attachment
    return found
