from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.chat.places import PLACES
from bot.chat.subscribing import (
    ENTRY_KEYS,
    begins_like_a_time,
    from_export,
    merge_interests,
    parse_locale,
    parse_schedule,
    parse_time,
    parse_timezone,
    read_export,
    read_import,
    remove_interests,
    to_export,
)
from bot.errors import BadInputError, LocalisedInputError
from bot.i18n import t
from bot.models import ChannelRef, Interests, LastDigest, Subscription
from bot.topics.taxonomy import Taxonomy, builtin_taxonomy
from bot.topics.traditional import to_simplified


@pytest.fixture
def taxonomy() -> Taxonomy:
    return builtin_taxonomy()


def entry(channel: str = "C1", **fields: Any) -> dict[str, Any]:
    """One import entry; topics default to a single known topic."""
    return {"platform": "slack", "workspace": "T1", "channel": channel, "topics": ["agents"], **fields}


# --- times ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:30", dt.time(9, 30)),
        ("9:30", dt.time(9, 30)),
        ("  9:30  ", dt.time(9, 30)),
        ("0:00", dt.time(0, 0)),
        ("23:59", dt.time(23, 59)),
        ("9am", dt.time(9, 0)),
        ("9AM", dt.time(9, 0)),
        ("12am", dt.time(0, 0)),
        ("12pm", dt.time(12, 0)),
        ("9:30 pm", dt.time(21, 30)),
        ("9:30PM", dt.time(21, 30)),
        ("9 p.m.", dt.time(21, 0)),
        ("21h00", dt.time(21, 0)),
        ("9.30", dt.time(9, 30)),
        ("9：30", dt.time(9, 30)),
        ("9点", dt.time(9, 0)),
        ("9点半", dt.time(9, 30)),
        ("9点15分", dt.time(9, 15)),
        ("上午10点", dt.time(10, 0)),
        ("下午3点", dt.time(15, 0)),
        ("晚上9点", dt.time(21, 0)),
        ("中午12点", dt.time(12, 0)),
        # The small hours, where DST changes fall, and noon's afternoon: 中午1点 is 13:00, not 01:00.
        ("凌晨2点半", dt.time(2, 30)),
        ("凌晨 1点30分", dt.time(1, 30)),
        ("凌晨12点", dt.time(0, 0)),
        ("清晨6点", dt.time(6, 0)),
        ("早晨7点", dt.time(7, 0)),
        ("中午1点", dt.time(13, 0)),
        ("中午11点半", dt.time(11, 30)),
        ("傍晚6点", dt.time(18, 0)),
        ("晚上12点", dt.time(0, 0)),
        ("下午 3点", dt.time(15, 0)),  # the period as its own word, as typed after /paper 定时
        ("下午 3 点", dt.time(15, 0)),
        ("9 点 半", dt.time(9, 30)),
    ],
)
def test_parse_time_accepts(text: str, expected: dt.time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "24:00", "9:75", "13pm", "0am", "soon", "", "9点75分", "9:3"])
def test_parse_time_rejects_naming_the_value(text: str) -> None:
    with pytest.raises(BadInputError, match=re.escape(f"bad time {text!r}")) as caught:
        parse_time(text)
    assert "HH:MM" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:30", (dt.time(9, 30), None)),
        ("9:30 pm", (dt.time(21, 30), None)),
        ("9 am", (dt.time(9, 0), None)),
        ("9 p.m. Asia/Tokyo", (dt.time(21, 0), "Asia/Tokyo")),
        ("9:00 New York", (dt.time(9, 0), "America/New_York")),
        ("9:00 America/New York", (dt.time(9, 0), "America/New_York")),
        ("9 am UTC+8", (dt.time(9, 0), "Etc/GMT-8")),
        ("下午 3点", (dt.time(15, 0), None)),
        ("下午3点 北京", (dt.time(15, 0), "Asia/Shanghai")),
        ("凌晨2点半 New York", (dt.time(2, 30), "America/New_York")),
        ("  21h00   UTC  ", (dt.time(21, 0), "UTC")),
    ],
)
def test_parse_schedule_takes_a_time_and_a_zone_of_several_words(
    text: str, expected: tuple[dt.time, str | None]
) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00 Asia/Shanghai", "bad time '25:00'"),  # the time is quoted, not the zone
        ("下午 99点", "bad time '下午 99点'"),
        ("soon", "'soon' is neither a time (HH:MM, e.g. 09:30 or 9:30 pm) nor a time zone"),
        ("Narnia", "'Narnia' is neither a time"),  # `/paper timezone Narnia`: not "bad time"
        ("9:30 pm Mars", "unknown time zone 'Mars'"),  # the zone after the longest time
        ("9 am Mars Base", "unknown time zone 'Mars Base'"),
        ("8:30 localtime", "unknown time zone 'localtime'"),
    ],
)
def test_parse_schedule_names_the_part_that_is_wrong(text: str, message: str) -> None:
    with pytest.raises(BadInputError, match=re.escape(message)):
        parse_schedule(text)


