"""The demo's synthetic outcomes year (:mod:`vrhub.synthetic.outcomes`), put in through
the same services a programme lead and a VRU analyst use: programmes saved, i-Statements
loaded, each quarter's return submitted on its (synthetic) day, some late and one with
errors, most approved, the last quarter left awaiting review; measures and survey
responses uploaded with their receipts. A demo programme-lead account leads the first
programme. Runs once per workspace.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

from vrhub.access.principal import Principal, console_administrator
from vrhub.access.roles import Role
from vrhub.access.services import AccessServices
from vrhub.demo_accounts import FILE_NAME, DemoAccount
from vrhub.errors import Conflict
from vrhub.settings import Settings
from vrhub.storage.catalogue import boroughs as workspace_boroughs
from vrhub.storage.warehouse import Warehouse

LEAD_EMAIL = "programme.lead@demo.vrhub.example"


class _Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2025, 4, 1, 9, 0)

    def __call__(self) -> dt.datetime:
        return self.now


def ensure_demo_outcomes(settings: Settings, warehouse: Warehouse, password: str, *,
                         seed: int = 2024) -> tuple[list[DemoAccount], dict[str, Any]]:
    """Add the outcomes year (once); returns the demo lead account and what was added."""
    codes = [c for c, _ in workspace_boroughs(warehouse) if c.startswith("E09")]
    if not codes:
        return [], {"skipped": "no boroughs in the workspace"}
    accounts, added = add_outcomes_year(settings, codes[:12], password, seed=seed)
    _list_accounts(settings.home / FILE_NAME, accounts)
    return accounts, added


def _list_accounts(path: Path, accounts: list[DemoAccount]) -> None:
    """Add the programme lead to ``demo-accounts.txt`` (before the password line)."""
    if not path.exists():
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    mine = [f"{a.email}  ({a.role}, {a.scope})" for a in accounts]
    kept = [line for line in lines if line not in mine]
    at = next((i for i, line in enumerate(kept) if line.startswith("password: ")), len(kept))
    path.write_text("\n".join([*kept[:at], *mine, *kept[at:]]) + "\n", encoding="utf-8")


def add_outcomes_year(settings: Settings, boroughs: list[str], password: str, *,
                      seed: int = 2024, count: int = 20
                      ) -> tuple[list[DemoAccount], dict[str, Any]]:
    """The outcomes year in ``boroughs`` (E09 codes), through the services."""
    from vrhub.outcomes import (
        istatements,
        measures,
        programmes,
        return_workflow,
        returns,
        survey_responses,
    )
    from vrhub.outcomes.context import Outcomes, OutcomesConfig
    from vrhub.synthetic.outcomes import outcomes_year

    services = AccessServices.from_settings(settings)
    clock = _Clock()
    try:
        outcomes = Outcomes(services.sessions, services.policy,
                            OutcomesConfig.from_settings(settings), clock=clock)
        admin = console_administrator("demo")
        vru = Principal(email="vru.analyst@demo.vrhub.example",
                        role=Role.PAN_LONDON_ANALYST, user_id=None, channel="cli")
        year = outcomes_year(boroughs, seed=seed, count=count,
                             due_days=outcomes.config.return_due_days)
        first = year.programmes[0].programme["code"]
        account = DemoAccount(LEAD_EMAIL, "programme_lead", first)
        if programmes.list_programmes(outcomes, vru):
            return [account], {"skipped": "the outcomes year is there already"}
        programmes.save_programmes(outcomes, admin, [y.programme for y in year.programmes])
        istatements.load(outcomes, vru, year.istatements)
        with contextlib.suppress(Conflict):
            services.identity.create_user(admin, LEAD_EMAIL, role="programme_lead",
                                          organisation="DEMO", programmes=[first],
                                          password=password,
                                          display_name="Demo programme lead")
        counts = {"programmes": len(year.programmes), "returns": 0, "approved": 0,
                  "measure_rows": 0, "responses": 0, "late": len(year.late)}
        for y in year.programmes:
            code = y.programme["code"]
            lead = Principal(email=f"lead.{code.lower()}@demo.vrhub.example",
                             role=Role.PROGRAMME_LEAD, user_id=None,
                             programmes=frozenset({code}), channel="cli")
            for quarter, data in y.returns.items():
                clock.now = dt.datetime.combine(y.submitted_on[quarter], dt.time(10))
                receipt = returns.submit_return(outcomes, lead, code, data,
                                                f"{code}-{quarter}.csv", period=quarter)
                counts["returns"] += 1
                if quarter in y.measures:
                    taken = measures.submit(outcomes, lead, code, quarter, y.measures[quarter],
                                            f"{code}-{quarter}-measures.csv")
                    counts["measure_rows"] += taken["rows_accepted"]
                taken = survey_responses.submit(outcomes, lead, code, quarter,
                                                y.responses[quarter],
                                                f"{code}-{quarter}-survey.csv")
                counts["responses"] += taken["rows_accepted"]
                if receipt.get("status") == "rejected" or quarter.endswith("Q4"):
                    continue
                clock.now += dt.timedelta(days=7)
                if code == year.with_errors and quarter == year.error_quarter:
                    return_workflow.move(outcomes, vru, receipt["return_id"],
                                         "request_changes", "two figures were set aside: "
                                         "see the receipt and send the return again")
                    continue
                for step in ("review", "approve"):
                    return_workflow.move(outcomes, vru, receipt["return_id"], step)
                counts["approved"] += 1
        return [account], counts
    finally:
        services.close()
