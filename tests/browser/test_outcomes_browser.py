"""A programme lead's return in a real browser: sign in, download the template, upload a
return with a mistake, read the receipt (sheet, row, column and value named), fix it and
submit again; a VRU analyst reviews and approves it and the reach total on the outcomes
dashboard moves from 0 to the figure returned. axe-core finds nothing on the outcomes
dashboard, the programme page, the returns board, the receipt, the evidence library or the
public outcomes page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.browser.support import axe_check, screenshot
from tests.browser.test_journeys import sign_in
from tests.helpers_outcomes import ADMIN, programme
from tests.helpers_returns import TEMPLATE_ROWS
from tests.spec.test_outcomes_evidence import ITEMS
from tests.web.conftest import PASSWORD
from tests.web.pages_workspace import add_accounts, settings_for
from vrhub.outcomes import evidence
from vrhub.outcomes.programmes import save_programmes
from vrhub.web import assets
from vrhub.web.app import create_app
from vrhub.web.outcomes_deps import outcomes_of

pytestmark = pytest.mark.browser
CODE = "LCPF-CAM-01"
LEAD = "lead@example.org"


def reach_total(page: Any) -> str:
    """The dashboard's "Young people reached" total for the programme."""
    page.goto(f"/outcomes?programme={CODE}")
    row = page.locator("#reach tbody tr", has_text="Young people reached")
    return str(row.locator("td").first.inner_text())


def fill_template(path: Path, reached: object) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["Reach and delivery"]
    for row in sheet.iter_rows(min_row=2):
        code, breakdown = row[0].value, row[1].value
        row[3].value = (reached if (code, breakdown) == ("young_people_reached", "total")
                        else 1 if breakdown != "total" else 5)
    book.save(path)


def upload(page: Any, path: Path) -> None:
    page.goto(f"/outcomes/programmes/{CODE}")
    form = page.locator("form[enctype='multipart/form-data']")
    form.get_by_label("Reporting period this return covers").select_option("2024-25-Q1")
    form.get_by_label("Filled-in template").set_input_files(str(path))
    page.get_by_role("button", name="Submit the return").click()
    page.wait_for_url(re.compile(r"/outcomes/returns/[^/]+$"))


def test_a_programme_leads_return_from_template_to_dashboard(
        tmp_path: Path, live_server_factory: Any,
        page_factory: Callable[[str], Any]) -> None:
    if not assets.status().ready:
        pytest.fail("front-end assets are not built: run `vrhub assets build`")
    app = create_app(settings_for(tmp_path / "home"))
    add_accounts(app)
    save_programmes(outcomes_of(app.state), ADMIN, [programme()])
    for item in ITEMS:
        evidence.add_item(outcomes_of(app.state), ADMIN, item)
    app.state.access.identity.create_user(ADMIN, LEAD, role="programme_lead",
                                          organisation="EYT",
                                          programmes=[CODE], password=PASSWORD)
    server = live_server_factory(app)

    lead = page_factory(server.url)
    sign_in(lead, LEAD)
    lead.get_by_role("navigation", name="Main").get_by_role("link", name="Returns").click()
    violations = axe_check(lead, "returns board")
    lead.goto(f"/outcomes/programmes/{CODE}")
    violations += axe_check(lead, "programme page")
    lead.locator("#template-period").select_option("2024-25-Q1")
    with lead.expect_download() as download:
        lead.get_by_role("button", name="Download the template").click()
    template = tmp_path / download.value.suggested_filename
    assert template.name == f"return-{CODE}-2024-25-Q1.xlsx"
    download.value.save_as(template)

    fill_template(template, "forty")  # a word where a figure goes
    upload(lead, template)
    warning = lead.locator(".govuk-warning-text").inner_text()
    assert f"1 of {TEMPLATE_ROWS} rows were set aside" in warning
    problem = lead.locator("#errors ~ table tbody tr").first.locator("td")
    assert [problem.nth(i).inner_text() for i in range(4)] == [
        "sheet 'Reach and delivery'", "2", "value", "forty"]
    assert problem.nth(4).inner_text() == "is not a number"
    screenshot(lead, "outcomes-receipt-with-error")
    violations += axe_check(lead, "receipt with a row set aside")

    fill_template(template, 40)
    upload(lead, template)
    assert lead.locator(".govuk-panel__body").inner_text() == f"All {TEMPLATE_ROWS} rows accepted"
    assert "version 2" in lead.locator(".govuk-summary-list").inner_text()
    receipt = lead.url
    violations += axe_check(lead, "receipt")
    assert reach_total(lead) == "0"  # not approved yet

    vru = page_factory(server.url)
    sign_in(vru, "pan@example.org")
    vru.goto("/outcomes/returns")
    violations += axe_check(vru, "returns board awaiting review")
    vru.goto(receipt)
    vru.get_by_role("button", name="Mark reviewed").click()
    vru.get_by_role("button", name="Approve and lock").click()
    vru.wait_for_load_state()
    assert "Approved" in vru.locator(".govuk-summary-list").inner_text()

    assert reach_total(lead) == "40"
    screenshot(lead, "outcomes-dashboard")
    violations += axe_check(lead, "outcomes dashboard")
    lead.goto("/outcomes/evidence?search=mentoring&timing=secondry")
    assert "Did you mean 'secondary'?" in lead.locator(".govuk-error-summary").inner_text()
    assert lead.locator(".vrhub-evidence-item").count() == 2
    screenshot(lead, "outcomes-evidence")
    violations += axe_check(lead, "evidence library with an error")
    public = page_factory(server.url)
    public.goto("/outcomes/public")
    violations += axe_check(public, "public outcomes")
    assert violations == []
