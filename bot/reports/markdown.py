"""Reading markdown lines the way digests use them: headings, paper links, labels, tables, plain text.

Line-based and regex-only on purpose: a digest is a few hundred lines, and a full markdown
parser would cost several times the whole parse (benchmarks/bench_parse.py) for structure the
digests do not rely on.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass
from typing import NamedTuple

from bot.reports.arxiv import arxiv_id_from_url, canonical, id_problem, impossible_arxiv_id
from bot.reports.counts import upvote_count
from bot.reports.labels import ID_KEYS, LINK_KEYS, label_key, strip_symbols
from bot.text import without_unsafe

_MD_HEADING = re.compile(r" {0,3}(#{1,6})\s+(.*)")
_CLOSING_HASHES = re.compile(r"\s+#+\s*$")
_HTML_HEADING = re.compile(r"^\s*<h([1-6])[^>]*>(.*?)</h\1>\s*$", re.IGNORECASE)
_SUMMARY = re.compile(r"^\s*<summary[^>]*>(.*?)</summary>\s*$", re.IGNORECASE)
_DETAILS_END = re.compile(r"^\s*</details>\s*$", re.IGNORECASE)
SUMMARY_LEVEL = 7  # a <details> summary nests under any markdown heading
# `**1. Title**` opening a paragraph: a paper's heading in digests that use no markdown headings
# (yupengtang/Daily-AI-Trend-Reporter), nested under any markdown heading like a summary. Only a
# candidate: the parser keeps it when a link naming a paper follows (bold numbered lines are
# section labels in many reports: `**2. 工作的主要亮点**`).
BOLD_LEVEL = SUMMARY_LEVEL
# The bold text holds no `*`, so the class cannot overlap the closing `**`: no backtracking.
_BOLD_NUMBERED = re.compile(r"\*\*(\d{1,3}[.)](?!\d)[^*\n]{1,300})\*\*(.*)")
_BOLD_OPEN = re.compile(r"\*\*\d{1,3}[.)](?!\d)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
SEPARATOR = re.compile(r"^\s*(?:={3,}|-{3,}|\*{3,}|_{3,})\s*$")
_TAG = re.compile(r"<[^>]{0,200}>")
# What a browser never shows: style sheets, scripts and comments (bounded, so an element left
# open costs one scan of the text, not one per opening).
_HIDDEN = re.compile(
    r"<(style|script)\b[^>]{0,200}>.{0,20000}?</\1\s*>|<!--.{0,20000}?-->", re.IGNORECASE | re.DOTALL
)
_HIDDEN_OPEN = re.compile(r"\s*<(style|script)\b", re.IGNORECASE)
# The end of a tag whose `<` was lost (`border-blue-800 dark:bg-blue-900/15">`, the leftover of
# a `<div class="…">` a generator cut in half): attribute words, then a quote and `>`. Prose
# has spaces and punctuation between its words that attribute values do not.
_TAG_TAIL = re.compile(r"(?m)^[ \t]*(?:[\w:/.#%=\[\]-]+[ \t]+){0,30}[\w:/.#%=\[\]-]*[\"'][ \t]*/?>")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>()\[\]\"'|*]+")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
# `arXiv:2602.17547`, `arXiv ID: 2602.17547`, `[2608.05987]`: an id the text names outright.
# Both start with what they look for, not with a lookbehind or a case-blind class: a lookbehind
# first is tried at every character, and the table cells of some digests run to kilobytes.
_NAMED_ID = re.compile(r"arxiv(?:\s*id)?\s*[:：]?\s*(\d{4}\.\d{4,5})(?:v\d+)?(?!\d)")
BARE_ID = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?(?![\d/])")
# The key is matched greedily: it stops at the first colon or emphasis anyway, and trying the
# rest of the pattern after each of its characters (a lazy key) costs twice as much. A greedy key
# may keep spaces before the colon; key_value strips them. It is also possessive (`{1,40}+`): when
# the longest key is not followed by a colon no shorter one is (the characters it gave back would
# stand between it and the colon, and only spaces may), and giving them back one by one made a
# line with its first colon past the 40th character (`*   在涵盖 22 个大模型（…）的评估中：`) cost
# 6.1 µs instead of 0.7.
_KEY_VALUE = re.compile(
    r"^\s*(?:[-*+]\s+|\d{1,2}[.)]\s+)?(?:\*\*\*|\*\*|__)?([^*_:：\n]{1,40}+)(?:\*\*\*|\*\*|__)?\s*[:：]"
    r"\s*(?:\*\*\*|\*\*|__)?\s*(.*)$"
)
# Every alternative starts with a literal `*` or `_` (the lookbehinds come after it), so the
# engine skips straight to candidates instead of trying a lookbehind at every character.
_ITEM_PREFIX = re.compile(r"^\s*(?:[-+]\s+|\*\s+|\d{1,2}[.)]\s*)?")
_EMPHASIS = re.compile(r"\*\*\*|\*\*|__|\*(?:(?<![\w*]\*)(?=\S)|(?<=\S\*)(?![\w*]))")
_TRAILING_PUNCT = ".,;:，。；：!！"
# What a line that may name a paper mentions (might_name_paper, paper_host_lines).
_PAPER_HOSTS = ("arxiv", "huggingface", "hf.co")


class Heading(NamedTuple):
    """A heading, found once per document (a digest has some 6 a paper). A NamedTuple, not a
    frozen dataclass: one is made in 0.2 µs instead of 0.6, whose __init__ sets each field with
    object.__setattr__."""

    line: int  # index into the document's lines
    level: int
    text: str
    closes: bool = False  # `</details>`: ends what its <summary> opened, names nothing
    bold: bool = False  # `**1. Title**` on a line of its own (BOLD_LEVEL): a paper's heading or a label
    wrapped: int = 0  # lines after `line` its text runs on to (a long bold title wrapped by its generator)


@dataclass(frozen=True, slots=True)
class Refs:
    """The papers one line names. `links`: ids in paper links; `named`: ids written out
    (`arXiv:2602.17547`); `bad`: paper-shaped links whose id no paper can have."""

    links: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    bad: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return (*self.links, *self.named)


NO_REFS = Refs()


def clean_lines(text: str) -> list[str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:  # rare; two replace() calls on a 76,000-character digest cost 77 µs even when idle
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in without_unsafe(text).split("\n")]


def front_matter_end(lines: list[str]) -> int:
    """The index after a YAML front matter block (`---` … `---` at the top), else 0."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].strip() != "---":
        return 0
    for i in range(first + 1, min(len(lines), first + 80)):
        if lines[i].strip() in ("---", "..."):
            return i + 1
    return 0


