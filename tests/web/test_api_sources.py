"""Sources and provenance in the API (vrhub.web.routes.api_sources): open sources listed to
anyone, ED (ISTV) files only to those who may read ED quality, every ED listing audited."""

from __future__ import annotations

import pytest

from tests.web.route_paths import path_of
from tests.web.test_access_matrix import World
from vrhub.web.routes import api_sources


@pytest.mark.parametrize(("who", "reason"), [
    ("public", "the public role may not read quality"),
    ("camden", "the borough analyst role may not read quality"),
])
def test_ed_files_are_refused_to_roles_without_ed_quality_and_audited(
        world: World, who: str, reason: str) -> None:
    before = world.audit_count()
    response = world.client.get(path_of(api_sources, api_sources.files, source="istv"),
                                headers=world.headers[who])
    assert response.status_code == 403
    assert reason in response.json()["error"]["message"]
    assert world.audit_count() == before + 1


@pytest.mark.parametrize("who", ["ed", "pan"])
def test_ed_files_are_listed_to_ed_quality_readers_and_the_listing_audited(
        world: World, who: str) -> None:
    before = world.audit_count()
    response = world.client.get(path_of(api_sources, api_sources.files, source="istv"),
                                headers=world.headers[who])
    assert response.status_code == 200 and response.json()["source"] == "istv"
    assert world.audit_count() == before + 1


def test_open_source_files_are_listed_to_the_public_without_an_audit_event(
        world: World) -> None:
    before = world.audit_count()
    response = world.client.get(path_of(api_sources, api_sources.files, source="police"),
                                params={"limit": 5})
    assert response.status_code == 200
    assert (response.json()["source"], response.json()["limit"]) == ("police", 5)
    assert world.audit_count() == before
    too_many = world.client.get(path_of(api_sources, api_sources.files, source="police"),
                                params={"limit": 501})
    assert too_many.status_code == 422

