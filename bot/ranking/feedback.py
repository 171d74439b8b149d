"""Feedback that tunes a channel: 👍 / 👎 on digest cards, learned into the channel's ranking.

A vote concerns one paper and what it is about: the topics it is about and its salient terms
(title words, the Hugging Face keywords, the application area). Each channel keeps the latest
vote of each reader on each paper and learns a weight per feature from them: a logistic
model updated online, one step per voted paper in the order the votes were cast, each step
smaller as its vote ages. The pass is replayed over the standing votes when the weights are
next needed, which is what lets a changed or withdrawn vote be undone exactly. The digest then
multiplies each paper's relevance by a factor from those weights.

Everything is bounded so that a few clicks — or a thousand — cannot empty a channel:
- a feature's weight is clipped, and a paper's factor lies within [1/MAX_FACTOR, MAX_FACTOR],
  so feedback re-orders papers the matcher selected but never invents relevance;
- a paper is dropped only when its features are *consistently* disliked (several papers
  voted, nearly all 👎) and its factor is low, and then only while the digest keeps at least
  `MIN_KEEP` papers and at most `MAX_DROP_SHARE` of the day's matches are dropped;
- the best paper of every subscribed topic is never dropped: readers who want none of a
  topic unsubscribe from it, which a stray run of 👎 should not do for them.

The votes, not the weights, are the state (`to_json`): weights are derived, so a channel's
exported feedback survives any change to how they are learned. Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from bot.errors import BadInputError
from bot.models import Paper

UP = 1
DOWN = -1

# A vote counts half after two weeks: interests drift, and a month-old 👎 on a topic that has
# since become the team's focus should not keep it buried.
HALF_LIFE_DAYS = 14.0
# Past eight half-lives a vote weighs under 0.4%; it is forgotten, which bounds the state.
FORGET_AFTER_HALF_LIVES = 8
# ...and so does a cap on the papers remembered per channel (a busy channel votes on ~10 a day).
MAX_PAPERS = 2000

# The online logistic update: w += LEARNING_RATE * decay * (target - predicted) * x.
LEARNING_RATE = 2.0
# No single feature may say more than this (in log-odds units, before the 1/sqrt(n) scaling).
WEIGHT_LIMIT = 3.0
# A paper's relevance is multiplied by at most this, or divided by at most this.
MAX_FACTOR = 3.0
_MAX_LOG = math.log(MAX_FACTOR)

# Dropping a paper needs all of: a low factor (exp(-0.7) ≈ 0.5, halved relevance)...
DROP_AFFINITY = -0.7
# ...and a feature behind it voted on for at least this many (decayed) papers...
MIN_SUPPORT = 5.0
# ...almost all 👎 (a mean vote of -0.6 is 80% 👎).
CONSISTENCY = 0.6
# The floor: whatever the votes, a digest keeps this many papers (or all, when fewer matched)...
MIN_KEEP = 3
# ...and never loses more than this share of the day's matches.
MAX_DROP_SHARE = 0.5

# Salient terms per paper, in the order they are found (title first); the rest are noise.
MAX_TERMS = 32

TOPIC_PREFIX = "topic:"
TERM_PREFIX = "term:"

# Words that say nothing about what a paper is: English function words and the vocabulary
# every AI paper title shares.
STOP_WORDS = frozenset(
    [
        *("a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from"),
        *("how", "in", "into", "is", "it", "its", "of", "on", "or", "our", "that", "the", "their"),
        *("this", "to", "toward", "towards", "via", "vs", "we", "what", "when", "where", "which"),
        *("while", "who", "why", "with", "without", "beyond", "through", "under", "over", "using"),
        *("use", "based", "new", "novel", "approach", "approaches", "framework", "method"),
        *("methods", "model", "models", "learning", "large", "language", "llm", "llms", "study"),
        *("analysis", "paper", "improving", "improve", "improved", "better", "efficient"),
        *("effective", "simple", "scalable", "robust", "unified", "general", "generalist", "one"),
        *("two", "all", "any", "more", "less", "than", "not", "no", "your", "you", "make", "makes"),
        *("made", "first"),
    ]
)
# Chinese words that are grammar or boilerplate, not a subject; text is cut at them before it
# is read as character pairs, so "提出一种视频生成方法" gives 视频, 频生, 生成 and nothing else.
# (Single characters only where they are rarely part of a subject word: not 对, as in 对齐.)
STOP_WORDS_ZH = (
    *("大语言模型", "语言模型", "大模型", "一种", "基于", "提出", "方法", "模型", "框架", "通过"),
    *("以及", "用于", "进行", "实现", "技术", "研究", "及其", "应用", "领域", "相关", "具体", "涉及"),
    *("主要", "我们", "其中", "并且", "能够", "可以", "一个", "问题", "任务", "系统", "性能"),
    *("的", "了", "和", "与", "及"),
)

_LATIN_WORD = re.compile(r"[a-z0-9]+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_ZH_STOP = re.compile("|".join(sorted(STOP_WORDS_ZH, key=len, reverse=True)))


def salient_terms(text: str) -> list[str]:
    """The words of `text` a reader's taste could hang on: lower-case Latin words (a plural's
    final `s` dropped, numbers and stop words left out) and Chinese character bigrams."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    terms: list[str] = []
    for word in _LATIN_WORD.findall(folded):
        if len(word) < 2 or word.isdigit() or word in STOP_WORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # "world models" and "world model" are one interest
            if word in STOP_WORDS:
                continue
        terms.append(word)
    for run in _CJK_RUN.findall(_ZH_STOP.sub(" ", folded)):
        # (One character alone is too ambiguous to learn from.)
        terms.extend(run[i : i + 2] for i in range(len(run) - 1))
    return terms


