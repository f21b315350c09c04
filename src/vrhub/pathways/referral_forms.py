"""What a referral is made of, as it arrives from a page, the API or the demo: checked
here, once, with messages that name the field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from vrhub.errors import CodeError, UserError
from vrhub.geography.postcodes import Postcode
from vrhub.standards import pathway_codes as codes

MAX_AGE = 25
"""The partnership works with young people up to 25."""


class ReferralError(UserError):
    """A referral (or a change to one) that cannot be recorded as given."""

    http_status = 422
    code = "invalid_referral"


class ConsentRequired(ReferralError):
    """Nothing may be held or shared without consent or a recorded lawful basis."""

    code = "consent_required"


@dataclass
class Identity:
    """The minimal identity a referral holds (sealed at rest)."""

    given_name: str
    family_name: str
    date_of_birth: dt.date
    phone: str | None = None
    email: str | None = None
    postcode: str | None = None

    def check(self) -> Identity:
        if not (self.given_name or "").strip() and not (self.family_name or "").strip():
            raise ReferralError("a name is required", hint="give the young person's name")
        if not isinstance(self.date_of_birth, dt.date):
            raise ReferralError(f"date of birth {self.date_of_birth!r} is not a date",
                                hint="give it as YYYY-MM-DD")
        if self.postcode:
            try:
                self.postcode = str(Postcode(self.postcode))
            except CodeError as exc:
                raise ReferralError(exc.message, hint=exc.hint) from None
        self.given_name = " ".join((self.given_name or "").split())[:100]
        self.family_name = " ".join((self.family_name or "").split())[:100]
        return self

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def to_dict(self) -> dict[str, Any]:
        return {"given_name": self.given_name, "family_name": self.family_name,
                "date_of_birth": self.date_of_birth.isoformat(), "phone": self.phone,
                "email": self.email, "postcode": self.postcode}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Identity:
        return cls(data.get("given_name", ""), data.get("family_name", ""),
                   dt.date.fromisoformat(data["date_of_birth"]), data.get("phone"),
                   data.get("email"), data.get("postcode"))


@dataclass
class ConsentInput:
    decision: str  # given / refused
    given_by: str
    method: str
    scope: list[str] = field(default_factory=list)

    def check(self) -> ConsentInput:
        if self.decision not in ("given", "refused"):
            raise ReferralError(f"consent decision {self.decision!r} is not given or refused")
        self.given_by = codes.CONSENT_GIVERS.check(self.given_by, field="consent given by")
        self.method = codes.CONSENT_METHODS.check(self.method, field="consent method")
        self.scope = [codes.CONSENT_SCOPES.check(s, field="consent scope") for s in self.scope]
        if self.decision == "given" and not self.scope:
            raise ReferralError("consent given must say what it covers",
                                hint="choose one or more of: "
                                + ", ".join(codes.CONSENT_SCOPES.codes))
        return self

    def covers(self, scope: str) -> bool:
        return self.decision == "given" and scope in self.scope


@dataclass
class SharingInput:
    shared: bool
    what: str
    with_whom: str
    lawful_basis: str
    rationale: str | None = None
    safeguarding: bool = False

    def check(self, *, consent_given: bool) -> SharingInput:
        self.lawful_basis = codes.LAWFUL_BASES.check(self.lawful_basis, field="lawful basis")
        if not (self.what or "").strip() or not (self.with_whom or "").strip():
            raise ReferralError("an information-sharing decision records what was shared "
                                "(or not) and with whom")
        if self.lawful_basis == "consent" and not consent_given:
            raise ConsentRequired("the lawful basis is consent, but no consent is recorded",
                                  hint="record the consent, or the lawful basis relied on "
                                  "instead")
        if self.lawful_basis != "consent" and not (self.rationale or "").strip():
            raise ReferralError("sharing without consent needs the reason recorded",
                                hint="say why the lawful basis applies (it is kept sealed)")
        return self


@dataclass
class FlagInput:
    category: str
    level: str
    note: str | None = None

    def check(self) -> FlagInput:
        self.category = codes.SAFEGUARDING_CATEGORIES.check(self.category,
                                                            field="safeguarding concern")
        self.level = codes.SAFEGUARDING_LEVELS.check(self.level, field="level of risk")
        return self


@dataclass
class NewReferral:
    team_id: int
    identity: Identity
    reachable_moment: str
    moment_at: dt.datetime
    referrer_kind: str
    referrer: str | None = None  # who referred (name, role, organisation), kept sealed
    ed_site_code: str | None = None
    needs: list[str] = field(default_factory=list)
    consent: ConsentInput | None = None
    sharing: SharingInput | None = None
    flags: list[FlagInput] = field(default_factory=list)
    allocate_to_me: bool = False

    def check(self, now: dt.datetime) -> NewReferral:
        self.identity.check()
        self.reachable_moment = codes.REACHABLE_MOMENTS.check(self.reachable_moment,
                                                              field="reachable moment")
        self.referrer_kind = codes.REFERRER_KINDS.check(self.referrer_kind, field="referrer")
        if self.moment_at > now + dt.timedelta(minutes=5):
            raise ReferralError(f"the reachable moment {self.moment_at:%Y-%m-%d %H:%M} is in "
                                "the future")
        age = age_on(self.identity.date_of_birth, self.moment_at.date())
        if age < 0:
            raise ReferralError("the date of birth is after the reachable moment")
        if age > MAX_AGE:
            raise ReferralError(f"the young person was {age} at the reachable moment; this "
                                f"pathway is for young people up to {MAX_AGE}")
        self.needs = sorted({codes.NEEDS.check(n, field="need") for n in self.needs})
        if self.consent is not None:
            self.consent.check()
        consent_given = self.consent is not None and self.consent.covers("referral")
        if self.sharing is not None:
            self.sharing.check(consent_given=consent_given)
        if not consent_given and (self.sharing is None or self.sharing.lawful_basis not in
                                  codes.WITHOUT_CONSENT_BASES):
            raise ConsentRequired(
                "a referral needs the young person's consent to the referral, or a recorded "
                "lawful basis for making it without consent",
                hint="record consent (who gave it, how, and what it covers), or an "
                "information-sharing decision naming the lawful basis (for example "
                "safeguarding) and why")
        for flag in self.flags:
            flag.check()
        return self


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
