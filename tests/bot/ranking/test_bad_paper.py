"""One bad paper never aborts a digest: it is left out, logged with its arXiv id, and the rest
goes out (bot/ranking/digest.py; the renderers' side is in tests/handlers/test_bad_paper.py)."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Sequence

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import bot.ranking.digest
from bot.delivery.deliverer import Deliverer
from bot.models import ChannelRef, Interests, Paper, Report, Subscription
from bot.ranking.digest import build_digest, report_matcher
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.matcher import PaperMatch, ReportMatcher
from bot.topics.taxonomy import Taxonomy, builtin_taxonomy
from handlers.console.publisher import ConsolePublisher
from tests.factories import paper

DAY = dt.date(2026, 5, 6)
RL = Interests(("reinforcement-learning",))
BAD = "2605.00002"


def report(n: int = 4) -> Report:
    return Report(
        DAY,
        tuple(
            paper(arxiv_id=f"2605.{i:05d}", title=f"Reinforcement learning paper {i}", domain="强化学习")
            for i in range(1, n + 1)
        ),
    )


def skipped(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "paperbot.digest" and "skipped paper" in r.getMessage()]


def test_a_paper_whose_item_cannot_be_made_is_left_out_and_the_next_takes_its_place(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = bot.ranking.digest._item

    def fragile(match: PaperMatch, taxonomy: Taxonomy, locale: str) -> bot.ranking.digest.DigestItem:
        if match.paper.arxiv_id == BAD:
            raise KeyError("a topic the taxonomy no longer has")
        return real(match, taxonomy, locale)

    monkeypatch.setattr(bot.ranking.digest, "_item", fragile)
    full = build_digest(report(), RL, builtin_taxonomy(), limit=None)
    assert BAD not in [item.arxiv_id for item in full.items]
    assert len(full.items) == 3
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="paperbot.digest"):
        digest = build_digest(report(), RL, builtin_taxonomy(), limit=2)
    assert [item.arxiv_id for item in digest.items] == ["2605.00001", "2605.00003"]
    assert digest.more == 1  # 2605.00004: matched, past the limit
    [line] = skipped(caplog)
    assert BAD in line.getMessage()
    assert line.__dict__["arxiv_id"] == BAD
    assert line.exc_info is not None  # the traceback, to fix the cause


class Fragile(ReportMatcher):
    """A matcher that breaks on BAD, as a paper with unexpected content might break it."""

    def __init__(self, papers: Sequence[Paper], taxonomy: Taxonomy) -> None:
        if any(p.arxiv_id == BAD for p in papers):
            raise ValueError("cannot profile this paper")
        super().__init__(papers, taxonomy)


def test_a_paper_that_breaks_the_matcher_is_left_out_of_every_digest(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bot.ranking.digest, "ReportMatcher", Fragile)
    with caplog.at_level(logging.WARNING, logger="paperbot.digest"):
        matcher = report_matcher(report(), builtin_taxonomy())
        digest = build_digest(report(), RL, builtin_taxonomy(), matcher=matcher)
    assert [item.arxiv_id for item in digest.items] == ["2605.00001", "2605.00003", "2605.00004"]
    assert digest.total == 4
    [line] = skipped(caplog)
    assert BAD in line.getMessage()


class BreaksWhenMatching(ReportMatcher):
    def match(self, interests: Interests) -> list[PaperMatch]:
        matches = super().match(interests)
        if any(m.paper.arxiv_id == BAD for m in matches):
            raise ValueError("cannot match this paper")
        return matches


def test_a_paper_that_breaks_matching_is_left_out_and_the_rest_keep_their_order(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    expected = [item.arxiv_id for item in build_digest(report(), RL, builtin_taxonomy()).items]
    monkeypatch.setattr(bot.ranking.digest, "ReportMatcher", BreaksWhenMatching)
    with caplog.at_level(logging.WARNING, logger="paperbot.digest"):
        digest = build_digest(report(), RL, builtin_taxonomy())
    assert [item.arxiv_id for item in digest.items] == [a for a in expected if a != BAD]
    assert BAD in skipped(caplog)[0].getMessage()


async def test_a_delivery_goes_out_without_the_bad_paper(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await Archive(engine).ingest(report())
    store = SubscriptionStore(engine)
    await store.save(Subscription(ChannelRef("console", "local", "demo"), RL))
    monkeypatch.setattr(bot.ranking.digest, "ReportMatcher", Fragile)
    out = io.StringIO()
    job = Deliverer(
        Archive(engine), store, Outbox(engine), builtin_taxonomy(), {"console": ConsolePublisher(out)}
    )
    with caplog.at_level(logging.WARNING, logger="paperbot.digest"):
        assert await job.run_pass(dt.datetime(2026, 5, 6, 12, tzinfo=dt.UTC), force=True) == {"posted": 1}
    [row] = await Outbox(engine).list()
    assert row.papers == 3
    assert "Reinforcement learning paper 1" in out.getvalue()
    assert "Reinforcement learning paper 2" not in out.getvalue()
    assert any(BAD in line.getMessage() for line in skipped(caplog))