@dataclass(frozen=True, slots=True)
class PaperFeatures:
    """What a vote on a paper teaches: the topics it is about and its salient terms."""

    topics: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()

    def feature_keys(self) -> tuple[str, ...]:
        """The features as weight keys (`topic:reasoning`, `term:grpo`), each once."""
        return tuple(
            dict.fromkeys(
                [*(TOPIC_PREFIX + topic for topic in self.topics), *(TERM_PREFIX + t for t in self.terms)]
            )
        )

    def to_json(self) -> dict[str, list[str]]:
        return {"topics": list(self.topics), "terms": list(self.terms)}


def paper_features(paper: Paper, topics: Iterable[str]) -> PaperFeatures:
    """A paper's features. Pass every topic the paper is about (`ReportMatcher.topics_of`), not
    only those the channel follows: "RL, and robotics too" is what tells a channel's RL papers
    apart."""
    found = salient_terms(paper.title)
    for keyword in paper.keywords:
        found.extend(salient_terms(keyword))
    found.extend(salient_terms(paper.domain))
    terms = tuple(dict.fromkeys(found))[:MAX_TERMS]
    return PaperFeatures(topics=tuple(sorted(set(topics))), terms=terms)


@dataclass(frozen=True, slots=True)
class Vote:
    """One reader's 👍 (`UP`, "more like this") or 👎 (`DOWN`, "less like this") on a paper."""

    paper: str  # the arXiv id: one reader's votes on the same paper replace each other
    features: PaperFeatures
    direction: int
    user: str
    at: dt.datetime  # timezone-aware

    def __post_init__(self) -> None:
        if self.direction not in (UP, DOWN):
            raise ValueError(f"a vote is {UP} or {DOWN}, not {self.direction!r}")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("a vote's time must be timezone-aware")


class Scored(Protocol):
    """Anything `rerank` can order: a base relevance score and the paper's features."""

    @property
    def score(self) -> float: ...

    @property
    def features(self) -> PaperFeatures: ...


