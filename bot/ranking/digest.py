"""The digest: which of a report's papers a channel receives, best first, in the channel's language.

A `Digest` is platform-free. Slack, Discord and the console render it; none of them decides
what is in it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from bot.i18n import join_list, labelled, quoted, t
from bot.models import DigestSettings, Interests, Paper, Report
from bot.ranking.tuning import Tuning, tuned_matches
from bot.reports.arxiv import paper_links
from bot.text import clip
from bot.topics.matcher import PaperMatch, ReportMatcher
from bot.topics.taxonomy import Taxonomy

log = logging.getLogger("paperbot.digest")

# Most mornings a channel gets a handful of papers; past this many a digest stops being read.
DEFAULT_DIGEST_SIZE = 10


@dataclass(frozen=True, slots=True)
class DigestItem:
    arxiv_id: str
    title: str
    hf_url: str
    arxiv_url: str
    pdf_url: str
    domain: str
    contribution: str
    topics: tuple[str, ...]  # what selected it, as the reader calls it ("RL", "视频生成", '"GRPO"')
    reason: str
    score: float
    upvotes: int | None = None
    github_repo: str | None = None
    project_page: str | None = None

    def to_json(self) -> dict[str, object]:
        """The `paperbot preview --json` shape of CONTRACT.md, plus links and the reason."""
        return {
            "arxiv_id": self.arxiv_id,
            "title": self.title,
            "score": self.score,
            "topics": list(self.topics),
            "reason": self.reason,
            "url": self.hf_url,
            "arxiv_url": self.arxiv_url,
            "pdf_url": self.pdf_url,
        }


@dataclass(frozen=True, slots=True)
class Digest:
    date: dt.date
    locale: str
    total: int  # papers in the report
    items: tuple[DigestItem, ...]  # the ones shown
    more: int  # matched but past the size limit
    following: tuple[str, ...]  # the channel's topics and keywords, as the reader calls them
    start: dt.date | None = None  # a weekly digest's first day (its `date` is the last)
    # Cut to fit one reply (`/paper digest … all`, or a platform's message limit): `more` are
    # matches not shown, and the more line says how to narrow the digest down, not "all".
    capped: bool = False
    # Where the reader is: a chat channel is told to type `/paper digest … all`; the command line
    # (`paperbot preview --limit N`) has no such command, and is told to drop --limit.
    more_hint: Literal["chat", "cli"] = "chat"
    # Said under the topics line: which weekly delivery `/paper digest` shows (bot/chat/use_cases.py).
    note: str | None = None
    # How `/paper digest` names it again in its more line (`2026-W48`: a week shown to a daily
    # channel); None: its date.
    named: str | None = None

    @property
    def matched(self) -> int:
        return len(self.items) + self.more

    def header(self) -> str:
        if self.start is not None:
            start, end = self.start.isoformat(), self.date.isoformat()
            # "0 of 17 papers" reads as a fault; a day says "none of the day's", so does a week.
            return t(
                "digest.header.weekly" if self.matched else "digest.header.weekly.none",
                self.locale,
                start=start,
                end=end,
                matched=self.matched,
                total=self.total,
                count=self.total,
            )
        key = "digest.header" if self.matched else "digest.header.none"
        date = self.date.isoformat()
        return t(key, self.locale, date=date, matched=self.matched, total=self.total, count=self.total)

    def following_line(self) -> str:
        line = t("digest.following", self.locale, topics=join_list(self.following, self.locale))
        return f"{line}\n{self.note}" if self.note else line

    def more_line(self) -> str | None:
        if not self.more:
            return None
        date = self.named or self.date.isoformat()
        if self.capped:
            return t("digest.capped", self.locale, shown=len(self.items), matched=self.matched, date=date)
        key = "digest.more.cli" if self.more_hint == "cli" else "digest.more"
        return t(key, self.locale, more=self.more, date=date)

    def shortened(self, keep: int) -> Digest:
        """The first `keep` papers; the rest are counted in `more`, and the digest is `capped`."""
        shown = self.items[:keep]
        return replace(self, items=shown, more=self.more + len(self.items) - len(shown), capped=True)

    def plain_text(self) -> str:
        """A one-message summary: the fallback text of a chat card, and a log line."""
        titles = "; ".join(item.title for item in self.items[:3])
        return labelled(self.header(), titles, self.locale) if titles else self.header()


def paper_sections(paper: Paper, locale: str) -> list[tuple[str, str]]:
    """The paper's non-empty report sections with their names in `locale` (its details view)."""
    sections = [
        (t("digest.area", locale), paper.domain),
        (t("digest.contribution", locale), paper.contribution or paper.summary),
        (t("section.usage", locale), paper.usage),
        (t("section.innovations", locale), paper.innovations),
        (t("section.results", locale), paper.results),
    ]
    return [(name, text) for name, text in sections if text.strip()]


