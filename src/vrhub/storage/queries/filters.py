"""The optional filters of named queries, each written once. An optional filter holds for
every row when its parameter is None: ``($name IS NULL OR condition)``. Every query with a
period names its bounds ``$first`` and ``$last`` (months, ``YYYY-MM``, each optional), and
every query with a borough filter names it ``$borough`` (a GSS code).
"""

from __future__ import annotations

from vrhub.storage.queries.core import Narrow

#: the parameters of :func:`month_range`
MONTH_RANGE = {"first": "str | None", "last": "str | None"}
#: the parameter of :func:`in_borough`
BOROUGH = {"borough": "str | None"}


def optional(name: str, condition: str) -> str:
    """``condition`` (on the parameter ``$name``), true for every row when it is None."""
    return f"(${name} IS NULL OR {condition})"


def street_bounds(counted: str = "ledger", *, months: bool = True,
                  borough: bool = False) -> tuple[Narrow, ...]:
    """The bounds :func:`month_range` (with ``months``) and :func:`in_borough` (with
    ``borough``) put on police.uk street rows, for a query reading them as ``counted``
    (:func:`vrhub.storage.queries.counted.counted`): none for the counting rule applied
    in the query, which looks at every row's Crime ID."""
    if counted == "rule":
        return ()
    found = [Narrow("police_street", "month", "first", "last")] if months else []
    if borough:
        found.append(Narrow("police_street", "borough_code", "borough", "borough"))
    return tuple(found)


def month_range(month: str = "month") -> str:
    """``month`` (SQL giving ``YYYY-MM`` text) at or after ``$first`` and at or before
    ``$last``, each bound optional."""
    return (f"{optional('first', f'{month} >= $first')} "
            f"AND {optional('last', f'{month} <= $last')}")


def in_borough(column: str = "borough_code") -> str:
    """``column`` is the borough ``$borough``, when one is given."""
    return optional("borough", f"{column} = $borough")
