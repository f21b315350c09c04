"""Editions of the Serious Violence Duty needs assessments: build, keep, compare, read.

:class:`SnaDesk` is built once per process with the app database, the policy layer and a way
to reach the warehouse. Building an area's assessment (a borough, the City, or London as a
whole) makes its full edition and its public summary from the warehouse
(:mod:`vrhub.partnership.sna`), compares each with the last edition of its kind
(:mod:`vrhub.partnership.sna_compare`), renders the HTML report, the PDF and the XLSX data
annex with that comparison, and stores both editions under their next version numbers, in
one transaction with the build's audit event.

The recommendations are the borough's own words, kept with each edition: a build without
them carries forward the last edition's; what is given is checked first (no spreadsheet
formula, script or personal details).

Who may do what (:mod:`vrhub.access.roles`): a full edition (restricted) is read by the
VRU for every area, by a borough's analysts for their borough and by an ICB's analysts for
its boroughs; every such read, every build and every refusal is audited. The latest public
summary of each area is public; older public summaries are read as full editions are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.policy import Policy, authorize
from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import ROLE_ACTIONS, Action
from vrhub.errors import NotFound, UserError
from vrhub.partnership.sna_compare import compare
from vrhub.standards.mps import LONDON_BOROUGHS
from vrhub.storage import sna_editions as store
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.sna_models import SnaEdition
from vrhub.storage.warehouse import Warehouse

LONDON = "E12000007"
#: the areas an assessment is built for when the warehouse names no borough: London as a
#: whole, then the 33 London boroughs
AREAS: dict[str, str] = {LONDON: "London", **{code: name for name, code in sorted(
    LONDON_BOROUGHS.items(), key=lambda item: item[1])}}
EDITIONS = store.EDITIONS
FORMATS = store.FORMATS
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class EditionError(UserError):
    """A field of a needs-assessment request cannot be used; ``field`` names it."""

    code = "invalid_needs_assessment"
    http_status = 422

    def __init__(self, field: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "field": self.field}


def check_area(value: str, areas: Mapping[str, str] = AREAS) -> tuple[str, str]:
    """(code, name) of one of ``areas`` given by its code (E09..., E12000007) or its name
    ('Camden', 'london'); EditionError otherwise."""
    text = (value or "").strip()
    if text.upper() in areas:
        return text.upper(), areas[text.upper()]
    by_name = {name.casefold(): code for code, name in areas.items()}
    code = by_name.get(text.casefold().replace("-", " ").replace("_", " ")
                       .replace("&", "and"))
    if code is None:
        raise EditionError("area", f"{value!r} is not a London borough or London",
                           hint="give a borough's GSS code (E09...) or name, or "
                           f"{LONDON} (London)")
    return code, areas[code]


def check_version(text: str) -> int:
    """An edition's number as a URL gives it: NotFound unless 1, 2, 3 ..."""
    if not text.isdigit() or not 0 < int(text) < 1_000_000:
        raise NotFound(f"no edition {text!r}", hint="editions are numbered 1, 2, 3 ...")
    return int(text)


def check_edition(value: str) -> str:
    text = (value or "").strip().lower()
    if text not in EDITIONS:
        raise EditionError("edition", f"{value!r} is not an edition",
                           hint="use full (restricted) or public (the public summary)")
    return text


def check_format(value: str) -> str:
    text = (value or "").strip().lower()
    if text not in FORMATS:
        raise NotFound(f"no {value!r} file of a needs assessment",
                       hint="ask for html, pdf or xlsx")
    return text


@dataclass(frozen=True)
class EditionView:
    """One stored edition as pages, the API and the command line show it (no file bytes)."""

    area_code: str
    area_name: str
    edition: str
    version: int
    period_from: str
    period_to: str
    definition_version: str
    built_at: dt.datetime
    builder: str
    recommendations: str
    figures: dict[str, dict[str, Any]]
    sections: dict[str, dict[str, Any]]
    files: dict[str, tuple[int, str]] = field(default_factory=dict)

    def to_dict(self, *, figures: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "area_code": self.area_code, "area_name": self.area_name,
            "edition": self.edition, "version": self.version,
            "period_from": self.period_from, "period_to": self.period_to,
            "definition_version": self.definition_version,
            "built_at": self.built_at.isoformat(timespec="seconds") + "Z",
            "built_by": self.builder, "recommendations": self.recommendations,
            "files": {fmt: {"size": size, "sha256": digest}
                      for fmt, (size, digest) in sorted(self.files.items())},
            "sections": self.sections}
        if figures:
            out["figures"] = self.figures
        return out


