"""Subscription settings as users type them (times, time zones, languages) and as files carry them.

Every parser here raises BadInputError with a message that says what was wrong and what
would be right, because the text comes straight from a chat box or an operator's JSON file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process

from bot.chat.places import PLACES
from bot.errors import BadInputError, LocalisedInputError
from bot.ids import MAX_ID_LENGTH, check_channel, is_personal
from bot.models import (
    CARD_LAYOUTS,
    FINISHED_STATUSES,
    MAX_DIGEST_SIZE,
    PLATFORMS,
    CardLayout,
    ChannelRef,
    DigestSettings,
    Interests,
    LastDigest,
    Locale,
    Subscription,
)
from bot.ranking.feedback import HALF_LIFE_DAYS, ChannelPreferences
from bot.text import without_unsafe
from bot.topics.resolve import normalise_keyword, resolve_terms
from bot.topics.taxonomy import Taxonomy
from bot.topics.traditional import to_simplified
from bot.zones import Offset, UnusableZoneError, iana_zones, load_zone, parse_offset

_CLOCK = re.compile(r"^(\d{1,2})(?:[:：.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)
# Each Chinese part of the day, and how its 1–12 o'clock reads on a 24-hour clock: `am` as
# typed (12 is midnight), `pm` plus twelve (下午12点 is noon), `night` the same but 12 is
# midnight (晚上12点) and 1–4 are the hours after it (夜里2点, 晚上1点: a night's 14:00 is none),
# `noon` 11 and 12 as typed and 1–3 in the afternoon (中午1点 is 13:00).
_PERIODS_ZH: dict[str, str] = {
    "凌晨": "am",
    "清晨": "am",
    "早上": "am",
    "早晨": "am",
    "上午": "am",
    "中午": "noon",
    "下午": "pm",
    "傍晚": "pm",
    "晚上": "night",
    "夜里": "night",
    "夜间": "night",
}
# The last hour 晚上 / 夜里 name after midnight (晚上4点 is 04:00, 晚上5点 already 17:00).
_LAST_HOUR_AFTER_MIDNIGHT = 4
_ZH_NUMBER = r"[零〇一二两三四五六七八九十]{1,3}"
# A Chinese time: an optional part of the day, the hour in digits or Chinese numerals (八点,
# 十点半), then `点` and the minutes (`半`, `一刻`, `15分`, `十五`) or a colon and two digits
# (`下午3:30`). The part of the day may be its own word (`下午 3点`), as typed after `/paper 定时`.
_CLOCK_ZH = re.compile(
    rf"^(?P<period>{'|'.join(_PERIODS_ZH)})?\s*(?P<hour>\d{{1,2}}|{_ZH_NUMBER})\s*"
    rf"(?:[点點时時]\s*(?:(?P<quarter>半|一刻|三刻)|(?P<minute>\d{{1,2}}|{_ZH_NUMBER})\s*分?)?"
    rf"|[:：](?P<colon>\d{{2}}))$"
)
_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_QUARTERS = {"半": 30, "一刻": 15, "三刻": 45}
_BEGINS_ZH_CLOCK = re.compile(rf"^{_ZH_NUMBER}\s*[点點时時]")
_LOCALE_NAMES: dict[str, Locale] = {
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
    "zh": "zh",
    "cn": "zh",
    "chinese": "zh",
    "中文": "zh",
    "汉语": "zh",
    # Compared folded to simplified characters (繁體中文 is 繁体中文): bot/topics/traditional.py.
    "简体中文": "zh",
    "繁体中文": "zh",
    "简体": "zh",
    "繁体": "zh",
}


def parse_time(text: str) -> dt.time:
    """`09:30`, `9:30`, `9am`, `9:30 pm`, `21h00`, `9点半`, `下午3点` → a time of day."""
    raw = text.strip()
    hour, minute = _clock(raw)
    if hour is None or minute is None or not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise LocalisedInputError("error.bad_time", raw=raw)
    return dt.time(hour, minute)


def _clock(raw: str) -> tuple[int | None, int | None]:
    found = _CLOCK.match(raw)
    if found:
        hour, minute = int(found.group(1)), int(found.group(2) or 0)
        suffix = (found.group(3) or "").lower().replace(".", "")
        if suffix:
            if not 1 <= hour <= 12:
                return None, None
            hour = hour % 12 + (12 if suffix == "pm" else 0)
        return hour, minute
    return _chinese_clock(raw)


def _chinese_clock(raw: str) -> tuple[int | None, int | None]:
    found = _CLOCK_ZH.match(raw)
    if found is None:
        return None, None
    hour = _zh_or_digits(found["hour"])
    quarter = found["quarter"]
    minute = _ZH_QUARTERS[quarter] if quarter else _zh_or_digits(found["minute"] or found["colon"] or "0")
    period = _PERIODS_ZH.get(found["period"] or "")
    if period is None or hour is None:
        return hour, minute
    if not 1 <= hour <= 12:  # "下午15点" mixes two clocks: refuse rather than guess
        return None, None
    if period == "noon":
        return (hour + 12 if hour <= 3 else hour if hour >= 11 else None), minute
    if period == "am" or (period == "night" and hour <= _LAST_HOUR_AFTER_MIDNIGHT):
        return hour % 12, minute
    return (0 if period == "night" else 12) if hour == 12 else hour + 12, minute


def _zh_or_digits(text: str) -> int | None:
    """`9`, `０９`, `九`, `十`, `十五`, `二十三`, `零五` → the number (None for `十十`)."""
    if text.isdigit():
        return int(text)
    tens, ten, units = text.strip("零〇").partition("十")
    if not ten:
        return _ZH_DIGITS.get(tens) if len(tens) == 1 else (0 if not tens else None)
    high = _ZH_DIGITS.get(tens, -1) if tens else 1
    low = _ZH_DIGITS.get(units, -1) if units else 0
    return None if high < 0 or low < 0 else high * 10 + low


def parse_schedule(text: str) -> tuple[dt.time | None, str | None]:
    """`/paper schedule`'s argument → (time, IANA zone), either None to keep the channel's (never
    both): a zone alone (`/paper timezone Asia/Shanghai`, `时区 北京`) keeps the channel's time.

    Both parts may be several words (`9:30 pm New York`, `下午 3点 北京`, `9 am UTC+8`): the
    time is the longest leading run of words parse_time accepts and the zone the rest. When
    the rest is no zone, a shorter time is tried before the zone's error is raised, so a word
    belongs to the zone only when the time cannot take it. Chinese puts the zone first
    (`北京时间 21:30`): a text that does not begin with a time may begin with a zone."""
    words = text.split()
    zone_error: BadInputError | None = None
    if words and not begins_like_a_time(words[0]) and (zone_first := _zone_first(words)) is not None:
        return zone_first
    for cut in range(len(words), 0, -1):
        try:
            time = parse_time(" ".join(words[:cut]))
        except BadInputError:
            continue
        zone_text = " ".join(words[cut:])
        if not zone_text:
            return time, None
        try:
            return time, parse_timezone(zone_text)
        except BadInputError as exc:
            zone_error = zone_error or exc  # the longest time's: its zone is the likeliest one
    if zone_error is not None:
        raise zone_error
    # No time at all: quote the words that look like one (`下午 99点`, `25:00`), not the zone.
    timeish = []
    for word in words:
        if not (begins_like_a_time(word) or word.casefold() in _AM_PM):
            break
        timeish.append(word)
    if not timeish and words:
        try:
            return None, parse_timezone(text)
        except LocalisedInputError as exc:
            # A zone's own error when it names what was meant (`Asia/Shangai`: did you mean …;
            # `PST`: an abbreviation); a text that is no zone at all reads as a bad time.
            if exc.key != "error.unknown_timezone":
                raise
        # Nothing in it begins as a time, and it is no zone: say both (`/paper timezone Narnia`
        # is a zone meant, `/paper schedule soon` a time), not "bad time" for a zone.
        raise LocalisedInputError("error.no_time_or_zone", raw=text.strip())
    raise LocalisedInputError("error.bad_time", raw=" ".join(timeish or words[:1]))


_AM_PM = frozenset({"am", "pm", "a.m.", "p.m."})


def _zone_first(words: list[str]) -> tuple[dt.time, str] | None:
    """The time and zone of words that name the zone first (`北京时间 21:30`, `New York 9 pm`),
    or None when no words at the start are a zone. A time at the end makes the words before it
    the zone, so a wrong zone gets the zone's error (`PST 9am`: an abbreviation; `UTC+5:30 9:00`:
    minutes), not "bad time 'PST'"; else the words after a zone are the time, and a wrong time
    gets the time's error (`北京时间 25:00`)."""
    for cut in range(1, len(words)):
        try:
            time = parse_time(" ".join(words[cut:]))
        except BadInputError:
            continue
        return time, parse_timezone(" ".join(words[:cut]))
    for cut in range(1, len(words)):
        try:
            zone = parse_timezone(" ".join(words[:cut]))
        except BadInputError:
            continue
        return parse_time(" ".join(words[cut:])), zone
    return None


