"""Does 👍 / 👎 feedback tune a channel? A month of simulated readers, week 1 against week 4.

    .venv/bin/python benchmarks/feedback_sim.py [--quick] [--seed N] [--seeds K] [--channels N]

Reports: 20 weekday reports (four weeks) of 30-50 generated papers each. A paper is about a
primary topic (popular topics more often) with one of two "flavours" — the first or the second
half of that topic's literal evidence phrases in bot/topics/taxonomy.toml ("GRPO, PPO, DPO…"
against "actor critic, Q learning, offline RL…") — and, eight times in ten, a partner topic
("… for Robot Manipulation"; four times in ten a second one too: about 2.2 topics a paper,
close to the 2.4 the matcher finds in the reference report). Titles, application areas
(Chinese, with the English term in brackets), one-line contributions and, for half the papers,
Hugging Face keywords are written from those phrases and the topics' Chinese names; the real
`ReportMatcher` decides which topics each paper is about, exactly as for a real report.

Channels: 1-3 topics each, 1-3 readers sharing one hidden interest. Per subscribed topic the
interest likes one flavour (or both, one time in five) and dislikes four partner topics in ten
("RL, yes; RL for robot locomotion, no"); three channels in ten also like one unsubscribed
topic. Readers never say any of this: each day they see the digest — the matcher's papers,
best first, top `DEFAULT_DIGEST_SIZE` — and vote 👍 / 👎 on a card with probability
`--vote-rate` (0.7), wrongly one time in ten.

Arms, on the same reports, channels and readers:
  control   the matcher's order, no feedback (today's digest);
  rerank    `bot.ranking.feedback.rerank(..., drop=False)` over the channel's votes so far;
  feedback  `rerank` with its filter (strongly, consistently 👎 papers dropped, within the floor);
  oracle    the matcher's papers with the liked ones first: the ceiling of any re-ranking.

Per week, per channel (pooled over the week's digests), then averaged over channels and seeds:
  P@5, P@10   share of the cards shown (first 5; all, at most 10) the hidden interest likes;
  recall      share of the day's liked papers on a subscribed topic (by the generator's truth)
              that were shown — the matcher's own misses count against every arm alike;
  shown       cards per digest.
The run repeats with sparse feedback (one card in five voted) to show how much depends on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import machine  # noqa: E402
from bot.models import Interests, Paper  # noqa: E402
from bot.ranking.digest import DEFAULT_DIGEST_SIZE  # noqa: E402
from bot.ranking.feedback import DOWN, UP, Candidate, ChannelPreferences, Vote, paper_features, rerank  # noqa: E402
from bot.topics.matcher import PaperMatch, ReportMatcher, TermMatch  # noqa: E402
from bot.topics.taxonomy import Taxonomy, Topic, builtin_taxonomy  # noqa: E402

SEED = 20260302
START = dt.date(2026, 3, 2)  # a Monday
WEEKS = 4
PAPERS_PER_DAY = (30, 50)
CHANNELS = 20
SEEDS = 5
VOTE_RATE = 0.7
SPARSE_VOTE_RATE = 0.2
WRONG_VOTES = 0.1
# Real papers are about 2.4 topics on average (the matcher on the reference report).
PARTNER_SHARE = 0.8
SECOND_PARTNER_SHARE = 0.4
KEYWORD_SHARE = 0.5
DISLIKED_PARTNERS = 0.4
OUTSIDE_INTEREST = 0.3
ARMS = ("control", "rerank", "feedback", "oracle")
LEARNING_ARMS = ("rerank", "feedback")

# How often a paper is about a topic: shaped on the reference report (44 papers, where the
# matcher finds agents in 14, reasoning in 13, RL in 12, image generation in 8, …).
POPULARITY: dict[str, float] = {
    **{"agents": 13, "reasoning": 12, "reinforcement-learning": 11, "image-generation": 7},
    **{"multimodal": 7, "benchmarks": 6, "data": 5, "efficiency": 5, "video-generation": 5, "rag": 4},
    **{"diffusion": 4, "pretraining": 4, "robotics": 4, "3d-vision": 4, "code": 3, "safety": 3},
    **{"speech-audio": 2, "video-understanding": 2, "perception": 2, "world-models": 2},
    **{"long-context": 2, "autonomous-driving": 1.5, "medicine-biology": 1.5, "mathematics": 2},
    **{"documents-ocr": 1, "interpretability": 1, "multilingual": 1, "recommendation": 1},
    **{"time-series": 1, "science": 1},
}
# Title words that are no topic's evidence: what every title has besides its subject.
ADJECTIVES = (
    *("Adaptive", "Hierarchical", "Progressive", "Compositional", "Fine-Grained", "Lightweight"),
    *("Training-Free", "Self-Improving", "Decoupled", "Curriculum-Guided", "Contrastive", "Scalable"),
    *("Robust", "Unified", "Efficient", "Generalizable", "Data-Efficient", "Uncertainty-Aware"),
)
NOUNS = (
    *("Priors", "Guidance", "Objectives", "Representations", "Curricula", "Rollouts", "Calibration"),
    *("Tokenization", "Regularization", "Bootstrapping", "Alignment Signals", "Design Space"),
)
SYLLABLES = (
    *("Nova", "Lumen", "Astra", "Kite", "Tempo", "Weave", "Orbit", "Quill", "Vela", "Mosaic", "Zephyr"),
    *("Echo", "Prism", "Atlas", "Helix", "Ember", "Rune", "Cobalt", "Flux", "Sage", "Tide", "Aria"),
)
TITLES_WITH_PARTNER = (
    "{name}: {adj} {p} for {q}",
    "{name}: {p} Meets {q}",
    "{adj} {p} with {q} {noun}",
    "{name}: Towards {adj} {p} in {q}",
    "{q} via {adj} {p}",
)
TITLES_ALONE = (
    "{name}: {adj} {p} with {noun}",
    "{adj} {p} via {noun}",
    "{name}: Rethinking {p} at Scale",
    "{name}: {adj} {p}",
)

_ENGLISH = re.compile(r"^[A-Za-z0-9 ]+(?:s\?)?$")
_CHINESE = re.compile(r"^[\u4e00-\u9fff]+$")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A topic's literal evidence phrases, its English ones split into two flavours."""

    topic: Topic
    flavours: tuple[tuple[str, ...], tuple[str, ...]]
    chinese: tuple[str, ...]


