"""Running paperbot's event loop: uvloop where it is installed, asyncio's own loop elsewhere.

uvloop (libuv) makes the loop's own work — sockets, callbacks, timers — several times cheaper;
a delivery pass is mostly that work (benchmarks/bench_deliver.py: CPU per post fell by a fifth).
It does not exist on Windows, where the standard loop serves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # Windows, or a build without it: same behaviour, slower loop
        return asyncio.run(main)
    return uvloop.run(main)