def begins_like_a_time(text: str) -> bool:
    """Whether text begins as every time parse_time takes does: a digit (`9:30`, `９点`) or a
    Chinese part of the day (`下午3点`)."""
    return (
        text[:1].isdigit() or text.startswith(tuple(_PERIODS_ZH)) or _BEGINS_ZH_CLOCK.match(text) is not None
    )


def format_time(value: dt.time) -> str:
    return value.strftime("%H:%M")


@cache
def _zones() -> dict[str, str]:
    names = iana_zones()
    zones = {name.casefold(): name for name in names}
    # `shanghai` or `new york` for Asia/Shanghai and America/New_York, when only one zone fits.
    # Not Etc/: its last parts are no city, and `gmt+8` would name Etc/GMT+8, which is UTC-8
    # (POSIX signs); offsets typed without `Etc/` are read as people mean them (parse_offset).
    cities: dict[str, list[str]] = {}
    for name in names:
        if not name.startswith("Etc/"):
            cities.setdefault(name.rsplit("/", 1)[-1].replace("_", " ").casefold(), []).append(name)
    for city, matches in cities.items():
        if len(matches) == 1:
            zones.setdefault(city, matches[0])
    zones.update(PLACES)
    return zones


def zone_names() -> dict[str, str]:
    """Every accepted time-zone spelling (case-folded) with the IANA zone it means."""
    return dict(_zones())


