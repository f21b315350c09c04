"""``vrhub users``: accounts, roles, scopes and API tokens, administered at the console.

These commands act as the console administrator (the OS user running them) and each one
writes an audit event under that name.
"""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING, Any

import click

from vrhub.access.principal import Principal, console_administrator
from vrhub.access.roles import ACCOUNT_ROLES, TOKEN_SCOPES
from vrhub.cli.context import APP_LOGIN, AppContext, all_option, json_option, needs, pass_app
from vrhub.errors import UserError

if TYPE_CHECKING:
    from vrhub.access.identity import UserView
    from vrhub.access.services import AccessServices

ROLE_CHOICE = click.Choice([r.value for r in ACCOUNT_ROLES], case_sensitive=False)


def open_services(app: AppContext) -> AccessServices:
    """The access services for this command, closed when the command ends."""
    from vrhub.access.services import AccessServices

    services = AccessServices.from_settings(app.settings)
    click.get_current_context().call_on_close(services.close)
    return services


def console_principal() -> Principal:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return console_administrator(name)


def read_password_stdin() -> str:
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise UserError("no password arrived on standard input",
                        hint="pipe it in: `printf '%s\\n' \"$PASSWORD\" | vrhub users ...`")
    return password


def _user_rows(users: list[UserView]) -> list[list[Any]]:
    return [[u.email, u.display_name, u.role, u.organisation,
             _scope(u), _status(u)] for u in users]


def _scope(user: UserView) -> str:
    """What an account's reach is set by: its ICBs, boroughs, sites or programmes."""
    if user.icbs:
        return "ICB " + " ".join(user.icbs)
    return " ".join(user.boroughs or user.sites or user.programmes)


def _status(user: UserView) -> str:
    if user.disabled:
        return "disabled"
    if user.locked_until is not None:
        return f"locked until {user.locked_until:%Y-%m-%d %H:%M}"
    return "active"


@needs(database=APP_LOGIN + " (every users command)")
@click.group(name="users")
def command() -> None:
    """Administer accounts: add, list, change roles and scopes, lock and unlock, tokens."""


@command.command(name="add")
@click.argument("email")
@click.option("--role", required=True, type=ROLE_CHOICE, help="The account's role.")
@click.option("--org", "organisation", required=True,
              help="Organisation code (an ODS code such as RJ1, or E09... for a council); "
              "created if new.")
@click.option("--org-name", default=None, help="Full name of a new organisation.")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--borough", "boroughs", multiple=True,
              help="E09 code of a borough a borough analyst covers (repeatable).")
@click.option("--site", "sites", multiple=True,
              help="ODS code of an ED site an ED data lead covers (repeatable).")
@click.option("--programme", "programmes", multiple=True,
              help="Code of a funded programme a programme lead covers (repeatable).")
@click.option("--icb", "icbs", multiple=True,
              help="Integrated Care Board an ICB analyst covers: its ODS code (QMF) or name "
              "('North East London'); its boroughs and ED sites come with it (repeatable).")
@click.option("--password-stdin", is_flag=True,
              help="Read a password from standard input; without it the account signs in "
              "only through single sign-on until a password is set.")
@json_option
@pass_app
def add(app: AppContext, email: str, role: str, organisation: str, org_name: str | None,
        display_name: str, boroughs: tuple[str, ...], sites: tuple[str, ...],
        programmes: tuple[str, ...], icbs: tuple[str, ...], password_stdin: bool,
        as_json: bool) -> None:
    """Add an account."""
    password = read_password_stdin() if password_stdin else None
    services = open_services(app)
    user = services.identity.create_user(
        console_principal(), email, role=role, organisation=organisation,
        organisation_name=org_name, display_name=display_name, boroughs=boroughs,
        sites=sites, password=password, programmes=programmes, icbs=icbs)
    if as_json:
        app.emit_json(user.to_dict())
    else:
        app.info(f"added {user.email} as {user.role} at {user.organisation}")


@command.command(name="list")
@all_option
@json_option
@pass_app
def list_(app: AppContext, as_json: bool) -> None:
    """List every account."""
    users = open_services(app).identity.list_users(console_principal())
    if as_json:
        app.emit_json([u.to_dict() for u in users])
        return
    app.emit_table("Accounts", ["email", "name", "role", "organisation", "scope", "status"],
                   _user_rows(users))


@command.command(name="show")
@click.argument("email")
@json_option
@pass_app
def show(app: AppContext, email: str, as_json: bool) -> None:
    """Show one account."""
    user = open_services(app).identity.get_user(console_principal(), email)
    if as_json:
        app.emit_json(user.to_dict())
        return
    app.emit_table(user.email, ["field", "value"],
                   [[k, "" if v is None else str(v)] for k, v in user.to_dict().items()])


@command.command(name="disable")
@click.argument("email")
@pass_app
def disable(app: AppContext, email: str) -> None:
    """Disable an account (it can no longer sign in or use its tokens)."""
    user = open_services(app).identity.set_disabled(console_principal(), email, True)
    app.info(f"disabled {user.email}")


