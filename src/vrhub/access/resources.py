"""What a request is about, as the policy layer sees it.

A resource names its kind (records of a dataset, an ED submission, a quality report, an
account, the audit trail, a funded programme and its returns) and the boroughs, ED sites and
programmes it belongs to. Object-level checks
pass the object's own borough and site; list and search requests use
:meth:`vrhub.access.policy.Policy.enforce_scope`, which works out the scope to filter by.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from vrhub.standards.codes import BoroughCode, ODSCode
from vrhub.standards.outcomes import ProgrammeCode


def _boroughs(codes: Iterable[str]) -> frozenset[str]:
    return frozenset(str(BoroughCode(c)) for c in codes)


def _sites(codes: Iterable[str]) -> frozenset[str]:
    return frozenset(str(ODSCode(c)) for c in codes)


def _programmes(codes: Iterable[str]) -> frozenset[str]:
    return frozenset(str(ProgrammeCode(c)) for c in codes)


@dataclass(frozen=True)
class Resource:
    kind: str
    name: str = ""
    boroughs: frozenset[str] = field(default_factory=frozenset)
    sites: frozenset[str] = field(default_factory=frozenset)
    programmes: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}" if self.name else self.kind

    @classmethod
    def records(cls, dataset: str, *, boroughs: Iterable[str] = (),
                sites: Iterable[str] = ()) -> Resource:
        """Record-level rows of ``dataset`` in ``boroughs`` and/or from ED ``sites``."""
        return cls("records", dataset, _boroughs(boroughs), _sites(sites))

    @classmethod
    def submission(cls, site: str, submission_id: str = "") -> Resource:
        """One ISTV submission (or a new upload) from an ED site."""
        return cls("istv_submission", submission_id, frozenset(), _sites([site]))

    @classmethod
    def quality(cls, source: str, *, sites: Iterable[str] = ()) -> Resource:
        return cls("quality", source, frozenset(), _sites(sites))

    @classmethod
    def aggregates(cls, name: str = "") -> Resource:
        return cls("aggregates", name)

    @classmethod
    def user(cls, email: str = "") -> Resource:
        return cls("user", email.strip().lower())

    @classmethod
    def tokens_of(cls, email: str) -> Resource:
        return cls("token", email.strip().lower())

    @classmethod
    def audit_trail(cls) -> Resource:
        return cls("audit")

    # -- outcomes ---------------------------------------------------------------------
    @classmethod
    def programme(cls, code: str, *, boroughs: Iterable[str] = (), kind: str = "programme",
                  name: str = "") -> Resource:
        """A funded programme (its figures, its returns, a new return, its participants'
        measures): identified by its code and the boroughs it serves."""
        return cls(kind, name or str(ProgrammeCode(code)), _boroughs(boroughs), frozenset(),
                   _programmes([code]))

    @classmethod
    def outcomes(cls, name: str = "", *, boroughs: Iterable[str] = (),
                 programmes: Iterable[str] = ()) -> Resource:
        """Outcome figures for London (no boroughs or programmes named), a borough or a
        set of programmes."""
        return cls("outcomes", name, _boroughs(boroughs), frozenset(), _programmes(programmes))

    # -- critical incidents -----------------------------------------------------------
    @classmethod
    def incident(cls, reference: str = "", *, boroughs: Iterable[str] = ()) -> Resource:
        """A critical incident (or, with no reference, a new one or a list) in
        ``boroughs``."""
        return cls("incident", reference, _boroughs(boroughs))

    @classmethod
    def plan(cls, borough: str, year: str = "") -> Resource:
        """A borough's violence reduction plan assessment (of ``year``, or every year)."""
        return cls("plan_assessment", f"{borough}:{year}" if year else borough,
                   _boroughs([borough]))

    # -- needs assessments ------------------------------------------------------------
    @classmethod
    def sna(cls, area: str, edition: str = "", version: int | None = None) -> Resource:
        """An area's needs assessment (an edition of a kind and version, or all of them).
        A borough's belongs to the borough; London's (E12000007) to no one borough, so
        only London-wide roles reach it."""
        code = area.strip().upper()
        name = ":".join([code, *([edition] if edition else []),
                         *([f"v{version}"] if version is not None else [])])
        return cls("sna", name, _boroughs([code]) if code.startswith("E09") else frozenset())