# Abbreviations that are no IANA zone: several places share most of them (CST is Chicago's and
# China's, IST India's, Israel's and Ireland's), and even one place's (PT) names two offsets a
# year. They are never guessed; the reply names the zones people usually mean.
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "pt": ("America/Los_Angeles", "America/Vancouver"),
    "pst": ("America/Los_Angeles", "Asia/Manila"),
    "pdt": ("America/Los_Angeles",),
    "mt": ("America/Denver", "America/Phoenix"),
    "mdt": ("America/Denver",),
    "ct": ("America/Chicago",),
    "cst": ("America/Chicago", "Asia/Shanghai", "America/Havana"),
    "cdt": ("America/Chicago", "America/Havana"),
    "et": ("America/New_York", "America/Toronto"),
    "edt": ("America/New_York", "America/Toronto"),
    "ist": ("Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"),
    "bst": ("Europe/London", "Asia/Dhaka"),
    "cest": ("Europe/Paris", "Europe/Berlin"),
    "eest": ("Europe/Athens", "Europe/Helsinki"),
    "west": ("Europe/Lisbon",),
    "msk": ("Europe/Moscow",),
    "jst": ("Asia/Tokyo",),
    "kst": ("Asia/Seoul",),
    "hkt": ("Asia/Hong_Kong",),
    "sgt": ("Asia/Singapore",),
    "bjt": ("Asia/Shanghai",),
    "aest": ("Australia/Sydney", "Australia/Brisbane"),
    "aedt": ("Australia/Sydney", "Australia/Melbourne"),
    "acst": ("Australia/Adelaide", "Australia/Darwin"),
    "awst": ("Australia/Perth",),
    "nzst": ("Pacific/Auckland",),
    "nzdt": ("Pacific/Auckland",),
}
# Offsets with minutes, which no IANA zone is all year: the places that use them.
_MINUTE_OFFSETS: dict[int, tuple[str, ...]] = {
    -570: ("Pacific/Marquesas",),
    -210: ("America/St_Johns",),
    -150: ("America/St_Johns",),  # its summer time
    210: ("Asia/Tehran",),
    270: ("Asia/Kabul",),
    330: ("Asia/Kolkata", "Asia/Colombo"),
    345: ("Asia/Kathmandu",),
    390: ("Asia/Yangon", "Indian/Cocos"),
    525: ("Australia/Eucla",),
    570: ("Australia/Darwin", "Australia/Adelaide"),
    630: ("Australia/Adelaide", "Australia/Lord_Howe"),  # Adelaide's summer time, Lord Howe's winter
    765: ("Pacific/Chatham",),
    825: ("Pacific/Chatham",),  # its summer time
}
_OFFSET_EXAMPLES = ("Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide")


def parse_timezone(text: str) -> str:
    """An IANA zone name (any case), a unique city name, a common alias, or a UTC offset as
    people write it (`UTC+8`, `GMT-5`, `+08:00`, `东八区`: east positive) → the IANA name to
    store. A whole-hour offset is its `Etc/GMT` zone (UTC+8 → `Etc/GMT-8`, shown as UTC+08:00
    by `zone_label`); one with minutes is refused, naming the places that use it, because no
    IANA zone is that offset and the subscription's `tz` stays an IANA name everywhere."""
    raw = text.strip()
    key = raw.replace("_", " ").casefold()
    zone = _known_zone(raw)
    if zone is not None:
        try:
            load_zone(zone)
            return zone
        except UnusableZoneError:
            pass
    offset = parse_offset(raw)
    if offset is not None:
        return _offset_zone(raw, offset)
    if key in _ABBREVIATIONS:
        raise LocalisedInputError(
            "error.timezone_abbreviation", raw=raw, examples=" / ".join(_ABBREVIATIONS[key])
        )
    # Plain edit distance, not WRatio: WRatio scores a short text by its best partial match, so
    # `PT` came back as "Egypt" and `am` as "America/Marigot".
    best = process.extractOne(key, list(_zones()), scorer=fuzz.ratio, score_cutoff=85)
    if best:
        raise LocalisedInputError("error.unknown_timezone.suggest", raw=raw, suggestion=_zones()[best[0]])
    raise LocalisedInputError("error.unknown_timezone", raw=raw)


