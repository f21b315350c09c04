"""One crime, one count: which rows of ``police_street`` count (see
``docs/explanation/counting.md``).

police.uk publishes some crimes in more than one file that vrhub loads: a force's street
file and a category extract made from it (the Met burglary extract holds the City of
London's burglaries too), the same crime on several rows of one file, a multi-force file
beside a force's own. Every row is kept in ``police_street``; the rows that repeat a crime
already counted are listed in ``police_uncounted`` and left out of every figure.

The rule:

* rows with a Crime ID: the crime counts once, from one row: the force's own street file
  first (a series ending ``-street``), then the other series by name, then the earliest
  month, file and row;
* rows without a Crime ID (anti-social behaviour, British Transport Police): a row is the
  same crime as a row of *another series* with the same force (Reported by), month, crime
  type, point and location; within one series such rows are distinct incidents. Where
  series disagree on how many there are, the largest number counts (the k-th such row of
  each series is one incident).

:func:`refresh` rebuilds ``police_uncounted`` at the end of every police load (one hash
aggregate over the Crime IDs, windows over the few rows that repeat). The relation every
figure reads instead of ``police_street`` is :func:`vrhub.storage.queries.counted.counted`
in named queries (the study area's districts a parameter, so the question runs on every
engine); :func:`counted_rows` and :func:`in_study_area_sql` write the same with the
districts in the text, for the questions still built at run time.
"""

from __future__ import annotations

from typing import Any

from vrhub.standards.police_uk import POLICE_STREET, POLICE_UNCOUNTED
from vrhub.storage.queries.counted import UNCOUNTED_SQL
from vrhub.storage.warehouse import Warehouse

#: (kept under its former name for the questions built here)
_UNCOUNTED_SQL = UNCOUNTED_SQL


def refresh(warehouse: Warehouse) -> int:
    """Rebuild ``police_uncounted`` from the rows now in ``police_street`` (inside the
    load's transaction); returns the rows left uncounted."""
    with warehouse.atomic():
        con = warehouse._con
        warehouse.ensure_tables([POLICE_UNCOUNTED])
        con.execute(f'DELETE FROM "{POLICE_UNCOUNTED.name}"')
        if not warehouse.has_table(POLICE_STREET.name):
            return 0
        con.execute(f'INSERT INTO "{POLICE_UNCOUNTED.name}" {_UNCOUNTED_SQL}')
        return int(warehouse._scalar(f'SELECT count(*) FROM "{POLICE_UNCOUNTED.name}"'))


def counted_rows(warehouse: Warehouse, *, study_area: bool = True) -> str:
    """An SQL relation (a parenthesised query, to follow ``FROM``) of the rows of
    ``police_street`` that count: each crime once, and (unless ``study_area`` is false)
    only rows whose district is one of the study area's (:func:`in_study_area_sql`). A
    warehouse whose rows were written without a police load (no ``police_uncounted``) has
    the rule applied in the query."""
    table = POLICE_STREET.name
    where = f" WHERE {in_study_area_sql(warehouse)}" if study_area else ""
    repeats = repeated_rows(warehouse)
    if repeats is None:
        return f'(SELECT * FROM "{table}"{where})'
    return f'(SELECT * FROM "{table}" ANTI JOIN {repeats} USING (file_id, row_number){where})'


def repeated_rows(warehouse: Warehouse) -> str | None:
    """An SQL relation (to follow ``JOIN``) of the rows that repeat a crime counted from
    another row (``file_id``, ``row_number``): ``police_uncounted``, or the rule applied in
    the query on a warehouse whose rows were written without a police load. None for rows
    of another shape (each row is a crime)."""
    if not _has_key_columns(warehouse):
        return None
    if warehouse.has_table(POLICE_UNCOUNTED.name):
        return f'"{POLICE_UNCOUNTED.name}"'
    return f"({_UNCOUNTED_SQL})"


def in_study_area_sql(warehouse: Warehouse) -> str:
    """The SQL condition "this row is not known to lie outside the study area": its
    district (``borough_code``) is one of the study area's, or it has none and its point
    does not lie outside every loaded boundary (a row with no location, or loaded before
    any boundaries: counted in totals, in no area's results). Rows outside are kept and
    left out of every figure."""
    codes = ", ".join(f"'{code}'" for code in warehouse.study_area.districts)
    columns = _columns(warehouse)
    if "borough_code" not in columns:
        return "TRUE"
    unplaced = ("place_flag IS DISTINCT FROM 'outside_boundaries'"
                if "place_flag" in columns else "TRUE")
    return f"(borough_code IN ({codes}) OR (borough_code IS NULL AND {unplaced}))"


def outside_study_area(warehouse: Warehouse, file_ids: list[str]) -> tuple[int, int, int]:
    """(rows of ``file_ids``, of them outside the study area, of those with no district:
    their point lies outside every loaded boundary)."""
    if not file_ids or not warehouse.has_table(POLICE_STREET.name):
        return 0, 0, 0
    from vrhub.storage.queries import police as q
    from vrhub.storage.queries.core import rows

    found = rows(warehouse, q.OUTSIDE_STUDY_AREA, file_ids=list(file_ids),
                 districts=list(warehouse.study_area.districts))
    return (int(found[0][0]), int(found[0][1]), int(found[0][2])) if found else (0, 0, 0)


_KEY_COLUMNS = frozenset({"crime_id", "series", "month", "file_id", "row_number",
                          "reported_by", "crime_type", "longitude", "latitude", "location"})


def _columns(warehouse: Warehouse) -> set[str]:
    return {name for (name,) in warehouse._con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
        [POLICE_STREET.name]).fetchall()}


def _has_key_columns(warehouse: Warehouse) -> bool:
    return _columns(warehouse) >= _KEY_COLUMNS


def uncounted_by_series(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Rows left uncounted per series and month, with the series that counts them and the
    rule (for the quality report)."""
    if not warehouse.has_table(POLICE_STREET.name) or not _has_key_columns(warehouse):
        return []
    from vrhub.storage.queries import police as q
    from vrhub.storage.queries.core import run

    form = "listed" if warehouse.has_table(POLICE_UNCOUNTED.name) else "rule"
    frame = run(warehouse, q.UNCOUNTED_BY_SERIES[form])
    return [{str(k): (int(v) if k == "rows" else str(v)) for k, v in row.items()}
            for row in frame.to_dict("records")]
