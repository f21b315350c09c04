"""Record-level questions (:mod:`vrhub.storage.records`): pages, totals and exports of each
dataset, composed from declared conditions (a scope and any of seven filters: too many
combinations to list), and the period, owner and whole row of one record.

The conditions of each dataset are :class:`~vrhub.storage.queries.core.Fragment` s; a
search composes the templates below with those its scope and filters need. A page is one
query, its order and limit: DuckDB reads the page's other columns only for the rows the
limit keeps (a quarter cheaper than finding a page's file and row first, then reading those
rows). police.uk rows are read as they count (:mod:`vrhub.storage.queries.events`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vrhub.storage.queries.core import Fragment, NamedQuery, Narrow, Template, define, template
from vrhub.storage.queries.counted import counted
from vrhub.storage.queries.events import DISTRICTS_EXAMPLE, POLICE_VARIANTS, counted_police

#: the id of a record read from a file (police.uk): its file's id, first 16 characters,
#: and its row number
FILE_ROW_ID_SQL = "substr(file_id, 1, 16) || '-' || CAST(row_number AS VARCHAR)"
#: greater than every character (a bound on the file ids that begin with a prefix)
_LAST_CHARACTER = chr(0x10FFFF)

@dataclass(frozen=True)
class Dataset:
    name: str
    table: str
    id_sql: str  # SQL expression giving a stable record id
    columns: tuple[str, ...]
    month_sql: str
    category_column: str
    has_site: bool
    description: str
    # the order of a search's pages: by month first, then stable, on stored columns (no
    # per-row expression to compute before sorting)
    order_sql: str = "record_id"

    @property
    def ids_name_file_and_row(self) -> bool:
        """Whether a record's id names its file and its row (:data:`FILE_ROW_ID_SQL`)."""
        return self.id_sql == FILE_ROW_ID_SQL


DATASETS: dict[str, Dataset] = {
    "istv": Dataset(
        name="istv",
        table="istv_assault_current",
        id_sql="assault_id",
        columns=("assault_id", "submission_id", "site_code", "arrival_at", "assault_at",
                 "assault_method", "method_other_description", "location_type",
                 "location_description", "age_band", "flags", "easting", "northing",
                 "lsoa21_code", "ward_code", "borough_code", "geocode_method",
                 "geocode_confidence", "geocode_unresolved_reason"),
        month_sql="strftime(assault_at, '%Y-%m')",
        category_column="assault_method",
        has_site=True,
        description="ED assault records (ISTV), current submissions only",
        order_sql="assault_at, assault_id",
    ),
    "police": Dataset(
        name="police",
        table="police_street",
        id_sql=FILE_ROW_ID_SQL,
        columns=("crime_id", "month", "force", "crime_type", "location", "last_outcome",
                 "easting", "northing", "longitude", "latitude", "lsoa21_code", "ward_code",
                 "borough_code", "place_flag"),
        month_sql="month",
        category_column="crime_type",
        has_site=False,
        description="police.uk street-level crimes",
        order_sql="month, file_id, row_number",
    ),
    "stop-search": Dataset(
        name="stop-search",
        table="police_stop_search",
        id_sql=FILE_ROW_ID_SQL,
        columns=("datetime", "month", "force", "search_type", "object_of_search", "outcome",
                 "legislation", "age_range", "gender", "easting", "northing", "lsoa21_code",
                 "ward_code", "borough_code"),
        month_sql="month",
        category_column="object_of_search",
        has_site=False,
        description="police.uk stop and search records",
        # a table in the DuckDB file: its top rows are found by the sort key first anyway
        order_sql="month, file_id, row_number",
    ),
}


def _bound(ds: Dataset, column: str, **bound: str) -> tuple[Narrow, ...]:
    """The bound a condition puts on ``column`` of police.uk street rows (stored as parts;
    the template decides whether its rows are read so, :func:`_relation`)."""
    return (Narrow(ds.table, column, **bound),) if ds.table == "police_street" else ()