# 北京时间, 纽约时间: how Chinese names a place's time; the zone is the place's.
_TIME_OF = "时间"


def _known_zone(raw: str) -> str | None:
    """The zone a typed name names: an IANA name (spaces for underscores), a city, or a place of
    bot/chat/places.py, in traditional characters too (紐約 is 纽约), with 时间 after it or not."""
    zones = _zones()
    folded = to_simplified(raw.casefold())
    for name in (folded, folded.replace("_", " "), folded.replace(" ", "_")):
        zone = zones.get(name) or (
            zones.get(name.removesuffix(_TIME_OF)) if name.endswith(_TIME_OF) else None
        )
        if zone is not None:
            return zone
    return None


def _offset_zone(raw: str, offset: Offset) -> str:
    if not offset.in_range:
        raise LocalisedInputError("error.timezone_offset_range", raw=raw, offset=offset.label)
    zone = offset.zone
    if zone is None:
        examples = _MINUTE_OFFSETS.get(offset.minutes, _OFFSET_EXAMPLES)
        raise LocalisedInputError(
            "error.timezone_offset_minutes", raw=raw, offset=offset.label, examples=" / ".join(examples)
        )
    return zone


def parse_locale(text: str) -> Locale:
    """`en`, `zh`, `zh-CN`, `English`, `中文` → `en` or `zh`."""
    key = to_simplified(text.strip().casefold().replace("_", "-"))
    locale = _LOCALE_NAMES.get(key) or _LOCALE_NAMES.get(key.split("-")[0])
    if locale is None:
        raise LocalisedInputError("error.unknown_language", text=text)
    return locale


def parse_channel(platform: Any, workspace: Any, channel: Any) -> ChannelRef:
    """A channel of an import file; raises BadInputError when either id cannot exist on its
    platform (bot/ids.py), so nothing is stored that a delivery would post to blindly."""
    if platform not in PLATFORMS:
        raise BadInputError(f"unknown platform {platform!r}: use {' or '.join(PLATFORMS[:2])}")
    for name, value in (("workspace", workspace), ("channel", channel)):
        if not isinstance(value, str) or not value.strip():
            raise BadInputError(f"{name} must be a non-empty string")
    return check_channel(ChannelRef(platform, workspace.strip(), channel.strip()))


# `/paper set NAME VALUE`: each setting's names (English, Chinese) and its values' names.
_SETTING_NAMES = {
    "size": "size",
    "top": "size",
    "数量": "size",
    "篇数": "size",
    "min-upvotes": "min_upvotes",
    "min_upvotes": "min_upvotes",
    "upvotes": "min_upvotes",
    "最少点赞": "min_upvotes",
    "点赞下限": "min_upvotes",
    "order": "order",
    "sort": "order",
    "排序": "order",
    "images": "images",
    "image": "images",
    "thumbnails": "images",
    "图片": "images",
    "配图": "images",
    "layout": "layout",
    "布局": "layout",
    "版式": "layout",
}
_ORDER_NAMES = {"relevance": "relevance", "相关度": "relevance", "相关": "relevance"} | {
    "upvotes": "upvotes",
    "votes": "upvotes",
    "点赞": "upvotes",
    "点赞数": "upvotes",
}
_OFF = frozenset({"off", "none", "0", "关闭", "关", "无", "不限"})
# `/paper set images on|off` (开|关) and `/paper set layout cards|compact` (卡片|紧凑).
_SWITCH_NAMES = {
    "on": True,
    "yes": True,
    "true": True,
    "开": True,
    "开启": True,
    "打开": True,
    "off": False,
    "no": False,
    "false": False,
    "关": False,
    "关闭": False,
}
_LAYOUT_NAMES: dict[str, CardLayout] = {
    "cards": "cards",
    "card": "cards",
    "卡片": "cards",
    "compact": "compact",
    "list": "compact",
    "紧凑": "compact",
    "精简": "compact",
}
# Far above any paper's upvotes, far below the column's INTEGER (PostgreSQL: 2,147,483,647).
MAX_MIN_UPVOTES = 1_000_000


