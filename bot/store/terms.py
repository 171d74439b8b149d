"""Search terms: the one tokenisation that both the index and the queries use.

English words are kept as lower-case words (the database's stemmer does the rest). Chinese,
Japanese and Korean text has no spaces, so each run of CJK characters becomes overlapping
bigrams — the classic CJK indexing scheme — which lets a phrase of any length match as a
sequence of adjacent bigrams. Each CJK character is spelled in four characters, three base-36
digits and a decimal one (its place among the CJK characters indexed), and a CJK token is `z`
and the spelled characters: a plain ASCII word that every database tokenizer, whatever its
locale, sees whole, and that no stemmer shortens, nor a prefix query's stemmer (every token and
every prefix ends in a digit: porter's suffixes are all letters, and PostgreSQL reads a word
with digits as a `numword`, which its `english` configuration leaves unstemmed). SQLite FTS5 and
PostgreSQL full-text search then index the very same terms. A bigram takes 9 characters (13,
in zero-padded decimal code points, until migration 0011).

The archive stores no copy of these terms: SQLite's contentless FTS5 tables and PostgreSQL's
`search_vector` are written from them, and removing a paper's old terms from a contentless FTS5
table recomputes them from its stored text. So a change to this tokenisation needs a migration
that rebuilds both indexes (as 0011 does).

Chinese is written in two scripts: 强化学习 in the (mostly simplified) reports, 強化學習 as readers
in Taiwan and Hong Kong type it. The index holds text as written, so a query's CJK term typed in
traditional characters carries its simplified form too (`Term.variants`, folded by
bot/topics/traditional.py) and matches either. Folding the query, not the index, needs no
rebuild, and a report written in traditional characters is still found as typed. Not the other
way: a simplified query is searched as typed, so the common case costs nothing more (the reverse,
measured on PostgreSQL, made every Chinese lookup 5–11% slower at p50 and 15–35% at p95, for the
rare report written in traditional characters; digests still match such a report, as
bot/topics/matcher.py folds the paper's text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import islice

from bot.topics.traditional import to_simplified

# CJK Unified Ideographs (+ extension A), kana, Hangul, CJK compatibility ideographs.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]")


@dataclass(frozen=True, slots=True)
class Term:
    """One unit of a query: a word, or a sequence of adjacent CJK tokens (a phrase)."""

    tokens: tuple[str, ...]
    # A lone CJK character matches every bigram that starts with it.
    prefix: bool = False
    # The tokens of the same text in simplified characters, which may match instead (a query's
    # CJK text typed in traditional ones only: see `written_forms`).
    variants: tuple[tuple[str, ...], ...] = ()

    @property
    def is_phrase(self) -> bool:
        return len(self.tokens) > 1


# The CJK ranges above, in order, numbered consecutively: 39,472 characters, spelled as their
# place // 10 in three base-36 digits (46,656 > 3,948) and their place % 10 in a decimal one.
_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF))
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _spell(code_point: int) -> str:
    place = 0
    for low, high in _RANGES:
        if low <= code_point <= high:
            place += code_point - low
            break
        place += high - low + 1
    else:
        raise ValueError(f"not an indexed CJK character: {chr(code_point)!r}")
    high = place // 10
    return _BASE36[high // 1296] + _BASE36[high // 36 % 36] + _BASE36[high % 36] + str(place % 10)


class _Spellings(dict[int, str]):
    """Code point → its four characters, for str.translate: filled as characters are met."""

    def __missing__(self, code_point: int) -> str:
        spelled = self[code_point] = _spell(code_point)
        return spelled


_SPELLINGS = _Spellings()


def _encode(chars: str) -> str:
    return "z" + chars.translate(_SPELLINGS)


def _cjk_term(run: str, *, for_index: bool) -> Term:
    if len(run) == 1:
        return Term((_encode(run),), prefix=not for_index)
    spelled = run.translate(_SPELLINGS)
    # Each bigram is eight spelled characters, starting every four.
    tokens = ["z" + spelled[i : i + 8] for i in range(0, len(spelled) - 4, 4)]
    if for_index:
        # The last character also stands alone, so that a one-character query (a prefix
        # match on bigrams) finds it at the end of a run too.
        tokens.append("z" + spelled[-4:])
    return Term(tuple(tokens))


def written_forms(text: str) -> list[str]:
    """The other way Chinese `text` is written that the archive holds most: in simplified
    characters (as far as bot/topics/traditional.py knows them); none for simplified text."""
    simplified = to_simplified(text)
    return [simplified] if simplified != text else []


def tokenize(text: str, *, for_index: bool = False) -> list[Term]:
    """Split text into terms: one per word, one phrase per CJK run. A query's CJK run (not
    `for_index`) also matches its other written forms."""
    terms: list[Term] = []
    for found in _TOKEN.finditer(text.casefold()):
        run = found.group(0)
        if _CJK_RUN.match(run):
            term = _cjk_term(run, for_index=for_index)
            if not for_index and (forms := written_forms(run)):
                variants = tuple(_cjk_term(form, for_index=False).tokens for form in forms)
                term = replace(term, variants=variants)
            terms.append(term)
        else:
            terms.append(Term((run,)))
    return terms


def phrase(text: str) -> Term:
    """The words of `text` as one term: they must stand together, in this order (a quoted
    phrase, a topic's name), in any of its written forms."""
    tokens = _phrase_tokens(text)
    forms = (_phrase_tokens(form) for form in written_forms(text))
    return Term(tokens, variants=tuple(dict.fromkeys(form for form in forms if form != tokens)))


def _phrase_tokens(text: str) -> tuple[str, ...]:
    return tuple(token for term in tokenize(text) for token in term.tokens)


def _index_spellings() -> list[str | int]:
    """Code point → what `index_terms` writes for it, for str.translate: a CJK character as
    "S zS" (S its four spelled characters), any other character of the Basic Multilingual Plane
    as itself (beyond it, str.translate's lookup fails and keeps the character). A list, not a
    dict filled as characters are met: indexed by the code point, it translates a paper's text
    in 70% of the time (issue 17, 19 µs a paper); made when a process first indexes, in ~10 ms."""
    table: list[str | int] = list(range(0x10000))
    # _spell's spellings, in the order of the places they stand for.
    spellings = (f"{a}{b}{c}{d}" for a in _BASE36 for b in _BASE36 for c in _BASE36 for d in "0123456789")
    for low, high in _RANGES:
        table[low : high + 1] = [f"{spelled} z{spelled}" for spelled in islice(spellings, high - low + 1)]
    return table


_index_table: list[str | int] | None = None
# The token separator while index_terms works: a character that no token holds.
_SEP = "\x00"
# What a CJK run's first character leaves before its first bigram: "S " right after a separator.
_RUN_HEAD = re.compile(_SEP + "[0-9a-z]{4} ")


def index_terms(text: str) -> str:
    """The space-separated tokens the index holds for `text`: those of `tokenize(text,
    for_index=True)` (tests/bot/store/test_terms.py holds the two equal), made in a few C-level
    passes, since ingest makes them for every paper (issue 17).

    Each CJK character is translated to "S zS", so a run ABC reads "SA zSASB zSBSC zSC": its
    bigrams and its last character alone, after a stray "SA " that the run's first character
    left and that is then cut."""
    global _index_table
    if _index_table is None:
        _index_table = _index_spellings()
    joined = _SEP + _SEP.join(_TOKEN.findall(text.casefold()))
    spelled = _RUN_HEAD.sub(_SEP, joined.translate(_index_table))
    return spelled[1:].replace(_SEP, " ")


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None
