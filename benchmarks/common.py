"""Helpers shared by the benchmarks: timing statistics and a description of the machine."""

from __future__ import annotations

import gc
import os
import platform
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}"
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def time_calls(function: Callable[[], object], runs: int, warmup: int = 3) -> list[float]:
    """Milliseconds per call, measured with the garbage collector paused."""
    for _ in range(warmup):
        function()
    timings = []
    gc.disable()
    try:
        for _ in range(runs):
            start = time.perf_counter_ns()
            function()
            timings.append((time.perf_counter_ns() - start) / 1e6)
    finally:
        gc.enable()
    return timings


def time_pair(
    first: Callable[[], object], second: Callable[[], object], runs: int, warmup: int = 3
) -> tuple[list[float], list[float]]:
    """Milliseconds per call of two functions, run alternately so that a machine that speeds up
    or slows down during the run (a shared VM does) moves both alike and their ratio holds."""
    for _ in range(warmup):
        first()
        second()
    ones: list[float] = []
    twos: list[float] = []
    gc.disable()
    try:
        for _ in range(runs):
            start = time.perf_counter_ns()
            first()
            middle = time.perf_counter_ns()
            second()
            ones.append((middle - start) / 1e6)
            twos.append((time.perf_counter_ns() - middle) / 1e6)
    finally:
        gc.enable()
    return ones, twos


def summary(timings: list[float]) -> tuple[float, float]:
    return statistics.median(timings), percentile(timings, 0.95)


async def execute_autocommit(url: str, statement: str) -> list[tuple[object, ...]]:
    """Run one statement outside a transaction (CREATE DATABASE cannot run in one) on the server
    of a postgresql+asyncpg:// URL; the rows it returns, if any."""
    from sqlalchemy import text

    from bot.store.database import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as plain:
            conn = await plain.execution_options(isolation_level="AUTOCOMMIT")
            result = await conn.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()
