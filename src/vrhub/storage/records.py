"""Record-level queries, always filtered by a :class:`~vrhub.access.policy.Scope`.

The policy layer decides the scope; this module only applies it. There is no function here
that reads records without one, so a caller cannot forget the filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from vrhub.errors import NotFound, UserError
from vrhub.storage import police_rollup
from vrhub.storage.police_counted import counted_rows
from vrhub.storage.warehouse import Warehouse

if TYPE_CHECKING:  # the policy module brings the audit log and the app database models
    from vrhub.access.policy import Scope


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
    # a table (not a view): a page is found by row id first, and only its rows are read
    # whole, which is several times quicker on a large table
    is_table: bool = True
    # a view over Parquet parts: a page is found by these two columns (file and row)
    # first, and only rows holding its values are then read whole
    page_key: tuple[str, str] | None = None


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
        is_table=False,
    ),
    "police": Dataset(
        name="police",
        table="police_street",
        id_sql="substr(file_id, 1, 16) || '-' || CAST(row_number AS VARCHAR)",
        columns=("crime_id", "month", "force", "crime_type", "location", "last_outcome",
                 "easting", "northing", "longitude", "latitude", "lsoa21_code", "ward_code",
                 "borough_code", "place_flag"),
        month_sql="month",
        category_column="crime_type",
        has_site=False,
        description="police.uk street-level crimes",
        order_sql="month, file_id, row_number",
        is_table=False,  # a view over Parquet parts (no row ids)
        page_key=("file_id", "row_number"),
    ),
    "stop-search": Dataset(
        name="stop-search",
        table="police_stop_search",
        id_sql="substr(file_id, 1, 16) || '-' || CAST(row_number AS VARCHAR)",
        columns=("datetime", "month", "force", "search_type", "object_of_search", "outcome",
                 "legislation", "age_range", "gender", "easting", "northing", "lsoa21_code",
                 "ward_code", "borough_code"),
        month_sql="month",
        category_column="object_of_search",
        has_site=False,
        description="police.uk stop and search records",
        order_sql="month, file_id, row_number",
    ),
}


def dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise NotFound(f"no record-level dataset {name!r}",
                       hint="use one of " + ", ".join(DATASETS))
    return DATASETS[name]


@dataclass(frozen=True)
class Filters:
    boroughs: Sequence[str] = ()
    wards: Sequence[str] = ()
    lsoas: Sequence[str] = ()
    month_from: str | None = None
    month_to: str | None = None
    categories: Sequence[str] = ()
    sites: Sequence[str] = ()


def _scope_sql(ds: Dataset, scope: Scope) -> tuple[str, list[Any]]:
    if scope.everything:
        return "TRUE", []
    parts: list[str] = []
    params: list[Any] = []
    if scope.boroughs:
        parts.append(f"borough_code IN ({', '.join('?' for _ in scope.boroughs)})")
        params += sorted(scope.boroughs)
    if scope.sites and ds.has_site:
        parts.append(f"site_code IN ({', '.join('?' for _ in scope.sites)})")
        params += sorted(scope.sites)
    return ("(" + " OR ".join(parts) + ")", params) if parts else ("FALSE", [])


def _where(ds: Dataset, scope: Scope, filters: Filters) -> tuple[str, list[Any]]:
    clause, params = _scope_sql(ds, scope)
    parts = [clause]

    def members(column: str, values: Sequence[str]) -> None:
        if values:
            parts.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)

    members("borough_code", filters.boroughs)
    members("ward_code", filters.wards)
    members("lsoa21_code", filters.lsoas)
    if filters.sites:
        if not ds.has_site:
            raise UserError(f"dataset {ds.name} has no ED site column")
        members("site_code", filters.sites)
    if filters.categories:
        parts.append(f"lower({ds.category_column}) IN "
                     f"({', '.join('?' for _ in filters.categories)})")
        params.extend(c.lower() for c in filters.categories)
    if filters.month_from:
        parts.append(f"{ds.month_sql} >= ?")
        params.append(filters.month_from)
    if filters.month_to:
        parts.append(f"{ds.month_sql} <= ?")
        params.append(filters.month_to)
    return " AND ".join(parts), params


def _require(warehouse: Warehouse, ds: Dataset) -> bool:
    return warehouse.has_table(ds.table)


def _rows(warehouse: Warehouse, ds: Dataset) -> str:
    """What a listing reads: police.uk rows each crime once
    (:mod:`vrhub.storage.police_counted`; a record is still found by its id whatever
    counts), other datasets as stored."""
    if ds.table == "police_street" and warehouse.has_table(ds.table):
        return f"{counted_rows(warehouse)} AS {ds.table}"
    return ds.table


def period(warehouse: Warehouse, name: str, filters: Filters) -> dict[str, Any]:
    """The months a search or export of dataset ``name`` covers, as stated with every
    answer: the ``from``/``to`` asked for, else the first and last month the dataset holds.
    A record search is a lookup, so it covers every month unless months are given (a
    report covers the latest 12); ``every_month`` says which."""
    ds = dataset(name)
    first = last = None
    if (ds.table == "police_street" and (filters.month_from is None or filters.month_to is None)
            and _rolled_up(warehouse, ds, filters)):
        first, last = police_rollup.stored_months(warehouse)
    elif _require(warehouse, ds) and (filters.month_from is None or filters.month_to is None):
        row = warehouse.query(f"SELECT min({ds.month_sql}) AS a, max({ds.month_sql}) AS b "
                              f"FROM {ds.table}")
        if len(row) and not row["b"].isna().all():
            first, last = str(row["a"][0])[:7], str(row["b"][0])[:7]
    return {"from": filters.month_from or first, "to": filters.month_to or last,
            "every_month": filters.month_from is None and filters.month_to is None}


def search(warehouse: Warehouse, name: str, scope: Scope, filters: Filters, *,
           limit: int = 100, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Records of dataset ``name`` inside ``scope`` matching ``filters``, as JSON-ready
    dicts: (one page, total matching)."""
    ds = dataset(name)
    where, params = _where(ds, scope, filters)
    if _rolled_up(warehouse, ds, filters):  # police.uk: counts rolled up at load time
        return _rolled_up_page(warehouse, ds, scope, filters, where, params, limit, offset)
    rows = _rows(warehouse, ds)
    cols = ", ".join(ds.columns)
    if ds.is_table:
        sql = (f"WITH page AS (SELECT rowid AS _row FROM {rows} WHERE {where} "
               f"ORDER BY {ds.order_sql} LIMIT ? OFFSET ?) "
               f"SELECT {ds.id_sql} AS record_id, {cols} FROM {rows} "
               f"WHERE rowid IN (SELECT _row FROM page) ORDER BY {ds.order_sql}")
    else:
        sql = (f"SELECT {ds.id_sql} AS record_id, {cols} FROM {rows} WHERE {where} "
               f"ORDER BY {ds.order_sql} LIMIT ? OFFSET ?")
    try:
        if ds.page_key is not None:
            result = _keyed_page(warehouse, ds, ds.page_key, where, params, limit, offset)
        else:
            result = warehouse.con.execute(sql, [*params, limit, offset])
    except duckdb.CatalogException:  # nothing of this dataset loaded yet
        return [], 0
    names = [d[0] for d in result.description]
    found = [dict(zip(names, (_plain(v) for v in row), strict=True))
             for row in result.fetchall()]
    total = int(warehouse.scalar(f"SELECT count(*) FROM {rows} WHERE {where}", params))
    return found, total


