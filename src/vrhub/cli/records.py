"""``vrhub records``: search and export record-level data from the command line.

The CLI is one more way in, through the same door: the caller is the owner of the API
token given with ``--token`` or ``VRHUB_TOKEN`` (seen through the ``cli`` channel), the
request goes through the same :class:`~vrhub.access.policy.Policy` as the web API (scoped
to the account's boroughs or ED sites, one audit event per command) and reads the same
:mod:`vrhub.storage.records` queries. The console administrator has no record-level
access: without a token these commands refuse to run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from vrhub.access.principal import TOKEN_VARIABLE, Principal
from vrhub.access.roles import Action
from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.cli.users import open_services
from vrhub.errors import UserError

if TYPE_CHECKING:
    from vrhub.access.scopes import Scope
    from vrhub.access.services import AccessServices

F = TypeVar("F", bound=Callable[..., Any])

DATASETS = ("istv", "police", "stop-search")
FORMATS = ("csv", "xlsx", "gpkg", "geojson", "parquet")
MONTH = "YYYY-MM"


def _filters(func: F) -> F:
    for option in reversed([
        click.argument("dataset", type=click.Choice(DATASETS)),
        click.option("--borough", "boroughs", multiple=True, metavar="E09…|NAME",
                     help="Only this borough, by code or name (repeatable); must be one "
                     "of yours."),
        click.option("--ward", "wards", multiple=True, metavar="E05…|NAME",
                     help="Only this ward, by code or name (repeatable)."),
        click.option("--lsoa", "lsoas", multiple=True, metavar="E01…|NAME",
                     help="Only this LSOA 2021, by code or name (repeatable)."),
        click.option("--site", "sites", multiple=True, metavar="ODS|NAME",
                     help="Only this ED site, by ODS code or hospital name (ISTV; "
                     "repeatable); must be one of yours."),
        click.option("--category", "categories", multiple=True,
                     help="Crime type or ISTV assault method (repeatable)."),
        click.option("--from", "month_from", metavar=MONTH, default=None,
                     help="First month."),
        click.option("--to", "month_to", metavar=MONTH, default=None, help="Last month."),
        click.option("--token", default=None, metavar="TOKEN",
                     help=f"Your API token (default: ${TOKEN_VARIABLE}). Prefer the "
                     "variable: a token on the command line can end up in shell history."),
    ]):
        func = option(func)
    return func


def _month(value: str | None, option: str) -> str | None:
    from vrhub.standards.months import ISO_MONTH

    if value is None:
        return None
    if not ISO_MONTH.fullmatch(value):
        raise click.BadParameter(f"{value!r} is not a month; write {MONTH}",
                                 param_hint=option)
    return value


def _principal(app: AppContext, services: AccessServices, token: str | None) -> Principal:
    from vrhub.reports.area_directory import build

    environ = dict(app.environ)
    if token:
        environ[TOKEN_VARIABLE] = token
    # an ICB analyst's boroughs and ED sites as this workspace's warehouse holds them
    services.policy.membership.use(lambda: {
        code: (icb.boroughs, icb.sites)
        for code, icb in build(app.warehouse()).icbs.items()})
    return services.cli_principal(environ)


def _build_filters(app: AppContext, dataset: str, boroughs: tuple[str, ...],
                   wards: tuple[str, ...], lsoas: tuple[str, ...], sites: tuple[str, ...],
                   categories: tuple[str, ...], month_from: str | None,
                   month_to: str | None) -> Any:
    """The search filters, with names turned into codes (boroughs, wards, LSOAs, ED sites
    and categories are accepted by name as well as by code)."""
    from vrhub.reports.names import record_filters
    from vrhub.storage import records

    start, end = _month(month_from, "--from"), _month(month_to, "--to")
    if start and end and start > end:
        raise click.BadParameter(f"--from {start} is after --to {end}", param_hint="--from")
    return record_filters(app.warehouse(), dataset, records.Filters(
        boroughs=list(boroughs), wards=list(wards), lsoas=list(lsoas), sites=list(sites),
        categories=list(categories), month_from=start, month_to=end))


def _scope(services: AccessServices, principal: Principal, action: Action, dataset: str,
           filters: Any, detail: str) -> Scope:
    return services.policy.enforce_scope(principal, action, dataset,
                                         boroughs=filters.boroughs, sites=filters.sites,
                                         detail=detail)


def _period_label(period: dict[str, Any]) -> str:
    """"every month held (April 2010 to November 2025)" or "October 2024 to March 2025"."""
    from vrhub.standards.months import Month

    if not period["from"] or not period["to"]:
        return "no months held"
    span = f"{Month.parse(period['from']).label} to {Month.parse(period['to']).label}"
    return f"every month held ({span})" if period["every_month"] else span


@click.group(name="records")
def command() -> None:
    """Record-level data inside your scope (needs your API token; audited)."""


@command.command(name="search")
@_filters
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="Records to show.")
@click.option("--offset", default=0, type=click.IntRange(0), help="Records to skip.")
@json_option
@pass_app
def search(app: AppContext, dataset: str, boroughs: tuple[str, ...], wards: tuple[str, ...],
           lsoas: tuple[str, ...], sites: tuple[str, ...], categories: tuple[str, ...],
           month_from: str | None, month_to: str | None, token: str | None, limit: int,
           offset: int, as_json: bool) -> None:
    """Search DATASET (istv, police, stop-search) inside your scope: pan-London analysts
    all of London, borough analysts their boroughs, ICB analysts their ICB's boroughs and
    EDs, ED data leads their sites' ED records.
    Asking for a borough or site outside your scope is refused and audited."""
    from vrhub.storage import records

    services = open_services(app)
    principal = _principal(app, services, token)
    filters = _build_filters(app, dataset, boroughs, wards, lsoas, sites, categories,
                             month_from, month_to)
    scope = _scope(services, principal, Action.SEARCH_RECORDS, dataset, filters,
                   f"search {dataset} (cli)")
    rows, total = records.search(app.warehouse(), dataset, scope, filters, limit=limit,
                                 offset=offset)
    period = records.period(app.warehouse(), dataset, filters)
    if as_json:
        app.emit_json({"dataset": dataset, "total": total, "limit": limit, "offset": offset,
                       "scope": scope.to_dict(), "period": period, "records": rows})
        return
    columns = ["record_id", *records.dataset(dataset).columns]
    app.emit_table(f"{dataset}: {total:,} record(s) in your scope, {_period_label(period)}",
                   columns,
                   [[r.get(c) for c in columns] for r in rows])
    if total > offset + len(rows):
        app.info(f"showing {len(rows)} of {total:,}; use --offset/--limit or "
                 "`vrhub records export`")


@command.command(name="export")
@_filters
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="File format (default: from the --output suffix).")
@click.option("--output", "-o", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@json_option
@pass_app
def export(app: AppContext, dataset: str, boroughs: tuple[str, ...], wards: tuple[str, ...],
           lsoas: tuple[str, ...], sites: tuple[str, ...], categories: tuple[str, ...],
           month_from: str | None, month_to: str | None, token: str | None,
           fmt: str | None, output: Path, as_json: bool) -> None:
    """Export DATASET inside your scope to a file (the same records and format as the API's
    /api/v1/exports; spreadsheet formulas neutralised in CSV and XLSX)."""
    from vrhub.reports import exports
    from vrhub.storage import records

    chosen = fmt or output.suffix.lower().lstrip(".")
    if chosen not in FORMATS:
        raise UserError(f"cannot tell the format of {output.name}",
                        hint="give --format " + "|".join(FORMATS))
    services = open_services(app)
    principal = _principal(app, services, token)
    filters = _build_filters(app, dataset, boroughs, wards, lsoas, sites, categories,
                             month_from, month_to)
    scope = _scope(services, principal, Action.EXPORT_RECORDS, dataset, filters,
                   f"export {dataset} as {chosen} (cli)")
    frame = records.export_frame(app.warehouse(), dataset, scope, filters)
    period = records.period(app.warehouse(), dataset, filters)
    body = exports.render(frame, chosen, parameters={
        "dataset": dataset, "scope": scope.to_dict(), "exported_by": principal.email,
        "period": period, "filters": {k: v for k, v in vars(filters).items() if v}})
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(body)
    if as_json:
        app.emit_json({"dataset": dataset, "records": len(frame), "format": chosen,
                       "output": str(output), "scope": scope.to_dict(), "period": period})
        return
    app.info(f"wrote {len(frame):,} {dataset} record(s), {_period_label(period)}, to {output}")