def find_headings(
    lines: list[str], start: int, skipped: list[bool], tables: list[int] | None = None
) -> list[Heading]:
    """Markdown, HTML and <details> headings, and bold numbered lines (`bold`: candidates only),
    outside code fences; marks fenced lines in `skipped`. `tables` gets the lines an HTML
    `<table` is on (found here, where the few lines holding a tag are looked at anyway)."""
    headings: list[Heading] = []
    fence = ""
    closes: list[int] = []  # the lines that close a style sheet or script, once one opens
    hidden_end = start
    for i in range(start, len(lines)):
        if i < hidden_end:
            continue
        line = lines[i]
        opening = _FENCE.match(line) if ("`" in line or "~" in line) else None
        if fence:
            skipped[i] = True
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            skipped[i] = True
            continue
        first = line[:1]
        if first == "#" or (first == " " and line.lstrip().startswith("#")):
            found = _MD_HEADING.match(line)
            if found:
                text = found.group(2).rstrip()
                if text.endswith("#"):  # `## Title ##`
                    text = _CLOSING_HASHES.sub("", text)
                headings.append(Heading(i, len(found.group(1)), text))
        elif first == "*" and line[1:2] == "*" and (bold := bold_numbered(line)) is not None:
            # At the margin only: testing the many indented lines of a report for `**` costs
            # more than the rare indented paragraph is worth.
            headings.append(Heading(i, BOLD_LEVEL, bold, bold=True))
        elif first == "*" and line[1:2] == "*" and (wrapped := _wrapped_bold(lines, i)) is not None:
            headings.append(Heading(i, BOLD_LEVEL, wrapped[0], bold=True, wrapped=wrapped[1]))
        elif "<" in line:
            if hidden := _HIDDEN_OPEN.match(line):
                hidden_end = _hidden_end(lines, i, hidden.group(1), closes)
                for j in range(i, hidden_end):
                    skipped[j] = True
                continue
            if html := _HTML_HEADING.match(line):
                headings.append(Heading(i, int(html.group(1)), _TAG.sub("", html.group(2))))
            elif summary := _SUMMARY.match(line):
                headings.append(Heading(i, SUMMARY_LEVEL, _TAG.sub(" ", summary.group(1))))
            elif _DETAILS_END.match(line):
                headings.append(Heading(i, SUMMARY_LEVEL, "", closes=True))
            elif tables is not None and "<table" in line.lower():
                tables.append(i)
    return headings