def _rolled_up(warehouse: Warehouse, ds: Dataset, filters: Filters) -> bool:
    """True when a police.uk search filters only on what the rolled-up counts hold
    (borough, crime type, month) and they are in step with the rows."""
    return (ds.table == "police_street" and not filters.wards and not filters.lsoas
            and warehouse.has_table(ds.table) and police_rollup.fresh(warehouse))


def _rolled_up_page(warehouse: Warehouse, ds: Dataset, scope: Scope, filters: Filters,
                    where: str, params: list[Any], limit: int, offset: int
                    ) -> tuple[list[dict[str, Any]], int]:
    """A police.uk page whose total and months come from the rolled-up counts: only the
    months holding the page are read from the rows, and when the boroughs asked for are
    all in the study area the rows need no other test of being in it."""
    by_month = police_rollup.rows_by_month(warehouse, where, params)
    total = sum(n for _, n in by_month)
    before, taken = 0, 0
    months: list[str | None] = []
    for month, n in by_month:
        if not months and before + n <= offset:  # the page starts after this month
            before += n
            continue
        months.append(month)
        taken += n
        if before + taken >= offset + limit:
            break
    if not months:
        return [], total
    if None in months:  # rows without a month (none in published files): read them all
        before = 0
    else:
        where += f" AND {ds.month_sql} IN ({', '.join('?' for _ in months)})"
        params = [*params, *months]
    districts = set(warehouse.study_area.districts)
    asked = [set(filters.boroughs), set() if scope.everything else set(scope.boroughs)]
    relation = (f"{counted_rows(warehouse, study_area=False)} AS {ds.table}"
                if any(b and b <= districts for b in asked) else None)
    assert ds.page_key is not None
    result = _keyed_page(warehouse, ds, ds.page_key, where, params, limit, offset - before,
                         relation=relation)
    names = [d[0] for d in result.description]
    return [dict(zip(names, (_plain(v) for v in row), strict=True))
            for row in result.fetchall()], total


