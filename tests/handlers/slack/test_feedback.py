"""👍 / 👎 on Slack digest cards: signed block_actions record the vote, the voter alone is
answered; and community signals on cards, linked only when safe."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.chat.use_cases import subscribe
from bot.models import ChannelRef
from bot.ranking.digest import Digest, DigestItem
from bot.ranking.feedback import DOWN, UP
from bot.store.votes import VoteStore
from handlers.slack.app import SlackEdge
from handlers.slack.blocks import VOTE_DOWN_ACTION, VOTE_UP_ACTION, card, digest_messages
from handlers.slack.server import EVENTS_PATH, http_app
from tests.handlers.slack.fake_slack import FakeSlack, blocks_problem
from tests.handlers.slack.test_app import (
    CHANNEL,
    CHINESE,
    MEMBER,
    TEAM,
    action_body,
    bolt_app,
    dispatch,
    signed,
)
from tests.handlers.slack.test_app import edge as edge
from tests.handlers.slack.test_app import slack as slack
from tests.waiting import until

REF = ChannelRef("slack", TEAM, CHANNEL)
PAPER = "2611.01001"


@pytest.fixture(autouse=True)
async def subscribed(edge: SlackEdge) -> None:
    """Cards, and so their buttons, are posted where a digest comes: the votes tune it."""
    await subscribe(edge.store, edge.taxonomy, REF, "video generation")


async def standing(edge: SlackEdge) -> list[tuple[str, str, int]]:
    return [(v.paper, v.user, v.direction) for v in await VoteStore(edge.archive.engine).votes(REF)]


async def press(edge: SlackEdge, slack: FakeSlack, action: str, user: str = MEMBER.id) -> dict[str, object]:
    app = bolt_app(edge, slack)
    before = len(slack.responses)
    assert await dispatch(app, action_body(slack, action, PAPER, user)) == 200
    await until(lambda: len(slack.responses) > before)
    return slack.responses[-1]


async def test_thumbs_up_records_a_vote_and_answers_the_voter_alone(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    answer = await press(edge, slack, VOTE_UP_ACTION)
    assert answer["response_type"] == "ephemeral"
    assert answer.get("replace_original") is False
    assert str(answer["text"]).startswith("Noted: more papers like this one")
    assert await standing(edge) == [(PAPER, MEMBER.id, UP)]
    (vote,) = await VoteStore(edge.archive.engine).votes(REF)
    assert "video-generation" in vote.features.topics  # TempoWeave is a video generation paper
    assert slack.messages_in(CHANNEL) == []  # never a channel message


async def test_the_other_button_replaces_the_vote_and_the_same_one_retracts_it(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    await press(edge, slack, VOTE_UP_ACTION)
    changed = await press(edge, slack, VOTE_DOWN_ACTION)
    assert str(changed["text"]).startswith("Noted: fewer papers like this one")
    assert await standing(edge) == [(PAPER, MEMBER.id, DOWN)]
    retracted = await press(edge, slack, VOTE_DOWN_ACTION)
    assert retracted["text"] == "Your vote on this paper is withdrawn."
    assert await standing(edge) == []
    # Each reader has a vote of their own; a Chinese reader is answered in Chinese.
    await press(edge, slack, VOTE_UP_ACTION)
    chinese = await press(edge, slack, VOTE_UP_ACTION, user=CHINESE.id)
    assert str(chinese["text"]).startswith("已记录")
    assert sorted(await standing(edge)) == sorted([(PAPER, MEMBER.id, UP), (PAPER, CHINESE.id, UP)])


async def test_a_forged_vote_is_refused_and_records_nothing(edge: SlackEdge, slack: FakeSlack) -> None:
    app = bolt_app(edge, slack)
    body = action_body(slack, VOTE_UP_ACTION, PAPER)
    async with TestClient(TestServer(http_app(app))) as client:
        forged = await client.post(EVENTS_PATH, data=body, headers=signed(body, secret="f" * 32))
        stale = await client.post(
            EVENTS_PATH, data=body, headers=signed(body, timestamp=int(time.time()) - 600)
        )
        assert (forged.status, stale.status) == (401, 401)
    assert await standing(edge) == []
    assert slack.responses == []


async def test_a_vote_on_a_paper_not_archived_is_answered_and_not_stored(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    app = bolt_app(edge, slack)
    assert await dispatch(app, action_body(slack, VOTE_UP_ACTION, "2999.99999")) == 200
    await until(lambda: len(slack.responses) == 1)
    assert "not in paperbot's archive" in str(slack.responses[0]["text"])
    assert await standing(edge) == []


def item(**signals: object) -> DigestItem:
    base = DigestItem(
        arxiv_id="2611.01001",
        title="TempoWeave <!channel>",
        hf_url="https://huggingface.co/papers/2611.01001",
        arxiv_url="https://arxiv.org/abs/2611.01001",
        pdf_url="https://arxiv.org/pdf/2611.01001",
        domain="video",
        contribution="something",
        topics=("video generation",),
        reason="title",
        score=3.0,
    )
    return replace(base, **signals)  # type: ignore[arg-type]


def test_cards_carry_vote_buttons_within_slacks_limits() -> None:
    blocks = card(item(), "en")
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    votes = [e for e in actions["elements"] if e["action_id"] in {VOTE_UP_ACTION, VOTE_DOWN_ACTION}]
    assert [(e["value"], e["text"]["text"]) for e in votes] == [
        (PAPER, "👍 More like this"),
        (PAPER, "👎 Less like this"),
    ]
    assert "👍 多推荐这类" in json.dumps(card(item(), "zh"), ensure_ascii=False)
    digest = Digest(
        dt.date(2026, 11, 20),
        "en",
        40,
        tuple(replace(item(), arxiv_id=f"2611.{i:05d}") for i in range(40)),
        0,
        ("RL",),
    )
    messages = digest_messages(digest)
    assert len(messages) > 1
    for message in messages:
        assert blocks_problem(message.blocks) is None


def test_signals_show_only_when_present_with_safe_links() -> None:
    assert "▲" not in json.dumps(card(item(), "en"), ensure_ascii=False)  # a markdown report's paper
    shown = card(
        item(
            upvotes=123,
            github_repo="https://github.com/org/tempo",
            project_page="https://tempo.example/?a=1&b=2",
        ),
        "en",
    )
    context = shown[1]["elements"]
    assert len(context) == 2
    line = context[1]["text"]
    assert line == (
        "▲ 123 upvotes · <https://github.com/org/tempo|Code> · "
        "<https://tempo.example/?a=1&amp;b=2|Project page>"
    )
    assert blocks_problem(shown) is None
    hostile = card(
        item(
            upvotes=1,
            github_repo="javascript:alert(1)",
            project_page="http://insecure.example/",
        ),
        "en",
    )
    text = hostile[1]["elements"][1]["text"]
    assert text == "▲ 1 upvote"
    for bad in ("https://x.example/|<!channel>", "https://user@evil.example/", "https://x.example/a b"):
        assert "<" not in card(item(project_page=bad), "en")[1]["elements"][-1]["text"].replace("&lt;", "")
    owner_repo = card(item(github_repo="org/tempo"), "zh")[1]["elements"][1]["text"]
    assert owner_repo == "<https://github.com/org/tempo|代码>"


async def test_link_buttons_are_acknowledged(edge: SlackEdge, slack: FakeSlack) -> None:
    # Slack sends an action for a link button too; Bolt answers 404 to one nobody listens for.
    from handlers.slack.blocks import LINK_ACTION

    app = bolt_app(edge, slack)
    assert await dispatch(app, action_body(slack, f"{LINK_ACTION}_hf", PAPER)) == 200