def _hidden_end(lines: list[str], i: int, tag: str, closes: list[int]) -> int:
    """The index after the line that closes the `<style>` or `<script>` opened on line i (a
    style sheet's rules and a script are no text of a report); i + 1 when it is not closed
    within 200 lines, so that an element left open costs no more than its own line."""
    if not closes:
        closes.extend(sorted(lines_with(lines, "</style", "</script", lower=True)) or [-1])
    end = f"</{tag.lower()}"
    for j in closes[bisect.bisect_left(closes, i) :]:
        if j > i + 200:
            break
        if end in lines[j].lower():
            return j + 1
    return i + 1


def bold_numbered(line: str) -> str | None:
    """The text of a bold numbered line (`**1. Title**`, `**2) Title**`), which may be followed by
    links only (`**1. Title** [Read Paper](…)`); else None."""
    found = _BOLD_NUMBERED.match(line)
    if found is None:
        return None
    rest = found.group(2).strip()
    if rest and not (("](" in rest or "http" in rest) and is_link_line(rest)):
        return None  # `**1. Title** and a sentence`: a paragraph that starts in bold
    return found.group(1).strip()


def _wrapped_bold(lines: list[str], i: int) -> tuple[str, int] | None:
    """A bold numbered line whose `**` closes on one of the next two lines (`**1. Can 1B LLM
    Surpass 405B LLM? Rethinking Compute-Optimal Test-Time` then `  Scaling**`: generators wrap
    long titles): its text and how many lines it runs on to; else None."""
    line = lines[i]
    if line.count("**") != 1 or not _BOLD_OPEN.match(line):
        return None
    text = line.rstrip()
    for extra in (1, 2):
        if i + extra >= len(lines):
            return None
        more = lines[i + extra].strip()
        if not more or more.startswith(("#", "**", "-", "[")):
            return None  # a paragraph's end, or a line of its own: not the title going on
        text = f"{text} {more}"
        if "**" in more:
            found = bold_numbered(text)
            return None if found is None else (found, extra)
    return None


def paper_host_lines(text: str) -> set[int]:
    """The indexes of the lines of `text` (a document's lines joined by newlines) that mention
    arXiv or Hugging Face (most lines of a digest are prose and need no closer look):
    might_name_paper's test, made on the whole text at once."""
    return text_lines_with(text, *_PAPER_HOSTS, lower=True)


def lines_with(lines: list[str], *words: str, lower: bool = False) -> set[int]:
    """The indexes of the lines holding any of `words` (in lower case, with `lower`)."""
    return text_lines_with("\n".join(lines), *words, lower=lower)


