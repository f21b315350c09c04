"""Critical incidents and plan assessment in a real browser: a borough lead logs an
incident through the form (a bad time first), lands on the incident with its zone drawn on
the map and its checklist, marks an action done; a VRU assessor scores a borough's plan and
sees it in the heat map; axe-core finds nothing on any of these pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import axe_check, screenshot
from tests.browser.test_accessibility import server_for
from tests.browser.test_journeys import maps_ready, sign_in
from tests.web.pages_workspace import BOROUGH, copy_workspace

pytestmark = pytest.mark.browser


def test_log_and_work_an_incident_then_score_a_plan(pages_template: Path, tmp_path: Path,
                                                    live_server_factory: Any,
                                                    page_factory: Callable[[str], Any]
                                                    ) -> None:
    server = server_for(copy_workspace(pages_template, tmp_path / "home"), live_server_factory)
    lead = page_factory(server.url)
    sign_in(lead, "borough@example.org")
    lead.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    violations = axe_check(lead, "incidents list")
    lead.get_by_role("button", name="Log an incident").click()
    lead.wait_for_url(re.compile(r"/incidents/new$"))
    violations += axe_check(lead, "incident form")
    lead.get_by_label("When it happened (UK time)").fill("2099-01-01 10:00")
    lead.get_by_label("What happened").select_option("stabbing")
    lead.get_by_label("Victim's age band").select_option("16_17")
    lead.get_by_label("Or easting (metres)").fill("524437")
    lead.get_by_label("and northing (metres)").fill("174479")
    lead.get_by_role("button", name="Log the incident").click()
    summary = lead.locator(".govuk-error-summary")
    assert "is in the future" in summary.inner_text()
    violations += axe_check(lead, "incident form with an error")
    lead.get_by_label("When it happened (UK time)").fill("2025-10-05 21:40")
    lead.get_by_role("button", name="Log the incident").click()
    lead.wait_for_url(re.compile(r"/incidents/CI-[A-Z0-9]{6}$"))
    maps_ready(lead)
    assert lead.locator("[data-vrhub-map]").get_attribute("data-vrhub-map-ready") == "true"
    assert lead.locator(".vrhub-map__status").inner_text().startswith("Map drawn: ")
    assert lead.get_by_text("400 m").first.is_visible()
    screenshot(lead, "incident")
    violations += axe_check(lead, "incident")
    first = lead.locator("#checklist ~ table tbody tr").first
    first.get_by_role("combobox").select_option("done")
    first.get_by_role("button").click()
    lead.wait_for_load_state()
    assert lead.locator("#timeline ~ ol li").last.inner_text().endswith("is done")

    vru = page_factory(server.url)
    sign_in(vru, "pan@example.org")
    vru.goto(f"/plans/{BOROUGH}")
    violations += axe_check(vru, "plan scoring form")
    vru.get_by_label("Plan year").fill("2025/26")
    for criterion, score in (("Use of data", "3"), ("Priority areas covered", "4"),
                             ("Partnership working", "2"), ("Young people's voice", "1"),
                             ("Evaluation", "2"), ("Resourcing", "3")):
        group = vru.get_by_role("group", name=criterion)
        group.get_by_role("radio", name=re.compile(rf"^{score} ")).check()
    vru.get_by_role("button", name="Save the assessment").click()
    vru.goto("/plans")
    row = vru.locator("table.vrhub-heatmap tbody tr").first
    assert row.locator("td").last.inner_text() == "15"
    screenshot(vru, "plans")
    violations += axe_check(vru, "plans heat map")
    assert violations == []