def fragments(ds: Dataset) -> list[Fragment]:
    """The conditions a search of ``ds`` is composed of: its scope (``scope_*``, or
    ``nothing``) and its filters."""
    def within(name: str, column: str, example: list[str]) -> Fragment:
        return Fragment(name, f"list_contains(${name}, {column})", {name: "list[str]"},
                        {name: example}, _bound(ds, column, within=name))

    found = [
        Fragment("nothing", "FALSE"),
        within("scope_boroughs", "borough_code", ["E09000001", "E09000033"]),
        within("boroughs", "borough_code", ["E09000001"]),
        within("wards", "ward_code", ["E05009288", "E05009289"]),
        within("lsoas", "lsoa21_code", ["E01000001", "E01000005"]),
        Fragment("categories", f"list_contains($categories, lower({ds.category_column}))",
                 {"categories": "list[str]"},
                 {"categories": ["burglary", "robbery", "body", "drugs"]}),
        Fragment("month_from", f"{ds.month_sql} >= $month_from", {"month_from": "str"},
                 {"month_from": "2023-02"}, _bound(ds, "month", low="month_from")),
        Fragment("month_to", f"{ds.month_sql} <= $month_to", {"month_to": "str"},
                 {"month_to": "2024-06"}, _bound(ds, "month", high="month_to")),
        Fragment("months", f"list_contains($months, {ds.month_sql})", {"months": "list[str]"},
                 {"months": ["2023-03", "2023-04"]}, _bound(ds, "month", within="months")),
    ]
    if ds.has_site:
        found += [
            within("scope_sites", "site_code", ["RJ122"]),
            Fragment("scope_boroughs_or_sites", "list_contains($scope_boroughs, "
                     "borough_code) OR list_contains($scope_sites, site_code)",
                     {"scope_boroughs": "list[str]", "scope_sites": "list[str]"},
                     {"scope_boroughs": ["E09000001"], "scope_sites": ["RJ122"]}),
            within("sites", "site_code", ["RJ122"]),
        ]
    return found


def _examples(ds: Dataset) -> list[tuple[str, ...]]:
    """Representative compositions: everything, nothing, a borough scope with each filter,
    and (with sites) a mixed scope."""
    found = [(), ("nothing",), ("scope_boroughs",), ("boroughs", "months"),
             ("scope_boroughs", "categories", "month_from", "month_to"),
             ("boroughs", "wards", "lsoas"), ("month_from",)]
    if ds.has_site:
        found += [("scope_sites", "sites"), ("scope_boroughs_or_sites", "categories")]
    return found


def _relation(variant: str, ds: Dataset) -> tuple[str, dict[str, str], dict[str, Any]]:
    """(what a listing reads, its parameters, their example)."""
    if variant == "police_everywhere":
        return f"{counted(study_area=False)} AS police_street", {}, {}
    if variant in POLICE_VARIANTS:
        return (f"{counted_police(POLICE_VARIANTS[variant])} AS police_street",
                {"districts": "list[str]"}, {"districts": DISTRICTS_EXAMPLE})
    # named again: a condition right after a bare table name could read as its alias
    return f'"{ds.table}" AS {ds.table}', {}, {}


def _columns(ds: Dataset) -> str:
    """The dataset's columns, quoted (some are words SQL knows: force, datetime)."""
    return ", ".join(f'"{c}"' for c in ds.columns)


@dataclass(frozen=True)
class Searches:
    """The templates of one dataset variant: its total, its pages, its export."""

    total: Template
    page: Template
    export: Template


#: variant -> its templates (police: ``police`` reads the ledger of uncounted rows,
#: ``police_rule`` applies the rule; see :mod:`vrhub.storage.queries.events`)
SEARCHES: dict[str, Searches] = {}
for _variant, _ds in (("istv", DATASETS["istv"]), ("police", DATASETS["police"]),
                      ("police_rule", DATASETS["police"]),
                      ("police_everywhere", DATASETS["police"]),
                      ("stop-search", DATASETS["stop-search"])):
    _rel, _params, _example = _relation(_variant, _ds)
    _frags, _ex = fragments(_ds), _examples(_ds)
    _record = f"SELECT {_ds.id_sql} AS record_id, {_columns(_ds)} FROM {_rel}"
    _paged = {**_params, "limit": "int", "offset": "int"}
    _paged_example = {**_example, "limit": 25, "offset": 10}
    # the counting rule in the query reads every row: its conditions bound no parts
    _narrowed = None if _variant == "police_rule" else _ds.table
    SEARCHES[_variant] = Searches(
        total=template(f"records.total.{_variant}", f"SELECT count(*) AS n FROM {_rel} "
                       "WHERE {where}", _params, fragments=_frags, examples=_ex,
                       example=_example, doc=f"Records a search matches ({_variant}).",
                       narrowed=_narrowed),
        page=template(f"records.page.{_variant}", f"{_record} WHERE {{where}} ORDER BY "
                      f"{_ds.order_sql} LIMIT $limit OFFSET $offset", _paged,
                      fragments=_frags, examples=_ex, example=_paged_example,
                      doc=f"One page of the records a search matches ({_variant}).",
                      narrowed=_narrowed),
        export=template(f"records.export.{_variant}", f"{_record} WHERE {{where}} ORDER BY "
                        f"{_ds.order_sql}", _params, fragments=_frags, examples=_ex[:3],
                        example=_example, doc=f"Every record a search matches ({_variant}).",
                        narrowed=_narrowed))