def text_lines_with(text: str, *words: str, lower: bool = False) -> set[int]:
    """The indexes of the lines of `text` (split at newlines) holding any of `words` (in lower
    case, with `lower`), searched in the whole text at once rather than line by line. (Lowering
    the joined text lowers each line as lower() per line would: no character lowers to or across
    a newline.)"""
    if lower:
        text = text.lower()
    starts: list[int] = []
    for word in words:
        at = text.find(word)
        while at >= 0:
            starts.append(at)
            at = text.find(word, at + len(word))
    return _line_indexes(text, sorted(starts))


def id_lines(text: str) -> set[int]:
    """The indexes of the lines of `text` (a document's lines joined by newlines) that hold
    something shaped like a new-style arXiv id."""
    return _line_indexes(text, _id_starts(text))


def _line_indexes(text: str, starts: list[int]) -> set[int]:
    """The indexes of the lines of `text` (split at newlines) holding the positions `starts`,
    in ascending order: the newlines between two positions are counted in one call."""
    found: set[int] = set()
    line = at = 0
    for start in starts:
        line += text.count("\n", at, start)
        at = start
        found.add(line)
    return found


_ID_AT = re.compile(r"\d{4}\.\d{4}")


def _id_starts(text: str) -> list[int]:
    """Where `NNNN.NNNN` starts in `text`, found from its dots: a regex that starts with a digit
    class is tried at every character, and a digest's table cells run to kilobytes."""
    found = []
    dot = text.find(".", 4)
    while dot >= 0:
        # Most dots end a sentence: a digit before the dot (`\d` is `isdecimal`) is tested first,
        # at a third of the match's cost (0.035 µs; some 470 of a 50-paper digest's 520 dots fail it).
        if text[dot - 1].isdecimal() and _ID_AT.match(text, dot - 4):
            found.append(dot - 4)
        dot = text.find(".", dot + 1)
    return found


def might_name_paper(line: str) -> bool:
    """Whether a line mentions arXiv or Hugging Face, by plain substring tests: a regex per line
    costs three times more."""
    low = line.lower()
    return any(host in low for host in _PAPER_HOSTS)


def urls(text: str) -> list[str]:
    """The http(s) URLs in `text`, without the sentence punctuation that may follow them."""
    return [found.group(0).rstrip(_TRAILING_PUNCT) for found in _URL.finditer(text)]


def line_refs(line: str, *, bare: bool = False) -> Refs:
    """The papers a line names by link or by `arXiv:ID`; with `bare`, also a bare `2602.17547`
    (trusted in headings, list items and table rows, where a version number is unlikely)."""
    if not might_name_paper(line) and (not bare or not _id_starts(line)):
        return NO_REFS
    text = _IMAGE.sub(" ", line) if "!" in line or ("<" in line and "<img" in line.lower()) else line
    links: list[str] = []
    bad: list[str] = []
    for url in urls(text):
        arxiv_id = arxiv_id_from_url(url)
        if arxiv_id is not None:
            links.append(arxiv_id)
        elif impossible_arxiv_id(url):
            bad.append(url)
    low = text.lower()
    named = (
        [
            canonical(m.group(1))
            for m in _NAMED_ID.finditer(low)
            if (m.start() == 0 or not low[m.start() - 1].isalnum()) and id_problem(m.group(1)) is None
        ]
        if "arxiv" in low
        else []
    )
    if bare:
        named += bare_ids(_URL.sub(" ", text))
    if not (links or named or bad):
        return NO_REFS
    return Refs(
        tuple(dict.fromkeys(links)), tuple(i for i in dict.fromkeys(named) if i not in links), tuple(bad)
    )


class KeyValue(NamedTuple):
    key: str  # as the label tables spell it (labels.label_key)
    value: str
    emphasised: bool  # `**key**: value`: the markup says a label stands there
    label: str  # as written, without emphasis


def bare_ids(text: str) -> list[str]:
    """The arXiv ids written out in `text` (`2602.17547`, not part of a longer number or path)."""
    found = []
    for start in _id_starts(text):
        m = BARE_ID.match(text, start)
        if m and (start == 0 or text[start - 1] not in "0123456789./") and id_problem(m.group(1)) is None:
            found.append(canonical(m.group(1)))
    return found


