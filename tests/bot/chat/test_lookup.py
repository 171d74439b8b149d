from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.paper_lookup import lookup
from bot.chat.query import DayQuery, MonthDayQuery, PaperQuery, TextQuery, parse_query, parse_week
from bot.errors import BadInputError, LocalisedInputError
from bot.i18n import t
from bot.models import Report
from bot.store.archive import Archive
from bot.store.terms import index_terms, tokenize
from bot.topics.taxonomy import Taxonomy
from tests.factories import make_paper

DAY = dt.date(2026, 4, 1)

PAPERS = (
    make_paper(
        "2604.00001",
        "Causal Forcing: Autoregressive Diffusion Distillation",
        domain="计算机视觉 - 视频生成",
        contribution="把双向视频扩散模型蒸馏为自回归生成器。",
    ),
    make_paper(
        "2604.00002",
        "Green-VLA: Staged Vision-Language-Action Model",
        domain="机器人学习",
        contribution="分阶段训练通用机器人策略，用强化学习微调。",
    ),
    make_paper(
        "2604.00003",
        "Rubric Rewards for Reasoning",
        domain="自然语言处理",
        contribution="用评分细则奖励模型训练推理模型。",
        results="在数学推理上超过 diffusion 基线。",
    ),
    make_paper(
        "2604.00004",
        "Sparse Attention for Long Context",
        domain="大模型推理加速",
        contribution="稀疏注意力降低长上下文成本，并给出 distillation 配方。",
    ),
)


@pytest.fixture
async def filled(archive: Archive) -> Archive:
    await archive.ingest(Report(DAY, PAPERS))
    return archive


async def ids(archive: Archive, query: str) -> list[str]:
    return [hit.arxiv_id for hit in await lookup(archive, query)]


@pytest.mark.parametrize(
    "query",
    [
        "2604.00002",
        "2604.00002v3",
        "arXiv:2604.00002",
        "https://huggingface.co/papers/2604.00002",
        "https://arxiv.org/abs/2604.00002v1",
        "https://arxiv.org/pdf/2604.00002.pdf",
        # Copied from an address bar without the scheme, or from a citation.
        "hf.co/papers/2604.00002",
        "huggingface.co/papers/2604.00002",
        "arxiv.org/abs/2604.00002v2",
        "10.48550/arXiv.2604.00002",
        "https://doi.org/10.48550/arXiv.2604.00002",
    ],
)
async def test_exact_paper_by_id_or_url(filled: Archive, query: str) -> None:
    assert await ids(filled, query) == ["2604.00002"]


async def test_authors_the_api_lists_are_searched(archive: Archive) -> None:
    from dataclasses import replace

    paper = replace(make_paper("2506.00001", "ProRL"), authors=("Mingjie Liu", "Shizhe Diao"))
    await archive.ingest(Report(DAY, (paper, *PAPERS)))
    assert await ids(archive, "Shizhe Diao") == ["2506.00001"]
    assert await ids(archive, "diao") == ["2506.00001"]


async def test_unknown_id_finds_nothing(filled: Archive) -> None:
    assert await ids(filled, "2604.09999") == []


async def test_title_words_rank_title_matches_first(filled: Archive) -> None:
    # "diffusion" and "distillation" appear in 00001's title, and only in the body of 00003/00004.
    assert (await ids(filled, "diffusion"))[0] == "2604.00001"
    assert await ids(filled, "diffusion distillation") == ["2604.00001"]


async def test_english_stemming(filled: Archive) -> None:
    assert await ids(filled, "rewarding") == ["2604.00003"]


async def test_chinese_words_from_sections(filled: Archive) -> None:
    assert await ids(filled, "视频生成") == ["2604.00001"]
    assert await ids(filled, "机器人") == ["2604.00002"]
    assert await ids(filled, "强化学习") == ["2604.00002"]


# A report written in traditional characters, as readers in Taiwan and Hong Kong write.
TRADITIONAL_PAPER = make_paper(
    "2604.00009",
    "Drones That Learn to Fly",
    domain="機器人學習 - 強化學習、無人機",
    contribution="以強化學習訓練無人機的飛行策略。",
)


