"""``vrhub incidents``: critical-incident response at the console.

Reading or working an incident needs the API token of a borough lead or VRU analyst in
``VRHUB_TOKEN`` (every read is audited, as in the web app). The console administrator
loads a revised partner checklist. Heavy modules are imported when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.cli.outcomes_support import acting, emit, load_reference_file

if TYPE_CHECKING:
    from vrhub.access.principal import Principal
    from vrhub.partnership.incidents import IncidentDesk


def _desk(app: AppContext) -> tuple[IncidentDesk, Principal]:
    from vrhub.partnership.incident_notices import Mailer
    from vrhub.partnership.incidents import IncidentDesk
    from vrhub.pathways.postcode_source import postcode_lookup

    services, principal = acting(app)
    desk = IncidentDesk(services.sessions, services.policy, app.warehouse,
                        postcode_lookup(app.warehouse), app.settings.chosen_study_area(),
                        mailer=Mailer.from_settings(app.settings),
                        app_url=app.settings.app_url)
    return desk, principal


def _whole(desk: IncidentDesk, row: Any) -> dict[str, Any]:
    from vrhub.partnership.incident_views import whole

    return whole(row, desk.clock())


@click.group(name="incidents")
def command() -> None:
    """Critical incidents: log one, its near-repeat zone, checklist, fund and review."""


@command.command(name="list")
@click.option("--borough", default=None, help="Only this borough (E09 code).")
@click.option("--status", type=click.Choice(["open", "closed"]), default=None)
@json_option
@pass_app
def list_incidents(app: AppContext, borough: str | None, status: str | None,
                   as_json: bool) -> None:
    """The incidents you may see (needs VRHUB_TOKEN; audited)."""
    from vrhub.partnership.incident_forms import uk_time
    from vrhub.partnership.incidents import overdue

    desk, who = _desk(app)
    now = desk.clock()
    rows = desk.listed(who, borough=borough, status=status)
    data = [{"reference": r.reference, "occurred_at": uk_time(r.occurred_at).isoformat(
        timespec="minutes"), "type": r.incident_type, "borough_code": r.borough_code,
        "status": r.status, "overdue_actions": sum(overdue(a, now) for a in r.actions)}
        for r in rows]
    emit(app, as_json, {"incidents": data}, f"{len(data)} incident(s)",
         ["reference", "when (UK)", "type", "borough", "status", "overdue"],
         [[d["reference"], d["occurred_at"], d["type"], d["borough_code"], d["status"],
           d["overdue_actions"]] for d in data])


@command.command(name="show")
@click.argument("reference")
@json_option
@pass_app
def show(app: AppContext, reference: str, as_json: bool) -> None:
    """One incident: zone, checklist, fund, timeline (audited)."""
    desk, who = _desk(app)
    data = _whole(desk, desk.get(who, reference))
    if as_json:
        app.emit_json(data)
        return
    zone = data["zone"]
    click.echo(f"{data['reference']}: {data['incident_type']} in {data['borough_code']}, "
               f"{data['occurred_at']} (UK time), {data['status']}")
    click.echo(f"Near-repeat zone: {zone['radius_m']:g} m for {zone['window_days']:g} days "
               f"({zone['basis']}): {zone['reason']}")
    if zone.get("command"):
        click.echo(f"Repeat the Knox run: {zone['command']}")
    app.emit_table("Checklist", ["id", "phase", "due (UK)", "status", "owner", "action"],
                   [[a["id"], a["phase"], a["due_at"], a["status"] + (" OVERDUE" if
                     a["overdue"] else ""), a["owner"], a["text"]] for a in data["actions"]])


@command.command(name="log")
@click.option("--at", "occurred_at", required=True, help="When, UK time: 'YYYY-MM-DD HH:MM'.")
@click.option("--type", "incident_type", required=True,
              help="stabbing, shooting, homicide or other.")
@click.option("--age-band", required=True,
              help="under_13, 13_15, 16_17, 18_24, 25_plus or unknown.")
@click.option("--postcode", default=None)
@click.option("--description", default=None, help="A street and area, station or landmark.")
@click.option("--easting", type=float, default=None)
@click.option("--northing", type=float, default=None)
@json_option
@pass_app
def log(app: AppContext, occurred_at: str, incident_type: str, age_band: str,
        postcode: str | None, description: str | None, easting: float | None,
        northing: float | None, as_json: bool) -> None:
    """Log a critical incident: compute its zone, lay out the checklist, notify partners."""
    from vrhub.partnership.incident_forms import NewIncident, Where, parse_uk_time

    desk, who = _desk(app)
    row = desk.log(who, NewIncident(parse_uk_time(occurred_at), incident_type, age_band,
                                    Where(easting=easting, northing=northing,
                                          postcode=postcode, description=description)))
    data = _whole(desk, row)
    if as_json:
        app.emit_json(data)
    else:
        click.echo(f"Logged {row.reference}; near-repeat zone {data['zone']['radius_m']:g} m "
                   f"for {data['zone']['window_days']:g} days ({data['zone']['basis']}).")


@command.command(name="action")
@click.argument("reference")
@click.argument("action_id", type=int)
@click.option("--status", required=True, help="to_do, in_progress, done or not_needed.")
@click.option("--note", default=None)
@pass_app
def action(app: AppContext, reference: str, action_id: int, status: str,
           note: str | None) -> None:
    """Change a checklist action's status."""
    desk, who = _desk(app)
    item = desk.update_action(who, reference, action_id, status=status, note=note)
    click.echo(f"{reference}: action {item.id} is now {item.status}.")


