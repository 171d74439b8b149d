"""From what a user typed (`RL, 视频生成 "world model"`) to topic ids and keywords.

One parser serves `/paper subscribe`, `/paper unsubscribe`, `paperbot preview --topics` and
`subscriptions import`, so a list means the same thing everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.errors import BadInputError, LocalisedInputError
from bot.models import Interests
from bot.text import without_unsafe
from bot.topics.taxonomy import Taxonomy, name_key, normalise
from bot.topics.traditional import to_simplified

_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "'": "'", "‘": "’"}
# What separates the terms of a list (completion finds the last term by them too).
TERM_SEPARATORS = frozenset(",，、;；")
# A typed name this close to a topic name is a typo, not a new keyword (rapidfuzz ratio, 0-100).
SUGGEST_SCORE = 80
# A Chinese name one character away from a topic's is a typo from this many characters on.
MIN_CJK_TYPO_LENGTH = 3
MAX_TERMS = 25
MAX_KEYWORD_LENGTH = 60


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    quoted: bool = False
    excluded: bool = False  # written with a leading minus: `-survey`, `-"medical imaging"`


# A minus that starts a term (at the start, or after a space or separator) excludes it; one
# inside a word (`self-supervised`) is part of the word. ASCII, full-width and the minus sign.
_MINUS = frozenset("-－−")


class UnknownTopicError(BadInputError):
    """A name that looks like a misspelt topic: the user gets a suggestion instead of a keyword."""

    def __init__(self, term: str, suggestion: str) -> None:
        self.term = term
        self.suggestion = suggestion
        super().__init__(
            f'unknown topic "{term}" — did you mean "{suggestion}"? '
            "(to follow it as a keyword, put it in quotes)"
        )


def split_terms(text: str) -> list[Term]:
    """Split on commas (ASCII, full-width, 、) and semicolons; quoted text is one keyword; a
    leading minus (`-survey`, `agents -"medical"`) marks a term to exclude and starts a new term."""
    terms: list[Term] = []
    current: list[str] = []
    # Whether `current` holds only spaces: kept as it grows, as joining it again at every
    # character made a long text (a paste of thousands of characters) take seconds.
    blank = True
    excluded = False

    def flush() -> None:
        nonlocal excluded, blank
        word = " ".join("".join(current).split())
        if word:
            terms.append(Term(word, excluded=excluded))
        current.clear()
        excluded, blank = False, True

    i = 0
    while i < len(text):
        char = text[i]
        starts_term = blank or text[i - 1].isspace()
        if char in _MINUS and starts_term and i + 1 < len(text) and not text[i + 1].isspace():
            flush()
            excluded = True
            i += 1
            continue
        if char in _QUOTES:
            close = text.find(_QUOTES[char], i + 1)
            if close == -1:
                raise LocalisedInputError("error.unclosed_quote", char=char, text=text)
            minus = excluded and blank
            if not minus:
                flush()
            quoted = " ".join(text[i + 1 : close].split())
            if quoted:
                terms.append(Term(quoted, quoted=True, excluded=minus))
            current.clear()
            excluded, blank = False, True
            i = close + 1
            continue
        if char in TERM_SEPARATORS:
            flush()
        else:
            current.append(char)
            blank = blank and char.isspace()
        i += 1
    flush()
    return terms


def resolve_terms(text: str | list[str], taxonomy: Taxonomy) -> Interests:
    """Topic ids and keywords from a typed list; raises BadInputError (or UnknownTopicError)."""
    terms = split_terms(text) if isinstance(text, str) else [t for item in text for t in split_terms(item)]
    if not terms:
        raise LocalisedInputError("error.no_terms")
    if len(terms) > MAX_TERMS:
        raise LocalisedInputError("error.too_many_terms", count=len(terms), max=MAX_TERMS)
    topics: dict[bool, list[str]] = {False: [], True: []}  # by "excluded"
    keywords: dict[bool, list[str]] = {False: [], True: []}
    for term in terms:
        if term.quoted:
            _add(keywords[term.excluded], _keyword(term.text))
            continue
        found = _topics_in(term.text, taxonomy)
        if found is not None:
            for topic_id in found:
                _add(topics[term.excluded], topic_id)
            continue
        suggestion = suggest(term.text, taxonomy)
        if suggestion is not None:
            raise UnknownTopicError(term.text, suggestion)
        _add(keywords[term.excluded], _keyword(term.text))
    return Interests(tuple(topics[False]), tuple(keywords[False]), tuple(topics[True]), tuple(keywords[True]))


def _add(items: list[str], item: str) -> None:
    # Matching ignores case, so "World Model" and "world model" are one keyword.
    if item.casefold() not in {existing.casefold() for existing in items}:
        items.append(item)


def normalise_keyword(text: str) -> str:
    """A free keyword as stored: normalised spacing and width; raises BadInputError when unusable."""
    return _keyword(text)


def _keyword(text: str) -> str:
    # A keyword is shown in the channel's public digest every day ("Following: …", a card's
    # topics): it loses what the archive never lets into report text (bidi overrides that turn
    # the rest of the line around, terminal escapes).
    keyword = normalise(without_unsafe(text))
    if len(keyword) > MAX_KEYWORD_LENGTH:
        raise LocalisedInputError("error.keyword_too_long", length=len(keyword), max=MAX_KEYWORD_LENGTH)
    if not any(c.isalnum() for c in keyword):
        raise LocalisedInputError("error.keyword_no_letters", text=text)
    return keyword


# "And" between two Chinese names: `强化学习和视频生成` names two topics as `强化学习、视频生成` does
# (when each part is one: `生成与编辑` stays a keyword, and `语音与音频` is a name of its own).
_CONJUNCTION = re.compile(r"(?<=[\u3400-\u9fff])(?:以及|和|与|及)(?=[\u3400-\u9fff])")
# The same in English, a word of its own between two names: `RL and agents`, `RL & video
# generation` (a name holding one stays whole: `speech & audio` is a topic's, found first).
_AND_WORDS = frozenset({"and", "&", "+"})


def _topics_in(text: str, taxonomy: Taxonomy) -> list[str] | None:
    """The topic the whole text names, or the topics its words name one after another
    (`RL video generation` without a comma, `RL and agents`, `强化学习和视频生成`), or None when
    some word is not a topic."""
    whole = taxonomy.find(text)
    if whole is not None:
        return [whole.id]
    # Folded first, as names are compared: 與 is 与 (`強化學習與視頻生成`).
    words = _CONJUNCTION.sub(" ", to_simplified(normalise(text))).split(" ")
    if len(words) < 2:
        return None
    found: list[str] = []
    start = 0
    # No name is longer than the taxonomy's longest: trying every run of words from each start
    # made `RL RL RL …` (600 words, a long paste) take seconds of CPU, holding every other command.
    longest = max(len(key.split(" ")) for key in taxonomy.name_keys())
    while start < len(words):
        for end in range(min(len(words), start + longest), start, -1):  # longest name first
            topic = taxonomy.find(" ".join(words[start:end]))
            if topic is not None:
                found.append(topic.id)
                start = end
                break
        else:
            if not (found and words[start].casefold() in _AND_WORDS and start + 1 < len(words)):
                return None
            start += 1  # `and` between two names
    return found


def suggest(text: str, taxonomy: Taxonomy) -> str | None:
    """The topic name closest to a misspelt one, if any is close enough."""
    names = taxonomy.name_keys()
    typed = name_key(text)
    best = process.extractOne(typed, list(names), scorer=fuzz.ratio, score_cutoff=SUGGEST_SCORE)
    key = best[0] if best is not None else None
    if key is None and len(typed) >= MIN_CJK_TYPO_LENGTH and _is_cjk(typed):
        # A Chinese name is a few characters, so one wrong character scores 67 (智能提 for 智能体)
        # or 75, under the cutoff, though as plainly a typo. Two-character names stay exact:
        # one character apart they are often other words (推荐 and 推理 are both topics).
        chinese = (name for name in names if len(name) >= MIN_CJK_TYPO_LENGTH and _is_cjk(name))
        key = next((name for name in chinese if Levenshtein.distance(typed, name, score_cutoff=1) <= 1), None)
    if key is None:
        return None
    topic = names[key]
    # Suggest the spelling the user was aiming at (an alias, or a Chinese name), not the id.
    return next((name for name in topic.names if name_key(name) == key), topic.name)


def _is_cjk(key: str) -> bool:
    """Whether a name is written in CJK characters (spaces and ASCII letters aside: 3D视觉)."""
    return sum("\u3400" <= char <= "\u9fff" for char in key) * 2 > len(key.replace(" ", ""))
