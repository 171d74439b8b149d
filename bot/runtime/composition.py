"""The composition root: settings, database and report source, created once per process."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import PaperbotError
from bot.runtime.config import Settings, load_settings
from bot.runtime.logs import configure_logging
from bot.store.archive import Archive
from bot.store.database import create_engine, database_busy, database_problem, default_database_url
from bot.store.migrate import Migration
from bot.store.migrate import migrate as run_migrations

if TYPE_CHECKING:  # imported where used: a one-shot lookup needs none (benchmarks/bench_startup.py)
    from bot.delivery.deliverer import Deliverer
    from bot.delivery.loud_failures import Notices
    from bot.ports import DigestPublisher, ReportSource
    from bot.store.notices import NoticeStore
    from bot.store.outbox import Outbox
    from bot.store.subscriptions import SubscriptionStore
    from bot.store.votes import VoteStore
    from bot.topics.taxonomy import Taxonomy


class App:
    """Everything a command needs, built from the settings; nothing connects until used."""

    def __init__(self, settings: Settings, engine: AsyncEngine) -> None:
        self.settings = settings
        self.engine = engine
        self.archive = Archive(engine)
        self._source: ReportSource | None = None
        # What this process's start did to the schema (None: it did not look, `parse`).
        self.migration: Migration | None = None

    @cached_property
    def subscriptions(self) -> SubscriptionStore:
        """The channels' subscriptions (bot/store/subscriptions.py)."""
        from bot.store.subscriptions import SubscriptionStore

        return SubscriptionStore(self.engine)

    @cached_property
    def outbox(self) -> Outbox:
        """The deliveries, one row per channel and day (bot/store/outbox.py)."""
        from bot.store.outbox import Outbox

        return Outbox(self.engine)

    @cached_property
    def notice_store(self) -> NoticeStore:
        """The notices asked for and sent (bot/delivery/loud_failures.py)."""
        from bot.store.notices import NoticeStore

        return NoticeStore(self.engine)

    @cached_property
    def votes(self) -> VoteStore:
        """The readers' 👍 / 👎, one store for the edges, the commands and the deliverer."""
        from bot.store.votes import VoteStore

        return VoteStore(self.engine)

    @cached_property
    def taxonomy(self) -> Taxonomy:
        """The built-in topics, read on first use (a lookup by id, URL or day needs none)."""
        from bot.topics.taxonomy import builtin_taxonomy

        return builtin_taxonomy()

    def report_source(self) -> ReportSource:
        """The configured report source (created on first use: `parse FILE` needs none)."""
        if self._source is None:
            from bot.reports.sources import source_from_setting
            from bot.store.http_cache import DatabaseValidatorCache

            self._source = source_from_setting(
                self.settings.report_source_spec(),
                cache=DatabaseValidatorCache(self.engine),
                max_bytes=self.settings.max_report_bytes,
                hf_endpoint=self.settings.hf_endpoint,
            )
        return self._source

    def deliverer(
        self, publishers: Mapping[str, DigestPublisher], unavailable: Mapping[str, str] | None = None
    ) -> Deliverer:
        """The delivery worker of this process, posting through `publishers`; `unavailable`: the
        configured platforms it cannot reach now (their digests wait, unclaimed)."""
        from bot.delivery.deliverer import Deliverer
        from bot.delivery.loud_failures import NoticePolicy

        return Deliverer(
            archive=self.archive,
            store=self.subscriptions,
            outbox=self.outbox,
            taxonomy=self.taxonomy,
            publishers=publishers,
            catch_up=dt.timedelta(hours=self.settings.catch_up_hours),
            notice_policy=NoticePolicy.from_settings(self.settings),
            votes=self.votes,
            notice_store=self.notice_store,
            unavailable=dict(unavailable or {}),
        )

    def recorded_notices(self, worker: str) -> Notices:
        """Notices a chat edge records when a platform's event pauses channels (a channel left or
        deleted, an uninstall, a reader gone), for the delivering process to send to
        PAPERBOT_OPERATOR_CHANNEL and the channels' creators, or to log. It sends none itself."""
        from bot.delivery.loud_failures import NoticePolicy, Notices

        policy = NoticePolicy.from_settings(self.settings)
        return Notices(self.notice_store, self.outbox, self.subscriptions, {}, policy, worker=worker)

    async def migrate(self) -> None:
        """Bring the schema up to date, for a command started with `migrate=False` that first
        looked at the database as it was (the console demo: bot/runtime/cli.py)."""
        self.migration = await _migrate_or_explain(self.engine)

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        *,
        settings: Settings | None = None,
        debug: bool = False,
        migrate: bool = True,
        serve: bool = False,
    ) -> AsyncIterator[App]:
        """`serve`: this is `paperbot run`. Serving a chat platform, the bot logs at INFO unless
        PAPERBOT_LOG_LEVEL says otherwise: its log is the record of what it did. The console demo
        and one-shot commands log at WARNING, so that their screen and output stay theirs."""
        settings = settings or load_settings()
        default_level = logging.INFO if serve and settings.has_platform else logging.WARNING
        with configure_logging(settings, debug=debug, default_level=default_level):
            engine = create_engine(settings.database_url or default_database_url())
            app = cls(settings, engine)
            try:
                with database_problems_explained(engine):
                    if migrate:
                        await app.migrate()
                    yield app
            finally:
                if app._source is not None:
                    await app._source.aclose()
                await engine.dispose()


@contextmanager
def unreachable_database_explained(engine: AsyncEngine) -> Iterator[None]:
    """Around a command's first use of the database: an unreachable or misconfigured database is
    one clear error naming it (password hidden), not a driver traceback."""
    try:
        yield
    except (OSError, DBAPIError) as exc:
        problem = database_problem(engine.url, exc) or database_busy(engine.url, exc)
        if problem is None and not isinstance(exc, OSError | OperationalError | InterfaceError):
            raise  # not a connection problem: a bug, with its traceback under --debug
        where = engine.url.render_as_string(hide_password=True)
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise PaperbotError(problem or f"cannot reach the database at {where}: {reason}") from exc


@contextmanager
def database_problems_explained(engine: AsyncEngine) -> Iterator[None]:
    """Around a whole command: a database error that is the configuration's (a read-only file or
    server, a database that does not exist) is one line saying what to fix, wherever it comes; any
    other stays as it is. OSError is left alone here: a closed pipe is not the database's."""
    try:
        yield
    except DBAPIError as exc:
        problem = database_problem(engine.url, exc) or database_busy(engine.url, exc)
        if problem is None:
            raise
        raise PaperbotError(problem) from exc


async def _migrate_or_explain(engine: AsyncEngine) -> Migration:
    with unreachable_database_explained(engine):
        migration = await run_migrations(engine)
    if migration.before != migration.after:
        # Every command migrates an older schema first: the log (INFO, `run`'s) keeps when it happened.
        logging.getLogger("paperbot.store").info(migration.describe())
    return migration
