"""The loopback Slack double (`tests/handlers/slack/fake_slack.py`) in a process of its own.

    python -m benchmarks.slack_double [--unchecked] [--rate-limited 0.05] [--server-errors 0.05]
                                      [--post-delay 0.25]

prints the double's API base URL on its first line, then serves until its standard input closes.
In its own process the double no longer shares the bot's CPU and event loop, so a benchmark
measures the bot, not the double. `--unchecked` skips the per-message payload check while
serving (the benchmark checks every stored message afterwards, outside its timed span).

`SlackDoubleProcess` starts one from a benchmark and reads back what it stored.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from tests.handlers.slack.fake_slack import FakeSlack  # noqa: E402


def inject_failures(slack: FakeSlack, rate_limited: float, server_errors: float, seed: int) -> None:
    """Answer a random share of chat.postMessage calls with 429 (Retry-After: 1) or 503."""
    rng = random.Random(seed)
    draws: dict[int, float] = {}

    def draw(_params: dict[str, Any]) -> float:
        # One draw per request, shared by both scripts (they are asked in turn for the same call);
        # the double records each call before it looks for a scripted failure.
        key = len(slack.calls)
        if key not in draws:
            draws.clear()
            draws[key] = rng.random()
        return draws[key]

    if rate_limited:
        slack.rate_limit("chat.postMessage", retry_after=1, times=None, when=lambda p: draw(p) < rate_limited)
    if server_errors:
        slack.server_error(
            "chat.postMessage",
            times=None,
            when=lambda p: rate_limited <= draw(p) < rate_limited + server_errors,
        )


async def serve(args: argparse.Namespace) -> None:
    async with FakeSlack(check_payloads=not args.unchecked) as slack:
        inject_failures(slack, args.rate_limited, args.server_errors, args.seed)
        if args.post_delay:  # a slow Slack: posts in flight long enough for a kill to land among them
            slack.delay("chat.postMessage", args.post_delay)
        print(slack.base_url, flush=True)
        # Serve until the parent closes our stdin (or dies, which closes it too).
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


class SlackDoubleProcess:
    """`async with SlackDoubleProcess(...) as double:` — `double.base_url`, `await double.state()`."""

    def __init__(
        self,
        *,
        unchecked: bool = False,
        rate_limited: float = 0.0,
        server_errors: float = 0.0,
        post_delay: float = 0.0,
    ) -> None:
        self.argv = [
            sys.executable,
            "-m",
            "benchmarks.slack_double",
            f"--rate-limited={rate_limited}",
            f"--server-errors={server_errors}",
            f"--post-delay={post_delay}",
            *(["--unchecked"] if unchecked else []),
        ]
        self.base_url = ""
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> SlackDoubleProcess:
        self._process = await asyncio.create_subprocess_exec(
            *self.argv, cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        assert self._process.stdout is not None
        line = (await self._process.stdout.readline()).decode()
        if not line.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the Slack double did not start: {line!r}")
        self.base_url = line.strip()
        return self

    async def state(self) -> dict[str, Any]:
        """{"messages": [{channel, ts, text, blocks, metadata}, …], "calls": {method: count}}."""
        root = self.base_url.removesuffix("/api/")
        async with aiohttp.ClientSession() as session, session.get(f"{root}/_fake/state") as response:
            response.raise_for_status()
            state: dict[str, Any] = await response.json()
            return state

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                await asyncio.wait_for(self._process.wait(), timeout=10)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unchecked", action="store_true", help="no payload check while serving")
    parser.add_argument("--rate-limited", type=float, default=0.0, help="share of posts answered 429")
    parser.add_argument("--server-errors", type=float, default=0.0, help="share of posts answered 503")
    parser.add_argument("--post-delay", type=float, default=0.0, help="seconds before each post is answered")
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