def interest_labels(interests: Interests, taxonomy: Taxonomy, locale: str) -> tuple[str, ...]:
    """What a channel follows, then what it excludes: `RL`, `"GRPO"`, `not robotics`, `not "survey"`
    (`排除 「survey」` in Chinese)."""
    topics = [taxonomy.get(topic_id).label(locale) for topic_id in interests.topics]
    excluded = [taxonomy.get(topic_id).label(locale) for topic_id in interests.excluded_topics]
    excluded += [quoted(keyword, locale) for keyword in interests.excluded_keywords]
    return tuple(
        topics
        + [quoted(keyword, locale) for keyword in interests.keywords]
        + [t("digest.not", locale, item=item) for item in excluded]
    )


# Where a reason may be cut: between topics (`; `), then between the words quoted for one topic
# (`, `), in either language, so that a shortened reason still quotes whole words.
_REASON_BREAKS = ("; ", "；", ", ", "，")


def clip_reason(reason: str, limit: int) -> str:
    """`reason` in at most `limit` characters, for a card's space: cut after the last topic or
    quoted word that fits, then "…" — never inside a quotation (`LLM reasoning: matched "…`
    quotes nothing). A reason without such a break is cut where it must be."""
    if len(reason) <= limit:
        return reason
    room = reason[: max(0, limit - 1)]
    breaks = sorted({i for sep in _REASON_BREAKS for i in _all_indexes(room, sep)}, reverse=True)
    for at in breaks:
        kept = room[:at]
        if kept.count('"') % 2 == 0 and kept.count("「") == kept.count("」"):
            return kept.rstrip() + "…"
    return clip(reason, limit)


def _all_indexes(text: str, sep: str) -> list[int]:
    found, at = [], text.find(sep)
    while at > 0:
        found.append(at)
        at = text.find(sep, at + 1)
    return found


def _item(match: PaperMatch, taxonomy: Taxonomy, locale: str) -> DigestItem:
    paper = match.paper
    labels = tuple(
        taxonomy.get(m.key).label(locale) if m.kind == "topic" else quoted(m.key, locale)
        for m in match.matches
    )
    separator = "；" if locale == "zh" else "; "
    if len(match.matches) == 1:
        reasons = match.matches[0].reason(locale)
    else:
        reasons = separator.join(
            labelled(label, m.reason(locale), locale) for label, m in zip(labels, match.matches, strict=True)
        )
    return paper_item(paper, topics=labels, reason=reasons, score=match.score)


def paper_item(
    paper: Paper, *, topics: tuple[str, ...] = (), reason: str = "", score: float = 0.0
) -> DigestItem:
    """A paper's card, with the topics and reason that selected it (none for a card shown alone)."""
    links = paper_links(paper.arxiv_id)
    return DigestItem(
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        # Built from the parsed arXiv id, never copied from the report: a report's URL is
        # untrusted text and could carry markup into a chat link.
        hf_url=links["hf"],
        arxiv_url=links["arxiv"],
        pdf_url=links["pdf"],
        domain=paper.domain,
        contribution=paper.contribution or paper.summary,
        topics=topics,
        reason=reason,
        score=score,
        upvotes=paper.upvotes,
        github_repo=paper.github_repo,
        project_page=paper.project_page,
    )


