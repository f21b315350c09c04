"""``vrhub directory``: the opportunities directory at the console.

Imports are administrative actions: each writes one audit event under the OS user who ran
it (the console administrator), with its outcome.
"""

from __future__ import annotations

from typing import Any

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.cli.users import console_principal, open_services


@click.group(name="directory")
def command() -> None:
    """The opportunities directory: import Open Referral UK feeds, list imports, find
    listings due for review."""



def _directory(app: AppContext, services: Any) -> Any:
    from vrhub.pathways.directory import Directory
    from vrhub.pathways.postcode_source import postcode_lookup

    directory = Directory(services.sessions, postcode_lookup(lambda: app.warehouse()))
    directory.ensure_vocabularies()
    return directory



@command.command(name="import")
@click.argument("source")
@click.option("--name", default=None, help="A name for the feed (default: its address).")
@json_option
@pass_app
def import_(app: AppContext, source: str, name: str | None, as_json: bool) -> None:
    """Import an Open Referral UK feed (URL of the API or its /services endpoint) or a
    JSON / NDJSON file of ORUK services.

    Every record is validated; records that fail are quarantined with the reason. Records
    are merged by id, then by name and postcode; importing the same feed again changes
    nothing. A page that cannot be read stops the import and nothing is written.
    """
    from vrhub.access.resources import Resource
    from vrhub.access.roles import Action
    from vrhub.pathways.oruk_import import import_feed

    services = open_services(app)
    directory = _directory(app, services)
    resource = Resource("directory_feed", source[:150])
    with services.policy.audited(console_principal(), Action.IMPORT_DIRECTORY, resource) as note:
        with app.progress.task(f"Importing {source}"):
            result = import_feed(directory, source,
                                 timeout=app.settings.directory_import_timeout_seconds,
                                 name=name)
        note.detail = (f"import {result.import_id}: {result.records_read} read, "
                       f"{result.created} new, {result.updated} updated, "
                       f"{result.unchanged} unchanged, {result.merged} merged, "
                       f"{result.quarantined} quarantined")
    if as_json:
        app.emit_json(result.to_dict())
        return
    app.emit_table(f"Import {result.import_id} of {result.source}", ["", "records"], [
        ["pages read", result.pages], ["records read", result.records_read],
        ["new", result.created], ["updated", result.updated],
        ["unchanged", result.unchanged], ["merged with existing listings", result.merged],
        ["no longer listed (marked inactive)", result.withdrawn],
        ["quarantined", result.quarantined]])
    q = result.quality
    app.emit_table(f"Feed quality: {q['score']} out of 100 ({q['services']} valid services)",
                   ["share of services with", "%"],
                   [[m.replace("_", " "), q[m]] for m in
                    ("address", "contact", "age_range", "schedule", "taxonomy")])
    if result.quarantine:
        app.emit_table("Quarantined records (first 20; all in `vrhub directory quarantine "
                       f"{result.import_id}`)", ["where", "id", "reason"],
                       [[f"page {r['page']} #{r['position']}" if r["page"] else
                         f"#{r['position']}", r["record_id"] or "", r["reason"]]
                        for r in result.quarantine[:20]])


@command.command(name="imports")
@json_option
@pass_app
def imports(app: AppContext, as_json: bool) -> None:
    """The most recent imports: when, from where, and what each did."""
    from vrhub.storage import directory_reads as reads

    services = open_services(app)
    with services.sessions() as session:
        feeds = {f.id: f.source for f in reads.feeds(session)}
        rows = [{"import_id": i.id, "source": feeds.get(i.feed_id, ""),
                 "started_at": i.started_at, "records_read": i.records_read,
                 "created": i.created, "updated": i.updated, "unchanged": i.unchanged,
                 "merged": i.merged, "quarantined": i.quarantined,
                 "quality": (i.quality or {}).get("score")} for i in reads.imports(session)]
    if as_json:
        app.emit_json(rows)
        return
    app.emit_table("Directory imports", list(rows[0]) if rows else ["import_id"],
                   [list(r.values()) for r in rows])


@command.command(name="quarantine")
@click.argument("import_id", type=int)
@json_option
@pass_app
def quarantine(app: AppContext, import_id: int, as_json: bool) -> None:
    """The records an import could not use, with the reasons."""
    from vrhub.storage import directory_reads as reads

    services = open_services(app)
    with services.sessions() as session:
        rows = [{"page": q.page, "position": q.position, "record_id": q.record_id,
                 "name": q.name, "reason": q.reason}
                for q in reads.quarantine_of(session, import_id)]
    if as_json:
        app.emit_json(rows)
        return
    app.emit_table(f"Quarantined records of import {import_id}",
                   ["page", "#", "id", "name", "reason"], [list(r.values()) for r in rows])


@command.command(name="stale")
@json_option
@pass_app
def stale(app: AppContext, as_json: bool) -> None:
    """Listings not reviewed by a curator for VRHUB_DIRECTORY_REVIEW_MONTHS months."""
    from vrhub.pathways.curation import stale_listings

    services = open_services(app)
    directory = _directory(app, services)
    rows = [s.to_dict() for s in stale_listings(directory,
                                                 app.settings.directory_review_months)]
    if as_json:
        app.emit_json(rows)
        return
    app.emit_table(f"Listings not reviewed for {app.settings.directory_review_months} months",
                   ["service", "organisation", "last reviewed", "id"],
                   [[r["name"], r["organisation"], r["reviewed_at"] or "never", r["id"]]
                    for r in rows])
