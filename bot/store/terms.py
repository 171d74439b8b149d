"""Search terms: the one tokenisation that both the index and the queries use.

English words are kept as lower-case words (the database's stemmer does the rest). Chinese,
Japanese and Korean text has no spaces, so each run of CJK characters becomes overlapping
bigrams — the classic CJK indexing scheme — which lets a phrase of any length match as a
sequence of adjacent bigrams. Each CJK character is spelled as a zero-padded decimal code
point behind a `z`, so that every database tokenizer, whatever its locale, sees a plain
ASCII word: SQLite FTS5 and PostgreSQL full-text search then index the very same terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

    @property
    def is_phrase(self) -> bool:
        return len(self.tokens) > 1


def _encode(chars: str) -> str:
    return "z" + "".join(f"{ord(char):06d}" for char in chars)


def _cjk_term(run: str, *, for_index: bool) -> Term:
    if len(run) == 1:
        return Term((_encode(run),), prefix=not for_index)
    tokens = [_encode(run[i : i + 2]) for i in range(len(run) - 1)]
    if for_index:
        # The last character also stands alone, so that a one-character query (a prefix
        # match on bigrams) finds it at the end of a run too.
        tokens.append(_encode(run[-1]))
    return Term(tuple(tokens))


def tokenize(text: str, *, for_index: bool = False) -> list[Term]:
    """Split text into terms: one per word, one phrase per CJK run."""
    terms: list[Term] = []
    for found in _TOKEN.finditer(text.casefold()):
        run = found.group(0)
        if _CJK_RUN.match(run):
            terms.append(_cjk_term(run, for_index=for_index))
        else:
            terms.append(Term((run,)))
    return terms


def index_terms(text: str) -> str:
    """The space-separated tokens stored in the index for `text`."""
    return " ".join(token for term in tokenize(text, for_index=True) for token in term.tokens)


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None
