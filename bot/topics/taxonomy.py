"""The built-in topics: loaded from `taxonomy.toml`, compiled once, looked up by any name."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any

from bot.errors import BadInputError
from bot.topics.traditional import to_simplified

if TYPE_CHECKING:  # the probes (and RE2) load with the first digest: a lookup needs neither
    from bot.topics.probe import TopicProbe

# Separators and whitespace, in any mix, become one space.
_GAPS = re.compile(r"[\s\-\u2010-\u2015_/·・]+")
_LATIN = re.compile(r"[A-Za-z0-9]")
_UPPER_ESCAPE = re.compile(r"\\[A-Z]")
# Whole words for Latin text; CJK text has no spaces, so CJK neighbours are not a boundary.
_BEFORE = r"(?<![A-Za-z0-9])"
_AFTER = r"(?![A-Za-z0-9])"


# Full-width ASCII (U+FF01–U+FF5E) and the ideographic space: what NFKC changes in almost
# every Chinese report, done by a table lookup.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def nfkc(text: str) -> str:
    """NFKC, fast for the usual case: after mapping full-width ASCII, most text already is."""
    text = text.translate(_FULL_WIDTH)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def normalise(text: str) -> str:
    """Text as patterns see it: NFKC (full-width to ASCII), separators as spaces, spaces collapsed."""
    return collapse(nfkc(text))


def collapse(text: str) -> str:
    """`normalise` for text already in NFKC."""
    return _GAPS.sub(" ", text).strip()


def name_key(name: str) -> str:
    """How a typed topic name is compared with the names in the taxonomy: traditional Chinese
    characters as their simplified forms (機器人 is 机器人), as the taxonomy writes them."""
    return to_simplified(normalise(name)).casefold()


def compile_pattern(pattern: str) -> str:
    """One evidence pattern as a regex fragment with its own case rule and word boundaries."""
    # " ?" is an optional space ("multi ?modal": multimodal, multi-modal); any other space is one
    # or more ("text to video" also matches "text-to-video", which normalising made "text to video").
    body = pattern.replace(" ?", "\x00").replace(" ", r"\s+").replace("\x00", r"\s*")
    case_sensitive = any(c.isupper() for c in pattern) and not any(c.islower() for c in pattern)
    if not case_sensitive:
        body = f"(?i:{body})"
    if _LATIN.search(pattern):
        body = f"{_BEFORE}{body}{_AFTER}"
    return body


def compile_probe(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """A fast superset of `compile_any(patterns)`, to run on lower-cased text first.

    Without per-pattern case flags and word-boundary look-arounds, the regex engine can skip
    ahead to likely starts; a field the probe misses cannot match the exact pattern, so the
    exact (slow) pattern only runs on the few fields the probe finds something in.
    """
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{pattern.lower()})" for pattern in patterns))


def compile_any(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{compile_pattern(p)})" for p in patterns))


@dataclass(frozen=True)
class Topic:
    """One subscribable topic. `strong`/`weak`/`veto` are compiled alternations (None when empty),
    compiled on first use: a lookup by a topic's name needs none of the ~700 patterns, and
    compiling them all took a third of a one-shot `paperbot lookup` (benchmarks/bench_startup.py)."""

    id: str
    name: str
    zh: tuple[str, ...]
    aliases: tuple[str, ...]
    strong_patterns: tuple[str, ...]
    weak_patterns: tuple[str, ...] = ()
    veto_patterns: tuple[str, ...] = ()

    @cached_property
    def strong(self) -> re.Pattern[str]:
        compiled = compile_any(self.strong_patterns)
        assert compiled is not None  # parse_taxonomy refuses a topic without strong patterns
        return compiled

    @cached_property
    def weak(self) -> re.Pattern[str] | None:
        return compile_any(self.weak_patterns)

    @cached_property
    def veto(self) -> re.Pattern[str] | None:
        return compile_any(self.veto_patterns)

    @cached_property
    def strong_probe(self) -> re.Pattern[str]:
        compiled = compile_probe(self.strong_patterns)
        assert compiled is not None
        return compiled

    @cached_property
    def weak_probe(self) -> re.Pattern[str] | None:
        return compile_probe(self.weak_patterns)

    def compile(self) -> tuple[re.Pattern[str] | None, ...]:
        """Every pattern, compiled now (a taxonomy file's test: a bad pattern fails here)."""
        return (self.strong, self.weak, self.veto, self.strong_probe, self.weak_probe)

    def label(self, locale: str = "en") -> str:
        """The name shown to a reader of `locale`."""
        return self.zh[0] if locale == "zh" and self.zh else self.name

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a user may type for this topic, canonical first."""
        return (self.name, self.id, *self.zh, *self.aliases)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "zh": list(self.zh), "aliases": list(self.aliases)}


class Taxonomy:
    """The topics, and every name they answer to."""

    def __init__(self, topics: list[Topic], acronyms: dict[str, str] | None = None) -> None:
        self.topics = tuple(topics)
        # A free keyword's other spellings: an acronym and its expansion find each other.
        self._spellings: dict[str, tuple[str, ...]] = {}
        for short, long in (acronyms or {}).items():
            for written, spelled in ((short, long), (long, short)):
                key = name_key(written)
                self._spellings[key] = (*self._spellings.get(key, ()), spelled)
        self._by_id = {topic.id: topic for topic in topics}
        self._by_name: dict[str, Topic] = {}
        for topic in topics:
            for name in topic.names:
                key = name_key(name)
                other = self._by_name.setdefault(key, topic)
                if other is not topic:
                    raise ValueError(f"topic name {name!r} is used by both {other.id} and {topic.id}")

    @cached_property
    def strong_probe(self) -> TopicProbe:
        """All topics' strong patterns as one probe (see bot/topics/probe.py)."""
        from bot.topics.probe import TopicProbe

        return TopicProbe(
            [(t.id, t.strong_patterns) for t in self.topics], [(t.id, t.strong_probe) for t in self.topics]
        )

    @cached_property
    def weak_probe(self) -> TopicProbe:
        from bot.topics.probe import TopicProbe

        return TopicProbe(
            [(t.id, t.weak_patterns) for t in self.topics], [(t.id, t.weak_probe) for t in self.topics]
        )

    def __iter__(self) -> Iterator[Topic]:
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)

    def get(self, topic_id: str) -> Topic:
        try:
            return self._by_id[topic_id]
        except KeyError:
            raise BadInputError(f"unknown topic id {topic_id!r}") from None

    def find(self, name: str) -> Topic | None:
        """The topic called `name` in any language or alias, or None."""
        return self._by_name.get(name_key(name))

    def spellings(self, keyword: str) -> tuple[str, ...]:
        """The other ways papers write a free keyword: "GRPO" is also "Group Relative Policy
        Optimization", and the other way round (the [acronyms] table of taxonomy.toml)."""
        return self._spellings.get(name_key(keyword), ())

    def name_keys(self) -> dict[str, Topic]:
        """Every typed-name key with its topic (for suggestions)."""
        return dict(self._by_name)


