"""The message catalogue (bot/i18n.py): every key in both languages with the same placeholders,
and a caller's mistakes answered in the caller's language (LocalisedInputError)."""

from __future__ import annotations

import re
import string

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import COMMAND_LIST, CommandContext, handle_invocation, handle_paper_command
from bot.chat.query import parse_query
from bot.chat.subscribing import parse_digest_setting, parse_time, parse_timezone
from bot.errors import BadInputError, LocalisedInputError
from bot.i18n import MESSAGES, aside, join_list, labelled, locale_of_text, quoted, t
from bot.models import ChannelRef
from bot.reports.sources.local import LocalSource
from bot.runtime.config import SAMPLE_REPORT
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.topics.resolve import resolve_terms
from bot.topics.taxonomy import builtin_taxonomy

CHANNEL = ChannelRef("slack", "T1", "C-i18n")


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_has_both_languages_with_the_same_placeholders(key: str) -> None:
    texts = MESSAGES[key]
    assert set(texts) == {"en", "zh"}, key
    assert texts["en"].strip()
    assert texts["zh"].strip()
    assert placeholders(texts["en"]) == placeholders(texts["zh"]), key
    for locale in ("en", "zh"):
        values: dict[str, object] = {name: f"<{name}>" for name in placeholders(texts[locale])}
        if "count" in values:  # singular|plural forms are chosen by `count`
            values["count"] = 2
            assert t(key, locale, **values)
        else:  # a "|" is then part of the text: `/paper language en|zh`
            assert t(key, locale, **values) == texts[locale].format(**values)


def test_a_localised_error_reads_as_before_in_english() -> None:
    with pytest.raises(LocalisedInputError) as caught:
        parse_time("25:00")
    assert str(caught.value) == "bad time '25:00': use HH:MM on a 24-hour clock, e.g. 09:30"
    assert isinstance(caught.value, BadInputError)  # the CLI's exit status 2 is unchanged
    assert caught.value.key == "error.bad_time"
    in_chinese = t(caught.value.key, "zh", **caught.value.values)
    assert in_chinese == "时间「25:00」无效：请用 24 小时制的 HH:MM（例如 09:30），或写成 21点、下午3点半"
    suggestion = r"unknown time zone 'Asia/Shanghia' — did you mean \"Asia/Shanghai\"\?"
    with pytest.raises(BadInputError, match=suggestion):
        parse_timezone("Asia/Shanghia")
    unknown = r"^unknown setting 'colour': use size, min-upvotes, order, images or layout$"
    with pytest.raises(BadInputError, match=unknown):
        parse_digest_setting("colour", "red")
    with pytest.raises(BadInputError, match=r"^keyword '!!!' has no letters or digits$"):
        resolve_terms('"!!!"', builtin_taxonomy())
    with pytest.raises(BadInputError, match=r"^the query holds no words to search for$"):
        parse_query("!!!")


@pytest.fixture
async def ctx(engine: AsyncEngine) -> CommandContext:
    archive = Archive(engine)
    await archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    return CommandContext(archive, SubscriptionStore(engine), builtin_taxonomy(), CHANNEL, user="U1")


# A Chinese caller's mistakes: a bad time, a bad topic, a bad command (a setting that does not
# exist, a date that is not one, a cadence nobody has), each answered in Chinese.
CHINESE_MISTAKES = {
    "定时 25:00": "时间「25:00」无效：请用 24 小时制的 HH:MM（例如 09:30），或写成 21点、下午3点半",
    "定时 09:00 火星/首都": "未知时区「火星/首都」"
    "（请用 IANA 名称，例如 Asia/Shanghai，或城市名，例如 北京、纽约、旧金山、伦敦）",
    '订阅 "!!!"': "关键词「!!!」不含字母或数字",
    "订阅 “视频生成": "「“视频生成」中的引号 “ 没有闭合",
    "设置 颜色 红": "未知设置「颜色」：请用 数量、最少点赞、排序、图片 或 布局",
    "设置 数量 100": "数量必须在 1 到 50 之间",
    "频率 每月": "未知频率「每月」：请用 每天、工作日 或 每周 周几",
    "日报 明年": "「明年」不是日期（请用 YYYY-MM-DD、昨天或上周）",
}


@pytest.mark.parametrize(("typed", "answer"), CHINESE_MISTAKES.items())
async def test_a_chinese_caller_s_mistakes_are_answered_in_chinese(
    ctx: CommandContext, typed: str, answer: str
) -> None:
    await handle_paper_command(ctx, "subscribe RL")  # so that settings and the digest apply
    reply = await handle_paper_command(ctx, typed)
    assert reply.error
    assert reply.locale == "zh"
    assert reply.text == answer


