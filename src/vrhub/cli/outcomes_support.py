"""What the ``vrhub outcomes`` commands share: the outcomes services and who is acting.

A command acts as the owner of the API token in ``VRHUB_TOKEN`` (a programme lead
submitting a return, a VRU analyst approving one); without a token, as the console
administrator (the person at the server's console, audited under their OS user), who may
load a framework, manage programmes, reopen returns and read programme-level figures but
never participants' measures. Heavy modules are imported when a command runs.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vrhub.cli.context import AppContext

if TYPE_CHECKING:
    from vrhub.access.principal import Principal
    from vrhub.access.services import AccessServices
    from vrhub.outcomes.context import Outcomes


def open_outcomes(app: AppContext) -> tuple[Outcomes, Principal]:
    """The outcomes services for this command (closed when it ends) and who is acting:
    the owner of the token in ``VRHUB_TOKEN``, else the console administrator."""
    from vrhub.outcomes.context import Outcomes

    services, principal = acting(app)
    return Outcomes.from_access(services, app.settings), principal


def acting(app: AppContext) -> tuple[AccessServices, Principal]:
    """The access services for this command (closed when it ends) and who is acting: the
    owner of the token in ``VRHUB_TOKEN``, else the console administrator."""
    from vrhub.access.principal import console_administrator
    from vrhub.access.services import TOKEN_VARIABLE, AccessServices

    services = AccessServices.from_settings(app.settings)
    click.get_current_context().call_on_close(services.close)
    token = app.environ.get(TOKEN_VARIABLE, "").strip()
    if token:
        principal = services.tokens.authenticate(token, channel="cli",
                                                 client=f"console:{_os_user()}")
    else:
        principal = console_administrator(_os_user())
    return services, principal


def load_reference_file(services: AccessServices, who: Principal, kind: str, file: Path,
                        load: Callable[..., Any]) -> Any:
    """Load a revised versioned document (``load(session, data, file, loaded_by)``) as an
    audited administrative action; the document loaded."""
    from vrhub.access.resources import Resource
    from vrhub.access.roles import Action

    with services.sessions() as session, services.policy.audited(
            who, Action.MANAGE_FRAMEWORK, Resource(kind, file.name), session=session) as note:
        loaded = load(session, file.read_bytes(), file.name, who.email)
        note.detail = f"loaded {kind.replace('_', ' ')} {loaded.version}"
    return loaded


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def emit(app: AppContext, as_json: bool, data: Any, title: str, columns: list[str],
         rows: list[list[Any]]) -> None:
    """JSON on stdout with --json, else a table."""
    if as_json:
        app.emit_json(data)
    else:
        app.emit_table(title, columns, rows)
