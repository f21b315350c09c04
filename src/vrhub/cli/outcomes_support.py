"""What the ``vrhub outcomes`` commands share: the outcomes services and who is acting.

A command acts as the owner of the API token in ``VRHUB_TOKEN`` (a programme lead
submitting a return, a VRU analyst approving one); without a token, as the console
administrator (the person at the server's console, audited under their OS user), who may
load a framework, manage programmes, reopen returns and read programme-level figures but
never participants' measures. Heavy modules are imported when a command runs.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Any

import click

from vrhub.cli.context import AppContext

if TYPE_CHECKING:
    from vrhub.access.principal import Principal
    from vrhub.outcomes.context import Outcomes


def open_outcomes(app: AppContext) -> tuple[Outcomes, Principal]:
    """The outcomes services for this command (closed when it ends) and who is acting:
    the owner of the token in ``VRHUB_TOKEN``, else the console administrator."""
    from vrhub.access.principal import console_administrator
    from vrhub.access.services import TOKEN_VARIABLE, AccessServices
    from vrhub.outcomes.context import Outcomes

    services = AccessServices.from_settings(app.settings)
    click.get_current_context().call_on_close(services.close)
    outcomes = Outcomes.from_access(services, app.settings)
    token = app.environ.get(TOKEN_VARIABLE, "").strip()
    if token:
        principal = services.tokens.authenticate(token, channel="cli",
                                                 client=f"console:{_os_user()}")
    else:
        principal = console_administrator(_os_user())
    return outcomes, principal


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
