from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.database import create_engine
from bot.store.migrate import current_revision, head_revision, migrate
from tests.conftest import POSTGRES_URL, fresh_database
from tests.unreachable import DATABASES


async def test_concurrent_migrations_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    engines = [create_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}") for _ in range(3)]
    try:
        await asyncio.gather(*(migrate(engine) for engine in engines))
        assert await current_revision(engines[0]) == head_revision()
        async with engines[0].connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
        assert journal == "wal"
        assert {
            "papers",
            "reports",
            "report_papers",
            "http_cache",
            "papers_fts",
            "papers_lead_fts",
            "subscriptions",
        } <= set(tables)
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="PAPERBOT_TEST_POSTGRES_URL is not set")
async def test_replicas_starting_together_migrate_once_on_postgres() -> None:
    assert POSTGRES_URL
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engines = [
        create_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})
        for _ in range(4)
    ]
    try:
        await asyncio.gather(*(migrate(engine) for engine in engines))
        assert await current_revision(engines[0]) == head_revision()
    finally:
        for engine in engines:
            await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def test_an_archive_of_0009_gains_the_digest_extras_in_place(tmp_path: Path) -> None:
    """Migration 0010 adds `original_title` and `extra` to a filled archive: the papers stay,
    searchable as before, and a re-ingest fills the new columns, which search then reads."""
    import datetime as dt

    from alembic import command

    from bot.chat.paper_lookup import lookup
    from bot.models import Paper, Report
    from bot.store.archive import Archive
    from bot.store.migrate import _config

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(_config(sync), "0009"))
            columns = await conn.run_sync(lambda sync: inspect(sync).get_columns("papers"))
        assert "extra" not in {column["name"] for column in columns}
        day = dt.date(2025, 1, 23)
        old_paper = Paper(
            "2501.12909", "FilmAgent：多智能体电影框架", "https://huggingface.co/papers/2501.12909"
        )
        # An archive written before 0010: only the columns of its time (Archive writes them all)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO papers (arxiv_id, title, url, source, domain, contribution, usage,"
                    " innovations, results, summary, authors, keywords, first_date, last_date,"
                    " title_terms, domain_terms, body_terms) VALUES (:id, :title, :url, '', '', '', '',"
                    " '', '', '', '[]', '[]', :day, :day, 'filmagent', '', '')"
                ),
                {"id": old_paper.arxiv_id, "title": old_paper.title, "url": old_paper.url, "day": day},
            )
        await migrate(engine)
        assert await current_revision(engine) == head_revision()
        archive = Archive(engine)
        assert [hit.arxiv_id for hit in await lookup(archive, "FilmAgent")] == ["2501.12909"]
        translated = Paper(
            old_paper.arxiv_id,
            old_paper.title,
            old_paper.url,
            original_title="FilmAgent: A Multi-Agent Framework for End-to-End Film Automation",
            extra="核心关键词: 虚拟摄影",
        )
        await archive.ingest(Report(day, (translated,)))
        assert [hit.arxiv_id for hit in await lookup(archive, "End-to-End Film Automation")] == ["2501.12909"]
        assert [hit.arxiv_id for hit in await lookup(archive, "虚拟摄影")] == ["2501.12909"]
        stored = await archive.report(day)
        assert stored is not None
        assert stored.papers[0].original_title == translated.original_title
    finally:
        await engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
async def test_an_upgrade_says_which_migrations_ran(kind: str, tmp_path: Path) -> None:
    """`paperbot migrate` on an installation of weeks ago said only "up to date (revision 0015)",
    the same line as when nothing ran: the operator could not tell the upgrade had happened."""
    from alembic import command

    from bot.store.migrate import _config

    if kind == "postgresql" and not POSTGRES_URL:
        pytest.skip("PAPERBOT_TEST_POSTGRES_URL is not set")
    async with fresh_database(kind, tmp_path, migrated=False) as engine:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(_config(sync), "0010"))
        head = head_revision()
        done = await migrate(engine)
        assert (done.before, done.after) == ("0010", head)
        assert done.describe().startswith(f"database schema upgraded from revision 0010 to {head}: ")
        assert "0011 compact search, 0012 card images layout" in done.describe()
        assert "0010 digest extras" not in done.describe()
        assert (await migrate(engine)).describe() == f"database schema is up to date (revision {head})"