def record_values(ds: Dataset, record_id: str) -> dict[str, Any] | None:
    """The values of the one-record questions' parameters (:data:`OWNER`, :data:`RECORD`)
    for ``record_id``; None when no record of ``ds`` can have it (a police.uk id that does
    not name a file and a row)."""
    if not ds.ids_name_file_and_row:
        return {"record_id": record_id}
    prefix, dash, row = record_id.rpartition("-")
    if not dash or len(prefix) != 16 or not (row.isascii() and row.isdigit()) or len(row) > 18:
        return None
    return {"file_from": prefix, "file_to": prefix + _LAST_CHARACTER, "row": int(row),
            "record_id": record_id}


def _one_record(ds: Dataset) -> tuple[str, dict[str, str], dict[str, Any], tuple[Narrow, ...]]:
    """(the condition choosing one record of ``ds`` by id, its parameters, their example,
    its bounds). A police.uk record id is its file's id (the first 16 characters) and its
    row: the condition says so too (the rows of one file, of one row number), so that the
    file's part alone is read, and within it the row group holding the row."""
    if not ds.ids_name_file_and_row:
        return f"{ds.id_sql} = $record_id", {"record_id": "str"}, {"record_id": "none"}, ()
    return (f"file_id >= $file_from AND file_id <= $file_to AND row_number = $row AND "
            f"{ds.id_sql} = $record_id",
            {"file_from": "str", "file_to": "str", "row": "int", "record_id": "str"},
            record_values(ds, "0123456789abcdef-1") or {},
            _bound(ds, "file_id", low="file_from", high="file_to"))


#: dataset -> the first and last month it holds (every row as stored)
PERIOD: dict[str, NamedQuery] = {}
#: dataset -> the borough and ED site of one record
OWNER: dict[str, NamedQuery] = {}
#: dataset -> one record, whole
RECORD: dict[str, NamedQuery] = {}
for _name, _ds in DATASETS.items():
    PERIOD[_name] = define(
        f"records.period.{_name}", f"SELECT min({_ds.month_sql}) AS a, "
        f'max({_ds.month_sql}) AS b FROM "{_ds.table}"',
        doc=f"The first and last month of {_ds.description}.")
    _site = "site_code" if _ds.has_site else "CAST(NULL AS VARCHAR)"
    _which, _params, _example, _narrows = _one_record(_ds)
    OWNER[_name] = define(
        f"records.owner.{_name}", f"SELECT borough_code, {_site} AS site_code "
        f'FROM "{_ds.table}" WHERE {_which}', _params, example=_example, narrows=_narrows,
        doc=f"The borough and site of one of {_ds.description}.")
    RECORD[_name] = define(
        f"records.record.{_name}", f"SELECT {_ds.id_sql} AS record_id, "
        f'{_columns(_ds)} FROM "{_ds.table}" WHERE {_which}', _params, example=_example,
        narrows=_narrows, doc=f"One of {_ds.description}, whole.")

#: the fragments a police.uk search may have to be answered from the rolled-up counts
#: (:mod:`vrhub.storage.police_rollup`: borough, crime type and month only)
ROLLED_UP_FRAGMENTS = ("nothing", "scope_boroughs", "boroughs", "categories", "month_from",
                       "month_to")

ROLLED_UP_MONTHS = template(
    "records.rolled_up_months.police",
    "SELECT month, sum(count) AS n FROM \"police_month_count\" WHERE level = 'borough' "
    "AND {where} GROUP BY month ORDER BY month NULLS LAST",
    fragments=[f for f in fragments(DATASETS["police"]) if f.name in ROLLED_UP_FRAGMENTS],
    examples=[(), ("scope_boroughs", "categories", "month_from", "month_to"), ("nothing",)],
    doc="Counted police.uk crimes a search matches per month, from the rolled-up counts.")

ROLLED_UP_BOROUGHS = define(
    "records.rolled_up_boroughs.police",
    "SELECT borough_code, lower(crime_type) AS category, month, count "
    "FROM \"police_month_count\" WHERE level = 'borough' AND borough_code IS NOT NULL "
    "ORDER BY ALL",
    doc="Counted police.uk crimes per borough, crime type (lower case) and month, from the "
    "rolled-up counts (kept in memory by vrhub.storage.kept_months).")
