"""The opportunities directory and the referral pages in a real browser: axe-core (WCAG
2.2 AA) on every page, the public search on a phone with JavaScript off, and a referral
walked from A&E to close by a youth worker who is refused a colleague's caseload on the
way. Screenshots go to test-artifacts/screenshots/pathways-*.png."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import axe_check, screenshot
from tests.web.test_pathways_access_matrix import PASSWORD, World, build
from vrhub.settings import Settings
from vrhub.web import assets

pytestmark = pytest.mark.browser


@pytest.fixture
def world(tmp_path: Path) -> World:
    if not assets.status().ready:
        pytest.fail("front-end assets are not built: run `vrhub assets build`")
    return build(Settings.load({}, home=tmp_path / "home", environment="test"))


def sign_in(page: Any, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def check(page: Any, paths: list[str], state: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in paths:
        page.goto(path)
        name = "pathways-" + state + "-" + (re.sub(r"[^a-z0-9]+", "-", path.lower())
                                            .strip("-") or "home")
        screenshot(page, name[:80])
        out += axe_check(page, f"{state} {path}")
    return out


def test_every_new_page_passes_axe(world: World, live_server_factory: Any,
                                   page_factory: Callable[[str], Any]) -> None:
    server = live_server_factory(world.app)
    public = page_factory(server.url)
    public.set_viewport_size({"width": 390, "height": 844})
    violations = check(public, ["/opportunities", "/opportunities?age=16&free=1",
                                "/opportunities?where=nowhere",
                                f"/opportunities/{world.listing}"], "public")
    worker = page_factory(server.url)
    sign_in(worker, "ana@example.org")
    violations += check(worker, ["/referrals", "/referrals/new",
                                 f"/referrals/{world.referral}"], "worker")
    lead = page_factory(server.url)
    sign_in(lead, "lee@example.org")
    violations += check(lead, ["/referrals/figures", "/referrals/subject-access"], "lead")
    provider = page_factory(server.url)
    sign_in(provider, "prov@example.org")
    violations += check(provider, ["/listings", "/listings/new",
                                   f"/listings/{world.listing}"], "provider")
    curator = page_factory(server.url)
    sign_in(curator, "curator@example.org")
    violations += check(curator, ["/listings/feeds"], "curator")
    assert violations == []


def test_a_phone_without_javascript_finds_something_to_do(
        world: World, live_server_factory: Any, browser: Any) -> None:
    server = live_server_factory(world.app)
    context = browser.new_context(base_url=server.url, java_script_enabled=False,
                                  viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto("/opportunities")
        page.get_by_label("Age", exact=True).fill("16")
        page.get_by_label("Free only").check()
        page.get_by_role("button", name="Search").click()
        heading = page.locator("h2#results").inner_text()
        assert re.match(r"\d+ results?", heading)
        first = page.locator("ol.vrhub-results h3 a").first
        name = first.inner_text()
        first.click()
        assert page.locator("h1").inner_text() == name
        assert context.cookies() == []  # nothing set to follow them with
        screenshot(page, "pathways-phone-listing")
    finally:
        context.close()


def test_a_youth_worker_walks_a_referral_to_close(world: World, live_server_factory: Any,
                                                  page_factory: Callable[[str], Any]) -> None:
    server = live_server_factory(world.app)
    page = page_factory(server.url)
    sign_in(page, "ana@example.org")
    page.goto("/referrals/new")
    page.get_by_label("Refer to team").select_option(label="Hospital")
    page.get_by_label("First name").fill("Reece")
    page.get_by_label("Last name").fill("Campbell")
    page.get_by_label("Date of birth").fill("2009-04-11")
    page.get_by_label("Did the young person").select_option("given")
    for scope in ("Receiving the referral", "Being contacted",
                  "Sharing with services referred on to"):
        page.get_by_label(scope).check()
    page.get_by_label("Harmed by violence").check()
    page.get_by_label("Allocate it to me").check()
    page.get_by_role("button", name="Make the referral").click()
    page.wait_for_url(re.compile(r"/referrals/R-"))
    reference = page.url.rsplit("/", 1)[1]
    assert page.locator("h1").inner_text().startswith("Reece Campbell")

    def act(section: str, button: str, **fields: str) -> None:
        form = page.locator(f"form:has(input[name=action][value={section}])")
        for label, value in fields.items():
            control = form.get_by_label(label.replace("_", " "), exact=False)
            if control.evaluate("e => e.tagName") == "SELECT":
                control.select_option(value)
            else:
                control.fill(value)
        form.get_by_role("button", name=button).click()
        page.wait_for_url(re.compile(rf"/referrals/{reference}\?done={section}"))

    act("status", "Change status", Change_to="accepted")
    act("contact", "Record contact", How="in_person", What_happened="spoke")
    act("status", "Change status", Change_to="in-progress")
    act("plan", "Add to plan", Goal="Weekly boxing")
    act("onward", "Refer on", Directory_listing_id=world.listing)
    act("close", "Close as completed", Engaged_with_support_offered="yes")
    assert "Completed" in page.locator("main strong.govuk-tag").first.inner_text()
    screenshot(page, "pathways-closed-referral")
    # a colleague's caseload: refused, and the refusal is on the audit trail
    other = page_factory(server.url)
    sign_in(other, "ben@example.org")
    response = other.goto(f"/referrals/{reference}")
    assert response is not None and response.status == 403
    assert "not on your caseload" in other.locator("main").inner_text()
