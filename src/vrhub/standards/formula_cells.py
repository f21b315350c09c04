"""The one rule for a cell a spreadsheet would run as a formula ("CSV injection").

A text cell is a formula risk when it starts with ``=``, ``@``, a tab, a carriage return or
NUL, or with ``+`` or ``-`` and is not simply a number (``-0.12`` and ``+44`` stay numbers;
``-2+3+cmd|' /C calc'!A0`` and ``+A1`` are formulas). Ingest quarantines such cells where
a source never publishes one (police.uk) or keeps them as text behind an apostrophe (ISTV
free text); exports put the same apostrophe in front of them in CSV and XLSX. All three ask
:func:`is_formula`.

    >>> is_formula("=HYPERLINK(\\"http://x\\")"), is_formula("-12.5"), is_formula("-1+cmd")
    (True, False, True)
"""

from __future__ import annotations

import re

#: The first characters that make a cell a formula risk (``+`` and ``-`` only when the
#: cell is not a number).
FORMULA_STARTS = ("=", "@", "\t", "\r", "\x00", "+", "-")

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-]?\d+)?\Z"
#: :func:`is_formula` as a pattern (matched at the start of the cell).
FORMULA_PATTERN = rf"(?:[=@\t\r\x00]|[+\-](?!{_NUMBER}))"
FORMULA = re.compile(FORMULA_PATTERN)


def is_formula(value: object) -> bool:
    """True for a text cell a spreadsheet would run as a formula (see the module)."""
    return isinstance(value, str) and FORMULA.match(value) is not None


def neutralised(text: str) -> str:
    """``text`` made inert: an apostrophe in front of a formula (NUL characters dropped);
    any other text unchanged."""
    return "'" + text.replace("\x00", "") if is_formula(text) else text