def vocabulary(taxonomy: Taxonomy) -> dict[str, Vocabulary]:
    found = {}
    for topic in taxonomy:
        english = [p.removesuffix("s?") for p in topic.strong_patterns if _ENGLISH.match(p)]
        chinese = tuple(p for p in topic.strong_patterns if _CHINESE.match(p))
        half = (len(english) + 1) // 2
        found[topic.id] = Vocabulary(topic, (tuple(english[:half]), tuple(english[half:])), chinese)
    return found


def title_case(phrase: str) -> str:
    return " ".join(w[0].upper() + w[1:] if w.islower() else w for w in phrase.split(" "))


@dataclass(frozen=True, slots=True)
class Generated:
    """A paper and the truth behind it, which only the readers know."""

    paper: Paper
    primary: str
    flavour: int
    partners: tuple[str, ...]

    @property
    def topics(self) -> tuple[str, ...]:
        return (self.primary, *self.partners)


def generate_report(
    day: dt.date, serial: int, vocab: dict[str, Vocabulary], rng: random.Random
) -> list[Generated]:
    ids, weights = list(POPULARITY), list(POPULARITY.values())
    papers = []
    for n in range(rng.randint(*PAPERS_PER_DAY)):
        primary = rng.choices(ids, weights)[0]
        wanted = (rng.random() < PARTNER_SHARE) + (rng.random() < SECOND_PARTNER_SHARE)
        partners: list[str] = []
        while len(partners) < wanted:
            partner = rng.choices(ids, weights)[0]
            if partner != primary and partner not in partners:
                partners.append(partner)
        flavour = rng.randrange(2)
        own = vocab[primary]
        phrase = rng.choice(own.flavours[flavour])
        name = rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
        p = title_case(phrase)
        values = {"name": name, "adj": rng.choice(ADJECTIVES), "noun": rng.choice(NOUNS), "p": p}
        zh = rng.choice(own.chinese)
        area = f"{own.topic.zh[0]} - {zh}（{p}）"
        if not partners:
            title = rng.choice(TITLES_ALONE).format(**values)
            area += f"、{rng.choice(own.chinese)}"
            contribution = f"提出 {name}，以{zh}为核心，改进了{p}的训练与推断流程。"
            extra = rng.choice(own.flavours[flavour])
        else:
            said = []
            for partner in partners:
                other = vocab[partner]
                q = title_case(rng.choice(other.flavours[rng.randrange(2)]))
                said.append(q)
                area += f"、{other.topic.zh[0]}（{q}）"
            title = rng.choice(TITLES_WITH_PARTNER).format(**values, q=said[0])
            uses = "与".join(rng.choice(vocab[partner].chinese) for partner in partners)
            contribution = f"提出 {name}，将{zh}用于{uses}，在公开数据集上取得领先效果。"
            extra = said[-1]
        keywords = (phrase, extra) if rng.random() < KEYWORD_SHARE else ()
        arxiv_id = f"{day:%y%m}.{serial + n:05d}"
        paper = Paper(
            arxiv_id=arxiv_id,
            title=title,
            url=f"https://huggingface.co/papers/{arxiv_id}",
            domain=area,
            contribution=contribution,
            keywords=keywords,
        )
        papers.append(Generated(paper, primary, flavour, tuple(partners)))
    return papers


