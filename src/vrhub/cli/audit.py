"""``vrhub audit``: verify the audit trail's hash chain and query it."""

from __future__ import annotations

import datetime as dt

import click

from vrhub.access import audit as audit_trail
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.cli.context import APP_LOGIN, AppContext, json_option, needs, pass_app
from vrhub.cli.users import console_principal, open_services

BROKEN_CHAIN_EXIT = 12


@needs(database=APP_LOGIN + " (every audit command: reading the trail needs only "
       "SELECT, which the app role has)")
@click.group(name="audit")
def command() -> None:
    """The audit trail of record-level access and administration."""


@command.command(name="verify")
@json_option
@pass_app
def verify(app: AppContext, as_json: bool) -> None:
    """Check every event's hash and link; exit 12 at the first broken row.

    Note the head hash and count it prints somewhere else (a ticket, a log): a later
    verify that reaches the same head shows nothing was cut from the end either.
    """
    services = open_services(app)
    principal = console_principal()
    with services.policy.audited(principal, Action.READ_AUDIT, Resource.audit_trail(),
                                 detail="verified the hash chain") as note, \
            services.sessions() as session:
        result = audit_trail.verify(session)
        note.detail = f"verified the hash chain: ok={result.ok}, {result.checked} events"
    if as_json:
        app.emit_json(result.to_dict())
    elif result.ok:
        click.echo(f"audit trail intact: {result.checked} events, head {result.head_hash}")
    else:
        click.echo(f"audit trail BROKEN at event {result.first_bad_id}: {result.problem} "
                   f"({result.checked} events before it are intact)")
    if not result.ok:
        raise click.exceptions.Exit(BROKEN_CHAIN_EXIT)


@command.command(name="list")
@click.option("--actor", default=None, help="Only events by this email (or console:USER).")
@click.option("--action", default=None,
              type=click.Choice(sorted(a.value for a in Action)), help="Only this action.")
@click.option("--outcome", default=None,
              type=click.Choice(audit_trail.OUTCOMES), help="Only this outcome.")
@click.option("--resource", default=None, help="Only resources starting with this text.")
@click.option("--since", type=click.DateTime(), default=None,
              help="Only events at or after this UTC time (YYYY-MM-DD[THH:MM:SS]).")
@click.option("--until", type=click.DateTime(), default=None, help="Only events before this.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True,
              help="Most events to list.")
@json_option
@pass_app
def list_(app: AppContext, actor: str | None, action: str | None, outcome: str | None,
          resource: str | None, since: dt.datetime | None, until: dt.datetime | None,
          limit: int, as_json: bool) -> None:
    """List audit events, newest first."""
    services = open_services(app)
    filters = {k: v for k, v in {"actor": actor, "action": action, "outcome": outcome,
                                 "resource": resource, "since": since,
                                 "until": until}.items() if v}
    with services.policy.audited(console_principal(), Action.READ_AUDIT,
                                 Resource.audit_trail(),
                                 detail=f"queried {sorted(filters)}"), \
            services.sessions() as session:
        events = audit_trail.query(session, actor=actor, action=action, outcome=outcome,
                                   resource=resource, since=since, until=until, limit=limit)
        rows = [audit_trail.event_dict(e) for e in events]
    if as_json:
        app.emit_json(rows)
        return
    app.emit_table("Audit events (newest first)",
                   ["id", "when (UTC)", "actor", "role", "channel", "action", "resource",
                    "outcome", "detail"],
                   [[r["id"], r["occurred_at"][:19], r["actor_email"], r["actor_role"],
                     r["channel"], r["action"], r["resource"], r["outcome"], r["detail"]]
                    for r in rows])
