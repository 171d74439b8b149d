"""Pasted paper links resolved to cards of archived papers (bot/chat/link_cards.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.link_cards import MAX_PAPERS_PER_MESSAGE, PaperLink, card_item, link_cards, paper_links_in
from bot.models import ChannelRef, Interests, Subscription
from bot.reports.sources.local import LocalSource
from bot.runtime.config import SAMPLE_REPORT
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from tests.factories import paper

CHANNEL = ChannelRef("slack", "T0CARDS", "C0CARDS")


@pytest.mark.parametrize(
    ("url", "arxiv_id"),
    [
        ("https://arxiv.org/abs/2501.01234", "2501.01234"),
        ("https://arxiv.org/abs/2501.01234v2", "2501.01234"),
        ("https://arxiv.org/pdf/2501.01234", "2501.01234"),
        ("https://arxiv.org/pdf/2501.01234v2", "2501.01234"),
        ("https://arxiv.org/pdf/2501.01234v2.pdf", "2501.01234"),
        ("http://www.arxiv.org/abs/2501.01234/", "2501.01234"),
        ("https://huggingface.co/papers/2501.01234", "2501.01234"),
        ("https://huggingface.co/papers/2501.01234?utm_source=x#community", "2501.01234"),
        ("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001"),
    ],
)
def test_paper_links_are_read_from_every_shape_people_paste(url: str, arxiv_id: str) -> None:
    assert paper_links_in([url]) == [PaperLink(url, arxiv_id)]


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/",
        "https://arxiv.org/list/cs.AI/recent",
        "https://arxiv.org/abs/2513.01234",  # month 13
        "https://arxiv.org/abs/0001.01234",  # before new-style ids
        "https://huggingface.co/papers/date/2026-11-20",
        "https://huggingface.co/papers",
        "https://huggingface.co/meta-llama/Llama-3-8B",
        "https://example.org/abs/2501.01234",
        "https://arxiv.org/abs/2501.01234 and more",
        "https://arxiv.org/abs/2501.01234" + "x" * 3000,
        "",
    ],
)
def test_other_links_are_not_paper_links(url: str) -> None:
    assert paper_links_in([url]) == []


def test_one_link_per_paper_in_order_and_a_bounded_number() -> None:
    urls = [
        "https://arxiv.org/abs/2501.00002",
        "https://huggingface.co/papers/2501.00001",
        "https://arxiv.org/pdf/2501.00002v3",  # the same paper as the first
    ]
    assert [link.url for link in paper_links_in(urls)] == urls[:2]
    many = [f"https://arxiv.org/abs/2501.{n:05d}" for n in range(1, 40)]
    assert len(paper_links_in(many)) == MAX_PAPERS_PER_MESSAGE


@pytest.fixture
async def archive(engine: AsyncEngine) -> Archive:
    archive = Archive(engine)
    await archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    return archive


async def test_cards_for_archived_papers_only_in_the_default_language(
    archive: Archive, engine: AsyncEngine
) -> None:
    urls = ["https://arxiv.org/abs/2501.01234", "https://arxiv.org/pdf/2611.01005v1", "not a url"]
    cards = await link_cards(archive, SubscriptionStore(engine), builtin_taxonomy(), CHANNEL, urls)
    assert cards.locale == "en"
    [card] = cards.cards
    assert card.url == "https://arxiv.org/pdf/2611.01005v1"
    assert card.item.arxiv_id == "2611.01005"
    assert card.item.title.startswith("ToolSmith")
    assert card.item.topics == ("agents",)
    assert card.last_date is not None
    assert card.last_date.isoformat() == "2026-11-20"


async def test_a_subscribed_channel_gets_its_language_and_the_topics_it_follows(
    archive: Archive, engine: AsyncEngine
) -> None:
    store = SubscriptionStore(engine)
    await store.save(Subscription(CHANNEL, Interests(("reinforcement-learning",), ("GRPO",)), locale="zh"))
    urls = ["https://huggingface.co/papers/2611.01003", "https://huggingface.co/papers/2611.01001"]
    cards = await link_cards(archive, store, builtin_taxonomy(), CHANNEL, urls)
    assert cards.locale == "zh"
    grpo, tempo = cards.cards
    assert grpo.item.topics == ("强化学习", "「GRPO」")  # what the channel follows, as its digest says
    assert tempo.item.topics == ("视频生成", "扩散模型")  # it follows nothing here: the paper's own


async def test_no_channel_means_the_default_language(archive: Archive, engine: AsyncEngine) -> None:
    store = SubscriptionStore(engine)
    await store.save(Subscription(CHANNEL, Interests(("agents",)), locale="zh"))
    urls = ["https://arxiv.org/abs/2611.01005"]
    cards = await link_cards(archive, store, builtin_taxonomy(), None, urls, default_locale="en")
    assert cards.locale == "en"
    assert cards.cards[0].item.topics == ("agents",)


async def test_no_paper_link_asks_the_archive_nothing(engine: AsyncEngine) -> None:
    class Untouchable(Archive):
        async def papers(self, arxiv_ids: object) -> dict[str, object]:  # type: ignore[override]
            raise AssertionError("no query for no paper link")

    cards = await link_cards(
        Untouchable(engine), SubscriptionStore(engine), builtin_taxonomy(), CHANNEL, ["https://arxiv.org/"]
    )
    assert cards.cards == ()


def test_a_paper_of_no_topic_gets_a_card_without_topics() -> None:
    item = card_item(paper("Plain", contribution="", arxiv_id="2611.00042"), builtin_taxonomy(), None, "en")
    assert item.topics == ()
    assert item.hf_url == "https://huggingface.co/papers/2611.00042"
    assert item.pdf_url == "https://arxiv.org/pdf/2611.00042"
