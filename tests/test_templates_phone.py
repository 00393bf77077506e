"""Templates keep to the phone rules (docs/developing.md: "work on a 360 px wide screen").

Static checks over every template the app can load, cheap enough to run on each change:
every page reaches a ``<meta name="viewport">`` (its own, or its base's through ``extends``),
and every data table either scrolls inside a ``.table-responsive`` wrapper or carries a class
that keeps it within the screen (``table-stack``: rows become cards on a phone, each cell
labelled by its ``data-label``; ``table-scroll``: the table scrolls inside itself).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

EXTENDS = re.compile(r"""{%-?\s*extends\s+["']([^"']+)["']""")
VIEWPORT = re.compile(r"""<meta\s+name=["']viewport["']\s+content=["'][^"']*width=device-width""")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CONTAINED = {"table-stack", "table-scroll"}
STYLESHEET = Path(__file__).resolve().parent.parent / "exchange" / "static" / "css" / "birzha.css"


def _templates(app) -> dict[str, str]:
    env = app.jinja_env
    return {
        name: env.loader.get_source(env, name)[0]
        for name in env.list_templates(extensions=["html"])
    }


def _page_root(name: str, sources: dict[str, str]) -> str:
    seen = []
    while (match := EXTENDS.search(sources[name])) is not None:
        assert name not in seen, f"extends loop through {seen}"
        seen.append(name)
        name = match.group(1)
        assert name in sources, f"{seen[-1]} extends {name}, which does not exist"
    return name


class _Tables(HTMLParser):
    """Each data table with its own classes and its ancestors' classes; the cells of each."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, set[str]]] = []
        self.tables: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if tag == "table" and "table" in classes and attributes.get("role") != "presentation":
            ancestors = set().union(*(c for _, c in self.open)) if self.open else set()
            self.tables.append({"line": self.getpos()[0], "classes": classes, "ancestors": ancestors, "cells": []})
        if tag == "td" and self.tables and any(t == "table" for t, _ in self.open):
            self.tables[-1]["cells"].append(("data-label" in attributes, self.getpos()[0]))
        if tag not in VOID:
            self.open.append((tag, classes))

    def handle_endtag(self, tag):
        # Tolerant of templates whose branches open a tag twice: close back to the nearest match.
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                break


def _tables(source: str) -> list[dict]:
    parser = _Tables()
    parser.feed(source)
    parser.close()
    return parser.tables


def test_every_page_has_the_viewport_meta(app):
    sources = _templates(app)
    pages = [name for name, text in sources.items() if EXTENDS.search(text) or "<html" in text]
    assert "base.html" in pages and len(pages) > 50
    missing = sorted(name for name in pages if not VIEWPORT.search(sources[_page_root(name, sources)]))
    assert missing == []


def test_wide_tables_stay_within_a_phone_screen(app):
    sources = _templates(app)
    loose, unlabelled, seen = [], [], 0
    for name, text in sources.items():
        for table in _tables(text):
            seen += 1
            if not ("table-responsive" in table["ancestors"] or table["classes"] & CONTAINED):
                loose.append(f"{name}:{table['line']}")
            if "table-stack" in table["classes"]:
                unlabelled += [f"{name}:{line}" for labelled, line in table["cells"] if not labelled]
                assert table["cells"], f"{name}:{table['line']} stacks a table without <td> cells"
    assert seen > 15  # the check looked at the portal's tables, not at nothing
    assert loose == [], "tables that would widen the page on a phone"
    assert unlabelled == [], "stacked tables' cells need a data-label (shown before the value on a phone)"


@pytest.mark.parametrize("rule", [".table-stack td::before", ".table-scroll {", "@media (max-width: 767.98px), (pointer: coarse)"])
def test_the_stylesheet_defines_the_phone_rules(rule):
    assert rule in STYLESHEET.read_text(encoding="utf-8")


def test_the_checker_finds_a_loose_table():
    wrapped = '<div class="table-responsive"><table class="table"><tr><td>1</td></tr></table></div>'
    stacked = '<table class="table table-stack"><tr><td data-label="A">1</td><td>2</td></tr></table>'
    loose = '{% if x %}<div class="card">{% else %}<div class="card">{% endif %}<table class="table"></table></div>'
    assert "table-responsive" in _tables(wrapped)[0]["ancestors"]
    assert [labelled for labelled, _ in _tables(stacked)[0]["cells"]] == [True, False]
    assert "table-responsive" not in _tables(loose)[0]["ancestors"]
    assert _tables('<table role="presentation" class="table"></table>') == []
