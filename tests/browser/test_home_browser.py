"""The landing page in a real browser: renders offline, passes axe, no outside requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.support import axe_check, screenshot
from vrhub.settings import Settings
from vrhub.web import assets
from vrhub.web.app import create_app

pytestmark = pytest.mark.browser


def test_home_page_is_accessible_and_self_contained(
    tmp_path: Path, live_server_factory, page_factory  # type: ignore[no-untyped-def]
) -> None:
    if not assets.status().ready:
        pytest.fail("front-end assets are not built: run `vrhub assets build`")
    server = live_server_factory(create_app(Settings.load({}, home=tmp_path, environment="test")))
    page = page_factory(server.url)
    page.goto("/")
    assert page.locator("h1").inner_text() == "London violence reduction data"
    # GOV.UK Frontend's JavaScript ran (served locally).
    assert "govuk-frontend-supported" in (page.locator("body").get_attribute("class") or "")
    screenshot(page, "home-empty")
    assert axe_check(page, "home-empty") == []
