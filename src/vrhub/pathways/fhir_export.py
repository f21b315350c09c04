"""A referral as FHIR R4: a Bundle of a minimal Patient, the ServiceRequest, the Task that
tracks it, and a Consent per consent record.

Every resource is built with the ``fhir.resources`` models (FHIR R4B, whose Patient,
ServiceRequest, Task and Consent are the R4 resources unchanged), so a value the
specification does not allow fails here rather than at the receiving system. The tests
also read each resource back with ``fhirclient``'s R4 (4.0.1) models.

The Task's status is the referral's (vrhub's workflow is FHIR Task's); the response
deadline is the Task's ``restriction.period.end``. Codes are vrhub's own code systems
(``urn:vrhub:...``), labelled; the Patient carries only the name, date of birth and
contact the referral holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from vrhub.pathways.case_views import CaseView
from vrhub.standards import pathway_codes as codes
from vrhub.standards.opportunity_taxonomy import stable_id

SYSTEM = "urn:vrhub:pathway"
TASK_STATUS = {s: s for s in codes.STATUSES.codes}
REQUEST_STATUS = {"requested": "active", "accepted": "active", "in-progress": "active",
                  "completed": "completed", "rejected": "revoked", "cancelled": "revoked",
                  "failed": "revoked"}


def _instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).isoformat(timespec="seconds")


def _coding(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": f"{SYSTEM}:{system}", "code": code, "display": display}],
            "text": display}


def bundle(case: CaseView) -> dict[str, Any]:
    """The FHIR R4 Bundle (type collection) of one referral, validated."""
    patient_ref = _urn(case.id, "patient")
    request_ref = _urn(case.id, "request")
    identity = case.identity
    patient: dict[str, Any] = {"resourceType": "Patient",
                               "identifier": [{"system": f"{SYSTEM}:referral",
                                               "value": case.reference}]}
    if identity:
        patient["name"] = [{"use": "usual", "family": identity.get("family_name") or None,
                            "given": [identity["given_name"]] if identity.get("given_name")
                            else None, "text": case.name or None}]
        patient["birthDate"] = identity.get("date_of_birth")
        telecom = []
        if identity.get("phone"):
            telecom.append({"system": "phone", "value": identity["phone"]})
        if identity.get("email"):
            telecom.append({"system": "email", "value": identity["email"]})
        if telecom:
            patient["telecom"] = telecom
        if identity.get("postcode"):
            patient["address"] = [{"use": "home", "postalCode": identity["postcode"],
                                   "country": "GB"}]
    request = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": f"{SYSTEM}:referral", "value": case.reference}],
        "status": REQUEST_STATUS[case.status], "intent": "order",
        "category": [_coding("reachable-moment", case.reachable_moment,
                             codes.REACHABLE_MOMENTS.label(case.reachable_moment))],
        "code": _coding("referral", "youth-violence-pathway",
                        "Referral to the violence reduction pathway"),
        "subject": {"reference": patient_ref},
        "occurrenceDateTime": _instant(case.moment_at),
        "authoredOn": _instant(case.received_at),
        "requester": {"display": codes.REFERRER_KINDS.label(case.referrer_kind)},
        "performer": [{"display": case.team}],
        "reasonCode": [_coding("need", n["code"], n["label"]) for n in case.needs] or None,
    }
    task: dict[str, Any] = {
        "resourceType": "Task",
        "identifier": [{"system": f"{SYSTEM}:referral", "value": case.reference}],
        "status": TASK_STATUS[case.status], "intent": "order",
        "statusReason": {"text": case.status_reason} if case.status_reason else None,
        "focus": {"reference": request_ref}, "for": {"reference": patient_ref},
        "authoredOn": _instant(case.received_at),
        "lastModified": _instant(case.closed_at or case.accepted_at or case.received_at),
        "owner": {"display": case.worker or case.team},
        "restriction": {"period": {"end": _instant(case.response_due_at)}},
        "executionPeriod": {"start": _instant(case.accepted_at),
                            "end": _instant(case.closed_at)}
        if case.accepted_at else None,
        "output": [{"type": _coding("outcome", o["measure"], o["label"]),
                    "valueString": o["value"]} for o in case.outcomes] or None,
    }
    entries = [_entry(patient_ref, patient), _entry(request_ref, request),
               _entry(_urn(case.id, "task"), task)]
    for consent in case.consents:
        entries.append(_entry(_urn(case.id, f"consent-{consent['id']}"),
                              _consent(consent, patient_ref, case.team)))
    document = {"resourceType": "Bundle", "type": "collection",
                "identifier": {"system": f"{SYSTEM}:referral", "value": case.reference},
                "timestamp": _instant(dt.datetime.now(dt.UTC).replace(tzinfo=None)),
                "entry": entries}
    validated = Bundle.model_validate(_drop_none(document))
    return validated.model_dump(mode="json", exclude_none=True)


def _consent(consent: dict[str, Any], patient_ref: str, team: str) -> dict[str, Any]:
    withdrawn = consent.get("withdrawn_at")
    status = "rejected" if consent["decision"] == "refused" else (
        "inactive" if withdrawn else "active")
    recorded = consent["recorded_at"]
    return {
        "resourceType": "Consent", "status": status,
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy", "display": "Privacy Consent"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0",
                                  "display": "Patient Consent"}]}],
        "patient": {"reference": patient_ref},
        "dateTime": _instant(recorded),
        "performer": [{"display": codes.CONSENT_GIVERS.label(consent["given_by"])}],
        "organization": [{"display": team}],
        "policyRule": {"text": "UK GDPR consent for a referral and the sharing it needs"},
        "sourceAttachment": {"title": codes.CONSENT_METHODS.label(consent["method"])},
        "provision": {
            "type": "deny" if consent["decision"] == "refused" else "permit",
            "period": {"start": _instant(recorded), "end": _instant(withdrawn)},
            "purpose": [{"system": f"{SYSTEM}:consent-scope", "code": s,
                         "display": codes.CONSENT_SCOPES.label(s)} for s in consent["scope"]]
            or None,
        },
    }


def _urn(referral_id: str, part: str) -> str:
    return f"urn:uuid:{stable_id('fhir', referral_id, part)}"


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url, "resource": resource}


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [_drop_none(v) for v in value if v is not None]
    return value
