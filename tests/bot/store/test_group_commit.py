"""Group commit: concurrent writers share transactions; one bad write fails only its caller."""

from __future__ import annotations

import asyncio

from sqlalchemy import Column, Integer, MetaData, Table, bindparam, event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.group_commit import GroupCommit

_metadata = MetaData()
_rows = Table("group_commit_rows", _metadata, Column("id", Integer, primary_key=True))
_INSERT = insert(_rows).values(id=bindparam("b_id"))


async def _table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_metadata.create_all)


def _count_commits(engine: AsyncEngine) -> list[int]:
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _conn: commits.append(1))
    return commits


async def _ids(engine: AsyncEngine) -> set[int]:
    async with engine.connect() as conn:
        return set((await conn.scalars(select(_rows.c.id))).all())


async def test_concurrent_writes_land_in_fewer_transactions(engine: AsyncEngine) -> None:
    await _table(engine)
    commits = _count_commits(engine)
    writes = GroupCommit(engine, _INSERT)
    await asyncio.gather(*(writes.execute({"b_id": i}) for i in range(100)))
    assert await _ids(engine) == set(range(100))
    # The first writer commits alone; everyone who queued meanwhile goes in the next group.
    assert 1 < len(commits) < 100


async def test_a_write_returns_only_after_its_commit(engine: AsyncEngine) -> None:
    await _table(engine)
    writes = GroupCommit(engine, _INSERT)
    await writes.execute({"b_id": 7})
    assert await _ids(engine) == {7}  # visible to another connection: committed


async def test_one_bad_write_fails_its_caller_only(engine: AsyncEngine) -> None:
    await _table(engine)
    writes = GroupCommit(engine, _INSERT)
    await writes.execute({"b_id": 1})
    results = await asyncio.gather(
        *(writes.execute({"b_id": i}) for i in (2, 1, 3, 4)),  # 1 exists already
        return_exceptions=True,
    )
    assert [type(r) for r in results] == [type(None), IntegrityError, type(None), type(None)]
    assert await _ids(engine) == {1, 2, 3, 4}


async def test_a_writer_cancelled_mid_write_does_not_strand_those_it_took_along(
    engine: AsyncEngine,
) -> None:
    writes = GroupCommit(engine, _INSERT)

    async def stuck(_batch: object) -> None:  # a write that never returns (a hung database)
        await asyncio.Event().wait()

    writes._write = stuck  # type: ignore[method-assign,assignment]
    first = asyncio.create_task(writes.execute({"b_id": 1}))
    await asyncio.sleep(0)  # `first` holds the lock, writing alone
    group = [asyncio.create_task(writes.execute({"b_id": i})) for i in (2, 3, 4)]
    await asyncio.sleep(0)  # …while these queue up as the next group
    first.cancel()
    for _ in range(5):
        await asyncio.sleep(0)  # the lock passes to 2, which takes 3 and 4 along
    group[0].cancel()
    results = await asyncio.wait_for(asyncio.gather(*group, return_exceptions=True), timeout=10)
    assert isinstance(results[0], asyncio.CancelledError)
    assert all(isinstance(r, RuntimeError) for r in results[1:])  # told, not left waiting