def parse_digest_setting(name: str, value: str) -> dict[str, Any]:
    """One `/paper set` change as DigestSettings fields; raises BadInputError saying what works."""
    field = _SETTING_NAMES.get(to_simplified(name.strip().casefold()))
    text = to_simplified(value.strip().casefold())
    if field is None:
        raise LocalisedInputError("error.unknown_setting", name=name)
    if field == "images":
        if text not in _SWITCH_NAMES:
            raise LocalisedInputError("error.unknown_switch", name=name, value=value)
        return {"images": _SWITCH_NAMES[text]}
    if field == "layout":
        if text not in _LAYOUT_NAMES:
            raise LocalisedInputError("error.unknown_layout", value=value)
        return {"layout": _LAYOUT_NAMES[text]}
    if field == "order":
        order = _ORDER_NAMES.get(text)
        if order is None:
            raise LocalisedInputError("error.unknown_order", value=value)
        return {"order": order}
    if field == "min_upvotes" and text in _OFF:
        return {"min_upvotes": None}
    try:
        number = int(text)
    except ValueError:
        raise LocalisedInputError("error.not_a_number", name=name, value=value) from None
    if field == "size":
        if not 1 <= number <= MAX_DIGEST_SIZE:
            raise LocalisedInputError("error.size_range", max=MAX_DIGEST_SIZE)
        return {"size": number}
    if not 0 <= number <= MAX_MIN_UPVOTES:
        raise LocalisedInputError("settings.min_upvotes.range", max=MAX_MIN_UPVOTES)
    return {"min_upvotes": number}


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_NAMES: dict[str, int] = {}
for _number, _name in enumerate(WEEKDAYS):
    _zh = "一二三四五六日"[_number]
    for _spelling in (_name, _name[:3], f"周{_zh}", f"星期{_zh}", f"礼拜{_zh}"):
        _WEEKDAY_NAMES[_spelling] = _number
_WEEKDAY_NAMES.update({"周天": 6, "星期天": 6, "礼拜天": 6, "thur": 3})  # thur(s): as tue(s), wed(s)
# After 每周 the day may be its numeral alone (`每周 五`, as 每周五 is said).
_WEEKDAY_NAMES.update({day: number for number, day in enumerate("一二三四五六日")} | {"天": 6})
_CADENCE_NAMES = {
    "daily": "daily",
    "every day": "daily",
    "每天": "daily",
    "每日": "daily",
    "weekdays": "weekdays",
    "workdays": "weekdays",
    "every weekday": "weekdays",
    "mon-fri": "weekdays",
    "工作日": "weekdays",
    "每个工作日": "weekdays",
    "周一到周五": "weekdays",
    "周一至周五": "weekdays",
    "weekly": "weekly",
    "每周": "weekly",
}


def _day_alone(words: list[str]) -> int | None:
    """The weekday a cadence names by its day alone, as people say a weekly one: `friday`,
    `fridays`, `every friday`, `each fri`, `周五`. Not a bare numeral (`五`), which only 每周
    makes a day."""
    if len(words) == 2 and words[0] in {"every", "each"}:
        words = words[1:]
    if len(words) != 1 or len(words[0]) < 2:
        return None
    return _weekday(words[0])


def _weekday(day: str) -> int | None:
    """The weekday a word names (`friday`, `fri`, `fridays`, `tues`, `周五`), or None."""
    return _WEEKDAY_NAMES.get(day, _WEEKDAY_NAMES.get(day.removesuffix("s")) if day.isascii() else None)


def parse_cadence(text: str) -> dict[str, Any]:
    """`daily`, `weekdays`, or `weekly [DAY]` (default Monday), in English or Chinese, as
    DigestSettings fields; raises BadInputError saying what works."""
    words = to_simplified(text.strip().casefold()).split()
    if not words:
        raise LocalisedInputError("error.cadence_empty")
    cadence = _CADENCE_NAMES.get(words[0]) or _CADENCE_NAMES.get(" ".join(words[:2]))
    if cadence is None and (weekday := _day_alone(words)) is not None:
        return {"cadence": "weekly", "weekday": weekday}
    if cadence == "weekly" and words[1:2] == ["on"]:
        if len(words) == 2:  # `weekly on`: a day was meant, not Monday by default
            raise LocalisedInputError("error.unknown_day", day="on")
        words = words[:1] + words[2:]  # `weekly on friday`
    if cadence is None:
        # 每周五: the Chinese way writes the day into the word.
        if words[0].startswith("每周") and len(words) == 1 and f"周{words[0][2:]}" in _WEEKDAY_NAMES:
            return {"cadence": "weekly", "weekday": _WEEKDAY_NAMES[f"周{words[0][2:]}"]}
        raise LocalisedInputError("error.unknown_cadence", text=text.strip())
    if cadence != "weekly":
        return {"cadence": cadence}
    day = words[1] if len(words) > 1 else "monday"
    weekday = _weekday(day)
    if weekday is None:
        raise LocalisedInputError("error.unknown_day", day=day)
    return {"cadence": "weekly", "weekday": weekday}