S = TypeVar("S", bound=Scored)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Candidate(Generic[T]):
    """An item to rerank (e.g. a matcher's `PaperMatch`) with its score and features."""

    item: T
    score: float
    features: PaperFeatures


def _input(keys: Sequence[str]) -> float:
    """Each feature's input value, 1/sqrt(n): a paper with many terms neither learns nor scores
    more than one with few."""
    return 1.0 / math.sqrt(len(keys)) if keys else 0.0


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def _clip(value: float, limit: float) -> float:
    return max(-limit, min(limit, value))


@dataclass(slots=True)
class _Model:
    """Weights learned from the votes as they stood at one moment."""

    weights: dict[str, float] = field(default_factory=dict)
    support: dict[str, float] = field(default_factory=dict)  # decayed papers voted, per feature
    balance: dict[str, float] = field(default_factory=dict)  # decayed sum of their mean votes

    def affinity(self, keys: Sequence[str]) -> float:
        """The paper's learned log-factor, clipped to ±log(MAX_FACTOR)."""
        total = sum(self.weights.get(key, 0.0) for key in keys)
        return _clip(total * _input(keys), _MAX_LOG)

    def disliked(self, keys: Sequence[str]) -> bool:
        """Whether some feature of the paper was voted on for several papers, nearly all 👎."""
        for key in keys:
            support = self.support.get(key, 0.0)
            if support >= MIN_SUPPORT and self.balance[key] / support <= -CONSISTENCY:
                return True
        return False


