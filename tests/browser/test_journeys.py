"""The dashboard's main journeys in a real browser (Chromium driven by Playwright).

Each journey runs against a live vrhub on a copy of a small synthetic workspace, fails on
any request to another origin (no CDN, no tiles), checks axe-core on the pages it passes
and saves screenshots to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import axe_check, screenshot
from tests.warehouse_sql import query
from tests.web.pages_workspace import (
    BOROUGH,
    ED_SITE,
    PASSWORD,
    add_accounts,
    copy_workspace,
    settings_for,
)
from vrhub.web import assets
from vrhub.web.app import create_app

pytestmark = pytest.mark.browser


@pytest.fixture
def dashboard(pages_template: Path, tmp_path: Path, live_server_factory: Any,
              page_factory: Any) -> Iterator[Callable[[], Any]]:
    if not assets.status().ready:
        pytest.fail("front-end assets are not built: run `vrhub assets build`")
    home = copy_workspace(pages_template, tmp_path / "home")
    app = create_app(settings_for(home))
    add_accounts(app)
    server = live_server_factory(app)

    def open_page() -> Any:
        page = page_factory(server.url)
        page.set_default_timeout(20_000)
        return page

    yield open_page


def sign_in(page: Any, email: str) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def maps_ready(page: Any) -> None:
    """Wait until every Leaflet map on the page has drawn its layer."""
    count = page.locator("[data-vrhub-map]").count()
    for i in range(count):
        page.locator("[data-vrhub-map]").nth(i).scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-vrhub-map]')].every("
        "e => e.dataset.vrhubMapReady === 'true' || e.nextElementSibling?.textContent"
        ".startsWith('Nothing'))")


def test_public_overview_draws_disclosure_controlled_map(dashboard: Callable[[], Any]) -> None:
    page = dashboard()
    page.goto("/")
    assert page.locator("h1").inner_text() == "London violence reduction data"
    nav = page.get_by_role("navigation", name="Main").inner_text()
    assert "Public data" in nav and "Hotspots" not in nav
    maps_ready(page)
    # The choropleth is drawn by Leaflet from vrhub's own GeoJSON, without tiles.
    assert page.locator("#map-areas path.leaflet-interactive").count() == 6
    assert page.locator("#map-areas img.leaflet-tile").count() == 0
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    assert page.locator("img[src^='/charts/trend.svg']").evaluate("i => i.naturalWidth") > 0
    screenshot(page, "overview-public")
    assert axe_check(page, "overview-public") == []


def test_sign_in_open_borough_profile_and_change_period(dashboard: Callable[[], Any]) -> None:
    page = dashboard()
    sign_in(page, "pan@example.org")
    assert "Hotspots" in page.get_by_role("navigation", name="Main").inner_text()
    maps_ready(page)
    screenshot(page, "overview-analyst")
    page.get_by_role("link", name="Boroughs", exact=True).click()
    page.get_by_role("link", name="Alderbury").click()
    page.wait_for_url(f"**/boroughs/{BOROUGH}")
    assert page.locator("h1").inner_text() == "Alderbury"
    maps_ready(page)
    screenshot(page, "borough-profile")
    assert axe_check(page, "borough-profile") == []

    page.get_by_label("From month").fill("2025-01")
    page.get_by_label("To month").fill("2025-06")
    page.get_by_role("button", name="Update").click()
    page.wait_for_url(re.compile(r"from=2025-01.*to=2025-06"))
    # The period is in the URL (bookmarkable) and in the table of monthly figures.
    page.get_by_text("Table of monthly offences").click()
    months = page.locator("table:has(caption:text('by month')) tbody tr td:first-child")
    assert months.all_inner_texts() == [f"{name} 2025" for name in (
        "January", "February", "March", "April", "May", "June")]
    assert page.locator("#period-statement").inner_text() == \
        "Period: January 2025 to June 2025"
    maps_ready(page)
    screenshot(page, "borough-profile-period")
    assert axe_check(page, "borough-profile-period") == []

    # Printable: no navigation or filters; the tables behind the charts print open.
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert not page.get_by_role("navigation", name="Main").is_visible()
    assert not page.locator("form.vrhub-filters").is_visible()
    assert page.locator("details.govuk-details").first.evaluate("d => d.open")
    screenshot(page, "borough-profile-print")
    page.emulate_media(media="screen")


def test_trends_presets_choose_a_financial_year(dashboard: Callable[[], Any]) -> None:
    page = dashboard()
    sign_in(page, "pan@example.org")
    page.get_by_role("link", name="Trends", exact=True).click()
    page.wait_for_url("**/trends")
    statement = page.locator("#period-statement").inner_text()
    assert statement.startswith("Period: 12 months to ")
    assert page.get_by_label("Period").input_value() == "latest"
    axe = axe_check(page, "trends-default")
    assert axe == []
    # A financial year, chosen with the form alone (no JavaScript needed: a GET form).
    page.get_by_label("Period").select_option(label="Financial year (April to March)")
    page.get_by_label("Year", exact=True).fill("2024")
    page.get_by_role("button", name="Update").click()
    page.wait_for_url(re.compile(r"period=financial-year.*year=2024"))
    assert page.locator("#period-statement").inner_text() == (
        "Period: Financial year 2024/25 (April 2024 to March 2025)")
    caption = page.locator("table caption").first.inner_text()
    assert "April 2024 to March 2025 against the same months a year before" in caption
    assert page.locator("table tbody tr").count() >= 1
    screenshot(page, "trends-financial-year")
    assert axe_check(page, "trends-financial-year") == []
    # A mistake is shown next to its field with the fix, GOV.UK style.
    page.get_by_label("Period").select_option(label="Calendar year")
    page.get_by_label("Year", exact=True).fill("20x4")
    page.get_by_role("button", name="Update").click()
    assert "is not a year" in page.locator(".govuk-error-summary").inner_text()
    assert axe_check(page, "trends-error") == []


def test_run_a_hotspot_analysis_and_download_it(dashboard: Callable[[], Any]) -> None:
    page = dashboard()
    sign_in(page, "pan@example.org")
    page.goto("/hotspots")
    page.get_by_label("Category").select_option("Violence and sexual offences")
    page.get_by_label("Kernel density").check()
    page.get_by_label("Cell size (metres)").fill("200")
    page.get_by_role("button", name="Run analysis").click()
    page.wait_for_url(re.compile(r"method=kde"))
    assert "cell_size=200" in page.url
    assert page.get_by_role("heading", name=re.compile("Result")).is_visible()
    assert "200 m" in page.locator(".govuk-summary-list").inner_text()
    maps_ready(page)
    assert page.locator("#map-result path.leaflet-interactive").count() > 10
    screenshot(page, "hotspots-kde")
    assert axe_check(page, "hotspots-kde") == []
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("as CSV")).click()
    path = download.value.path()
    header = Path(path).read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",")[:4] == ["cell_id", "x", "y", "n"]


def test_upload_a_file_and_read_its_receipt(dashboard: Callable[[], Any], tmp_path: Path,
                                            ) -> None:
    from vrhub.synthetic.istv import write_month

    good = write_month(tmp_path / "files", ED_SITE, "2025-09", seed=11)
    page = dashboard()
    sign_in(page, "ed@example.org")
    page.get_by_role("link", name="Upload").click()
    screenshot(page, "upload-form")
    assert axe_check(page, "upload-form") == []
    page.get_by_label("File").set_input_files(str(good))
    page.get_by_role("button", name="Check and submit").click()
    page.wait_for_url(re.compile(r"/upload/receipts/istv-"), timeout=90_000)
    assert page.locator(".govuk-panel__title").inner_text() == "Submission received"
    summary = page.locator(".govuk-summary-list").inner_text()
    assert ED_SITE in summary and "2025-09-01 to 2025-09-30" in summary
    screenshot(page, "upload-receipt")
    assert axe_check(page, "upload-receipt") == []

    bad = tmp_path / "files" / "notes.csv"
    bad.write_text("hello,world\n1,2\n", encoding="utf-8")
    page.goto("/upload")
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_role("button", name="Check and submit").click()
    page.wait_for_selector(".govuk-error-summary__title")
    assert page.locator(".govuk-error-summary__title").inner_text() == \
        "Your file was not accepted"
    screenshot(page, "upload-rejected")
    assert axe_check(page, "upload-rejected") == []


def test_a_bad_month_after_a_good_one_is_checked_held_and_confirmed(
        dashboard: Callable[[], Any], tmp_path: Path) -> None:
    from vrhub.ingest.istv.template import template_csv
    from vrhub.standards.months import Month

    def month_file(name: str, dates: list[str]) -> Path:
        rows = "".join(f"{d},10:00,{d},09:00,fist,,street,place {i},\r\n"
                       for i, d in enumerate(dates, start=1))
        path = tmp_path / name
        path.write_text(template_csv(ED_SITE, Month(2025, 10)) + rows, encoding="utf-8")
        return path

    days = [f"{d:02d}/10/2025" for d in range(1, 12)]
    good = month_file("oct-good.csv", days)
    bad = month_file("oct-bad.csv", [d.replace("/2025", "/25x") for d in days])
    page = dashboard()
    sign_in(page, "ed@example.org")
    page.goto("/upload")
    page.get_by_label("File").set_input_files(str(good))
    page.get_by_role("button", name="Check and submit").click()
    page.wait_for_url(re.compile(r"/upload/receipts/istv-"), timeout=90_000)

    page.goto("/upload")
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_role("button", name="Check only").click()
    page.wait_for_selector("text=No records would be accepted")
    screenshot(page, "upload-check")
    assert axe_check(page, "upload-check") == []
    page.get_by_role("button", name="Submit this file").click()
    page.wait_for_selector("h1:text('Replace a month with fewer records?')")
    rows = page.locator("table tbody tr").all_inner_texts()
    assert rows[0].startswith("Now") and rows[0].rstrip().endswith("11")
    assert rows[1].startswith("After") and rows[1].rstrip().endswith("0")
    screenshot(page, "upload-confirm")
    assert axe_check(page, "upload-confirm") == []
    page.get_by_role("button", name="Replace the month anyway").click()
    page.wait_for_url(re.compile(r"/upload/receipts/istv-"), timeout=90_000)
    assert page.locator(".govuk-panel__title").count() == 0
    assert page.locator(".govuk-error-summary__title").inner_text() == "Nothing was accepted"
    screenshot(page, "upload-receipt-nothing-accepted")
    assert axe_check(page, "upload-receipt-nothing-accepted") == []


def test_an_ed_lead_downloads_the_template_and_fixes_a_month_first_date(
        dashboard: Callable[[], Any], tmp_path: Path, pages_template: Path) -> None:
    """The rest of the ED flow in a real browser: hospitals by name, the template for a
    site and month downloaded, a month-first date (10/13/2025) setting aside only its row,
    named on the receipt, and the set-aside rows downloaded to fix."""
    from vrhub.storage.warehouse import Warehouse

    page = dashboard()
    sign_in(page, "ed@example.org")
    page.goto("/upload")
    choice = page.locator("#template-site option:checked").inner_text()
    with Warehouse(pages_template / "warehouse.duckdb", read_only=True) as wh:
        name = query(wh, "SELECT site_name FROM ed_site WHERE site_code = ?",
                         [ED_SITE]).iloc[0, 0]
    assert choice == f"{name} ({ED_SITE})"
    month = page.locator("#template-month").input_value()  # the month offered first
    year, mm = month.split("-")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the template (CSV)").click()
    template = tmp_path / "template.csv"
    download.value.save_as(template)
    text = template.read_text(encoding="utf-8")
    assert ED_SITE in text and f"01/{mm}/{year}" in text
    rows = [f"{d:02d}/{mm}/{year},10:00,{d:02d}/{mm}/{year},09:00,fist,,street,place {d},\r\n"
            for d in range(1, 6)]
    ambiguous = f"{mm}/13/{year}"  # month first: day 13 cannot be a month
    rows[2] = f"{ambiguous},10:00,{ambiguous},09:00,fist,,street,place 3,\r\n"
    filled = tmp_path / "october.csv"
    filled.write_text(text + "".join(rows), encoding="utf-8")
    page.goto("/upload")
    page.get_by_label("File").set_input_files(str(filled))
    page.get_by_role("button", name="Check and submit").click()
    page.wait_for_url(re.compile(r"/upload/receipts/istv-"), timeout=90_000)
    summary = page.locator(".govuk-summary-list").first.inner_text()
    assert "Accepted\n4" in summary.replace("\t", "\n")
    assert f"{name} ({ED_SITE})" in summary
    body = page.locator("main").inner_text()
    assert ambiguous in body
    assert re.search(rf"Line \d+: '{re.escape(ambiguous)}' looks like month-first", body), \
        body[:2000]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the set-aside rows (CSV)").click()
    aside = tmp_path / "aside.csv"
    download.value.save_as(aside)
    lines = aside.read_text(encoding="utf-8").strip().splitlines()
    assert lines[0].startswith("row,column,value,problem")
    # one line per problem (both dates of the row), each naming row 3 and its value
    assert len(lines) == 3 and all(line.startswith("3,") and ambiguous in line
                                   for line in lines[1:])
    screenshot(page, "upload-receipt-month-first-date")
    # the page as the ED lead leaves it: rows set aside, the download link still focused
    assert page.evaluate("() => document.activeElement.textContent") == \
        "Download the set-aside rows (CSV)"
    assert axe_check(page, "upload-receipt-month-first-date") == []
