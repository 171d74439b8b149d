"""Exclusions: a channel leaves out papers about a topic or keyword, everywhere it gets papers."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CommandContext, Reply, handle_paper_command
from bot.chat.paper_lookup import lookup
from bot.chat.subscribing import from_export, merge_interests, to_export
from bot.errors import BadInputError
from bot.models import ChannelRef, Interests, Report, Subscription
from bot.ranking.digest import build_digest
from bot.reports.sources.local import LocalSource
from bot.runtime.config import SAMPLE_REPORT
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.topics.resolve import Term, resolve_terms, split_terms
from bot.topics.taxonomy import Taxonomy, builtin_taxonomy

CHANNEL = ChannelRef("slack", "T1", "C0ROBOTS")
GRASP, WALKER = "2611.01007", "2611.01008"  # both about robotics; the walker about locomotion
TOOLSMITH, WEBPILOT, REPOCODER = "2611.01005", "2611.01006", "2611.01013"  # agents; WebPilot is a GUI agent


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return builtin_taxonomy()


@pytest.fixture
async def ctx(engine: AsyncEngine) -> CommandContext:
    archive = Archive(engine)
    await archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    return CommandContext(archive, SubscriptionStore(engine), builtin_taxonomy(), CHANNEL, user="U1")


async def say(ctx: CommandContext, text: str) -> Reply:
    return await handle_paper_command(ctx, text)


# -- typing them -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "terms"),
    [
        ('agents -"medical"', [Term("agents"), Term("medical", quoted=True, excluded=True)]),
        ("RL, -survey", [Term("RL"), Term("survey", excluded=True)]),
        ("-robotics, agents", [Term("robotics", excluded=True), Term("agents")]),
        ("agents -medical imaging, RL", [Term("agents"), Term("medical imaging", excluded=True), Term("RL")]),
        ('－"医疗"，智能体', [Term("医疗", quoted=True, excluded=True), Term("智能体")]),
        # A hyphen inside a word is part of the word, and a lone minus is text.
        ("self-supervised, multi-agent", [Term("self-supervised"), Term("multi-agent")]),
        ("a - b", [Term("a - b")]),
    ],
)
def test_a_leading_minus_marks_a_term_to_exclude(typed: str, terms: list[Term]) -> None:
    assert split_terms(typed) == terms


def test_excluded_names_resolve_to_topics_or_keywords(taxonomy: Taxonomy) -> None:
    interests = resolve_terms('agents, -机器人, -"medical"', taxonomy)
    assert interests == Interests(("agents",), (), ("robotics",), ("medical",))


def test_the_latest_word_on_a_term_wins() -> None:
    following = Interests(("agents",), ("survey",))
    excluded = merge_interests(following, Interests(excluded_keywords=("Survey",)))
    assert excluded == Interests(("agents",), (), (), ("Survey",))
    again = merge_interests(excluded, Interests(keywords=("survey",)))
    assert again == Interests(("agents",), ("survey",), (), ())


# -- what they leave out -----------------------------------------------------------------------


async def test_digests_leave_out_papers_about_an_excluded_topic_or_keyword(
    ctx: CommandContext, taxonomy: Taxonomy
) -> None:
    report = await ctx.archive.report(dt.date(2026, 11, 20))
    assert report is not None

    def ids(interests: Interests) -> set[str]:
        return {item.arxiv_id for item in build_digest(report, interests, taxonomy).items}

    assert ids(Interests(("robotics",))) == {GRASP, WALKER}
    assert ids(Interests(("robotics",), excluded_keywords=("locomotion",))) == {GRASP}
    assert ids(Interests(("agents",))) == {TOOLSMITH, WEBPILOT, REPOCODER}
    assert ids(Interests(("agents",), excluded_keywords=("GUI",))) == {TOOLSMITH, REPOCODER}
    # Topic exclusions: software-engineering agents are about code too; a walking robot is
    # about world models too; video diffusion is about diffusion.
    assert ids(Interests(("agents",), excluded_topics=("code",))) == {TOOLSMITH, WEBPILOT}
    assert ids(Interests(("robotics",), excluded_topics=("world-models",))) == {GRASP}
    assert ids(Interests(("video-generation",), excluded_topics=("diffusion",))) == set()


async def test_a_keyword_only_mentioned_in_the_results_does_not_exclude(
    ctx: CommandContext, taxonomy: Taxonomy
) -> None:
    # Exclusions use the rules that select: a paper *about* "survey", not one whose results
    # section happens to say the word.
    report = await ctx.archive.report(dt.date(2026, 11, 20))
    assert report is not None
    paper = next(p for p in report.papers if p.arxiv_id == GRASP)
    mentioned = Report(report.date, (replace(paper, results="Beats the survey baseline."),))
    about = Report(report.date, (replace(paper, title=f"A survey: {paper.title}"),))
    interests = Interests(("robotics",), excluded_keywords=("survey",))
    assert [item.arxiv_id for item in build_digest(mentioned, interests, taxonomy).items] == [GRASP]
    assert build_digest(about, interests, taxonomy).items == ()


# -- in chat -----------------------------------------------------------------------------------


async def test_subscribe_with_a_minus_then_exclude_include_and_list(ctx: CommandContext) -> None:
    reply = await say(ctx, 'subscribe robotics -"locomotion"')
    assert reply.text.startswith(
        'Subscribed. This channel now follows: robotics & embodied AI, not "locomotion".'
    )
    digest = (await say(ctx, "digest")).digest
    assert digest is not None
    assert [item.arxiv_id for item in digest.items] == [GRASP]
    assert 'not "locomotion"' in "\n".join(digest.following)

    reply = await say(ctx, 'exclude "dexterous"')
    assert reply.text.startswith('Excluded "dexterous": papers about it stay out')
    digest = (await say(ctx, "digest")).digest
    assert digest is not None
    assert digest.items == ()

    reply = await say(ctx, 'include "dexterous", locomotion')
    assert reply.text.startswith('No longer excluded: "locomotion", "dexterous"')  # stored order
    listing = (await say(ctx, "list")).text
    assert listing.startswith("This channel follows: robotics & embodied AI\n")
    assert (await say(ctx, 'include "dexterous"')).error  # not excluded any more


async def test_chinese_verbs_and_replies(ctx: CommandContext) -> None:
    await say(ctx, "订阅 智能体")
    reply = await say(ctx, '排除 "GUI"')
    assert reply.text.startswith("已排除 「GUI」")
    assert "智能体、排除「GUI」" in (await say(ctx, "列表")).text
    assert (await say(ctx, '取消排除 "GUI"')).text.startswith("已取消排除 「GUI」")


async def test_exclusions_alone_are_not_a_subscription(ctx: CommandContext) -> None:
    reply = await say(ctx, "subscribe -survey")
    assert reply.error
    assert "at least one topic" in reply.text
    assert await ctx.store.get(CHANNEL) is None
    assert (await say(ctx, "exclude survey")).error  # nothing to narrow yet


async def test_excluding_everything_followed_is_refused(ctx: CommandContext) -> None:
    await say(ctx, "subscribe robotics")
    reply = await say(ctx, "exclude robotics")
    assert reply.error
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert stored.interests == Interests(("robotics",))


async def test_unsubscribing_a_minus_term_drops_the_exclusion(ctx: CommandContext) -> None:
    await say(ctx, "subscribe robotics, -locomotion")
    await say(ctx, "unsubscribe -locomotion")
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert stored.interests == Interests(("robotics",))


# -- stored, exported, looked up ---------------------------------------------------------------


async def test_exclusions_are_stored_and_survive_export_and_import(
    engine: AsyncEngine, taxonomy: Taxonomy
) -> None:
    store = SubscriptionStore(engine)
    sub = Subscription(CHANNEL, Interests(("agents",), ("GRPO",), ("robotics",), ("survey",)))
    await store.save(sub)
    stored = await store.get(CHANNEL)
    assert stored is not None
    assert stored.interests == sub.interests
    entry = json.loads(json.dumps(to_export(stored, taxonomy)))
    assert entry["exclude_topics"] == ["robotics & embodied AI"]
    assert entry["exclude_keywords"] == ["survey"]
    assert from_export(entry, taxonomy).interests == sub.interests


def test_an_import_naming_an_unknown_topic_to_exclude_is_refused(taxonomy: Taxonomy) -> None:
    entry = {"platform": "slack", "workspace": "T1", "channel": "C1", "topics": ["agents"]}
    with pytest.raises(BadInputError, match="exclude_topics names no topic: gardening"):
        from_export({**entry, "exclude_topics": ["gardening"]}, taxonomy)
    assert from_export(entry, taxonomy).interests == Interests(("agents",))  # both fields optional


async def test_lookup_leaves_out_minus_words(ctx: CommandContext) -> None:
    found = {hit.arxiv_id for hit in await lookup(ctx.archive, "agent")}
    assert WEBPILOT in found
    narrowed = {hit.arxiv_id for hit in await lookup(ctx.archive, "agent -GUI")}
    assert WEBPILOT not in narrowed
    assert narrowed == found - {WEBPILOT}
    with pytest.raises(BadInputError, match="nothing to look for"):
        await lookup(ctx.archive, "-GUI")


async def test_a_minus_before_punctuation_leaves_nothing_out(ctx: CommandContext) -> None:
    # `--` ends pasted SQL and shell lines; as a word to leave out it matched every hyphen.
    found = await lookup(ctx.archive, "agent")
    assert await lookup(ctx.archive, "agent --") == found
    assert await lookup(ctx.archive, "agent -…") == found
    assert await lookup(ctx.archive, "'; DROP TABLE agent; --")


@pytest.mark.parametrize(
    "narrowed",
    [
        "agent NOT GUI",  # the operator of search engines, in capitals
        "(agent AND NOT GUI)",
        "(agent -GUI)",  # the word ends before the parenthesis
        "agent -GUI, -survey",  # and before the comma
        'agent NOT "GUI"',
    ],
)
async def test_lookup_leaves_out_words_after_NOT_or_before_punctuation(
    ctx: CommandContext, narrowed: str
) -> None:
    found = {hit.arxiv_id for hit in await lookup(ctx.archive, "agent")}
    assert {hit.arxiv_id for hit in await lookup(ctx.archive, narrowed)} == found - {WEBPILOT}


async def test_a_lowercase_not_is_a_word_of_the_query(ctx: CommandContext) -> None:
    assert await lookup(ctx.archive, "agent not GUI") == await lookup(ctx.archive, "agent GUI")
