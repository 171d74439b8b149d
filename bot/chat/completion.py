"""Completions for chat platforms that offer them (Discord's autocomplete): topics and time zones.

Platform-free, so every edge that can suggest uses the same matching: English and Chinese
names and aliases, prefix matches first, and for a list (`RL, vid`, `强化学习、视`) only the last item
is completed (the earlier ones are kept as typed).
"""

from __future__ import annotations

from bot.chat.subscribing import zone_names
from bot.topics.resolve import TERM_SEPARATORS
from bot.topics.taxonomy import Taxonomy, name_key
from bot.topics.traditional import to_simplified
from bot.zones import ETC_GMT, parse_offset

MAX_CHOICES = 25  # Discord shows at most 25 choices
MAX_VALUE = 100  # and a choice's value is at most 100 characters


def complete_topics(text: str, taxonomy: Taxonomy, locale: str = "en") -> list[tuple[str, str]]:
    """(label, value) choices completing the last item of a topic list (separated as
    resolve_terms separates it: `RL, vid`, `强化学习、视`)."""
    cut = max(text.rfind(separator) for separator in TERM_SEPARATORS)
    head, last = (text[: cut + 1], text[cut + 1 :]) if cut >= 0 else ("", text)
    typed = name_key(last)
    # After an ASCII separator a space, as people type it (`RL, video generation`); none after
    # a full-width one, which holds its own room (`强化学习、视频生成`).
    prefix = head + (" " if head[-1:].isascii() and head else "")
    ranked: list[tuple[int, str, str]] = []
    for topic in taxonomy:
        names = [topic.label(locale), topic.name, *topic.zh, *topic.aliases]
        keys = [name_key(name) for name in names]
        if not typed:
            rank = 2
        elif any(key.startswith(typed) for key in keys):
            rank = 0
        elif any(typed in key for key in keys):
            rank = 1
        else:
            continue
        other = topic.name if topic.label(locale) != topic.name else (topic.zh[0] if topic.zh else "")
        label = f"{topic.label(locale)} · {other}" if other else topic.label(locale)
        ranked.append((rank, label, topic.label(locale)))
    ranked.sort(key=lambda item: item[0])
    choices = []
    for _rank, label, name in ranked:
        value = (prefix + name).strip()
        if len(value) <= MAX_VALUE:
            choices.append((label[:MAX_VALUE], value))
        if len(choices) == MAX_CHOICES:
            break
    return choices


def complete_timezone(text: str) -> list[tuple[str, str]]:
    """IANA zones (and the city and Chinese names parse_timezone accepts) matching `text`; an
    whole-hour offset (`UTC+8`, `GMT-5`) first, as the reply will show it."""
    typed = to_simplified(text.strip().casefold().replace("_", " "))  # 紐約 is offered as 纽约
    starts, contains = [], []
    offset = parse_offset(text)
    # Only one that can be stored: an offset with minutes is refused, with the places to use.
    whole = offset is not None and offset.zone is not None
    offered: list[tuple[str, str]] = [(offset.label, offset.label)] if offset is not None and whole else []
    for key, zone in zone_names().items():
        # Etc/GMT+8 is UTC-8 (POSIX signs): offered beside a typed `gmt+8`, it would be picked
        # for UTC+8. Typed in full it is still accepted; completion offers the offset instead.
        if ETC_GMT.match(zone):
            continue
        if not typed or key.startswith(typed):
            starts.append((key, zone))
        elif typed in key:
            contains.append((key, zone))
    seen: set[str] = set()
    choices = offered
    for key, zone in sorted(starts) + sorted(contains):
        if zone in seen:
            continue
        seen.add(zone)
        label = zone if key == zone.casefold() else f"{zone} ({key})"
        choices.append((label[:MAX_VALUE], zone))
        if len(choices) == MAX_CHOICES:
            break
    return choices
