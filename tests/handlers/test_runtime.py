"""The shared policy for trying a platform again (handlers/runtime.py `try_again`)."""

from __future__ import annotations

import asyncio

from bot.errors import PlatformUnavailable
from handlers.runtime import try_again


async def test_a_failure_that_says_how_long_to_wait_is_waited_out_at_least() -> None:
    """Discord's session starts used up for the day reset in hours; the policy's own waits are
    seconds. The wait said is the longer, and nothing is tried before it."""
    said: list[tuple[str, float]] = []
    outcomes: list[PlatformUnavailable | str] = [PlatformUnavailable("again, shorter", wait=0.01), "served"]

    async def attempt() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    first = PlatformUnavailable("no session starts left", wait=0.02)
    got = await try_again(
        attempt,
        asyncio.Event(),
        first,
        lambda failure, delay: said.append((str(failure), delay)),
        delay_after=lambda failures: 0.005 * failures,
    )
    assert got == "served"
    assert said == [("no session starts left", 0.02), ("again, shorter", 0.01)]
