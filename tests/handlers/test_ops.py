"""The operator's endpoints: liveness, readiness (database and platforms), Prometheus metrics."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CommandContext, handle_paper_command
from bot.models import ChannelRef, Report
from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.outbox import Outbox, Planned
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.ops import Readiness, ops_app
from tests.factories import paper

DAY = dt.date(2026, 5, 4)


@pytest.fixture
async def client(
    engine: AsyncEngine,
) -> AsyncIterator[tuple[TestClient[web.Request, web.Application], Readiness]]:
    readiness = Readiness(engine)
    async with TestClient(TestServer(ops_app(readiness))) as test_client:
        yield test_client, readiness


def samples(page: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """{sorted labels: value} of one metric's samples, as Prometheus would parse the page."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(page):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


async def test_healthz_answers_while_the_process_lives(
    client: tuple[TestClient[web.Request, web.Application], Readiness],
) -> None:
    http, _ = client
    response = await http.get("/healthz")
    assert (response.status, await response.text()) == (200, "ok\n")


async def test_readyz_checks_the_database_and_each_platform(
    client: tuple[TestClient[web.Request, web.Application], Readiness],
) -> None:
    http, readiness = client
    connected = {"discord": False}

    async def discord() -> bool:
        return connected["discord"]

    readiness.platforms["discord"] = discord
    response = await http.get("/readyz")
    assert response.status == 503
    assert await response.json() == {
        "status": "not ready",
        "checks": {"database": "ok", "discord": "not connected"},
    }
    connected["discord"] = True
    response = await http.get("/readyz")
    assert response.status == 200
    assert (await response.json())["status"] == "ready"


async def test_readyz_fails_when_the_database_is_unreachable(unused_tcp_port: int) -> None:
    # Nothing listens on that loopback port: connecting is refused at once.
    engine = create_engine(f"postgresql+asyncpg://nobody@127.0.0.1:{unused_tcp_port}/none")
    try:
        async with TestClient(TestServer(ops_app(Readiness(engine)))) as http:
            response = await http.get("/readyz")
            assert response.status == 503
            checks = (await response.json())["checks"]
            assert checks["database"].startswith("unreachable")
            assert (await http.get("/healthz")).status == 200  # alive, just not ready
    finally:
        await engine.dispose()


async def test_metrics_show_the_outbox_and_the_newest_report_from_the_database(
    client: tuple[TestClient[web.Request, web.Application], Readiness],
    engine: AsyncEngine,
) -> None:
    http, _ = client
    await Archive(engine).ingest(Report(DAY, (paper(title="Scaling RL", domain="强化学习"),)))
    now = dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)
    await Outbox(engine).ensure(
        [
            Planned(ChannelRef("slack", "T1", "C1"), DAY, now),
            Planned(ChannelRef("slack", "T1", "C2"), DAY, now),
            Planned(ChannelRef("discord", "G1", "9"), DAY, now, skip_reason="missed"),
        ],
        now,
    )
    response = await http.get("/metrics")
    assert response.headers["Content-Type"].startswith("text/plain")
    page = await response.text()
    assert samples(page, "paperbot_outbox_deliveries") == {
        (("platform", "discord"), ("status", "skipped")): 1.0,
        (("platform", "slack"), ("status", "pending")): 2.0,
    }
    midnight = dt.datetime.combine(DAY, dt.time(), tzinfo=dt.UTC).timestamp()
    assert samples(page, "paperbot_last_report_date_seconds") == {(): midnight}
    assert samples(page, "process_resident_memory_bytes")  # the process collector is on


async def test_the_outbox_gauge_shows_weekly_digests_and_digests_due_after_the_newest_report_came(
    client: tuple[TestClient[web.Request, web.Application], Readiness],
    engine: AsyncEngine,
) -> None:
    """The gauge read the newest report date alone: a weekly digest keyed by a Sunday and a Los
    Angeles 23:30 digest of the report before (due after the newest came) were never counted, so
    their failures never raised PaperbotDeliveriesFailed."""
    http, _ = client
    friday, thursday, sunday = dt.date(2026, 11, 20), dt.date(2026, 11, 19), dt.date(2026, 11, 22)
    arrived = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    for day in (thursday, friday):
        at = dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)
        await Archive(engine, clock=at.replace).ingest(Report(day, (paper(arxiv_id=f"2611.{day.day:05d}"),)))
    await Outbox(engine).ensure(
        [
            Planned(
                ChannelRef("slack", "T1", "C0WEEKLY"), sunday, dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)
            ),
            Planned(
                ChannelRef("slack", "T1", "C0LA"), thursday, arrived + dt.timedelta(hours=5), error="boom"
            ),
            Planned(
                ChannelRef("slack", "T1", "C0SH"), thursday, arrived - dt.timedelta(hours=20), error="old"
            ),
        ],
        arrived,
    )
    page = await (await http.get("/metrics")).text()
    assert samples(page, "paperbot_outbox_deliveries") == {
        (("platform", "slack"), ("status", "pending")): 1.0,
        (("platform", "slack"), ("status", "failed")): 1.0,
    }


async def test_metrics_count_commands_by_platform_subcommand_and_outcome(
    client: tuple[TestClient[web.Request, web.Application], Readiness],
    engine: AsyncEngine,
) -> None:
    http, _ = client

    def count(page: str, command: str, outcome: str) -> float:
        labels = (("command", command), ("outcome", outcome), ("platform", "console"))
        return samples(page, "paperbot_commands_total").get(labels, 0.0)

    before = await (await http.get("/metrics")).text()
    ctx = CommandContext(
        archive=Archive(engine),
        store=SubscriptionStore(engine),
        taxonomy=builtin_taxonomy(),
        channel=ChannelRef("console", "local", "ops-test"),
        user="U1",
        default_tz="UTC",
    )
    await handle_paper_command(ctx, "help")
    await handle_paper_command(ctx, "schedule 99:99")  # a bad time: the user is told why
    after = await (await http.get("/metrics")).text()
    assert count(after, "help", "ok") - count(before, "help", "ok") == 1
    assert count(after, "schedule", "error") - count(before, "schedule", "error") == 1
    histogram = samples(after, "paperbot_command_seconds_count")
    assert histogram[(("platform", "console"),)] >= 2


async def test_metrics_answer_while_the_database_hangs() -> None:
    """A database that accepts connections and never answers (a stand-in on loopback): the
    scrape still comes back, with the process's own metrics, after the bound, not never."""
    import asyncio

    held: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # keep the connection open, say nothing

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    engine = create_engine(f"postgresql+asyncpg://nobody@127.0.0.1:{port}/none")
    try:
        application = ops_app(Readiness(engine), database_timeout=0.2)
        async with TestClient(TestServer(application)) as http:
            async with asyncio.timeout(10):  # a guard for the test itself, not a timing
                response = await http.get("/metrics")
            assert response.status == 200
            assert "paperbot_" in await response.text()
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
        await engine.dispose()
