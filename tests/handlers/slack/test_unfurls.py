"""Link unfurls: signed `link_shared` events dispatched to the Bolt app, answered with chat.unfurl
over the wire to the loopback Slack double (which checks the call as Slack does)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import replace
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp

from bot.chat.link_cards import LinkCard, LinkCards, card_item
from bot.models import ChannelRef, Interests, Locale, Report, Subscription
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.app import SlackEdge, build_app
from handlers.slack.blocks import DETAILS_ACTION, MAX_BLOCKS, unfurl_attachment, unfurls
from handlers.slack.publisher import RATE_LIMIT_RETRIES, make_client
from tests.factories import paper
from tests.handlers.slack.fake_slack import (
    FAKE_TOKEN,
    Failure,
    FakeSlack,
    attachment_problem,
    blocks_problem,
)
from tests.handlers.slack.test_app import CHANNEL, SECRET, TEAM
from tests.handlers.slack.test_app import edge as edge
from tests.handlers.slack.test_app import slack as slack
from tests.handlers.slack.test_lifecycle import send_event

TEMPO = "2611.01001"  # TempoWeave, in the sample report (2026-11-20): video generation, diffusion
GRPO = "2611.01003"  # GRPO-Lite: reinforcement learning, reasoning, mathematics
SAMPLE_DAY = "2026-11-20"
UNKNOWN = "2501.01234"  # a possible id the archive does not hold


async def no_wait(_seconds: float) -> None:
    return None


def unfurl_app(edge: SlackEdge, slack: FakeSlack) -> AsyncApp:
    """The Bolt app, finishing each listener before it answers (so a test sees its calls)."""
    client = make_client(FAKE_TOKEN, slack.base_url, retry_sleep=no_wait)
    return build_app(edge, signing_secret=SECRET, client=client, process_before_response=True)


def link_event(slack: FakeSlack, *urls: str, channel: str = CHANNEL) -> dict[str, Any]:
    """A link_shared event for a message holding `urls`, posted (seeded) in `channel`."""
    ts = slack.seed_message(channel, "have a look: " + " ".join(f"<{url}>" for url in urls))
    return {
        "type": "link_shared",
        "channel": channel,
        "is_bot_user_member": True,
        "user": "U0MEMBER",
        "message_ts": ts,
        "links": [{"domain": url.split("/")[2], "url": url} for url in urls],
        "event_ts": ts,
    }


def card_text(attachment: dict[str, Any]) -> str:
    return json.dumps(attachment["blocks"], ensure_ascii=False)


def buttons(attachment: dict[str, Any]) -> list[dict[str, Any]]:
    actions = [block for block in attachment["blocks"] if block["type"] == "actions"]
    assert len(actions) == 1
    elements: list[dict[str, Any]] = actions[0]["elements"]
    return elements


@pytest.mark.parametrize(
    "url",
    [
        f"https://arxiv.org/abs/{TEMPO}",
        f"https://arxiv.org/abs/{TEMPO}v3",
        f"https://arxiv.org/pdf/{TEMPO}",
        f"https://arxiv.org/pdf/{TEMPO}v2",
        f"https://arxiv.org/pdf/{TEMPO}v2.pdf",
        f"https://huggingface.co/papers/{TEMPO}",
        f"https://huggingface.co/papers/{TEMPO}#community",
    ],
)
async def test_a_pasted_paper_link_is_unfurled_into_its_card(
    edge: SlackEdge, slack: FakeSlack, url: str
) -> None:
    event = link_event(slack, url)
    assert await send_event(unfurl_app(edge, slack), event) == 200
    [call] = slack.calls_to("chat.unfurl")
    assert call.params["channel"] == CHANNEL
    assert call.params["ts"] == event["message_ts"]
    [unfurled] = slack.unfurled
    assert list(unfurled.unfurls) == [url]  # keyed by the URL exactly as posted
    card = unfurled.unfurls[url]
    text = card_text(card)
    assert f"<https://huggingface.co/papers/{TEMPO}|TempoWeave" in text  # the linked title
    assert "_计算机视觉 - 视频生成" in text  # the area
    assert "提出分块因果扩散框架 TempoWeave" in text  # the contribution
    # Not subscribed: the paper's own topics, in the default language.
    assert "Topics: video generation, diffusion models" in text
    assert f"`{TEMPO}` · Daily Papers {SAMPLE_DAY} · <https://arxiv.org/pdf/{TEMPO}|PDF>" in text
    assert [(b["text"]["text"], b.get("url"), b.get("value")) for b in buttons(card)] == [
        ("Hugging Face", f"https://huggingface.co/papers/{TEMPO}", None),
        ("arXiv", f"https://arxiv.org/abs/{TEMPO}", None),
        ("Details", None, TEMPO),
    ]
    assert buttons(card)[2]["action_id"] == DETAILS_ACTION  # the Details modal's listener
    assert card["fallback"].startswith("TempoWeave")


async def test_a_subscribed_channel_sees_the_topics_it_follows_that_the_paper_matches(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    ref = ChannelRef("slack", TEAM, CHANNEL)
    await edge.store.save(Subscription(ref, Interests(("reinforcement-learning", "agents"), ("GRPO",))))
    url = f"https://arxiv.org/abs/{GRPO}"
    assert await send_event(unfurl_app(edge, slack), link_event(slack, url)) == 200
    text = card_text(slack.unfurled[0].unfurls[url])
    # As the channel's digest would name them: not reasoning or mathematics, and the keyword quoted.
    assert 'Topics: reinforcement learning, \\"GRPO\\"' in text


async def test_a_chinese_channel_gets_chinese_labels(edge: SlackEdge, slack: FakeSlack) -> None:
    ref = ChannelRef("slack", TEAM, "C0ZH")
    await edge.store.save(Subscription(ref, Interests(("video-generation",)), locale="zh"))
    url = f"https://huggingface.co/papers/{TEMPO}"
    assert await send_event(unfurl_app(edge, slack), link_event(slack, url, channel="C0ZH")) == 200
    card = slack.unfurled[0].unfurls[url]
    text = card_text(card)
    assert "主题：视频生成" in text  # a full-width colon after Chinese words
    assert f"{SAMPLE_DAY} 每日论文" in text
    assert [b["text"]["text"] for b in buttons(card)] == ["Hugging Face", "arXiv", "详情"]
    for english in ("Topics", "Details", "Daily Papers"):
        assert english not in text
    assert card["fallback"].endswith("—— paperbot")


async def test_unknown_papers_and_other_links_make_no_call(edge: SlackEdge, slack: FakeSlack) -> None:
    app = unfurl_app(edge, slack)
    for url in (
        f"https://arxiv.org/abs/{UNKNOWN}",  # not archived
        f"https://huggingface.co/papers/{UNKNOWN}",
        "https://arxiv.org/abs/2613.01001",  # month 13: no paper has this id
        "https://arxiv.org/list/cs.AI/recent",
        "https://huggingface.co/papers/date/2026-11-20",
        "https://huggingface.co/Qwen/Qwen3-8B",
        f"https://huggingface.co/papers/{TEMPO}x",
        "https://arxiv.org/",
    ):
        assert await send_event(app, link_event(slack, url)) == 200, url
    assert slack.calls_to("chat.unfurl") == []


async def test_only_the_archived_papers_of_a_message_are_unfurled(edge: SlackEdge, slack: FakeSlack) -> None:
    known = f"https://arxiv.org/abs/{TEMPO}"
    unknown = f"https://arxiv.org/pdf/{UNKNOWN}"
    also_known = f"https://huggingface.co/papers/{GRPO}"
    same_paper = f"https://arxiv.org/pdf/{TEMPO}v2"  # one card per paper: the first link has it
    event = link_event(slack, known, unknown, "https://arxiv.org/list/cs.CL/new", also_known, same_paper)
    assert await send_event(unfurl_app(edge, slack), event) == 200
    [unfurled] = slack.unfurled
    assert list(unfurled.unfurls) == [known, also_known]
    assert "GRPO-Lite" in card_text(unfurled.unfurls[also_known])


async def test_a_link_in_the_composer_is_unfurled_by_its_unfurl_id(edge: SlackEdge, slack: FakeSlack) -> None:
    url = f"https://arxiv.org/abs/{TEMPO}"
    event = {
        "type": "link_shared",
        "channel": "COMPOSER",
        "user": "U0MEMBER",
        "message_ts": "U0MEMBER-909b5454-75f8-4ac4-b325-1b40e230bbd8",
        "unfurl_id": "U0MEMBER-909b5454-75f8-4ac4-b325-1b40e230bbd8",
        "source": "composer",
        "links": [{"domain": "arxiv.org", "url": url}],
    }
    assert await send_event(unfurl_app(edge, slack), event) == 200
    [unfurled] = slack.unfurled
    assert unfurled.target == {"unfurl_id": event["unfurl_id"], "source": "composer"}
    assert "Topics: video generation" in card_text(unfurled.unfurls[url])  # no channel: the default


async def test_a_posted_link_with_an_unfurl_id_is_unfurled_by_it(edge: SlackEdge, slack: FakeSlack) -> None:
    url = f"https://arxiv.org/abs/{TEMPO}"
    event = {**link_event(slack, url), "unfurl_id": "C0VIDEO.1.2.abc", "source": "conversations_history"}
    assert await send_event(unfurl_app(edge, slack), event) == 200
    [unfurled] = slack.unfurled
    assert unfurled.target == {"unfurl_id": "C0VIDEO.1.2.abc", "source": "conversations_history"}


@pytest.mark.parametrize("error", ["cannot_unfurl_url", "cannot_find_channel", "no_permission"])
async def test_a_refused_unfurl_is_logged_and_the_app_goes_on(
    edge: SlackEdge, slack: FakeSlack, caplog: pytest.LogCaptureFixture, error: str
) -> None:
    app = unfurl_app(edge, slack)
    slack.slack_error("chat.unfurl", error)
    url = f"https://arxiv.org/abs/{TEMPO}"
    with caplog.at_level(logging.WARNING, logger="paperbot.slack"):
        assert await send_event(app, link_event(slack, url)) == 200
    assert f"chat.unfurl failed for 1 link(s): {error}" in caplog.text
    assert slack.unfurled == []
    # The next link is unfurled as ever.
    assert await send_event(app, link_event(slack, url)) == 200
    assert len(slack.unfurled) == 1


async def test_a_rate_limited_unfurl_is_retried_then_given_up_and_logged(
    edge: SlackEdge, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    app = unfurl_app(edge, slack)
    url = f"https://arxiv.org/abs/{TEMPO}"
    slack.rate_limit("chat.unfurl", retry_after=0)  # once: the client's retry gets it through
    assert await send_event(app, link_event(slack, url)) == 200
    assert len(slack.calls_to("chat.unfurl")) == 2
    assert len(slack.unfurled) == 1
    slack.rate_limit("chat.unfurl", retry_after=0, times=None)  # every time
    with caplog.at_level(logging.WARNING, logger="paperbot.slack"):
        assert await send_event(app, link_event(slack, url)) == 200
    assert len(slack.calls_to("chat.unfurl")) == 2 + 1 + RATE_LIMIT_RETRIES
    assert "chat.unfurl failed for 1 link(s): ratelimited" in caplog.text


async def test_a_dropped_connection_is_logged_too(
    edge: SlackEdge, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail("chat.unfurl", Failure(disconnect=True), times=None)
    with caplog.at_level(logging.WARNING, logger="paperbot.slack"):
        assert (
            await send_event(unfurl_app(edge, slack), link_event(slack, f"https://arxiv.org/abs/{TEMPO}"))
            == 200
        )
    assert "chat.unfurl failed for 1 link(s)" in caplog.text
    assert slack.unfurled == []


async def test_an_unreadable_archive_is_logged_and_nothing_is_called(
    edge: SlackEdge, slack: FakeSlack, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(_ids: object) -> dict[str, Any]:
        raise OSError("database unreachable")

    monkeypatch.setattr(edge.archive, "papers", broken)
    with caplog.at_level(logging.WARNING, logger="paperbot.slack"):
        assert (
            await send_event(unfurl_app(edge, slack), link_event(slack, f"https://arxiv.org/abs/{TEMPO}"))
            == 200
        )
    assert "the linked papers could not be read" in caplog.text
    assert slack.calls_to("chat.unfurl") == []


async def test_an_event_naming_no_message_is_ignored(edge: SlackEdge, slack: FakeSlack) -> None:
    event = {
        "type": "link_shared",
        "links": [{"domain": "arxiv.org", "url": f"https://arxiv.org/abs/{TEMPO}"}],
    }
    assert await send_event(unfurl_app(edge, slack), event) == 200
    assert (
        await send_event(unfurl_app(edge, slack), {**event, "channel": CHANNEL, "links": "nonsense"}) == 200
    )
    assert slack.calls_to("chat.unfurl") == []


async def test_upvotes_and_links_from_the_hugging_face_api_are_on_the_card(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    hf_paper = paper(
        "Signals <!channel> & Co",
        "自然语言处理 - 智能体",
        "An agent that <@U0BOSS> reads.",
        arxiv_id="2611.02001",
        upvotes=321,
        github_repo="owner/repo",
        project_page="https://example.org/project",
    )
    await edge.archive.ingest(Report(dt.date(2026, 11, 21), (hf_paper,)))
    url = "https://huggingface.co/papers/2611.02001"
    assert await send_event(unfurl_app(edge, slack), link_event(slack, url)) == 200
    text = card_text(slack.unfurled[0].unfurls[url])
    assert (
        "▲ 321 upvotes · <https://github.com/owner/repo|Code> · <https://example.org/project|Project page>"
        in text
    )
    assert "Daily Papers 2026-11-21" in text
    # Report text is escaped: no mention or broadcast reaches Slack.
    assert "Signals &lt;!channel&gt; &amp; Co" in text
    assert "&lt;@U0BOSS&gt;" in text
    assert "<!channel>" not in text
    assert "<@U0BOSS>" not in text


# -- the cards within Block Kit's limits -----------------------------------------------------------


def huge_card(number: int) -> LinkCard:
    long = "Ünïcødé <b>&amp; " * 400
    big = paper(
        long,
        long,
        long,
        arxiv_id=f"2611.{number:05d}",
        upvotes=10**9,
        github_repo="https://github.com/" + "x" * 400,
        project_page="https://example.org/" + "p" * 400,
    )
    item = card_item(big, builtin_taxonomy(), None, "zh")
    many_topics = replace(item, topics=("话题" * 50,) * 30)
    return LinkCard(f"https://arxiv.org/abs/2611.{number:05d}", many_topics, dt.date(2026, 11, 20))


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_every_card_is_valid_block_kit_within_the_limits(locale: Locale) -> None:
    cards = LinkCards(locale, tuple(huge_card(number) for number in range(1, 11)))
    found = unfurls(cards)
    assert found, "not even one card fits"
    assert list(found) == [card.url for card in cards.cards[: len(found)]]  # in order, a prefix
    for attachment in found.values():
        assert attachment_problem(attachment) is None
        section = attachment["blocks"][0]["text"]["text"]
        assert len(section) <= 3000
        assert len(attachment["blocks"][1]["elements"]) <= 10
    together = [block for attachment in found.values() for block in attachment["blocks"]]
    assert len(together) <= MAX_BLOCKS
    assert blocks_problem(together) is None  # the fake's size bound for one message, too


def test_a_handful_of_ordinary_cards_all_fit_one_message() -> None:
    plain = [
        LinkCard(
            f"https://arxiv.org/abs/2611.{n:05d}",
            card_item(
                paper(f"Paper {n}", "计算机视觉 - 视频生成", "提出新方法。" * 20, arxiv_id=f"2611.{n:05d}"),
                builtin_taxonomy(),
                None,
                "en",
            ),
            None,
        )
        for n in range(1, 9)
    ]
    found = unfurls(LinkCards("en", tuple(plain)))
    assert len(found) == 8
    assert all(attachment_problem(a) is None for a in found.values())
    # No report date known: the card says where the paper is without one.
    assert "`2611.00001` · <https://arxiv.org/pdf/2611.00001|PDF>" in card_text(found[plain[0].url])


def test_a_card_without_topics_or_signals_leaves_them_out() -> None:
    item = card_item(paper("Plain", arxiv_id="2611.00042"), builtin_taxonomy(), None, "en")
    assert item.topics == ()
    attachment = unfurl_attachment(LinkCard("https://arxiv.org/abs/2611.00042", item, None), "en")
    assert attachment_problem(attachment) is None
    assert [e["text"] for e in attachment["blocks"][1]["elements"]] == [
        "`2611.00042` · <https://arxiv.org/pdf/2611.00042|PDF>"
    ]
