"""Which papers a channel's topics and keywords select, and why.

A paper is about a topic when the evidence sits where a report says what the paper is:
the title and the application area weigh most, the one-line contribution next, the long
sections least. Evidence only in the usage notes or the results (a baseline, a benchmark
name, "3x faster") never reaches the threshold on its own, which is what keeps a channel
about RL from receiving every paper that mentions "reward".

Each paper is profiled against the whole taxonomy once; subscriptions then only pick from
the profile, so matching one report for ten thousand channels costs little more than one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.models import Interests, Paper
from bot.topics.area import split_area
from bot.topics.taxonomy import Taxonomy, Topic, compile_pattern, normalise

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
}
# Fields where a weak word ("video", "reward") counts, at half weight, beside strong evidence.
LEAD_FIELDS = frozenset({"title", "domain", "keywords"})
WEAK_FACTOR = 0.5
# A topic needs what a title or an area alone gives, or a contribution backed by the rest.
TOPIC_THRESHOLD = 3.0
# A keyword is the reader's own precise word: one mention where the paper describes itself
# (title, area, contribution, innovations) is enough; one in the results is not.
KEYWORD_THRESHOLD = 0.4
# ...but the results section alone names baselines ("beats GRPO by 3 points"), not methods.
_BASELINE_FIELDS = frozenset({"results"})
MAX_SCORE = sum(FIELD_WEIGHTS.values())
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
    },
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One field where a topic or keyword was found, and the words that were found."""

    field: str
    term: str
    strong: bool = True


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
    text: str  # normalised: what patterns see
    original: str  # as written (NFKC), to quote the words found back to the reader


def paper_fields(paper: Paper) -> list[FieldText]:
    """The paper's text per field, normalised for matching; empty fields left out."""
    area, area_rest = split_area(paper.domain)
    raw = [
        ("title", paper.title),
        ("domain", area),
        ("domain_rest", area_rest),
        ("keywords", "; ".join(paper.keywords)),
        ("contribution", paper.contribution),
        ("innovations", paper.innovations),
        ("summary", paper.summary),
        ("usage", paper.usage),
        ("results", paper.results),
    ]
    return [
        FieldText(name, normalise(text), unicodedata.normalize("NFKC", text))
        for name, text in raw
        if text.strip()
    ]


_LOOSE = r"[\s\-\u2010-\u2015_/·・]+"


def quote(found: str, original: str) -> str:
    """The words as the report wrote them ("Text-to-Video"), for the normalised match ("Text to Video")."""
    pattern = _LOOSE.join(re.escape(part) for part in found.split(" "))
    written = re.search(pattern, original)
    return written.group(0) if written else found


# A term right after "e.g." is an example of something else ("online RL (e.g. GRPO)"),
# not what the paper is about.
_EXAMPLE_BEFORE = re.compile(r"(?:例如|比如|如|e\.g\.,?|such as|for example,?)\s*[:：]?\s*$", re.IGNORECASE)


def _unvetoed(pattern: re.Pattern[str], text: str, vetoed: list[tuple[int, int]] = []) -> str | None:  # noqa: B006
    """The first match of `pattern` in `text` that is neither covered by a veto phrase nor an example."""
    for found in pattern.finditer(text):
        start, end = found.span()
        if any(v_start <= start and end <= v_end for v_start, v_end in vetoed):
            continue
        if _EXAMPLE_BEFORE.search(text, max(0, start - 12), start):
            continue
        return found.group(0)
    return None


def score_topic(topic: Topic, fields: Iterable[FieldText]) -> TermMatch | None:
    """The topic's match on one paper, or None when the evidence is below the threshold."""
    strong_score = weak_score = 0.0
    evidence: list[Evidence] = []
    for name, text, original in fields:
        vetoed = [m.span() for m in topic.veto.finditer(text)] if topic.veto else []
        term = _unvetoed(topic.strong, text, vetoed)
        if term is not None:
            strong_score += FIELD_WEIGHTS[name]
            evidence.append(Evidence(name, quote(term, original)))
        elif name in LEAD_FIELDS and topic.weak is not None:
            term = _unvetoed(topic.weak, text, vetoed)
            if term is not None:
                weak_score += FIELD_WEIGHTS[name] * WEAK_FACTOR
                evidence.append(Evidence(name, quote(term, original), strong=False))
    score = strong_score + weak_score
    if strong_score == 0 or score < TOPIC_THRESHOLD:
        return None
    return TermMatch(topic.id, "topic", round(score, 2), tuple(evidence))


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A free keyword as a pattern: whole words, any case, spaces or hyphens, plural allowed."""
    words = normalise(keyword).split(" ")
    escaped = [re.escape(word) for word in words]
    last = words[-1]
    if last.isascii() and last.isalpha() and len(last) > 2:
        # "world model" and "world models" are one interest, whichever the reader typed.
        singular = last[:-1] if last.endswith("s") and not last.endswith("ss") and len(last) > 3 else last
        escaped[-1] = re.escape(singular) + "(?:s|es)?"
    return re.compile(compile_pattern(" ".join(escaped).casefold()))


def score_keyword(keyword: str, pattern: re.Pattern[str], fields: Iterable[FieldText]) -> TermMatch | None:
    score = 0.0
    evidence: list[Evidence] = []
    for name, text, original in fields:
        term = _unvetoed(pattern, text)
        if term is not None:
            score += FIELD_WEIGHTS[name]
            evidence.append(Evidence(name, quote(term, original)))
    if score < KEYWORD_THRESHOLD or all(e.field in _BASELINE_FIELDS for e in evidence):
        return None
    return TermMatch(keyword, "keyword", round(score, 2), tuple(evidence))


@dataclass(slots=True)
class _Profile:
    paper: Paper
    position: int
    fields: list[FieldText]
    topics: dict[str, TermMatch]
    keywords: dict[str, TermMatch | None] = field(default_factory=dict)


class ReportMatcher:
    """One report's papers, profiled once against the taxonomy, ready for any number of channels."""

    def __init__(self, papers: Sequence[Paper], taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._profiles: list[_Profile] = []
        for position, paper in enumerate(papers):
            fields = paper_fields(paper)
            hits = {}
            for topic in taxonomy:
                hit = score_topic(topic, fields)
                if hit is not None:
                    hits[topic.id] = hit
            self._profiles.append(_Profile(paper, position, fields, hits))
        self._keyword_patterns: dict[str, re.Pattern[str]] = {}

    def topics_of(self, position: int) -> dict[str, TermMatch]:
        """Every topic a paper is about (for `/paper` lookups and the evaluation)."""
        return dict(self._profiles[position].topics)

    def match(self, interests: Interests) -> list[PaperMatch]:
        """The papers a channel with these interests receives, best first."""
        selected = []
        for profile in self._profiles:
            found = [profile.topics[t] for t in interests.topics if t in profile.topics]
            found.extend(m for k in interests.keywords if (m := self._keyword(profile, k)) is not None)
            if found:
                found.sort(key=lambda m: -m.score)
                selected.append(PaperMatch(profile.paper, profile.position, tuple(found)))
        selected.sort(key=lambda pm: (-pm.score, pm.position))
        return selected

    def _keyword(self, profile: _Profile, keyword: str) -> TermMatch | None:
        if keyword not in profile.keywords:
            pattern = self._keyword_patterns.get(keyword)
            if pattern is None:
                pattern = self._keyword_patterns[keyword] = keyword_pattern(keyword)
            profile.keywords[keyword] = score_keyword(keyword, pattern, profile.fields)
        return profile.keywords[keyword]
