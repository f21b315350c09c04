"""Read a page the way a browser does (the standard library's HTML parser): its tables,
with their captions and attributes, and the elements carrying a given attribute."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Table:
    attrs: dict[str, str]
    caption: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.elements: list[Element] = []
        self._stack: list[Table] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._open: list[tuple[Element, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "table":
            table = Table(values)
            self.tables.append(table)
            self._stack.append(table)
        elif tag == "caption" and self._stack:
            self._caption = []
        elif tag == "tr" and self._stack:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if any(k.startswith("data-") for k in values):
            element = Element(tag, values)
            self.elements.append(element)
            self._open.append((element, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._stack:
            self._stack.pop()
        elif tag == "caption" and self._caption is not None and self._stack:
            self._stack[-1].caption = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._stack:
            self._stack[-1].rows.append(self._row)
            self._row = None
        if self._open and self._open[-1][0].tag == tag:
            element, text = self._open.pop()
            element.text = " ".join("".join(text).split())

    def handle_data(self, data: str) -> None:
        for target in (self._cell, self._caption):
            if target is not None:
                target.append(data)
        for _element, text in self._open:
            text.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def tables(html: str) -> list[Table]:
    return read(html).tables


def table_with(html: str, caption: str) -> Table | None:
    """The first table whose caption contains ``caption``."""
    return next((t for t in tables(html) if caption in t.caption), None)


def with_attribute(html: str, name: str, value: str | None = None) -> list[Element]:
    """Elements carrying the ``data-*`` attribute ``name`` (equal to ``value`` if given)."""
    return [e for e in read(html).elements
            if name in e.attrs and (value is None or e.attrs[name] == value)]