async def test_a_fresh_database_is_created(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    try:
        assert (await migrate(engine)).describe() == f"database schema created (revision {head_revision()})"
    finally:
        await engine.dispose()


def test_the_head_read_from_file_names_is_alembics_own() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bot.store.migrate import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


async def test_the_revision_is_read_as_alembic_keeps_it(tmp_path: Path) -> None:
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    try:
        assert await current_revision(engine) is None  # an empty database
        await migrate(engine)
        async with engine.connect() as conn:
            alembics = await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
        assert await current_revision(engine) == alembics == head_revision()
    finally:
        await engine.dispose()


def _terms_of_0010(text_: str) -> str:
    """The terms 0001-0010 stored beside each paper (decimal code points), for a 0010 archive."""
    import re

    cjk = "\u3400-\u4dbf\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af\uf900-\ufaff"
    tokens: list[str] = []
    for run in re.findall(rf"[{cjk}]+|[^\W_{cjk}]+", text_.casefold()):
        if re.match(rf"[{cjk}]", run):
            tokens += ["z" + "".join(f"{ord(c):06d}" for c in run[i : i + 2]) for i in range(len(run) - 1)]
            tokens.append(f"z{ord(run[-1]):06d}")
        else:
            tokens.append(run)
    return " ".join(tokens)


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PAPERBOT_TEST_POSTGRES_URL is not set")
    async with fresh_database(request.param, tmp_path, migrated=False) as engine:
        yield engine


async def test_an_archive_of_0010_is_compacted_in_place(empty_engine: AsyncEngine) -> None:
    """Migration 0011 drops the stored term columns and indexes every paper again: a filled 0010
    archive keeps its papers, found by lookup in every tier and language as before, and what
    is ingested afterwards (a new paper, a changed one) is found too."""
    import datetime as dt

    from alembic import command

    from bot.chat.paper_lookup import lookup
    from bot.models import Paper, Report
    from bot.store.archive import Archive
    from bot.store.migrate import _config

    engine = empty_engine
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync), "0010"))
    day = dt.date(2025, 1, 23)
    old = [
        ("2501.00001", "Video Diffusion at Scale", "计算机视觉 - 视频生成", "提出分块因果扩散框架。"),
        ("2501.00002", "Critic-Free Reinforcement Learning", "强化学习", "用组内方差归一化训练推理模型。"),
        ("2501.00003", "A Robot Hand", "机器人", "灵巧操作与视频生成数据。"),
    ]
    async with engine.begin() as conn:
        for arxiv_id, title, domain, contribution in old:
            await conn.execute(
                text(
                    "INSERT INTO papers (arxiv_id, title, url, source, domain, contribution, usage,"
                    " innovations, results, summary, original_title, extra, authors, keywords,"
                    " first_date, last_date, title_terms, domain_terms, body_terms) VALUES (:id, :title,"
                    " :url, '', :domain, :contribution, '', '', '', '', '', '', '[]', '[]', :day, :day,"
                    " :title_terms, :domain_terms, :body_terms)"
                ),
                {
                    "id": arxiv_id,
                    "title": title,
                    "url": f"https://huggingface.co/papers/{arxiv_id}",
                    "domain": domain,
                    "contribution": contribution,
                    "day": day,
                    "title_terms": _terms_of_0010(title),
                    "domain_terms": _terms_of_0010(domain),
                    "body_terms": _terms_of_0010(f"{domain}\n{contribution}"),
                },
            )
    archive = Archive(engine)

    async def found(query: str) -> list[str]:
        return [hit.arxiv_id for hit in await lookup(archive, query)]

    await migrate(engine)
    assert await current_revision(engine) == head_revision()
    async with engine.connect() as conn:
        columns = await conn.run_sync(lambda sync: inspect(sync).get_columns("papers"))
    assert not {"title_terms", "domain_terms", "body_terms"} & {column["name"] for column in columns}
    assert await found("diffusion") == ["2501.00001"]
    assert await found("视频生成") == ["2501.00001", "2501.00003"]  # the application area first
    assert await found("强化学习") == ["2501.00002"]
    assert await found("灵巧") == await found("robot hand") == ["2501.00003"]
    assert await found("视") == ["2501.00001", "2501.00003"]
    changed = Paper("2501.00003", "A Robot Hand", "https://huggingface.co/papers/2501.00003", domain="机器人")
    gloves = Paper("2501.00004", "Tactile Gloves", "https://huggingface.co/papers/2501.00004")
    await archive.ingest(Report(day + dt.timedelta(days=1), (changed, gloves)))
    assert await found("视频生成") == ["2501.00001", "2501.00003"]  # its old contribution stays
    assert await found("tactile") == ["2501.00004"]
    assert await found("robot") == ["2501.00003"]


