from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import BadInputError
from bot.models import Interests, Paper
from bot.ranking.feedback import (
    DOWN,
    HALF_LIFE_DAYS,
    MAX_FACTOR,
    MIN_KEEP,
    UP,
    Candidate,
    ChannelPreferences,
    PaperFeatures,
    Vote,
    paper_features,
    rerank,
    salient_terms,
)
from bot.topics.matcher import PaperMatch, ReportMatcher
from bot.topics.taxonomy import builtin_taxonomy

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
RL, ROBOTICS, REASONING = "reinforcement-learning", "robotics", "reasoning"


def llm_rl(n: int) -> PaperFeatures:
    """An RL-for-reasoning paper: what the channel in these tests likes."""
    return PaperFeatures((REASONING, RL), ("grpo", "math", "verifier", f"name{n}"))


def locomotion(n: int) -> PaperFeatures:
    """An RL-for-robots paper: what it does not."""
    return PaperFeatures((RL, ROBOTICS), ("locomotion", "quadruped", "sim", f"bot{n}"))


def vote(paper: str, features: PaperFeatures, direction: int, user: str = "U1", days: float = 0) -> Vote:
    return Vote(paper, features, direction, user, T0 + dt.timedelta(days=days))


def taught(likes: int = 5, dislikes: int = 5) -> ChannelPreferences:
    preferences = ChannelPreferences()
    for n in range(likes):
        preferences.record(vote(f"up{n}", llm_rl(n), UP, days=n / 10))
    for n in range(dislikes):
        preferences.record(vote(f"down{n}", locomotion(n), DOWN, days=n / 10))
    return preferences


def candidates(*scored: tuple[str, float, PaperFeatures]) -> list[Candidate[str]]:
    return [Candidate(name, score, features) for name, score, features in scored]


def names(items: list[Candidate[str]]) -> list[str]:
    return [item.item for item in items]


# --- features ------------------------------------------------------------------------------


def test_salient_terms_are_lowercase_words_without_stop_words_plurals_or_numbers() -> None:
    assert salient_terms("Scaling GRPO for World Models: A Study of 2 Agents") == [
        "scaling",
        "grpo",
        "world",
        "agent",
    ]


def test_chinese_text_becomes_character_bigrams_without_boilerplate() -> None:
    assert salient_terms("提出一种视频生成方法") == ["视频", "频生", "生成"]
    assert salient_terms("强") == []


def test_paper_features_read_the_title_keywords_and_area_with_every_topic() -> None:
    paper = Paper(
        "2603.00001",
        "Kestrel: Verifier-Guided GRPO",
        "",
        domain="强化学习 - 数学推理",
        keywords=("process reward",),
    )
    features = paper_features(paper, [RL, REASONING, RL])
    assert features.topics == (REASONING, RL)
    assert features.terms[:5] == ("kestrel", "verifier", "guided", "grpo", "process")
    assert {"强化", "推理"} <= set(features.terms)
    assert features.feature_keys()[:2] == ("topic:reasoning", "topic:reinforcement-learning")


def test_a_vote_is_up_or_down_at_an_aware_time() -> None:
    with pytest.raises(ValueError, match="1 or -1"):
        Vote("p", llm_rl(0), 0, "U1", T0)
    with pytest.raises(ValueError, match="timezone"):
        Vote("p", llm_rl(0), UP, "U1", dt.datetime(2026, 3, 2))


# --- learning ------------------------------------------------------------------------------


def test_with_no_votes_the_matcher_order_stands() -> None:
    items = candidates(("a", 9, llm_rl(1)), ("b", 5, locomotion(1)), ("c", 5, llm_rl(2)))
    assert names(rerank(items, ChannelPreferences())) == ["a", "b", "c"]


def test_upvoting_papers_about_x_raises_similar_papers() -> None:
    preferences = taught(likes=5, dislikes=0)
    new = llm_rl(99)
    assert preferences.factor(new) > 1.2
    assert preferences.factor(PaperFeatures(("speech-audio",), ("tts",))) == 1.0  # never voted on
    items = candidates(("other", 7.0, PaperFeatures(("agents",), ("web",))), ("similar", 5.0, new))
    assert names(rerank(items, preferences)) == ["similar", "other"]


