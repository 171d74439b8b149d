"""What every database paperbot runs on can store, checked before a write and in bulk writes.

A row checked here never fails its INSERT for its values alone, so a bulk write (an import) finds
every bad entry before it writes anything, instead of failing halfway through a batch with an
error that quotes the whole statement. The checks are the strictest of SQLite and PostgreSQL:
SQLite ignores VARCHAR lengths and holds 64-bit integers, PostgreSQL does neither; PostgreSQL
text (and strings inside JSON it stores) cannot hold NUL, SQLite can.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Integer, String, Table

T = TypeVar("T")

# PostgreSQL INTEGER is 4 bytes; SQLite's INTEGER is wider, so this is the bound of both.
INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1

# Rows per executemany call of a bulk write. Each row is its own parameter set, so no statement
# comes near asyncpg's 32,767 bind parameters (the PostgreSQL protocol's Int16 count) or
# SQLite's 32,766; chunks only bound how much one call holds in memory (benchmarks/bench_import.py).
WRITE_CHUNK = 2000


def chunks(items: Sequence[T], size: int = WRITE_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def row_problem(table: Table, row: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str | None:
    """Why `row` cannot be stored in `table` on every supported database, or None. `labels`
    names columns as the user knows them (`arxiv_id` is "paper id" in an import file)."""
    shapes = _shapes(table)
    for name, value in row.items():
        length, integer = shapes[name]
        problem = None
        if isinstance(value, str):
            if length is not None and len(value) > length:
                problem = f"{_short(value)} is longer than {length} characters"
            elif "\x00" in value:
                problem = _NUL
        elif isinstance(value, int):
            if integer and not INT4_MIN <= value <= INT4_MAX:
                problem = f"{_short(value)} is out of range (at most {INT4_MAX:,})"
        elif isinstance(value, list | tuple | Mapping) and _holds_nul(value):
            problem = _NUL
        elif isinstance(value, dt.datetime) and value.tzinfo is not None:
            try:  # PostgreSQL stores UTC: 9999-12-31T23:59-14:00 is past year 9999 there
                value.astimezone(dt.UTC)
            except OverflowError:
                problem = f"{value.isoformat()} is out of range once in UTC"
        if problem is not None:
            return f"{(labels or {}).get(name, name)} {problem}"
    return None


_NUL = "holds a NUL character (\\x00), which a database text cannot store"


@cache
def _shapes(table: Table) -> dict[str, tuple[int | None, bool]]:
    """Each column's length limit (VARCHAR) and whether it is an INTEGER."""
    return {
        column.name: (
            column.type.length if isinstance(column.type, String) else None,
            isinstance(column.type, Integer),
        )
        for column in table.columns
    }


def _holds_nul(value: Any) -> bool:
    """True when `value`, or any string inside it (JSON lists and objects), contains NUL."""
    pending = [value]
    while pending:  # iterative: a deeply nested value must not overflow the stack
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def _short(value: object, width: int = 40) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= width else f"{value[:width]!r}…"
    try:
        text = repr(value)
    except ValueError:  # an integer past Python's 4,300-digit str() limit
        return "(a number too long to show)"
    return text if len(text) <= width else f"{text[:width]}…"
