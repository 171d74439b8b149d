"""Test data shared across the suite: build a value in one line, with only what a test is about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.models import ChannelRef, Paper, Report

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.chat.commands import CommandContext


def paper(
    title: str = "A Method",
    domain: str = "",
    contribution: str = "",
    innovations: str = "",
    usage: str = "",
    results: str = "",
    arxiv_id: str = "2601.00001",
    **extra: object,
) -> Paper:
    return Paper(
        arxiv_id,
        title,
        f"https://huggingface.co/papers/{arxiv_id}",
        domain=domain,
        contribution=contribution,
        innovations=innovations,
        usage=usage,
        results=results,
        **extra,  # type: ignore[arg-type]
    )


def make_paper(
    arxiv_id: str,
    title: str = "A Paper",
    *,
    domain: str = "计算机视觉",
    contribution: str = "提出新方法。",
    usage: str = "",
    innovations: str = "",
    results: str = "",
) -> Paper:
    """An archived report's paper: read from HTML, with an area and a contribution by default."""
    return paper(title, domain, contribution, innovations, usage, results, arxiv_id, source="HTML")


async def chat_context(
    engine: AsyncEngine, channel: ChannelRef, *reports: Report, user: str = "U1"
) -> CommandContext:
    """A `/paper` caller in `channel`, with `reports` archived (stores on `engine`, built-in topics)."""
    from bot.chat.commands import CommandContext
    from bot.store.archive import Archive
    from bot.store.subscriptions import SubscriptionStore
    from bot.topics.taxonomy import builtin_taxonomy

    archive = Archive(engine)
    for report in reports:
        await archive.ingest(report)
    return CommandContext(archive, SubscriptionStore(engine), builtin_taxonomy(), channel, user=user)
