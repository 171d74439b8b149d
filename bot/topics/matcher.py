"""Which papers a channel's topics and keywords select, and why.

A paper is about a topic when the evidence sits where a report says what the paper is:
the title and the application area weigh most, the one-line contribution next, the long
sections least. Evidence only in the usage notes or the results (a baseline, a benchmark
name, "3x faster") never reaches the threshold on its own, which is what keeps a channel
about RL from receiving every paper that mentions "reward".

Papers from the Hugging Face API carry other evidence than a report's sections: an English title,
AI keywords, a one-sentence AI summary and the abstract. Their field profile (`ABSTRACT_PROFILE`)
weighs those for what they are: the abstract and the AI summary say what a paper also touches
("evaluated on benchmarks", "improves reasoning"), the title and the AI keywords what it is.

Each paper is profiled against the whole taxonomy once; subscriptions then only pick from
the profile, so matching one report for ten thousand channels costs little more than one.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.models import Interests, Paper
from bot.topics.area import split_area
from bot.topics.taxonomy import Taxonomy, Topic, collapse, compile_pattern, nfkc, normalise
from bot.topics.traditional import folded, to_simplified

# How much evidence in each field counts. The report's structure is the signal: the area
# and title are written to say what a paper is about; the usage and results sections
# mention datasets, baselines and hardware that say nothing about the topic.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "domain": 3.0,  # the first items of the application area: what the paper is
    "domain_rest": 2.0,  # its later items: what it also touches
    "keywords": 1.5,  # Hugging Face API `ai_keywords`
    "contribution": 2.0,
    "innovations": 1.0,
    "summary": 1.0,  # Hugging Face API abstract
    "usage": 0.4,
    "results": 0.4,
    "extra": 0.4,  # a digest's other labelled parts (核心关键词, Comments): read, but lightly
}


@dataclass(frozen=True, slots=True)
class FieldProfile:
    """How much evidence each field of one kind of paper counts (one matcher, one profile per
    kind of source: see `profile_for`)."""

    weights: dict[str, float]
    # What the paper's one-line `contribution` is under this profile: a report's contribution
    # section, or an API item's AI summary (a field of its own, named so in reasons).
    contribution_field: str = "contribution"


REPORT_PROFILE = FieldProfile(FIELD_WEIGHTS)
# A paper with an abstract and no report sections (a Hugging Face API item): its title and AI
# keywords name what it is; its one-line summary (`contribution`: the AI summary, else the
# abstract's first sentence) says so too, but also what it was evaluated on ("achieves strong
# results on reasoning benchmarks"); the abstract mentions everything the paper touches, so it
# only ever adds to other evidence. Measured on the labelled API items (benchmarks/eval_topics.py).
ABSTRACT_PROFILE = FieldProfile(
    {**FIELD_WEIGHTS, "title": 3.0, "keywords": 2.0, "summary_line": 2.0, "summary": 0.5},
    contribution_field="summary_line",
)
_REPORT_SECTIONS = ("domain", "innovations", "usage", "results")


def profile_for(paper: Paper) -> FieldProfile:
    """The abstract profile for a paper that has none of a report's sections but an abstract or
    AI keywords (the API's items, saved answers, digests that only quote the abstract)."""
    if any(getattr(paper, name) for name in _REPORT_SECTIONS):
        return REPORT_PROFILE
    return ABSTRACT_PROFILE if paper.summary or paper.keywords else REPORT_PROFILE


# Fields where a weak word ("video", "reward") counts, at half weight, beside strong evidence.
# (An API item's one-line summary says what the paper is, as a report's area does.)
LEAD_FIELDS = frozenset({"title", "domain", "keywords", "summary_line"})
WEAK_FACTOR = 0.5
# A topic needs what a title or an area alone gives, or a contribution backed by the rest...
TOPIC_THRESHOLD = 3.0
# ...and strong evidence in at least one field that says what the paper is (title, area,
# contribution): a topic found only in the long sections is mentioned in passing, whatever
# generic words ("video", "reward") the title holds.
SUBJECT_WEIGHT = 2.0
# A keyword is the reader's own precise word: one mention where the paper describes itself
# (title, area, contribution, innovations) is enough; one in the results is not.
KEYWORD_THRESHOLD = 0.4
# ...but the results section alone names baselines ("beats GRPO by 3 points"), not methods, and
# a digest's extra notes (authors, venues) say nothing of the method either.
_BASELINE_FIELDS = frozenset({"results", "extra"})
# Scores shown to readers are a share of what a paper with every report field could reach; the
# extra text of other digests' papers is left out so that adding it changed no score.
MAX_SCORE = sum(weight for name, weight in FIELD_WEIGHTS.items() if name != "extra")
MAX_REASON_TERMS = 3

FIELD_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "title",
        "domain": "area",
        "domain_rest": "area",
        "keywords": "keywords",
        "contribution": "contribution",
        "innovations": "innovations",
        "summary": "abstract",
        "usage": "usage",
        "results": "results",
        "extra": "other notes",
        "summary_line": "summary",
    },
    "zh": {
        "title": "标题",
        "domain": "应用领域",
        "domain_rest": "应用领域",
        "keywords": "关键词",
        "contribution": "核心贡献",
        "innovations": "创新点",
        "summary": "摘要",
        "usage": "使用指南",
        "results": "实验效果",
        "extra": "其他说明",
        "summary_line": "一句话总结",
    },
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One field where a topic or keyword was found, and the words that were found."""

    field: str
    found: str  # the match in the normalised text
    source: str  # the field as written, to quote the match back to the reader
    strong: bool = True

    @property
    def term(self) -> str:
        """The words as the report wrote them (worked out only when a reason is shown)."""
        return quote(self.found, self.source)


@dataclass(frozen=True, slots=True)
class TermMatch:
    """A subscribed topic or keyword that selected a paper."""

    key: str  # topic id, or the keyword as typed
    kind: str  # "topic" | "keyword"
    score: float
    evidence: tuple[Evidence, ...]

    def reason(self, locale: str = "en") -> str:
        """`matched "RL" in title and area, "GRPO" in contribution` (or its Chinese): the strong
        evidence, most telling fields first, at most `MAX_REASON_TERMS` different words."""
        labels = FIELD_LABELS["zh" if locale == "zh" else "en"]
        by_term: dict[str, list[str]] = {}
        shown: dict[str, str] = {}
        strong = [item for item in self.evidence if item.strong] or list(self.evidence)
        for item in strong:
            if item.term.casefold() not in by_term and len(by_term) == MAX_REASON_TERMS:
                continue
            folded = item.term.casefold()
            shown.setdefault(folded, item.term)
            fields = by_term.setdefault(folded, [])
            if labels[item.field] not in fields:  # the area's two parts are one field to a reader
                fields.append(labels[item.field])
        if locale == "zh":
            parts = [f"{'、'.join(fields)}命中「{shown[t]}」" for t, fields in by_term.items()]
            return "，".join(parts)
        parts = [f'"{shown[t]}" in {_and(fields)}' for t, fields in by_term.items()]
        return "matched " + ", ".join(parts)


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True, slots=True)
class PaperMatch:
    """A selected paper with everything that selected it, strongest first."""

    paper: Paper
    position: int  # order in the report, the tie-breaker
    matches: tuple[TermMatch, ...]

    @property
    def score(self) -> float:
        return round(sum(m.score for m in self.matches), 2)


class FieldText(NamedTuple):
    name: str
    # normalised, traditional characters folded to simplified ones: what patterns see (the
    # taxonomy and keywords are compared folded too, so 強化學習 in a paper is 强化学习)
    text: str
    original: str  # as written (NFKC), to quote the words found back to the reader
    lower: str  # `text` lower-cased, for the fast probes
    weight: float  # what evidence here counts, by the paper's profile


def paper_fields(paper: Paper, profile: FieldProfile | None = None) -> list[FieldText]:
    """The paper's text per field, normalised for matching and weighed by its profile (default:
    `profile_for(paper)`); empty fields left out."""
    profile = profile or profile_for(paper)
    weights = profile.weights
    area, area_rest = split_area(paper.domain)
    raw = [
        ("title", paper.title),
        ("domain", area),
        ("domain_rest", area_rest),
        ("keywords", "; ".join(paper.keywords)),
        (profile.contribution_field, paper.contribution),
        ("innovations", paper.innovations),
        ("summary", paper.summary),
        ("usage", paper.usage),
        ("results", paper.results),
        ("extra", paper.extra),
    ]
    if paper.original_title:
        # A translated title and its original are one title: evidence in either counts once.
        raw[0] = ("title", f"{paper.title}\n{paper.original_title}")
    fields = []
    for name, text in raw:
        if text.strip():
            original = nfkc(text)
            normalised = folded(collapse(original))
            fields.append(FieldText(name, normalised, original, normalised.lower(), weights[name]))
    # Heaviest first, which lets score_topic stop early (see there).
    fields.sort(key=lambda f: -f.weight)
    return fields


_LOOSE = r"[\s\-\u2010-\u2015_/·・]+"


def quote(found: str, original: str) -> str:
    """The words as the report wrote them ("Text-to-Video", "強化學習"), for the normalised match
    ("Text to Video", "强化学习")."""
    pattern = _LOOSE.join(re.escape(part) for part in found.split(" "))
    # Folding keeps every character's place (one character for one), so the place of the match
    # in the folded text is its place in the text as written.
    written = re.search(pattern, folded(original))
    return original[written.start() : written.end()] if written else found


# A term right after "e.g." is an example of something else ("online RL (e.g. GRPO)"),
# not what the paper is about.
_EXAMPLE_BEFORE = re.compile(r"(?:例如|比如|如|e\.g\.,?|such as|for example,?)\s*[:：]?\s*$", re.IGNORECASE)
_EXAMPLE_REACH = len("for example, : ")


def _unvetoed(
    pattern: re.Pattern[str],
    text: str,
    vetoed: Sequence[tuple[int, int]] = (),
    start_at: int = 0,
) -> str | None:
    """The first match of `pattern` in `text` from `start_at` that is neither covered by a veto
    phrase nor an example."""
    for found in pattern.finditer(text, start_at):
        start, end = found.span()
        if any(v_start <= start and end <= v_end for v_start, v_end in vetoed):
            continue
        if _EXAMPLE_BEFORE.search(text, max(0, start - _EXAMPLE_REACH), start):
            continue
        return found.group(0)
    return None


def score_topic(
    topic: Topic, fields: Sequence[FieldText], probed: Sequence[tuple[bool, bool]] | None = None
) -> TermMatch | None:
    """The topic's match on one paper, or None when the evidence is below the threshold.

    `probed` says, per field, whether the topic's strong and weak probes found anything
    (ReportMatcher asks all topics at once); without it each field is probed here.
    """
    strong_score = weak_score = 0.0
    evidence: list[Evidence] = []
    # Fields come heaviest first; once even full marks in the rest could not reach the
    # threshold, the long sections at the end need not be read at all.
    remaining = sum(f.weight for f in fields)
    on_subject = False
    for index, (name, text, original, lower, weight) in enumerate(fields):
        if strong_score + weak_score + remaining < TOPIC_THRESHOLD:
            return None
        if weight < SUBJECT_WEIGHT and not on_subject:
            return None
        remaining -= weight
        if probed is not None:
            strong_seen, weak_seen = probed[index]
        else:
            strong_seen = topic.strong_probe.search(lower) is not None
            weak_seen = topic.weak_probe is not None and topic.weak_probe.search(lower) is not None
        weak_seen = weak_seen and name in LEAD_FIELDS
        if not strong_seen and not weak_seen:
            continue
        vetoed = [m.span() for m in topic.veto.finditer(text)] if topic.veto else []
        term = None
        if strong_seen and (probe := topic.strong_probe.search(lower)) is not None:
            # The exact pattern is slow to scan with; nothing can match before the probe's
            # first hit. (lower() rarely changes a length; when it did, start at 0.)
            start_at = probe.start() if len(lower) == len(text) else 0
            term = _unvetoed(topic.strong, text, vetoed, start_at)
        if term is not None:
            strong_score += weight
            on_subject = on_subject or weight >= SUBJECT_WEIGHT
            evidence.append(Evidence(name, term, original))
        elif weak_seen and topic.weak is not None:
            term = _unvetoed(topic.weak, text, vetoed)
            if term is not None:
                weak_score += weight * WEAK_FACTOR
                evidence.append(Evidence(name, term, original, strong=False))
    score = strong_score + weak_score
    if not on_subject or score < TOPIC_THRESHOLD:
        return None
    return TermMatch(topic.id, "topic", round(score, 2), tuple(evidence))


def _keyword_words(keyword: str) -> tuple[list[str], bool]:
    """The keyword's words, the last made singular, and whether a plural may follow it."""
    words = to_simplified(normalise(keyword)).lower().split(" ")
    last = words[-1]
    if last.isascii() and last.isalpha() and len(last) > 2:
        # "world model" and "world models" are one interest, whichever the reader typed.
        if last.endswith("s") and not last.endswith("ss") and len(last) > 3:
            words[-1] = last[:-1]
        return words, True
    return words, False


