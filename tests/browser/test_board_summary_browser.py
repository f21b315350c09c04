"""The board summary in a real browser: the page reads as a document (headline sentences,
a map with a text alternative, tables), prints without the navigation, and passes axe.
Screenshots go to test-artifacts/screenshots/board-summary-*.png."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.support import axe_check, screenshot
from tests.browser.test_journeys import dashboard, sign_in  # noqa: F401
from tests.web.pages_workspace import BOROUGH

pytestmark = pytest.mark.browser


def test_board_summary_page_is_accessible(dashboard: Callable[[], Any]) -> None:  # noqa: F811
    page = dashboard()
    sign_in(page, "borough@example.org")
    page.goto(f"/boroughs/{BOROUGH}")
    page.get_by_role("link", name="Board summary: one page to print or download as PDF").click()
    page.wait_for_url(f"**/boroughs/{BOROUGH}/profile")
    assert page.get_by_role("heading", level=1).inner_text() == "Alderbury"
    map_image = page.get_by_role("img", name="Map of Alderbury's wards", exact=False)
    assert map_image.count() == 1
    assert page.locator(".vrhub-profile__headlines li").count() >= 3
    assert page.get_by_role("table").count() >= 3
    screenshot(page, "board-summary-page")
    assert axe_check(page, "board summary") == []
    page.emulate_media(media="print")
    assert not page.locator(".govuk-header").is_visible()
    assert not page.get_by_role("link", name="Download as PDF (A4, one or two pages)").is_visible()
    with page.expect_download() as download:
        page.emulate_media(media="screen")
        page.get_by_role("link", name="Download as PDF (A4, one or two pages)").click()
    assert download.value.suggested_filename.endswith(".pdf")