def test_downvoting_papers_about_y_lowers_similar_papers() -> None:
    preferences = taught(likes=0, dislikes=5)
    new = locomotion(99)
    assert preferences.factor(new) < 1 / 1.2
    items = candidates(("similar", 7.0, new), ("other", 5.0, PaperFeatures(("agents",), ("web",))))
    assert names(rerank(items, preferences)) == ["other", "similar"]


def test_likes_and_dislikes_within_one_topic_pull_its_papers_apart() -> None:
    preferences = taught()
    items = candidates(("robots", 8.0, locomotion(99)), ("reasoning", 6.0, llm_rl(99)))
    assert names(rerank(items, preferences)) == ["reasoning", "robots"]
    top = preferences.explain(llm_rl(99))
    assert top
    assert all(weight > 0 for _, weight in top)


def test_feedback_reorders_within_a_bounded_factor() -> None:
    preferences = ChannelPreferences()
    for n in range(1000):
        preferences.record(vote(f"down{n}", locomotion(n), DOWN, user=f"U{n}", days=n / 100))
        preferences.record(vote(f"up{n}", llm_rl(n), UP, user=f"U{n}", days=n / 100))
    assert preferences.factor(locomotion(-1)) == pytest.approx(1 / MAX_FACTOR)
    assert preferences.factor(llm_rl(-1)) == pytest.approx(MAX_FACTOR)
    # A paper the matcher found more than MAX_FACTOR² times as relevant stays ahead.
    items = candidates(("robots", 9.5, locomotion(-1)), ("reasoning", 1.0, llm_rl(-1)))
    assert names(rerank(items, preferences, drop=False)) == ["robots", "reasoning"]


# --- one reader, many readers, time ---------------------------------------------------------


def test_a_readers_repeated_votes_on_a_paper_count_once() -> None:
    once, repeated = ChannelPreferences(), ChannelPreferences()
    once.record(vote("p", llm_rl(0), UP))
    for n in range(100):
        repeated.record(vote("p", llm_rl(0), UP, days=n / 1000))
    assert len(repeated) == 1
    assert repeated.weights(T0) == once.weights(T0)


def test_the_last_vote_wins() -> None:
    changed, down_only = ChannelPreferences(), ChannelPreferences()
    changed.record(vote("p", llm_rl(0), UP))
    changed.record(vote("p", llm_rl(0), DOWN, days=0.1))
    down_only.record(vote("p", llm_rl(0), DOWN, days=0.1))
    assert changed.weights() == down_only.weights()
    assert changed.factor(llm_rl(1)) < 1


def test_a_vote_older_than_the_one_it_would_replace_is_ignored() -> None:
    preferences = ChannelPreferences()
    assert preferences.record(vote("p", llm_rl(0), DOWN, days=1))
    assert not preferences.record(vote("p", llm_rl(0), UP, days=0))  # delivered late
    assert [v.direction for v in preferences.votes()] == [DOWN]


def test_readers_votes_on_a_paper_average() -> None:
    split = ChannelPreferences()
    split.record(vote("p", llm_rl(0), UP, user="U1"))
    split.record(vote("p", llm_rl(0), DOWN, user="U2"))
    assert split.factor(llm_rl(1)) == 1.0
    # Five readers agreeing teach no more than one: a paper counts once.
    crowd, single = ChannelPreferences(), ChannelPreferences()
    for user in ("U1", "U2", "U3", "U4", "U5"):
        crowd.record(vote("p", llm_rl(0), UP, user=user))
    single.record(vote("p", llm_rl(0), UP, user="U1"))
    assert crowd.weights(T0) == single.weights(T0)


def test_a_retracted_vote_no_longer_counts() -> None:
    preferences = taught(likes=1, dislikes=0)
    assert preferences.retract("up0", "U1")
    assert not preferences.retract("up0", "U1")
    assert len(preferences) == 0
    assert preferences.factor(llm_rl(1)) == 1.0


def test_old_votes_fade() -> None:
    preferences = taught(likes=0, dislikes=5)
    fresh = preferences.factor(locomotion(99), T0 + dt.timedelta(days=1))
    month_later = preferences.factor(locomotion(99), T0 + dt.timedelta(days=30))
    assert fresh < month_later < 1


def test_recent_votes_outweigh_older_opposite_ones() -> None:
    preferences = ChannelPreferences()
    for n in range(5):
        preferences.record(vote(f"old{n}", locomotion(n), DOWN, days=n))
    for n in range(5):
        preferences.record(vote(f"new{n}", locomotion(10 + n), UP, days=60 + n))
    assert preferences.factor(locomotion(99)) > 1


