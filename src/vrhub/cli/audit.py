"""``vrhub audit``: verify the audit trail's hash chain and query it."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import click

from vrhub.access import audit as audit_trail
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.cli.context import APP_LOGIN, AppContext, json_option, needs, pass_app
from vrhub.cli.users import console_principal, open_services

BROKEN_CHAIN_EXIT = 12
ANCHORS_FILE = "audit-anchors.jsonl"


@dataclass(frozen=True)
class Anchor:
    events: int
    head_hash: str


def append_anchor(path: Path, line: dict[str, object]) -> None:
    """Append one anchor (a JSON line) to ``path``, made owner-only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True) + "\n")


def read_anchors(path: Path) -> list[Anchor]:
    from vrhub.errors import UserError

    anchors = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UserError(f"there is no anchors file {path}",
                        hint="give the file `vrhub audit anchor` wrote") from None
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
            anchors.append(Anchor(int(data["events"]), str(data["head_hash"])))
        except (ValueError, KeyError, TypeError):
            raise UserError(f"{path}, line {number}: not an anchor {text[:80]!r}",
                            hint="each line is a JSON object `vrhub audit anchor` wrote"
                            ) from None
    return anchors


@needs(database=APP_LOGIN + " (every audit command: reading the trail needs only "
       "SELECT, which the app role has)")
@click.group(name="audit")
def command() -> None:
    """The audit trail of record-level access and administration."""


@command.command(name="verify")
@click.option("--anchors", "anchors_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="A file `vrhub audit anchor` wrote: every head in it must "
              "still be in the chain.")
@click.option("--expect-head", "expected", multiple=True, metavar="HASH",
              help="A head hash recorded earlier (repeatable): it must still be in the "
              "chain.")
@json_option
@pass_app
def verify(app: AppContext, anchors_file: Path | None, expected: tuple[str, ...],
           as_json: bool) -> None:
    """Check every event's hash, link and seal; exit 12 at the first broken row.

    The seal (HMAC under the audit key, held outside the database) shows a trail rewritten
    and re-hashed by someone who could write the database. Anchors (`vrhub audit anchor`,
    or a head hash noted in a ticket) show that nothing was cut from the end either.
    """
    services = open_services(app)
    principal = console_principal()
    heads = list(expected)
    if anchors_file is not None:
        heads += [a.head_hash for a in read_anchors(anchors_file)]
    key = services.audit.seal.key(create=False) if services.audit.seal else None
    with services.policy.audited(principal, Action.READ_AUDIT, Resource.audit_trail(),
                                 detail="verified the hash chain") as note, \
            services.sessions() as session:
        result = audit_trail.verify(session, key, heads)
        note.detail = (f"verified the hash chain: ok={result.ok}, {result.checked} events, "
                       f"sealed from {result.sealed_from}, {len(heads)} anchor(s)")
    if as_json:
        app.emit_json(result.to_dict())
    elif result.ok:
        sealed = ("every event sealed" if result.sealed_from in (None, 1) else
                  f"sealed from event {result.sealed_from}")
        if key is None:
            sealed = "seals not checked (no audit key file)"
        click.echo(f"audit trail intact: {result.checked} events, head {result.head_hash}; "
                   f"{sealed}; {result.anchors} anchored head(s) found")
    else:
        where = (f"at event {result.first_bad_id}" if result.first_bad_id is not None
                 else "against its anchors")
        click.echo(f"audit trail BROKEN {where}: {result.problem} "
                   f"({result.checked} events before it are intact)")
    if not result.ok:
        raise click.exceptions.Exit(BROKEN_CHAIN_EXIT)


@command.command(name="anchor")
@click.option("--to", "target", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="File to append the anchor to (default: audit-anchors.jsonl "
              "in the workspace). Put it where the database's administrators cannot write.")
@json_option
@pass_app
def anchor(app: AppContext, target: Path | None, as_json: bool) -> None:
    """Record the audit trail's head (hash and count) outside the database.

    Run it on a schedule (cron, a systemd timer). A later `vrhub audit verify --anchors
    FILE` fails if any anchored head is no longer in the chain: the events up to it were
    rewritten, or the newest were cut off."""
    services = open_services(app)
    path = target or app.settings.home / ANCHORS_FILE
    with services.policy.audited(console_principal(), Action.READ_AUDIT,
                                 Resource.audit_trail(), detail="anchored the head") as note, \
            services.sessions() as session:
        count, newest, head_hash = audit_trail.head(session)
        line = {"anchored_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "events": count, "head_id": newest, "head_hash": head_hash}
        append_anchor(path, line)
        note.detail = f"anchored head {head_hash} ({count} events) to {path.name}"
    if as_json:
        app.emit_json(line | {"file": str(path)})
    else:
        click.echo(f"anchored head {head_hash} ({count} events) in {path}")


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
