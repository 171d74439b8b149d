"""`subscriptions import` is all-or-nothing at any size: every entry, its votes and what the
databases can store are checked first, then everything is written in one transaction."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, make_url, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import bot.store.subscriptions as subscription_store
from bot.chat.subscribing import import_refused, read_import
from bot.errors import BadInputError
from bot.models import ChannelRef
from bot.ranking.feedback import UP, ChannelPreferences, PaperFeatures, Vote
from bot.store.limits import INT4_MAX, row_problem
from bot.store.subscriptions import SubscriptionStore, import_problem
from bot.store.tables import feedback_votes, subscriptions
from bot.store.votes import VoteStore
from bot.topics.taxonomy import builtin_taxonomy
from tests.bot.runtime.test_cli import isolated, run  # noqa: F401  (fixture)
from tests.conftest import POSTGRES_URL

AT = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def entry(n: int, **changes: Any) -> dict[str, Any]:
    return {"platform": "slack", "workspace": "T1", "channel": f"C{n}", "topics": ["RL"], **changes}


def feedback(paper: str = "2611.00001", user: str = "U1") -> dict[str, Any]:
    preferences = ChannelPreferences()
    preferences.record(Vote(paper, PaperFeatures(("robotics",), ("robot",)), UP, user, AT))
    return preferences.to_json()


def feedback_at(at: str) -> dict[str, Any]:
    vote = {"direction": UP, "user": "U1", "at": at}
    return {"version": 1, "papers": [{"paper": "2611.00001", "votes": [vote]}]}


def entries(count: int, *, votes_every: int = 10) -> list[dict[str, Any]]:
    return [
        entry(n, **({"feedback": feedback(f"2611.{n:05d}")} if n % votes_every == 0 else {}))
        for n in range(count)
    ]


async def _rows(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as conn:
        subs = (await conn.execute(select(func.count()).select_from(subscriptions))).scalar_one()
        votes = (await conn.execute(select(func.count()).select_from(feedback_votes))).scalar_one()
    return int(subs), int(votes)


# -- at any size, on both databases --------------------------------------------------------------


async def test_five_thousand_subscriptions_with_votes_import_in_one_go(engine: AsyncEngine) -> None:
    # 5,000 rows of 24 columns: three times past asyncpg's 32,767-parameter cap as one statement.
    found = read_import(entries(5000), builtin_taxonomy(), check=import_problem)
    store = SubscriptionStore(engine)
    assert (await store.import_all(found.subscriptions, found.feedback)).updated == 0
    assert await _rows(engine) == (5000, 500)
    assert (await store.import_all(found.subscriptions, found.feedback)).updated == 5000  # all updated
    assert await _rows(engine) == (5000, 500)
    votes = await VoteStore(engine).votes(ChannelRef("slack", "T1", "C4990"))
    assert [vote.paper for vote in votes] == ["2611.04990"]


async def test_an_import_that_fails_while_writing_leaves_nothing(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SubscriptionStore(engine)
    found = read_import(entries(3000), builtin_taxonomy(), check=import_problem)

    async def votes_fail(*_args: object) -> int:
        raise RuntimeError("the votes could not be written")

    monkeypatch.setattr(subscription_store, "replace_all", votes_fail)
    with pytest.raises(RuntimeError):
        await store.import_all(found.subscriptions, found.feedback)
    assert await _rows(engine) == (0, 0)


async def test_a_vote_too_long_for_its_column_is_refused_before_anything_is_written(
    engine: AsyncEngine,
) -> None:
    data = [*entries(3000), entry(3000, feedback=feedback("2611." + "9" * 40))]
    with pytest.raises(BadInputError) as caught:
        read_import(data, builtin_taxonomy(), check=import_problem)
    assert str(caught.value).startswith(
        "nothing imported — 1 problem: entry 3001: feedback paper id '2611.99999"
    )
    assert "longer than 40 characters" in str(caught.value)
    if engine.dialect.name == "postgresql":
        # Unchecked, PostgreSQL refuses the vote, and the subscriptions go with it.
        found = read_import(data, builtin_taxonomy())
        with pytest.raises(DBAPIError):
            await SubscriptionStore(engine).import_all(found.subscriptions, found.feedback)
    assert await _rows(engine) == (0, 0)


# -- what the databases can store ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ({"voter": "U" * 65}, f"feedback user '{'U' * 40}'… is longer than 64"),
        ({"arxiv_id": "2611.00001\x00"}, "feedback paper id holds a NUL character"),
        ({"features": {"topics": [], "terms": ["a\x00"]}}, "feedback topics or terms holds a NUL"),
        ({"direction": INT4_MAX + 1}, "direction 2147483648 is out of range"),
        ({"direction": 10**5000}, "direction (a number too long to show) is out of range"),
        (
            {"voted_at": dt.datetime.fromisoformat("9999-12-31T23:59:59-14:00")},
            "voted_at 9999-12-31T23:59:59-14:00 is out of range once in UTC",
        ),
    ],
)
def test_row_problem_names_what_no_database_would_store(row: dict[str, Any], says: str) -> None:
    labels = {
        "arxiv_id": "feedback paper id",
        "voter": "feedback user",
        "features": "feedback topics or terms",
    }
    problem = row_problem(feedback_votes, row, labels)
    assert problem is not None
    assert problem.startswith(says)


def test_row_problem_passes_what_fits() -> None:
    row = {"arxiv_id": "2611.00001", "voter": "U" * 64, "direction": -1, "features": {"terms": ["ok"]}}
    assert row_problem(feedback_votes, row) is None


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"created_by": "U\x00"}, "entry 1: created_by holds a NUL character"),
        ({"paused": True, "paused_reason": "why\x00"}, "entry 1: paused_reason holds a NUL character"),
        ({"feedback": feedback(user="U" * 65)}, "entry 1: feedback user 'UUUU"),
        (
            {"feedback": {"version": 1, "half_life_days": 1e300, "papers": []}},
            "entry 1: a value is out of range",
        ),
        # Not stored per channel: taken in silence, the export would say 14 (QA).
        (
            {"feedback": {"version": 1, "half_life_days": 30, "papers": []}},
            "entry 1: feedback half_life_days 30 is not supported: every channel's votes fade "
            "with a half-life of 14 days",
        ),
    ],
)
def test_read_import_refuses_values_a_database_cannot_store(changes: dict[str, Any], says: str) -> None:
    with pytest.raises(BadInputError, match=r"^nothing imported — 1 problem: ") as caught:
        read_import([entry(1, **changes)], builtin_taxonomy(), check=import_problem)
    assert says in str(caught.value)


# -- one short line ------------------------------------------------------------------------------


def test_a_refused_import_is_one_short_line_with_a_count() -> None:
    problems = [f"entry {n}: bad time {'x' * 10_000!r}" for n in range(2999, 3999)]
    message = str(import_refused(problems))
    assert message.startswith("nothing imported — 1000 problems, first: entry 2999: bad time 'xxx")
    assert message.endswith("(also entries 3000, 3001, 3002, 3003, 3004 and 994 more)")
    assert len(message) < 500
    assert "\n" not in message


# -- the command ---------------------------------------------------------------------------------


def test_a_file_whose_last_entry_has_a_bad_vote_imports_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "subs.json"
    data = [*entries(2000), entry(2000, feedback=feedback("x" * 100_000))]
    source.write_text(json.dumps(data), encoding="utf-8")
    status, out, err = run(capsys, "subscriptions", "import", str(source))
    assert (status, out) == (2, "")
    assert err.startswith("paperbot: error: nothing imported — 1 problem: entry 2001: feedback paper id")
    assert err.count("\n") == 1
    assert len(err) < 500
    assert json.loads(run(capsys, "subscriptions", "export")[1]) == []


def test_a_good_file_imports_and_reports_new_and_updated(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "subs.json"
    source.write_text(json.dumps(entries(2000)), encoding="utf-8")
    assert (
        run(capsys, "subscriptions", "import", str(source))[1]
        == "imported 2000 subscriptions (2000 new, 0 updated)\n"
    )
    source.write_text(json.dumps(entries(2001)), encoding="utf-8")
    assert (
        run(capsys, "subscriptions", "import", str(source))[1]
        == "imported 2001 subscriptions (1 new, 2000 updated)\n"
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
        ("[" + "9" * 5000 + "]", "not usable JSON"),
        (json.dumps([entry(1, digest={"min_upvotes": 1e30})]), "digest min_upvotes must be a whole number"),
        (json.dumps([entry(1, digest={"min_upvotes": 10**30})]), "entry 1: min-upvotes"),
        (json.dumps([entry(1, channel="C1\x00")]), "entry 1: 'C1\\x00' is not a slack channel id"),
        (json.dumps([entry(1, created_by="U1\x00")]), "entry 1: created_by holds a NUL character"),
        (json.dumps([entry(1, feedback={**feedback(), "half_life_days": 1e308})]), "out of range"),
        (
            json.dumps([entry(1, feedback=feedback_at("9999-12-31T23:59:59-14:00"))]),
            "out of range once in UTC",
        ),
        (json.dumps([entry(1, feedback=feedback_at("0001-01-01T00:00:00+14:00"))]), "out of range"),
    ],
)
def test_bad_import_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, says: str
) -> None:
    source = tmp_path / "bad.json"
    source.write_text(text, encoding="utf-8")
    status, _, err = run(capsys, "subscriptions", "import", str(source))
    assert status == 2, err
    assert err.startswith("paperbot: error: ")
    assert says in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


# -- nothing but BadInputError -------------------------------------------------------------------

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
)
_TIMES = st.sampled_from(["2026-01-01T00:00:00+00:00", "0001-01-01T00:00:00+14:00", "2026-01-01T00:00:00"])
_VOTE = st.fixed_dictionaries(
    {"direction": st.sampled_from([1, -1]) | _JSON, "user": _JSON, "at": _TIMES | _JSON}
)
_PAPER = st.fixed_dictionaries({"paper": _JSON, "votes": st.lists(_VOTE, max_size=2) | _JSON})
_FEEDBACK = st.fixed_dictionaries(
    {"version": st.just(1) | _JSON, "papers": st.lists(_PAPER, max_size=2)},
    optional={"half_life_days": _JSON},
)
_DIGEST = st.dictionaries(st.sampled_from(["size", "min_upvotes", "order", "cadence", "weekday"]), _JSON)
_FIELDS = st.sampled_from(
    [
        *("platform", "workspace", "channel", "topics", "keywords", "exclude_topics", "exclude_keywords"),
        *("digest", "time", "tz", "locale", "paused", "paused_reason", "created_by", "feedback"),
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(_FIELDS, _JSON | _DIGEST | _FEEDBACK, max_size=4), max_size=3))
def test_any_import_file_is_read_or_refused_as_bad_input(changes: list[dict[str, Any]]) -> None:
    with contextlib.suppress(BadInputError):
        read_import([entry(n, **change) for n, change in enumerate(changes)], TAXONOMY, check=import_problem)


TAXONOMY = builtin_taxonomy()


# -- the command on PostgreSQL -------------------------------------------------------------------


@pytest.fixture
def postgres_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh PostgreSQL database of its own for the command (PAPERBOT_DATABASE_URL), dropped after."""
    if not POSTGRES_URL:
        pytest.skip("PAPERBOT_TEST_POSTGRES_URL is not set")
    name = f"import_{uuid.uuid4().hex[:12]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", url)
    try:
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


def test_five_thousand_subscriptions_import_on_postgresql_and_a_bad_last_vote_imports_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, postgres_database: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([*entries(4999), entry(4999, feedback=feedback("2611." + "0" * 40))]))
    status, out, err = run(capsys, "subscriptions", "import", str(bad))
    assert (status, out) == (2, "")
    assert err.startswith("paperbot: error: nothing imported — 1 problem: entry 5000: feedback paper id")
    assert err.count("\n") == 1
    assert len(err) < 300
    assert json.loads(run(capsys, "subscriptions", "export")[1]) == []

    good = tmp_path / "good.json"
    good.write_text(json.dumps(entries(5000)))
    status, out, _ = run(capsys, "subscriptions", "import", str(good))
    assert (status, out) == (0, "imported 5000 subscriptions (5000 new, 0 updated)\n")
    exported = json.loads(run(capsys, "subscriptions", "export")[1])
    assert len(exported) == 5000
    assert sum(1 for item in exported if "feedback" in item) == 500
