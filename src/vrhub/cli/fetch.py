"""``vrhub fetch``: download official open data into the workspace's downloads folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.fetch import police_uk
from vrhub.fetch.download import DownloadResult, Manifest, download, file_name_for, sha256_of
from vrhub.fetch.http import HttpClient
from vrhub.fetch.sources import CATALOGUE, get_entry
from vrhub.ingest.inputs import discover
from vrhub.ingest.sources import get_source


@contextmanager
def _client() -> Iterator[HttpClient]:
    with HttpClient() as client:
        yield client


def _downloads(app: AppContext) -> Path:
    return app.workspace.ensure().downloads


def _report_download(app: AppContext, result: DownloadResult, as_json: bool) -> None:
    if as_json:
        app.emit_json(result.to_dict())
        return
    app.emit_table("Downloaded", ["file", "status", "bytes", "sha256"],
                   [[str(result.path), result.status, result.bytes, result.sha256]])


@click.group(name="fetch")
def command() -> None:
    """Download official open data (data.police.uk, London Datastore, ONS, gov.uk).

    Files go to the workspace's downloads folder with a manifest of their SHA-256
    checksums; interrupted downloads resume. Requests to data.police.uk are kept to 15 a
    second and back off when the server asks. Without internet access, download the
    files elsewhere and use `vrhub load`.
    """


@command.command(name="police-dates")
@json_option
@pass_app
def police_dates(app: AppContext, as_json: bool) -> None:
    """List the months data.police.uk has published (newest first)."""
    with _client() as client:
        avail = police_uk.availability(client, app.settings.police_api_url)
    if as_json:
        app.emit_json(avail.to_dict())
        return
    app.emit_table(
        "data.police.uk published months", ["month", "forces with stop-and-search data"],
        [[m, len(avail.stop_and_search.get(m, ()))] for m in avail.months],
    )


@command.command(name="police")
@click.option("--force", required=True, help="Force id, e.g. metropolitan or city-of-london.")
@click.option("--month", required=True, help="Month to fetch, YYYY-MM.")
@click.option("--load", "load_after", is_flag=True,
              help="Load the file into the warehouse (`vrhub load police`) afterwards.")
@json_option
@pass_app
def police(app: AppContext, force: str, month: str, load_after: bool, as_json: bool) -> None:
    """Fetch one force's street-level crimes for one month through the data.police.uk API.

    The month must be listed by `vrhub fetch police-dates`. The crimes are written as a
    police.uk street CSV (downloads/police-uk/FORCE/YYYY-MM-FORCE-street.csv). The API
    gives no LSOA codes and includes crimes other forces mapped inside the area; for
    complete months prefer `vrhub fetch police-archive`.
    """
    downloads = _downloads(app)
    with _client() as client:
        fetched = police_uk.fetch_force_month(client, app.settings.police_api_url, force,
                                              month, progress=app.progress)
        url = f"{app.settings.police_api_url.rstrip('/')}/crimes-street/all-crime"
    path = police_uk.write_street_csv(fetched.rows,
                                      police_uk.street_csv_path(downloads, force, month))
    digest = sha256_of(path)
    Manifest(downloads).record(path, url=url, sha256=digest, bytes=path.stat().st_size,
                               source="police-uk-api", force=force, month=month)
    report: dict[str, object] = {
        "path": str(path), "force": force, "month": month, "sha256": digest,
        "rows": len(fetched.rows), "located": fetched.located,
        "without_location": fetched.without_location,
        "neighbourhoods": fetched.neighbourhoods,
    }
    loaded = None
    if load_after:
        source = get_source("police")
        loaded = source.load(app.warehouse(), discover([path], source.patterns), app.progress)
        report["load"] = loaded.to_dict()
    if as_json:
        app.emit_json(report)
        return
    app.emit_table(
        f"{fetched.force_name}, {month}", ["file", "crimes", "with location", "no location"],
        [[str(path), len(fetched.rows), fetched.located, fetched.without_location]],
    )
    if loaded is not None:
        app.info(f"loaded into the warehouse: {loaded.rows_loaded:,} row(s) loaded, "
                 f"{loaded.rows_quarantined:,} quarantined")


@command.command(name="police-archive")
@click.option("--month", required=True, help="Archive month, YYYY-MM.")
@click.option("--sha256", default=None, help="Expected SHA-256 of the zip (verified).")
@json_option
@pass_app
def police_archive(app: AppContext, month: str, sha256: str | None, as_json: bool) -> None:
    """Download the data.police.uk archive for MONTH (all forces, 36 months up to it)."""
    with _client() as client:
        result = police_uk.download_archive(
            client, app.settings.police_api_url, app.settings.police_archive_url, month,
            _downloads(app), expected_sha256=sha256, progress=app.progress,
        )
    _report_download(app, result, as_json)


@command.command(name="url")
@click.argument("url")
@click.option("--sha256", default=None, help="Expected SHA-256 (verified; a mismatch is "
              "refused).")
@click.option("--name", default=None, help="File name to save as (default: from the URL).")
@json_option
@pass_app
def fetch_url(app: AppContext, url: str, sha256: str | None, name: str | None,
              as_json: bool) -> None:
    """Download any file by URL into the downloads folder (resumable, checksummed)."""
    downloads = _downloads(app)
    dest = downloads / (name or file_name_for(url))
    with _client() as client:
        result = download(client, url, dest, manifest=Manifest(downloads),
                          expected_sha256=sha256, source="url", progress=app.progress)
    _report_download(app, result, as_json)


@command.command(name="source")
@click.argument("name")
@json_option
@pass_app
def fetch_source(app: AppContext, name: str, as_json: bool) -> None:
    """Download a named file from the catalogue (see `vrhub fetch list`)."""
    entry = get_entry(name)
    url = entry.require_url()
    downloads = _downloads(app)
    dest = downloads / "sources" / file_name_for(url)
    with _client() as client:
        result = download(client, url, dest, manifest=Manifest(downloads),
                          expected_sha256=entry.sha256, source=entry.name,
                          progress=app.progress)
    _report_download(app, result, as_json)


@command.command(name="list")
@json_option
@pass_app
def fetch_list(app: AppContext, as_json: bool) -> None:
    """List the named official files `vrhub fetch source NAME` can download."""
    if as_json:
        app.emit_json([e.to_dict() for e in CATALOGUE])
        return
    app.emit_table(
        "Official files", ["name", "publisher", "description", "url"],
        [[e.name, e.publisher, e.description, e.url or f"(see {e.page})"] for e in CATALOGUE],
    )
