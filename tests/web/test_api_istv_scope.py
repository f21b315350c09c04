"""ED submissions in the API (vrhub.web.routes.api_istv) by role: an ED data lead lists and
reads only their own site's submissions; refusals name the site and are audited."""

from __future__ import annotations

from tests.web.route_paths import path_of
from tests.web.test_access_matrix import (
    CAMDEN_SITE,
    HACKNEY_SITE,
    SUBMISSIONS,
    World,
)
from vrhub.web.routes import api_istv


def test_an_ed_lead_lists_only_their_sites_submissions(world: World) -> None:
    url = path_of(api_istv, api_istv.list_submissions)
    before = world.audit_count()
    mine = world.client.get(url, headers=world.headers["ed"])
    assert mine.status_code == 200 and world.audit_count() == before + 1
    assert [(s["submission_id"], s["site_code"]) for s in mine.json()["submissions"]] == [
        (SUBMISSIONS[CAMDEN_SITE], CAMDEN_SITE)]
    every = world.client.get(url, headers=world.headers["pan"]).json()["submissions"]
    assert {s["submission_id"] for s in every} == set(SUBMISSIONS.values())


def test_another_sites_receipt_is_refused_by_name_and_audited(world: World) -> None:
    url = path_of(api_istv, api_istv.get_receipt, submission_id=SUBMISSIONS[HACKNEY_SITE])
    before = world.audit_count()
    refused = world.client.get(url, headers=world.headers["ed"])
    assert refused.status_code == 403
    assert f"not your ED site: {HACKNEY_SITE}" in refused.json()["error"]["message"]
    assert world.audit_count() == before + 1
    allowed = world.client.get(url, headers=world.headers["pan"])
    assert allowed.status_code == 200 and allowed.json()["site_code"] == HACKNEY_SITE


def test_a_borough_analyst_may_not_list_submissions(world: World) -> None:
    before = world.audit_count()
    response = world.client.get(path_of(api_istv, api_istv.list_submissions),
                                headers=world.headers["camden"])
    assert response.status_code == 403
    assert "borough analyst role may not read istv submission" in response.json()[
        "error"]["message"]
    assert world.audit_count() == before + 1