def build_digest(
    report: Report,
    interests: Interests,
    taxonomy: Taxonomy,
    *,
    locale: str = "en",
    limit: int | None = DEFAULT_DIGEST_SIZE,
    matcher: ReportMatcher | None = None,
    settings: DigestSettings | None = None,
    tuning: Tuning | None = None,
) -> Digest:
    """The digest of `report` for a channel with `interests`. Pass a `matcher` built once per
    report when building digests for many channels. `settings` (the channel's) set a floor on
    upvotes and the order; the size is `limit` (None: every match, for `/paper digest … all`).

    One bad paper never aborts a digest: a paper that cannot be matched or made into an item
    is left out and logged with its arXiv id, and the next match takes its place."""
    matcher = matcher or report_matcher(report, taxonomy)
    try:
        matches = matcher.match(interests)
    except Exception:
        log.warning("report %s: matching failed; matching paper by paper", report.date, exc_info=True)
        matches = _match_one_by_one(report, interests, taxonomy)
        matcher = None  # its positions no longer index these matches
    if tuning is not None:  # the channel's 👍 / 👎 re-rank its matches (bot/ranking/tuning.py)
        matches = tuned_matches(matches, tuning, interests, taxonomy, matcher)
    if settings is not None:
        matches = cut_by_signals(matches, settings)
    items: list[DigestItem] = []
    considered = 0
    for match in matches:
        if limit is not None and len(items) >= limit:
            break
        considered += 1
        try:
            items.append(_item(match, taxonomy, locale))
        except Exception:
            _skipped(report.date, match.paper.arxiv_id, "digest item")
    return Digest(
        date=report.date,
        locale=locale,
        total=len(report.papers),
        items=tuple(items),
        more=len(matches) - considered,
        following=interest_labels(interests, taxonomy, locale),
        start=report.first_date,
    )


def cut_by_signals(matches: list[PaperMatch], settings: DigestSettings) -> list[PaperMatch]:
    """Apply a channel's floor on upvotes and its order to its matches (best first).

    A paper without an upvote count (markdown reports carry none) is never held under a floor
    it cannot be measured against. By upvotes, papers with a count come first, most first;
    relevance breaks ties and orders the rest."""
    floor = settings.min_upvotes
    if floor is not None:
        matches = [m for m in matches if m.paper.upvotes is None or m.paper.upvotes >= floor]
    if settings.order == "upvotes":
        # sorted() is stable: equal counts keep their relevance order.
        matches = sorted(matches, key=lambda m: -(m.paper.upvotes if m.paper.upvotes is not None else -1))
    return matches


def report_matcher(report: Report, taxonomy: Taxonomy) -> ReportMatcher:
    """The report's matcher, without the papers that break it (each logged): one bad paper must
    not take every channel's digest down with it."""
    try:
        return ReportMatcher(report.papers, taxonomy)
    except Exception:
        log.warning("report %s: profiling failed; profiling paper by paper", report.date, exc_info=True)
    good = []
    for paper in report.papers:
        try:
            ReportMatcher((paper,), taxonomy)
        except Exception:
            _skipped(report.date, paper.arxiv_id, "matching")
            continue
        good.append(paper)
    return ReportMatcher(good, taxonomy)


def _match_one_by_one(report: Report, interests: Interests, taxonomy: Taxonomy) -> list[PaperMatch]:
    """`ReportMatcher.match`, the slow way: each paper alone, so one that raises is left out.
    Best first, report order among equals, like the matcher."""
    found: list[PaperMatch] = []
    for position, paper in enumerate(report.papers):
        try:
            matches = ReportMatcher((paper,), taxonomy).match(interests)
        except Exception:
            _skipped(report.date, paper.arxiv_id, "matching")
            continue
        found.extend(PaperMatch(m.paper, position, m.matches) for m in matches)
    return sorted(found, key=lambda m: (-m.score, m.position))


def _skipped(day: dt.date, arxiv_id: str, stage: str) -> None:
    """Log a paper left out of a digest, with the traceback (called from an `except` block)."""
    log.warning(
        "report %s: skipped paper %s: its %s failed",
        day,
        arxiv_id,
        stage,
        exc_info=True,
        extra={"arxiv_id": arxiv_id},
    )


T = TypeVar("T")


def render_items(digest: Digest, render: Callable[[DigestItem], T]) -> list[tuple[DigestItem, T]]:
    """Each of the digest's items with what `render` made of it (a card, an embed, a panel); an
    item whose rendering raises is left out and logged, so the rest of the digest still goes out.
    For the edges' renderers."""
    rendered = []
    for item in digest.items:
        try:
            rendered.append((item, render(item)))
        except Exception:
            _skipped(digest.date, item.arxiv_id, "card")
    return rendered
