"""Tables printed by the command line: fitted to a terminal, plain columns when piped.

On a terminal a table is drawn with rich and fitted to the terminal's width: columns of
numbers, codes and dates (values without spaces) are never wrapped or split, and only
columns of words wrap, between words. When even that cannot fit, or when the output is
piped or sent to a file, the table is written as plain columns aligned with spaces (numbers
right-aligned), one row per line, whatever the width: ``vrhub quality | less`` and
``grep`` see whole values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:e[-+]?\d+)?%?")
GAP = "  "


def cell_text(value: Any) -> str:
    """How a value is written in a table: integers with thousands separators, floats to
    three significant figures (whole numbers above 1,000), blanks for missing values."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    numpy = _numpy()
    if numpy is not None and isinstance(value, numpy.generic):
        return cell_text(value.item())
    return str(value)


def _numpy() -> Any:
    import sys

    return sys.modules.get("numpy")


def _is_number(text: str) -> bool:
    return bool(text) and text not in ("-", "+", ".") and bool(_NUMBER.fullmatch(text))


def _numeric(cells: Sequence[str]) -> bool:
    filled = [c for c in cells if c and c != "-"]
    return bool(filled) and all(_is_number(c) for c in filled)


def _wraps(cells: Sequence[str]) -> bool:
    return any(" " in c for c in cells)


def render(console: Console, title: str, columns: Sequence[str],
           rows: Sequence[Sequence[Any]]) -> None:
    """Print ``rows`` under ``columns`` with ``title`` (see the module docstring)."""
    text = [[cell_text(v) for v in row] for row in rows]
    by_column = [[row[i] if i < len(row) else "" for row in text] for i in range(len(columns))]
    numeric = [_numeric(cells) for cells in by_column]
    if console.is_terminal and _fits(console.width, columns, by_column):
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD,
                      pad_edge=False, collapse_padding=True)
        for name, cells, is_number in zip(columns, by_column, numeric, strict=True):
            wraps = _wraps(cells) and not is_number
            table.add_column(name, justify="right" if is_number else "left",
                             no_wrap=not wraps, overflow="fold" if wraps else "ellipsis",
                             min_width=_longest_word(cells, name) if wraps else None)
        for row in text:
            table.add_row(*row)
        console.print(table)
        return
    console.print(plain(title, columns, text, numeric), highlight=False, markup=False,
                  soft_wrap=True, crop=False)


def _longest_word(cells: Sequence[str], name: str) -> int:
    return max([min(len(name), 12), *(len(w) for c in cells for w in c.split())])


def _fits(width: int, columns: Sequence[str], by_column: list[list[str]]) -> bool:
    """Whether the table fits ``width`` with only its word columns wrapped (each column
    costs its text and two characters of padding)."""
    needed = 1
    for name, cells in zip(columns, by_column, strict=True):
        if _wraps(cells) and not _numeric(cells):
            needed += _longest_word(cells, name)
        else:
            needed += max([len(name), *map(len, cells)])
        needed += 2
    return needed <= width


def plain(title: str, columns: Sequence[str], text: Sequence[Sequence[str]],
          numeric: Sequence[bool]) -> str:
    """The table as plain aligned columns (title, header, dashes, one line per row)."""
    widths = [max([len(c), *(len(r[i]) for r in text)]) for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if right else c.ljust(w)
                 for c, w, right in zip(cells, widths, numeric, strict=True)]
        return GAP.join(parts).rstrip()

    header = [c.rjust(w) if right else c.ljust(w)
              for c, w, right in zip(columns, widths, numeric, strict=True)]
    lines = [title, GAP.join(header).rstrip(), GAP.join("-" * w for w in widths)]
    lines += [line(row) for row in text]
    return "\n".join(lines) + "\n"
