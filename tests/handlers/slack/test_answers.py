"""Every /paper command is answered on Slack: with the database refusing or hanging, with
users.info hanging, and a huge `digest … all` within the 5 posts a response_url takes."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef
from bot.reports.sources.local import LocalSource
from bot.runtime.config import SAMPLE_REPORT
from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.app import SlackEdge
from handlers.slack.blocks import DETAILS_ACTION, MAX_RESPONSE_POSTS, SHARE_ACTION, VOTE_UP_ACTION
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.test_app import (
    ADMIN,
    CHANNEL,
    CHINESE,
    MEMBER,
    TEAM,
    action_body,
    bolt_app,
    command_body,
    dispatch,
)
from tests.reports import video_day
from tests.unreachable import hanging_postgres
from tests.waiting import until

DATABASE_DOWN = {
    "en": "paperbot cannot reach its database right now; try again in a minute.",
    "zh": "paperbot 暂时无法连接数据库，请一分钟后再试。",
}


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(users=[MEMBER, ADMIN, CHINESE]) as fake:
        yield fake


def edge_on(engine: AsyncEngine, **options: Any) -> SlackEdge:
    return SlackEdge(Archive(engine), SubscriptionStore(engine), builtin_taxonomy(), **options)


async def answers(app: Any, slack: FakeSlack, text: str, user: str = MEMBER.id) -> list[dict[str, Any]]:
    """Every post to the response_url for one command, once it answered (and had time for more)."""
    before = len(slack.responses)
    assert await dispatch(app, command_body(slack, text, user)) == 200
    await until(lambda: len(slack.responses) > before, within=10)
    return slack.responses[before:]


async def answer(app: Any, slack: FakeSlack, text: str, user: str = MEMBER.id) -> str:
    posted = await answers(app, slack, text, user)
    assert posted[0]["response_type"] == "ephemeral"
    return str(posted[0]["text"])


async def test_with_the_database_refusing_help_and_a_lookup_are_answered(
    refusing: AsyncEngine, slack: FakeSlack
) -> None:
    app = bolt_app(edge_on(refusing), slack)
    assert "/paper subscribe TOPICS" in await answer(app, slack, "help")
    assert await answer(app, slack, "diffusion distillation") == DATABASE_DOWN["en"]
    assert await answer(app, slack, "视频生成", user=CHINESE.id) == DATABASE_DOWN["zh"]
    assert await answer(app, slack, "subscribe RL") == DATABASE_DOWN["en"]


async def test_buttons_with_the_database_refusing_are_answered(
    refusing: AsyncEngine, slack: FakeSlack
) -> None:
    app = bolt_app(edge_on(refusing), slack)
    for number, action in enumerate((VOTE_UP_ACTION, DETAILS_ACTION, SHARE_ACTION), start=1):
        assert await dispatch(app, action_body(slack, action, "2611.01001", user=CHINESE.id)) == 200
        await until(lambda n=number: len(slack.responses) == n)  # type: ignore[misc]
        assert slack.responses[-1]["text"] == DATABASE_DOWN["zh"]
        assert slack.responses[-1]["response_type"] == "ephemeral"
    assert not slack.calls_to("views.open")


async def test_with_the_database_hanging_the_reply_says_try_again(slack: FakeSlack) -> None:
    async with hanging_postgres() as url:
        engine = create_engine(url)
        try:
            app = bolt_app(edge_on(engine, command_deadline=0.3), slack)
            assert "/paper subscribe TOPICS" in await answer(app, slack, "help")
            assert "try again in a minute" in await answer(app, slack, "diffusion distillation")
            assert "请一分钟后再试" in await answer(app, slack, "list", user=CHINESE.id)
        finally:
            await engine.dispose()


@pytest.fixture
async def archived(engine: AsyncEngine) -> AsyncEngine:
    await Archive(engine).ingest(await LocalSource(SAMPLE_REPORT).read())
    return engine


@pytest.mark.parametrize("managers", ["members", "admins"])
async def test_with_users_info_hanging_changes_are_refused_and_the_rest_answered(
    archived: AsyncEngine, slack: FakeSlack, managers: str
) -> None:
    # users.info is what says whether the caller is a full member of the workspace (not a guest,
    # nor from another organisation) and, under admins, an admin: unanswered, no change is made.
    slack.delay("users.info", 1)  # far past the bound; short, as the fake finishes it on close
    edge = edge_on(archived, user_lookup_seconds=0.1, managers=managers)
    app = bolt_app(edge, slack)
    refused = await answer(app, slack, "subscribe RL", user=ADMIN.id)
    assert refused.startswith("paperbot could not check with the platform whether you may change")
    assert await edge.store.get(ChannelRef("slack", TEAM, CHANNEL)) is None
    assert "/paper subscribe TOPICS" in await answer(app, slack, "help", user=ADMIN.id)
    assert "for diffusion distillation" in await answer(app, slack, "diffusion distillation", user=ADMIN.id)


async def test_users_info_failing_in_any_way_never_blocks_an_answer(
    archived: AsyncEngine, slack: FakeSlack
) -> None:
    slack.disconnect("users.info")
    app = bolt_app(edge_on(archived), slack)
    assert "/paper subscribe TOPICS" in await answer(app, slack, "help")


DAY = dt.date(2026, 11, 21)


async def test_digest_all_on_a_200_paper_day_takes_at_most_five_posts(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await Archive(engine).ingest(video_day(DAY, 200))
    app = bolt_app(edge_on(engine), slack)
    assert (await answer(app, slack, "subscribe video generation")).startswith("Subscribed")
    before = len(slack.responses)
    assert await dispatch(app, command_body(slack, f"digest {DAY.isoformat()} all")) == 200
    # Every post of one reply goes out in one listener run: wait for its footer to arrive.
    await until(lambda: any("Showing" in str(r.get("blocks")) for r in slack.responses[before:]), within=10)
    posted = slack.responses[before:]
    assert 1 < len(posted) <= MAX_RESPONSE_POSTS
    assert posted[0]["blocks"][0]["type"] == "header"
    footer = posted[-1]["blocks"][-1]["elements"][0]["text"]
    assert footer.startswith("Showing ")
    assert f"of 200 matches: a reply holds no more. For the best ones, /paper digest {DAY}" in footer
    cards = [block for post in posted for block in post["blocks"] if block.get("type") == "actions"]
    shown = len(cards)
    assert footer.startswith(f"Showing {shown} of 200")
