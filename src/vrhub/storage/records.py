"""Record-level queries, always filtered by a :class:`~vrhub.access.scopes.Scope`.

The policy layer decides the scope; this module only applies it. There is no function here
that reads records without one, so a caller cannot forget the filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from vrhub.errors import NotFound, UserError
from vrhub.storage import kept_months, police_rollup
from vrhub.storage.queries import records as queries
from vrhub.storage.queries.core import NamedQuery, named_rows, rows, run, value
from vrhub.storage.queries.events import police_variant
from vrhub.storage.queries.records import DATASETS, Dataset
from vrhub.storage.warehouse import Warehouse

if TYPE_CHECKING:  # the policy module brings the audit log and the app database models
    from vrhub.access.scopes import Scope


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


def _composition(ds: Dataset, scope: Scope, filters: Filters) -> tuple[list[str],
                                                                         dict[str, Any]]:
    """The declared conditions (:func:`vrhub.storage.queries.records.fragments`) a search
    of ``ds`` within ``scope`` matching ``filters`` is composed of, and their values."""
    names: list[str] = []
    values: dict[str, Any] = {}
    if not scope.everything:
        sites = bool(scope.sites and ds.has_site)
        if scope.boroughs and sites:
            names.append("scope_boroughs_or_sites")
        elif scope.boroughs:
            names.append("scope_boroughs")
        elif sites:
            names.append("scope_sites")
        else:
            names.append("nothing")
        if scope.boroughs:
            values["scope_boroughs"] = sorted(scope.boroughs)
        if sites:
            values["scope_sites"] = sorted(scope.sites)
    if filters.sites and not ds.has_site:
        raise UserError(f"dataset {ds.name} has no ED site column")
    for name, chosen in (("boroughs", filters.boroughs), ("wards", filters.wards),
                         ("lsoas", filters.lsoas), ("sites", filters.sites)):
        if chosen:
            names.append(name)
            values[name] = list(chosen)
    if filters.categories:
        names.append("categories")
        values["categories"] = [c.lower() for c in filters.categories]
    for name in ("month_from", "month_to"):
        if getattr(filters, name):
            names.append(name)
            values[name] = getattr(filters, name)
    return names, values


def _require(warehouse: Warehouse, ds: Dataset) -> bool:
    return warehouse.has_table(ds.table)


def _searches(warehouse: Warehouse, ds: Dataset) -> tuple[queries.Searches, dict[str, Any]]:
    """The templates a listing of ``ds`` is composed from (police.uk rows each crime once,
    :mod:`vrhub.storage.police_counted`; a record is still found by its id whatever
    counts), and the values they read besides the conditions."""
    if ds.name == "police":
        # a table of another shape (no file and row) is read as the rule reads it
        return (queries.SEARCHES.get(police_variant(warehouse), queries.SEARCHES["police_rule"]),
                {"districts": list(warehouse.study_area.districts)})
    return queries.SEARCHES[ds.name], {}


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
        found = rows(warehouse, queries.PERIOD[name])
        if found and found[0][1] is not None:
            first, last = str(found[0][0])[:7], str(found[0][1])[:7]
    return {"from": filters.month_from or first, "to": filters.month_to or last,
            "every_month": filters.month_from is None and filters.month_to is None}


def search(warehouse: Warehouse, name: str, scope: Scope, filters: Filters, *,
           limit: int = 100, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Records of dataset ``name`` inside ``scope`` matching ``filters``, as JSON-ready
    dicts: (one page, total matching)."""
    ds = dataset(name)
    names, values = _composition(ds, scope, filters)
    if not _require(warehouse, ds):  # nothing of this dataset loaded yet
        return [], 0
    if _rolled_up(warehouse, ds, filters):  # police.uk: counts rolled up at load time
        return _rolled_up_page(warehouse, scope, filters, names, values, limit, offset)
    searches, relation = _searches(warehouse, ds)
    values.update(relation)
    found = _page(warehouse, searches, names, values, limit, offset)
    total = int(value(warehouse, searches.total.compose(names), **values))
    return found, total


