"""Areas and refusals of the counts and trends routes (vrhub.web.routes.api_aggregates)."""

from __future__ import annotations

from tests.warehouse_sql import scalar
from tests.web.route_paths import path_of
from tests.web.test_access_matrix import CAMDEN, HACKNEY, World
from vrhub.access.scopes import Scope
from vrhub.storage.warehouse import Warehouse
from vrhub.web.routes import api_aggregates


def test_scoped_areas_keep_finer_codes_only_inside_the_scopes_boroughs() -> None:
    camden = Scope(boroughs=frozenset({CAMDEN}))
    ward = "E05013652"
    # a ward alone: query the scope's boroughs, keep that ward afterwards
    assert api_aggregates.scoped_areas([ward.lower()], camden) == ([CAMDEN], [ward])
    assert api_aggregates.scoped_areas([CAMDEN.lower()], camden) == ([CAMDEN], [])
    # pan-London (or no scope): the areas as asked, nothing to filter afterwards
    assert api_aggregates.scoped_areas([ward, HACKNEY], Scope(everything=True)) == (
        [ward, HACKNEY], [])
    assert api_aggregates.split_boroughs([ward, "e09000012", CAMDEN]) == [HACKNEY, CAMDEN]


def test_trends_sum_to_the_warehouse_for_an_analyst_and_are_refused_to_the_public(
        world: World) -> None:
    url = path_of(api_aggregates, api_aggregates.trends)
    before = world.audit_count()
    refused = world.client.get(url, params={"source": "police"})
    assert refused.status_code == 403
    assert "signed-in users only" in refused.json()["error"]["message"]
    assert world.audit_count() == before + 1
    body = world.client.get(url, params={"source": "police", "level": "borough",
                                         "from": "2024-01", "to": "2024-12"},
                            headers=world.headers["camden"]).json()
    assert {r["area_code"] for r in body["series"]} == {CAMDEN, HACKNEY}
    assert body["total"] == 48  # 2 boroughs x 2 crime types x 12 months
    with Warehouse(world.home / "warehouse.duckdb", read_only=True) as wh:
        in_2024 = scalar(wh, "SELECT count(*) FROM police_street WHERE month LIKE '2024-%'")
    assert sum(r["count"] for r in body["series"]) == in_2024
