from __future__ import annotations

import pytest

from bot.errors import BadInputError
from bot.models import Interests
from bot.topics.resolve import MAX_TERMS, Term, UnknownTopicError, resolve_terms, split_terms, suggest
from bot.topics.taxonomy import Topic, builtin_taxonomy

TAXONOMY = builtin_taxonomy()


def test_chat_arguments_split_on_commas_of_both_languages_and_keep_quotes_whole() -> None:
    assert split_terms('RL, 视频生成 "world model"') == [
        Term("RL"),
        Term("视频生成"),
        Term("world model", quoted=True),
    ]
    assert split_terms("强化学习，智能体、机器人; robotics") == [
        Term("强化学习"),
        Term("智能体"),
        Term("机器人"),
        Term("robotics"),
    ]
    assert split_terms("“扩散 蒸馏”, 「长视频」") == [Term("扩散 蒸馏", True), Term("长视频", True)]
    with pytest.raises(BadInputError, match="unclosed quote"):
        split_terms('RL, "world model')


def test_names_in_any_language_resolve_to_one_topic_and_keywords_stay_keywords() -> None:
    interests = resolve_terms('RL, 视频生成 "world model", GRPO, reinforcement learning', TAXONOMY)
    assert interests == Interests(("reinforcement-learning", "video-generation"), ("world model", "GRPO"))


def test_space_separated_topic_names_are_split_when_every_part_is_a_topic() -> None:
    assert resolve_terms("RL video generation", TAXONOMY).topics == (
        "reinforcement-learning",
        "video-generation",
    )
    # Not every word is a topic: the whole is one keyword phrase.
    assert resolve_terms("diffusion distillation", TAXONOMY) == Interests((), ("diffusion distillation",))


def test_a_misspelt_topic_gets_a_suggestion_instead_of_silently_becoming_a_keyword() -> None:
    with pytest.raises(UnknownTopicError) as caught:
        resolve_terms("RL, agnets", TAXONOMY)
    assert caught.value.term == "agnets"
    assert caught.value.suggestion == "agents"
    assert suggest("强化学", TAXONOMY) == "强化学习"
    # One wrong Chinese character (fuzzy ratios of 67 and 75, under the English cutoff).
    assert suggest("智能提", TAXONOMY) == "智能体"
    assert suggest("视频生城", TAXONOMY) == "视频生成"
    # Two characters one apart are often another word; and two wrong are not a typo.
    assert suggest("对话", TAXONOMY) is None
    assert suggest("视屏声成", TAXONOMY) is None
    assert suggest("vidoe generation", TAXONOMY) == "video generation"
    assert suggest("GRPO", TAXONOMY) is None
    # Quoting is how a reader insists on the keyword.
    assert resolve_terms('"agnets"', TAXONOMY) == Interests((), ("agnets",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        (" , ，", "empty"),
        ('"!!!"', "no letters"),
        ('"' + "x" * 61 + '"', "too long"),
        (", ".join(f"kw{i}" for i in range(MAX_TERMS + 1)), "too many"),
    ],
)
def test_bad_lists_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        resolve_terms(text, TAXONOMY)


def test_duplicates_collapse_and_order_is_kept() -> None:
    interests = resolve_terms("智能体, agents, RL, 强化学习, GRPO, GRPO", TAXONOMY)
    assert interests == Interests(("agents", "reinforcement-learning"), ("GRPO",))


def test_a_keyword_loses_bidi_overrides_and_control_characters() -> None:
    # Shown in the channel's public digest every morning: U+202E turned the rest of its
    # "Following: …" line around; ESC sequences reached a console's terminal.
    # A NUL, which no database text can hold, goes the same way (an import no longer refuses it).
    interests = resolve_terms('"world\u202e model", "x\x1b[2Jy", -"sur\u2066vey\u2069", "a\x00b"', TAXONOMY)
    assert interests == Interests((), ("world model", "x[2Jy", "ab"), (), ("survey",))
    with pytest.raises(BadInputError, match="no letters"):
        resolve_terms('"\u202e\x07"', TAXONOMY)


@pytest.mark.parametrize(
    ("typed", "topics"),
    [
        # `强化学习和视频生成` was one keyword that no paper says: the channel got nothing.
        ("强化学习和视频生成", ("reinforcement-learning", "video-generation")),
        ("强化学习与视频生成", ("reinforcement-learning", "video-generation")),
        ("机器人及强化学习", ("robotics", "reinforcement-learning")),
        ("强化学习以及目标跟踪", ("reinforcement-learning", "perception")),
        ("语音与音频", ("speech-audio",)),  # a name with 与 in it stays that name
    ],
)
def test_chinese_and_between_two_topic_names_names_both(typed: str, topics: tuple[str, ...]) -> None:
    assert resolve_terms(typed, TAXONOMY) == Interests(topics)


@pytest.mark.parametrize(
    ("typed", "topics"),
    [
        # `RL and agents` was the keyword "RL and agents"; `RL & video generation` was refused as a
        # misspelt "video generation".
        ("RL and agents", ("reinforcement-learning", "agents")),
        ("RL & video generation", ("reinforcement-learning", "video-generation")),
        ("agents + RL and robotics", ("agents", "reinforcement-learning", "robotics")),
        ("speech & audio", ("speech-audio",)),  # a name with & in it stays that name
        ("RL and speech & audio", ("reinforcement-learning", "speech-audio")),
    ],
)
def test_english_and_between_two_topic_names_names_both(typed: str, topics: tuple[str, ...]) -> None:
    assert resolve_terms(typed, TAXONOMY) == Interests(topics)


@pytest.mark.parametrize("typed", ["rock and roll", "RL and", "and RL", "RL and rock"])
def test_and_beside_what_is_no_topic_stays_a_keyword(typed: str) -> None:
    assert resolve_terms(typed, TAXONOMY).keywords == (typed,)


def test_chinese_and_inside_a_keyword_keeps_the_keyword() -> None:
    assert resolve_terms("生成与编辑", TAXONOMY) == Interests((), ("生成与编辑",))


def test_a_long_run_of_topic_names_is_read_in_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """`RL RL RL …` of 600 words took 4.7 s of CPU (every run of words from each start was looked
    up, each joined anew), holding the event loop and every other command. Counted, not timed:
    the names looked up grow with the words, not with their square."""
    looked_up: list[str] = []
    find = TAXONOMY.find

    def counting(name: str) -> Topic | None:
        looked_up.append(name)
        return find(name)

    monkeypatch.setattr(TAXONOMY, "find", counting)
    assert resolve_terms("RL " * 600, TAXONOMY) == Interests(("reinforcement-learning",))
    assert len(looked_up) < 600 * 10
    looked_up.clear()
    assert resolve_terms("reinforcement learning and video generation", TAXONOMY) == Interests(
        ("reinforcement-learning", "video-generation")
    )


def test_splitting_a_long_text_keeps_its_minus_and_quote_rules() -> None:
    # The split re-joined everything typed so far at every character: 34,000 characters took
    # 2.8 s. What it tracks instead must still tell a leading minus from one inside a word.
    terms = split_terms("self-supervised " * 3000 + '-"medical", a -b, "x"')
    assert [term.text[:16] for term in terms] == ["self-supervised ", "medical", "a", "b", "x"]
    assert [term.excluded for term in terms] == [False, True, False, True, False]
