"""Fan-out of one report to many Slack channels, end to end on the loopback Slack double.

    .venv/bin/python benchmarks/bench_deliver.py [--channels 1000] [--quick] [--postgres URL] [--profile]

One 50-paper report (every paper about reinforcement learning) is ingested into a fresh, migrated
database; N Slack subscriptions to "reinforcement-learning" are spread over 20 workspaces; the
real `Deliverer` (outbox, `SlackDigestPublisher`, `make_client` with its retry handlers) posts to
`tests/handlers/slack/fake_slack.py` on 127.0.0.1, which checks every payload the way Slack does.
The timed span is `Deliverer.run_pass(now, force=True)` (plan + claim + render + post + record),
plus, in (b), the further `deliver_due` passes (an hour apart on the bot's clock) that retry what
outlasted the client's own retries.

(a) SQLite, one deliverer, the double never limits.
(b) SQLite, one deliverer; 5% of chat.postMessage calls get 429 (Retry-After: 1) and 5% get 503.
    The client's retry sleep really sleeps, scaled by SLEEP_SCALE (1 s asked → 10 ms slept).
(c) PostgreSQL, three deliverers with different worker names running `run_pass` concurrently in
    one event loop ("3 replicas" sharing one process, one engine pool and one CPU; real replicas
    are separate processes with their own pools). Skipped when no PostgreSQL answers.

Checked for each: every channel holds exactly the digest's parts, each part once (by the delivery
id and part number in the message metadata), and the outbox counts are {"posted": N}. The double
shares the bot's process and event loop, so its request parsing and block validation count
against the throughput figure; (a') repeats (a) with the double's payload check switched off, to
show what the bot alone sustains.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import io
import os
import pstats
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

import tests.handlers.slack.fake_slack as fake_slack_module  # noqa: E402
from benchmarks.common import machine  # noqa: E402
from bot.delivery import PER_WORKSPACE, Deliverer  # noqa: E402
from bot.digest import DEFAULT_DIGEST_SIZE, build_digest  # noqa: E402
from bot.models import ChannelRef, Interests, Paper, Report, Subscription  # noqa: E402
from bot.store.archive import Archive  # noqa: E402
from bot.store.database import create_engine  # noqa: E402
from bot.store.migrate import migrate  # noqa: E402
from bot.store.outbox import Outbox  # noqa: E402
from bot.store.subscriptions import SubscriptionStore  # noqa: E402
from bot.topics.taxonomy import builtin_taxonomy  # noqa: E402
from handlers.slack.blocks import digest_messages  # noqa: E402
from handlers.slack.delivery import SlackDigestPublisher  # noqa: E402
from handlers.slack.oauth import WorkspaceClients  # noqa: E402
from handlers.slack.publisher import make_client  # noqa: E402
from tests.handlers.slack.fake_slack import FAKE_TOKEN, FakeSlack  # noqa: E402

DAY = dt.date(2026, 3, 9)
RL = Interests(("reinforcement-learning",))
PAPERS = 50
WORKSPACES = 20
GOAL_POSTS_PER_S = 1000.0
RATE_LIMITED = 0.05  # share of chat.postMessage calls answered 429
SERVER_ERRORS = 0.05  # …and 503
SLEEP_SCALE = 0.01  # the client's retry waits, really slept at 1/100 of the asked time
EXTRA_PASSES = 12  # (b): deliver_due passes, an hour apart, until everything is posted
REPLICAS = 3
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def report() -> Report:
    papers = tuple(
        Paper(
            f"2603.{i:05d}",
            f"Scaling reinforcement learning for agents, part {i}",
            f"https://huggingface.co/papers/2603.{i:05d}",
            domain="强化学习 (reinforcement learning)",
            contribution=f"A policy-optimization method with reward shaping, variant {i}.",
            results=f"Improves return on {i % 7 + 3} benchmarks.",
        )
        for i in range(1, PAPERS + 1)
    )
    return Report(DAY, papers)


def channel_refs(n: int) -> list[ChannelRef]:
    return [ChannelRef("slack", f"T0W{i % WORKSPACES:04d}", f"C0B{i:06d}") for i in range(n)]


def unchecked(params: dict[str, Any]) -> tuple[str, str] | None:
    return None


async def scaled_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds * SLEEP_SCALE)


# -- databases ---------------------------------------------------------------------------------


@asynccontextmanager
async def sqlite_engine() -> AsyncIterator[AsyncEngine]:
    with tempfile.TemporaryDirectory(prefix="bench-deliver-") as directory:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}")
        try:
            await migrate(engine)
            yield engine
        finally:
            await engine.dispose()


@asynccontextmanager
async def postgres_engine(url: str) -> AsyncIterator[AsyncEngine]:
    """A fresh schema in `url`'s database, dropped afterwards (as tests/conftest.py does)."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await migrate(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def postgres_answers(url: str) -> bool:
    engine = create_engine(url, connect_args={"timeout": 3})
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        await engine.dispose()