@pytest.fixture
async def both_scripts(filled: Archive) -> Archive:
    await filled.ingest(Report(DAY + dt.timedelta(days=1), (TRADITIONAL_PAPER,)))
    return filled


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Typed in traditional characters: the simplified reports are found, as is the one
        # written in traditional characters (indexed as written), on either database.
        ("強化學習", {"2604.00002", "2604.00009"}),
        ("擴散模型", {"2604.00001"}),
        ("擴", {"2604.00001"}),
        ('"強化學習"', {"2604.00002", "2604.00009"}),
        ("強化學習 機器人", {"2604.00002", "2604.00009"}),
        # Typed in simplified characters: searched as typed (the common case pays nothing), so
        # the rare report written in traditional characters is not found by a lookup.
        ("强化学习", {"2604.00002"}),
        ("无人机", set()),
        # A phrase still needs its characters together, in whichever script.
        ("學習強化", set()),
    ],
)
async def test_chinese_in_traditional_characters_finds_papers_in_either_script(
    both_scripts: Archive, query: str, expected: set[str]
) -> None:
    assert set(await ids(both_scripts, query)) == expected


@pytest.mark.parametrize("query", ["强化学习 -無人機", "強化學習 -無人機", '強化學習 -"無人機"'])
async def test_an_excluded_word_leaves_out_papers_in_either_script(both_scripts: Archive, query: str) -> None:
    assert await ids(both_scripts, query) == ["2604.00002"]


async def test_a_topic_looked_up_in_traditional_characters_is_the_topic(both_scripts: Archive) -> None:
    from bot.topics.taxonomy import builtin_taxonomy

    found = [
        {hit.arxiv_id for hit in await lookup(both_scripts, typed, taxonomy=builtin_taxonomy())}
        for typed in ("强化学习", "強化學習")
    ]
    assert found[0]
    assert found[0] == found[1]


async def test_single_chinese_character(filled: Archive) -> None:
    assert await ids(filled, "蒸") == ["2604.00001"]


async def test_chinese_is_matched_as_a_phrase_not_as_characters(filled: Archive) -> None:
    # 视频 (video) and 生成 (generation) never stand next to each other in 00002.
    assert "2604.00002" not in await ids(filled, "视频生成")
    assert await ids(filled, "生成视频") == []


async def test_quoted_phrase_needs_adjacent_words(filled: Archive) -> None:
    assert await ids(filled, '"diffusion distillation"') == ["2604.00001"]
    assert await ids(filled, '"distillation diffusion"') == []


async def test_quoted_phrases_anywhere_in_the_query(filled: Archive) -> None:
    # Not one phrase from the first quote to the last: two phrases, a word and a phrase.
    assert set(await ids(filled, '"diffusion distillation" "sparse attention"')) == {
        "2604.00001",
        "2604.00004",
    }
    assert await ids(filled, 'autoregressive "diffusion distillation"') == ["2604.00001"]
    assert await ids(filled, 'rubric "distillation diffusion"') == ["2604.00003"]  # no phrase: either
    query = parse_query("Causal Forcing: “Autoregressive Diffusion” Distillation")
    assert isinstance(query, TextQuery)
    assert [len(term.tokens) for term in query.terms] == [1, 1, 2, 1]
    assert parse_query('"world model') == parse_query("world model")  # a quote left open


async def test_a_starred_word_is_a_prefix(filled: Archive) -> None:
    assert await ids(filled, "diffu*") == ["2604.00001", "2604.00003"]  # the title first
    assert await ids(filled, "autoregress*") == ["2604.00001"]
    # Longer than SQLite's porter stem of the word (`generation` is `gener` there).
    assert await ids(filled, "Distillat*") == ["2604.00001", "2604.00004"]
    assert await ids(filled, "causal forc*") == ["2604.00001"]
    query = parse_query("di* diffu*")
    assert isinstance(query, TextQuery)
    assert [term.prefix for term in query.terms] == [False, True]  # two letters are no prefix


async def test_falls_back_to_any_word_when_no_paper_has_all(filled: Archive) -> None:
    found = await ids(filled, "sparse robot")
    assert found[0] == "2604.00004"


