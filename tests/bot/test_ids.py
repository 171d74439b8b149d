"""Ids checked by shape and length (bot/ids.py) wherever they enter, and again before delivery."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.subscribing import read_export
from bot.delivery.deliverer import Deliverer
from bot.errors import BadInputError
from bot.ids import ID_RULES, MAX_ID_LENGTH, InvalidIdError, channel_problem, check_channel, id_problem
from bot.models import ChannelRef, Interests, Report, Subscription
from bot.ports import PublishResult
from bot.ranking.digest import Digest
from bot.runtime.config import ConfigurationError, load_settings
from bot.store.archive import Archive
from bot.store.outbox import Outbox, Planned
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import Taxonomy, builtin_taxonomy
from tests.factories import paper

SNOWFLAKE = "811111111111111111"


@pytest.mark.parametrize(
    ("platform", "part", "value"),
    [
        ("slack", "workspace", "T0123ABCD"),
        ("slack", "workspace", "E0123ABCD"),  # an Enterprise Grid organisation
        ("slack", "channel", "C0123ABCD"),
        ("slack", "channel", "G0123ABCD"),  # a private channel
        ("slack", "channel", "D0123ABCD"),  # a DM with the app
        ("discord", "workspace", SNOWFLAKE),
        ("discord", "workspace", "dm"),  # direct messages have no server
        ("discord", "channel", "12345678901234567"),  # 17 digits: 2015's snowflakes
        ("discord", "channel", "12345678901234567890"),  # 20 digits: the 64-bit maximum's width
        ("console", "workspace", "local"),
        ("console", "channel", "ops-test.2_b"),
    ],
)
def test_ids_of_the_shape_each_platform_issues_pass(platform: str, part: str, value: str) -> None:
    assert id_problem(platform, part, value) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("platform", "part", "value", "says"),
    [
        ("slack", "workspace", "", "is empty"),
        ("slack", "workspace", None, "is empty"),
        ("slack", "workspace", "T" * 200, "longer than 64 characters"),
        ("slack", "workspace", "T1/C2", "is not a slack workspace id"),
        ("slack", "workspace", "t0123abcd", "is not a slack workspace id"),
        ("slack", "workspace", "C0123ABCD", "is not a slack workspace id"),  # a channel's id
        ("slack", "workspace", "T0123 ABCD", "is not a slack workspace id"),
        ("slack", "channel", "C0123ABCD\n", "is not a slack channel id"),
        ("slack", "channel", "#general", "is not a slack channel id"),
        ("slack", "channel", "U0123ABCD", "is not a slack channel id"),  # a person, not a channel
        ("slack", "channel", "C", "is not a slack channel id"),
        ("discord", "workspace", "123", "is not a discord workspace id"),
        ("discord", "channel", "dm", "is not a discord channel id"),
        ("discord", "channel", "123456789012345678901", "is not a discord channel id"),  # 21 digits
        ("discord", "channel", "0" * 18, "is not a discord channel id"),
        (
            "discord",
            "channel",
            "１２３４５６７８９０１２３４５６７８",
            "is not a discord channel id",
        ),  # full width
        ("console", "channel", "a/b", "is not a console channel id"),
        ("console", "channel", "-rf", "is not a console channel id"),
        ("teams", "channel", "19:abc", "unknown platform 'teams'"),
    ],
)
def test_ids_that_cannot_exist_are_refused_saying_why(
    platform: str, part: str, value: object, says: str
) -> None:
    problem = id_problem(platform, part, value)  # type: ignore[arg-type]
    assert problem is not None
    assert says in problem
    assert len(problem) < 200  # one line, the id shortened


def test_every_rule_stays_within_the_storage_width() -> None:
    for (platform, part), rule in ID_RULES.items():
        assert rule.pattern.fullmatch("9" * (MAX_ID_LENGTH + 1)) is None, (platform, part)
        assert id_problem(platform, part, "T" + "0" * MAX_ID_LENGTH) is not None


def test_check_channel_raises_a_bad_input_error() -> None:
    good = ChannelRef("slack", "T0123ABCD", "C0123ABCD")
    assert check_channel(good) is good
    with pytest.raises(InvalidIdError, match="'T1/C2' is not a slack workspace id") as caught:
        check_channel(ChannelRef("slack", "T1/C2", "C0123ABCD"))
    assert isinstance(caught.value, BadInputError)  # exit status 2 from the CLI
    assert channel_problem(ChannelRef("discord", SNOWFLAKE, "C1")) == (
        "'C1' is not a discord channel id (a channel id of 17 to 20 digits)"
    )


# -- import ------------------------------------------------------------------------------------


def entry(workspace: str, channel: str, platform: str = "slack") -> dict[str, object]:
    return {"platform": platform, "workspace": workspace, "channel": channel, "topics": ["agents"]}


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        (entry("T1/C2", "C0ABC"), "entry 2: 'T1/C2' is not a slack workspace id"),
        (entry("T0ABC", "C" * 200), "entry 2: the slack channel id 'CCCCCCCCCCCCCCCCCCCC'… is longer"),
        (entry("T0ABC", ""), "entry 2: channel must be a non-empty string"),
        (entry("1", "2", platform="discord"), "entry 2: '1' is not a discord workspace id"),
    ],
)
def test_an_import_with_an_impossible_id_imports_nothing_and_names_the_entry(
    bad: dict[str, object], says: str
) -> None:
    taxonomy: Taxonomy = builtin_taxonomy()
    with pytest.raises(BadInputError, match=r"^nothing imported — ") as caught:
        read_export([entry("T0ABC", "C0ABC"), bad], taxonomy)
    assert says in str(caught.value)


# -- the operator channel setting --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("slack:t0abc/c0def", "'t0abc' is not a slack workspace id"),
        ("discord:111/222", "'111' is not a discord workspace id"),
        ("slack:T0ABC/" + "C" * 100, "longer than 64 characters"),
    ],
)
def test_an_operator_channel_with_an_impossible_id_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, value: str, says: str
) -> None:
    monkeypatch.setenv("PAPERBOT_OPERATOR_CHANNEL", value)
    with pytest.raises(ConfigurationError, match=r"^invalid PAPERBOT_OPERATOR_CHANNEL: ") as caught:
        load_settings()
    assert says in str(caught.value)


def test_an_operator_channel_of_real_ids_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERBOT_OPERATOR_CHANNEL", f"discord:{SNOWFLAKE}/822222222222222222")
    assert load_settings().operator_channel == f"discord:{SNOWFLAKE}/822222222222222222"
    monkeypatch.setenv("PAPERBOT_OPERATOR_CHANNEL", "slack:T0ABC/C0OPS")
    assert load_settings().operator_channel == "slack:T0ABC/C0OPS"


# -- delivery ------------------------------------------------------------------------------------

DAY = dt.date(2026, 5, 6)
GOOD = ChannelRef("slack", "T0ABC", "C0GOOD")
STORED_BAD = (
    ChannelRef("slack", "T0ABC", ""),
    ChannelRef("slack", "T1/C2", "C0ABC"),
    ChannelRef("slack", "T0ABC", "c0lower"),
)


class Recorder:
    """A publisher that records where it was asked to post."""

    def __init__(self) -> None:
        self.channels: list[ChannelRef] = []

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        self.channels.append(subscription.channel)
        return PublishResult("posted", ("ts",), start_at + 1, parts=1)

    async def posted_parts(self, subscription: Subscription, key: str) -> set[int]:
        return set()


async def test_a_stored_impossible_id_is_never_planned_nor_posted_to(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    archive = Archive(engine)
    await archive.ingest(Report(DAY, (paper(arxiv_id="2605.00001", title="Scaling RL", domain="强化学习"),)))
    store = SubscriptionStore(engine)
    rl = Interests(("reinforcement-learning",))
    # Written straight into the store, as an older version (or a hand-edited database) could have.
    await store.save_all([Subscription(GOOD, rl), *(Subscription(ref, rl) for ref in STORED_BAD)])
    recorder = Recorder()
    outbox = Outbox(engine)
    job = Deliverer(archive, store, outbox, builtin_taxonomy(), {"slack": recorder})
    now = dt.datetime(2026, 5, 6, 13, 0, tzinfo=dt.UTC)
    with caplog.at_level(logging.WARNING, logger="paperbot.delivery"):
        assert await job.planner.plan(now, force=True) == 1
        await job.planner.plan(now + dt.timedelta(minutes=1), force=True)  # logged once, not every pass
    assert await job.deliver_due(now) == {"posted": 1}
    assert recorder.channels == [GOOD]
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("not delivering to")]
    assert len(refused) == len(STORED_BAD)
    assert any("'T1/C2' is not a slack workspace id" in line for line in refused)


async def test_a_planned_row_with_an_impossible_id_is_skipped_not_posted(engine: AsyncEngine) -> None:
    archive = Archive(engine)
    await archive.ingest(Report(DAY, (paper(arxiv_id="2605.00001", title="Scaling RL", domain="强化学习"),)))
    store = SubscriptionStore(engine)
    bad = ChannelRef("slack", "T0ABC", "c0lower")
    await store.save(Subscription(bad, Interests(("reinforcement-learning",))))
    outbox = Outbox(engine)
    now = dt.datetime(2026, 5, 6, 13, 0, tzinfo=dt.UTC)
    # Planned by a version that did not check ids.
    await outbox.ensure([Planned(bad, DAY, now)], now)
    recorder = Recorder()
    job = Deliverer(archive, store, outbox, builtin_taxonomy(), {"slack": recorder})
    assert await job.deliver_due(now) == {"skipped": 1}
    assert recorder.channels == []
    [row] = await outbox.list(day=DAY)
    assert row.last_error == "not a valid channel id"
