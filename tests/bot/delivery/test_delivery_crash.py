"""Delivery survives SIGKILL at random moments during fan-out: nothing lost, nothing posted twice.

A real `paperbot deliver` pass runs in a subprocess (tests/bot/crash_worker.py) against the
loopback Slack double in this process and a database file (or PostgreSQL schema) shared with
it. Each round starts a pass with a clock ten minutes on from the last (so the killed pass's
claims have expired and are taken over as uncertain), lets it post for a random, seeded while
and kills it with SIGKILL; after the rounds one pass runs to the end. Every channel must then
hold each part of its digest exactly once, and the outbox must say posted for every channel.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import json
import os
import random
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import pytest
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import LEASE
from bot.models import ChannelRef, Interests, Report, Subscription
from bot.ranking.digest import DEFAULT_DIGEST_SIZE, build_digest
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.blocks import digest_messages
from handlers.slack.messages import DIGEST_EVENT
from tests.factories import paper
from tests.handlers.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[3]
DAY = dt.date(2026, 3, 8)
RL = Interests(("reinforcement-learning",))
WORKSPACE = "T0FAKE"
CHANNELS = [f"C0CRASH{i:02d}" for i in range(30)]
PAPERS = 14  # more than a digest holds (DEFAULT_DIGEST_SIZE)
CONTRIBUTION = 1200  # characters per paper: enough to split each digest over three messages
ROUNDS = 20
SEED = 20260308
STEP = dt.timedelta(minutes=10)  # each round's clock: past the previous round's lease
# Each accepted chat.postMessage is answered this long after it was stored, so a kill often
# lands in the worst spot (posted, but the worker never heard so) and an uninterrupted fan-out
# (30 channels, 4 at a time) lasts several seconds: longer than the rounds' kills reach in total,
# so nearly every round is cut short in mid fan-out rather than after it.
POST_DELAY = 0.25
# A round's kill comes this long at most after the pass's first post reached the double (not
# after its start: on a loaded machine a pass may take over a second to claim and build its
# digests, and kills timed from the start then all landed before any post).
MAX_KILL_DELAY = 0.6
STARTUP_TIMEOUT = 30.0
FINAL_TIMEOUT = 40.0

assert STEP > LEASE


class SlowSlack(FakeSlack):
    """The Slack double, answering each message post only after a delay (once it is stored)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.posted = asyncio.Event()  # set by every message post; the test clears it

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        response = await super()._handle(request)
        if request.match_info["method"] == "chat.postMessage":
            self.posted.set()
            await asyncio.sleep(POST_DELAY)
        return response


@pytest.fixture
async def slack() -> AsyncIterator[SlowSlack]:
    fake = SlowSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


def report() -> Report:
    # Long contributions fill Slack's per-message budget: each digest is three messages.
    contribution = ("A policy-gradient method that scales reinforcement learning. " * 20)[:CONTRIBUTION]
    papers = tuple(
        paper(
            arxiv_id=f"2603.{i:05d}",
            title=f"Scaling RL, part {i}",
            domain="强化学习",
            contribution=contribution,
        )
        for i in range(1, PAPERS + 1)
    )
    return Report(DAY, papers)


def expected_parts(rep: Report, sub: Subscription) -> int:
    """How many messages the digest is, computed as the deliverer computes it."""
    digest = build_digest(
        rep, sub.interests, builtin_taxonomy(), locale=sub.locale, limit=DEFAULT_DIGEST_SIZE
    )
    return len(digest_messages(digest))


def parts_in(slack: FakeSlack, channel: str) -> list[tuple[str, int]]:
    """(delivery id, part) of every digest message the double accepted in the channel."""
    found: list[tuple[str, int]] = []
    for message in slack.messages_in(channel):
        metadata = message.get("metadata") or {}
        assert metadata.get("event_type") == DIGEST_EVENT, message
        payload = metadata["event_payload"]
        found.append((payload["delivery_id"], payload["part"]))
    return found


def duplicates(slack: FakeSlack) -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {}
    for channel in CHANNELS:
        counts = collections.Counter(parts_in(slack, channel))
        twice = sorted(key for key, n in counts.items() if n > 1)
        if twice:
            found[channel] = twice
    return found