def _tuple(entry: dict[str, Any], key: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"topic {entry.get('id')!r}: {key} must be a list of non-empty strings")
    return tuple(value)


def parse_taxonomy(text: str) -> Taxonomy:
    """Build a taxonomy from TOML text (the packaged file, or a test's own)."""
    data = tomllib.loads(text)
    topics = []
    for entry in data.get("topic", []):
        if not _tuple(entry, "strong") or not entry.get("id") or not entry.get("name"):
            raise ValueError(f"topic {entry.get('id')!r} needs an id, a name and strong patterns")
        for pattern in (*_tuple(entry, "strong"), *_tuple(entry, "weak")):
            if _UPPER_ESCAPE.search(pattern):
                # \S, \W, \D … would change meaning when the probe lower-cases the pattern.
                raise ValueError(f"topic {entry['id']!r}: pattern {pattern!r} uses an upper-case escape")
        topics.append(
            Topic(
                id=entry["id"],
                name=entry["name"],
                zh=_tuple(entry, "zh"),
                aliases=_tuple(entry, "aliases"),
                strong_patterns=_tuple(entry, "strong"),
                weak_patterns=_tuple(entry, "weak"),
                veto_patterns=_tuple(entry, "veto"),
            )
        )
    acronyms = data.get("acronyms", {})
    if not isinstance(acronyms, dict) or not all(isinstance(v, str) and v for v in acronyms.values()):
        raise ValueError("acronyms must map each acronym to its spelled-out name")
    return Taxonomy(topics, acronyms)


@cache
def builtin_taxonomy() -> Taxonomy:
    """The taxonomy shipped inside the package (parsed and compiled once per process)."""
    text = resources.files("bot.topics").joinpath("taxonomy.toml").read_text(encoding="utf-8")
    return parse_taxonomy(text)
