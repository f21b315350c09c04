"""Record search, one record and exports (vrhub.web.routes.api_records), by role: each
caller gets exactly the rows of their scope, and every read and refusal is audited."""

from __future__ import annotations

import csv
import io

from tests.warehouse_sql import scalar
from tests.web.route_paths import path_of
from tests.web.test_access_matrix import CAMDEN, HACKNEY, World
from vrhub.storage.warehouse import Warehouse
from vrhub.web.routes import api_records


def _police_in(world: World, borough: str) -> int:
    with Warehouse(world.home / "warehouse.duckdb", read_only=True) as wh:
        return int(scalar(wh, "SELECT count(*) FROM police_street WHERE borough_code = ?",
                              [borough]))


def test_a_borough_analyst_searches_and_exports_exactly_their_boroughs_rows(
        world: World) -> None:
    expected = _police_in(world, CAMDEN)
    assert expected > 0
    before = world.audit_count()
    search = world.client.get(path_of(api_records, api_records.search_records,
                                      dataset="police"),
                              params={"limit": 500}, headers=world.headers["camden"])
    assert search.status_code == 200 and world.audit_count() == before + 1
    assert search.json()["total"] == expected
    assert {r["borough_code"] for r in search.json()["records"]} == {CAMDEN}
    export = world.client.get(path_of(api_records, api_records.export_records,
                                      dataset="police"), headers=world.headers["camden"])
    assert export.status_code == 200 and world.audit_count() == before + 2
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == expected and {r["borough_code"] for r in rows} == {CAMDEN}


def test_another_boroughs_record_is_refused_and_audited(world: World) -> None:
    found = world.client.get(path_of(api_records, api_records.search_records,
                                     dataset="police"),
                             params={"limit": 1}, headers=world.headers["hackney"]).json()
    record_id = found["records"][0]["record_id"]
    assert found["records"][0]["borough_code"] == HACKNEY
    url = path_of(api_records, api_records.get_record, dataset="police", record_id=record_id)
    assert world.client.get(url, headers=world.headers["hackney"]).status_code == 200
    before = world.audit_count()
    refused = world.client.get(url, headers=world.headers["camden"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert world.audit_count() == before + 1


def test_the_public_may_not_search_records(world: World) -> None:
    before = world.audit_count()
    response = world.client.get(path_of(api_records, api_records.search_records,
                                        dataset="police"))
    assert response.status_code == 403
    assert "the public role may not search records" in response.json()["error"]["message"]
    assert world.audit_count() == before + 1
