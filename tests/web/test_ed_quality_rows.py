"""ED data quality per site and month as each reader may see it: an ED data lead only
their own site's months, a pan-London analyst every site's; each read decided by the
policy layer and audited, a reader without the right refused and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.requests import Request

from tests.web.test_access_matrix import CAMDEN_SITE, HACKNEY_SITE, World
from vrhub.access.identity import principal_for, require_user
from vrhub.access.principal import Principal
from vrhub.errors import PermissionDenied
from vrhub.storage.appdb.models import AuditEvent
from vrhub.web.ed_quality import quality_rows


def reader(world: World, email: str) -> Principal:
    with world.app.state.access.sessions() as session:
        return principal_for(require_user(session, email))


def asked(world: World) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/quality/ed",
                    "query_string": b"", "headers": [], "app": world.app})


def quality_events(world: World) -> list[tuple[str, str]]:
    with world.app.state.access.sessions() as session:
        return [(e.actor_email, e.outcome) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.resource.contains("istv_quality"))
            .order_by(AuditEvent.id))]


def test_each_reader_sees_the_sites_in_their_scope(world: World) -> None:
    lead_rows, lead_sites = quality_rows(asked(world), reader(world, "lead@ral.example"))
    # each site sent one submission for 2024 (rows go by the submission's first month):
    # 24 records, quality score 90, received 10 January 2025, 10 days after its end
    assert lead_sites == {CAMDEN_SITE}
    [row] = lead_rows
    assert (row["site_code"], row["month"], row["records"], row["quality_score"],
            row["days_to_submit"], row["late"]) == (CAMDEN_SITE, "2024-01", 24, 90.0, 10,
                                                    False)
    assert row["completeness_pct"]["arrival_at"] == 100.0
    every, sites = quality_rows(asked(world), reader(world, "pan@example.org"))
    assert sites == {CAMDEN_SITE, HACKNEY_SITE}
    assert sorted((r["site_code"], r["records"]) for r in every) == [
        (CAMDEN_SITE, 24), (HACKNEY_SITE, 24)]
    with pytest.raises(PermissionDenied):
        quality_rows(asked(world), reader(world, "camden@example.org"))
    assert quality_events(world) == [("lead@ral.example", "allowed"),
                                     ("pan@example.org", "allowed"),
                                     ("camden@example.org", "denied")]
