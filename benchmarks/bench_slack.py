"""`/paper QUERY` in Slack HTTP mode, end to end on loopback, over a large synthetic archive.

    .venv/bin/python benchmarks/bench_slack.py [--quick] [--requests 500] [--papers 100000]
    .venv/bin/python -m benchmarks.bench_slack

The archive is the one `bench_lookup` fills and caches in benchmarks/.cache/ (built here through
its `build_archive` when missing). The real Bolt app (`build_app`, `http_app`) is served by aiohttp
on 127.0.0.1; its Web API client and every response_url point at the loopback Slack double
(`tests/handlers/slack/fake_slack.py`). One aiohttp ClientSession sends signed `/paper QUERY` form
posts one at a time, each with its own response_url hook, and waits for that hook's answer before
the next request. Queries are drawn from the archive as `bench_lookup` draws them (arXiv ids, HF
URLs, title words, Chinese words cut from section text, ...) plus built-in topic names.

ack:    from sending the request until its HTTP 200 has been read. The listener calls ack() before
        it looks anything up, but Bolt's asyncio listener runner checks for the ack every 10 ms
        (slack_bolt/listener/asyncio_runner.py) and answers the HTTP request at the first check
        after it: ~10 ms is the floor, and a quick lookup may answer before its own 200 goes out.
answer: from sending the request until the Slack double has read the body of the respond() post
        to that request's response_url: users.info (cached after the warm-up), the lookup, the
        rendering of the blocks and Bolt's POST on loopback (a new connection per post).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sqlite3
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from benchmarks.bench_lookup import cached_archive, queries, sample_rows  # noqa: E402
from benchmarks.common import machine, percentile  # noqa: E402
from bot.store.archive import Archive  # noqa: E402
from bot.store.database import create_engine  # noqa: E402
from bot.store.subscriptions import SubscriptionStore  # noqa: E402
from bot.topics.taxonomy import Taxonomy, builtin_taxonomy  # noqa: E402
from handlers.slack.app import SlackEdge, build_app  # noqa: E402
from handlers.slack.publisher import make_client  # noqa: E402
from handlers.slack.server import EVENTS_PATH, http_app  # noqa: E402
from tests.handlers.slack.fake_slack import FAKE_TOKEN, FakeSlack, FakeUser  # noqa: E402
from tests.handlers.slack.test_app import signed  # noqa: E402

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"
TEAM, CHANNEL = "T0FAKE", "C0BENCH"
USERS = (FakeUser("U0BENCHEN", locale="en-US"), FakeUser("U0BENCHZH", locale="zh-CN"))
GOAL_MS = 50.0
ANSWER_TIMEOUT_S = 30.0
# Requests are sent one at a time; a short gap lets the previous listener finish its tail (closing
# its response_url session) before the next request is timed.
GAP_S = 0.005
# Always among the topic names, as the issue names them.
TOPIC_QUERIES = ("RL", "视频生成")


@dataclass(frozen=True, slots=True)
class Sample:
    kind: str
    query: str
    ack_ms: float
    answer_ms: float
    hits: int


class TimedSlack(FakeSlack):
    """The Slack double, noting when each response_url post has been read, per hook."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.rejected = 0
        self.posts: dict[str, int] = defaultdict(int)
        self._waiting: dict[str, asyncio.Future[int]] = {}

    def expect(self, hook: str) -> asyncio.Future[int]:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting[hook] = future
        return future

    async def _respond(self, request: web.Request) -> web.StreamResponse:
        await request.read()  # the whole post has arrived; the double's block checks are not timed
        arrived = time.perf_counter_ns()
        response = await super()._respond(request)
        hook = request.match_info["hook"]
        self.posts[hook] += 1
        if response.status != 200:
            self.rejected += 1
        future = self._waiting.pop(hook, None)
        if future is not None and not future.done():
            future.set_result(arrived)
        return response