class ChannelPreferences:
    """One channel's votes and what they say about the papers it wants.

    `record` keeps each reader's latest vote per paper (last vote wins; a vote older than the
    one it would replace is ignored); a paper's readers are averaged, so a paper counts once
    however many vote on it. The weights are learned when first asked for at a given moment
    and kept until the next vote.
    """

    def __init__(self, *, half_life_days: float = HALF_LIFE_DAYS) -> None:
        if half_life_days <= 0:
            raise ValueError("half_life_days must be positive")
        self.half_life_days = half_life_days
        self._horizon = dt.timedelta(days=half_life_days * FORGET_AFTER_HALF_LIVES)
        self._papers: dict[str, dict[str, Vote]] = {}  # paper -> user -> latest vote
        self._newest: dt.datetime | None = None
        self._forgot_at = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._version = 0
        self._cache: tuple[int, dt.datetime | None, _Model] | None = None

    # --- votes ---------------------------------------------------------------------------

    def record(self, vote: Vote) -> bool:
        """Take a vote into account. False when it changes nothing: the same reader voted on the
        paper later, or the vote is too old to count beside the newest one."""
        newest = vote.at if self._newest is None else max(vote.at, self._newest)
        if vote.at < newest - self._horizon:
            return False
        users = self._papers.setdefault(vote.paper, {})
        previous = users.get(vote.user)
        if previous is not None and previous.at > vote.at:
            return False
        users[vote.user] = vote
        self._newest = newest
        # Forgetting scans every paper: once a day of votes, or when over the cap, is enough.
        if len(self._papers) > MAX_PAPERS or newest - self._forgot_at >= dt.timedelta(days=1):
            self._forget(newest - self._horizon)
            self._forgot_at = newest
        self._version += 1
        return True

    def retract(self, paper: str, user: str) -> bool:
        """Withdraw a reader's vote on a paper (the button pressed again); False if there was none."""
        users = self._papers.get(paper)
        if not users or user not in users:
            return False
        del users[user]
        if not users:
            del self._papers[paper]
        self._version += 1
        return True

    def votes(self) -> Iterator[Vote]:
        """Every standing vote, oldest first."""
        return iter(sorted((v for users in self._papers.values() for v in users.values()), key=_vote_order))

    def __len__(self) -> int:
        """The number of standing votes."""
        return sum(len(users) for users in self._papers.values())

    def _forget(self, cutoff: dt.datetime) -> None:
        """Drop the papers last voted on before `cutoff`, and the oldest past MAX_PAPERS."""
        stale = [paper for paper, users in self._papers.items() if _latest(users) < cutoff]
        if len(self._papers) - len(stale) > MAX_PAPERS:
            by_age = sorted(self._papers, key=lambda paper: (_latest(self._papers[paper]), paper))
            stale = by_age[: len(self._papers) - MAX_PAPERS]
        for paper in stale:
            del self._papers[paper]

    # --- what they teach -----------------------------------------------------------------

    def _model(self, now: dt.datetime | None) -> _Model:
        if self._cache is not None and self._cache[0] == self._version and self._cache[1] == now:
            return self._cache[2]
        model = self._fit(now)
        self._cache = (self._version, now, model)
        return model

    def _fit(self, now: dt.datetime | None) -> _Model:
        """One online pass over the voted papers in the order their votes last changed: the
        logistic update of each paper's features towards its readers' mean vote, scaled by how
        far the vote has faded by `now` (default: the latest vote)."""
        papers = sorted(
            ((_latest(users), paper, users) for paper, users in self._papers.items()),
            key=lambda entry: (entry[0], entry[1]),
        )
        model = _Model()
        if not papers:
            return model
        if now is None:
            now = papers[-1][0]
        weights, support, balance = model.weights, model.support, model.balance
        examples = []
        for at, _paper, users in papers:
            age_days = max(0.0, (now - at).total_seconds() / 86400)
            decay = 0.5 ** (age_days / self.half_life_days)
            # The latest vote's features: a paper's topics can change as the taxonomy does.
            keys = max(users.values(), key=_vote_order).features.feature_keys()
            if decay < 0.5**FORGET_AFTER_HALF_LIVES or not keys:
                continue
            mean = sum(v.direction for v in users.values()) / len(users)
            examples.append((keys, (mean + 1) / 2, decay))
            for key in keys:
                support[key] = support.get(key, 0.0) + decay
                balance[key] = balance.get(key, 0.0) + decay * mean
        for keys, target, decay in examples:
            x = _input(keys)
            activation = sum(weights.get(key, 0.0) for key in keys) * x
            error = (target - _sigmoid(activation)) * decay
            for key in keys:
                weights[key] = _clip(weights.get(key, 0.0) + LEARNING_RATE * error * x, WEIGHT_LIMIT)
        return model

    def weights(self, now: dt.datetime | None = None) -> dict[str, float]:
        """The learned weight of every feature voted on (`topic:…`, `term:…`)."""
        return dict(self._model(now).weights)

    def affinity(self, features: PaperFeatures, now: dt.datetime | None = None) -> float:
        """How much the channel's votes favour a paper: log of its factor, in ±log(MAX_FACTOR)."""
        return self._model(now).affinity(features.feature_keys())

    def factor(self, features: PaperFeatures, now: dt.datetime | None = None) -> float:
        """What the votes multiply a paper's relevance by, within [1/MAX_FACTOR, MAX_FACTOR]."""
        return math.exp(self.affinity(features, now))

    def disliked(self, features: PaperFeatures, now: dt.datetime | None = None) -> bool:
        """Whether the votes say, strongly and consistently, that the channel does not want it."""
        model = self._model(now)
        keys = features.feature_keys()
        return model.affinity(keys) <= DROP_AFFINITY and model.disliked(keys)

    def explain(
        self, features: PaperFeatures, now: dt.datetime | None = None, limit: int = 3
    ) -> list[tuple[str, float]]:
        """The features that moved a paper most, strongest first (for "why is this here")."""
        weights = self._model(now).weights
        found = [(key, weights[key]) for key in features.feature_keys() if weights.get(key)]
        found.sort(key=lambda pair: (-abs(pair[1]), pair[0]))
        return found[:limit]

    # --- storage -------------------------------------------------------------------------

    def to_json(self) -> dict[str, object]:
        """The standing votes, grouped by paper (what the database and an export keep)."""
        papers = []
        for paper in sorted(self._papers, key=lambda p: (_latest(self._papers[p]), p)):
            users = self._papers[paper]
            latest = max(users.values(), key=_vote_order)
            papers.append(
                {
                    "paper": paper,
                    **latest.features.to_json(),
                    "votes": [
                        {"user": v.user, "direction": v.direction, "at": v.at.isoformat()}
                        for v in sorted(users.values(), key=_vote_order)
                    ],
                }
            )
        return {"version": 1, "half_life_days": self.half_life_days, "papers": papers}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ChannelPreferences:
        """The preferences `to_json` wrote. Raises BadInputError on anything else."""
        try:
            if data.get("version") != 1:
                raise ValueError(f"unknown format version {data.get('version')!r}")
            half_life = data.get("half_life_days", HALF_LIFE_DAYS)
            if not isinstance(half_life, int | float) or isinstance(half_life, bool):
                raise TypeError("half_life_days must be a number")
            preferences = cls(half_life_days=float(half_life))
            for entry in _list(data.get("papers", [])):
                entry = _mapping(entry)
                paper = _string(entry.get("paper"))
                features = PaperFeatures(
                    topics=tuple(_string(t) for t in _list(entry.get("topics", []))),
                    terms=tuple(_string(t) for t in _list(entry.get("terms", []))),
                )
                for vote in _list(entry.get("votes")):
                    vote = _mapping(vote)
                    direction = vote.get("direction")
                    if not isinstance(direction, int) or isinstance(direction, bool):
                        raise TypeError(f"a vote's direction is {UP} or {DOWN}, not {direction!r}")
                    at = dt.datetime.fromisoformat(_string(vote.get("at")))
                    preferences.record(Vote(paper, features, direction, _string(vote.get("user")), at))
        except (TypeError, ValueError) as error:
            raise BadInputError(f"not a channel's feedback: {error}") from error
        return preferences


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {value!r}")
    return value