def _keyed_page(warehouse: Warehouse, ds: Dataset, key: tuple[str, str], where: str,
                params: list[Any], limit: int, offset: int, *,
                relation: str | None = None) -> duckdb.DuckDBPyConnection:
    """A page found by its key columns first (two narrow columns read and sorted), then
    read whole where both key values are among the page's: pushed down into the Parquet
    scan, only those rows are decoded in full. The pair itself is then matched exactly."""
    file_col, row_col = key
    relation = relation or _rows(warehouse, ds)
    page = warehouse.con.execute(
        f"SELECT {file_col}, {row_col} FROM {relation} WHERE {where} "
        f"ORDER BY {ds.order_sql} LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
    cols = ", ".join(ds.columns)
    if not page:
        return warehouse.con.execute(
            f"SELECT {ds.id_sql} AS record_id, {cols} FROM {relation} WHERE false")
    files = sorted({f for f, _ in page})
    rows = sorted({int(r) for _, r in page})
    pairs = [f"{f}/{r}" for f, r in page]
    marks = ", ".join
    return warehouse.con.execute(
        f"SELECT {ds.id_sql} AS record_id, {cols} FROM {relation} WHERE {where} "
        f"AND {file_col} IN ({marks('?' for _ in files)}) "
        f"AND {row_col} BETWEEN ? AND ? "  # row groups outside the range are skipped
        f"AND {row_col} IN ({marks('?' for _ in rows)}) "
        f"AND ({file_col} || '/' || CAST({row_col} AS VARCHAR)) IN "
        f"({marks('?' for _ in pairs)}) ORDER BY {ds.order_sql}",
        [*params, *files, rows[0], rows[-1], *rows, *pairs])


def export_frame(warehouse: Warehouse, name: str, scope: Scope,
                 filters: Filters) -> pd.DataFrame:
    ds = dataset(name)
    if not _require(warehouse, ds):
        return pd.DataFrame(columns=["record_id", *ds.columns])
    where, params = _where(ds, scope, filters)
    rows = _rows(warehouse, ds)
    return warehouse.query(
        f"SELECT {ds.id_sql} AS record_id, {', '.join(ds.columns)} FROM {rows} "
        f"WHERE {where} ORDER BY {ds.order_sql}", params)


def owner(warehouse: Warehouse, name: str, record_id: str) -> tuple[str | None, str | None]:
    """(borough, site) a record belongs to, for the object-level policy check; NotFound if
    there is no such record. Reads nothing else about it."""
    ds = dataset(name)
    if not _require(warehouse, ds):
        raise NotFound(f"no {name} record {record_id!r}")
    site = "site_code" if ds.has_site else "NULL"
    row = warehouse.query(
        f"SELECT borough_code, {site} AS site_code FROM {ds.table} WHERE {ds.id_sql} = ?",
        [record_id])
    if row.empty:
        raise NotFound(f"no {name} record {record_id!r}")
    borough, site_code = row.iloc[0]["borough_code"], row.iloc[0]["site_code"]
    return (None if pd.isna(borough) else str(borough),
            None if pd.isna(site_code) else str(site_code))


def get(warehouse: Warehouse, name: str, record_id: str) -> dict[str, Any]:
    """One record by id (after the object-level policy check has passed)."""
    ds = dataset(name)
    row = warehouse.query(
        f"SELECT {ds.id_sql} AS record_id, {', '.join(ds.columns)} FROM {ds.table} "
        f"WHERE {ds.id_sql} = ?", [record_id])
    if row.empty:
        raise NotFound(f"no {name} record {record_id!r}")
    return {str(k): _plain(v) for k, v in row.iloc[0].to_dict().items()}


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