def to_export(subscription: Subscription, taxonomy: Taxonomy) -> dict[str, Any]:
    """The `subscriptions export` shape of CONTRACT.md, plus keywords, pause and owner."""
    ref = subscription.channel
    return {
        "platform": ref.platform,
        "workspace": ref.workspace,
        "channel": ref.channel,
        "topics": [taxonomy.get(t).name for t in subscription.interests.topics],
        "keywords": list(subscription.interests.keywords),
        "exclude_topics": [taxonomy.get(t).name for t in subscription.interests.excluded_topics],
        "exclude_keywords": list(subscription.interests.excluded_keywords),
        "digest": {
            "size": subscription.settings.size,
            "min_upvotes": subscription.settings.min_upvotes,
            "order": subscription.settings.order,
            "cadence": subscription.settings.cadence,
            **(
                {"weekday": WEEKDAYS[subscription.settings.weekday]}
                if subscription.settings.cadence == "weekly"
                else {}
            ),
            "images": subscription.settings.images,
            "layout": subscription.settings.layout,
        },
        "time": format_time(subscription.time),
        "tz": subscription.tz,
        "locale": subscription.locale,
        "paused": subscription.paused,
        "paused_reason": subscription.paused_reason,
        "created_by": subscription.created_by,
        # A reader's DM with the app (Slack D…, Discord "dm"): told from the ids, written for people.
        "personal": is_personal(ref),
    }


# Every key of an import entry: what `to_export` writes, the channel's `feedback` and its
# `last_digest` (tests/bot/chat/test_subscribing.py holds the two equal).
ENTRY_KEYS = (
    "platform",
    "workspace",
    "channel",
    "topics",
    "keywords",
    "exclude_topics",
    "exclude_keywords",
    "digest",
    "time",
    "tz",
    "locale",
    "paused",
    "paused_reason",
    "created_by",
    "personal",
    "feedback",
    "last_digest",
)


def from_export(entry: Any, taxonomy: Taxonomy, *, default_tz: str = "UTC") -> Subscription:
    """One entry of a `subscriptions import` file, validated; raises BadInputError."""
    if not isinstance(entry, dict):
        raise BadInputError("each entry must be a JSON object")
    # A misspelt key ("exclude_topic", "timezone") must not be dropped in silence: its channel
    # would get papers it excluded, at a time it did not choose.
    unknown = sorted(set(map(str, entry)) - set(ENTRY_KEYS))
    if unknown:
        raise BadInputError(
            f"unknown key {', '.join(map(repr, unknown))}; an entry has {', '.join(ENTRY_KEYS)}"
        )
    ref = parse_channel(entry.get("platform"), entry.get("workspace"), entry.get("channel"))
    topics = _strings(entry.get("topics", []), "topics")
    # Keywords are taken as they are (never resolved), so one that looks like a topic stays a keyword.
    keywords = Interests(
        keywords=tuple(normalise_keyword(k) for k in _strings(entry.get("keywords", []), "keywords"))
    )
    interests = merge_interests(resolve_terms(topics, taxonomy) if topics else Interests(), keywords)
    # Both lists given and empty: a channel unsubscribed from its last topic, which keeps its
    # settings and gets no digest (bot/chat/use_cases.py), as an export writes it.
    follows_nothing = entry.get("topics") == [] and entry.get("keywords") == []
    if not interests and not follows_nothing:
        raise BadInputError("the topic list is empty: name at least one topic or keyword")
    excluded_topics = _strings(entry.get("exclude_topics", []), "exclude_topics")
    excluded = resolve_terms(excluded_topics, taxonomy) if excluded_topics else Interests()
    if excluded.keywords:
        raise BadInputError(f"exclude_topics names no topic: {', '.join(excluded.keywords)}")
    interests = merge_interests(
        interests,
        Interests(
            excluded_topics=excluded.topics,
            excluded_keywords=tuple(
                normalise_keyword(k) for k in _strings(entry.get("exclude_keywords", []), "exclude_keywords")
            ),
        ),
    )
    created_by = entry.get("created_by")
    if created_by is not None and (not isinstance(created_by, str) or len(created_by) > MAX_ID_LENGTH):
        raise BadInputError(f"created_by must be a string of at most {MAX_ID_LENGTH} characters")
    personal = entry.get("personal", is_personal(ref))
    if personal is not is_personal(ref):  # also refuses a value that is not true or false
        shape = "a DM (Slack D…, Discord workspace dm)" if personal is True else "a channel"
        raise BadInputError(f"personal is {json.dumps(personal)}, but {ref} is not {shape}")
    paused = entry.get("paused", False)
    if not isinstance(paused, bool):
        raise BadInputError(f"paused must be true or false, not {paused!r}")
    reason = entry.get("paused_reason")
    settings = _settings(entry.get("digest", {}))
    return Subscription(
        channel=ref,
        interests=interests,
        time=parse_time(_string(entry.get("time", "09:00"), "time")),
        tz=parse_timezone(_string(entry.get("tz", default_tz), "tz")),
        locale=parse_locale(_string(entry.get("locale", "en"), "locale")),
        paused=paused,
        paused_reason=reason if paused and isinstance(reason, str) else None,
        created_by=created_by,
        settings=settings,
    )


