"""Waiting for an effect, not for a time: listeners and other processes run after they answer."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable


async def until(condition: Callable[[], bool | Awaitable[bool]], within: float = 10.0) -> None:
    """Poll `condition` (plain or async) until it holds; fail after `within` seconds (a guard
    against a hang on a busy machine, not a timing)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {within} s")
        await asyncio.sleep(0.01)