async def test_subscriptions_of_0011_gain_images_off_and_the_cards_layout(empty_engine: AsyncEngine) -> None:
    """Migration 0012 adds `card_images` and `card_layout` with server defaults: a subscription
    stored before it keeps its digest (no images, a card per paper), and the new settings store."""
    from dataclasses import replace

    from alembic import command

    from bot.models import ChannelRef, DigestSettings, Interests
    from bot.store.migrate import _config
    from bot.store.subscriptions import SubscriptionStore

    engine = empty_engine
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync), "0011"))
        columns = await conn.run_sync(lambda sync: inspect(sync).get_columns("subscriptions"))
        assert "card_images" not in {column["name"] for column in columns}
        # A subscription written before 0012: only the columns of its time.
        await conn.execute(
            text(
                "INSERT INTO subscriptions (platform, workspace, channel, topics, keywords,"
                " excluded_topics, excluded_keywords, digest_size, delivery_time, tz, locale, paused,"
                " created_at, updated_at) VALUES ('slack', 'T1', 'C1', '[\"reinforcement-learning\"]',"
                " '[]', '[]', '[]', 5, '09:00', 'UTC', 'en', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    await migrate(engine)
    assert await current_revision(engine) == head_revision() >= "0012"
    store = SubscriptionStore(engine)
    ref = ChannelRef("slack", "T1", "C1")
    old = await store.get(ref)
    assert old is not None
    assert old.interests == Interests(("reinforcement-learning",))
    assert old.settings == DigestSettings(size=5)  # images off, a card per paper
    await store.save(replace(old, settings=replace(old.settings, images=True, layout="compact")))
    changed = await store.get(ref)
    assert changed is not None
    assert (changed.settings.images, changed.settings.layout) == (True, "compact")


@pytest.mark.skipif(not POSTGRES_URL, reason="PAPERBOT_TEST_POSTGRES_URL is not set")
async def test_a_postgres_archive_of_0012_gains_lead_vectors_and_lz4_in_place(tmp_path: Path) -> None:
    """Migration 0013 gives PostgreSQL's papers a lead vector (title and application area, kept
    in the row) and compresses their search vectors with LZ4: a paper archived under 0012 gets
    both in the rewrite, a paper written after gets both as it is written, and lookups find and
    rank either as before (title matches first)."""
    import datetime as dt

    from alembic import command

    from bot.chat.paper_lookup import lookup
    from bot.models import Paper, Report
    from bot.store.archive import Archive
    from bot.store.migrate import _config

    # Four hundred different CJK characters: a search vector of ~7 KB, well past the 2 KB from
    # which PostgreSQL compresses a row's values.
    long_text = "".join(chr(0x4E00 + 7 * i) for i in range(400))

    def paper(arxiv_id: str, title: str, domain: str) -> Paper:
        url = f"https://huggingface.co/papers/{arxiv_id}"
        return Paper(arxiv_id, title, url, domain=domain, contribution=f"{long_text} gloves")

    async with fresh_database("postgresql", tmp_path, migrated=False) as engine:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(_config(sync), "0012"))
        archive = Archive(engine)
        old = paper("2501.00001", "Video Diffusion at Scale", "视频生成")
        await archive.ingest(Report(dt.date(2025, 1, 23), (old,)))
        await migrate(engine)
        new = paper("2501.00002", "Tactile Gloves", "机器人")
        await archive.ingest(Report(dt.date(2025, 1, 24), (new,)))
        async with engine.connect() as conn:
            settings = (
                await conn.execute(
                    text(
                        "SELECT attname, attcompression::text, attstorage::text FROM pg_attribute"
                        " WHERE attrelid = 'papers'::regclass AND attname IN ('search_vector', 'lead_vector')"
                        " ORDER BY attname"
                    )
                )
            ).all()
            stored = (
                await conn.execute(
                    text(
                        "SELECT arxiv_id, pg_column_compression(search_vector), lead_vector::text"
                        " FROM papers ORDER BY arxiv_id"
                    )
                )
            ).all()
        assert [tuple(row) for row in settings] == [("lead_vector", "", "m"), ("search_vector", "l", "x")]
        assert [(row[0], row[1]) for row in stored] == [("2501.00001", "lz4"), ("2501.00002", "lz4")]
        # Only the title's lexemes (A) and the application area's (B); none of the contribution.
        assert "'scale':4A" in stored[0][2]
        assert "'glove':2A" in stored[1][2]
        assert "B" in stored[0][2]
        assert "C" not in stored[0][2]
        assert "gloves" not in stored[0][2]

        async def found(query: str) -> list[str]:
            return [hit.arxiv_id for hit in await lookup(archive, query)]

        assert await found("diffusion") == ["2501.00001"]
        assert await found("视频生成") == ["2501.00001"]
        assert await found(long_text[100:104]) == ["2501.00002", "2501.00001"]  # newest first
        assert await found("gloves") == ["2501.00002", "2501.00001"]  # the title match first


async def test_a_schema_newer_than_this_paperbot_is_refused_untouched(engine: AsyncEngine) -> None:
    """A binary rolled back under a database a newer paperbot upgraded: one line saying so and what
    to do (Alembic said only "Can't locate revision identified by '0014'"), and nothing written."""
    from bot.errors import PaperbotError

    newer = f"{int(head_revision()) + 1:04d}"
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": newer})
    with pytest.raises(
        PaperbotError, match=rf"revision {newer}, newer than this paperbot knows .*does not downgrade"
    ):
        await migrate(engine)
    assert await current_revision(engine) == newer

    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'ae1027a6acf'"))
    with pytest.raises(
        PaperbotError, match=r"'ae1027a6acf', which is not one of paperbot's .*another application"
    ):
        await migrate(engine)


async def test_an_archive_of_0013_finds_papers_by_their_authors_after_0014(empty_engine: AsyncEngine) -> None:
    """Migration 0014 indexes the authors the Hugging Face API lists; its downgrade gives back
    the index 0013's code removes terms from. Either way a changed paper is indexed right."""
    import datetime as dt
    from dataclasses import replace

    from alembic import command

    from bot.chat.paper_lookup import lookup
    from bot.models import Report
    from bot.store.archive import Archive
    from bot.store.migrate import _config
    from tests.factories import make_paper

    engine = empty_engine
    archive = Archive(engine)
    await migrate(engine)
    paper = replace(make_paper("2506.00001", "Prolonged RL"), authors=("Mingjie Liu", "Shizhe Diao"))
    plain = make_paper("2506.00002", "Diao Lu Reward Models")  # no authors: not indexed again
    await archive.ingest(Report(dt.date(2025, 6, 2), (paper, plain)))

    async def found(query: str) -> list[str]:
        return [hit.arxiv_id for hit in await lookup(archive, query)]

    assert await found("Shizhe Diao") == ["2506.00001"]
    assert await found("diao") == ["2506.00002", "2506.00001"]  # the title first
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(_config(sync), "0013"))
    assert await found("diao") == ["2506.00002"]  # as 0013 indexed them
    await migrate(engine)
    assert await current_revision(engine) == head_revision()
    assert await found("Shizhe Diao") == ["2506.00001"]
    assert await found("diao") == ["2506.00002", "2506.00001"]
    # The changed paper's old terms (its authors among them) leave the index: no stale match.
    renamed = replace(paper, title="Prolonged Reinforcement Learning", authors=("Ximing Lu",))
    await archive.ingest(Report(dt.date(2025, 6, 3), (renamed,)))
    assert await found("diao") == ["2506.00002"]
    assert await found("Ximing Lu") == ["2506.00001"]
    assert await found("reward models") == ["2506.00002"]


