"""Data quality per source in the API (vrhub.web.routes.api_quality): open sources for any
signed-in role, the ED report only for the sites a caller may see, and refusals audited."""

from __future__ import annotations

from tests.warehouse_sql import scalar
from tests.web.route_paths import path_of
from tests.web.test_access_matrix import CAMDEN_SITE, HACKNEY_SITE, World
from vrhub.storage.warehouse import Warehouse
from vrhub.web.routes import api_quality


def test_police_quality_counts_the_rows_loaded_for_a_signed_in_analyst(world: World) -> None:
    url = path_of(api_quality, api_quality.quality, source="police")
    assert url == "/api/v1/quality/police"
    response = world.client.get(url, headers=world.headers["camden"])
    assert response.status_code == 200
    with Warehouse(world.home / "warehouse.duckdb", read_only=True) as wh:
        rows = scalar(wh, "SELECT count(*) FROM police_street")
    body = response.json()
    assert rows > 0 and body["data"]["rows_in_table"] == rows
    assert body["source"] == "police" and body["sites"] is None


def test_the_public_is_refused_every_quality_report_and_each_refusal_audited(
        world: World) -> None:
    for source in ("police", "istv"):
        before = world.audit_count()
        response = world.client.get(path_of(api_quality, api_quality.quality, source=source))
        assert response.status_code == 403
        assert "signed-in users only" in response.json()["error"]["message"]
        assert world.audit_count() == before + 1


def test_an_unknown_source_is_not_found_and_names_the_known_ones(world: World) -> None:
    response = world.client.get(path_of(api_quality, api_quality.quality, source="nope"),
                                headers=world.headers["pan"])
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["message"] == "no quality report for source 'nope'"
    assert {"police", "istv"} <= set(error["hint"].removeprefix("choose one of: ").split(", "))


def test_ed_quality_is_limited_to_the_leads_own_sites_and_audited(world: World) -> None:
    url = path_of(api_quality, api_quality.quality, source="istv")
    before = world.audit_count()
    lead = world.client.get(url, headers=world.headers["ed"])
    assert lead.status_code == 200 and world.audit_count() == before + 1
    assert lead.json()["sites"] == [CAMDEN_SITE]
    site_months = lead.json()["data"]["site_months"]
    assert site_months and {r["site_code"] for r in site_months} == {CAMDEN_SITE}
    # asking for another site is asking outside the lead's scope
    before = world.audit_count()
    other = world.client.get(url, params={"site": HACKNEY_SITE}, headers=world.headers["ed"])
    assert other.status_code == 403 and world.audit_count() == before + 1
    pan = world.client.get(url, headers=world.headers["pan"]).json()
    assert pan["sites"] is None
    assert {r["site_code"] for r in pan["data"]["site_months"]} == {CAMDEN_SITE, HACKNEY_SITE}


def test_a_borough_analyst_is_refused_the_ed_report_with_the_reason(world: World) -> None:
    before = world.audit_count()
    response = world.client.get(path_of(api_quality, api_quality.quality, source="istv"),
                                headers=world.headers["camden"])
    assert response.status_code == 403
    assert "borough analyst role may not read quality" in response.json()["error"]["message"]
    assert world.audit_count() == before + 1
