"""Console mode: the zero-configuration bot in a terminal, scriptable through stdin."""

from __future__ import annotations

import datetime as dt
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app import App
from bot.commands import Reply, handle_paper_command
from bot.config import SAMPLE_REPORT
from bot.errors import BadInputError, SourceError
from bot.models import Report
from bot.reports.sources.local import LocalSource
from bot.text import count

PROMPT = "paperbot> "
QUIT = frozenset({"/quit", "/exit", "/q"})


async def seed_archive(app: App, out: TextIO) -> None:
    """Fill the archive on start: the bundled sample, or today's report from the configured source."""
    report: Report | None
    try:
        if app.settings.report_source is None:
            origin, report = str(SAMPLE_REPORT), await LocalSource(SAMPLE_REPORT).read()
        else:
            source = app.report_source()
            today = dt.datetime.now(ZoneInfo(app.settings.timezone)).date()
            origin, report = source.name, await source.fetch(today)
    except (BadInputError, SourceError) as exc:
        out.write(f"(could not read today's report: {exc})\n")
        return
    if report is not None:
        result = await app.archive.ingest(report, origin=origin)
        out.write(f"{result.describe()}\n")


def render(reply: Reply) -> str:
    lines = [reply.text]
    for hit in reply.hits:
        lines.append(f"  • {hit.arxiv_id}  {hit.title}")
        if hit.domain:
            lines.append(f"      {hit.domain.splitlines()[0]}")
        lines.append(f"      {hit.url}")
    return "\n".join(lines) + "\n"


async def run_console(app: App, stdin: TextIO, out: TextIO) -> int:
    """Read `/paper …` lines until end of input or /quit; status 0 either way."""
    await seed_archive(app, out)
    reports, papers = await app.archive.counts()
    out.write(
        f"paperbot console mode — {count(papers, 'paper')} in {count(reports, 'report')} archived. "
        "Type /paper help, or /quit to leave.\n"
    )
    interactive = stdin.isatty()
    while True:
        if interactive:
            out.write(PROMPT)
            out.flush()
        line = stdin.readline()
        if not line:
            return 0
        line = line.strip()
        if not line:
            continue
        if line.lower() in QUIT:
            return 0
        command, _, arguments = line.partition(" ")
        if command.lower() != "/paper":
            out.write("Commands start with /paper — try /paper help\n")
            continue
        out.write(render(await handle_paper_command(app.archive, arguments)))
        out.flush()