# --- time zones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Asia/Shanghai", "Asia/Shanghai"),
        ("America/New_York", "America/New_York"),
        ("asia/shanghai", "Asia/Shanghai"),
        ("EUROPE/LONDON", "Europe/London"),
        (" Europe/Berlin ", "Europe/Berlin"),
        ("shanghai", "Asia/Shanghai"),
        ("Shanghai", "Asia/Shanghai"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("london", "Europe/London"),
        ("北京", "Asia/Shanghai"),
        ("Beijing", "Asia/Shanghai"),
        ("beijing", "Asia/Shanghai"),
        ("东京", "Asia/Tokyo"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
    ],
)
def test_parse_timezone_accepts(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


@pytest.mark.parametrize(
    ("text", "suggestion"), [("Asia/Shangai", "Asia/Shanghai"), ("Europe/Londn", "Europe/London")]
)
def test_parse_timezone_suggests_a_near_miss(text: str, suggestion: str) -> None:
    with pytest.raises(BadInputError, match=re.escape(f"unknown time zone {text!r}")) as caught:
        parse_timezone(text)
    assert f'did you mean "{suggestion}"?' in str(caught.value)


@pytest.mark.parametrize("text", ["xyzzy qwerty", "Mars/Olympus_Base_9", ""])
def test_parse_timezone_rejects_garbage_without_a_suggestion(text: str) -> None:
    with pytest.raises(BadInputError, match=re.escape(f"unknown time zone {text!r}")) as caught:
        parse_timezone(text)
    assert "did you mean" not in str(caught.value)
    assert "Asia/Shanghai" in str(caught.value)  # the example of a valid name


def hours_east(zone: str) -> float:
    """The zone's offset at a fixed winter instant (never the wall clock), in hours east."""
    offset = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC).astimezone(ZoneInfo(zone)).utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("UTC+8", 8),
        ("GMT+8", 8),  # was Etc/GMT+8: UTC-8, 16 hours off for a Beijing user
        ("UTC+08:00", 8),
        ("+08:00", 8),
        ("gmt+8", 8),
        ("UTC-5", -5),
        ("GMT-5", -5),
        ("UTC+0", 0),
        ("东八区", 8),
        ("UTC+14", 14),
        ("UTC-12", -12),
        ("Etc/GMT+8", -8),  # the explicit IANA name keeps its POSIX meaning
        ("etc/gmt-8", 8),
    ],
)
def test_an_offset_is_east_of_greenwich_as_people_mean_it(text: str, hours: int) -> None:
    assert hours_east(parse_timezone(text)) == hours


def test_a_whole_hour_offset_is_stored_as_its_iana_zone() -> None:
    assert parse_timezone("UTC+8") == "Etc/GMT-8"
    assert parse_timezone("UTC-5") == "Etc/GMT+5"
    assert parse_timezone("+00:00") == "UTC"


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("UTC+5:30", ["Asia/Kolkata"]),
        ("+05:45", ["Asia/Kathmandu"]),
        ("UTC+9:30", ["Australia/Darwin", "Australia/Adelaide"]),
        ("UTC+7:20", ["Asia/Kolkata"]),  # used nowhere: an example of a place's zone all the same
    ],
)
def test_an_offset_with_minutes_is_refused_naming_the_places(text: str, places: list[str]) -> None:
    with pytest.raises(LocalisedInputError) as caught:
        parse_timezone(text)
    assert caught.value.key == "error.timezone_offset_minutes"
    for language in ("en", "zh"):
        message = t(caught.value.key, language, **caught.value.values)
        assert all(place in message for place in places), message
    assert str(caught.value).startswith(f"{text!r} is UTC+0")


