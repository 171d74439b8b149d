"""Understanding a `/paper QUERY`: an arXiv id, a paper or day URL, a date, or words."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, replace

from bot.errors import BadInputError, LocalisedInputError
from bot.reports.arxiv import impossible_id_phrase, parse_arxiv_id
from bot.store.search import without_stop_words
from bot.store.terms import Term, phrase, tokenize

MAX_QUERY_LENGTH = 500
# The error for a text written as a date that is no day (2026-02-30), which `/paper digest`
# says as it is rather than "not a date (use YYYY-MM-DD)".
INVALID_DATE = "error.invalid_date"
_DAY_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/papers/date/(\d{4}-\d{2}-\d{2})/?$", re.I
)
# A DOI other than arXiv's (those name their paper: bot/reports/arxiv.py): its words would find
# papers that merely hold its digits.
_DOI = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?10\.\d{4,9}/\S+$", re.I)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A date as people also write it: 2026/04/09, 2026.4.9, 2026-4-9, 2026年4月9日, 20260409; and
# without the year, the last such day: 4月9日, April 9, 9 Apr. Looked up as words, their digits
# found papers that merely hold them.
_OTHER_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_COMPACT_DATE = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")
# The year last, as much of the world writes a date: 20.11.2026, 11/20/2026, 20-11-2026. Day or
# month first is told by the numbers alone (20.11 names no month 20); where either could be
# the month (3/2/2026), the user is asked which day, instead of shown papers holding "2026".
_YEAR_LAST = re.compile(r"^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})$")
AMBIGUOUS_DATE = "error.ambiguous_date"
# The errors of a date written as one (not words) that names no single day: no day at all
# (2026-02-30), or two (3/2/2026). Said as they are, not as "use YYYY-MM-DD".
NOT_ONE_DAY = (INVALID_DATE, AMBIGUOUS_DATE)
_MONTH_DAY_ZH = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]$")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")  # fmt: skip
# Each month by its name and its three-letter abbreviation (and `Sept`).
_MONTHS = {name[:size]: number for number, name in enumerate(_MONTH_NAMES, 1) for size in (3, len(name))}
_MONTHS["sept"] = 9
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH = r"([a-z]{3,9})\.?"
_ENGLISH_DATE = re.compile(
    rf"^(?:{_MONTH}\s+{_ORDINAL}|{_ORDINAL}\s+(?:of\s+)?{_MONTH})(?:,?\s+(\d{{4}}))?$", re.I
)
# A phrase in quotes, anywhere in the query: `"video generation" "world model"` is two phrases,
# `diffusion "video editing"` a word and a phrase. Single quotes only around the whole query, as
# apostrophes (`Don't`, `LLMs'`) are single quotes too.
# A word typed with a star after it, as search engines take a prefix: ASCII letters and digits
# only (a CJK character alone is a prefix already).
_STARRED = re.compile(r"\b([0-9A-Za-z]+)\*")
MIN_PREFIX = 3
_PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」')


@dataclass(frozen=True, slots=True)
class PaperQuery:
    """One exact paper."""

    arxiv_id: str


@dataclass(frozen=True, slots=True)
class DayQuery:
    """Every paper of one day's report."""

    day: dt.date


@dataclass(frozen=True, slots=True)
class RelativeDayQuery:
    """A day's report named as people say it: `yesterday`, `昨天` (in the caller's time zone), or
    `latest` (the newest archived report)."""

    days_ago: int | None  # None: the newest archived report
    word: str


# What `/paper WORD` looks up as a day, not as a word: days before today, or None for the newest
# report. "No archived paper matches yesterday" helped nobody.
RELATIVE_DAYS: dict[str, int | None] = {
    "today": 0,
    "今天": 0,
    "今日": 0,
    "yesterday": 1,
    "昨天": 1,
    "昨日": 1,
    "前天": 2,
    "latest": None,
    "newest": None,
    "最新": None,
}


def names_newest(text: str) -> bool:
    """Whether `text` is `latest` (or `newest`, `最新`): the newest report, or in a weekly
    channel the newest week delivered, rather than a day."""
    word = unicodedata.normalize("NFKC", " ".join(text.split())).casefold()
    return word in RELATIVE_DAYS and RELATIVE_DAYS[word] is None


@dataclass(frozen=True, slots=True)
class MonthDayQuery:
    """A day written without its year (`4月9日`, `April 9`): the last such day up to today."""

    month: int
    day: int


DayNamed = DayQuery | RelativeDayQuery | MonthDayQuery


@dataclass(frozen=True, slots=True)
class WeekQuery:
    """A week, Monday to Sunday as ISO 8601 counts it, named as people say it: `last week`, `上周`
    (weeks before the caller's, in their time zone), `2026-W48` (or `W48`, `第48周`: the last
    such week up to today), `week of 2026-11-30` (`2026-11-30 那周`: the week holding that day)."""

    word: str
    weeks_ago: int | None = None  # this week 0, last week 1, next week -1
    iso: tuple[int | None, int] | None = None  # (ISO year, or None for the last such week; week)
    of: DayNamed | None = None  # a day in it