class ForkServer:
    """The `crash_worker` subprocess: forks one delivery pass per request, for the test to kill."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, args: list[str], stderr: IO[bytes]) -> ForkServer:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.bot.crash_worker",
            *args,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
        server = cls(proc)
        await server.line("ready", STARTUP_TIMEOUT)
        return server

    async def line(self, word: str, seconds: float) -> str:
        assert self.proc.stdout is not None
        got = (await asyncio.wait_for(self.proc.stdout.readline(), seconds)).decode().strip()
        assert got.startswith(word), f"crash_worker: expected {word!r}, got {got!r} (see workers.log)"
        return got

    async def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{text}\n".encode())
        await self.proc.stdin.drain()

    async def run(
        self, now: dt.datetime, kill_after: float | None, posted: asyncio.Event
    ) -> tuple[int, dict[str, int] | None]:
        """One pass with clock `now`, SIGKILLed `kill_after` seconds after its first post (None:
        let it finish); its exit code and, when it finished, its outcome counts."""
        posted.clear()
        await self.send(now.isoformat())
        pid = int((await self.line("pid", STARTUP_TIMEOUT)).split()[1])
        outcome: dict[str, int] | None = None
        if kill_after is None:
            outcome = json.loads(await self.line("{", FINAL_TIMEOUT))
        elif (line := await self.first_post_or_end(posted)) is not None:
            assert line.startswith("{"), f"crash_worker: expected an outcome, got {line!r}"
            outcome = json.loads(line)
        else:
            await asyncio.sleep(kill_after)
            # The server reaps the child only after "reap", so this pid is still ours.
            os.kill(pid, signal.SIGKILL)
        await self.send("reap")
        while True:  # a pass that finished before the kill printed its outcome first
            got = (await self.line("", STARTUP_TIMEOUT)).split()
            if got[0] == "exit":
                return int(got[1]), outcome

    async def first_post_or_end(self, posted: asyncio.Event) -> str | None:
        """Wait for the pass's first post (None) or for it to end without one, every digest being
        posted already (its outcome line). A read cut short consumes nothing."""
        assert self.proc.stdout is not None
        ended = asyncio.ensure_future(self.proc.stdout.readline())
        post = asyncio.ensure_future(posted.wait())
        done, _ = await asyncio.wait(
            {ended, post}, timeout=STARTUP_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        post.cancel()
        assert done, "the pass neither posted nor ended (see workers.log)"
        if ended.done():
            return ended.result().decode().strip()
        ended.cancel()
        return None

    async def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), STARTUP_TIMEOUT)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def target(engine: AsyncEngine) -> tuple[str, str]:
    """The database URL and schema a subprocess needs to open the same database."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "postgresql":
        return url, "-"
    async with engine.connect() as conn:
        schema = await conn.scalar(text("SELECT current_schema()"))
    return url, str(schema)


@pytest.mark.other_process  # a paperbot process on the real clock: see tests/conftest.py
async def test_sigkill_during_fan_out_loses_nothing_and_posts_nothing_twice(
    engine: AsyncEngine, slack: SlowSlack, tmp_path: Path
) -> None:
    rep = report()
    await Archive(engine).ingest(rep)
    store = SubscriptionStore(engine)
    subs = [Subscription(ChannelRef("slack", WORKSPACE, c), RL) for c in CHANNELS]
    for sub in subs:
        await store.save(sub)
    parts = expected_parts(rep, subs[0])
    assert 2 <= parts <= 3, f"the digest should be 2–3 messages, is {parts}"
    url, schema = await target(engine)
    await engine.dispose()  # the subprocesses own the database while they run

    base = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    rng = random.Random(SEED)
    killed = 0
    cut_between_parts = 0  # rounds that left some channel with only part of its digest
    with (tmp_path / "workers.log").open("wb") as log:
        server = await ForkServer.start([url, schema, slack.base_url], log)
        try:
            for round_no in range(ROUNDS):
                code, _ = await server.run(
                    base + round_no * STEP, rng.uniform(0, MAX_KILL_DELAY), slack.posted
                )
                assert code in (0, -signal.SIGKILL), f"round {round_no}: the pass exited with {code}"
                killed += code == -signal.SIGKILL
                twice = duplicates(slack)
                assert not twice, f"after round {round_no}: parts posted twice: {twice}"
                if any(0 < len(parts_in(slack, c)) < parts for c in CHANNELS):
                    cut_between_parts += 1
            code, outcome = await server.run(base + ROUNDS * STEP, None, slack.posted)
            assert code == 0, f"the final pass exited with {code}"
        finally:
            await server.stop()

    # The crashes happened where they matter (the seed and delays make this hold by a margin).
    assert killed >= ROUNDS // 2, f"only {killed} of {ROUNDS} rounds were killed mid-pass"
    assert cut_between_parts >= 1
    assert outcome is not None
    assert set(outcome) <= {"posted"}, outcome

    rows = {d.channel.channel: d for d in await Outbox(engine).list(day=DAY)}
    assert set(rows) == set(CHANNELS)
    problems: dict[str, object] = {}
    for channel in CHANNELS:
        row = rows[channel]
        found = parts_in(slack, channel)
        wanted = [(row.key, part) for part in range(parts)]
        if sorted(found) != wanted:
            problems[channel] = {"posted": found, "wanted": wanted}
        elif row.status != "posted" or row.next_part != parts:
            problems[channel] = {"status": row.status, "next_part": row.next_part, "error": row.last_error}
        # Each message says how many parts its digest has: the same number for every part.
        for message in slack.messages_in(channel):
            assert message["metadata"]["event_payload"]["parts"] == parts
    assert not problems, f"{len(problems)} channels are wrong: {problems}"
    assert await Outbox(engine).counts(DAY) == {"posted": len(CHANNELS)}
    # Channels whose digest the killed passes had started were resumed after asking Slack.
    assert slack.calls_to("conversations.history")
