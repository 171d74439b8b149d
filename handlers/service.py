"""`paperbot run` with platform credentials: the whole service, from start to graceful stop.

One process serves: the HTTP endpoints (/healthz, /readyz, /metrics, and Slack's routes in HTTP
mode) on PAPERBOT_HTTP_PORT; the Slack edge (HTTP or Socket Mode) and the Discord gateway; and
the scheduler that polls for reports and delivers due digests. SIGTERM or SIGINT stops it in
order: edges stop taking commands, the scheduler stops ticking, deliveries in flight get a grace
period to finish and are released if they cannot (another replica takes them over at once),
then clients and the database close.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TextIO

from bot.delivery.deliverer import Deliverer
from bot.delivery.report import PLATFORM_NAMES
from bot.delivery.scheduler import Scheduler
from bot.errors import PaperbotError, PlatformUnavailable
from bot.ports import DigestPublisher
from bot.runtime.composition import App
from handlers.ops import Readiness, ops_app, serve
from handlers.publishers import discord_publisher, publishers, slack_publisher
from handlers.runtime import stop_on_signals, try_again

log = logging.getLogger("paperbot.service")


async def run_service(app: App, out: TextIO, stop: asyncio.Event | None = None) -> int:
    stop = stop or stop_on_signals()
    readiness = Readiness(app.engine)
    web_app = ops_app(readiness)
    edges: list[Callable[[asyncio.Event], Coroutine[Any, Any, object]]] = []
    if app.settings.slack_mode is not None:
        from handlers.slack.run import start_slack

        # A token Slack refuses is one error line before anything serves (exit status 2); Slack
        # not answering is an outage the edge rides out. HTTP mode's routes join web_app now.
        edges.append(await start_slack(app, web_app, readiness))
    if app.settings.discord_token is not None:
        from handlers.discord.run import run_discord

        edges.append(lambda event: run_discord(app, event, readiness))
    # A platform that is down must not take the other down with it: its digests wait, pending,
    # while its edge and its delivery client each try again with backoff.
    unavailable: dict[str, str] = {}
    async with publishers(app, out, unavailable) as found:
        source = app.report_source() if app.settings.report_source else None
        if source is None:
            # Not the sample report, whose digests no real channel wants: nothing is fetched. A
            # deployment that ingests from cron is fine so, but one that forgot the variable would
            # otherwise wait for reports in silence, ready by every check.
            log.warning(
                "PAPERBOT_REPORT_SOURCE is not set: this process fetches no reports, so digests go out "
                "only for reports added with `paperbot ingest` (set it to hf-api, a folder, or a URL "
                "template with {date} to fetch each day's report; a report still missing after "
                "PAPERBOT_REPORT_DEADLINE is said as usual)"
            )
        deliverer = app.deliverer(found, unavailable)
        scheduler = Scheduler(deliverer, source, app.archive)
        scheduler.start()  # deliveries go out on time while the edges serve commands
        try:
            # Each edge keeps itself up through its platform's outages (it tries again with
            # backoff): what still ends one here is a configuration error at start-up
            # (a refused token) or a taken port, which stops the process with one clear line.
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(serve(web_app, app.settings.http_port, stop, host=app.settings.http_host))
                for edge in edges:
                    tasks.create_task(edge(stop))
                for platform, failure in unavailable.items():
                    tasks.create_task(_reconnect_delivery(app, platform, failure, deliverer, stop))
        except* PaperbotError as failed:
            # An edge that cannot start (port taken, token refused) is one clear error line.
            raise failed.exceptions[0] from None
        finally:
            log.info("stopping: no new deliveries; waiting for those in flight")
            await scheduler.shutdown()
    log.info("stopped")
    return 0


async def _reconnect_delivery(
    app: App, platform: str, failure: str, deliverer: Deliverer, stop: asyncio.Event
) -> None:
    """Connect `platform`'s delivery client once it answers again, then hand it to the deliverer:
    its digests that waited (pending, no attempt used) go out at the next tick."""
    name = PLATFORM_NAMES.get(platform, platform)

    def still_down(error: Exception, _delay: float) -> None:
        # The edge says the outage at WARNING, once per try; this would only say it twice.
        log.debug("%s delivery still unavailable: %s", name, error)

    # Its token refused meanwhile is tried again too: the edge says that one, as an error.
    connected = await try_again(
        lambda: _connect_delivery(app, platform),
        stop,
        PlatformUnavailable(failure),
        still_down,
        retry_on=(PaperbotError,),
    )
    if connected is None:
        return
    publisher, close = connected
    log.info("%s delivery: reachable again; the %s digests that waited go out now", name, name)
    deliverer.serve(platform, publisher)
    try:
        await stop.wait()
    finally:
        await close()


async def _connect_delivery(
    app: App, platform: str
) -> tuple[DigestPublisher, Callable[[], Coroutine[Any, Any, object]]]:
    """`platform`'s delivery publisher, with what closes its client."""
    if platform == "slack":
        from handlers.slack.publisher import make_session

        http = make_session()
        try:
            return await slack_publisher(app, http), http.close
        except BaseException:
            await http.close()
            raise
    client, publisher = await discord_publisher(app)
    return publisher, client.close