# -- one scenario ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    channels: int
    posts: int  # messages the double accepted
    calls: int  # chat.postMessage requests it received (failed ones included)
    delivered: int
    passes: int
    seconds: float
    exact: bool
    problems: tuple[str, ...]

    @property
    def rate(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0


def deliverer(
    engine: AsyncEngine,
    slack: FakeSlack,
    worker: str,
    sleep: Callable[[float], Awaitable[None]],
    session: aiohttp.ClientSession,
) -> Deliverer:
    store = SubscriptionStore(engine)
    # One shared client (single-workspace mode) serves every workspace: the double takes one token.
    # It shares one aiohttp session (connection pool), as `paperbot deliver` and `run` do.
    client = make_client(FAKE_TOKEN, slack.base_url, retry_sleep=sleep, session=session)
    clients = WorkspaceClients(slack.base_url, client=client)
    return Deliverer(
        archive=Archive(engine),
        store=store,
        outbox=Outbox(engine),
        taxonomy=builtin_taxonomy(),
        publishers={"slack": SlackDigestPublisher(clients, store)},
        worker=worker,
    )


async def prepare(engine: AsyncEngine, refs: list[ChannelRef]) -> int:
    """Ingest the report and subscribe every channel; how many parts each digest has."""
    archive = Archive(engine)
    await archive.ingest(report())
    store = SubscriptionStore(engine)
    for ref in refs:
        await store.save(Subscription(ref, RL, time=dt.time(9, 0), tz="UTC"))
    digest = build_digest(report(), RL, builtin_taxonomy(), limit=DEFAULT_DIGEST_SIZE)
    return len(digest_messages(digest))


def inject_failures(slack: FakeSlack, seed: int = 7) -> None:
    rng = random.Random(seed)
    draws: dict[int, float] = {}

    def draw(params: dict[str, Any]) -> float:
        # One draw per request, shared by both scripts (they are asked in turn for the same call);
        # the double records each call before it looks for a scripted failure.
        key = len(slack.calls)
        if key not in draws:
            draws.clear()
            draws[key] = rng.random()
        return draws[key]

    slack.rate_limit("chat.postMessage", retry_after=1, times=None, when=lambda p: draw(p) < RATE_LIMITED)
    slack.server_error(
        "chat.postMessage", times=None, when=lambda p: RATE_LIMITED <= draw(p) < RATE_LIMITED + SERVER_ERRORS
    )


def verify(
    slack: FakeSlack, refs: list[ChannelRef], parts: int, counts: dict[str, int]
) -> tuple[bool, list[str]]:
    problems: list[str] = []
    expected = set(range(parts))
    for ref in refs:
        messages = slack.messages_in(ref.channel)
        seen = Counter(m["metadata"]["event_payload"]["part"] for m in messages if m.get("metadata"))
        keys = {m["metadata"]["event_payload"]["delivery_id"] for m in messages if m.get("metadata")}
        if (
            len(messages) != parts
            or set(seen) != expected
            or max(seen.values(), default=0) > 1
            or len(keys) != 1
        ):
            problems.append(
                f"{ref.channel}: {len(messages)} messages, parts {dict(seen)}, {len(keys)} deliveries"
            )
    if counts != {"posted": len(refs)}:
        problems.append(f"outbox counts {counts}")
    return not problems, problems


async def scenario(
    name: str,
    engine: AsyncEngine,
    refs: list[ChannelRef],
    *,
    failures: bool = False,
    replicas: int = 1,
    profile: cProfile.Profile | None = None,
) -> Result:
    parts = await prepare(engine, refs)
    async with FakeSlack() as slack, aiohttp.ClientSession() as session:
        if failures:
            inject_failures(slack)
        sleep = scaled_sleep if failures else asyncio.sleep
        workers = [deliverer(engine, slack, f"bench-{i}", sleep, session) for i in range(replicas)]
        now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        outcomes: Counter[str] = Counter()
        passes = 1
        if profile is not None:
            profile.enable()
        start = time.perf_counter()
        for done in await asyncio.gather(*(w.run_pass(now, force=True) for w in workers)):
            outcomes.update(done)
        if failures:
            for hours in range(1, EXTRA_PASSES + 1):
                if (await Outbox(engine).counts()).get("posted", 0) == len(refs):
                    break
                passes += 1
                outcomes.update(await workers[0].deliver_due(now + dt.timedelta(hours=hours)))
        seconds = time.perf_counter() - start
        if profile is not None:
            profile.disable()
        counts = await Outbox(engine).counts()
        exact, problems = verify(slack, refs, parts, counts)
        return Result(
            name,
            len(refs),
            posts=sum(len(slack.messages_in(ref.channel)) for ref in refs),
            calls=len(slack.calls_to("chat.postMessage")),
            delivered=counts.get("posted", 0),
            passes=passes,
            seconds=seconds,
            exact=exact,
            problems=tuple(problems[:5]),
        )


# -- main ----------------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> int:
    refs = channel_refs(args.channels)
    profile = cProfile.Profile() if args.profile else None
    results: list[Result] = []
    async with sqlite_engine() as engine:
        results.append(await scenario("(a) SQLite, 1 deliverer", engine, refs, profile=profile))
    # The same, with the double's per-message payload check (slack_sdk block models, ~2–3 ms a
    # post) switched off: what the bot alone sustains when the double costs next to nothing.
    checked = fake_slack_module.message_problem
    fake_slack_module.message_problem = unchecked
    try:
        async with sqlite_engine() as engine:
            results.append(await scenario("(a') as (a), double unchecked", engine, refs))
    finally:
        fake_slack_module.message_problem = checked
    async with sqlite_engine() as engine:
        results.append(await scenario("(b) SQLite, 5% 429 + 5% 503", engine, refs, failures=True))
    url = args.postgres or os.environ.get("PAPERBOT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    postgres_note = ""
    if await postgres_answers(url):
        async with postgres_engine(url) as engine:
            results.append(
                await scenario(f"(c) PostgreSQL, {REPLICAS} replicas", engine, refs, replicas=REPLICAS)
            )
    else:
        postgres_note = f"(c) skipped: no PostgreSQL answers at {url}"

    print(f"machine: {machine()}")
    print(
        f"{args.channels} Slack channels over {WORKSPACES} workspaces, one {PAPERS}-paper report, "
        f"digest of {DEFAULT_DIGEST_SIZE} papers; PER_WORKSPACE={PER_WORKSPACE}; "
        f"(b) retry sleeps scaled ×{SLEEP_SCALE}"
    )
    header = (
        f"{'scenario':<30} {'posts':>6} {'calls':>6} {'digests':>7} {'passes':>6} {'wall s':>7} "
        f"{'posts/s':>8}  once"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<30} {r.posts:>6} {r.calls:>6} {r.delivered:>7} {r.passes:>6} {r.seconds:>7.2f} "
            f"{r.rate:>8.0f}  {'yes' if r.exact else 'NO'}"
        )
        for problem in r.problems:
            print(f"    {problem}")
    if postgres_note:
        print(postgres_note)
    first = results[0]
    verdict = "PASS" if first.rate >= GOAL_POSTS_PER_S else "MISS"
    print(f"goal ≥ {GOAL_POSTS_PER_S:.0f} posts/s on (a): {verdict} ({first.rate:.0f} posts/s)")
    print("posts: messages the double accepted; calls: chat.postMessage requests, failed ones included")
    if profile is not None:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    return 0 if all(r.exact for r in results) else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="200 channels")
    parser.add_argument("--postgres", help="a postgresql+asyncpg:// URL for (c)")
    parser.add_argument("--profile", action="store_true", help="cProfile (a), top 25 by own time")
    args = parser.parse_args()
    if args.quick:
        args.channels = min(args.channels, 200)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