async def test_the_platform_s_language_wins_over_the_typed_one(ctx: CommandContext) -> None:
    from dataclasses import replace

    await handle_paper_command(ctx, "subscribe RL")
    chinese = replace(ctx, locale="zh")
    assert (await handle_invocation(chinese, "schedule", "25:00")).text.startswith("时间「25:00」无效")
    english = replace(ctx, locale="en")
    reply = await handle_paper_command(english, "定时 25:00")
    assert reply.text == "bad time '25:00': use HH:MM on a 24-hour clock, e.g. 09:30"
    # A lookup's mistake, typed by someone whose platform says Chinese.
    assert (await handle_invocation(chinese, "lookup", "!!!")).text == "检索内容中没有可查找的词语"
    assert locale_of_text("!!!") == "en"


async def test_usage_lines_with_alternatives_are_shown_whole(ctx: CommandContext) -> None:
    # "|" separates singular and plural only in a text counted by `count`.
    assert (await handle_paper_command(ctx, "language")).text == "Usage: /paper language en|zh"
    assert (await handle_paper_command(ctx, "频率")).text == "用法：/paper 频率 每天 | 工作日 | 每周 周五"
    assert t("paper.count", "en", count=1) == "1 paper"
    assert t("paper.count", "en", count=3) == "3 papers"


async def test_why_an_arxiv_id_is_impossible_is_said_in_the_caller_s_language(ctx: CommandContext) -> None:
    from dataclasses import replace

    chinese = await handle_paper_command(replace(ctx, locale="zh"), "2613.00001")
    assert (chinese.error, chinese.text) == (True, "「2613.00001」不可能是 arXiv 编号：不存在第 13 月")
    english = await handle_paper_command(replace(ctx, locale="en"), "1401.12345")
    assert (
        english.text
        == "'1401.12345' is not a possible arXiv id: five-digit numbers start in January 2015 (1501)"
    )


# An ASCII comma, semicolon, colon or bracket touching Chinese text reads as a typo to a Chinese
# reader: Chinese lists take 、, clauses ，；, labels ：, asides （）; and its dash is two long (——).
ASCII_BESIDE_CHINESE = re.compile(
    r"[\u3400-\u9fff][,;:!?)]|[,;:!?(] ?[\u3400-\u9fff]|[\u3400-\u9fff] ?\(|(?<!—)—(?!—)"
)


def chinese_texts() -> dict[str, str]:
    texts = {key: texts["zh"] for key, texts in MESSAGES.items()}
    texts |= {f"help {command.verb}": command.help[1] for command in COMMAND_LIST}
    texts |= {f"usage {command.verb}": command.usage("zh") for command in COMMAND_LIST}
    return texts


@pytest.mark.parametrize(("key", "text"), sorted(chinese_texts().items()))
def test_chinese_text_is_punctuated_as_chinese(key: str, text: str) -> None:
    assert ASCII_BESIDE_CHINESE.search(text) is None, f"{key}: {text}"


def test_lists_quotes_and_labels_follow_the_reader_s_language() -> None:
    assert join_list(["RL", "agents"], "en") == "RL, agents"
    assert join_list(["强化学习", "智能体"], "zh") == "强化学习、智能体"
    assert quoted("world model", "en") == '"world model"'
    assert quoted("world model", "zh") == "「world model」"
    assert labelled("Topics", "RL", "en") == "Topics: RL"
    assert labelled("主题", "强化学习", "zh") == "主题：强化学习"
    assert aside("yesterday", "2026-12-05", "en") == "yesterday (2026-12-05)"
    assert aside("昨天", "2026-12-05", "zh") == "昨天（2026-12-05）"


async def test_a_chinese_subscription_reply_lists_its_topics_the_chinese_way(ctx: CommandContext) -> None:
    reply = await handle_paper_command(ctx, "订阅 强化学习，视频生成，“world model”")
    assert reply.text.startswith("订阅成功。本频道现在订阅：强化学习、视频生成、「world model」。"), (
        reply.text
    )
    listing = (await handle_paper_command(ctx, "列表")).text
    assert listing.startswith("本频道订阅：强化学习、视频生成、「world model」\n"), listing


@pytest.mark.parametrize(("key", "text"), sorted(chinese_texts().items()))
def test_chinese_text_addresses_the_reader_one_way(key: str, text: str) -> None:
    # One way: 23 messages said 你 (every personal-digest reply among them) and 8 said 您, so a
    # reader was 你 in one reply and 您 in the next. 你 is how chat apps address their users.
    assert "您" not in text, f"{key}: {text}"
