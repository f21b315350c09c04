"""The code lists of the referral pathway: where a referral comes from, what it is about,
how consent and information sharing are recorded, and the referral's status workflow.

Needs, support offered and outcomes follow the headings of the Social Prescribing
Information Standard (PRSB): *needs and concerns*, *support offered* and *outcomes*;
the codes here are vrhub's own, each with the heading it belongs to.

The status workflow is FHIR Task's (``requested`` → ``accepted`` / ``rejected`` →
``in-progress`` → ``completed`` / ``cancelled`` / ``failed``), so a referral exports to
FHIR as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from vrhub.errors import CodeError


@dataclass(frozen=True)
class CodeList:
    name: str
    codes: dict[str, str]  # code -> label

    def check(self, value: str, *, field: str | None = None) -> str:
        code = (value or "").strip().lower().replace(" ", "_")
        if code not in self.codes:
            raise CodeError(
                f"{field or self.name} {value!r} is not one of {', '.join(self.codes)}",
                hint=f"choose a {self.name} from the list")
        return code

    def label(self, code: str | None) -> str:
        return self.codes.get(code or "", code or "")

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.codes.items())


REACHABLE_MOMENTS = CodeList("reachable moment", {
    "ed_attendance": "A&E attendance",
    "custody": "Police custody",
    "gp": "GP or primary care",
    "school": "School or college",
    "community": "Community or youth service",
    "self": "Self-referral",
})

REFERRER_KINDS = CodeList("referrer", {
    "hospital_youth_worker": "Hospital youth worker",
    "custody_youth_worker": "Custody youth worker",
    "gp_social_prescriber": "GP or social prescriber",
    "link_worker": "Link worker",
    "school": "School",
    "self": "The young person",
    "other": "Other professional",
})

TEAM_KINDS = CodeList("team", {
    "hospital_youth_work": "Hospital youth work",
    "custody_youth_work": "Custody youth work",
    "social_prescribing": "Social prescribing link workers",
    "school": "School-based support",
    "community": "Community youth work",
})

NEEDS = CodeList("need or concern", {
    "violence_victim": "Harmed by violence",
    "violence_risk": "At risk of involvement in violence",
    "exploitation": "Criminal or sexual exploitation",
    "weapon_carrying": "Carrying a weapon",
    "mental_wellbeing": "Mental health and wellbeing",
    "substance_use": "Drugs or alcohol",
    "education": "Education (excluded, not attending)",
    "employment": "Employment or training",
    "housing": "Housing",
    "money": "Money and debt",
    "family": "Family relationships",
    "isolation": "Loneliness or isolation",
    "bereavement": "Bereavement",
    "physical_health": "Physical health",
    "offending": "Offending",
})

SUPPORT_OFFERED = CodeList("support offered", {
    "mentoring": "Mentoring",
    "activity": "Positive activity (sport, music, arts)",
    "education_training": "Education or training",
    "employment_support": "Employment support",
    "mental_health_referral": "Referral to mental health support",
    "substance_use_service": "Drug and alcohol service",
    "family_support": "Family support",
    "housing_advice": "Housing or money advice",
    "advocacy": "Advocacy",
    "signposting": "Information and signposting",
})

OUTCOME_MEASURES = CodeList("outcome", {
    "engaged": "Engaged with support offered",
    "goals_met": "Support plan goals met",
    "wellbeing": "Wellbeing since referral",
    "education_employment": "In education, employment or training at close",
    "feels_safer": "Feels safer",
    "ed_reattendance_12m": "Re-attended A&E with an assault injury within 12 months",
})
OUTCOME_VALUES: dict[str, tuple[str, ...]] = {
    "engaged": ("yes", "partly", "no"),
    "goals_met": ("all", "some", "none"),
    "wellbeing": ("better", "same", "worse", "not_known"),
    "education_employment": ("yes", "no", "not_known"),
    "feels_safer": ("yes", "same", "no", "not_known"),
    "ed_reattendance_12m": ("yes", "no", "not_known"),
}
FOLLOW_UP_MEASURES = frozenset({"ed_reattendance_12m"})
"""Outcomes that can only be known later: recorded as not known at close, with the date
they fall due (12 months after the reachable moment)."""

CONSENT_GIVERS = CodeList("person giving consent", {
    "young_person": "The young person",
    "parent_carer": "Parent or carer",
    "guardian": "Legal guardian",
})
CONSENT_METHODS = CodeList("how consent was given", {
    "verbal": "Verbally (recorded by the worker)",
    "written": "In writing",
    "digital": "Digitally",
})
CONSENT_SCOPES = CodeList("what consent covers", {
    "referral": "Receiving the referral and holding the record",
    "contact": "Being contacted by the service",
    "share_onward": "Sharing with services referred on to",
    "share_parent": "Sharing with a parent or carer",
    "share_gp": "Sharing with their GP",
})

LAWFUL_BASES = CodeList("lawful basis", {
    "consent": "Consent (UK GDPR Art. 6(1)(a))",
    "public_task": "Public task (UK GDPR Art. 6(1)(e))",
    "vital_interests": "Vital interests (UK GDPR Art. 6(1)(d))",
    "legal_obligation": "Legal obligation (UK GDPR Art. 6(1)(c))",
    "safeguarding": "Safeguarding of children and individuals at risk "
                    "(DPA 2018 Sch. 1 para. 18)",
})
WITHOUT_CONSENT_BASES = frozenset({"public_task", "vital_interests", "legal_obligation",
                                   "safeguarding"})

SAFEGUARDING_CATEGORIES = CodeList("safeguarding concern", {
    "exploitation": "Criminal or sexual exploitation",
    "abuse_neglect": "Abuse or neglect",
    "self_harm": "Self-harm or suicide risk",
    "domestic_abuse": "Domestic abuse",
    "violence_threat": "Threat of violence",
    "missing": "Missing from home or care",
    "other": "Other",
})
SAFEGUARDING_LEVELS = CodeList("level of risk", {
    "concern": "Concern",
    "significant_harm": "Risk of significant harm",
    "immediate_danger": "Immediate danger",
})
ESCALATED_LEVELS = frozenset({"significant_harm", "immediate_danger"})
"""Levels escalated to the team lead the moment they are raised."""

CONTACT_MODES = CodeList("contact mode", {
    "in_person": "In person", "phone": "Phone", "text": "Text message",
    "video": "Video", "letter": "Letter or e-mail",
})
CONTACT_OUTCOMES = CodeList("contact outcome", {
    "spoke": "Spoke with the young person",
    "no_answer": "No answer",
    "message_left": "Message left",
    "declined": "Declined support",
})

ONWARD_STATUSES = CodeList("onward referral status", {
    "sent": "Sent", "accepted": "Accepted", "declined": "Declined",
    "attended": "Attended", "did_not_attend": "Did not attend",
})

# -- status workflow (FHIR Task) -------------------------------------------------------------
STATUSES = CodeList("status", {
    "requested": "Requested",
    "accepted": "Accepted",
    "rejected": "Rejected",
    "in-progress": "In progress",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "failed": "Failed",
})
TRANSITIONS: dict[str, frozenset[str]] = {
    "requested": frozenset({"accepted", "rejected", "cancelled"}),
    "accepted": frozenset({"in-progress", "cancelled", "failed"}),
    "in-progress": frozenset({"completed", "cancelled", "failed"}),
    "rejected": frozenset(),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "failed": frozenset(),
}
OPEN_STATUSES = frozenset({"requested", "accepted", "in-progress"})
CLOSED_STATUSES = frozenset({"rejected", "completed", "cancelled", "failed"})

RESPONSE_DAYS: dict[str, float] = {
    "ed_attendance": 1, "custody": 1, "gp": 5, "school": 5, "community": 5, "self": 5,
}
"""Days a team has to accept or reject a referral, by reachable moment: a young person
seen in A&E or custody is contacted within a day (the moment passes quickly)."""


def check_status(value: str) -> str:
    text = (value or "").strip().lower().replace("_", "-")
    if text not in STATUSES.codes:
        raise CodeError(f"status {value!r} is not one of {', '.join(STATUSES.codes)}",
                        hint="use a FHIR Task status")
    return text
