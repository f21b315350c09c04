"""A small synthetic workspace for the dashboard tests, built once per test process.

The demo builder loads the seeded synthetic London-like data through the real loaders;
two months of synthetic ED (ISTV) submissions are then received for one site, so the ED
pages (quality, receipts, hour x day, ED vs police) have something to show. Tests get a
copy of the workspace, because the web app writes its app database (and uploads) there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from vrhub.access.principal import console_administrator
from vrhub.settings import Settings

PASSWORD = "plum kettle orbit lantern 42"
ADMIN = console_administrator("tests")
ED_SITE = "ZZ901"
OTHER_SITE = "ZZ902"
BOROUGH = "E09990001"
OTHER_BOROUGH = "E09990002"
ISTV_MONTHS = ("2025-07", "2025-08")

ACCOUNTS = {
    "pan@example.org": ("pan_london_analyst", (), ()),
    "borough@example.org": ("borough_analyst", (BOROUGH,), ()),
    "ed@example.org": ("ed_data_lead", (), (ED_SITE,)),
    "admin@example.org": ("administrator", (), ()),
}


def build_pages_workspace(base: Path) -> Path:
    """Build (once) and return the template workspace folder under ``base``."""
    home = base / "dashboard-workspace"
    done = home / ".complete"
    if done.exists():
        return home
    if home.exists():
        shutil.rmtree(home)
    from vrhub.demo import build_demo
    from vrhub.ingest.inputs import discover
    from vrhub.ingest.istv import PATTERNS
    from vrhub.ingest.istv.submission import load_files
    from vrhub.storage.warehouse import Warehouse
    from vrhub.synthetic.istv import write_month

    home.mkdir(parents=True)
    with Warehouse(home / "warehouse.duckdb") as wh:
        build_demo(wh, home)
        files = [write_month(home / "istv-files", ED_SITE, m, seed=7) for m in ISTV_MONTHS]
        load_files(wh, discover(files, PATTERNS), raise_on_rejected=False)
    shutil.rmtree(home / "demo-data", ignore_errors=True)
    done.write_text("ok", encoding="utf-8")
    return home


def copy_workspace(template: Path, target: Path) -> Path:
    shutil.copytree(template, target, ignore=shutil.ignore_patterns(".complete", "cache"))
    return target


def settings_for(home: Path, **overrides: object) -> Settings:
    return Settings.load({}, home=home, environment="test", **overrides)


def add_accounts(app: object) -> None:
    identity = app.state.access.identity  # type: ignore[attr-defined]
    for email, (role, boroughs, sites) in ACCOUNTS.items():
        identity.create_user(ADMIN, email, role=role, organisation="TEST", boroughs=boroughs,
                             sites=sites, password=PASSWORD)