def test_an_offset_no_place_uses_is_refused() -> None:
    with pytest.raises(LocalisedInputError, match="'UTC\\+15' is UTC\\+15:00, which no place uses") as caught:
        parse_timezone("UTC+15")
    assert "UTC-12 到 UTC+14" in t(caught.value.key, "zh", **caught.value.values)


@pytest.mark.parametrize(
    ("text", "zones"),
    [
        ("PT", ["America/Los_Angeles"]),
        ("ET", ["America/New_York"]),
        ("CST", ["America/Chicago", "Asia/Shanghai"]),
        ("IST", ["Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"]),
        ("pst", ["America/Los_Angeles"]),
        ("JST", ["Asia/Tokyo"]),
    ],
)
def test_an_abbreviation_is_answered_with_the_zones_it_may_mean(text: str, zones: list[str]) -> None:
    with pytest.raises(LocalisedInputError) as caught:
        parse_timezone(text)
    assert caught.value.key == "error.timezone_abbreviation"  # not a fuzzy match: PT was "Egypt"
    for language in ("en", "zh"):
        message = t(caught.value.key, language, **caught.value.values)
        assert all(zone in message for zone in zones), message
        assert "Egypt" not in message


@pytest.mark.parametrize("text", ["localtime", "Factory", "posixrules", "LOCALTIME"])
def test_files_beside_the_zones_are_refused(text: str) -> None:
    with pytest.raises(BadInputError, match=re.escape(f"unknown time zone {text!r}")):
        parse_timezone(text)


@pytest.mark.parametrize("text", ["am", "pm", "PT8"])
def test_a_short_word_gets_no_far_fetched_suggestion(text: str) -> None:
    with pytest.raises(BadInputError) as caught:  # WRatio's partial match: am -> America/Marigot
        parse_timezone(text)
    assert "did you mean" not in str(caught.value)


def test_an_import_reads_offsets_and_refuses_what_is_no_zone(taxonomy: Taxonomy) -> None:
    items = read_export([entry("C1", tz="UTC+8"), entry("C2", tz="Etc/GMT+8")], taxonomy)
    assert [item.tz for item in items] == ["Etc/GMT-8", "Etc/GMT+8"]
    again = read_export([to_export(item, taxonomy) for item in items], taxonomy)
    assert [item.tz for item in again] == ["Etc/GMT-8", "Etc/GMT+8"]  # an export round-trips
    with pytest.raises(BadInputError, match=re.escape("entry 2: unknown time zone 'localtime'")):
        read_export([entry("C1"), entry("C2", tz="localtime")], taxonomy)
    with pytest.raises(BadInputError, match=re.escape("entry 1: 'UTC+5:30' is UTC+05:30")):
        read_export([entry("C1", tz="UTC+5:30")], taxonomy)
    with pytest.raises(BadInputError, match=re.escape("entry 1: 'IST' is an abbreviation")):
        read_export([entry("C1", tz="IST")], taxonomy)


# --- locales -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("en-US", "en"),
        ("English", "en"),
        ("英文", "en"),
        ("zh", "zh"),
        (" zh ", "zh"),
        ("zh-CN", "zh"),
        ("zh_TW", "zh"),
        ("Chinese", "zh"),
        ("中文", "zh"),
        ("繁體中文", "zh"),
    ],
)
def test_parse_locale_accepts(text: str, expected: str) -> None:
    assert parse_locale(text) == expected


@pytest.mark.parametrize("text", ["fr", "de-DE", "klingon", ""])
def test_parse_locale_rejects_unknown(text: str) -> None:
    with pytest.raises(BadInputError, match=re.escape(f"unknown language {text!r}: use en or zh")):
        parse_locale(text)


