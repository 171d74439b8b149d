"""What every long-running edge shares: one stop signal for the whole process."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.errors import PlatformUnavailable

T = TypeVar("T")

# A platform that cannot be reached is tried again after 1, 2, 4 … seconds, at most RETRY_CAP
# apart, with jitter so the replicas of a deployment do not all knock in the same second.
RETRY_BASE = 1.0
RETRY_CAP = 120.0


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT, so a container stop ends every edge cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop


def retry_delay(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempt`-th failed try (1-based): the upper half of a window
    that doubles each time, up to RETRY_CAP."""
    window: float = min(RETRY_CAP, RETRY_BASE * 2.0 ** max(0, attempt - 1))
    spread: float = (rng or random).random()
    return window / 2 + spread * window / 2


async def stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds`, or less if `stop` is set meanwhile; whether it was."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()


async def try_again(
    attempt: Callable[[], Awaitable[T]],
    stop: asyncio.Event,
    failure: Exception,
    say: Callable[[Exception, float], object],
    retry_on: tuple[type[Exception], ...] = (PlatformUnavailable,),
    delay_after: Callable[[int], float] = retry_delay,
) -> T | None:
    """`failure` just happened: wait, then try `attempt` again, and again after each failure in
    `retry_on` (1, 2, 4 … s apart, at most RETRY_CAP, with jitter: `delay_after`, which tests
    replace), `say`ing each failure and the wait before the next try; `attempt`'s value, or None
    once `stop` is set. Anything else it raises ends the tries (a token refused, say). A failure
    that says how long not to try again (PlatformUnavailable's `wait`) is waited out at least."""
    failures = 1
    while True:
        delay = max(delay_after(failures), getattr(failure, "wait", 0.0))
        say(failure, delay)
        if await stopped_within(stop, delay):
            return None
        try:
            return await attempt()
        except retry_on as exc:
            failure = exc
            failures += 1
