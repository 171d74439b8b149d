"""Votes tune a channel's digest through the real delivery path and `/paper digest`; channels
without votes keep sharing one digest."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CommandContext, handle_paper_command
from bot.delivery.deliverer import Deliverer
from bot.models import ChannelRef, Interests, Report, Subscription
from bot.ports import PublishResult
from bot.ranking.digest import Digest, build_digest
from bot.ranking.feedback import DOWN, UP
from bot.ranking.tuning import Tuning, acknowledgement_key, cast_vote, features_of, tuned_matches
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.store.votes import VoteStore
from bot.topics.taxonomy import builtin_taxonomy
from tests.factories import paper

YESTERDAY, TODAY = dt.date(2026, 11, 19), dt.date(2026, 11, 20)
RL = Interests(("reinforcement-learning",))
TAXONOMY = builtin_taxonomy()
VOTERS = ChannelRef("slack", "T1", "C0VOTERS")
QUIET_A = ChannelRef("slack", "T1", "C0QUIETA")
QUIET_B = ChannelRef("slack", "T1", "C0QUIETB")
ROBOT_TITLES = (
    "Reinforcement learning for robot manipulation with dexterous hands",
    "Offline reinforcement learning for legged robot locomotion",
    "Sim-to-real reinforcement learning for robot grasping",
    "Reinforcement learning for humanoid robot control",
    "Safe reinforcement learning for robot navigation",
)
REASONING_TITLES = (
    "Reinforcement learning improves math reasoning",
    "RL with verifiable rewards for chain-of-thought reasoning",
    "Reinforcement learning for multi-step reasoning",
)


def report(day: dt.date, prefix: str) -> Report:
    # Robot papers first: with equal relevance, report order would put them on top.
    titles = [*ROBOT_TITLES, *REASONING_TITLES]
    return Report(
        day, tuple(paper(arxiv_id=f"{prefix}.{i:05d}", title=title) for i, title in enumerate(titles))
    )


def is_robotic(title: str) -> bool:
    return "robot" in title or "humanoid" in title


class Recorder:
    """A publisher that keeps what it was given (the digest object itself)."""

    def __init__(self) -> None:
        self.digests: dict[str, Digest] = {}

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        self.digests[subscription.channel.channel] = digest
        return PublishResult("posted", (f"recorded:{key}",), 1, parts=1)

    async def posted_parts(self, subscription: Subscription, key: str) -> set[int]:
        return set()


async def setup(engine: AsyncEngine) -> tuple[Archive, Recorder, Deliverer]:
    archive = Archive(engine)
    await archive.ingest(report(YESTERDAY, "2611"))
    await archive.ingest(report(TODAY, "2612"))
    store = SubscriptionStore(engine)
    for ref in (VOTERS, QUIET_A, QUIET_B):
        await store.save(Subscription(ref, RL, time=dt.time(0, 0)))
    recorder = Recorder()
    job = Deliverer(
        archive=archive, store=store, outbox=Outbox(engine), taxonomy=TAXONOMY, publishers={"slack": recorder}
    )
    return archive, recorder, job


async def vote_on_yesterday(archive: Archive, engine: AsyncEngine, direction: int, robotic: bool) -> None:
    """Three readers vote on yesterday's robot (or reasoning) papers."""
    votes = VoteStore(engine)
    at = dt.datetime(2026, 11, 19, 12, 0, tzinfo=dt.UTC)
    titles = ROBOT_TITLES if robotic else REASONING_TITLES
    for user in ("U1", "U2", "U3"):
        for i, title in enumerate((*ROBOT_TITLES, *REASONING_TITLES)):
            if title in titles:
                outcome = await cast_vote(
                    archive,
                    votes,
                    TAXONOMY,
                    VOTERS,
                    f"2611.{i:05d}",
                    user,
                    direction,
                    subscriptions=SubscriptionStore(engine),
                    now=at,
                )
                assert outcome == "recorded"