def _one_pattern(form: str) -> str:
    words, plural = _keyword_words(form)
    escaped = [re.escape(word) for word in words]
    if plural:
        escaped[-1] += "(?:s|es)?"
    return compile_pattern(" ".join(escaped))


def keyword_pattern(keyword: str, *spellings: str) -> re.Pattern[str]:
    """A free keyword as a pattern: whole words, any case, spaces or hyphens, plural allowed;
    its other `spellings` (Taxonomy.spellings) match too."""
    return re.compile("|".join(f"(?:{_one_pattern(form)})" for form in (keyword, *spellings)))


def keyword_probes(keyword: str, *spellings: str) -> tuple[str, ...]:
    """Substrings one of which every text matching the keyword's pattern contains (lower-cased)."""
    return tuple(" ".join(_keyword_words(form)[0]) for form in (keyword, *spellings))


def score_keyword(
    keyword: str,
    pattern: re.Pattern[str],
    fields: Iterable[FieldText],
    probes: Sequence[str] | None = None,
) -> TermMatch | None:
    """The keyword's match on one paper. `probes` (see keyword_probes) skip fields cheaply."""
    score = 0.0
    evidence: list[Evidence] = []
    for name, text, original, lower, weight in fields:
        if probes is not None and not any(probe in lower for probe in probes):
            continue
        term = _unvetoed(pattern, text)
        if term is not None:
            score += weight
            evidence.append(Evidence(name, term, original))
    if score < KEYWORD_THRESHOLD or all(e.field in _BASELINE_FIELDS for e in evidence):
        return None
    return TermMatch(keyword, "keyword", round(score, 2), tuple(evidence))


