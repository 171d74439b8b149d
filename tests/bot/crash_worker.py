"""Subprocess entry point for tests/bot/delivery/test_delivery_crash.py: `paperbot deliver` passes.

    python -m tests.bot.crash_worker DATABASE_URL SCHEMA SLACK_BASE_URL

A small fork server: it imports everything once and prints "ready"; then each line on stdin
(an ISO timestamp: the pass's clock) forks a child process that opens the database and runs one
`Deliverer.run_pass(now, force=True)`, the process the test kills with SIGKILL. Forking after
the imports keeps a round's start at milliseconds instead of a second of imports. SCHEMA is the
PostgreSQL search_path ("-" for SQLite). Only loopback connections are allowed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import socket
import sys
import traceback
from typing import Any

from bot.delivery.deliverer import Deliverer
from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.delivery import SlackDigestPublisher
from handlers.slack.oauth import WorkspaceClients
from handlers.slack.publisher import make_client
from tests.handlers.slack.fake_slack import FAKE_TOKEN

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _loopback_only() -> None:
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        host = str(address[0]) if isinstance(address, tuple) else ""
        if isinstance(address, tuple) and host not in _LOOPBACK and not host.startswith("127."):
            raise ConnectionRefusedError(f"crash_worker may only reach loopback, not {address!r}")
        real_connect(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]


async def no_wait(_seconds: float) -> None:
    return None


async def deliver(url: str, schema: str, base_url: str, now: dt.datetime) -> dict[str, int]:
    connect_args = {"server_settings": {"search_path": schema}} if schema != "-" else None
    engine = create_engine(url, connect_args=connect_args)
    try:
        store = SubscriptionStore(engine)
        clients = WorkspaceClients(base_url, client=make_client(FAKE_TOKEN, base_url, retry_sleep=no_wait))
        job = Deliverer(
            archive=Archive(engine),
            store=store,
            outbox=Outbox(engine),
            taxonomy=builtin_taxonomy(),
            publishers={"slack": SlackDigestPublisher(clients, store)},
        )
        return await job.run_pass(now, force=True)
    finally:
        await engine.dispose()


def main(argv: list[str]) -> int:
    """Fork one delivery pass per NOW line read from stdin; stdin closed: exit.

    For each pass it prints "pid N", then waits for a "reap" line before reaping the child and
    printing "exit CODE" (-9 when killed), so a pid the test may still kill is never reused.
    The child prints its outcome counts as JSON when its pass ends."""
    url, schema, base_url = argv
    _loopback_only()
    print("ready", flush=True)
    for line in sys.stdin:
        now = dt.datetime.fromisoformat(line.strip())
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                outcomes = asyncio.run(deliver(url, schema, base_url, now))
                print(json.dumps(outcomes), flush=True)
                code = 0
            except BaseException:
                traceback.print_exc()
                sys.stderr.flush()
            finally:
                os._exit(code)
        print(f"pid {pid}", flush=True)
        if sys.stdin.readline().strip() != "reap":
            os.kill(pid, signal.SIGKILL)  # the test went away: do not leave the pass running
        _, status = os.waitpid(pid, 0)
        print(f"exit {os.waitstatus_to_exitcode(status)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
