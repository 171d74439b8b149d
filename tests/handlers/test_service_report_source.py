"""`paperbot run` serving a platform without PAPERBOT_REPORT_SOURCE fetches no report (the sample
report is the console demo's, no real channel's): it says so once at start-up, naming the variable
and what happens without it, instead of waiting for reports in silence."""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path

import pytest
from aiohttp import web

import handlers.service as service
from bot.runtime.composition import App
from bot.runtime.config import Settings


async def _start_and_stop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **variables: str) -> None:
    async def serve(_app: web.Application, _port: int, stop: asyncio.Event, *, host: str = "") -> None:
        stop.set()  # started: stop at once

    monkeypatch.setattr(service, "serve", serve)
    settings = Settings.model_validate(
        {"PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'service.db'}", **variables}
    )
    async with App.start(settings=settings) as app:
        assert await service.run_service(app, io.StringIO(), asyncio.Event()) == 0


async def test_without_a_report_source_the_start_warns_that_only_ingest_adds_reports(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="paperbot.service"):
        await _start_and_stop(monkeypatch, tmp_path)
    # The service's own line: on a weekday afternoon the report of the day is late too, and that
    # notice (paperbot.notices) names the variable as well.
    [line] = [
        r
        for r in caplog.records
        if r.name == "paperbot.service" and "PAPERBOT_REPORT_SOURCE" in r.getMessage()
    ]
    assert line.levelno == logging.WARNING
    assert "fetches no reports" in line.getMessage()
    assert "only for reports added with `paperbot ingest`" in line.getMessage()


async def test_with_a_report_source_nothing_is_said(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "reports").mkdir()
    with caplog.at_level(logging.WARNING, logger="paperbot.service"):
        await _start_and_stop(monkeypatch, tmp_path, PAPERBOT_REPORT_SOURCE=str(tmp_path / "reports"))
    assert [
        r
        for r in caplog.records
        if r.name == "paperbot.service" and "PAPERBOT_REPORT_SOURCE" in r.getMessage()
    ] == []
