"""One crime, one count, in named queries: the rows of ``police_street`` that count (see
:mod:`vrhub.storage.police_counted` for the rule) as a fragment that definitions read
instead of the table, written once when a query is defined.

The study area is a parameter, ``$districts`` (a ``list[str]`` of district codes): a row
counts when its district is one of them, or it has none and its point does not lie outside
every loaded boundary. The repeats are read from ``police_uncounted`` when the warehouse
lists them (every police load does), else the rule is applied in the query.
"""

from __future__ import annotations

from vrhub.standards.police_uk import POLICE_STREET, POLICE_UNCOUNTED
from vrhub.storage.queries.core import define, value
from vrhub.storage.warehouse import Warehouse

#: The order that decides which row of a crime counts.
PRECEDENCE = ("(series NOT LIKE '%-street'), series, month, file_id, row_number")

#: What makes rows without a Crime ID the same incident.
_NO_ID_KEY = ("reported_by, month, crime_type, longitude, latitude, location")

#: The rows that repeat a crime another row holds (what ``police_uncounted`` lists). The
#: Crime IDs held more than once are found by their hash first (a national warehouse holds
#: 60 million; grouping the numbers takes half the time of grouping the text); rows of IDs
#: that only share a hash stay alone in their window and are not taken as repeats. Rows
#: without a Crime ID are numbered within their series only where another series holds
#: the same key (numbering every such row first took 40% longer on a Met year, where one
#: series holds them all); a key is its own partition, so the numbers are the same. Keys
#: are grouped only for a force's months that more than one series holds rows without a
#: Crime ID in (a key shared by two series is in such a month; a key with a part missing,
#: the force included, is the same incident as no other): nationally each force has one
#: series, and grouping 11 million keys of text took 9 s where the months take 2.6.
UNCOUNTED_SQL = f"""
    WITH several AS (
        SELECT reported_by, month FROM "{POLICE_STREET.name}" WHERE crime_id IS NULL
        GROUP BY ALL HAVING count(DISTINCT series) > 1),
    repeated AS (
        SELECT hash(crime_id) AS id_hash FROM "{POLICE_STREET.name}"
        WHERE crime_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1),
    by_id AS (
        SELECT file_id, row_number, series, month,
               first_value(series) OVER w AS counted_series,
               row_number() OVER w AS nth
        FROM "{POLICE_STREET.name}"
        WHERE crime_id IS NOT NULL AND hash(crime_id) IN (SELECT id_hash FROM repeated)
        WINDOW w AS (PARTITION BY crime_id ORDER BY {PRECEDENCE})),
    shared AS (
        SELECT {_NO_ID_KEY} FROM "{POLICE_STREET.name}" SEMI JOIN several
        USING (reported_by, month) WHERE crime_id IS NULL
        GROUP BY ALL HAVING count(DISTINCT series) > 1),
    no_id_shared AS (
        SELECT file_id, row_number, series, month, {_NO_ID_KEY},
               row_number() OVER (PARTITION BY series, {_NO_ID_KEY}
                                  ORDER BY file_id, row_number) AS occurrence
        FROM "{POLICE_STREET.name}" SEMI JOIN shared USING ({_NO_ID_KEY})
        WHERE crime_id IS NULL),
    by_place AS (
        SELECT file_id, row_number, series, month,
               first_value(series) OVER w AS counted_series,
               row_number() OVER w AS nth
        FROM no_id_shared
        WINDOW w AS (PARTITION BY {_NO_ID_KEY}, occurrence ORDER BY {PRECEDENCE}))
    SELECT file_id, row_number, series, month, counted_series, 'same_crime_id' AS rule
    FROM by_id WHERE nth > 1
    UNION ALL
    SELECT file_id, row_number, series, month, counted_series, 'same_place_no_id'
    FROM by_place WHERE nth > 1
"""

#: "this row is not known to lie outside the study area ``$districts``"
IN_STUDY_AREA = ("(list_contains($districts, borough_code) OR (borough_code IS NULL AND "
                 "place_flag IS DISTINCT FROM 'outside_boundaries'))")


def counted(*, listed: bool = True, study_area: bool = True) -> str:
    """The rows that count, as a parenthesised query to follow ``FROM`` in a definition.
    ``listed``: the repeats are read from ``police_uncounted``, else found by the rule in
    the query; ``study_area``: only the rows :data:`IN_STUDY_AREA` keeps (the query then
    takes ``$districts``)."""
    repeats = (f'"{POLICE_UNCOUNTED.name}"' if listed
               else f"({' '.join(UNCOUNTED_SQL.split())})")
    where = f" WHERE {IN_STUDY_AREA}" if study_area else ""
    return (f'(SELECT * FROM "{POLICE_STREET.name}" ANTI JOIN {repeats} '
            f"USING (file_id, row_number){where})")


def listed(warehouse: Warehouse) -> bool:
    """Whether the warehouse lists its repeated rows (``police_uncounted``): which form of
    :func:`counted` its questions take."""
    return warehouse.has_table(POLICE_UNCOUNTED.name)


def districts(warehouse: Warehouse) -> list[str]:
    """The value of ``$districts``: the study area's district codes."""
    return list(warehouse.study_area.districts)


UNCOUNTED_ROWS = define(
    "counted.uncounted_rows", f'SELECT count(*) AS n FROM "{POLICE_UNCOUNTED.name}"',
    doc="Rows of police_street left uncounted (each repeats a crime another row holds).")


def counting_notes(warehouse: Warehouse) -> list[str]:
    """The note a police figure carries when some rows repeat a crime (counted once): the
    same for every question (kept while a read-only warehouse stays open)."""
    def notes() -> list[str]:
        if not listed(warehouse):
            return []
        n = int(value(warehouse, UNCOUNTED_ROWS) or 0)
        if not n:
            return []
        return [f"each crime counted once: {n:,} police.uk row(s) repeating a crime held "
                "by another row (the same Crime ID in another series or file row) are "
                "left out"]

    return list(warehouse.remembered("counted.counting_notes", notes))
