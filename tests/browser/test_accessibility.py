"""axe-core (WCAG 2.2 AA tags) on every dashboard page, in its empty, populated and error
states, in a real browser with maps drawn. Screenshots of each go to
test-artifacts/screenshots/a11y-*.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import axe_check, screenshot
from tests.browser.test_journeys import maps_ready, sign_in
from tests.web.pages_workspace import (
    BOROUGH,
    add_accounts,
    copy_workspace,
    settings_for,
)
from vrhub.web import assets
from vrhub.web.app import create_app

pytestmark = pytest.mark.browser

ANALYST_POPULATED = ["/", "/?level=lsoa&category=ROBBERY", "/boroughs", f"/boroughs/{BOROUGH}",
                     f"/boroughs/{BOROUGH}?areas=lsoa&measure=count",
                     f"/boroughs/{BOROUGH}/wards/E05990001",
                     "/trends", "/hotspots", "/hotspots?method=classify", "/quality",
                     "/account", "/public"]
ED_POPULATED = ["/upload", "/quality"]
EMPTY = ["/", "/public", "/boroughs", "/trends", "/hotspots", "/quality"]
ERRORS = ["/?from=2025-13", "/hotspots?cell_size=5&from=x", "/trends?to=2030-01",
          "/no-such-page", "/boroughs/E09000999"]


def check_pages(page: Any, paths: list[str], state: str) -> list[dict[str, Any]]:
    violations: list[dict[str, Any]] = []
    for path in paths:
        page.goto(path)
        maps_ready(page)
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        name = f"a11y-{state}-" + (path.strip("/").replace("/", "-").replace("?", "-")
                                   .replace("&", "-").replace("=", "-") or "overview")
        screenshot(page, name[:80])
        violations += axe_check(page, f"{state} {path}")
    return violations


def server_for(home: Path, live_server_factory: Any) -> Any:
    if not assets.status().ready:
        pytest.fail("front-end assets are not built: run `vrhub assets build`")
    app = create_app(settings_for(home))
    add_accounts(app)
    return live_server_factory(app)


def test_populated_pages_pass_axe(pages_template: Path, tmp_path: Path,
                                  live_server_factory: Any,
                                  page_factory: Callable[[str], Any]) -> None:
    server = server_for(copy_workspace(pages_template, tmp_path / "home"), live_server_factory)
    public = page_factory(server.url)
    violations = check_pages(public, ["/", "/public", "/sign-in"], "public")
    analyst = page_factory(server.url)
    sign_in(analyst, "pan@example.org")
    violations += check_pages(analyst, ANALYST_POPULATED, "populated")
    ed = page_factory(server.url)
    sign_in(ed, "ed@example.org")
    violations += check_pages(ed, ED_POPULATED, "ed")
    assert violations == []


def test_empty_pages_pass_axe(tmp_path: Path, live_server_factory: Any,
                              page_factory: Callable[[str], Any]) -> None:
    server = server_for(tmp_path / "empty", live_server_factory)
    analyst = page_factory(server.url)
    sign_in(analyst, "pan@example.org")
    violations = check_pages(analyst, EMPTY, "empty")
    ed = page_factory(server.url)
    sign_in(ed, "ed@example.org")
    violations += check_pages(ed, ["/upload"], "empty-ed")
    assert violations == []


def test_error_states_pass_axe(pages_template: Path, tmp_path: Path,
                               live_server_factory: Any,
                               page_factory: Callable[[str], Any]) -> None:
    server = server_for(copy_workspace(pages_template, tmp_path / "home"), live_server_factory)
    analyst = page_factory(server.url)
    sign_in(analyst, "pan@example.org")
    violations = check_pages(analyst, ERRORS, "error")
    # A form posted with mistakes: the upload form without a file.
    ed = page_factory(server.url)
    sign_in(ed, "ed@example.org")
    ed.goto("/upload")
    ed.get_by_role("button", name="Check and submit").click()
    ed.wait_for_selector(".govuk-error-summary")
    screenshot(ed, "a11y-error-upload")
    violations += axe_check(ed, "error upload without a file")
    # A failed sign-in.
    visitor = page_factory(server.url)
    visitor.goto("/sign-in")
    visitor.get_by_label("Email address").fill("nobody@example.org")
    visitor.get_by_label("Password").fill("wrong password entirely")
    visitor.get_by_role("button", name="Sign in").click()
    visitor.wait_for_selector(".govuk-error-summary")
    violations += axe_check(visitor, "error sign-in")
    assert violations == []
