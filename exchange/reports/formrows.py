"""Repeating rows in HTML forms (positions, people, forecast lines) as lists of dicts.

Inputs are named ``<list>.<index>.<field>`` — the same path the operations use in
their field errors — so the form macros show each error beside its input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

BLANK_ROWS = 2  # empty rows offered for adding more without JavaScript


def rows_from_form(form: Mapping[str, Any], prefix: str, names: Iterable[str], checkboxes: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The filled rows in index order; a row with every field blank is dropped."""
    names, checkboxes = tuple(names), tuple(checkboxes)
    indices = sorted({int(key.split(".")[1]) for key in form if key.startswith(prefix + ".")
                      and key.count(".") == 2 and key.split(".")[1].isdigit()})
    rows = []
    for index in indices:
        row = {name: (form.get(f"{prefix}.{index}.{name}") or "").strip() for name in names}
        if not any(row.values()):
            continue
        for name in checkboxes:
            row[name] = bool(form.get(f"{prefix}.{index}.{name}"))
        rows.append(row)
    return rows


def flatten_rows(values: dict[str, Any], prefix: str, blank: int = BLANK_ROWS) -> tuple[dict[str, Any], int]:
    """Add ``prefix.i.field`` keys for the template; returns the values and how many rows to draw."""
    rows = values.get(prefix) or []
    flat = dict(values)
    for index, row in enumerate(rows):
        for name, value in row.items():
            flat[f"{prefix}.{index}.{name}"] = value
    return flat, len(rows) + blank