def topic_names(taxonomy: Taxonomy) -> list[str]:
    names = list(TOPIC_QUERIES)
    for topic in taxonomy:
        names.append(topic.name)
        names.extend(topic.zh[:1])
    names = list(dict.fromkeys(names))
    missing = [name for name in names if taxonomy.find(name) is None]
    assert not missing, f"not topic names: {missing}"
    return names


async def query_mix(
    archive: Archive, taxonomy: Taxonomy, count: int, seed: int = 11
) -> list[tuple[str, str]]:
    """`count` (kind, query) pairs, the kinds in turn (each round shuffled), so that any prefix
    (the warm-up, a short run) holds every kind about equally often."""
    rng = random.Random(seed)
    per_kind = max(1, math.ceil(count / 11))  # bench_lookup's 10 kinds and topic names
    kinds = queries(await sample_rows(archive, rng, per_kind), rng, per_kind)
    topics = topic_names(taxonomy)
    kinds["topic name"] = [*TOPIC_QUERIES, *(rng.choice(topics) for _ in range(per_kind))][:per_kind]
    ordered: list[tuple[str, str]] = []
    for i in range(per_kind):
        round_ = [(kind, texts[i]) for kind, texts in kinds.items() if i < len(texts)]
        rng.shuffle(round_)
        ordered += round_
    return (ordered * (count // len(ordered) + 1))[:count]


def command_body(fake: FakeSlack, text: str, hook: str, user: str) -> str:
    return urlencode(
        {
            "token": "unused-verification-token",
            "team_id": TEAM,
            "team_domain": "fake",
            "channel_id": CHANNEL,
            "channel_name": "bench",
            "user_id": user,
            "user_name": "bench",
            "command": "/paper",
            "text": text,
            "api_app_id": "A0BENCH",
            "response_url": fake.response_url(hook),
            "trigger_id": f"{hook}.1.2",
        }
    )


def paper_cards(fake: FakeSlack, hook: str) -> int:
    return sum(
        1
        for response in fake.responses
        if response.get("hook") == hook
        for block in response.get("blocks") or []
        if str(block.get("block_id", "")).startswith("paper_")
    )


async def one_request(
    session: aiohttp.ClientSession, url: str, fake: TimedSlack, number: int, kind: str, text: str
) -> Sample:
    hook = f"q{number}"
    body = command_body(fake, text, hook, USERS[number % len(USERS)].id)
    headers = signed(body, secret=SIGNING_SECRET)
    answered = fake.expect(hook)
    started = time.perf_counter_ns()
    async with session.post(url, data=body.encode(), headers=headers) as response:
        await response.read()
        acked = time.perf_counter_ns()
        if response.status != 200:
            raise RuntimeError(f"/paper {text!r}: HTTP {response.status}")
    arrived = await asyncio.wait_for(answered, ANSWER_TIMEOUT_S)
    return Sample(kind, text, (acked - started) / 1e6, (arrived - started) / 1e6, paper_cards(fake, hook))


async def run(path: Path, requests: int, warmup: int) -> tuple[list[Sample], TimedSlack]:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    taxonomy = builtin_taxonomy()
    mix = await query_mix(Archive(engine), taxonomy, warmup + requests)
    edge = SlackEdge(Archive(engine), SubscriptionStore(engine), taxonomy)
    samples: list[Sample] = []
    fake = TimedSlack(users=USERS)
    await fake.start()
    bolt = build_app(edge, signing_secret=SIGNING_SECRET, client=make_client(FAKE_TOKEN, fake.base_url))
    runner = web.AppRunner(http_app(bolt))  # as serve_http runs it
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        url = f"http://{host}:{port}{EVENTS_PATH}"
        async with aiohttp.ClientSession() as session:
            for number, (kind, text) in enumerate(mix):
                sample = await one_request(session, url, fake, number, kind, text)
                if number >= warmup:
                    samples.append(sample)
                await asyncio.sleep(GAP_S)
    finally:
        await runner.cleanup()
        await fake.close()
        await engine.dispose()
    return samples, fake


def stats(values: list[float]) -> str:
    p50, p95, p99 = (percentile(values, f) for f in (0.5, 0.95, 0.99))
    return f"{p50:>7.2f} {p95:>7.2f} {p99:>7.2f} {max(values):>7.2f}"


def report(path: Path, samples: list[Sample], fake: TimedSlack, warmup: int) -> None:
    with sqlite3.connect(path) as db:
        papers = db.execute("SELECT count(*) FROM papers").fetchone()[0]
        reports = db.execute("SELECT count(*) FROM reports").fetchone()[0]
    print(
        f"archive: {papers:,} papers in {reports:,} reports, {path.stat().st_size / 2**20:,.0f} MiB "
        f"({path.relative_to(ROOT)})"
    )
    print(
        f"requests: {len(samples)} timed, one at a time, after {warmup} warm-up; "
        f"{len({s.kind for s in samples})} query kinds in turn"
    )
    acks = [s.ack_ms for s in samples]
    answers = [s.answer_ms for s in samples]
    print(f"\n{'ms':<24} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    print(f"{'ack (HTTP 200)':<24} {stats(acks)}")
    print(f"{'answer (respond() post)':<24} {stats(answers)}")
    heads = f"{'n':>4} {'ack p50':>8} {'ack p99':>8} {'ans p50':>8} {'ans p99':>8} {'cards':>6}"
    print(f"\n{'query kind':<22} {heads}")
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    for kind, group in by_kind.items():
        ack = [s.ack_ms for s in group]
        answer = [s.answer_ms for s in group]
        print(
            f"{kind:<22} {len(group):>4} {percentile(ack, 0.5):>8.2f} {percentile(ack, 0.99):>8.2f} "
            f"{percentile(answer, 0.5):>8.2f} {percentile(answer, 0.99):>8.2f} "
            f"{sum(s.hits for s in group) / len(group):>6.1f}"
        )
    slowest = sorted(samples, key=lambda s: s.answer_ms, reverse=True)[:5]
    print("slowest answers: " + ", ".join(f"{s.query!r} ({s.kind}) {s.answer_ms:.0f} ms" for s in slowest))
    extra = sum(1 for count in fake.posts.values() if count > 1)
    print(
        f"\nresponse_url posts: {sum(fake.posts.values())}, refused by the double: {fake.rejected}, "
        f"requests answered more than once: {extra}"
    )
    p99 = percentile(acks, 0.99)
    verdict = "PASS" if p99 < GOAL_MS else "MISS"
    print(f"goal: ack p99 < {GOAL_MS:.0f} ms (Slack allows 3 s): {verdict} ({p99:.2f} ms)")
    print(
        "\nack: until the client has read the HTTP 200 from /slack/events. The listener calls ack()"
        "\n     before the lookup runs, but Bolt's asyncio runner polls for the ack every 10 ms and sends"
        "\n     the 200 at the next poll: ~10 ms is the floor, and a fast lookup can answer first."
        "\nanswer: until the Slack double has read the respond() post for that request: users.info"
        "\n     (cached after the warm-up), the lookup, rendering, and Bolt's POST to response_url on"
        "\n     loopback (a new connection per post). cards = papers shown per answer."
        "\nClient, server and Slack double share one event loop in one process; the next request is"
        "\nsent 5 ms after the previous answer arrived, so no two requests overlap."
    )


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    options.add_argument("--papers", type=int, default=100_000)
    options.add_argument("--requests", type=int, default=None, help="timed requests (500; 200 with --quick)")
    options.add_argument("--warmup", type=int, default=30)
    options.add_argument("--quick", action="store_true", help="5,000 papers and 200 requests")
    args = options.parse_args()
    count = 5_000 if args.quick else args.papers
    requests = args.requests if args.requests is not None else (200 if args.quick else 500)
    if requests < 1:
        options.error("--requests must be at least 1")
    print(f"machine: {machine()}")
    path = cached_archive(count)
    samples, fake = asyncio.run(run(path, requests, args.warmup))
    report(path, samples, fake, args.warmup)


if __name__ == "__main__":
    main()
