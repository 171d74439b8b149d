"""Whose database is this: a platform deployment's, or free for the console demo.

The console demo writes the bundled sample report and a `console:local/demo` channel into its
database. A database belongs to a platform deployment when a `paperbot run` has served Slack or
Discord from it (the `platform_runs` mark, recorded on every such start), or when it holds what
only a platform puts there: Slack or Discord subscriptions, or a Slack installation. The checks
read only the tables that exist, so a database is judged before it is migrated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, insert, inspect, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.tables import platform_runs, subscriptions

PLATFORMS = ("slack", "discord")
_NAMES = {"slack": "Slack", "discord": "Discord"}
# slack_sdk's installation store (migration 0003): a row is a workspace that installed the app.
_SLACK_INSTALLATIONS = "slack_installations"


async def record_platform_run(engine: AsyncEngine, platforms: Iterable[str], now: dt.datetime) -> None:
    """Mark the database as serving `platforms` (a `paperbot run` with their credentials)."""
    for platform in platforms:
        async with engine.begin() as conn:
            seen = await conn.execute(
                update(platform_runs).where(platform_runs.c.platform == platform).values(last_run_at=now)
            )
        if seen.rowcount:
            continue
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    insert(platform_runs).values(platform=platform, first_run_at=now, last_run_at=now)
                )
        except IntegrityError:
            pass  # another replica marked it at the same moment: the mark is there either way


async def platform_evidence(engine: AsyncEngine) -> str | None:
    """Why this database belongs to a platform deployment, as a clause ("a `paperbot run` served
    Slack from it"), or None when nothing says it does."""
    async with engine.connect() as conn:
        tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        if platform_runs.name in tables:
            served = (
                await conn.execute(select(platform_runs.c.platform).order_by(platform_runs.c.platform))
            ).scalars()
            names = [_NAMES.get(name, name) for name in served]
            if names:
                return f"`paperbot run` has served {' and '.join(names)} from it"
        if subscriptions.name in tables:
            found = await _platform_subscriptions(conn)
            if found:
                return f"it holds {found}"
        if _SLACK_INSTALLATIONS in tables:
            installed = table(_SLACK_INSTALLATIONS)
            if (await conn.execute(select(func.count()).select_from(installed))).scalar():
                return "it holds a Slack installation"
    return None


async def _platform_subscriptions(conn: AsyncConnection) -> str | None:
    """The Slack and Discord subscriptions, counted in words ("3 Slack subscriptions"); None if none."""
    statement = (
        select(subscriptions.c.platform, func.count())
        .where(subscriptions.c.platform.in_(PLATFORMS))
        .group_by(subscriptions.c.platform)
        .order_by(subscriptions.c.platform)
    )
    counts = (await conn.execute(statement)).all()
    parts = [f"{n} {_NAMES[platform]} subscription{'s' if n != 1 else ''}" for platform, n in counts]
    return " and ".join(parts) or None


async def console_channels(engine: AsyncEngine) -> int:
    """How many console channels this (platform deployment's) database holds: left by a console
    demo run against it before the demo refused such databases. No platform process delivers them."""
    async with engine.connect() as conn:
        statement = (
            select(func.count()).select_from(subscriptions).where(subscriptions.c.platform == "console")
        )
        return int((await conn.execute(statement)).scalar_one())
