"""The index's tokens: `index_terms` (fast, for ingest) says exactly what `tokenize` (for queries)
says, or a query would miss what the index holds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.store.terms import index_terms, tokenize


def reference(text: str) -> str:
    return " ".join(token for term in tokenize(text, for_index=True) for token in term.tokens)


# Text made of what reports are made of: Latin words and digits, CJK runs of every indexed
# range, punctuation, full-width characters, accented and other-script letters, separators.
PIECES = st.sampled_from(
    ["a", "Z", "7", "gpt4", "ab12", " ", "-", "_", "。", "，", "Ａ", "é", "ß", "İ", "α", "\u0000", "\n"]
)
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF) | st.sampled_from(
    ["の", "テ", "한", "국", "㐀", "豈", "ヿ"]
)


@given(st.lists(PIECES | CJK, max_size=40).map("".join))
def test_index_terms_are_the_tokens_tokenize_gives(text: str) -> None:
    assert index_terms(text) == reference(text)


def test_index_terms_on_mixed_text() -> None:
    mixed = ["", "模", "模型", "AI模型GPT4训练", "ÉCOLE 模型 ß", "x  y", "日本語のテキスト", "한국어 text"]
    for text in mixed:
        assert index_terms(text) == reference(text), text
    assert index_terms("视频生成 Video") == "z1pc61zv3 z1zv31an9 z1an90x40 z0x40 video"


def test_a_query_term_matches_the_text_in_either_script() -> None:
    traditional, simplified = tokenize("強化學習")[0], tokenize("强化学习")[0]
    # Typed in traditional characters, the simplified text is a variant (the index holds text as
    # written); typed in simplified ones, it is searched as typed, at no extra cost.
    assert traditional.variants == (simplified.tokens,)
    assert simplified.variants == ()
    assert tokenize("強化學習", for_index=True)[0].variants == ()
    # A lone character stays a prefix in each script.
    assert tokenize("擴")[0].prefix
    assert tokenize("擴")[0].variants == (tokenize("扩")[0].tokens,)
    # Text that reads the same in both, and English, has none.
    assert tokenize("模型")[0].variants == ()
    assert tokenize("diffusion")[0].variants == ()


def test_a_phrase_carries_its_words_in_either_script() -> None:
    from bot.store.terms import phrase

    term = phrase("強化學習 agent")
    assert term.tokens == (*tokenize("強化學習")[0].tokens, "agent")
    assert term.variants == ((*tokenize("强化学习")[0].tokens, "agent"),)
    assert phrase("world model").variants == ()


def test_every_indexed_character_is_spelled_as_queries_spell_it() -> None:
    # index_terms translates through a table made at once (terms._index_spellings), queries
    # spell each character as met (terms._spell): the two agree on every character, CJK or not.
    from bot.store.terms import _RANGES, _index_spellings, _spell

    table = _index_spellings()
    cjk = {code for low, high in _RANGES for code in range(low, high + 1)}
    for code, written in enumerate(table):
        assert written == (f"{_spell(code)} z{_spell(code)}" if code in cjk else code), hex(code)