# --- export and import ---------------------------------------------------------------------------


def test_to_export_uses_canonical_topic_names(taxonomy: Taxonomy) -> None:
    subscription = Subscription(
        channel=ChannelRef("discord", "G1", "C9"),
        interests=Interests(
            ("reinforcement-learning", "video-generation"), ("world model",), ("robotics",), ("survey",)
        ),
        time=dt.time(7, 5),
        tz="Asia/Shanghai",
        locale="zh",
        paused=True,
        paused_reason="bot was kicked",
        created_by="U42",
    )
    assert to_export(subscription, taxonomy) == {
        "platform": "discord",
        "workspace": "G1",
        "channel": "C9",
        "topics": ["reinforcement learning", "video generation"],
        "keywords": ["world model"],
        "exclude_topics": ["robotics & embodied AI"],
        "exclude_keywords": ["survey"],
        "digest": {
            "size": 10,
            "min_upvotes": None,
            "order": "relevance",
            "cadence": "daily",
            "images": False,
            "layout": "cards",
        },
        "time": "07:05",
        "tz": "Asia/Shanghai",
        "locale": "zh",
        "paused": True,
        "paused_reason": "bot was kicked",
        "created_by": "U42",
        "personal": False,
    }


def test_export_import_round_trip(taxonomy: Taxonomy) -> None:
    original = Subscription(
        channel=ChannelRef("slack", "T1", "C1"),
        interests=Interests(("agents", "reinforcement-learning"), ("world model", "GRPO tricks")),
        time=dt.time(21, 30),
        tz="America/New_York",
        locale="zh",
        paused=True,
        created_by="U1",
    )
    assert from_export(to_export(original, taxonomy), taxonomy) == original
    # A channel unsubscribed from its last topic keeps its row and settings: it travels too.
    follows_nothing = replace(original, interests=Interests(excluded_keywords=("medical",)))
    assert from_export(to_export(follows_nothing, taxonomy), taxonomy) == follows_nothing


def test_an_import_entry_has_the_keys_an_export_writes_and_its_feedback(taxonomy: Taxonomy) -> None:
    written = to_export(Subscription(ChannelRef("slack", "T1", "C1"), Interests(("agents",))), taxonomy)
    assert set(ENTRY_KEYS) == {*written, "feedback", "last_digest"}


def test_an_entry_s_last_digest_is_read() -> None:
    found = read_import(
        [entry("C1", last_digest={"date": "2026-12-06", "status": "posted"}), entry("C2")], builtin_taxonomy()
    )
    assert found.last_digests == {ChannelRef("slack", "T1", "C1"): LastDigest(dt.date(2026, 12, 6), "posted")}


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-06",
        {"date": "2026-12-06"},
        {"date": "2026-12-06", "status": "pending"},
        {"date": "2026-13-06", "status": "posted"},
        {"date": "20261206", "status": "posted"},
        {"date": 20261206, "status": "posted"},
        {"date": "2026-12-06", "status": "posted", "parts": 2},
    ],
)
def test_a_bad_last_digest_imports_nothing(value: object) -> None:
    with pytest.raises(BadInputError, match=r"nothing imported — 1 problem: entry 2: last_digest "):
        read_import([entry("C1"), entry("C2", last_digest=value)], builtin_taxonomy())


@pytest.mark.parametrize("key", ["exclude_topic", "timezone", "Topics"])
def test_a_misspelt_key_is_refused_not_dropped(key: str, taxonomy: Taxonomy) -> None:
    with pytest.raises(BadInputError, match=f"unknown key '{key}'; an entry has platform, workspace"):
        from_export({**entry(), key: ["robotics"]}, taxonomy)


def test_import_resolves_chinese_names_and_aliases_to_the_same_ids(taxonomy: Taxonomy) -> None:
    english = from_export(entry(topics=["reinforcement learning", "video generation"]), taxonomy)
    chinese = from_export(entry(topics=["强化学习", "视频生成"]), taxonomy)
    mixed = from_export(entry(topics=["RL", "视频生成", "reinforcement-learning"]), taxonomy)
    expected = ("reinforcement-learning", "video-generation")
    assert english.interests.topics == chinese.interests.topics == mixed.interests.topics == expected


