"""Databases that cannot be reached, on loopback: one that refuses connections, one that hangs.

url = refused_url("postgresql", tmp_path)      # nothing listens on that port
async with hanging_postgres() as url: …       # accepts, then never says a word
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

DATABASES = ("sqlite", "postgresql")


def closed_port() -> int:
    """A loopback port nothing listens on (just freed by the OS: connecting to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def refused_url(kind: str, tmp_path: Path) -> str:
    """A database URL whose connections fail at once: a SQLite file in a folder that does not
    exist, or a PostgreSQL port nothing listens on (needs no PostgreSQL server)."""
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'paperbot.db'}"
    return f"postgresql+asyncpg://paperbot@127.0.0.1:{closed_port()}/paperbot"


async def settle_sqlite_threads() -> None:
    """Wait for aiosqlite's worker threads to finish: after a failed connect one still posts to
    the event loop, which must outlive it (pytest would see "Event loop is closed" otherwise)."""
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            await asyncio.to_thread(thread.join, 5)


@asynccontextmanager
async def hanging_postgres() -> AsyncIterator[str]:
    """The URL of a "PostgreSQL server" that accepts connections and never answers: asyncpg
    waits for its startup reply (60 s by default), as with a server stuck under load."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.read()  # until the client gives up and closes

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"postgresql+asyncpg://paperbot@127.0.0.1:{port}/paperbot"
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()
