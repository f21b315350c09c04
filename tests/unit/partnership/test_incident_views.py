"""An incident as the API and the command line show it: stored UTC times read in UK time
(summer time included), overdue actions counted as of now, done or not-needed ones never
overdue, and the zone with the command that repeats its Knox run."""

from __future__ import annotations

import datetime as dt

from vrhub.partnership.incident_views import summary, whole
from vrhub.partnership.risk_zone import Zone
from vrhub.storage.appdb.incident_models import (
    FundApplication,
    Incident,
    IncidentAction,
    IncidentEvent,
)

NOW = dt.datetime(2024, 7, 2, 12, 0)  # UTC, stored naive


def action(code: str, due: dt.datetime, status: str) -> IncidentAction:
    return IncidentAction(id=len(code), code=code, phase="first_24_hours", text=code,
                          owner="Police", due_at=due, status=status)


def incident() -> Incident:
    zone = Zone(radius_m=400, window_days=14, basis="default", reason="too few events")
    row = Incident(id="i-1", reference="CI-2024-001",
                   occurred_at=dt.datetime(2024, 7, 1, 22, 30),  # 23:30 in London (BST)
                   incident_type="stabbing", victim_age_band="16_17",
                   location_source="point", location_text=None, easting=535000.0,
                   northing=184500.0, borough_code="E09000012", ward_code="E05009372",
                   status="open", checklist_version="1", zone=zone.to_dict())
    row.actions = [action("call", NOW - dt.timedelta(hours=1), "to_do"),
                   action("visit", NOW - dt.timedelta(hours=1), "in_progress"),
                   action("brief", NOW - dt.timedelta(hours=5), "done"),
                   action("skip", NOW - dt.timedelta(days=1), "not_needed"),
                   action("later", NOW + dt.timedelta(days=6), "to_do")]
    row.events = [IncidentEvent(at=dt.datetime(2024, 1, 15, 9, 0), kind="note",
                                text="winter time")]
    row.fund = [FundApplication(id=1, applicant="Youth club", purpose="Detached work",
                                amount_requested=2500,
                                submitted_at=dt.datetime(2024, 7, 2, 8, 0))]
    return row


def test_the_summary_reads_in_uk_time_and_counts_what_is_overdue_now() -> None:
    shown = summary(incident(), NOW)
    assert shown["occurred_at"] == "2024-07-01T23:30"
    assert shown["overdue_actions"] == 2  # to do and in progress, past due; not done/skipped
    assert summary(incident(), NOW - dt.timedelta(hours=2))["overdue_actions"] == 0


def test_the_whole_incident_gives_each_actions_state_and_the_zones_command() -> None:
    shown = whole(incident(), NOW)
    assert [(a["code"], a["overdue"]) for a in shown["actions"]] == [
        ("call", True), ("visit", True), ("brief", False), ("skip", False), ("later", False)]
    assert shown["actions"][0]["due_at"] == "2024-07-02T12:00"  # 11:00 UTC in summer
    assert shown["timeline"] == [{"at": "2024-01-15T09:00", "kind": "note",
                                  "text": "winter time"}]
    assert shown["fund"][0]["submitted_at"] == "2024-07-02T09:00"
    assert shown["fund"][0]["decided_at"] is None
    assert shown["zone"]["radius_m"] == 400
    assert shown["zone"]["command"] == Zone.from_dict(incident().zone).command