async def test_mixed_language_query(filled: Archive) -> None:
    assert await ids(filled, "Green-VLA 机器人") == ["2604.00002"]


async def test_fts_operators_typed_by_users_are_plain_words(filled: Archive) -> None:
    assert await ids(filled, "attention OR NEAR AND NOT") == ["2604.00004"]
    assert await ids(filled, 'sparse" attention') == ["2604.00004"]


async def test_date_and_day_url_list_the_report(filled: Archive) -> None:
    assert await ids(filled, "2026-04-01") == [p.arxiv_id for p in PAPERS]
    assert await ids(filled, "https://huggingface.co/papers/date/2026-04-01") == [p.arxiv_id for p in PAPERS]
    assert await ids(filled, "huggingface.co/papers/date/2026-04-01") == [p.arxiv_id for p in PAPERS]
    assert await ids(filled, "2026-04-02") == []


async def test_limit(filled: Archive) -> None:
    assert len(await lookup(filled, "2026-04-01", limit=2)) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty query"),
        ("   ", "empty query"),
        ("!!! ???", "no words"),
        ("https://example.com/x", "not a paper link"),
        ("10.1145/3580305.3599456", "not an arXiv DOI"),
        ("https://doi.org/10.1145/3580305.3599456", "not an arXiv DOI"),
        ("2026-02-30", "invalid date"),
        ("x" * 600, "too long"),
    ],
)
async def test_bad_queries_are_clear_errors(filled: Archive, query: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        await lookup(filled, query)


def test_parse_query_kinds() -> None:
    assert parse_query(" 2604.00001v2 ") == PaperQuery("2604.00001")
    assert parse_query("2026-04-01") == DayQuery(DAY)
    # Typed on a Chinese keyboard: full-width digits and punctuation.
    assert parse_query("２６０４．００００１") == PaperQuery("2604.00001")
    assert parse_query("２０２６－０４－０１") == DayQuery(DAY)
    query = parse_query("“视频 生成”")
    assert isinstance(query, TextQuery)
    assert len(query.terms) == 1


@pytest.mark.parametrize(
    "typed",
    ["2026/04/01", "2026.4.1", "2026-4-1", "2026年4月1日", "2026 年 4 月 1 号", "20260401", "April 1, 2026",
     "1 Apr 2026", "1st of April 2026"],
)  # fmt: skip
def test_a_date_written_as_people_write_it_is_that_day(typed: str) -> None:
    assert parse_query(typed) == DayQuery(DAY)


def test_a_date_without_its_year_or_that_is_no_day() -> None:
    assert parse_query("4月1日") == parse_query("April 1") == parse_query("apr. 1st") == MonthDayQuery(4, 1)
    with pytest.raises(BadInputError, match="invalid date"):
        parse_query("2026/02/30")
    assert isinstance(parse_query("march madness"), TextQuery)
    assert isinstance(parse_query("marc 3"), TextQuery)


@pytest.mark.parametrize("typed", ["1.4.2026", "01.04.2026", "4/1/2026", "1-4-2026", "０１．０４．２０２６"])
def test_a_date_with_the_year_last_that_could_be_either_day_is_asked_about(typed: str) -> None:
    # 1 April or 4 January: the numbers cannot tell, so paperbot asks rather than guess (or, as
    # it did, search for papers holding "2026").
    with pytest.raises(BadInputError) as raised:
        parse_query(typed)
    assert str(raised.value) == (
        f"{unicodedata.normalize('NFKC', typed)!r} could be 2026-01-04 or 2026-04-01: "
        "write the day you mean as YYYY-MM-DD"
    )
    assert isinstance(raised.value, LocalisedInputError)
    chinese = t(raised.value.key, "zh", **raised.value.values)
    assert "可能是 2026-01-04，也可能是 2026-04-01" in chinese
    # The week around it too.
    with pytest.raises(BadInputError, match="could be 2026-01-04 or 2026-04-01"):
        parse_week(f"week of {typed}")


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("20.11.2026", dt.date(2026, 11, 20)),  # day first: there is no month 20
        ("11/20/2026", dt.date(2026, 11, 20)),  # month first
        ("20-11-2026", dt.date(2026, 11, 20)),
        ("5/5/2026", dt.date(2026, 5, 5)),  # either way the same day
        ("31.12.2026", dt.date(2026, 12, 31)),
        ("29/2/2028", dt.date(2028, 2, 29)),
    ],
)
def test_a_date_with_the_year_last_that_only_one_day_fits_is_that_day(typed: str, day: dt.date) -> None:
    assert parse_query(typed) == DayQuery(day)


