"""What the labels in a digest mean: section names and metadata keys, in Chinese, English and Korean.

Digests label a paper's parts in their own words (应用领域, 主要工作, What's New, Technical Details,
핵심 기여, 实验结果 …). Each label maps onto one of the paper's fields by meaning: the five report
sections, or `summary` for an abstract. One table holds every exact name; a second, shorter table
holds the words a longer label is recognised by ("本文工作的主要亮点" holds 亮点), used only where the
markup says a label stands there (a heading, a bold label), never for a plain sentence.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Exact names (compared case-folded, without numbering, emphasis, emoji or a trailing colon).
_EXACT: dict[str, tuple[str, ...]] = {
    "domain": (
        "应用领域",
        "应用方向",
        "研究领域",
        "领域",
        "方向",
        "研究方向",
        "分类",
        "类别",
        "赛道",
        "application area",
        "application areas",
        "application domain",
        "application",
        "applications",
        "domain",
        "area",
        "field",
        "category",
        "categories",
        "track",
        "topic",
        "topics",
        "research area",
        "분야",
        "응용 분야",
        "연구 분야",
        "트랙",
        "카테고리",
    ),
    "contribution": (
        "一句话核心贡献",
        "一句话贡献",
        "一句话要点",
        "核心贡献",
        "一句话总结",
        "主要贡献",
        "主要工作",
        "本文主要工作",
        "本文的主要工作",
        "核心思路一句话",
        "先说结论",
        "一句话",
        "贡献",
        "简介",
        "概述",
        "要点",
        "core contribution",
        "one-line contribution",
        "one-line core contribution",
        "one-sentence contribution",
        "contribution",
        "contributions",
        "key contribution",
        "key contributions",
        "tl;dr",
        "tldr",
        "summary",
        "overview",
        "in short",
        "one-liner",
        "problem definition",
        "what it does",
        "main idea",
        "gist",
        "key takeaway",
        "key takeaways",
        "핵심 기여",
        "주요 기여",
        "기여",
        "한줄 요약",
        "한 줄 요약",
        "요약",
        "개요",
        "핵심 요약",
    ),
    "summary": ("摘要", "论文摘要", "abstract", "초록", "논문 초록"),
    "usage": (
        "使用指南",
        "使用方法",
        "如何使用",
        "使用说明",
        "代码",
        "开源",
        "资源",
        "代码与资源",
        "usage guide",
        "usage",
        "how to use",
        "how to use it",
        "getting started",
        "user guide",
        "code",
        "resources",
        "try it",
        "availability",
        "code and data",
        "links and code",
        "사용법",
        "사용 방법",
        "활용",
        "코드",
    ),
    "innovations": (
        "主要创新点",
        "创新点",
        "主要创新",
        "核心创新点",
        "核心创新",
        "主要亮点",
        "亮点",
        "方法",
        "核心方法",
        "技术细节",
        "核心思路",
        "关键词",
        "核心关键词",
        "main innovations",
        "main innovation",
        "key innovations",
        "innovations",
        "innovation",
        "novelty",
        "key ideas",
        "key idea",
        "highlights",
        "what's new",
        "whats new",
        "what is new",
        "technical details",
        "method",
        "methods",
        "methodology",
        "main methodology",
        "approach",
        "how it works",
        "key insight",
        "key insights",
        "key intuition & lesson",
        "keywords",
        "새로운 점",
        "주요 내용",
        "핵심 아이디어",
        "방법론",
        "기술적 세부사항",
        "기술 세부사항",
        "핵심 방법",
    ),
    "results": (
        "实验效果",
        "实验结果",
        "主要结果",
        "效果",
        "结果",
        "性能",
        "实验",
        "评估",
        "局限",
        "局限性",
        "results",
        "experimental results",
        "experiments",
        "main results",
        "evaluation",
        "performance",
        "performance highlights",
        "key results",
        "findings",
        "key findings",
        "benchmarks",
        "limitations",
        "key caveat",
        "caveats",
        "caveat",
        "실험 결과",
        "결과",
        "성능",
        "평가",
        "주요 결과",
        "한계",
    ),
}

# Words a longer label is recognised by, most specific first; the first found in the label wins
# ("核心贡献与创新点" is a contribution). Used only for labels the markup marks as labels.
_WORDS: tuple[tuple[str, str], ...] = (
    ("abstract", "summary"),
    ("摘要", "summary"),
    ("초록", "summary"),
    ("what's new", "innovations"),
    ("technical detail", "innovations"),
    ("performance", "results"),
    ("experiment", "results"),
    ("result", "results"),
    ("evaluation", "results"),
    ("benchmark", "results"),
    ("finding", "results"),
    ("limitation", "results"),
    ("caveat", "results"),
    ("contribution", "contribution"),
    ("tl;dr", "contribution"),
    ("summary", "contribution"),
    ("overview", "contribution"),
    ("problem", "contribution"),
    ("innovation", "innovations"),
    ("novelty", "innovations"),
    ("highlight", "innovations"),
    ("method", "innovations"),
    ("approach", "innovations"),
    ("insight", "innovations"),
    ("key idea", "innovations"),
    ("how it works", "innovations"),
    ("keyword", "innovations"),
    ("how to use", "usage"),
    ("usage", "usage"),
    ("getting started", "usage"),
    ("code", "usage"),
    ("application", "domain"),
    ("domain", "domain"),
    ("research area", "domain"),
    ("贡献", "contribution"),
    ("主要工作", "contribution"),
    ("总结", "contribution"),
    ("结论", "contribution"),
    ("概述", "contribution"),
    ("简介", "contribution"),
    ("创新", "innovations"),
    ("亮点", "innovations"),
    ("方法", "innovations"),
    ("思路", "innovations"),
    ("关键词", "innovations"),
    ("技术", "innovations"),
    ("实验", "results"),
    ("结果", "results"),
    ("效果", "results"),
    ("性能", "results"),
    ("评估", "results"),
    ("局限", "results"),
    ("使用", "usage"),
    ("用法", "usage"),
    ("代码", "usage"),
    ("领域", "domain"),
    ("方向", "domain"),
    ("기여", "contribution"),
    ("요약", "contribution"),
    ("새로운", "innovations"),
    ("방법", "innovations"),
    ("아이디어", "innovations"),
    ("기술", "innovations"),
    ("결과", "results"),
    ("성능", "results"),
    ("평가", "results"),
    ("실험", "results"),
    ("한계", "results"),
    ("사용", "usage"),
    ("활용", "usage"),
    ("분야", "domain"),
)

SECTION_ALIASES: dict[str, str] = {name: field for field, names in _EXACT.items() for name in names}

# Metadata keys: a line `key: value` under a paper says where it is, not what it is about.
LINK_KEYS = frozenset(
    {
        "链接",
        "论文链接",
        "原文链接",
        "论文地址",
        "地址",
        "arxiv链接",
        "link",
        "links",
        "url",
        "paper",
        "paper link",
        "paper url",
        "arxiv",
        "arxiv link",
        "pdf",
        "hf",
        "huggingface",
        "hugging face",
        "논문 링크",
        "링크",
        "論文リンク",
        "リンク",
    }
)
ID_KEYS = frozenset(
    {"arxiv id", "arxiv_id", "arxiv编号", "论文id", "论文编号", "paper id", "id", "arxiv 번호"}
)
SOURCE_KEYS = frozenset({"阅读来源", "来源", "reading source", "source", "read from", "소스", "출처"})
TITLE_KEYS = frozenset({"标题", "论文标题", "题目", "title", "paper title", "제목", "논문 제목", "タイトル"})
ORIGINAL_TITLE_KEYS = frozenset(
    {
        "原文标题",
        "原标题",
        "英文标题",
        "论文原标题",
        "英文题目",
        "original title",
        "english title",
        "원제",
        "원문 제목",
        "영문 제목",
        "原題",
    }
)
DATE_KEYS = frozenset(
    {
        "date",
        "日期",
        "report date",
        "published",
        "publish date",
        "last updated",
        "updated",
        "发布日期",
        "更新日期",
        "날짜",
        "日付",
    }
)
SOURCE_URL_KEYS = frozenset({"source url", "来源链接", "source link"})

_NUMBERING = re.compile(
    r"^(?:(?:\d{1,2}|[a-z]|[ivx]{1,4})[.、)）:．]\s*|[(（]\d{1,2}[)）]\s*|[一二三四五六七八九十]{1,3}[、.．]\s*"
    r"|[①-⑳]\s*|(?:step|part)\s+\d+[.:]\s*)",
    re.IGNORECASE,
)
_GLOSS = re.compile(r"\s*[(（][^)）]{0,40}[)）]\s*$")
MAX_LABEL = 40


@lru_cache(maxsize=8192)
def label_key(text: str) -> str:
    """A label as the tables spell it: case-folded, without emphasis, emoji, numbering, a gloss in
    brackets or a trailing colon (`### 2. **Results (实验)**:` is `results`)."""
    text = text.replace("*", "").replace("_", " ").replace("`", "").strip()
    text = strip_symbols(text, also=_LABEL_MARKS)
    text = _NUMBERING.sub("", text, count=1)
    text = strip_symbols(text, also=_LABEL_MARKS).rstrip(":：.。 ")
    if text.rstrip()[-1:] in (")", "）"):  # the gloss search is tried at every character
        text = _GLOSS.sub("", text)
    return " ".join(text.casefold().replace("’", "'").split())


_SYMBOLS = frozenset({"So", "Sk", "Mn", "Cf", "Co"})  # emoji, marks, format and private-use characters
_LABEL_MARKS = "\u200d>|-•·"  # and what stands before a label: a quote, a table bar, a bullet


def strip_symbols(text: str, *, also: str = "") -> str:
    """`text` without leading and trailing emoji, marks and spaces (`📋 Problem Definition`,
    `方向 ⭐`), nor the characters in `also`."""
    start, end = 0, len(text)
    while start < end and _is_symbol(text[start], also):
        start += 1
    while end > start and _is_symbol(text[end - 1], also):
        end -= 1
    return text[start:end]


def _is_symbol(char: str, also: str) -> bool:
    if char.isalnum():  # a letter or digit, where most labels start and end, is never a symbol
        return char in also
    return char.isspace() or char == "\ufe0f" or char in also or unicodedata.category(char) in _SYMBOLS


@lru_cache(maxsize=8192)
def section_for(label: str, *, by_words: bool) -> str | None:
    """The field a label fills (`domain`, `contribution`, `usage`, `innovations`, `results`,
    `summary`), or None. `by_words` also recognises longer labels by the words they hold."""
    key = label_key(label)
    if not key or len(key) > MAX_LABEL:
        return None
    exact = SECTION_ALIASES.get(key)
    if exact is not None or not by_words:
        return exact
    for word, field in _WORDS:
        if word in key:
            return field
    return None
