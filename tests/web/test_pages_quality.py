"""The ED data quality page (vrhub.web.routes.pages_quality): what to fix first, worked out
from a site's latest month, and the sites each role sees."""

from __future__ import annotations

from typing import Any

from tests.web.html import parse, table, text
from tests.web.route_paths import path_of
from tests.web.test_access_matrix import CAMDEN_SITE, HACKNEY_SITE, World
from vrhub.web.routes import pages_quality


def _row(site: str, month: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "site_code": site, "month": month, "quality_score": 80.0, "quarantined": 0,
        "late": False, "days_to_submit": 10, "volume_flag": None,
        "completeness_pct": {"arrival_at": 100.0, "assault_method": 100.0,
                             "location_type": None},
        "geocoded_pct": {"high": 100.0, "low": 0.0, "unresolved": 0.0}}
    row.update(extra)
    return row


def test_what_to_fix_first_reads_each_sites_latest_month_worst_first() -> None:
    rows = [
        # an older month with a different problem: only the latest month counts
        _row("AAA01", "2024-01", volume_flag="low"),
        _row("AAA01", "2024-02", quarantined=3, late=True, days_to_submit=45,
             completeness_pct={"arrival_at": 70.0, "assault_method": 85.0,
                               "location_type": 95.0},
             geocoded_pct={"high": 85.0, "low": 8.0, "unresolved": 7.0}),
        _row("BBB01", "2024-02"),
    ]
    fixes = pages_quality.fix_first(rows)
    assert [(f["site"], f["month"]) for f in fixes] == [("AAA01", "2024-02"),
                                                       ("BBB01", "2024-02")]
    first = fixes[0]["items"]
    # set-aside rows (weight 50), lateness (40), arrival 20 points short of 90%, 15% placed
    # weakly, method 5 points short; 95% complete needs nothing
    assert len(first) == 5
    assert first[0].startswith("3 records were set aside")
    assert "45 days after the month ended" in first[1]
    assert "70% complete" in first[2] and first[2].startswith("Arrival")
    assert first[3].startswith("15% of records")
    assert "85% complete" in first[4]
    assert fixes[1]["items"] == []


def _sites(world: World, who: str) -> set[str]:
    page = parse(world.client.get(path_of(pages_quality, pages_quality.quality_page),
                                  headers=world.headers[who]).text)
    return {row[0] for row in table(page, "Completeness and geocoding")}


def test_an_ed_lead_sees_their_own_site_and_the_vru_every_site(world: World) -> None:
    before = world.audit_count()
    assert _sites(world, "ed") == {CAMDEN_SITE}
    assert world.audit_count() == before + 1
    assert _sites(world, "pan") == {CAMDEN_SITE, HACKNEY_SITE}


def test_a_borough_analyst_is_refused_the_page_and_the_refusal_audited(world: World) -> None:
    before = world.audit_count()
    response = world.client.get(path_of(pages_quality, pages_quality.quality_page),
                                headers=world.headers["camden"])
    assert response.status_code == 403
    assert "may not read quality" in text(parse(response.text).find("main"))
    assert world.audit_count() == before + 1