@pytest.mark.parametrize("typed", ["13/13/2026", "31/02/2026", "29.02.2027", "1/13/0000"])
def test_a_date_with_the_year_last_that_no_day_fits_is_invalid(typed: str) -> None:
    with pytest.raises(BadInputError, match=f"invalid date '{re.escape(typed)}'"):
        parse_query(typed)


async def test_a_day_without_its_year_is_the_last_such_day(engine: AsyncEngine) -> None:
    archive = Archive(engine, clock=lambda: dt.datetime(2027, 3, 5, tzinfo=dt.UTC))
    await archive.ingest(Report(DAY, PAPERS))
    assert await ids(archive, "4月1日") == [p.arxiv_id for p in PAPERS]  # 2026's: 2027's is to come
    assert await ids(archive, "April 1") == [p.arxiv_id for p in PAPERS]


def test_cjk_terms_are_ascii_bigrams() -> None:
    assert index_terms("视频生成 Video") == "z1pc61zv3 z1zv31an9 z1an90x40 z0x40 video"
    assert [len(t.tokens) for t in tokenize("强化学习 RL")] == [3, 1]


async def test_ranking_window_keeps_title_matches_and_prefers_recent(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.store.search

    monkeypatch.setattr(bot.store.search, "RANK_WINDOW", 2)
    titled = make_paper("2604.00100", "Widget Theory", contribution="无关内容。")
    bodies = [
        make_paper(f"2604.{n:05d}", f"Paper {n}", contribution=f"widget 应用 {n}") for n in range(101, 106)
    ]
    await archive.ingest(Report(DAY, (titled,)))
    await archive.ingest(Report(DAY + dt.timedelta(days=1), tuple(bodies)))
    found = await ids(archive, "widget")
    # The title match comes first although it is the oldest and outside the window of the
    # most recent matches; the other matches that come next are the most recent ones.
    assert found[0] == "2604.00100"
    assert set(found[1:3]) == {"2604.00104", "2604.00105"}


async def test_order_is_title_then_application_area_then_elsewhere(archive: Archive) -> None:
    in_title = make_paper("2604.00201", "Gizmo Networks", domain="计算机视觉", contribution="无关。")
    in_domain = make_paper("2604.00202", "Something Else", domain="gizmo 机器人", contribution="无关。")
    elsewhere = make_paper("2604.00203", "Another Thing", domain="语音", contribution="提到 gizmo 一次。")
    # Archived newest-last, so recency alone would put them in the reverse order.
    for day, paper in enumerate((in_title, in_domain, elsewhere)):
        await archive.ingest(Report(DAY + dt.timedelta(days=day), (paper,)))
    assert await ids(archive, "gizmo") == ["2604.00201", "2604.00202", "2604.00203"]


@pytest.mark.parametrize(
    ("query", "reads"),
    [("2604.00002", 0), ("https://arxiv.org/abs/2604.00002", 0), ("2026-04-01", 0), ("latest", 0),
     ("distillation", 1), ("强化学习", 1), ("diffusion -survey", 1)],
)  # fmt: skip
async def test_the_topics_are_read_only_for_a_query_of_words(filled: Archive, query: str, reads: int) -> None:
    """Issue 17: `paperbot lookup 2611.01003` read taxonomy.toml, most of its work, for a query
    that cannot name a topic. Given a function, lookup calls it only for words."""
    from bot.topics.taxonomy import builtin_taxonomy

    calls = []

    def topics() -> Taxonomy:
        calls.append(query)
        return builtin_taxonomy()

    hits = await lookup(filled, query, taxonomy=topics)
    assert len(calls) == reads
    assert [hit.arxiv_id for hit in hits] == [
        hit.arxiv_id for hit in await lookup(filled, query, taxonomy=builtin_taxonomy())
    ]
