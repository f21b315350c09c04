"""The demo's sign-in accounts, made on the dashboard's workspace: one per analyst role,
scoped to the first borough, its ICB and the ED site with most submissions (found here
from the tables), listed with their passphrase in a file only the owner reads; made again,
the same accounts keep the same passphrase."""

from __future__ import annotations

from pathlib import Path

from tests.warehouse_sql import scalar
from tests.web.pages_workspace import copy_workspace, settings_for
from vrhub.access.services import AccessServices
from vrhub.demo_accounts import FILE_NAME, WORDS, ensure_demo_accounts
from vrhub.storage.warehouse import Warehouse


def test_accounts_follow_the_workspace_and_keep_their_passphrase(pages_template: Path,
                                                                 tmp_path: Path) -> None:
    settings = settings_for(copy_workspace(pages_template, tmp_path / "home"))
    with Warehouse(settings.home / "warehouse.duckdb") as wh:
        borough = scalar(wh, "SELECT min(code) FROM area_boundary WHERE level = 'borough'")
        site = scalar(wh, "SELECT site_code FROM istv_submission GROUP BY 1 "
                          "ORDER BY count(*) DESC, 1 LIMIT 1")
        accounts, password = ensure_demo_accounts(settings, wh)
        again, same = ensure_demo_accounts(settings, wh)
    scopes = {a.role: a.scope for a in accounts}
    assert scopes["pan_london_analyst"] == "all of London"
    assert (scopes["borough_analyst"], scopes["ed_data_lead"]) == (borough, site)
    assert scopes["icb_analyst"].startswith("Q")  # an ICB code
    words = password.split()
    assert len(words) == 5 and set(words[:4]) <= set(WORDS) and 10 <= int(words[4]) < 99
    assert (again, same) == (accounts, password)
    listed = settings.home / FILE_NAME
    assert listed.stat().st_mode & 0o077 == 0
    lines = listed.read_text(encoding="utf-8").splitlines()
    assert lines[1:] == [f"{a.email}  ({a.role}, {a.scope})" for a in accounts] + [
        f"password: {password}"]
    services = AccessServices.from_settings(settings)
    try:
        for account in accounts:  # each signs in with the passphrase, seeing its scope
            who = services.identity.sign_in(account.email, password)
            assert who.role.value == account.role
            scope = {"borough_analyst": who.boroughs, "ed_data_lead": who.sites,
                     "icb_analyst": who.icbs}.get(account.role, frozenset())
            assert scope == ({account.scope} if account.role in (
                "borough_analyst", "ed_data_lead", "icb_analyst") else set())
    finally:
        services.close()