def _rolled_up(warehouse: Warehouse, ds: Dataset, filters: Filters) -> bool:
    """True when a police.uk search filters only on what the rolled-up counts hold
    (borough, crime type, month) and they are in step with the rows."""
    return (ds.table == "police_street" and not filters.wards and not filters.lsoas
            and warehouse.has_table(ds.table) and police_rollup.fresh(warehouse))


def _rolled_up_page(warehouse: Warehouse, scope: Scope, filters: Filters, names: list[str],
                    values: dict[str, Any], limit: int, offset: int
                    ) -> tuple[list[dict[str, Any]], int]:
    """A police.uk page whose total and months come from the rolled-up counts: only the
    months holding the page are read from the rows, and when the boroughs asked for are
    all in the study area (and the rows left uncounted are listed) the rows need no other
    test of being in it."""
    by_month = kept_months.by_month(warehouse, names, values)
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
        names, values = [*names, "months"], {**values, "months": months}
    districts = set(warehouse.study_area.districts)
    asked = [set(filters.boroughs), set() if scope.everything else set(scope.boroughs)]
    if (any(b and b <= districts for b in asked)
            and police_variant(warehouse) == "police"):
        searches = queries.SEARCHES["police_everywhere"]
    else:
        searches, relation = _searches(warehouse, dataset("police"))
        values = {**values, **relation}
    return _page(warehouse, searches, names, values, limit, offset - before), total


def _page(warehouse: Warehouse, searches: queries.Searches, names: list[str],
          values: dict[str, Any], limit: int, offset: int) -> list[dict[str, Any]]:
    """One page of records, as JSON-ready dicts."""
    return _records(*named_rows(warehouse, searches.page.compose(names), **values,
                                limit=int(limit), offset=int(offset)))


def _records(columns: list[str], found: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (:func:`_plain`)."""
    return [dict(zip(columns, map(_plain, row), strict=True)) for row in found]


def export_frame(warehouse: Warehouse, name: str, scope: Scope,
                 filters: Filters) -> pd.DataFrame:
    ds = dataset(name)
    if not _require(warehouse, ds):
        return pd.DataFrame(columns=["record_id", *ds.columns])
    names, values = _composition(ds, scope, filters)
    searches, relation = _searches(warehouse, ds)
    return run(warehouse, searches.export.compose(names), **values, **relation)


def owner(warehouse: Warehouse, name: str, record_id: str) -> tuple[str | None, str | None]:
    """(borough, site) a record belongs to, for the object-level policy check; NotFound if
    there is no such record. Reads nothing else about it."""
    ds = dataset(name)
    found = _one(warehouse, ds, queries.OWNER[name], record_id)
    borough, site_code = found["borough_code"], found["site_code"]
    return (None if borough is None else str(borough),
            None if site_code is None else str(site_code))


def get(warehouse: Warehouse, name: str, record_id: str) -> dict[str, Any]:
    """One record by id (after the object-level policy check has passed)."""
    ds = dataset(name)
    return {k: _plain(v) for k, v in
            _one(warehouse, ds, queries.RECORD[name], record_id).items()}


def _one(warehouse: Warehouse, ds: Dataset, query: NamedQuery,
         record_id: str) -> dict[str, Any]:
    """The row ``query`` answers for ``record_id`` (NotFound when there is none). A
    police.uk id names its file and row, so the row is read from that file's part."""
    values = queries.record_values(ds, record_id)
    if values is None or not _require(warehouse, ds):
        raise NotFound(f"no {ds.name} record {record_id!r}")
    columns, found = named_rows(warehouse, query, **values)
    if not found:
        raise NotFound(f"no {ds.name} record {record_id!r}")
    return dict(zip(columns, found[0], strict=True))


def _plain(value: Any) -> Any:
    """A value as JSON holds it: NaN and NaT as None, dates and times as ISO text."""
    if value is None or isinstance(value, str | int):  # most values: answered first
        return value
    if isinstance(value, float) and pd.isna(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


