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
import resource
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
from sqlalchemy import make_url, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine  # noqa: E402

from benchmarks.common import machine  # noqa: E402
from benchmarks.slack_double import SlackDoubleProcess  # noqa: E402
from bot.aio import run  # noqa: E402
from bot.delivery.deliverer import PER_WORKSPACE, Deliverer  # noqa: E402
from bot.models import ChannelRef, Interests, Paper, Report, Subscription  # noqa: E402
from bot.ranking.digest import DEFAULT_DIGEST_SIZE, build_digest  # noqa: E402
from bot.store.archive import Archive  # noqa: E402
from bot.store.database import create_engine  # noqa: E402
from bot.store.migrate import migrate  # noqa: E402
from bot.store.outbox import Outbox  # noqa: E402
from bot.store.subscriptions import SubscriptionStore  # noqa: E402
from bot.topics.taxonomy import builtin_taxonomy  # noqa: E402
from handlers.slack.blocks import digest_messages  # noqa: E402
from handlers.slack.delivery import SlackDigestPublisher  # noqa: E402
from handlers.slack.oauth import WorkspaceClients  # noqa: E402
from handlers.slack.publisher import make_client, make_session  # noqa: E402
from tests.handlers.slack.fake_slack import FAKE_TOKEN, message_problem  # noqa: E402

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
async def postgres_database(url: str) -> AsyncIterator[tuple[AsyncEngine, str]]:
    """A fresh, migrated database on `url`'s server (other processes can open it by its URL),
    dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        yield engine, database_url
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
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
    span: float  # first to last accepted post, by the double's clock
    cpu: float  # CPU seconds the bot's process(es) used in the timed span
    double_cpu: float  # …and the double's

    @property
    def rate(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_post(self) -> float:
        return 1000 * self.cpu / self.posts if self.posts else 0.0

    @property
    def double_cpu_per_post(self) -> float:
        return 1000 * self.double_cpu / self.posts if self.posts else 0.0

    @property
    def span_rate(self) -> float:
        return self.posts / self.span if self.span else 0.0


def deliverer(
    engine: AsyncEngine,
    base_url: str,
    worker: str,
    sleep: Callable[[float], Awaitable[None]],
    session: aiohttp.ClientSession,
) -> Deliverer:
    store = SubscriptionStore(engine)
    # One shared client (single-workspace mode) serves every workspace: the double takes one token.
    # It shares one aiohttp session (connection pool), as `paperbot deliver` and `run` do.
    client = make_client(FAKE_TOKEN, base_url, retry_sleep=sleep, session=session)
    clients = WorkspaceClients(base_url, client=client)
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


def verify(
    state: dict[str, Any], refs: list[ChannelRef], parts: int, counts: dict[str, int]
) -> tuple[bool, list[str]]:
    """Every channel holds each part of one delivery exactly once, and every message is one
    Slack would have accepted (checked here, after the timed span, when the double did not)."""
    problems: list[str] = []
    expected = set(range(parts))
    by_channel: dict[str, list[dict[str, Any]]] = {}
    for message in state["messages"]:
        by_channel.setdefault(message["channel"], []).append(message)
        if (problem := message_problem(message)) is not None:
            problems.append(f"{message['channel']}: Slack would refuse a message: {problem}")
    for ref in refs:
        messages = by_channel.get(ref.channel, [])
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


async def finish(
    name: str,
    engine: AsyncEngine,
    slack: SlackDoubleProcess,
    refs: list[ChannelRef],
    parts: int,
    *,
    passes: int,
    seconds: float,
    cpu: float,
    double_cpu: float,
) -> Result:
    counts = await Outbox(engine).counts()
    state = await slack.state()
    exact, problems = verify(state, refs, parts, counts)
    stamps = [float(m["ts"]) for m in state["messages"]]
    return Result(
        name,
        len(refs),
        posts=len(state["messages"]),
        calls=state["calls"].get("chat.postMessage", 0),
        delivered=counts.get("posted", 0),
        passes=passes,
        seconds=seconds,
        exact=exact,
        problems=tuple(problems[:5]),
        span=max(stamps) - min(stamps) if stamps else 0.0,
        cpu=cpu,
        double_cpu=state["cpu_seconds"] - double_cpu,
    )


async def scenario(
    name: str,
    engine: AsyncEngine,
    refs: list[ChannelRef],
    *,
    failures: bool = False,
    profile: cProfile.Profile | None = None,
) -> Result:
    """One `Deliverer` in this process; the double in its own."""
    parts = await prepare(engine, refs)
    shares = {"rate_limited": RATE_LIMITED, "server_errors": SERVER_ERRORS} if failures else {}
    async with SlackDoubleProcess(unchecked=True, **shares) as slack, make_session() as session:
        sleep = scaled_sleep if failures else asyncio.sleep
        worker = deliverer(engine, slack.base_url, "bench", sleep, session)
        now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        passes = 1
        double_cpu = (await slack.state())["cpu_seconds"]
        if profile is not None:
            profile.enable()
        start, cpu = time.perf_counter(), time.process_time()
        await worker.run_pass(now, force=True)
        if failures:
            for hours in range(1, EXTRA_PASSES + 1):
                if (await Outbox(engine).counts()).get("posted", 0) == len(refs):
                    break
                passes += 1
                await worker.deliver_due(now + dt.timedelta(hours=hours))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        if profile is not None:
            profile.disable()
        return await finish(
            name, engine, slack, refs, parts, passes=passes, seconds=seconds, cpu=cpu, double_cpu=double_cpu
        )


async def replicas_scenario(name: str, url: str, refs: list[ChannelRef], replicas: int) -> Result:
    """`replicas` real `paperbot deliver --now` processes at once against one PostgreSQL database."""
    async with postgres_database(url) as (engine, database_url):
        parts = await prepare(engine, refs)
        async with SlackDoubleProcess(unchecked=True) as slack:
            env = {
                **os.environ,
                "PAPERBOT_DATABASE_URL": database_url,
                "SLACK_BOT_TOKEN": FAKE_TOKEN,
                "SLACK_SIGNING_SECRET": "bench-signing-secret-0123456789",
                "SLACK_API_URL": slack.base_url,
            }
            double_cpu = (await slack.state())["cpu_seconds"]
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            processes = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "deliver",
                    "--now",
                    env=env,
                    cwd=ROOT,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                )
                for _ in range(replicas)
            ]
            results = await asyncio.gather(*(p.communicate() for p in processes))
            seconds = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
            for process, (_out, err) in zip(processes, results, strict=True):
                if process.returncode != 0:
                    print(f"a replica exited {process.returncode}: {err.decode()[-500:]}", file=sys.stderr)
            return await finish(
                name, engine, slack, refs, parts, passes=1, seconds=seconds, cpu=cpu, double_cpu=double_cpu
            )


# -- main ----------------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> int:
    refs = channel_refs(args.channels)
    profile = cProfile.Profile() if args.profile else None
    results: list[Result] = []
    # This VM's speed drifts ±15% from minute to minute: (a), the goal's figure, runs several
    # times and the median run is the one reported (all runs' rates are printed).
    runs: list[Result] = []
    for _ in range(args.repeat):
        async with sqlite_engine() as engine:
            runs.append(await scenario("(a) SQLite, 1 deliverer", engine, refs, profile=profile))
    by_rate = sorted(runs, key=lambda r: r.rate)
    results.append(by_rate[len(by_rate) // 2])
    async with sqlite_engine() as engine:
        results.append(await scenario("(b) SQLite, 5% 429 + 5% 503", engine, refs, failures=True))
    url = args.postgres or os.environ.get("PAPERBOT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    postgres_note = ""
    if await postgres_answers(url):
        name = f"(c) PostgreSQL, {REPLICAS} processes"
        results.append(await replicas_scenario(name, url, refs, REPLICAS))
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
        f"{'posts/s':>8} {'span s':>7} {'posts/s':>8} {'bot ms':>7} {'dbl ms':>7}  once"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<30} {r.posts:>6} {r.calls:>6} {r.delivered:>7} {r.passes:>6} {r.seconds:>7.2f} "
            f"{r.rate:>8.0f} {r.span:>7.2f} {r.span_rate:>8.0f} {r.cpu_per_post:>7.2f} "
            f"{r.double_cpu_per_post:>7.2f}  {'yes' if r.exact else 'NO'}"
        )
        for problem in r.problems:
            print(f"    {problem}")
    if postgres_note:
        print(postgres_note)
    first = results[0]
    verdict = "PASS" if first.rate >= GOAL_POSTS_PER_S else "MISS"
    print(
        f"goal ≥ {GOAL_POSTS_PER_S:.0f} posts/s on (a): {verdict} ({first.rate:.0f} posts/s, the median of "
        f"{len(runs)} runs: {', '.join(f'{r.rate:.0f}' for r in by_rate)}; CPU {first.cpu_per_post:.2f} ms "
        f"per post = {1000 / first.cpu_per_post:.0f} posts per CPU-second)"
    )
    if not all(r.exact for r in runs):
        print("(a): a run was not exactly once:", [p for r in runs for p in r.problems][:5])
    print(
        "posts: messages the double accepted; calls: chat.postMessage requests, failed ones included;\n"
        "wall: the timed span (for (c), from starting the processes to the last one's exit);\n"
        "span: first to last message accepted by the double;\n"
        "bot ms / dbl ms: CPU milliseconds per accepted post in the bot's process(es) / the double's"
    )
    if profile is not None:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    return 0 if all(r.exact for r in (*runs, *results)) else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="200 channels")
    parser.add_argument("--postgres", help="a postgresql+asyncpg:// URL for (c)")
    parser.add_argument("--profile", action="store_true", help="cProfile (a), top 25 by own time")
    parser.add_argument("--repeat", type=int, default=5, help="runs of (a); the median is reported")
    args = parser.parse_args()
    if args.quick:
        args.channels = min(args.channels, 200)
        args.repeat = 1
    return run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