@dataclass(slots=True)
class Reader:
    """A channel's hidden interest: what its readers like, per subscribed topic."""

    flavours: dict[str, frozenset[int]]
    disliked_partners: dict[str, frozenset[str]]
    outside: str | None

    def likes(self, paper: Generated) -> bool:
        if self.outside is not None and self.outside in paper.topics:
            return True
        return any(self.likes_on_topic(paper, topic) for topic in self.flavours)

    def likes_on_topic(self, paper: Generated, topic: str) -> bool:
        if topic not in paper.topics:
            return False
        if any(other in self.disliked_partners[topic] for other in paper.topics if other != topic):
            return False
        return topic != paper.primary or paper.flavour in self.flavours[topic]


@dataclass(slots=True)
class Channel:
    interests: Interests
    reader: Reader
    users: tuple[str, ...]
    preferences: dict[str, ChannelPreferences] = field(default_factory=dict)


def make_channels(count: int, rng: random.Random) -> list[Channel]:
    ids, weights = list(POPULARITY), list(POPULARITY.values())
    channels = []
    for n in range(count):
        topics: list[str] = []
        for _ in range(rng.choices((1, 2, 3), (4, 3, 2))[0]):
            topic = rng.choices(ids, weights)[0]
            if topic not in topics:
                topics.append(topic)
        flavours = {t: frozenset(rng.choices(({0}, {1}, {0, 1}), (2, 2, 1))[0]) for t in topics}
        disliked = {
            t: frozenset(o for o in ids if o != t and rng.random() < DISLIKED_PARTNERS) for t in topics
        }
        outside = None
        if rng.random() < OUTSIDE_INTEREST:
            outside = rng.choice([t for t in ids if t not in topics])
        users = tuple(f"U{n:02d}{k}" for k in range(rng.randint(1, 3)))
        channel = Channel(Interests(tuple(topics)), Reader(flavours, disliked, outside), users)
        channel.preferences = {arm: ChannelPreferences() for arm in LEARNING_ARMS}
        channels.append(channel)
    return channels


@dataclass(slots=True)
class Tally:
    """One channel's week in one arm."""

    top5: int = 0
    liked_top5: int = 0
    shown: int = 0
    liked_shown: int = 0
    wanted: int = 0  # liked papers on a subscribed topic in the reports
    wanted_shown: int = 0
    digests: int = 0
    dropped: int = 0
    votes: int = 0

    @property
    def p5(self) -> float | None:
        return self.liked_top5 / self.top5 if self.top5 else None

    @property
    def p10(self) -> float | None:
        return self.liked_shown / self.shown if self.shown else None

    @property
    def recall(self) -> float | None:
        return self.wanted_shown / self.wanted if self.wanted else None


def weekdays(weeks: int) -> list[dt.date]:
    days = [START + dt.timedelta(days=n) for n in range(7 * weeks)]
    return [day for day in days if day.weekday() < 5]


