"""Sign-in accounts for a demo workspace, so a newcomer can see every part of the dashboard.

One account per partner role: a pan-London analyst, a borough analyst (the first borough in
the workspace), an ICB analyst (that borough's Integrated Care Board) and an ED data lead
(the first ED site). They share one random passphrase,
made once per workspace and kept in ``<home>/demo-accounts.txt`` (readable by its owner
only). Never use a demo workspace for real data.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from vrhub.access.principal import console_administrator
from vrhub.access.services import AccessServices
from vrhub.errors import Conflict
from vrhub.settings import Settings
from vrhub.storage.queries import demo as demo_queries
from vrhub.storage.warehouse import Warehouse

WORDS = ("amber", "bridge", "canal", "delta", "ember", "falcon", "garden", "harbour",
         "island", "juniper", "kestrel", "lantern", "meadow", "nectar", "orchard", "pebble",
         "quarry", "river", "saffron", "thistle", "upland", "velvet", "willow", "yarrow")
FILE_NAME = "demo-accounts.txt"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    scope: str


def _passphrase(home: Path) -> str:
    path = home / FILE_NAME
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("password: "):
                return line.removeprefix("password: ").strip()
    rng = secrets.SystemRandom()
    phrase = " ".join(rng.choice(WORDS) for _ in range(4)) + f" {rng.randrange(10, 99)}"
    return phrase


def _icb_of(warehouse: Warehouse, borough: str) -> str | None:
    """The ICB whose system ``borough`` is in (None when the workspace knows none)."""
    from vrhub.reports.area_directory import build

    try:
        icb = build(warehouse).icb_of(borough)
    except Exception:  # the tables may not exist in a partial workspace
        return None
    return icb.code if icb else None


def ensure_demo_accounts(settings: Settings, warehouse: Warehouse
                         ) -> tuple[list[DemoAccount], str]:
    """Create the demo accounts if missing; returns them and their passphrase."""
    password = _passphrase(settings.home)
    borough = demo_queries.first_borough(warehouse)
    site = demo_queries.busiest_site(warehouse)
    wanted = [DemoAccount("analyst@example.org", "pan_london_analyst", "all of London")]
    if borough:
        wanted.append(DemoAccount("borough@example.org", "borough_analyst", borough))
    icb = _icb_of(warehouse, borough) if borough else None
    if icb:
        wanted.append(DemoAccount("icb@example.org", "icb_analyst", icb))
    if site:
        wanted.append(DemoAccount("edlead@example.org", "ed_data_lead", site))
    services = AccessServices.from_settings(settings)
    admin = console_administrator("demo")
    try:
        for account in wanted:
            with contextlib.suppress(Conflict):  # made by an earlier run of the demo
                services.identity.create_user(
                    admin, account.email, role=account.role, organisation="DEMO",
                    organisation_name="Demo workspace",
                    boroughs=[account.scope] if account.role == "borough_analyst" else [],
                    sites=[account.scope] if account.role == "ed_data_lead" else [],
                    icbs=[account.scope] if account.role == "icb_analyst" else [],
                    password=password, display_name=f"Demo {account.role.replace('_', ' ')}")
    finally:
        services.close()
    path = settings.home / FILE_NAME
    text = "".join(f"{a.email}  ({a.role}, {a.scope})\n" for a in wanted)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"Demo accounts of this workspace (not for real data)\n{text}"
                     f"password: {password}\n")
    return wanted, password
