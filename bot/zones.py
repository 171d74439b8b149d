"""Time zones as paperbot stores and shows them.

A subscription's `tz` is always an IANA zone name, so a database row, an export and an import
file mean the same thing to paperbot and to any other tool that reads them. What people type
(`UTC+8`, `GMT+8`, `+08:00`) is turned into one here: a whole-hour offset becomes the matching
`Etc/GMT` zone, whose POSIX name has the sign inverted (`Etc/GMT-8` is UTC+8), so it is shown
as `UTC+08:00` and never by that name. An offset with minutes (`UTC+5:30`) has no IANA zone:
the chat layer (bot/chat/subscribing.py) refuses it and names the places that use it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Files a zoneinfo directory holds beside the zones, which `available_timezones()` lists on some
# hosts: `localtime` is the host's own setting (it follows whatever machine paperbot runs on, and
# is missing from the `tzdata` package), `posixrules` a default for POSIX TZ strings, `Factory`
# a placeholder zone whose abbreviation is "-00". None of them is a place's time.
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_NOT_ZONE_DIRS = ("posix/", "right/")  # copies of the whole database under another name

# Etc/GMT-14 (UTC+14, Kiribati) to Etc/GMT+12 (UTC-12): the only whole-hour zones IANA has.
MOST_EAST_MINUTES = 14 * 60
MOST_WEST_MINUTES = -12 * 60

ETC_GMT = re.compile(r"^Etc/GMT([+-])(\d{1,2})$")
# `UTC+8`, `GMT +8`, `utc+08:00`, `UTC-5`, `+08:00`, `+0530`, `UTC+5:30`, `UTC+8h`.
_OFFSET = re.compile(
    r"^(?:(?:utc|gmt|z)\s*)?([+-])\s*(\d{1,2})(?:\s*(?:[:h]\s*(\d{2})|(\d{2})|h))?$",
    re.IGNORECASE,
)
# 东八区 / 西五区: how Chinese speakers name a whole-hour offset (east positive, as UTC+8).
_ZH_OFFSET = re.compile(r"^(东|東|西)([一二三四五六七八九十]{1,3}|\d{1,2})区$")
_ZH_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九十")}


class UnusableZoneError(ValueError):
    """A stored zone name this host cannot turn into a time zone."""

    def __init__(self, name: str, why: str) -> None:
        self.name = name
        super().__init__(f"time zone {name!r} cannot be used here: {why}")


@cache
def iana_zones() -> frozenset[str]:
    """The zone names this host's time-zone data holds, without the files that are no zone."""
    return frozenset(
        name
        for name in available_timezones()
        if name not in NOT_ZONES and not name.startswith(_NOT_ZONE_DIRS)
    )


def load_zone(name: str) -> ZoneInfo:
    """The zone a stored name names; raises UnusableZoneError (whatever zoneinfo raised: not
    found, a directory, a malformed key), so a caller handles one error for one bad row."""
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        raise UnusableZoneError(name, "no such zone in this host's time-zone data") from None
    except IsADirectoryError:
        raise UnusableZoneError(name, "a region of zones, not one zone") from None
    except (ValueError, OSError) as exc:  # "" or "../x" (ValueError), an unreadable file
        raise UnusableZoneError(name, str(exc) or type(exc).__name__) from None


@dataclass(frozen=True, slots=True)
class Offset:
    """A UTC offset as people write it: minutes east of Greenwich (UTC+8 is 480)."""

    minutes: int

    @property
    def label(self) -> str:
        """`UTC+08:00`, `UTC-05:00`, `UTC+05:30`: the spelling replies use."""
        sign = "-" if self.minutes < 0 else "+"
        hours, minutes = divmod(abs(self.minutes), 60)
        return f"UTC{sign}{hours:02d}:{minutes:02d}"

    @property
    def in_range(self) -> bool:
        return MOST_WEST_MINUTES <= self.minutes <= MOST_EAST_MINUTES

    @property
    def zone(self) -> str | None:
        """The IANA zone that is this offset all year, or None (minutes, or out of range).
        Etc/GMT names invert the sign: UTC+8 is `Etc/GMT-8`."""
        if not self.in_range or self.minutes % 60:
            return None
        hours = self.minutes // 60
        return "UTC" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"


def parse_offset(text: str) -> Offset | None:
    """`UTC+8`, `GMT+8`, `UTC+08:00`, `+08:00`, `UTC-5`, `UTC+5:30`, `东八区` as the offset people
    mean (east of Greenwich positive); None when the text is no offset. Explicit IANA names
    (`Etc/GMT+8`, POSIX sign) are not offsets here: they are zones, taken as IANA defines them."""
    raw = _fold(text)
    found = _OFFSET.match(raw)
    if found:
        sign, hours, minutes = found.group(1), int(found.group(2)), found.group(3) or found.group(4)
        if minutes is not None and int(minutes) >= 60:
            return None
        total = hours * 60 + int(minutes or 0)
        return Offset(-total if sign == "-" else total)
    found = _ZH_OFFSET.match(raw)
    if found:
        east = _zh_number(found.group(2))
        if east is None:
            return None
        return Offset(east * 60 if found.group(1) in "东東" else -east * 60)
    return None


def _zh_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    # 一 … 九, 十, 十一, 十二 (the only ones a zone needs)
    if text == "十":
        return 10
    if text.startswith("十") and len(text) == 2 and text[1] in _ZH_DIGITS:
        return 10 + _ZH_DIGITS[text[1]]
    if len(text) == 1 and text in _ZH_DIGITS:
        return _ZH_DIGITS[text]
    return None


def _fold(text: str) -> str:
    """Full-width forms (`ＵＴＣ＋８`, `：`) as ASCII and the minus sign (U+2212) as `-`: what a
    Chinese keyboard or a word processor types for the same offset."""
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()


def zone_label(name: str) -> str:
    """How a stored zone is shown to people: its name, except an `Etc/GMT±N` zone, shown as
    the offset it is (`Etc/GMT-8` → `UTC+08:00`), so nobody reads the inverted POSIX sign."""
    found = ETC_GMT.match(name)
    if found is None:
        return name
    hours = int(found.group(2))
    return Offset(hours * 60 if found.group(1) == "-" else -hours * 60).label if hours else "UTC"
