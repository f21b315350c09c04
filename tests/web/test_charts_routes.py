"""Charts (vrhub.web.routes.charts): ED times of day only inside the caller's scope, with
the refusal audited, and borough charts kept for partners."""

from __future__ import annotations

from tests.web.route_paths import path_of
from tests.web.test_access_matrix import CAMDEN, HACKNEY, World
from vrhub.web.routes import charts

JSON = {"accept": "application/json"}  # errors as JSON, not as a page


def test_ed_times_of_day_are_drawn_inside_the_scope_and_refused_outside(
        world: World) -> None:
    from xml.etree import ElementTree

    url = path_of(charts, charts.hour_day)
    before = world.audit_count()
    own = world.client.get(url, params={"borough": CAMDEN}, headers=world.headers["camden"])
    assert own.status_code == 200 and own.headers["content-type"] == "image/svg+xml"
    assert own.headers["cache-control"] == "private, no-store"  # ED figures: memory only
    assert ElementTree.fromstring(own.content).tag.endswith("svg")
    assert world.audit_count() == before + 1
    other = world.client.get(url, params={"borough": HACKNEY},
                            headers={**world.headers["camden"], **JSON})
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    assert world.audit_count() == before + 2


def test_a_visitor_is_refused_a_borough_trend(world: World) -> None:
    response = world.client.get(path_of(charts, charts.trend), params={"borough": CAMDEN},
                                headers=JSON)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "borough charts are for partners"
