"""Synthetic reports for tests."""

from __future__ import annotations

import datetime as dt

from bot.models import Paper, Report


def video_day(day: dt.date, count: int) -> Report:
    """A crowded day: `count` video-generation papers with long contributions (digests that must
    be split, capped and told how to see the rest)."""
    papers = tuple(
        Paper(
            f"2611.{20000 + n:05d}",
            f"Video generation with diffusion, part {n}",
            f"https://huggingface.co/papers/2611.{20000 + n:05d}",
            domain="video generation",
            contribution="A video generation model that renders long, coherent clips from text. " * 6,
        )
        for n in range(count)
    )
    return Report(day, papers)