def simulate(
    seed: int, channels_count: int, vote_rate: float, taxonomy: Taxonomy, vocab: dict[str, Vocabulary]
) -> tuple[dict[str, list[list[Tally]]], dict[str, float]]:
    """tallies[arm][week][channel], and how well the matcher agreed with the generator."""
    # One random stream per purpose, so every arm sees the same reports, channels and readers,
    # and each arm's readers vote with their own stream (which cards they see differs).
    papers_rng, channels_rng = random.Random(f"{seed}:papers"), random.Random(f"{seed}:channels")
    votes_rng = {arm: random.Random(f"{seed}:votes:{arm}") for arm in ARMS}
    channels = make_channels(channels_count, channels_rng)
    tallies = {arm: [[Tally() for _ in channels] for _ in range(WEEKS)] for arm in ARMS}
    agreement = {"papers": 0.0, "topics found": 0.0, "topics true": 0.0, "extra": 0.0}
    serial = 1
    for day in weekdays(WEEKS):
        week = (day - START).days // 7
        report = generate_report(day, serial, vocab, papers_rng)
        serial += len(report)
        matcher = ReportMatcher([g.paper for g in report], taxonomy)
        profiles = [matcher.topics_of(position) for position in range(len(report))]
        for generated, found in zip(report, profiles, strict=True):
            agreement["papers"] += 1
            agreement["topics true"] += len(generated.topics)
            agreement["topics found"] += len(set(generated.topics) & set(found))
            agreement["extra"] += len(set(found) - set(generated.topics))
        digest_time = dt.datetime.combine(day, dt.time(9, 0), dt.UTC)
        for c, channel in enumerate(channels):
            matches = matcher.match(channel.interests)
            wanted = {
                g.paper.arxiv_id
                for g in report
                if any(channel.reader.likes_on_topic(g, t) for t in channel.interests.topics)
            }
            truth = {g.paper.arxiv_id: g for g in report}
            for arm in ARMS:
                dropped = 0
                if arm == "control":
                    shown = matches[:DEFAULT_DIGEST_SIZE]
                elif arm == "oracle":
                    ordered = sorted(matches, key=lambda m: not channel.reader.likes(truth[m.paper.arxiv_id]))
                    shown = ordered[:DEFAULT_DIGEST_SIZE]
                else:
                    preferences = channel.preferences[arm]
                    candidates = [
                        Candidate(m, m.score, paper_features(m.paper, profiles[m.position])) for m in matches
                    ]
                    kept = rerank(
                        candidates,
                        preferences,
                        now=digest_time,
                        subscribed=channel.interests.topics,
                        drop=arm == "feedback",
                    )
                    dropped = len(candidates) - len(kept)
                    shown = [candidate.item for candidate in kept[:DEFAULT_DIGEST_SIZE]]
                tally = tallies[arm][week][c]
                tally.digests += 1
                tally.dropped += dropped
                liked = [channel.reader.likes(truth[m.paper.arxiv_id]) for m in shown]
                tally.shown += len(shown)
                tally.liked_shown += sum(liked)
                tally.top5 += min(5, len(shown))
                tally.liked_top5 += sum(liked[:5])
                tally.wanted += len(wanted)
                tally.wanted_shown += sum(1 for m in shown if m.paper.arxiv_id in wanted)
                if arm in LEARNING_ARMS:
                    tally.votes += cast_votes(
                        channel,
                        channel.preferences[arm],
                        shown,
                        profiles,
                        truth,
                        digest_time,
                        vote_rate,
                        votes_rng[arm],
                    )
    for key in ("topics found", "extra"):
        agreement[key] /= agreement["topics true"]
    return tallies, agreement


def cast_votes(
    channel: Channel,
    preferences: ChannelPreferences,
    shown: Sequence[PaperMatch],
    profiles: Sequence[Mapping[str, TermMatch]],
    truth: dict[str, Generated],
    digest_time: dt.datetime,
    vote_rate: float,
    rng: random.Random,
) -> int:
    votes = 0
    for rank, match in enumerate(shown):
        likes = channel.reader.likes(truth[match.paper.arxiv_id])
        features = paper_features(match.paper, profiles[match.position])
        for k, user in enumerate(channel.users):
            if rng.random() >= vote_rate:
                continue
            direction = UP if likes else DOWN
            if rng.random() < WRONG_VOTES:
                direction = -direction
            at = digest_time + dt.timedelta(minutes=30 + 5 * rank + k)
            preferences.record(Vote(match.paper.arxiv_id, features, direction, user, at))
            votes += 1
    return votes


def mean(values: Sequence[float | None]) -> float:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else float("nan")


@dataclass(slots=True)
class Row:
    p5: float
    p10: float
    recall: float
    shown: float
    dropped: float
    votes: float


def summarise(runs: list[dict[str, list[list[Tally]]]], arm: str, week: int) -> Row:
    """Per-channel figures for one week, averaged over channels, then over seeds."""
    per_seed = []
    for tallies in runs:
        week_tallies = tallies[arm][week]
        per_seed.append(
            Row(
                mean([t.p5 for t in week_tallies]),
                mean([t.p10 for t in week_tallies]),
                mean([t.recall for t in week_tallies]),
                mean([t.shown / t.digests for t in week_tallies]),
                mean([t.dropped / t.digests for t in week_tallies]),
                mean([t.votes for t in week_tallies]),
            )
        )
    return Row(*(statistics.fmean(getattr(r, name) for r in per_seed) for name in Row.__slots__))