def test_import_keeps_a_keyword_that_looks_like_a_topic_a_keyword(taxonomy: Taxonomy) -> None:
    imported = from_export(entry(topics=[], keywords=["强化学习", "RL", "agents"]), taxonomy)
    assert imported.interests == Interests((), ("强化学习", "RL", "agents"))


def test_import_defaults(taxonomy: Taxonomy) -> None:
    imported = from_export(entry(), taxonomy, default_tz="Europe/Paris")
    assert imported == Subscription(
        channel=ChannelRef("slack", "T1", "C1"),
        interests=Interests(("agents",)),
        time=dt.time(9, 0),
        tz="Europe/Paris",
        locale="en",
        paused=False,
        created_by=None,
    )


def test_import_normalises_values(taxonomy: Taxonomy) -> None:
    imported = from_export(
        entry(workspace=" T1 ", channel=" C1 ", time="9:30 pm", tz="北京", locale="中文"),
        taxonomy,
    )
    assert imported.channel == ChannelRef("slack", "T1", "C1")
    assert (imported.time, imported.tz, imported.locale) == (dt.time(21, 30), "Asia/Shanghai", "zh")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("not an object", "each entry must be a JSON object"),
        (entry(platform="teams"), "unknown platform 'teams'"),
        (entry(workspace=""), "workspace must be a non-empty string"),
        (entry(channel="   "), "channel must be a non-empty string"),
        (entry(workspace=None), "workspace must be a non-empty string"),
        (entry(channel="C" * 65), "longer than 64 characters"),
        (entry(topics="agents"), "topics must be a list of strings"),
        (entry(keywords=[1]), "keywords must be a list of strings"),
        (entry(topics=[]), "the topic list is empty"),
        ({k: v for k, v in entry().items() if k != "topics"}, "the topic list is empty"),
        (entry(time=930), "time must be a string"),
        (entry(time="25:00"), "bad time '25:00'"),
        (entry(tz="Mars/Base"), "unknown time zone 'Mars/Base'"),
        (entry(locale="fr"), "unknown language 'fr'"),
        (entry(created_by=7), "created_by must be a string of at most 64 characters"),
        (entry(created_by="U" * 65), "created_by must be a string of at most 64 characters"),
        (entry(paused="false"), "paused must be true or false, not 'false'"),
        (entry(keywords=['"""']), "has no letters or digits"),
    ],
)
def test_from_export_rejects(bad: Any, message: str, taxonomy: Taxonomy) -> None:
    with pytest.raises(BadInputError, match=re.escape(message)):
        from_export(bad, taxonomy)


def test_read_export_returns_every_entry_in_order(taxonomy: Taxonomy) -> None:
    items = read_export([entry("C2"), entry("C1", topics=["RL"]), entry("C3", platform="console")], taxonomy)
    assert [item.channel.channel for item in items] == ["C2", "C1", "C3"]
    assert items[1].interests.topics == ("reinforcement-learning",)
    assert read_export([], taxonomy) == []


def test_read_export_names_every_bad_entry_at_once(taxonomy: Taxonomy) -> None:
    entries = [entry("C1"), entry("C2", tz="Mars/Base"), entry("C3", topics=[]), entry("C4")]
    with pytest.raises(BadInputError) as caught:
        read_export(entries, taxonomy)
    message = str(caught.value)
    assert message.startswith("nothing imported — 2 problems, first: entry 2: unknown time zone 'Mars/Base'")
    assert message.endswith("(also entry 3)")
    assert "entry 1" not in message
    assert "entry 4" not in message


def test_read_export_caps_the_list_of_problems(taxonomy: Taxonomy) -> None:
    entries = [entry(f"C{n}", time="soon") for n in range(1, 8)]
    with pytest.raises(BadInputError) as caught:
        read_export(entries, taxonomy)
    message = str(caught.value)
    assert message.startswith("nothing imported — 7 problems, first: entry 1: bad time 'soon'")
    assert message.endswith("(also entries 2, 3, 4, 5, 6 and 1 more)")