async def test_down_votes_on_robot_papers_sink_them_in_the_next_delivered_digest(engine: AsyncEngine) -> None:
    archive, recorder, job = await setup(engine)
    await vote_on_yesterday(archive, engine, DOWN, robotic=True)
    await job.run_pass(dt.datetime(2026, 11, 21, 0, 30, tzinfo=dt.UTC), day=TODAY, force=True)
    quiet = [item.title for item in recorder.digests["C0QUIETA"].items]
    tuned = [item.title for item in recorder.digests["C0VOTERS"].items]
    assert is_robotic(quiet[0])  # report order, untouched
    # The votes' channel: reasoning papers first, robot papers after them (or left out).
    robotic = [is_robotic(title) for title in tuned]
    assert robotic[: len(REASONING_TITLES)] == [False] * len(REASONING_TITLES)
    assert sorted(robotic) == robotic
    # The floor: at least half of the matches stay.
    assert len(tuned) >= (len(quiet) + 1) // 2
    # Channels without votes still share one digest, built once.
    assert recorder.digests["C0QUIETA"] is recorder.digests["C0QUIETB"]
    assert job.digests.shared == 1


async def test_up_votes_on_reasoning_papers_raise_them(engine: AsyncEngine) -> None:
    archive, recorder, job = await setup(engine)
    await vote_on_yesterday(archive, engine, UP, robotic=False)
    await job.run_pass(dt.datetime(2026, 11, 21, 0, 30, tzinfo=dt.UTC), day=TODAY, force=True)
    tuned = [item.title for item in recorder.digests["C0VOTERS"].items]
    assert [is_robotic(title) for title in tuned[: len(REASONING_TITLES)]] == [False] * len(REASONING_TITLES)
    assert len(tuned) == len(recorder.digests["C0QUIETA"].items)  # 👍 only reorders


async def test_paper_digest_command_shows_the_tuned_order_and_typed_votes_toggle(engine: AsyncEngine) -> None:
    archive, _recorder, _job = await setup(engine)
    ctx = CommandContext(archive, SubscriptionStore(engine), TAXONOMY, VOTERS, user="console")
    before = await handle_paper_command(ctx, "digest 2026-11-20")
    assert before.digest is not None
    assert is_robotic(before.digest.items[0].title)
    for i in range(len(ROBOT_TITLES)):
        for user in ("U1", "U2"):
            as_user = CommandContext(archive, SubscriptionStore(engine), TAXONOMY, VOTERS, user=user)
            reply = await handle_paper_command(as_user, f"less-like 2611.{i:05d}")
            assert reply.text.startswith("Noted: fewer papers like this one")
    after = await handle_paper_command(ctx, "digest 2026-11-20")
    assert after.digest is not None
    assert not is_robotic(after.digest.items[0].title)
    # The same command again takes the vote back; Chinese verbs work too; unknown ids are refused.
    again = await handle_paper_command(
        CommandContext(archive, SubscriptionStore(engine), TAXONOMY, VOTERS, user="U1"),
        "less-like 2611.00000",
    )
    assert again.text == "Your vote on this paper is withdrawn."
    zh = await handle_paper_command(ctx, "多推荐 2611.00005")
    assert zh.text.startswith("已记录")
    unknown = await handle_paper_command(ctx, "more-like 2612.99999")
    assert unknown.error
    assert unknown.text == "That paper is not in paperbot's archive; nothing was recorded."
    impossible = await handle_paper_command(ctx, "more-like 2613.00001")  # no month 13: say so
    assert impossible.error
    assert "month 13" in impossible.text
    assert (await handle_paper_command(ctx, "more-like")).text.startswith("Usage: /paper more-like")
    assert (await handle_paper_command(ctx, "more-like diffusion")).text.startswith("Usage: /paper more-like")


