"""Band edges of the near-repeat route (vrhub.web.routes.api_hotspots)."""

from __future__ import annotations

import pytest

from tests.web.route_paths import path_of
from tests.web.test_access_matrix import World
from vrhub.errors import UserError
from vrhub.web.routes import api_hotspots


def test_band_edges_are_read_as_numbers_skipping_empty_items() -> None:
    assert api_hotspots._bands("0, 100,,250.5", "distance_bands") == [0.0, 100.0, 250.5]
    with pytest.raises(UserError, match="time_bands '0,a' is not a list of numbers"):
        api_hotspots._bands("0,a", "time_bands")


def test_bad_band_edges_are_explained_and_the_public_is_refused(world: World) -> None:
    url = path_of(api_hotspots, api_hotspots.nearrepeat)
    bad = world.client.get(url, params={"distance_bands": "near,far"},
                           headers=world.headers["camden"])
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "distance_bands 'near,far' is not a list of numbers"
    before = world.audit_count()
    public = world.client.get(url)
    assert public.status_code == 403
    assert "signed-in users only" in public.json()["error"]["message"]
    assert world.audit_count() == before + 1
