"""Prometheus metrics: what the process did (counters, histograms) and what the database says.

Counters and histograms count this process's own work since it started, as Prometheus expects
(a restart resets them; `rate()` copes). The outbox and archive gauges are read from the database
at each scrape, so every replica reports the same truth about deliveries, whoever made them.
"""

from __future__ import annotations

import datetime as dt

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from bot import __version__
from bot.store.archive import Archive
from bot.store.outbox import Outbox

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)  # CPU, memory, open files of this process
PlatformCollector(registry=REGISTRY)

BUILD_INFO = Gauge(
    "paperbot_build_info", "Always 1; the running version as a label.", ["version"], registry=REGISTRY
)
BUILD_INFO.labels(__version__).set(1)

# The values of the enumerated labels, as docs/operations/index.md's metrics table lists them
# (tests/docs/test_metrics_table.py compares the two).
FETCH_OUTCOMES = ("ingested", "not_published", "failed")
COMMAND_OUTCOMES = ("ok", "error", "failed", "timeout")

REPORTS_FETCHED = Counter(
    "paperbot_reports_fetched",
    "Report fetches by outcome: ingested, not_published (404: not yet) or failed.",
    ["outcome"],
    registry=REGISTRY,
)
LAST_REPORT = Gauge(
    "paperbot_last_report_date_seconds",
    "The newest archived report's date, as a Unix time (midnight UTC); 0 with an empty archive.",
    registry=REGISTRY,
)
# DELIVERIES' statuses: the outbox's outcomes of an attempt, and `released` for one a stopping
# process handed back.
DELIVERY_OUTCOMES = ("posted", "pending", "failed", "skipped", "released")
DELIVERIES = Counter(
    "paperbot_deliveries",
    "Delivery attempts this process finished, one per outcome, by platform and resulting status "
    "(posted, pending = will retry, failed = gave up, skipped, released = handed back at shutdown).",
    ["platform", "status"],
    registry=REGISTRY,
)
OUTBOX = Gauge(
    "paperbot_outbox_deliveries",
    "Deliveries of the newest report date, and any due since it arrived (all replicas), by platform"
    " and status.",
    ["platform", "status"],
    registry=REGISTRY,
)
PLATFORM_CONNECTED = Gauge(
    "paperbot_platform_connected",
    "1 while this process is connected to the platform, 0 while it is not (an outage: it keeps "
    "trying, and keeps serving the other platform), by platform; refreshed per scrape.",
    ["platform"],
    registry=REGISTRY,
)
PUBLISH_SECONDS = Histogram(
    "paperbot_publish_seconds",
    "Time to post one digest (every part, platform retries included), by platform.",
    ["platform"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)
RATE_LIMIT_WAITS = Counter(
    "paperbot_rate_limit_waits",
    "Times a platform answered 429 and paperbot waited for Retry-After, by platform.",
    ["platform"],
    registry=REGISTRY,
)
RATE_LIMIT_WAIT_SECONDS = Counter(
    "paperbot_rate_limit_wait_seconds",
    "Seconds spent waiting out 429 answers, by platform.",
    ["platform"],
    registry=REGISTRY,
)
COMMANDS = Counter(
    "paperbot_commands",
    "/paper commands answered, by platform, sub-command and outcome (ok, error = told the user "
    "what was wrong, failed = an exception, timeout = past the command deadline; each answered).",
    ["platform", "command", "outcome"],
    registry=REGISTRY,
)
COMMAND_SECONDS = Histogram(
    "paperbot_command_seconds",
    "Time to answer a /paper command, by platform.",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


async def refresh_from_database(archive: Archive, outbox: Outbox) -> None:
    """Set the database-backed gauges (called before each scrape is rendered)."""
    day = await archive.latest_report_date()
    if day is None:
        LAST_REPORT.set(0)
        OUTBOX.clear()
        return
    LAST_REPORT.set(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp())
    # Not only the newest date's rows: a weekly digest is keyed by its weekday (a Sunday, after
    # Friday's report), and a channel whose time comes after the next report arrived (late
    # evening west of UTC) gets the report before it then; their failures must reach the alerts.
    counts = await outbox.counts_by_platform(day, due_since=await archive.report_ingested_at(day))
    OUTBOX.clear()  # a status that no longer has rows must not keep its old value
    for (platform, status), count in counts.items():
        OUTBOX.labels(platform, status).set(count)


def render() -> bytes:
    """The registry in Prometheus' text format."""
    return generate_latest(REGISTRY)