def test_read_export_rejects_the_same_channel_twice(taxonomy: Taxonomy) -> None:
    entries = [entry("C1"), entry("C2"), entry(" C1 ", workspace=" T1 ", topics=["RL"])]
    with pytest.raises(BadInputError, match="entry 3: same channel as entry 1"):
        read_export(entries, taxonomy)


def test_read_export_allows_the_same_channel_id_on_other_platforms_or_workspaces(taxonomy: Taxonomy) -> None:
    entries = [entry("C1"), entry("C1", workspace="T2"), entry("C1", platform="console")]
    assert len(read_export(entries, taxonomy)) == 3


@pytest.mark.parametrize("data", [{"platform": "slack"}, "[]", None, 3])
def test_read_export_rejects_a_non_list(data: Any, taxonomy: Taxonomy) -> None:
    with pytest.raises(BadInputError, match="a subscriptions file holds a JSON list"):
        read_export(data, taxonomy)


def test_read_export_rejects_an_unknown_platform(taxonomy: Taxonomy) -> None:
    with pytest.raises(BadInputError, match=re.escape("entry 2: unknown platform 'teams'")):
        read_export([entry("C1"), entry("C2", platform="teams")], taxonomy)


def test_read_export_suggests_the_topic_a_typo_was_aiming_at(taxonomy: Taxonomy) -> None:
    with pytest.raises(BadInputError) as caught:
        read_export([entry(topics=["reinforcment learning"])], taxonomy)
    message = str(caught.value)
    assert 'entry 1: unknown topic "reinforcment learning"' in message
    assert 'did you mean "reinforcement learning"?' in message


def test_read_export_uses_the_default_time_zone(taxonomy: Taxonomy) -> None:
    items = read_export([entry("C1"), entry("C2", tz="UTC")], taxonomy, default_tz="Asia/Tokyo")
    assert [item.tz for item in items] == ["Asia/Tokyo", "UTC"]


# --- merging and removing interests --------------------------------------------------------------


def test_merge_interests_keeps_order_and_does_not_duplicate() -> None:
    current = Interests(("agents", "rag"), ("world model",))
    added = Interests(("code", "rag", "agents", "safety"), ("world model", "GRPO"))
    assert merge_interests(current, added) == Interests(
        ("agents", "rag", "code", "safety"), ("world model", "GRPO")
    )


def test_merge_into_empty_interests() -> None:
    added = Interests(("code",), ("GRPO",))
    assert merge_interests(Interests(), added) == added
    assert merge_interests(added, Interests()) == added


def test_remove_interests_keeps_order_of_the_rest() -> None:
    current = Interests(("agents", "rag", "code", "safety"), ("world model", "GRPO", "MoE"))
    removed = Interests(("rag", "safety", "video-generation"), ("GRPO", "not followed"))
    assert remove_interests(current, removed) == Interests(("agents", "code"), ("world model", "MoE"))


def test_remove_interests_matches_keywords_without_case() -> None:
    current = Interests((), ("World Model", "GRPO"))
    assert remove_interests(current, Interests((), ("world model",))) == Interests((), ("GRPO",))


def test_a_keyword_stored_with_a_bidi_override_is_the_one_typed_without_it() -> None:
    # Typed keywords lose U+202E now; one stored before could no longer be unsubscribed, included
    # or excluded by typing it (copied from /paper list or not), and subscribing again doubled it.
    stored = "world\u202e model"
    current = Interests((), (stored, "GRPO"), (), ("sur\u2066vey",))
    assert remove_interests(current, Interests((), ("world model",))) == Interests(
        (), ("GRPO",), (), ("sur\u2066vey",)
    )
    assert merge_interests(current, Interests((), ("World Model",))).keywords == (stored, "GRPO")
    assert merge_interests(current, Interests(keywords=("survey",))).excluded_keywords == ()


def test_remove_everything_leaves_empty_interests() -> None:
    current = Interests(("agents",), ("GRPO",))
    remaining = remove_interests(current, current)
    assert remaining == Interests()
    assert not remaining


