"""The principal: who is asking, as the policy layer sees them.

A principal is built once per request (web session, API token, CLI) and is immutable.
It carries the role and the scope the role is limited to: boroughs (E09 codes) for borough
analysts, ED sites (ODS codes) for ED data leads, funded programmes (codes) for programme
leads, Integrated Care Boards (ODS codes) for ICB analysts, whose boroughs and sites are
those of their ICBs' systems (filled in by :mod:`vrhub.access.icb_scope`). A principal
built from an API token also carries the token's scopes, which narrow (never widen) what
the role allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vrhub.access.roles import Role

#: The environment variable holding a person's API token for the command line.
TOKEN_VARIABLE = "VRHUB_TOKEN"  # noqa: S105 - the variable's name, not a secret


@dataclass(frozen=True)
class Principal:
    email: str
    role: Role
    user_id: int | None = None
    display_name: str = ""
    organisation: str | None = None
    boroughs: frozenset[str] = field(default_factory=frozenset)
    sites: frozenset[str] = field(default_factory=frozenset)
    #: funded programmes (codes) a programme lead covers
    programmes: frozenset[str] = field(default_factory=frozenset)
    #: Integrated Care Boards (ODS codes) an ICB analyst covers
    icbs: frozenset[str] = field(default_factory=frozenset)
    token_scopes: frozenset[str] | None = None
    channel: str = "web"
    client: str | None = None

    @property
    def is_public(self) -> bool:
        return self.role is Role.PUBLIC

    def via(self, channel: str, client: str | None = None) -> Principal:
        """The same principal, seen through another channel (web, api, cli) and client."""
        from dataclasses import replace

        return replace(self, channel=channel, client=client)

    def describe(self) -> str:
        parts = [f"{self.email} ({self.role.value}"]
        if self.icbs:
            parts.append(", ICBs " + " ".join(sorted(self.icbs)))
        if self.boroughs:
            parts.append(", boroughs " + " ".join(sorted(self.boroughs)))
        if self.sites:
            parts.append(", sites " + " ".join(sorted(self.sites)))
        if self.programmes:
            parts.append(", programmes " + " ".join(sorted(self.programmes)))
        return "".join(parts) + ")"


PUBLIC = Principal(email="public", role=Role.PUBLIC, channel="web")


def console_administrator(os_user: str) -> Principal:
    """The person at the server's console running ``vrhub users``/``vrhub audit``: an
    administrator by virtue of access to the deployment, audited under their OS user."""
    return Principal(email=f"console:{os_user}", role=Role.ADMINISTRATOR,
                     display_name=os_user, organisation=None, channel="cli", client="console")
