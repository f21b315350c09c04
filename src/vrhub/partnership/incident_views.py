"""An incident as JSON, the same for the API and the command line: times in UK time, the
zone with the command that repeats its Knox run, the checklist with what is overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vrhub.partnership.incident_forms import uk_time
from vrhub.partnership.incidents import overdue
from vrhub.partnership.risk_zone import Zone
from vrhub.storage.appdb.incident_models import FundApplication, Incident


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else uk_time(value).isoformat(timespec="minutes")


def fund_dict(f: FundApplication) -> dict[str, Any]:
    return {"id": f.id, "applicant": f.applicant, "purpose": f.purpose,
            "amount_requested": f.amount_requested, "decision": f.decision,
            "amount_approved": f.amount_approved, "amount_spent": f.amount_spent,
            "outcome": f.outcome, "submitted_at": _time(f.submitted_at),
            "decided_at": _time(f.decided_at)}


def summary(row: Incident, now: dt.datetime) -> dict[str, Any]:
    return {"reference": row.reference, "occurred_at": _time(row.occurred_at),
            "incident_type": row.incident_type, "victim_age_band": row.victim_age_band,
            "borough_code": row.borough_code, "ward_code": row.ward_code,
            "status": row.status,
            "overdue_actions": sum(overdue(a, now) for a in row.actions)}


def whole(row: Incident, now: dt.datetime) -> dict[str, Any]:
    zone = Zone.from_dict(row.zone)
    return {**summary(row, now), "easting": row.easting, "northing": row.northing,
            "location_source": row.location_source, "location_text": row.location_text,
            "checklist_version": row.checklist_version,
            "zone": {**zone.to_dict(), "command": zone.command},
            "actions": [{"id": a.id, "code": a.code, "phase": a.phase, "text": a.text,
                         "owner": a.owner, "due_at": _time(a.due_at), "status": a.status,
                         "note": a.note, "overdue": overdue(a, now)} for a in row.actions],
            "fund": [fund_dict(f) for f in row.fund],
            "review": row.review_text, "timeline": [
                {"at": _time(e.at), "kind": e.kind, "text": e.text} for e in row.events]}