@command.command(name="delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def delete(app: AppContext, email: str, yes: bool) -> None:
    """Delete an account, its tokens and scope; its sessions end at their next request.

    The audit trail keeps the events the account wrote (the trail cannot be changed); use
    `vrhub users anonymise` to keep the account's row without the person's details.
    """
    if not yes:
        click.confirm(f"Delete the account {email} and its tokens?", abort=True)
    address = open_services(app).identity.delete_user(console_principal(), email)
    app.info(f"deleted {address}")


@command.command(name="anonymise")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def anonymise(app: AppContext, email: str, yes: bool) -> None:
    """Remove what identifies the person behind an account (e-mail, name, password, single
    sign-on link, scope, tokens) and disable it; its row stays, so audit events still name
    one account."""
    if not yes:
        click.confirm(f"Anonymise the account {email}?", abort=True)
    user = open_services(app).identity.anonymise_user(console_principal(), email)
    app.info(f"anonymised {email}: now {user.email}, disabled")


@command.command(name="enable")
@click.argument("email")
@pass_app
def enable(app: AppContext, email: str) -> None:
    """Enable a disabled account."""
    user = open_services(app).identity.set_disabled(console_principal(), email, False)
    app.info(f"enabled {user.email}")


@command.command(name="set-role")
@click.argument("email")
@click.option("--role", required=True, type=ROLE_CHOICE, help="The new role.")
@click.option("--borough", "boroughs", multiple=True, help="Borough E09 code (repeatable).")
@click.option("--site", "sites", multiple=True, help="ED site ODS code (repeatable).")
@click.option("--programme", "programmes", multiple=True,
              help="Programme code, for a programme lead (repeatable).")
@click.option("--icb", "icbs", multiple=True,
              help="ICB ODS code or name, for an ICB analyst (repeatable).")
@pass_app
def set_role(app: AppContext, email: str, role: str, boroughs: tuple[str, ...],
             sites: tuple[str, ...], programmes: tuple[str, ...],
             icbs: tuple[str, ...]) -> None:
    """Change an account's role and its boroughs, sites, programmes or ICBs (replacing the
    old ones)."""
    user = open_services(app).identity.set_role(console_principal(), email, role,
                                                boroughs=boroughs, sites=sites,
                                                programmes=programmes, icbs=icbs)
    scope = _scope(user)
    app.info(f"{user.email} is now {user.role}" + (f" for {scope}" if scope else ""))


@command.command(name="reset-lockout")
@click.argument("email")
@pass_app
def reset_lockout(app: AppContext, email: str) -> None:
    """Unlock an account locked after failed sign-ins."""
    user = open_services(app).identity.reset_lockout(console_principal(), email)
    app.info(f"unlocked {user.email}")


@command.command(name="set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the new password from standard input.")
@pass_app
def set_password(app: AppContext, email: str, password_stdin: bool) -> None:
    """Set an account's password (read from standard input, never from the command line)."""
    password = read_password_stdin()
    user = open_services(app).identity.set_password(console_principal(), email, password)
    app.info(f"password set for {user.email}")


@command.group(name="token")
def token() -> None:
    """API tokens for scripts: create (shown once), list, revoke."""


@token.command(name="create")
@click.argument("email")
@click.option("--name", default="script", show_default=True, help="What the token is for.")
@click.option("--scope", "scopes", multiple=True,
              type=click.Choice(sorted(a.value for a in TOKEN_SCOPES)),
              help="A scope (repeatable). Default: every scope the account's role allows.")
@click.option("--days", type=int, default=None,
              help="Lifetime in days (default VRHUB_TOKEN_LIFETIME_DAYS; at most 365).")
@json_option
@pass_app
def token_create(app: AppContext, email: str, name: str, scopes: tuple[str, ...],
                 days: int | None, as_json: bool) -> None:
    """Create a token for EMAIL and print it once. Store it in a secret manager."""
    plaintext, view = open_services(app).tokens.create(
        console_principal(), email, name, scopes=scopes or None, lifetime_days=days)
    if as_json:
        app.emit_json({"token": plaintext, **view.to_dict()})
        return
    click.echo(plaintext)
    app.info(f"token {view.prefix} for {view.owner}, scopes {', '.join(view.scopes)}, "
             f"expires {view.expires_at:%Y-%m-%d}. It is shown only now.")


@token.command(name="list")
@click.argument("email")
@json_option
@pass_app
def token_list(app: AppContext, email: str, as_json: bool) -> None:
    """List EMAIL's tokens (prefixes only; tokens themselves are never stored)."""
    views = open_services(app).tokens.list(console_principal(), email)
    if as_json:
        app.emit_json([v.to_dict() for v in views])
        return
    app.emit_table(f"API tokens of {email}",
                   ["prefix", "name", "scopes", "expires", "last used", "revoked"],
                   [[v.prefix, v.name, " ".join(v.scopes), v.expires_at, v.last_used_at,
                     v.revoked_at] for v in views])


@token.command(name="revoke")
@click.argument("email")
@click.argument("prefix")
@pass_app
def token_revoke(app: AppContext, email: str, prefix: str) -> None:
    """Revoke EMAIL's token with PREFIX (the 8 characters after ``vrh_``)."""
    view = open_services(app).tokens.revoke(console_principal(), email, prefix)
    app.info(f"revoked token {view.prefix} of {view.owner}")
