"""Lookups answer alike on SQLite and PostgreSQL, refuse impossible ids, and work on an archive
this process may only read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.paper_lookup import lookup
from bot.chat.query import parse_query
from bot.errors import BadInputError, PaperbotError
from bot.models import Report
from bot.store.archive import Archive
from bot.store.database import create_engine, read_only_uri
from bot.store.migrate import migrate
from bot.store.search import STOP_WORDS
from tests.bot.store.test_archive import DAY1, DAY2
from tests.conftest import POSTGRES_URL
from tests.factories import make_paper

PAPERS = (
    make_paper("2604.00001", "Video Diffusion Distillation", domain="视频生成"),
    make_paper("2604.00002", "Diffusion Models for Video Editing", domain="视频编辑"),
    make_paper("2604.00003", "Diffusion Policies for Robots", domain="机器人"),
    make_paper("2604.00004", "Long Video Understanding", domain="视频理解"),
    make_paper("2604.00005", "Reasoning or Memorising?", domain="大模型"),
)


@pytest.fixture
async def filled(archive: Archive) -> Archive:
    await archive.ingest(Report(DAY1, PAPERS))
    return archive


async def ids(archive: Archive, query: str) -> set[str]:
    return {hit.arxiv_id for hit in await lookup(archive, query)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # "or" is a stop word: PostgreSQL drops it, so SQLite must too (4 papers against 2 before).
        ("diffusion OR video", {"2604.00001", "2604.00002"}),
        ("diffusion or video", {"2604.00001", "2604.00002"}),
        ("the diffusion of video", {"2604.00001", "2604.00002"}),
        ("diffusion for robots", {"2604.00003"}),
        ("memorising", {"2604.00005"}),
    ],
)
async def test_stop_words_are_ignored_alike_on_both_databases(
    filled: Archive, query: str, expected: set[str]
) -> None:
    assert await ids(filled, query) == expected


ACRONYM_PAPERS = (
    make_paper("2604.00011", "Multimodal LLMs Read Charts"),
    make_paper("2604.00012", "An LLM Agent That Writes Tools"),
    make_paper("2604.00013", "Small VLMs for Robots"),
    make_paper("2604.00014", "Gas Flow Models"),
    make_paper("2604.00015", "Green-VLA for Robots"),
    make_paper("2604.00016", "Scaling VLAs"),
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # PostgreSQL's stemmer keeps the s of `LLMs` (no vowel before it), SQLite's drops it.
        ("LLMs", {"2604.00011", "2604.00012"}),
        ("LLM", {"2604.00011", "2604.00012"}),
        ("llms agent", {"2604.00012"}),
        ('"multimodal llm"', {"2604.00011"}),
        ("VLM", {"2604.00013"}),
        ("VLAs", {"2604.00015", "2604.00016"}),
        ("VLA", {"2604.00015", "2604.00016"}),
        ("gas", {"2604.00014"}),
    ],
)
async def test_an_acronym_finds_its_plural_and_back_on_both_databases(
    archive: Archive, query: str, expected: set[str]
) -> None:
    await archive.ingest(Report(DAY1, ACRONYM_PAPERS))
    assert await ids(archive, query) == expected


def test_a_query_of_stop_words_only_says_so() -> None:
    with pytest.raises(BadInputError, match="only common words"):
        parse_query("the OR of")
    assert {"or", "the", "of", "and"} <= STOP_WORDS


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("0000.00000", "month 00 does not exist"),
        ("https://arxiv.org/abs/2613.00001", "month 13 does not exist"),
        ("hep-th/9913001", "month 13 does not exist"),
    ],
)
def test_an_impossible_id_is_refused_with_the_reason(query: str, reason: str) -> None:
    with pytest.raises(BadInputError, match=f"not a possible arXiv id: {reason}"):
        parse_query(query)


async def test_case_variants_of_an_old_style_id_are_one_paper(archive: Archive) -> None:
    await archive.ingest(Report(DAY1, (make_paper("hep-th/9901001", "Strings"),)))
    for query in ("hep-th/9901001", "HEP-TH/9901001v2", "https://arxiv.org/abs/Hep-Th/9901001"):
        assert await ids(archive, query) == {"hep-th/9901001"}


# ---- read-only archives ----------------------------------------------------------------------
# Tests run as root, and root writes a file whatever its mode, so `chmod 0444` alone simulates
# nothing. In process, os.access (which root's permission checks also answer) is made to say
# "not writable", which is what paperbot asks before opening a SQLite file; the file is then
# opened `mode=ro`, where SQLite refuses every write, root or not. On PostgreSQL the engine's
# sessions are read-only (default_transaction_read_only), as a read-only role's are. A last test
# runs the real thing: `paperbot lookup` in a process without CAP_DAC_OVERRIDE (setpriv), against
# a 0444 file in a 0555 folder.


async def _read_only_twin(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncEngine:
    if engine.dialect.name == "sqlite":
        path = tmp_path / "test.db"
        real_access = os.access

        def access(target: object, mode: int, *args: object, **kwargs: object) -> bool:
            if mode & os.W_OK and Path(str(target)).resolve() in (path.resolve(), tmp_path.resolve()):
                return False
            return real_access(target, mode, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "access", access)
        return create_engine(str(engine.url))
    assert POSTGRES_URL
    async with engine.connect() as conn:
        schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
    settings = {"search_path": schema, "default_transaction_read_only": "on"}
    return create_engine(POSTGRES_URL, connect_args={"server_settings": settings})


@pytest.fixture
async def read_only(
    filled: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Archive]:
    twin = await _read_only_twin(filled.engine, tmp_path, monkeypatch)
    yield Archive(twin)
    await twin.dispose()


async def test_a_read_only_archive_serves_lookups(read_only: Archive) -> None:
    await migrate(read_only.engine)  # at head already: nothing written
    assert await ids(read_only, "diffusion video") == {"2604.00001", "2604.00002"}
    assert await ids(read_only, "2604.00003") == {"2604.00003"}
    assert len(await ids(read_only, DAY1.isoformat())) == len(PAPERS)
    with pytest.raises(PaperbotError, match="the archive is read-only here"):
        await read_only.ingest(Report(DAY2, (make_paper("2604.00009"),)))


def test_read_only_uri_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "archive.db"
    assert read_only_uri(path) is None  # no file yet: it will be created
    path.write_bytes(b"")
    assert read_only_uri(path) is None  # writable
    writable = {tmp_path}
    monkeypatch.setattr(os, "access", lambda target, mode: Path(target) in writable)
    assert read_only_uri(path) == f"file:{path}?mode=ro"
    writable.clear()
    assert read_only_uri(path) == f"file:{path}?mode=ro&immutable=1"
    path.with_name("archive.db-wal").write_bytes(b"")  # a writer is active: no immutable
    assert read_only_uri(path) == f"file:{path}?mode=ro"


_WITHOUT_OVERRIDE = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]


def _can_drop_capabilities() -> bool:
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        return False
    return subprocess.run([*_WITHOUT_OVERRIDE, "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_drop_capabilities(), reason="needs root and setpriv able to drop capabilities")
@pytest.mark.other_process
def test_lookup_on_a_0444_archive_in_a_0555_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    report = Path(__file__).resolve().parents[3] / "bot" / "reports" / "sample"
    sample = sorted(report.glob("*.md"))[0]
    env = {**os.environ, "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'archive.db'}"}
    paperbot = [sys.executable, "-m", "bot"]
    assert subprocess.run([*paperbot, "ingest", str(sample)], env=env, capture_output=True).returncode == 0
    (folder / "archive.db").chmod(0o444)
    folder.chmod(0o555)
    without_override = _WITHOUT_OVERRIDE
    try:
        looked = subprocess.run(
            [*without_override, *paperbot, "lookup", "diffusion", "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        ingested = subprocess.run(
            [*without_override, *paperbot, "ingest", str(sample)], env=env, capture_output=True, text=True
        )
    finally:
        folder.chmod(0o755)
    assert (looked.returncode, looked.stderr) == (0, "")
    assert looked.stdout.startswith("[")
    assert ingested.returncode == 0  # unchanged: nothing to write
    assert "already archived, unchanged" in ingested.stdout
