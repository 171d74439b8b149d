"""The layout says what each part is: `bot/` is grouped by part (chat, delivery, ranking, runtime,
reports, store, topics) around a small kernel, and no module under `bot/` is named like one in
`bot/store/` or `handlers/` (a `subscriptions.py` in two places was two different things)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {"__init__", "__main__", "aio", "errors", "i18n", "ids", "models", "ports", "text", "zones"}


def test_no_module_under_bot_is_named_like_one_in_the_store_or_the_edges() -> None:
    taken = {p.stem for p in (ROOT / "bot" / "store").glob("*.py")} | {
        p.stem for p in (ROOT / "handlers").rglob("*.py")
    }
    taken.discard("__init__")
    clashes = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if path.parent.name != "store" and "migrations" not in path.parts and path.stem in taken
    ]
    assert clashes == []


def test_the_top_of_bot_holds_only_the_kernel_and_the_parts() -> None:
    modules = {path.stem for path in (ROOT / "bot").glob("*.py")}
    parts = {path.name for path in (ROOT / "bot").iterdir() if (path / "__init__.py").exists()}
    assert modules == KERNEL
    assert parts == {"chat", "delivery", "ranking", "reports", "runtime", "store", "topics"}


def test_the_tests_mirror_the_parts() -> None:
    for part in ("chat", "delivery", "ranking", "runtime", "reports", "store", "topics"):
        assert (ROOT / "tests" / "bot" / part / "__init__.py").exists(), part
