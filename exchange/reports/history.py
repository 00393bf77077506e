"""Edit history shared by every filing: JSON snapshots and field-by-field differences.

Each filing keeps its own events table (who, when, what action, which fields changed
from what to what); these helpers build the plain-data ``changes`` stored there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import Enum
from typing import Any


def plain(value: Any) -> Any:
    """A JSON-safe form of a column value (dates as ISO strings, enums as their value)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def snapshot(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: plain(getattr(obj, name)) for name in names}


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}