# Weeks before the caller's, as people say them (traditional characters are read as simplified).
RELATIVE_WEEKS: dict[str, int] = {
    **dict.fromkeys(("this week", "current week", "本周", "这周", "这星期", "这个星期", "本星期",
                     "这礼拜", "这个礼拜"), 0),
    **dict.fromkeys(("last week", "previous week", "上周", "上星期", "上个星期", "上礼拜",
                     "上个礼拜", "上一周"), 1),
    **dict.fromkeys(("next week", "下周", "下星期", "下个星期", "下礼拜", "下个礼拜", "下一周"), -1),
    # The week before last, as often said (上上周 read as a date was "not a date").
    **dict.fromkeys(("the week before last", "week before last", "上上周", "上上星期", "上上个星期",
                     "上上礼拜", "上上个礼拜"), 2),
    **dict.fromkeys(("the week after next", "week after next", "下下周", "下下星期", "下下个星期",
                     "下下礼拜", "下下个礼拜"), -2),
}  # fmt: skip
_ISO_WEEK = re.compile(r"^(?:(\d{4})\s*-?\s*)?w\s*(\d{1,2})$")
_ISO_WEEK_ZH = re.compile(r"^(?:(\d{4})\s*年\s*)?第\s*(\d{1,2})\s*周$")
_WEEK_OF = re.compile(r"^(?:the\s+)?week\s+of\s+(.+)$")
_WEEK_OF_ZH = re.compile(r"^(.+?)\s*(?:那周|那一周|那个星期|那星期|当周|所在周|所在的周|这周)$")


def parse_week(raw: str) -> WeekQuery | None:
    """The week `raw` names, or None when it names none (a day, words). Raises
    LocalisedInputError for a week that does not exist (`2026-W54`) or `week of` no day."""
    from bot.topics.traditional import to_simplified

    typed = unicodedata.normalize("NFKC", " ".join(raw.split()))
    text = to_simplified(typed.casefold())
    if text in RELATIVE_WEEKS:
        return WeekQuery(raw.strip(), weeks_ago=RELATIVE_WEEKS[text])
    if found := _ISO_WEEK.match(text) or _ISO_WEEK_ZH.match(text):
        year, week = (int(found.group(1)) if found.group(1) else None), int(found.group(2))
        try:
            monday = dt.date.fromisocalendar(year or 2026, week, 1)  # 2026 has a week 53
        except ValueError:
            raise LocalisedInputError("error.invalid_week", text=raw.strip()) from None
        within_calendar(monday, raw.strip())  # 9999-W52 ends in the year 10000
        return WeekQuery(raw.strip(), iso=(year, week))
    if found := _WEEK_OF.match(text) or _WEEK_OF_ZH.match(text):
        try:
            day = parse_query(found.group(1))
        except LocalisedInputError as error:
            if error.key in NOT_ONE_DAY:
                raise
            day = None
        if not isinstance(day, DayNamed):
            # Quoted as typed (`Friday`, `測試`), not as lower-cased and folded to be read; the
            # fold keeps each character's place, so the place is the typed text's unless
            # casefold changed a length (ß is ss).
            same_places = len(typed) == len(text)
            word = typed[found.start(1) : found.end(1)] if same_places else found.group(1)
            raise LocalisedInputError("error.bad_date", word=word)
        return WeekQuery(raw.strip(), of=day)
    return None


def names_a_week(text: str, *, lookup: bool = False) -> bool:
    """Whether `text` is a week as `/paper digest` takes one (`last week`, `上周`, `2026-W48`).
    For a `lookup`, a week number no year has (`2025-W53`) raises error.invalid_week, as
    `/paper digest 2025-W53` says: searched as words it found papers holding "2025"; `week of`
    something that is no day is words (`week of rain`)."""
    try:
        return parse_week(text) is not None
    except LocalisedInputError as error:
        if lookup and error.key == "error.invalid_week":
            raise
        return False
    except BadInputError:
        return False


@dataclass(frozen=True, slots=True)
class TextQuery:
    """Full-text search; `terms` must all match (the words of a quoted phrase as one term)."""

    terms: tuple[Term, ...]


Query = PaperQuery | DayNamed | TextQuery