async def test_deliveries_of_0014_gain_a_decided_digest_and_lose_it_on_downgrade(
    empty_engine: AsyncEngine,
) -> None:
    """Migration 0015 adds `deliveries.digest` (nullable): a delivery recorded before it keeps its
    row and holds no decided digest (its next attempt decides one); the downgrade drops it."""
    from alembic import command

    from bot.store.migrate import _config
    from bot.store.outbox import Outbox

    engine = empty_engine
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync), "0014"))
        await conn.execute(
            text(
                "INSERT INTO deliveries (platform, workspace, channel, report_date, status, due_at,"
                " next_attempt_at, attempts, uncertain, next_part, posted, created_at, updated_at)"
                " VALUES ('slack', 'T1', 'C1', '2026-04-06', 'pending', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, 1, true, 1, '[\"1.0\"]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    await migrate(engine)
    assert await current_revision(engine) == head_revision() >= "0015"
    (old,) = await Outbox(engine).list()
    assert (old.next_part, old.posted, old.digest) == (1, ("1.0",), None)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE deliveries SET digest = :d"), {"d": '{"version": 1}'})
    (kept,) = await Outbox(engine).list()
    assert kept.digest == {"version": 1}
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(_config(sync), "0014"))
        columns = await conn.run_sync(lambda sync: inspect(sync).get_columns("deliveries"))
    assert "digest" not in {column["name"] for column in columns}


async def test_deliveries_of_0016_are_told_apart_as_days_and_weeks(empty_engine: AsyncEngine) -> None:
    """Migration 0017 keys a delivery by what it holds too (`kind`), so a channel gone daily on
    its weekly day is sent that day's report. Rows from before it: a digest due before its date's
    report came is a week (a daily one waits for its report), and a weekly channel's newest
    digest is its current week, which must not be planned again; the rest stay days. The
    downgrade keeps the day of a date that has both."""
    import datetime as dt

    from alembic import command
    from sqlalchemy import DateTime, bindparam

    from bot.models import ChannelRef, DigestSettings, Interests, Report, Subscription
    from bot.store.archive import Archive
    from bot.store.migrate import _config
    from bot.store.outbox import Outbox
    from bot.store.subscriptions import SubscriptionStore
    from tests.factories import make_paper

    engine = empty_engine
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync), "0016"))
    for day in (dt.date(2026, 11, 30), dt.date(2026, 12, 6)):  # each archived at 02:00 UTC
        arrived = dt.datetime.combine(day, dt.time(2), tzinfo=dt.UTC)
        await Archive(engine, clock=lambda at=arrived: at).ingest(  # type: ignore[misc]
            Report(day, (make_paper(f"2612.{day.day:05d}"),))
        )
    store = SubscriptionStore(engine)
    weekly = DigestSettings(cadence="weekly", weekday=0)
    rl = Interests(("reinforcement-learning",))
    for channel, tz, settings in (
        ("CSH", "Asia/Shanghai", weekly),
        ("CLA", "America/Los_Angeles", weekly),
        ("CD", "Asia/Shanghai", DigestSettings()),
    ):
        await store.save(Subscription(ChannelRef("slack", "T1", channel), rl, tz=tz, settings=settings))
    rows = [
        ("CSH", "2026-11-30", "2026-11-30 01:00:00"),  # Monday 09:00 in Shanghai, before the report
        ("CSH", "2026-12-07", "2026-12-07 01:00:00"),  # its newest: this week's
        ("CLA", "2026-11-30", "2026-11-30 17:00:00"),  # after the report: held it, told from no day
        ("CLA", "2026-12-07", "2026-12-07 17:00:00"),
        ("CD", "2026-11-30", "2026-11-30 02:00:00"),  # daily: due when its report came
        ("CD", "2026-12-06", "2026-12-06 02:00:00"),
    ]
    async with engine.begin() as conn:
        for channel, key, due in rows:
            await conn.execute(
                text(
                    "INSERT INTO deliveries (platform, workspace, channel, report_date, status, due_at,"
                    " next_attempt_at, attempts, uncertain, next_part, posted, created_at, updated_at)"
                    " VALUES ('slack', 'T1', :channel, :day, 'posted', :due, :due, 1, false, 1, '[]',"
                    " :due, :due)"
                ).bindparams(bindparam("due", type_=DateTime(timezone=True))),  # as the outbox writes it
                {
                    "channel": channel,
                    "day": dt.date.fromisoformat(key),
                    "due": dt.datetime.fromisoformat(f"{due}+00:00"),
                },
            )
    await migrate(engine)
    kinds = {(d.channel.channel, d.report_date.isoformat()): d.kind for d in await Outbox(engine).list()}
    assert kinds == {
        ("CSH", "2026-11-30"): "week",
        ("CSH", "2026-12-07"): "week",
        ("CLA", "2026-11-30"): "day",
        ("CLA", "2026-12-07"): "week",
        ("CD", "2026-11-30"): "day",
        ("CD", "2026-12-06"): "day",
    }
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO deliveries (platform, workspace, channel, report_date, status, due_at,"
                " next_attempt_at, attempts, uncertain, next_part, posted, created_at, updated_at, kind)"
                " SELECT platform, workspace, channel, report_date, status, due_at, next_attempt_at,"
                " attempts, uncertain, next_part, posted, created_at, updated_at, 'day' FROM deliveries"
                " WHERE channel = 'CSH' AND report_date = :day"
            ),
            {"day": dt.date(2026, 12, 7)},
        )
        await conn.run_sync(lambda sync: command.downgrade(_config(sync), "0016"))
        left = (await conn.execute(text("SELECT channel, report_date FROM deliveries"))).all()
        columns = await conn.run_sync(lambda sync: inspect(sync).get_columns("deliveries"))
    assert len(left) == len(rows)
    assert "kind" not in {column["name"] for column in columns}