@dataclass(frozen=True)
class AreaEditions:
    """An area on the needs-assessment list: its latest full edition (when the principal
    may read it), its latest public summary, and whether the principal may build it."""

    code: str
    name: str
    full: EditionView | None
    public: EditionView | None
    may_read: bool
    may_build: bool


@dataclass(frozen=True)
class Built:
    """What one build stored: the editions (full, public) and each one's changes since the
    edition before it."""

    editions: tuple[EditionView, ...]
    changes: dict[str, list[dict[str, Any]]]
    #: the files stored, by edition and format (for the command line to write out)
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)


class SnaDesk:
    def __init__(self, sessions: sessionmaker[Session], policy: Policy,
                 warehouse: Callable[[], Warehouse | None], *, assessor: Any = None,
                 opportunities: Callable[[], Any] | None = None,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.sessions = sessions
        self.policy = policy
        self.warehouse = warehouse
        self._assessor = assessor
        self._opportunities = opportunities
        self.clock = clock

    @property
    def assessor(self) -> Any:
        """What builds and renders an assessment: :mod:`vrhub.partnership.sna` (loaded on
        first use), or what the desk was given."""
        if self._assessor is None:
            from vrhub.partnership import sna

            self._assessor = sna
        return self._assessor

    # -- areas ----------------------------------------------------------------------------
    def areas(self) -> dict[str, str]:
        """code -> name of every area: London, then the boroughs the warehouse names (the
        33 London boroughs when it names none)."""
        from vrhub.storage.names import area_names

        found: dict[str, str] = {}
        try:
            warehouse = self.warehouse()
            if warehouse is not None:
                frame = area_names(warehouse, "borough")
                found = {str(c): str(n) for c, n in zip(frame["code"], frame["name"],
                                                        strict=True) if str(c).startswith("E09")}
        except UserError:
            found = {}
        if not found:
            return dict(AREAS)
        return {LONDON: "London", **dict(sorted(found.items()))}

    def check_area(self, value: str) -> tuple[str, str]:
        """(code, name) of an area (:func:`check_area` over :meth:`areas`)."""
        return check_area(value, self.areas())

    def find_area(self, value: str) -> tuple[str, str]:
        """:meth:`check_area` for an area named in a URL: NotFound when there is none."""
        try:
            return self.check_area(value)
        except EditionError as exc:
            raise NotFound(exc.message, hint=exc.hint) from None

    # -- permissions (pure) ------------------------------------------------------------
    @staticmethod
    def may(principal: Principal, action: Action, area: str) -> bool:
        """Whether ``principal`` may take ``action`` on ``area``'s assessment (no audit)."""
        return authorize(principal, action, Resource.sna(area)).allowed

    # -- building ------------------------------------------------------------------------
    def build(self, principal: Principal, area: str, *, recommendations: str | None = None,
              editions: Iterable[str] = EDITIONS, end: str | None = None) -> Built:
        """Build ``area``'s assessment now, compare each edition with the last of its kind
        and store it under the next version (audited; refused outside the principal's
        areas; a refused recommendation is an EditionError naming the field)."""
        code, name = self.check_area(area)
        kinds = tuple(dict.fromkeys(check_edition(e) for e in editions)) or EDITIONS

        def make(text: str) -> list[Any]:
            full = self.assessor.build(self.warehouse(), code, edition="full", end=end,
                                       recommendations=text,
                                       opportunities=self.opportunities())
            return [full if k == "full" else self.assessor.public_summary(full)
                    for k in kinds]

        return self._keep(principal, code, name, kinds, recommendations, make)

    def save(self, principal: Principal, assessments: Iterable[Any]) -> list[Built]:
        """Store assessments built elsewhere (the command line's build), one audited save
        each, compared with the last edition of its kind; one built without
        recommendations takes the last edition's."""
        out = []
        for built in assessments:
            code, name = self.check_area(built.area_code)
            kind = check_edition(built.edition)

            def make(text: str, built: Any = built) -> list[Any]:
                if text != built.recommendations:
                    built = self.assessor.refresh(built, None, "recommendations",
                                                  recommendations=text)
                return [built]

            out.append(self._keep(principal, code, name, (kind,),
                                  built.recommendations or None, make))
        return out

    def opportunities(self) -> Any:
        """The directory's active listings at their places, for the services section
        (None when the app database has no directory)."""
        if self._opportunities is not None:
            return self._opportunities()
        from sqlalchemy.exc import SQLAlchemyError

        from vrhub.partnership.sna_context import opportunities_from_rows
        from vrhub.storage import directory_reads

        try:
            with self.sessions() as session:
                rows = directory_reads.index_rows(session)
        except SQLAlchemyError:
            return None
        return opportunities_from_rows(rows.services, rows.places)

    def _keep(self, principal: Principal, code: str, name: str, kinds: tuple[str, ...],
              recommendations: str | None, make: Callable[[str], list[Any]]) -> Built:
        previous = self._previous(code, kinds)
        with self.sessions() as session, self.policy.audited(
                principal, Action.BUILD_SNA, Resource.sna(code), session=session) as note:
            text = self._recommendations(recommendations, previous)
            changes: dict[str, list[dict[str, Any]]] = {}
            made = [self._render(principal, assessment, kind, (code, name), text,
                                 previous.get(kind), changes)
                    for kind, assessment in zip(kinds, make(text), strict=True)]
            rows = store.save(session, *made)
            views = tuple(_view(r, store.file_facts(session, r.id)) for r in rows)
            note.detail = (f"built {code}'s needs assessment: " + ", ".join(
                f"{v.edition} edition version {v.version}" for v in views)
                + f" ({views[0].period_from} to {views[0].period_to})")
        return Built(views, changes, {n.edition: dict(n.files) for n in made})

    def _previous(self, code: str, kinds: Iterable[str]) -> dict[str, EditionView]:
        with self.sessions() as session:
            found = {k: store.latest(session, code, k) for k in (*kinds, "full")}
            return {k: _view(r) for k, r in found.items() if r is not None}

    def _recommendations(self, given: str | None,
                         previous: Mapping[str, EditionView]) -> str:
        if given is None or not given.strip():
            last = previous.get("full") or previous.get("public")
            return last.recommendations if last is not None else ""
        try:
            return str(self.assessor.check_recommendations(given))
        except EditionError:
            raise
        except UserError as exc:
            raise EditionError("recommendations", exc.message, hint=exc.hint) from None

    def _render(self, principal: Principal, assessment: Any, kind: str,
                area: tuple[str, str],
                text: str, last: EditionView | None,
                changes: dict[str, list[dict[str, Any]]]) -> store.NewEdition:
        figures = self.assessor.figures(assessment)
        sections = {s.key: {"title": s.title, "available": bool(s.available),
                            "reason": s.reason} for s in assessment.sections}
        rows = compare(last.figures, figures, previous_sections=last.sections,
                       current_sections=sections) if last is not None else None
        changes[kind] = rows or []
        html = self.assessor.to_html(assessment, comparison=rows)
        files = {"html": _bytes(html),
                 "pdf": self.assessor.to_pdf(assessment, comparison=rows, html=html),
                 "xlsx": self.assessor.to_xlsx(assessment)}
        return store.NewEdition(
            area_code=area[0], area_name=area[1],
            edition=kind, period_from=str(assessment.period_from),
            period_to=str(assessment.period_to),
            definition_version=str(assessment.definition_version),
            built_at=self.clock(), built_by=principal.user_id, builder=principal.email,
            recommendations=text, figures=figures, sections=sections, files=files)

    # -- reading ---------------------------------------------------------------------------
    def overview(self, principal: Principal) -> list[AreaEditions]:
        """Every area with an edition the principal may see, or may build: the latest full
        edition where it may read them (one audit event for the list), the latest public
        summary everywhere."""
        areas = self.areas()
        readable: set[str] = set()
        if Action.READ_SNA in ROLE_ACTIONS[principal.role] and self._token_reads(principal):
            scope = self.policy.enforce_scope(principal, Action.READ_SNA, "sna_editions",
                                              detail="the list of needs assessments")
            readable = set(areas) if scope.everything else set(scope.boroughs) & set(areas)
        with self.sessions() as session:
            latest = store.latest_per_area(session)
            facts = {r.id: store.file_facts(session, r.id) for r in latest}
        full = {r.area_code: _view(r, facts[r.id]) for r in latest
                if r.edition == "full" and r.area_code in readable}
        public = {r.area_code: _view(r, facts[r.id]) for r in latest if r.edition == "public"}
        out = []
        for code, name in areas.items():
            may_build = self.may(principal, Action.BUILD_SNA, code)
            if code in readable or code in public or may_build:
                out.append(AreaEditions(code, name, full.get(code), public.get(code),
                                        code in readable, may_build))
        return out

    def public_summaries(self) -> list[EditionView]:
        """The latest public summary of each area that has one, London first (public: no
        policy question, no audit)."""
        with self.sessions() as session:
            rows = {r.area_code: _view(r, store.file_facts(session, r.id))
                    for r in store.latest_per_area(session, edition="public")}
        return sorted(rows.values(), key=lambda v: (v.area_code != LONDON, v.area_name))

    @staticmethod
    def _token_reads(principal: Principal) -> bool:
        return principal.token_scopes is None or Action.READ_SNA.value in principal.token_scopes

    def editions(self, principal: Principal, area: str) -> list[EditionView]:
        """Every edition of ``area``, newest first (audited; refused outside the
        principal's areas)."""
        code, _ = self.check_area(area)
        self.policy.enforce(principal, Action.READ_SNA, Resource.sna(code),
                            detail="the list of editions")
        with self.sessions() as session:
            return [_view(r, store.file_facts(session, r.id))
                    for r in store.listed(session, code)]

    def edition(self, principal: Principal, area: str, version: int | None = None,
                edition: str = "full", *, purpose: str = "read the edition") -> EditionView:
        """One edition (the latest of its kind without ``version``): a full edition or an
        older public summary audited and refused outside the principal's areas; the
        latest public summary open to everyone."""
        code, name = self.check_area(area)
        kind = check_edition(edition)
        with self.sessions() as session:
            latest = store.latest(session, code, kind)
            row = latest if version is None else store.get(session, code, kind, version)
            # the latest public summary (or the news that there is none yet) is public
            public_latest = kind == "public" and (
                version is None or (latest is not None and version == latest.version))
            number = version if version is not None else (row.version if row else None)
            resource = Resource.sna(code, kind, number)
            if public_latest:
                self.policy.enforce(principal, Action.READ_AGGREGATES, resource)
            else:
                self.policy.enforce(principal, Action.READ_SNA, resource, detail=purpose)
            if row is None:
                raise NotFound(
                    f"{name} has no {kind} needs-assessment edition"
                    + (f" version {version}" if version is not None else " yet"),
                    hint="see the list of editions" if version is not None
                    else "build one first")
            return _view(row, store.file_facts(session, row.id))

    def file(self, principal: Principal, area: str, version: int | None, edition: str,
             fmt: str) -> tuple[bytes, EditionView]:
        """One file of an edition (a full edition's download audited, naming the file)."""
        fmt = check_format(fmt)
        view = self.edition(principal, area, version, edition,
                            purpose=f"downloaded the {fmt} file")
        with self.sessions() as session:
            row = store.get(session, view.area_code, view.edition, view.version)
            content = store.file(session, row.id, fmt) if row is not None else None
        if content is None:
            raise NotFound(f"{view.area_name}'s {view.edition} edition version {view.version} "
                           f"has no {fmt} file", hint="download another format")
        return content, view

    def changes(self, principal: Principal, area: str, version: int | None = None,
                edition: str = "full") -> tuple[EditionView, EditionView | None,
                                                list[dict[str, Any]]]:
        """An edition, the one before it, and what changed between them (audited as a
        read of the edition)."""
        view = self.edition(principal, area, version, edition,
                            purpose="compared with the edition before it")
        with self.sessions() as session:
            before = store.latest(session, view.area_code, view.edition, before=view.version)
            earlier = _view(before) if before is not None else None
        if earlier is None:
            return view, None, []
        return view, earlier, compare(earlier.figures, view.figures,
                                      previous_sections=earlier.sections,
                                      current_sections=view.sections)


def file_name(view: EditionView, fmt: str) -> str:
    """The download's name: area, kind, version and period, e.g.
    ``sna-E09000007-full-v3-2024-12.pdf``."""
    return f"sna-{view.area_code}-{view.edition}-v{view.version}-{view.period_to}.{fmt}"


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _view(row: SnaEdition, files: Mapping[str, tuple[int, str]] | None = None) -> EditionView:
    return EditionView(
        area_code=row.area_code, area_name=row.area_name, edition=row.edition,
        version=row.version, period_from=row.period_from, period_to=row.period_to,
        definition_version=row.definition_version, built_at=row.built_at,
        builder=row.builder, recommendations=row.recommendations or "",
        figures={str(k): dict(v) for k, v in (row.figures or {}).items()},
        sections={str(k): dict(v) for k, v in (row.sections or {}).items()},
        files=dict(files or {}))