def _settings(value: Any) -> DigestSettings:
    if not isinstance(value, dict):
        raise BadInputError(
            'digest must be an object: {"size": 10, "min_upvotes": null, "order": "relevance"}'
        )
    unknown = set(value) - {"size", "min_upvotes", "order", "cadence", "weekday", "images", "layout"}
    if unknown:
        raise BadInputError(f"digest has unknown settings: {', '.join(sorted(unknown))}")
    fields: dict[str, Any] = {}
    if "cadence" in value or "weekday" in value:
        cadence, day = value.get("cadence", "weekly"), value.get("weekday", "")
        if not isinstance(cadence, str) or not isinstance(day, str):
            raise BadInputError("digest cadence and weekday must be strings")
        fields.update(parse_cadence(f"{cadence} {day}" if cadence == "weekly" else cadence))
    if "images" in value:
        if not isinstance(value["images"], bool):
            raise BadInputError("digest images must be true or false")
        fields["images"] = value["images"]
    if "layout" in value:
        if value["layout"] not in CARD_LAYOUTS:
            raise BadInputError(f"digest layout must be {' or '.join(CARD_LAYOUTS)}")
        fields["layout"] = value["layout"]
    for name, given in value.items():
        if name in {"cadence", "weekday", "images", "layout"}:
            continue
        text = "off" if name == "min_upvotes" and given is None else str(given)
        if name != "order" and (isinstance(given, bool) or not isinstance(given, int | None)):
            raise BadInputError(f"digest {name} must be a whole number")
        fields.update(parse_digest_setting(name, text))
    return DigestSettings(**fields)


@dataclass(frozen=True, slots=True)
class ImportFile:
    """A `subscriptions import` file, every entry checked: its subscriptions in file order, the
    `feedback` (votes) of the entries that carry one, and their `last_digest`."""

    subscriptions: list[Subscription]
    feedback: dict[ChannelRef, ChannelPreferences]
    last_digests: dict[ChannelRef, LastDigest]


# A check the caller adds to every entry: the store's, whether its rows fit every database.
EntryCheck = Callable[[Subscription, ChannelPreferences | None], str | None]


def read_import(
    entries: Any, taxonomy: Taxonomy, *, default_tz: str = "UTC", check: EntryCheck | None = None
) -> ImportFile:
    """A whole import file, every entry (and its feedback, and `check`) checked before any is
    stored; raises one BadInputError counting the bad entries and quoting the first
    (`import_refused`), so nothing is imported when any entry is wrong."""
    if not isinstance(entries, list):
        raise BadInputError("a subscriptions file holds a JSON list of subscriptions")
    found = ImportFile([], {}, {})
    problems: list[str] = []
    seen: dict[ChannelRef, int] = {}
    for index, entry in enumerate(entries, start=1):
        try:
            subscription, feedback = _entry(entry, taxonomy, default_tz, check)
            last_digest = _last_digest(entry)
            if subscription.channel in seen:
                raise BadInputError(f"same channel as entry {seen[subscription.channel]}")
        except BadInputError as exc:
            problems.append(f"entry {index}: {exc}")
            continue
        seen[subscription.channel] = index
        found.subscriptions.append(subscription)
        if feedback is not None:
            found.feedback[subscription.channel] = feedback
        if last_digest is not None:
            found.last_digests[subscription.channel] = last_digest
    if problems:
        raise import_refused(problems)
    return found


def read_export(entries: Any, taxonomy: Taxonomy, *, default_tz: str = "UTC") -> list[Subscription]:
    """The subscriptions of an import file (`read_import`, without the store's check)."""
    return read_import(entries, taxonomy, default_tz=default_tz).subscriptions


def _entry(
    entry: Any, taxonomy: Taxonomy, default_tz: str, check: EntryCheck | None
) -> tuple[Subscription, ChannelPreferences | None]:
    try:
        subscription = from_export(entry, taxonomy, default_tz=default_tz)
        feedback = _feedback(entry)
    except OverflowError as exc:  # a number or date past what Python's datetime can hold
        raise BadInputError(f"a value is out of range ({exc})") from None
    problem = check(subscription, feedback) if check is not None else None
    if problem is not None:
        raise BadInputError(problem)
    return subscription, feedback


# The first problem of a refused import is quoted up to this many characters: a value in a
# message (a bad time zone, an overlong id) may be as long as the file, the line may not.
_QUOTED = 300
_NAMED = 5  # entries named after the first one


