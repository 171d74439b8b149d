"""The operator's HTTP endpoints, on PAPERBOT_HTTP_PORT beside Slack's (one aiohttp server).

- `/healthz`: the process is alive and its event loop answers (liveness: restart me if not).
- `/readyz`: the database answers and a configured platform is connected (readiness: send me
  traffic); 503 with the failing checks otherwise. One platform down while another is up is
  still ready, with the one down named in the checks: a load balancer that dropped this replica
  would stop Slack's HTTP events to a process that serves them, for an outage of Discord that
  every replica shares.
- `/metrics`: Prometheus text format (bot/runtime/metrics.py), database-backed gauges refreshed per scrape
  when the database answers within DATABASE_TIMEOUT (else the last values, and the process's own).
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import PaperbotError
from bot.runtime import metrics
from bot.store.archive import Archive
from bot.store.outbox import Outbox

log = logging.getLogger("paperbot.http")

DATABASE_TIMEOUT = 2.0  # seconds; a probe must answer well within the prober's own timeout


@dataclass
class Readiness:
    """What /readyz checks: the database, and each platform edge's own "connected" answer."""

    engine: AsyncEngine
    platforms: dict[str, Callable[[], Awaitable[bool]]] = field(default_factory=dict)

    async def checks(self) -> dict[str, str]:
        results = {"database": await self._database()}
        for name, up in (await self.connected()).items():
            results[name] = "ok" if up else "not connected"
        return results

    async def connected(self) -> dict[str, bool]:
        """Each configured platform: connected now? (Also the metric's value.)"""
        found = {name: await connected() for name, connected in sorted(self.platforms.items())}
        for name, up in found.items():
            metrics.PLATFORM_CONNECTED.labels(name).set(1 if up else 0)
        return found

    @staticmethod
    def ready(checks: dict[str, str]) -> bool:
        """The database answers, and some platform is connected (when any is configured)."""
        platforms = [result for name, result in checks.items() if name != "database"]
        return checks["database"] == "ok" and (not platforms or "ok" in platforms)

    async def _database(self) -> str:
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                async with self.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except TimeoutError:
            return f"no answer within {DATABASE_TIMEOUT:g} s"
        except Exception as exc:
            return f"unreachable: {type(exc).__name__}"
        return "ok"


def ops_app(readiness: Readiness, *, database_timeout: float = DATABASE_TIMEOUT) -> web.Application:
    """An aiohttp application with the three endpoints; edges add their own routes to it.
    `/metrics` waits for the database at most `database_timeout` seconds."""
    archive, outbox = Archive(readiness.engine), Outbox(readiness.engine)

    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_request: web.Request) -> web.Response:
        checks = await readiness.checks()
        ready = readiness.ready(checks)
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return web.json_response(body, status=200 if ready else 503)

    async def metrics_page(_request: web.Request) -> web.Response:
        await readiness.connected()  # paperbot_platform_connected
        try:
            # A hanging database must not hang the scrape (Prometheus gives up after 10 s by
            # default and marks the whole target down): the gauges keep their last values.
            async with asyncio.timeout(database_timeout):
                await metrics.refresh_from_database(archive, outbox)
        except TimeoutError:
            log.warning("metrics: the database did not answer within %g s", database_timeout)
        except Exception:  # the process's own metrics are still worth a scrape
            log.warning("metrics: could not read the database", exc_info=True)
        response = web.Response(body=metrics.render())
        response.headers["Content-Type"] = metrics.CONTENT_TYPE
        return response

    application = web.Application()
    application.router.add_get("/healthz", healthz)
    application.router.add_get("/readyz", readyz)
    application.router.add_get("/metrics", metrics_page)
    return application


async def serve(
    application: web.Application, port: int, stop: asyncio.Event, *, host: str = "0.0.0.0"
) -> None:
    """Serve `application` on `host` (PAPERBOT_HTTP_HOST) and `port` until `stop` is set."""
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise PaperbotError(f"cannot listen on port {port}: {_listen_problem(exc, host)}") from None
    shown = f"[{host}]" if ":" in host else host
    log.info("HTTP: listening on %s:%d (/healthz, /readyz, /metrics)", shown, port)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _listen_problem(exc: OSError, host: str) -> str:
    """Why binding failed, and which variable to change: the port is taken, or the address is
    not one of this machine's."""
    if exc.errno == errno.EADDRINUSE:
        return f"{exc.strerror} (another process has it? set PAPERBOT_HTTP_PORT to a free port)"
    return (
        f"{exc.strerror or exc} (PAPERBOT_HTTP_HOST={host} is not an address of this machine? "
        "0.0.0.0 listens on every IPv4 interface)"
    )
