"""Test data shared across the suite: build a value in one line, with only what a test is about."""

from __future__ import annotations

from bot.models import Paper


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
