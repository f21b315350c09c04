"""Which programmes an outcome figure covers: one programme, a priority area, a borough
(every programme serving it) or all, always cut to what the reader may see; an account
with nothing to see is refused and the refusal audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers_outcomes import (
    ADMIN,
    CAMDEN,
    HACKNEY,
    ISLINGTON,
    VRU,
    borough_analyst,
    lead,
    programme,
)
from vrhub.access.principal import Principal
from vrhub.access.roles import Role
from vrhub.access.services import AccessServices
from vrhub.errors import NotFound, PermissionDenied
from vrhub.outcomes import programmes
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.views import current_versions, view_of
from vrhub.storage.appdb.models import AuditEvent

pytestmark = pytest.mark.parametrize("services", ["sqlite"], indirect=True)


@pytest.fixture
def outcomes(services: AccessServices) -> Outcomes:
    found = Outcomes(services.sessions, services.policy)
    programmes.save_programmes(found, ADMIN, [
        programme("CAM-01", boroughs=[CAMDEN, ISLINGTON], priority_areas=["CYP-PO"]),
        programme("CAM-02", boroughs=[CAMDEN], priority_areas=["CAP"]),
        programme("HAC-01", boroughs=[HACKNEY], priority_areas=["CYP-PO", "CAP"])])
    return found


def test_a_view_covers_the_programmes_the_reader_may_see(outcomes: Outcomes) -> None:
    assert view_of(outcomes, VRU).codes == ["CAM-01", "CAM-02", "HAC-01"]
    area = view_of(outcomes, VRU, area="CYP-PO")
    assert (area.level, area.code, area.codes) == ("area", "CYP-PO", ["CAM-01", "HAC-01"])
    # as the shipped framework numbers and names it
    assert area.label == "2. Children and Young People: Positive opportunities"
    # a borough's figures are every programme serving it: Islington has only CAM-01
    islington = view_of(outcomes, VRU, borough=ISLINGTON)
    assert islington.to_dict() == {"level": "borough", "code": ISLINGTON,
                                   "label": ISLINGTON, "programmes": ["CAM-01"]}
    one = view_of(outcomes, VRU, programme="HAC-01")
    assert (one.level, one.codes, one.label) == (
        "programme", ["HAC-01"], "HAC-01 Camden mentoring for girls and young women")
    camden = borough_analyst(CAMDEN)
    assert view_of(outcomes, camden).codes == ["CAM-01", "CAM-02"]
    assert view_of(outcomes, camden, area="CAP").codes == ["CAM-02"]
    assert view_of(outcomes, lead("CAM-02")).codes == ["CAM-02"]


def test_an_unknown_area_and_a_reader_with_nothing_are_refused(
        outcomes: Outcomes, services: AccessServices) -> None:
    with pytest.raises(NotFound) as unknown:
        view_of(outcomes, VRU, area="NOPE")
    assert unknown.value.message == "there is no priority area 'NOPE'"
    assert unknown.value.hint is not None and "CYP-PO" in unknown.value.hint
    nobody = Principal(email="new@example.org", role=Role.BOROUGH_ANALYST, user_id=9,
                       channel="web")
    with pytest.raises(PermissionDenied) as refused:
        view_of(outcomes, nobody)
    assert refused.value.http_status == 403
    with pytest.raises(PermissionDenied):
        view_of(outcomes, borough_analyst(CAMDEN), borough=HACKNEY)
    with services.sessions() as session:
        denied = [(e.actor_email, e.resource) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.outcome == "denied").order_by(AuditEvent.id))]
    assert denied == [("new@example.org", "outcomes:programmes"),
                      ("borough@example.org", "outcomes:borough")]


def test_figures_are_keyed_by_what_they_were_computed_from(outcomes: Outcomes) -> None:
    before = current_versions(outcomes)
    assert before["programmes"][0] == 3
    programmes.save_programmes(outcomes, ADMIN, [programme("ISL-01", boroughs=[ISLINGTON])])
    after = current_versions(outcomes)
    assert after["programmes"][0] == 4 and after["returns"] == before["returns"]
