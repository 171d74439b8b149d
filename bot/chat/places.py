"""The place names people type for a time zone, beside the IANA names themselves.

IANA names a zone after one city (`America/Los_Angeles`), so `/paper schedule` finds `london`
or `New York` by the zone's name alone; these are the places it cannot find that way: Chinese
names (纽约, 旧金山), the cities of a zone that are not its namesake (San Francisco and Seattle
are Los Angeles's time, Bangalore is Kolkata's), and countries with one zone. One row per zone.
Names are written in simplified characters and compared folded to them (bot/topics/traditional.py),
so 紐約, 倫敦, 溫哥華 are found as 纽约, 伦敦, 温哥华; a regional word that is not a folded form
(雪梨 for Sydney and 杜拜 for Dubai in Taiwan, 三藩市 for San Francisco in Hong Kong) is a name of
its own. A name with 时间 after it (纽约时间, as 北京时间) means the same zone: parse_timezone.
"""

from __future__ import annotations

from types import MappingProxyType

# (IANA zone, names): Chinese first, then English spellings IANA's names do not already give.
_PLACES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Asia/Shanghai", ("北京", "上海", "深圳", "杭州", "中国", "beijing", "china", "shenzhen", "hangzhou")),
    ("Asia/Hong_Kong", ("香港",)),
    ("Asia/Taipei", ("台北", "台湾", "taiwan")),
    ("Asia/Tokyo", ("东京", "日本", "japan")),
    ("Asia/Seoul", ("首尔", "汉城", "韩国", "korea", "south korea")),
    ("Asia/Singapore", ("新加坡",)),
    (
        "Asia/Kolkata",
        (
            "印度",
            "班加罗尔",
            "孟买",
            "新德里",
            "india",
            "bangalore",
            "bengaluru",
            "mumbai",
            "new delhi",
            "delhi",
        ),
    ),
    ("Asia/Dubai", ("迪拜", "杜拜", "阿联酋", "uae")),
    ("Europe/Moscow", ("莫斯科",)),
    ("Europe/London", ("伦敦", "英国", "uk", "united kingdom", "england")),
    ("Europe/Paris", ("巴黎", "法国", "france")),
    ("Europe/Berlin", ("柏林", "德国", "germany", "munich")),
    ("Europe/Amsterdam", ("阿姆斯特丹", "荷兰", "netherlands")),
    ("Europe/Zurich", ("苏黎世", "瑞士", "switzerland")),
    ("America/New_York", ("纽约", "波士顿", "boston", "nyc")),
    ("America/Toronto", ("多伦多",)),
    ("America/Chicago", ("芝加哥",)),
    (
        "America/Los_Angeles",
        (
            "洛杉矶",
            "旧金山",
            "三藩市",
            "西雅图",
            "硅谷",
            "矽谷",
            "湾区",
            "san francisco",
            "seattle",
            "bay area",
            "silicon valley",
        ),
    ),
    ("America/Vancouver", ("温哥华",)),
    ("Australia/Sydney", ("悉尼", "雪梨")),
    ("Australia/Melbourne", ("墨尔本",)),
    ("UTC", ("utc", "gmt", "z")),
)

PLACES = MappingProxyType({name: zone for zone, names in _PLACES for name in names})
"""Every place name (case-folded, simplified characters) with the IANA zone it means."""