def key_value(line: str) -> KeyValue | None:
    """A `key: value` line's parts, else None."""
    head = line[:64]
    if "<" in head and (unwrapped := _unwrap_label(line)):
        line = unwrapped
        head = line[:64]
    if ":" not in head and "：" not in head:
        return None
    found = _KEY_VALUE.match(line)
    if found is None:
        return None
    raw, value = found.groups()
    if "](" in raw or "http" in raw:
        return None
    emphasised = False
    if "**" in line or "__" in line:
        prefix = _ITEM_PREFIX.match(line)
        emphasised = line.startswith(("**", "__"), prefix.end() if prefix else 0)
    # tuple.__new__ skips the NamedTuple's generated __new__ (0.12 µs a call instead of 0.21;
    # a digest has some 20 `key: value` lines a paper).
    return _new_tuple(KeyValue, (label_key(raw), value.strip(), emphasised, raw.strip()))


_new_tuple = tuple.__new__


# `**<font color=#1a73e8>作者：</font>** text`: a label wrapped in inline HTML to colour it. Its
# tags are no part of the key, and its closing tags no part of the value (they left the value
# starting with a space and a stray `**`).
_WRAPPED_LABEL = re.compile(
    r"(\s*(?:[-*+]\s+|\d{1,2}[.)]\s+)?(?:\*\*\*|\*\*|__)?)(?:<[a-zA-Z][^<>]{0,200}>\s*)+"
    r"([^<>\n]{1,40}?)(?:\s*</[a-zA-Z][a-zA-Z0-9]*\s*>)+"
)
_COLON_NEXT = re.compile(r"\s*(?:\*\*\*|\*\*|__)?\s*[:：]")


def _unwrap_label(line: str) -> str | None:
    """`line` without the HTML tags around its label, when a label stands there."""
    found = _WRAPPED_LABEL.match(line)
    if found is None:
        return None
    label, rest = found.group(2), line[found.end() :]
    if not label.rstrip().endswith((":", "：")) and not _COLON_NEXT.match(rest):
        return None
    return found.group(1) + label + rest


def is_link_line(line: str) -> bool:
    """Whether a line is there only to link to its paper: `- **链接**: URL`, `[查看详情](URL)`,
    `**🔗 Links:** [HF](…) • [arXiv](…)`."""
    pair = key_value(line)
    if pair and (pair[0] in LINK_KEYS or pair[0] in ID_KEYS):
        return True
    if "](" not in line and "http" not in line:
        return False
    rest = _MD_LINK.sub("", _IMAGE.sub("", line))
    rest = _AUTOLINK.sub("", _URL.sub("", rest))
    return not any(char.isalnum() for char in rest)


def is_decoration(line: str) -> bool:
    """A line that carries no words: an image, a badge, an HTML tag, a rule."""
    if "<" not in line and "![" not in line:
        return line.lstrip()[:3] in ("===", "---", "***", "___") and SEPARATOR.match(line) is not None
    rest = _TAG.sub("", _IMAGE.sub("", line)).strip()
    return not rest or SEPARATOR.match(rest) is not None


def link_texts(line: str) -> list[tuple[str, str]]:
    """(text, url) of each markdown link in a line, images left out."""
    return [(m.group(1), m.group(2)) for m in _MD_LINK.finditer(_IMAGE.sub("", line))]