def print_table(runs: list[dict[str, list[list[Tally]]]], title: str) -> None:
    print(title)
    print(
        f"{'':10} {'week 1':>34}   {'week 4':>34}   {'week 4 - week 1':>17}\n"
        f"{'arm':10} {'P@5':>6} {'P@10':>6} {'recall':>7} {'shown':>6} {'drop':>5}"
        f"   {'P@5':>6} {'P@10':>6} {'recall':>7} {'shown':>6} {'drop':>5}"
        f"   {'P@5':>5} {'P@10':>5} {'rec':>5}"
    )
    for arm in ARMS:
        w1, w4 = summarise(runs, arm, 0), summarise(runs, arm, WEEKS - 1)
        print(
            f"{arm:10} {w1.p5:6.3f} {w1.p10:6.3f} {w1.recall:7.3f} {w1.shown:6.2f} {w1.dropped:5.2f}"
            f"   {w4.p5:6.3f} {w4.p10:6.3f} {w4.recall:7.3f} {w4.shown:6.2f} {w4.dropped:5.2f}"
            f"   {w4.p5 - w1.p5:+5.3f} {w4.p10 - w1.p10:+5.3f} {w4.recall - w1.recall:+5.3f}"
        )
    control = summarise(runs, "control", WEEKS - 1)
    for arm in LEARNING_ARMS:
        w4 = summarise(runs, arm, WEEKS - 1)
        votes = statistics.fmean(summarise(runs, arm, w).votes for w in range(WEEKS))
        print(
            f"  {arm} vs control, week 4: P@5 {w4.p5 - control.p5:+.3f}, P@10 {w4.p10 - control.p10:+.3f},"
            f" recall {w4.recall - control.recall:+.3f}  ({votes:.0f} votes per channel per week)"
        )
        # The same difference seed by seed: is the gain there in every run, or only on average?
        spread = {
            name: [
                getattr(summarise([r], arm, WEEKS - 1), name)
                - getattr(summarise([r], "control", WEEKS - 1), name)
                for r in runs
            ]
            for name in ("p5", "p10", "recall")
        }
        print(
            "    per seed: " + ", ".join(f"{name} {min(v):+.3f}..{max(v):+.3f}" for name, v in spread.items())
        )
    for arm in ("control", "feedback"):
        weekly = " ".join(f"{summarise(runs, arm, w).p5:.3f}" for w in range(WEEKS))
        print(f"  P@5 week by week, {arm}: {weekly}")


def main() -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--seed", type=int, default=SEED, help="first seed; runs use seed, seed+1, …")
    options.add_argument("--seeds", type=int, default=SEEDS, help="independent runs to average")
    options.add_argument("--channels", type=int, default=CHANNELS)
    options.add_argument("--vote-rate", type=float, default=VOTE_RATE, help="chance a reader votes on a card")
    options.add_argument("--quick", action="store_true", help="one seed, no sparse-feedback run")
    args = options.parse_args()
    seeds = [args.seed + n for n in range(1 if args.quick else args.seeds)]
    started = time.perf_counter()
    taxonomy = builtin_taxonomy()
    vocab = vocabulary(taxonomy)

    print(f"machine: {machine()}")
    print(
        f"{len(weekdays(WEEKS))} weekday reports of {PAPERS_PER_DAY[0]}-{PAPERS_PER_DAY[1]} generated papers;"
        f" {args.channels} channels × {len(seeds)} seeds ({', '.join(map(str, seeds))});"
        f" digest = top {DEFAULT_DIGEST_SIZE}; {WRONG_VOTES:.0%} of votes wrong"
    )
    example = generate_report(START, 1, vocab, random.Random(args.seed))[0].paper
    print(f"a generated paper: {example.title!r}; area {example.domain!r}; keywords {list(example.keywords)}")
    scenarios = [(args.vote_rate, "dense")]
    if not args.quick:
        scenarios.append((SPARSE_VOTE_RATE, "sparse"))
    for vote_rate, label in scenarios:
        runs = []
        agreement: dict[str, float] = {}
        for seed in seeds:
            tallies, agreement = simulate(seed, args.channels, vote_rate, taxonomy, vocab)
            runs.append(tallies)
        if label == "dense":
            print(
                f"matcher vs generator (last seed): {agreement['topics found']:.1%} of true topics found,"
                f" {agreement['extra']:.1%} extra"
            )
        print()
        print_table(runs, f"{label} feedback: each reader votes on a card with p = {vote_rate}")
    print(f"\n{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