def test_votes_that_have_faded_away_are_forgotten() -> None:
    preferences = ChannelPreferences()
    preferences.record(vote("ancient", llm_rl(0), UP))
    preferences.record(vote("recent", llm_rl(1), UP, days=8 * HALF_LIFE_DAYS + 1))
    assert [v.paper for v in preferences.votes()] == ["recent"]
    assert not preferences.record(vote("ancient", llm_rl(0), DOWN))


# --- the floor -----------------------------------------------------------------------------


def hated() -> ChannelPreferences:
    """A thousand readers who each downvoted a different RL paper."""
    preferences = ChannelPreferences()
    for n in range(1000):
        features = PaperFeatures((RL,), ("policy", f"x{n}"))
        preferences.record(vote(f"p{n}", features, DOWN, user=f"U{n}", days=n / 100))
    return preferences


def rl_papers(count: int) -> list[Candidate[str]]:
    return candidates(*((f"rl{n}", 10.0 - n / 10, PaperFeatures((RL,), ("policy",))) for n in range(count)))


def test_a_thousand_downvotes_cannot_empty_a_digest() -> None:
    preferences = hated()
    assert preferences.disliked(PaperFeatures((RL,), ("policy",)))
    assert len(rerank(rl_papers(10), preferences)) == 5  # at most half dropped
    assert len(rerank(rl_papers(4), preferences)) == MIN_KEEP  # at least three kept
    assert len(rerank(rl_papers(2), preferences)) == 2  # all, when fewer matched
    assert len(rerank(rl_papers(10), preferences, drop=False)) == 10


def test_the_best_paper_of_every_subscribed_topic_is_never_dropped() -> None:
    def robot(n: int) -> PaperFeatures:
        return PaperFeatures((ROBOTICS,), ("locomotion", "quadruped", f"bot{n}"))

    preferences = ChannelPreferences()
    for n in range(20):
        preferences.record(vote(f"down{n}", robot(n), DOWN, days=n / 10))
    robots = [(f"robots{n}", 9.0, robot(100 + n)) for n in range(6)]
    rl = [(f"rl{n}", 5.0, PaperFeatures((RL,), ("offline",))) for n in range(6)]
    items = candidates(*robots, *rl)
    unprotected = names(rerank(items, preferences))
    assert not [name for name in unprotected if name.startswith("robots")]
    kept = names(rerank(items, preferences, subscribed=(RL, ROBOTICS)))
    assert [name for name in kept if name.startswith("robots")] == ["robots0"]


def test_dropping_needs_consistent_votes_not_a_few_clicks() -> None:
    few = ChannelPreferences()
    for n in range(2):
        few.record(vote(f"down{n}", locomotion(n), DOWN))
    mixed = ChannelPreferences()
    for n in range(20):
        mixed.record(vote(f"p{n}", locomotion(n), UP if n % 2 else DOWN, days=n / 10))
    for preferences in (few, mixed):
        assert not preferences.disliked(locomotion(99))
        items = candidates(*((f"robots{n}", 5.0, locomotion(100 + n)) for n in range(10)))
        assert len(rerank(items, preferences)) == 10


votes_strategy = st.lists(
    st.tuples(
        st.integers(0, 15),  # paper
        st.sampled_from([UP, DOWN]),
        st.integers(0, 3),  # user
        st.integers(0, 60 * 24),  # minutes after T0
    ),
    max_size=60,
)


