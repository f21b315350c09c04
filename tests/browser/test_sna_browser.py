"""Needs assessments in a real browser: a borough analyst opens Needs assessments from the
navigation, is refused a recommendation that starts like a formula (the form comes back
with the error by the field), builds the first edition of their borough's assessment from
the demo workspace, downloads its PDF and data annex, builds a second and reads what
changed; anyone, without signing in, reads the latest public summary. axe-core finds
nothing on any of these pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import axe_check, screenshot
from tests.browser.test_accessibility import server_for
from tests.browser.test_journeys import sign_in
from tests.web.pages_workspace import BOROUGH, copy_workspace

pytestmark = pytest.mark.browser


def test_build_download_and_compare_an_edition(pages_template: Path, tmp_path: Path,
                                               live_server_factory: Any,
                                               page_factory: Callable[[str], Any]) -> None:
    server = server_for(copy_workspace(pages_template, tmp_path / "home"), live_server_factory)
    page = page_factory(server.url)
    sign_in(page, "borough@example.org")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Needs assessments").click()
    page.wait_for_url(re.compile(r"/sna$"))
    violations = axe_check(page, "needs assessments")
    page.locator("tbody th a").first.click()
    page.wait_for_url(re.compile(rf"/sna/{BOROUGH}$"))
    assert page.get_by_text("No edition of").is_visible()
    violations += axe_check(page, "needs assessment, no edition")
    page.get_by_label("Recommendations").fill("=cmd|' /C calc'!A0")
    page.get_by_role("button", name="Build and save").click()
    summary = page.locator(".govuk-error-summary")
    assert "starts with '='" in summary.inner_text()
    assert "starts with '='" in page.locator("#recommendations-error").inner_text()
    violations += axe_check(page, "needs assessment form with an error")
    page.get_by_label("Recommendations").fill(
        "* Extend detached youth work to the estates around the high street.")
    page.get_by_role("button", name="Build and save").click()
    page.wait_for_url(re.compile(rf"/sna/{BOROUGH}\?built=1$"), timeout=180_000)
    assert "Version 1 is the first full edition" in page.locator("main").inner_text()
    screenshot(page, "sna-first-edition")
    violations += axe_check(page, "needs assessment, first edition")
    with page.expect_download() as pdf:
        page.locator(f'a[href="/sna/{BOROUGH}/editions/1.pdf"]').click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    assert pdf.value.suggested_filename.startswith(f"sna-{BOROUGH}-full-v1-")
    with page.expect_download() as annex:
        page.locator(f'a[href="/sna/{BOROUGH}/editions/1.xlsx?edition=public"]').click()
    assert Path(annex.value.path()).read_bytes()[:2] == b"PK"
    page.get_by_role("button", name="Build and save").click()  # the same recommendations
    page.wait_for_url(re.compile(rf"/sna/{BOROUGH}\?built=2$"), timeout=180_000)
    main = page.locator("main").inner_text()
    assert "Full, version 2" in main and "Changes since the last edition" in main
    assert "No figure changed between version 1 and version 2" in main  # same data
    screenshot(page, "sna-second-edition")
    violations += axe_check(page, "needs assessment, second edition")

    public = page_factory(server.url)
    public.goto(f"/public/sna/{BOROUGH}")
    assert "Version 2" in public.locator("main").inner_text()
    assert "Extend detached youth work" in public.locator("main").inner_text()
    violations += axe_check(public, "public needs assessment")
    with public.expect_download() as report:
        public.get_by_role("link", name="The report (PDF)").click()
    assert Path(report.value.path()).read_bytes().startswith(b"%PDF")
    public.goto(f"/sna/{BOROUGH}")
    assert "/sign-in" in public.url  # the full editions need signing in
    assert violations == []