def _mapping(value: object) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {value!r}")
    return value


def _vote_order(vote: Vote) -> tuple[dt.datetime, str, str]:
    return vote.at, vote.user, vote.paper


def _latest(users: Mapping[str, Vote]) -> dt.datetime:
    return max(vote.at for vote in users.values())


def rerank(
    items: Sequence[S],
    preferences: ChannelPreferences,
    *,
    now: dt.datetime | None = None,
    subscribed: Iterable[str] = (),
    drop: bool = True,
) -> list[S]:
    """`items` ordered by relevance times the channel's feedback factor (ties keep their order),
    without the papers the votes strongly and consistently reject — within the floor: at least
    `min(MIN_KEEP, len(items))` kept, at most `MAX_DROP_SHARE` of them dropped, and the best
    paper carrying each `subscribed` topic always kept. `drop=False` only re-orders."""
    model = preferences._model(now)
    keys = [item.features.feature_keys() for item in items]
    adjusted = [item.score * math.exp(model.affinity(k)) for item, k in zip(items, keys, strict=True)]
    order = sorted(range(len(items)), key=lambda i: (-adjusted[i], i))
    protected: set[int] = set()
    for topic in subscribed:
        best = next((i for i in order if topic in items[i].features.topics), None)
        if best is not None:
            protected.add(best)
    keep_at_least = max(min(MIN_KEEP, len(items)), len(items) - math.floor(MAX_DROP_SHARE * len(items)))
    budget = len(items) - keep_at_least if drop else 0
    dropped: set[int] = set()
    for i in reversed(order):  # the least wanted first
        if len(dropped) == budget:
            break
        if i in protected:
            continue
        if model.affinity(keys[i]) <= DROP_AFFINITY and model.disliked(keys[i]):
            dropped.add(i)
    return [items[i] for i in order if i not in dropped]