def feature_set(n: int) -> PaperFeatures:
    topics = [RL, ROBOTICS, REASONING, "agents"]
    return PaperFeatures((topics[n % 4], topics[(n // 4) % 4]), (f"t{n % 5}", f"u{n % 3}"))


@settings(max_examples=60, deadline=None)
@given(votes=votes_strategy, scores=st.lists(st.floats(0.5, 20), min_size=0, max_size=14))
def test_rerank_keeps_its_bounds_whatever_the_votes(
    votes: list[tuple[int, int, int, int]], scores: list[float]
) -> None:
    preferences = ChannelPreferences()
    for paper, direction, user, minutes in votes:
        at = T0 + dt.timedelta(minutes=minutes)
        preferences.record(Vote(f"p{paper}", feature_set(paper), direction, f"U{user}", at))
    items = candidates(*((f"i{n}", score, feature_set(n)) for n, score in enumerate(scores)))
    kept = rerank(items, preferences, subscribed=(RL,))
    assert len(set(names(kept))) == len(kept)
    assert set(names(kept)) <= set(names(items))
    assert len(kept) >= max(min(MIN_KEEP, len(items)), math.ceil(len(items) / 2))
    if any(RL in item.features.topics for item in items):
        assert any(RL in item.features.topics for item in kept)
    adjusted = [item.score * preferences.factor(item.features) for item in kept]
    assert adjusted == sorted(adjusted, reverse=True)
    for item in items:
        assert 1 / MAX_FACTOR - 1e-9 <= preferences.factor(item.features) <= MAX_FACTOR + 1e-9
    assert rerank(items, preferences, subscribed=(RL,)) == kept  # deterministic


@settings(max_examples=40, deadline=None)
@given(votes=votes_strategy, order=st.randoms(use_true_random=False))
def test_the_order_votes_arrive_in_does_not_matter(
    votes: list[tuple[int, int, int, int]], order: object
) -> None:
    # One vote per reader and paper, so that "last vote wins" has nothing to decide.
    unique = {(paper, user): (paper, direction, user, minutes) for paper, direction, user, minutes in votes}
    entries = [
        Vote(f"p{p}", feature_set(p), d, f"U{u}", T0 + dt.timedelta(minutes=m, microseconds=i))
        for i, (p, d, u, m) in enumerate(unique.values())
    ]
    first, second = ChannelPreferences(), ChannelPreferences()
    for entry in entries:
        first.record(entry)
    shuffled = list(entries)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    for entry in shuffled:
        second.record(entry)
    now = T0 + dt.timedelta(days=2)
    assert first.weights(now) == second.weights(now)


# --- storage -------------------------------------------------------------------------------


def test_json_round_trip_keeps_the_votes_and_what_they_teach() -> None:
    preferences = taught()
    preferences.record(vote("up0", llm_rl(0), DOWN, user="U2", days=1))
    text = json.dumps(preferences.to_json(), ensure_ascii=False)
    restored = ChannelPreferences.from_json(json.loads(text))
    assert restored.to_json() == preferences.to_json()
    assert list(restored.votes()) == list(preferences.votes())
    assert restored.weights(T0 + dt.timedelta(days=3)) == preferences.weights(T0 + dt.timedelta(days=3))


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"version": 2, "papers": []},
        {"version": 1, "papers": "nope"},
        {"version": 1, "half_life_days": "soon", "papers": []},
        {
            "version": 1,
            "papers": [{"paper": "p", "votes": [{"user": "U1", "direction": 2, "at": T0.isoformat()}]}],
        },
        {
            "version": 1,
            "papers": [{"paper": "p", "votes": [{"user": "U1", "direction": 1, "at": "yesterday"}]}],
        },
        {
            "version": 1,
            "papers": [{"paper": "p", "votes": [{"user": "U1", "direction": 1, "at": "2026-03-02"}]}],
        },
        {"version": 1, "papers": [{"paper": 7, "votes": []}]},
        {"version": 1, "papers": [["p"]]},
    ],
)
def test_from_json_rejects_what_to_json_did_not_write(data: dict[str, object]) -> None:
    with pytest.raises(BadInputError, match="feedback"):
        ChannelPreferences.from_json(data)


# --- with the real matcher -----------------------------------------------------------------


def test_rerank_wraps_the_matchers_papers() -> None:
    taxonomy = builtin_taxonomy()
    papers = [
        Paper("2603.00001", "Quadruped Locomotion with PPO", "", domain="机器人 - 强化学习（RL）"),
        Paper("2603.00002", "GRPO for Math Reasoning", "", domain="大模型推理 - 强化学习（RL）"),
    ]
    matcher = ReportMatcher(papers, taxonomy)
    matches = matcher.match(Interests((RL,)))

    def wrap(match: PaperMatch) -> Candidate[PaperMatch]:
        features = paper_features(match.paper, matcher.topics_of(match.position))
        return Candidate(match, match.score, features)

    preferences = ChannelPreferences()
    for n, match in enumerate(matches):
        features = wrap(match).features
        direction = UP if "GRPO" in match.paper.title else DOWN
        for k in range(3):
            preferences.record(Vote(f"old{n}{k}", features, direction, "U1", T0 + dt.timedelta(hours=k)))
    ranked = rerank([wrap(m) for m in matches], preferences, subscribed=(RL,))
    assert [c.item.paper.arxiv_id for c in ranked] == ["2603.00002", "2603.00001"]