def import_refused(problems: Sequence[str]) -> BadInputError:
    """One short line for a refused import: how many entries are wrong, the first in full and
    the next few by number ("nothing imported — 3 problems, first: entry 2999: …")."""
    first = _shorten(" ".join(problems[0].split()), _QUOTED)
    if len(problems) == 1:
        return BadInputError(f"nothing imported — 1 problem: {first}")
    others = [problem.split(":", 1)[0].removeprefix("entry ") for problem in problems[1 : 1 + _NAMED]]
    rest = len(problems) - 1 - len(others)
    also = (
        ("entry " if len(problems) == 2 else "entries ")
        + ", ".join(others)
        + (f" and {rest} more" if rest else "")
    )
    return BadInputError(f"nothing imported — {len(problems)} problems, first: {first} (also {also})")


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else f"{text[: width - 1]}…"


def _string(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise BadInputError(f"{name} must be a string")
    return value


def _strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInputError(f"{name} must be a list of strings")
    return list(value)


def merge_interests(current: Interests, added: Interests) -> Interests:
    """`current` plus `added`. What is newly followed stops being excluded and what is newly
    excluded stops being followed: the latest word on a topic or keyword wins."""
    return Interests(
        _union([t for t in current.topics if t not in added.excluded_topics], added.topics),
        _union_keywords(_without(current.keywords, added.excluded_keywords), added.keywords),
        _union([t for t in current.excluded_topics if t not in added.topics], added.excluded_topics),
        _union_keywords(_without(current.excluded_keywords, added.keywords), added.excluded_keywords),
    )


def remove_interests(current: Interests, removed: Interests) -> Interests:
    """`current` without `removed` (keywords compared regardless of case, as they match)."""
    return Interests(
        tuple(t for t in current.topics if t not in removed.topics),
        _without(current.keywords, removed.keywords),
        tuple(t for t in current.excluded_topics if t not in removed.excluded_topics),
        _without(current.excluded_keywords, removed.excluded_keywords),
    )


def _keyword_key(keyword: str) -> str:
    """What two keywords are compared by: case aside, and the characters a typed keyword loses
    (bot.text.UNSAFE) aside, so one stored with a bidi override before they were taken out is
    still the one typed without it (to unsubscribe, include or exclude it)."""
    return without_unsafe(keyword).casefold()


def _without(keywords: Iterable[str], removed: Iterable[str]) -> tuple[str, ...]:
    gone = {_keyword_key(r) for r in removed}
    return tuple(k for k in keywords if _keyword_key(k) not in gone)


def _union_keywords(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    keywords: dict[str, str] = {}
    for keyword in (*first, *second):
        keywords.setdefault(_keyword_key(keyword), keyword)  # the first spelling stays
    return tuple(keywords.values())


def _union(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


# -- feedback ----------------------------------------------------------------------------------
# A channel's 👍 / 👎 (bot/ranking/tuning.py) travel with its subscription as `"feedback"`:
# `ChannelPreferences.to_json()`, the votes themselves (the weights are derived from them).


def last_digest_to_json(last: LastDigest) -> dict[str, str]:
    """An entry's `last_digest`, as export writes it and `_last_digest` reads it."""
    return {"date": last.date.isoformat(), "status": last.status}


def _last_digest(entry: Any) -> LastDigest | None:
    """The entry's `last_digest` (the newest day whose digest the channel is done with where it
    was exported), checked, or None when it has none (a file of before it was written)."""
    value = entry.get("last_digest")
    if value is None:
        return None
    statuses = " | ".join(map(json.dumps, FINISHED_STATUSES))
    shape = f'last_digest must be {{"date": "YYYY-MM-DD", "status": {statuses}}}'
    if not isinstance(value, dict) or set(value) != {"date", "status"}:
        raise BadInputError(shape)
    day, status = value["date"], value["status"]
    if status not in FINISHED_STATUSES or not isinstance(day, str) or len(day) != len("YYYY-MM-DD"):
        raise BadInputError(shape)
    try:
        return LastDigest(dt.date.fromisoformat(day), status)
    except ValueError:
        raise BadInputError(f"last_digest date {day!r} is not a date: {shape}") from None


def _feedback(entry: Any) -> ChannelPreferences | None:
    """The entry's `feedback`, checked, or None when it has none. An entry without `feedback`
    leaves the channel's votes as they are; one with it replaces them."""
    if not isinstance(entry, dict) or entry.get("feedback") is None:
        return None
    feedback = entry["feedback"]
    if not isinstance(feedback, dict):
        raise BadInputError("feedback must be a JSON object")
    preferences = ChannelPreferences.from_json(feedback)
    if preferences.half_life_days != HALF_LIFE_DAYS:
        # The archive keeps votes, not a half-life per channel: taking another one in silence
        # would change how fast this channel forgets without saying so.
        raise BadInputError(
            f"feedback half_life_days {preferences.half_life_days:g} is not supported: every "
            f"channel's votes fade with a half-life of {HALF_LIFE_DAYS:g} days"
        )
    return preferences
