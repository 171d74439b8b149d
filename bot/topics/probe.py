"""Which topics could match a text: one pass for all topics, before the exact patterns run.

The exact evidence patterns (word boundaries, case rules, vetoes) are slow to run one topic at
a time over every field of every paper. A probe answers a looser question for all topics at
once — could any of this topic's patterns match here? — so the exact patterns run only where
the answer is yes. RE2's `Set` matches hundreds of patterns in one linear scan and reports
every one that matched; without RE2 installed, each topic's own `re` probe is used instead.
Either way the probe finds a superset of what the exact patterns find, so results do not
depend on which one runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

try:  # google-re2: optional at import so a platform without its wheel still runs paperbot
    import re2 as _re2  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - exercised by forcing `use_re2=False` in tests
    _re2 = None

# RE2 has no look-arounds; dropping them only widens a probe (still a superset).
_LOOKAROUND = re.compile(r"\(\?<?[!=][^()]*\)")


# An escape, a character class (with its escapes), or any other character.
_PIECE = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|.", re.DOTALL)
# Python's Unicode classes as RE2's Unicode classes (RE2's own \w and \d are ASCII), without
# brackets so that they fit inside a character class too.
_UNICODE = {"\\w": "\\pL\\pN_", "\\d": "\\pN"}


def probe_form(pattern: str) -> str:
    """A pattern as an RE2 probe: lower case, without look-arounds or case-sensitive groups,
    and with Python's Unicode `\\w`/`\\d` spelled as RE2's Unicode classes, inside a character
    class (`[\\w ]`) as well as outside it."""
    probe = _LOOKAROUND.sub("", pattern.lower()).replace("(?-i:", "(?:")
    pieces = []
    for piece in _PIECE.findall(probe):
        if piece.startswith("[") and len(piece) > 1:
            for escape, spelled in _UNICODE.items():
                piece = piece.replace(escape, spelled)
        elif piece in _UNICODE:
            piece = f"[{_UNICODE[piece]}]"
        pieces.append(piece)
    return "".join(pieces)


class TopicProbe:
    """Topic ids whose patterns (of one kind: strong or weak) may match a lower-cased text."""

    def __init__(
        self,
        patterns: Sequence[tuple[str, Sequence[str]]],
        fallback: Sequence[tuple[str, re.Pattern[str] | None]],
        *,
        use_re2: bool = True,
    ) -> None:
        self._fallback = [(topic_id, probe) for topic_id, probe in fallback if probe is not None]
        self._set: Any = None
        self._owners: list[str] = []
        if use_re2 and _re2 is not None:
            options = _re2.Options()
            options.max_mem = 64 << 20  # the default 8 MiB is too little for ~700 patterns
            found = _re2.Set.SearchSet(options)
            for topic_id, topic_patterns in patterns:
                for pattern in topic_patterns:
                    found.Add(probe_form(pattern))
                    self._owners.append(topic_id)
            found.Compile()
            self._set = found

    @property
    def uses_re2(self) -> bool:
        return self._set is not None

    def candidates(self, lower: str) -> set[str]:
        if self._set is not None:
            return {self._owners[index] for index in self._set.Match(lower) or ()}  # None: no match
        return {topic_id for topic_id, probe in self._fallback if probe.search(lower)}