def test_a_keyword_with_quotes_survives_export_and_import(taxonomy: Taxonomy) -> None:
    original = Subscription(ChannelRef("slack", "T1", "C1"), Interests(("agents",), ('say "hi"', "RL")))
    back = from_export(to_export(original, taxonomy), taxonomy)
    assert back.interests == original.interests  # "RL" stays a keyword, quotes and all


def test_a_paused_channel_keeps_its_reason_through_import(taxonomy: Taxonomy) -> None:
    paused = from_export(entry(paused=True, paused_reason="bot removed"), taxonomy)
    assert (paused.paused, paused.paused_reason) == (True, "bot removed")
    assert from_export(entry(paused=False, paused_reason="stale"), taxonomy).paused_reason is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("晚上12点", dt.time(0, 0)), ("中午12点", dt.time(12, 0)), ("上午12点", dt.time(0, 0))],
)
def test_chinese_twelve_oclock(text: str, expected: dt.time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["晚上13点", "下午15点", "上午十三点", "中午5点", "十十点"])
def test_chinese_periods_refuse_a_24_hour_clock(text: str) -> None:
    with pytest.raises(BadInputError, match="bad time"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Hours in Chinese numerals, as most people say and type them.
        ("晚上八点", dt.time(20, 0)),
        ("上午十点", dt.time(10, 0)),
        ("十点半", dt.time(10, 30)),
        ("二十一点", dt.time(21, 0)),
        ("下午三点四十五", dt.time(15, 45)),
        ("九点零五分", dt.time(9, 5)),
        ("八点一刻", dt.time(8, 15)),
        ("晚上十二点", dt.time(0, 0)),
        # A part of the day before a clock time.
        ("下午3:30", dt.time(15, 30)),
        ("早上 9:30", dt.time(9, 30)),
        ("晚上８：３０", dt.time(20, 30)),
        # The other parts of the day; noon's hours run into the afternoon.
        ("凌晨2点", dt.time(2, 0)),
        ("傍晚6点", dt.time(18, 0)),
        ("中午1点", dt.time(13, 0)),
        ("中午11点半", dt.time(11, 30)),
        # The night's hours after midnight: 夜里2点 was 14:00, a digest posted at 2 pm.
        ("夜里2点", dt.time(2, 0)),
        ("夜间两点半", dt.time(2, 30)),
        ("晚上1点", dt.time(1, 0)),
        ("晚上4点", dt.time(4, 0)),
        ("晚上5点", dt.time(17, 0)),
        ("夜里11点", dt.time(23, 0)),
        ("夜里12点", dt.time(0, 0)),
    ],
)
def test_chinese_times_as_people_type_them(text: str, expected: dt.time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:30 北京时间", (dt.time(21, 30), "Asia/Shanghai")),
        ("北京时间 21:30", (dt.time(21, 30), "Asia/Shanghai")),  # Chinese names the zone first
        ("北京时间 晚上九点", (dt.time(21, 0), "Asia/Shanghai")),
        ("9:30 臺北", (dt.time(9, 30), "Asia/Taipei")),
    ],
)
def test_a_chinese_schedule_may_name_its_zone_first(text: str, expected: tuple[dt.time, str | None]) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        # The zone named first is wrong: its own error, not "bad time 'PST'".
        ("PST 9am", "error.timezone_abbreviation"),
        ("UTC+5:30 9:00", "error.timezone_offset_minutes"),
        ("火星 21:30", "error.unknown_timezone"),
        # The zone is right and the time after it wrong: the time's error, quoting the time.
        ("北京时间 25:00", "error.bad_time"),
    ],
)
def test_a_schedule_naming_its_zone_first_says_which_part_is_wrong(text: str, error: str) -> None:
    with pytest.raises(LocalisedInputError) as caught:
        parse_schedule(text)
    assert caught.value.key == error
    wrong = text.split()[-1] if error == "error.bad_time" else text.split()[0]
    assert wrong in t(caught.value.key, "en", **caught.value.values)


def test_a_time_command_word_followed_by_a_chinese_numeral_word_is_no_time() -> None:
    # `/paper 时间 一致性` is a lookup: a numeral starts a time only when 点 follows it.
    assert not begins_like_a_time("一致性")
    assert begins_like_a_time("十点半")