def strip_links(text: str) -> str:
    """Markdown links as their text only, images and bare URLs removed."""
    text = _IMAGE.sub("", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    return _URL.sub("", _AUTOLINK.sub("", text))


def strip_emphasis(text: str) -> str:
    if "](" in text or "<img" in text:
        text = _MD_LINK.sub(_link_text, _IMAGE.sub("", text))
    if "<http" in text:
        text = _AUTOLINK.sub(lambda m: m.group(1), text)
    if "`" in text:
        text = text.replace("`", "")
    return _EMPHASIS.sub("", text) if "*" in text or "_" in text else text


def _link_text(found: re.Match[str]) -> str:
    label, url = found.group(1).strip(), found.group(2)
    return url if not label or label == url else f"{label} ({url})"


def strip_tags(text: str) -> str:
    """Text without its markup: tags, and what a browser does not show (style sheets, scripts,
    comments, the tail of a tag cut in half)."""
    if "<" in text:
        if "<!--" in text or "<s" in text or "<S" in text:
            text = _HIDDEN.sub("", text)
        text = _TAG.sub("", text)
    if ">" in text:
        text = _TAG_TAIL.sub("", text)
    return text


def plain_text(lines: list[str], *, first_inline: bool = False) -> str:
    """Section lines as plain text: emphasis removed, bullets as '- ', line breaks kept."""
    begin, end = 0, len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    while begin < end and not lines[begin].strip():
        begin += 1
    if begin or end < len(lines):  # one copy, not one per blank line (a part ends in one)
        lines = lines[begin:end]
    indented = lines[1:] if first_inline else lines
    first = indented[0][:1] if indented else ""
    if first and not first.isspace():
        # A line at the margin makes the least indentation 0: the common case (a part's bullets),
        # told from its first line instead of measuring every line's indentation.
        cut = 0
    else:
        cut = min((len(line) - len(body) for line in indented if (body := line.lstrip())), default=0)
    out: list[str] = []
    for line in lines:
        if cut:
            line = line[cut:] if not line[:cut].strip() else line.lstrip()
        first = line[:1]
        if (first == "*" or first == "+") and line[1:2].isspace():
            # `*   text` at the margin, most of a part's lines: as below, without measuring its
            # indentation (plain_text: 19.4 µs a paper to 17.3).
            out.append("- " + line[1:].lstrip())
            continue
        if first == ">":
            line = line.lstrip("> ")
        body = line.lstrip()
        if body[:1] in ("*", "+") and body[1:2].isspace():
            # `*   text` as `- text`. Reports indent nested bullets by 3–4 spaces; keep nesting
            # as two spaces per level. (String tests, not a regex: most lines are bullets.)
            line = "  " * ((len(line) - len(body)) // 3) + "- " + body[1:].lstrip()
        out.append(line)
    # Emphasis and tags are removed from the whole text at once: they never span a paragraph
    # break in practice, and one pass is several times cheaper than one per line.
    text = "\n".join(out)
    if "*" in text or "_" in text or "<" in text or ">" in text or "`" in text or "](" in text:
        # Most parts hold no markup: six tests instead of the two calls' eight (17.3 µs a paper to 15.4).
        text = strip_tags(strip_emphasis(text))
    # Markup alone on a line (a closing tag, a stray `**`) leaves blanks at either end once gone.
    return "\n".join([line.rstrip() for line in text.split("\n")]).strip()


_LEADING_NUMBER = re.compile(
    r"^(?:(?:no\.?|#|top)\s*)?\d{1,3}\s*[.、):：．]?\s+|^\d{1,3}[.、)．]\s*|^[(（【\[]\d{1,3}[)）】\]]\s*",
    re.IGNORECASE,
)
_ID_IN_TITLE = re.compile(
    r"(?i)[\[(【]?\s*(?:arxiv\s*[:：]?\s*)?\d{4}\.\d{4,5}(?:v\d+)?\s*[\])】]?\s*(?:[—–\-:|·•]\s*)?"
)
_TRAILING_NOISE = re.compile(r"(?:\s*(?:[-–—|·•]\s*)?(?:👍|⭐|🔥|❤️?|♥)\s*\d*)+\s*$")
# `## 1. BabyVision: Visual Reasoning Beyond Language *(156 votes)*` (kpollz/daily_papers_tool):
# the count is the paper's votes, not words of its title.
_TRAILING_VOTES = re.compile(r"\s*[(（]\s*(\d[\d,]*)\s*(?:up)?votes?\s*[)）]\s*$", re.IGNORECASE)


def trailing_votes(title: str) -> int | None:
    """The votes a title ends with (`… (156 votes)`), if it does."""
    found = _TRAILING_VOTES.search(title) if title.rstrip()[-1:] in (")", "）") else None
    return upvote_count(found.group(1)) if found else None


def clean_title(raw: str) -> str:
    """A heading, list item or cell as a title: no emphasis, links, emoji, numbering or arXiv id."""
    title = strip_tags(raw)
    if "](" in title or "<http" in title or "://" in title:
        title = _MD_LINK.sub(lambda m: m.group(1), _IMAGE.sub("", title))
        title = _URL.sub("", _AUTOLINK.sub("", title)).replace("()", "").replace("（）", "")
    title = _EMPHASIS.sub("", title.replace("`", "")) if "*" in title or "_" in title else title
    if "." in title:
        title = _ID_IN_TITLE.sub(" ", title)
    title = strip_symbols(title)
    if title[:1].isdigit() or title[:1] in "#([【（" or title[:3].lower() in ("no.", "top"):
        title = _LEADING_NUMBER.sub("", title, count=1)
    # Five `in` tests, not any() over a generator: 0.05 µs instead of 0.24 on a title without them.
    if "👍" in title or "⭐" in title or "🔥" in title or "❤" in title or "♥" in title:
        title = _TRAILING_NOISE.sub("", title)
    title = strip_symbols(title).strip(" -–—|:：·•")
    if title[-1:] in (")", "）"):
        title = _TRAILING_VOTES.sub("", title)
    if title[:1] in _WRAPPERS and _wraps_whole(title):
        # `**[EvoArena: …]**`: link syntax left without its URL. A bracket that is part of the
        # title (`[RE] Title`, `Title [v2]`) does not wrap the whole of it and stays.
        title = strip_symbols(title[1:-1]).strip(" -–—|:：·•")
    return " ".join(title.split())


_WRAPPERS = {"[": "]", "【": "】"}


def _wraps_whole(text: str) -> bool:
    """Whether the bracket `text` opens with is closed by its last character, and only there
    (`[A [B] C]` yes; `[A] [B]` no)."""
    opening = text[0]
    closing = _WRAPPERS[opening]
    depth = 0
    for n, char in enumerate(text):
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return n == len(text) - 1 and n > 1
    return False


_NOT_ALNUM = re.compile(r"[\W_]+")


def comparable(text: str) -> str:
    """Text for comparing titles: case-folded letters and digits only."""
    return _NOT_ALNUM.sub("", text.casefold())


# Dates as digests write them: 2026-02-03, 2026/02/03, 2026年2月3日, August 22, 2026, 22 Aug 2026.
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_NUMERIC_DATE = re.compile(
    r"(?<!\d)(\d{4})(?:-(\d{2})-(\d{2})|/(\d{1,2})/(\d{1,2})|年(\d{1,2})月(\d{1,2})日?)(?!\d)"
)
_WORD_DATE = re.compile(
    r"(?i)\b(?:([a-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})|(\d{1,2})\s+([a-z]{3,9})\.?,?\s+(\d{4}))\b"
)


@dataclass(frozen=True, slots=True)
class FoundDate:
    text: str
    year: int
    month: int
    day: int

    def value(self) -> dt.date | None:
        try:
            return dt.date(self.year, self.month, self.day)
        except ValueError:
            return None


def find_date(text: str) -> FoundDate | None:
    """The first date written in `text`, valid or not (the caller says what an invalid one means)."""
    if found := _NUMERIC_DATE.search(text):
        groups = [g for g in found.groups()[1:] if g is not None]
        return FoundDate(found.group(0), int(found.group(1)), int(groups[0]), int(groups[1]))
    if found := _WORD_DATE.search(text):
        if found.group(1):
            month, day, year = found.group(1), found.group(2), found.group(3)
        else:
            day, month, year = found.group(4), found.group(5), found.group(6)
        number = _MONTHS.get(month.lower())
        if number:
            return FoundDate(found.group(0), int(year), number, int(day))
    return None