_NONE: dict[int, int] = {}


@dataclass(slots=True)
class _Profile:
    paper: Paper
    position: int
    fields: list[FieldText]
    topics: dict[str, TermMatch]


class ReportMatcher:
    """One report's papers, profiled once against the taxonomy, ready for any number of channels.

    Profiling builds an index from each topic to the papers about it; a keyword is looked up
    across all papers the first time any channel follows it. A channel's selection then only
    touches the papers its topics and keywords point at, and channels with the same interests
    share one answer.
    """

    def __init__(self, papers: Sequence[Paper], taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._profiles: list[_Profile] = []
        self._scale = len(papers) + 1  # see select()
        self._topic_keys: dict[str, dict[int, int]] = {}
        for position, paper in enumerate(papers):
            fields = paper_fields(paper)
            # One probe per field finds every topic that could match there; a topic with
            # nothing in the subject fields cannot match at all (score_topic requires it).
            strong = [taxonomy.strong_probe.candidates(f.lower) for f in fields]
            weak = [
                taxonomy.weak_probe.candidates(f.lower) if f.name in LEAD_FIELDS else set() for f in fields
            ]
            subject = set().union(
                *(found for f, found in zip(fields, strong, strict=True) if f.weight >= SUBJECT_WEIGHT)
            )
            hits = {}
            for topic in taxonomy:
                if topic.id not in subject:
                    continue
                probed = [(topic.id in s, topic.id in w) for s, w in zip(strong, weak, strict=True)]
                hit = score_topic(topic, fields, probed)
                if hit is not None:
                    hits[topic.id] = hit
                    self._topic_keys.setdefault(topic.id, {})[position] = self._weight(hit.score)
            self._profiles.append(_Profile(paper, position, fields, hits))
        # Every paper's text in one string, so a keyword's probe is one C-level scan for the
        # whole report; `_starts` maps an offset back to its paper.
        # (The results section is left out: a keyword found only there never selects a paper.)
        texts = [
            "\n".join(f.lower for f in profile.fields if f.name not in _BASELINE_FIELDS)
            for profile in self._profiles
        ]
        self._all_text = "\x00".join(texts)
        self._starts = list(itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
        self._by_keyword: dict[str, dict[int, TermMatch]] = {}
        self._keyword_weights: dict[str, dict[int, int]] = {}
        self._selections: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[int, ...]] = {}
        self._excluding: dict[tuple[tuple[str, ...], ...], tuple[int, ...]] = {}

    def topics_of(self, position: int) -> dict[str, TermMatch]:
        """Every topic a paper is about (for `/paper` lookups and the evaluation)."""
        return dict(self._profiles[position].topics)

    def select(self, interests: Interests) -> tuple[int, ...]:
        """Positions of the papers a channel with these interests receives, best first
        (highest summed score; report order among equals)."""
        topics, keywords = interests.topics, interests.keywords
        if interests.excluded_topics or interests.excluded_keywords:  # (no property call: hot path)
            return self._select_excluding(interests)
        key = (topics, keywords)  # tuples hash in C; channels often agree
        cached = self._selections.get(key)
        if cached is not None:
            return cached
        # Sort keys are integers: position minus score-in-hundredths times (papers + 1), so
        # one C-level sort orders by score, then position, with no float ties and no lambda.
        keyword_weights = [self._keyword_keys(keyword) for keyword in keywords] if keywords else []
        if keywords and not any(keyword_weights):
            # Today's report holds none of the channel's keywords: it gets what its topics
            # alone select, which channels following the same topics share.
            selection = self._selections.get((topics, ())) or self.select(Interests(topics))
        else:
            keys: dict[int, int] = {}
            get = keys.get
            for topic_id in interests.topics:
                for position, weight in self._topic_keys.get(topic_id, _NONE).items():
                    keys[position] = get(position, position) + weight
            for weights in keyword_weights:
                for position, weight in weights.items():
                    keys[position] = get(position, position) + weight
            selection = tuple(sorted(keys, key=keys.__getitem__))
        self._selections[key] = selection
        return selection

    def _select_excluding(self, interests: Interests) -> tuple[int, ...]:
        """`select` without the papers about an excluded topic or keyword (by the same rules
        that would select them: a paper that merely mentions "survey" in its results stays)."""
        key = (interests.topics, interests.keywords, interests.excluded_topics, interests.excluded_keywords)
        cached = self._excluding.get(key)
        if cached is None:
            left_out: set[int] = set()
            for topic_id in interests.excluded_topics:
                left_out.update(self._topic_keys.get(topic_id, _NONE))
            for keyword in interests.excluded_keywords:
                left_out.update(self._keyword_hits(keyword))
            wanted = self.select(Interests(interests.topics, interests.keywords))
            cached = self._excluding[key] = tuple(p for p in wanted if p not in left_out)
        return cached

    def _weight(self, score: float) -> int:
        return -round(score * 100) * self._scale

    def _keyword_keys(self, keyword: str) -> dict[int, int]:
        weights = self._keyword_weights.get(keyword)
        if weights is None:
            hits = self._keyword_hits(keyword)
            weights = self._keyword_weights[keyword] = {p: self._weight(m.score) for p, m in hits.items()}
        return weights

    def match(self, interests: Interests) -> list[PaperMatch]:
        """The papers a channel with these interests receives, best first, with what selected each."""
        selected = []
        for position in self.select(interests):
            profile = self._profiles[position]
            found = [profile.topics[t] for t in interests.topics if t in profile.topics]
            found.extend(
                hits[position] for k in interests.keywords if position in (hits := self._keyword_hits(k))
            )
            found.sort(key=lambda m: -m.score)
            selected.append(PaperMatch(profile.paper, position, tuple(found)))
        return selected

    def _keyword_hits(self, keyword: str) -> dict[int, TermMatch]:
        hits = self._by_keyword.get(keyword)
        if hits is None:
            hits = {}
            spellings = self.taxonomy.spellings(keyword)
            probes, pattern = keyword_probes(keyword, *spellings), None
            scored: set[int] = set()
            for probe in probes:
                found = self._all_text.find(probe) if probe else -1
                while found != -1:
                    position = bisect.bisect_right(self._starts, found) - 1
                    if position not in scored:
                        scored.add(position)
                        pattern = pattern or keyword_pattern(keyword, *spellings)
                        match = score_keyword(keyword, pattern, self._profiles[position].fields, probes)
                        if match is not None:
                            hits[position] = match
                    # Continue after this paper: its fields have all been scored.
                    next_paper = (
                        self._starts[position + 1]
                        if position + 1 < len(self._starts)
                        else len(self._all_text)
                    )
                    found = self._all_text.find(probe, next_paper)
            self._by_keyword[keyword] = dict(sorted(hits.items()))
        return hits
