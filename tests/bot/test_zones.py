"""bot/zones.py: offsets read as people mean them (east of Greenwich positive), stored as the
IANA zone that is that offset, and shown as the offset, never by the inverted POSIX name."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot import zones
from bot.zones import Offset, UnusableZoneError, load_zone, parse_offset, zone_label

# A fixed instant (never the wall clock): a zone's offset is read at it.
INSTANT = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)


def hours_east(zone: str) -> float:
    offset = INSTANT.astimezone(ZoneInfo(zone)).utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("UTC+8", 480),
        ("GMT+8", 480),
        ("utc+08:00", 480),
        ("UTC +8", 480),
        ("+08:00", 480),
        ("+0800", 480),
        ("+8", 480),
        ("UTC-5", -300),
        ("GMT-05:00", -300),
        ("UTC\u22125", -300),  # the minus sign a word processor types
        ("ＵＴＣ＋８", 480),  # full-width, from a Chinese keyboard
        ("UTC+5:30", 330),
        ("+05:45", 345),
        ("UTC+0", 0),
        ("东八区", 480),
        ("西五区", -300),
        ("东十二区", 720),
        ("UTC+15", 900),  # read, so the caller can say it is out of range
    ],
)
def test_offsets_read_as_people_mean_them(text: str, minutes: int) -> None:
    assert parse_offset(text) == Offset(minutes)


@pytest.mark.parametrize("text", ["Asia/Shanghai", "Etc/GMT+8", "UTC", "8:30", "+8:75", "", "东方区"])
def test_what_is_no_offset_is_none(text: str) -> None:
    assert parse_offset(text) is None


@pytest.mark.parametrize(("minutes", "hours"), [(480, 8), (-300, -5), (840, 14), (-720, -12)])
def test_a_whole_hour_offset_is_the_etc_zone_with_that_offset(minutes: int, hours: int) -> None:
    zone = Offset(minutes).zone
    assert zone is not None
    assert hours_east(zone) == hours  # Etc/GMT-8 for UTC+8: the POSIX sign is inverted
    assert zone_label(zone) == Offset(minutes).label


def test_offsets_without_a_zone() -> None:
    assert Offset(0).zone == "UTC"
    assert Offset(330).zone is None  # minutes: no IANA zone is UTC+5:30 all year
    assert Offset(900).zone is None  # east of Kiribati
    assert Offset(-780).zone is None  # west of Baker Island


@pytest.mark.parametrize(
    ("zone", "label"),
    [
        ("Etc/GMT-8", "UTC+08:00"),
        ("Etc/GMT+8", "UTC-08:00"),  # typed in full it keeps IANA's meaning, and says so
        ("Etc/GMT-14", "UTC+14:00"),
        ("Etc/GMT+0", "UTC"),
        ("Asia/Shanghai", "Asia/Shanghai"),
        ("UTC", "UTC"),
    ],
)
def test_labels_show_the_offset_not_the_posix_name(zone: str, label: str) -> None:
    assert zone_label(zone) == label


@pytest.mark.parametrize("name", ["No/Such_Zone", "", "../etc/passwd", "Asia", "Asia/"])
def test_a_name_that_does_not_load_is_one_error(name: str) -> None:
    with pytest.raises(UnusableZoneError, match="cannot be used here"):
        load_zone(name)


def test_files_beside_the_zones_are_no_zones(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = {"Asia/Shanghai", "localtime", "posixrules", "Factory", "posix/Asia/Shanghai", "right/UTC"}
    monkeypatch.setattr(zones, "available_timezones", lambda: listed)
    assert zones.iana_zones.__wrapped__() == {"Asia/Shanghai"}