async def test_a_vote_where_no_digest_comes_is_refused_and_a_vote_cast_before_can_be_withdrawn(
    engine: AsyncEngine,
) -> None:
    archive, _recorder, _job = await setup(engine)
    store = SubscriptionStore(engine)
    # A channel that follows nothing (a Discord thread under the digest's channel, say).
    elsewhere = CommandContext(archive, store, TAXONOMY, ChannelRef("slack", "T1", "C0THREAD"), user="U1")
    reply = await handle_paper_command(elsewhere, "more-like 2611.00000")
    assert reply.error
    assert reply.text.startswith("This channel gets no digest, so a vote here would tune nothing")
    zh = await handle_paper_command(elsewhere, "少推荐 2611.00000")
    assert zh.text.startswith("本频道没有订阅日报")
    assert await VoteStore(engine).votes(elsewhere.channel) == []
    # A vote cast while the channel followed something is still the voter's to take back.
    voter = CommandContext(archive, store, TAXONOMY, VOTERS, user="U1")
    assert (await handle_paper_command(voter, "less-like 2611.00000")).text.startswith("Noted")
    await handle_paper_command(voter, "unsubscribe all")
    assert (await handle_paper_command(voter, "more-like 2611.00001")).error
    withdrawn = await handle_paper_command(voter, "less-like 2611.00000")
    assert withdrawn.text == "Your vote on this paper is withdrawn."
    assert await VoteStore(engine).votes(VOTERS) == []


def test_features_come_from_the_papers_topics_and_terms() -> None:
    features = features_of(paper(title=ROBOT_TITLES[0]), TAXONOMY)
    assert set(features.topics) == {"reinforcement-learning", "robotics"}
    assert "robot" in features.terms


def test_no_votes_change_nothing_and_build_digest_takes_a_tuning() -> None:
    from bot.ranking.feedback import ChannelPreferences

    day = report(TODAY, "2612")
    plain = build_digest(day, RL, TAXONOMY)
    empty = Tuning(ChannelPreferences(), dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    assert build_digest(day, RL, TAXONOMY, tuning=empty) == plain
    from bot.ranking.digest import report_matcher

    matcher = report_matcher(day, TAXONOMY)
    matches = matcher.match(RL)
    assert tuned_matches(matches, empty, RL, TAXONOMY, matcher) == matches


def test_when_matching_falls_back_paper_by_paper_votes_learn_from_each_papers_own_topics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The report's matcher fails to match, so build_digest matches paper by paper; the matches'
    # positions then are report positions, which the failed matcher's profiles do not follow.
    import bot.ranking.tuning
    from bot.ranking.feedback import ChannelPreferences, Vote
    from bot.topics.matcher import PaperMatch, ReportMatcher

    class CannotMatch(ReportMatcher):
        def match(self, interests: Interests) -> list[PaperMatch]:
            raise ValueError("cannot match")

    day = report(TODAY, "2613")
    reasoning_first = CannotMatch(tuple(reversed(day.papers)), TAXONOMY)  # profiles in another order
    preferences = ChannelPreferences()
    preferences.record(
        Vote(
            day.papers[0].arxiv_id,
            features_of(day.papers[0], TAXONOMY),
            DOWN,
            "U1",
            dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        )
    )
    seen: dict[str, tuple[str, ...]] = {}
    real = bot.ranking.tuning.paper_features  # type: ignore[attr-defined]

    def spy(paper_: object, topics: object) -> object:
        seen[paper_.arxiv_id] = tuple(topics)  # type: ignore[attr-defined,arg-type]
        return real(paper_, topics)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.ranking.tuning, "paper_features", spy)
    tuning = Tuning(preferences, dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    build_digest(day, RL, TAXONOMY, matcher=reasoning_first, tuning=tuning)
    assert seen
    for arxiv_id, topics in seen.items():
        own = next(p for p in day.papers if p.arxiv_id == arxiv_id)
        assert set(topics) == set(ReportMatcher((own,), TAXONOMY).topics_of(0)), arxiv_id


def test_a_vote_in_a_readers_dm_says_it_tunes_their_personal_digest() -> None:
    dm, channel = ChannelRef("slack", "T1", "D0READER"), ChannelRef("slack", "T1", "C0CHANNEL")
    assert acknowledgement_key("recorded", UP, dm) == "feedback.up.personal"
    assert acknowledgement_key("recorded", DOWN, dm) == "feedback.down.personal"
    assert acknowledgement_key("recorded", UP, channel) == "feedback.up"
    assert acknowledgement_key("retracted", UP, dm) == "feedback.retracted"
    assert acknowledgement_key(None, UP, dm) == "feedback.unknown_paper"