def parse_query(raw: str) -> Query:
    """Classify a lookup query, or raise BadInputError with a message fit for the user."""
    query = " ".join(raw.split())
    if not query:
        raise LocalisedInputError("error.empty_query")
    if len(query) > MAX_QUERY_LENGTH:
        raise LocalisedInputError("error.query_too_long", length=len(query), max=MAX_QUERY_LENGTH)
    # An id or a date typed on a Chinese keyboard (２６１１．０１００４, ２０２６－１１－２０) is the
    # same id or date: NFKC makes its full-width digits and punctuation ASCII.
    plain = unicodedata.normalize("NFKC", query)
    arxiv_id = parse_arxiv_id(plain)
    if arxiv_id:
        return PaperQuery(arxiv_id)
    if problem := impossible_id_phrase(plain):
        raise LocalisedInputError("error.impossible_arxiv_id", query=query, problem=problem)
    if (word := plain.casefold()) in RELATIVE_DAYS:
        return RelativeDayQuery(RELATIVE_DAYS[word], query)
    if (written := _written_date(plain)) is not None:
        return written
    day_url = _DAY_URL.match(plain)
    if day_url or _DATE.match(plain):
        text = day_url.group(1) if day_url else plain
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise LocalisedInputError(INVALID_DATE, text=text) from None
        return DayQuery(within_calendar(day, text))
    if _DOI.match(plain):
        raise LocalisedInputError("error.not_an_arxiv_doi", doi=query)
    if query.lower().startswith(("http://", "https://")):
        raise LocalisedInputError("error.not_a_paper_link")
    if len(query) > 2 and query[0] == query[-1] == "'":
        query = '"' + query[1:-1] + '"'
    terms = _terms(query)
    if not terms:
        raise LocalisedInputError("error.no_words")
    if not without_stop_words(terms):
        raise LocalisedInputError("error.only_stop_words")
    return TextQuery(terms)


def _words(text: str) -> list[Term]:
    """`tokenize`, with a word written with a trailing star (`diffu*`, `distill*`) searched as
    a prefix: every word it begins. Not shorter than MIN_PREFIX letters, whose many words would
    each be looked up."""
    terms = tokenize(text)
    starred = {word.casefold() for word in _STARRED.findall(text) if len(word) >= MIN_PREFIX}
    if not starred:
        return terms
    return [replace(term, prefix=True) if term.tokens[0] in starred else term for term in terms]


def _terms(query: str) -> tuple[Term, ...]:
    """The query's words, each quoted phrase one term (its words must stand together). A quote
    left open is no phrase: its words are searched as words."""
    terms: list[Term] = []
    start = 0
    for found in _PHRASE.finditer(query):
        terms += _words(query[start : found.start()])
        quoted = next(group for group in found.groups() if group is not None)
        inside = tokenize(quoted)
        if len(inside) == 1:
            terms += inside  # a lone CJK character stays a prefix
        elif inside:
            terms.append(phrase(quoted))
        start = found.end()
    terms += _words(query[start:])
    return tuple(terms)


def _written_date(text: str) -> DayQuery | MonthDayQuery | None:
    """A date in one of the other ways people write it (`_OTHER_DATE` …), or None. Raises the
    invalid-date error for one that is no day (2026/02/30)."""
    year: int | None
    if found := _OTHER_DATE.match(text) or _COMPACT_DATE.match(text):
        year, month, day = (int(part) for part in found.groups())
    elif found := _YEAR_LAST.match(text):
        year = int(found.group(4))
        month, day = _day_or_month_first(text, int(found.group(1)), int(found.group(3)), year)
    elif found := _MONTH_DAY_ZH.match(text):
        year, month, day = None, int(found.group(1)), int(found.group(2))
    elif found := _ENGLISH_DATE.match(text):
        name, number = (
            (found.group(1), found.group(2)) if found.group(1) else (found.group(4), found.group(3))
        )
        month = _MONTHS.get(name.casefold(), 0)
        if not month:
            return None  # "marc 3", "march madness": words
        year, day = (int(found.group(5)) if found.group(5) else None), int(number)
    else:
        return None
    try:
        dt.date(year or 2000, month, day)  # 2000: a leap year, so 2月29日 is a day
    except ValueError:
        raise LocalisedInputError(INVALID_DATE, text=text) from None
    if year is None:
        return MonthDayQuery(month, day)
    return DayQuery(within_calendar(dt.date(year, month, day), text))


def _day_or_month_first(text: str, first: int, second: int, year: int) -> tuple[int, int]:
    """(month, day) of `first` and `second` written before the year, whichever is the month:
    the one reading that makes a day, or the invalid-date error for none, or the question which
    for two (`3/2/2026`: 3 February or 2 March)."""
    if year < dt.MINYEAR:
        raise LocalisedInputError(INVALID_DATE, text=text)
    readings = {
        (month, day)
        for month, day in ((first, second), (second, first))
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]
    }
    if not readings:
        raise LocalisedInputError(INVALID_DATE, text=text)
    if len(readings) > 1:
        one, other = sorted(dt.date(year, month, day).isoformat() for month, day in readings)
        raise LocalisedInputError(AMBIGUOUS_DATE, text=text, one=one, other=other)
    return readings.pop()


# Python's calendar ends with the years 1 and 9999, and the weeks around a day (its week, a
# weekly channel's delivery and the one before it) reach up to three weeks past it: a day that
# near either end is refused as a date (no report is dated there), not failed on in date
# arithmetic ("Something went wrong").
_CALENDAR_MARGIN = dt.timedelta(weeks=3)


def within_calendar(day: dt.date, text: str) -> dt.date:
    """`day`, or the invalid-date error (quoting `text`) for one too near the calendar's ends."""
    if not dt.date.min + _CALENDAR_MARGIN <= day <= dt.date.max - _CALENDAR_MARGIN:
        raise LocalisedInputError(INVALID_DATE, text=text)
    return day