def test_keywords_differing_only_in_case_are_one() -> None:
    merged = merge_interests(Interests((), ("World Model", "GRPO")), Interests((), ("world model", "LoRA")))
    assert merged.keywords == ("World Model", "GRPO", "LoRA")


def test_a_zone_typed_with_a_space_resolves() -> None:
    assert parse_timezone("America/New York") == "America/New_York"


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        # Chinese names of the cities labs and readers live in, simplified and traditional.
        ("纽约", "America/New_York"),
        ("紐約", "America/New_York"),
        ("洛杉矶", "America/Los_Angeles"),
        ("洛杉磯", "America/Los_Angeles"),
        ("旧金山", "America/Los_Angeles"),
        ("舊金山", "America/Los_Angeles"),
        ("三藩市", "America/Los_Angeles"),  # Hong Kong's word, not a folded form
        ("西雅图", "America/Los_Angeles"),
        ("芝加哥", "America/Chicago"),
        ("波士頓", "America/New_York"),
        ("多倫多", "America/Toronto"),
        ("溫哥華", "America/Vancouver"),
        ("倫敦", "Europe/London"),
        ("巴黎", "Europe/Paris"),
        ("柏林", "Europe/Berlin"),
        ("阿姆斯特丹", "Europe/Amsterdam"),
        ("蘇黎世", "Europe/Zurich"),
        ("莫斯科", "Europe/Moscow"),
        ("迪拜", "Asia/Dubai"),
        ("杜拜", "Asia/Dubai"),  # Taiwan's word
        ("新加坡", "Asia/Singapore"),
        ("首爾", "Asia/Seoul"),
        ("悉尼", "Australia/Sydney"),
        ("雪梨", "Australia/Sydney"),  # Taiwan's word
        ("墨爾本", "Australia/Melbourne"),
        ("班加羅爾", "Asia/Kolkata"),
        ("印度", "Asia/Kolkata"),
        # English names of cities whose zone IANA names after another city.
        ("Bangalore", "Asia/Kolkata"),
        ("Bengaluru", "Asia/Kolkata"),
        ("San Francisco", "America/Los_Angeles"),
        ("seattle", "America/Los_Angeles"),
        ("Boston", "America/New_York"),
        ("Beijing", "Asia/Shanghai"),
        # A place's time, as 北京时间 is Beijing's.
        ("纽约时间", "America/New_York"),
        ("倫敦時間", "Europe/London"),
    ],
)
def test_a_city_is_its_zone_in_chinese_traditional_characters_and_english(text: str, zone: str) -> None:
    assert parse_timezone(text) == zone


def test_the_chinese_schedule_names_a_city_first_or_last() -> None:
    assert parse_schedule("晚上9点 纽约") == (dt.time(21, 0), "America/New_York")
    assert parse_schedule("紐約時間 21:30") == (dt.time(21, 30), "America/New_York")
    assert parse_schedule("9:30 pm San Francisco") == (dt.time(21, 30), "America/Los_Angeles")


def test_every_place_name_is_a_zone_written_as_it_is_compared() -> None:
    for name, zone in PLACES.items():
        assert name == to_simplified(name.casefold()), name  # stored folded, or never found
        assert parse_timezone(name) == zone


@pytest.mark.parametrize(
    ("key", "locale", "places"),
    [
        ("schedule.usage", "en", ["New York", "Seattle", "Bangalore", "北京", "伦敦"]),
        ("schedule.usage", "zh", ["北京", "纽约", "旧金山", "西雅图", "伦敦", "柏林", "新加坡", "悉尼"]),
        ("error.unknown_timezone", "en", ["New York", "San Francisco", "London", "北京"]),
        ("error.unknown_timezone", "zh", ["北京", "纽约", "旧金山", "伦敦"]),
    ],
)
def test_the_places_a_schedule_reply_names_are_places_it_takes(
    key: str, locale: str, places: list[str]
) -> None:
    text = t(key, locale, raw="x")
    for place in places:
        assert place in text
        assert parse_timezone(place)