@command.command(name="fund")
@click.argument("reference")
@click.option("--applicant", required=True)
@click.option("--purpose", required=True)
@click.option("--amount", type=int, required=True, help="Whole pounds (limit £5,000).")
@pass_app
def fund(app: AppContext, reference: str, applicant: str, purpose: str, amount: int) -> None:
    """Apply to the Critical Incidents Fund for an incident."""
    desk, who = _desk(app)
    application = desk.apply_for_fund(who, reference, applicant=applicant, purpose=purpose,
                                      amount=amount)
    click.echo(f"{reference}: application {application.id} for £{amount:,} recorded.")


@command.command(name="decide")
@click.argument("reference")
@click.argument("application_id", type=int)
@click.option("--decision", type=click.Choice(["approved", "declined"]), required=True)
@click.option("--amount", type=int, default=None)
@pass_app
def decide(app: AppContext, reference: str, application_id: int, decision: str,
           amount: int | None) -> None:
    """Decide a fund application (VRU analysts)."""
    desk, who = _desk(app)
    desk.decide_fund(who, reference, application_id, decision=decision, amount=amount)
    click.echo(f"{reference}: application {application_id} {decision}.")


@command.command(name="review")
@click.argument("reference")
@click.option("--text", required=True, help="The after-action review (no names).")
@click.option("--close", is_flag=True, help="Close the incident too.")
@pass_app
def review(app: AppContext, reference: str, text: str, close: bool) -> None:
    """Record the after-action review."""
    desk, who = _desk(app)
    desk.review(who, reference, text, close=close)
    click.echo(f"{reference}: review recorded{' and incident closed' if close else ''}.")


@command.group(name="checklist")
def checklist() -> None:
    """The partner action checklist (versioned data)."""


@checklist.command(name="show")
@json_option
@pass_app
def checklist_show(app: AppContext, as_json: bool) -> None:
    """The checklist in force."""
    from vrhub.partnership import checklist as checklists

    desk, _ = _desk(app)
    with desk.sessions() as session:
        found = checklists.in_force(session)
    emit(app, as_json, found.document(), f"Checklist {found.version}: {found.name}",
         ["code", "phase", "due (hours)", "owner", "action"],
         [[i.code, i.phase, i.due_hours, i.owner, i.text] for i in found.items])


@checklist.command(name="load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def checklist_load(app: AppContext, file: Path) -> None:
    """Load a revised checklist (JSON, a new version) for incidents logged from now on."""
    from vrhub.partnership import checklist as checklists

    services, who = acting(app)
    loaded = load_reference_file(services, who, checklists.KIND, file, checklists.load)
    click.echo(f"Checklist {loaded.version} is in force: {len(loaded.items)} actions.")
