"""``vrhub referrals``: the referral pathway at the console.

Teams and their members are set up by the console administrator (audited); the jobs
(``escalate``, ``purge``) are run by a scheduler; ``subject-access`` answers a request
across every team. Reading a case from the console needs an API token of a worker or
team lead (``VRHUB_TOKEN``), as any record-level access does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.cli.users import console_principal, open_services


@click.group(name="referrals")
def command() -> None:
    """The referral pathway: teams, escalation and retention jobs, subject access, keys."""




def _pathway(app: AppContext, services: Any) -> Any:
    from vrhub.pathways.postcode_source import postcode_lookup
    from vrhub.pathways.referral_closure import Retention
    from vrhub.pathways.referrals import Pathway
    from vrhub.pathways.sealing import sealer_for

    return Pathway(services.sessions, sealer_for(app.settings), services.audit,
                   postcodes=postcode_lookup(lambda: app.warehouse()),
                   retention=Retention(app.settings.referral_retention_years))


@command.command(name="new-key")
def new_key() -> None:
    """Print a new random key for VRHUB_REFERRAL_KEYS."""
    from vrhub.pathways.sealing import new_key as make

    click.echo(make())


@command.group(name="teams")
def teams() -> None:
    """Teams that receive referrals, and their members."""


@teams.command(name="add")
@click.argument("name")
@click.option("--kind", required=True, help="hospital_youth_work, custody_youth_work, "
              "social_prescribing, school or community.")
@click.option("--org", "organisation", required=True, help="Organisation code.")
@click.option("--borough", default=None, help="E09 code of the team's borough.")
@click.option("--site", default=None, help="ODS code of the team's ED site.")
@json_option
@pass_app
def add_team(app: AppContext, name: str, kind: str, organisation: str, borough: str | None,
             site: str | None, as_json: bool) -> None:
    """Add a team."""
    from vrhub.access.resources import Resource
    from vrhub.access.roles import Action
    from vrhub.errors import Conflict
    from vrhub.standards import pathway_codes as codes
    from vrhub.standards.codes import BoroughCode, ODSCode
    from vrhub.storage import referrals as store

    services = open_services(app)
    kind = codes.TEAM_KINDS.check(kind, field="team kind")
    resource = Resource("team", name)
    with services.policy.audited(console_principal(), Action.ADMIN_USERS, resource) as note, \
            services.sessions() as session, session.begin():
        if store.team_by_name(session, name) is not None:
            raise Conflict(f"there is already a team called {name!r}")
        team = store.create_team(session, name=name, kind=kind,
                                 organisation_code=organisation,
                                 borough_code=str(BoroughCode(borough)) if borough else None,
                                 ed_site_code=str(ODSCode(site)) if site else None)
        note.detail = f"team {team.id} added"
        result = {"id": team.id, "name": name, "kind": kind}
    if as_json:
        app.emit_json(result)
    else:
        app.info(f"team {result['id']} {name!r} added")


@teams.command(name="list")
@json_option
@pass_app
def list_teams(app: AppContext, as_json: bool) -> None:
    """Teams and their members (leads first)."""
    from vrhub.storage import referrals as store

    services = open_services(app)
    with services.sessions() as session:
        rows: list[dict[str, Any]] = [{"id": t.id, "name": t.name, "kind": t.kind,
                 "members": [{"email": e, "lead": lead}
                             for _u, e, _n, lead in store.members(session, t.id)]}
                for t in store.teams(session)]
    if as_json:
        app.emit_json(rows)
        return
    app.emit_table("Teams", ["id", "name", "kind", "members"],
                   [[r["id"], r["name"], r["kind"],
                     ", ".join(m["email"] + (" (lead)" if m["lead"] else "")
                               for m in r["members"])] for r in rows])


@teams.command(name="member")
@click.argument("team_id", type=int)
@click.argument("email")
@click.option("--lead", is_flag=True, help="As the team's lead.")
@click.option("--remove", is_flag=True, help="Take the account out of the team.")
@pass_app
def member(app: AppContext, team_id: int, email: str, lead: bool, remove: bool) -> None:
    """Add an account to a team (or take it out)."""
    from vrhub.access.resources import Resource
    from vrhub.access.roles import Action, Role
    from vrhub.errors import NotFound, UserError
    from vrhub.storage import referrals as store
    from vrhub.storage.appdb.models import User

    services = open_services(app)
    resource = Resource("team", str(team_id))
    with services.policy.audited(console_principal(), Action.ADMIN_USERS, resource) as note, \
            services.sessions() as session, session.begin():
        if store.team(session, team_id) is None:
            raise NotFound(f"there is no team {team_id}", hint="see `vrhub referrals teams "
                           "list`")
        user_id = store.user_id_of(session, email)
        if user_id is None:
            raise NotFound(f"there is no account for {email!r}", hint="see `vrhub users list`")
        account = session.get(User, user_id)
        role = account.role if account else ""
        if remove:
            store.remove_member(session, team_id, user_id)
            note.detail = f"{email} removed"
            return
        if role not in (Role.CASE_WORKER.value, Role.TEAM_LEAD.value):
            raise UserError(f"{email} is a {role}; teams are for case workers and team leads")
        if lead and role != Role.TEAM_LEAD.value:
            raise UserError(f"{email} is a {role}; only a team lead can lead a team")
        store.set_member(session, team_id, user_id, lead=lead)
        note.detail = f"{email} added{' as lead' if lead else ''}"
    app.info(f"{email} is in team {team_id}{' as its lead' if lead else ''}")


@command.command(name="escalate")
@json_option
@pass_app
def escalate(app: AppContext, as_json: bool) -> None:
    """Escalate requested referrals past their response deadline to their team lead."""
    services = open_services(app)
    count = _pathway(app, services).escalate_overdue()
    if as_json:
        app.emit_json({"escalated": count})
    else:
        app.info(f"{count} referral(s) escalated")


@command.command(name="purge")
@click.option("--today", default=None, help="Treat this date (YYYY-MM-DD) as today.")
@json_option
@pass_app
def purge(app: AppContext, today: str | None, as_json: bool) -> None:
    """Erase referrals whose retention period has ended (identity and notes)."""
    from vrhub.pathways.records_rights import purge as run

    services = open_services(app)
    day = dt.date.fromisoformat(today) if today else None
    erased = run(_pathway(app, services), console_principal(), day)
    if as_json:
        app.emit_json({"erased": erased})
    else:
        app.info(f"{len(erased)} referral(s) erased")


@command.command(name="subject-access")
@click.option("--given-name", required=True)
@click.option("--family-name", required=True)
@click.option("--date-of-birth", required=True, help="YYYY-MM-DD")
@pass_app
def subject_access(app: AppContext, given_name: str, family_name: str,
                   date_of_birth: str) -> None:
    """Every referral record held for a person, across every team, as JSON."""
    from vrhub.errors import UserError
    from vrhub.pathways.records_rights import subject_access as run

    try:
        born = dt.date.fromisoformat(date_of_birth)
    except ValueError:
        raise UserError(f"date of birth {date_of_birth!r} is not a date",
                        hint="give it as YYYY-MM-DD") from None
    services = open_services(app)
    result = run(_pathway(app, services), console_principal(), given_name=given_name,
                 family_name=family_name, date_of_birth=born)
    app.emit_json(result.to_dict())


@command.command(name="rekey")
@pass_app
def rekey(app: AppContext) -> None:
    """Re-seal every referral with the first key of VRHUB_REFERRAL_KEYS (after adding a
    new key in front; the old one can then be dropped)."""
    from vrhub.pathways.sealing import sealer_for
    from vrhub.storage import referrals as store

    services = open_services(app)
    sealer = sealer_for(app.settings)
    count = 0
    with services.sessions() as session, session.begin():
        for referral in store.all_sealed_rows(session):
            for row, column in [(referral, "identity_sealed"), (referral, "referrer_sealed"),
                                *((c, "note_sealed") for c in referral.contacts),
                                *((p, "goal_sealed") for p in referral.plan),
                                *((c, "withdrawal_sealed") for c in referral.consents),
                                *((s, "rationale_sealed") for s in referral.sharing),
                                *((f, "note_sealed") for f in referral.flags)]:
                value = getattr(row, column)
                if value:
                    setattr(row, column, sealer.rotate(value))
                    count += 1
    app.info(f"{count} sealed field(s) re-sealed with the newest key")
