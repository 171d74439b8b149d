"""Refusing oversized inputs: time and peak memory of `paperbot ingest` given a 300 MB report.

python -m benchmarks.bench_oversized [--megabytes N]

Three inputs, each refused by PAPERBOT_MAX_REPORT_BYTES (default 20 MB) with exit 2: a sparse
file (refused from its size), a loopback HTTP body announcing its length (refused from
`Content-Length`), and one streamed without a length (refused after 20 MB have arrived). Each
`paperbot ingest` runs as its own process; peak memory is that process's maximum resident set.
Goal (issue 14): ≤ 10 s and ≤ 400 MB each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from benchmarks.common import machine

CHUNK = 1024 * 1024


async def _measure(argv: list[str], env: dict[str, str]) -> tuple[int, float, float]:
    """(exit status, seconds, peak MB) of one child process; its stderr line is shown as it runs."""
    started = time.perf_counter()
    pid = await asyncio.to_thread(os.posix_spawn, sys.executable, [sys.executable, "-m", "bot", *argv], env)
    _, status, usage = await asyncio.to_thread(os.wait4, pid, 0)
    elapsed = time.perf_counter() - started
    return os.waitstatus_to_exitcode(status), elapsed, usage.ru_maxrss / 1024


def _body_handler(size: int, *, announce: bool) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        if announce:
            response.content_length = size
        await response.prepare(request)
        block = b"#" * CHUNK
        try:
            for _ in range(size // CHUNK):
                await response.write(block)
        except (ConnectionError, RuntimeError):
            pass  # the client hung up: the point of the exercise
        return response

    return handler


async def run(megabytes: int) -> None:
    size = megabytes * CHUNK
    app = web.Application()
    app.router.add_get("/announced.md", _body_handler(size, announce=True))
    app.router.add_get("/streamed.md", _body_handler(size, announce=False))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    with tempfile.TemporaryDirectory() as folder:
        sparse = Path(folder) / "report-2026-04-01.md"
        with sparse.open("wb") as file:
            file.truncate(size)
        env = {**os.environ, "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bench.db"}
        cases = {
            f"sparse file, {megabytes} MB": str(sparse),
            f"HTTP, {megabytes} MB with Content-Length": f"http://127.0.0.1:{port}/announced.md",
            f"HTTP, {megabytes} MB streamed, no length": f"http://127.0.0.1:{port}/streamed.md",
        }
        print(machine())
        print(f"{'input':<42} {'exit':>4} {'seconds':>8} {'peak MB':>8}")
        for label, source in cases.items():
            status, seconds, peak = await _measure(["ingest", source], env)
            print(f"{label:<42} {status:>4} {seconds:>8.2f} {peak:>8.0f}")
    await runner.cleanup()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--megabytes", type=int, default=300)
    asyncio.run(run(options.parse_args().megabytes))


if __name__ == "__main__":
    main()
