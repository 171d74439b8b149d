from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import BadInputError
from bot.reports.sources import source_from_setting
from bot.reports.sources.hf_api import HuggingFaceApiSource
from bot.reports.sources.local import LocalSource
from bot.reports.sources.url import UrlTemplateSource


async def test_dispatch(tmp_path: Path) -> None:
    assert isinstance(source_from_setting("hf-api"), HuggingFaceApiSource)
    assert isinstance(source_from_setting("https://x.test/{date}.md"), UrlTemplateSource)
    assert isinstance(source_from_setting(str(tmp_path)), LocalSource)


def test_unknown_setting_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="neither 'hf-api'"):
        source_from_setting(str(tmp_path / "missing"))
