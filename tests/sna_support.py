"""A stand-in for the needs-assessment builder in tests of the edition store, its pages and
its API: it returns the figures a test sets (in the real builder's Section and
NeedsAssessment) and renders them into small HTML, PDF and XLSX files; recommendations are
checked by the real builder's rule. The real builder's own tests are in tests/integration
and tests/unit."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field, replace
from typing import Any

from openpyxl import Workbook

from vrhub.partnership import sna
from vrhub.partnership.sna_model import SECTION_KEYS as SECTIONS
from vrhub.partnership.sna_model import NeedsAssessment, Section


@dataclass
class StandIn:
    """``figures[area]`` (section -> figure -> value) is what the next build of the area
    finds; a section missing from it has no data. Every call is kept in ``calls``."""

    figures: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    period: tuple[str, str] = ("2024-01", "2024-12")
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def build(self, warehouse: Any, area: str, *, edition: str = "full",
              end: str | None = None, recommendations: str = "", **_: Any) -> NeedsAssessment:
        self.calls.append(("build", area))
        found = self.figures.get(area, {})
        sections = tuple(
            Section(key, key.title(), key in found,
                    None if key in found else f"{area} has no data for {key}",
                    dict(found.get(key, {})), {})
            for key in SECTIONS)
        return NeedsAssessment(area, area, edition, self.period[0], end or self.period[1],
                          "svd-1", recommendations, sections, dt.datetime(2025, 1, 5))

    def public_summary(self, assessment: NeedsAssessment) -> NeedsAssessment:
        def rounded(value: Any) -> Any:
            return value if not isinstance(value, int) else 5 * round(value / 5)

        return replace(assessment, edition="public", sections=tuple(
            replace(s, figures={k: rounded(v) for k, v in s.figures.items()})
            for s in assessment.sections))

    def refresh(self, assessment: NeedsAssessment, warehouse: Any, key: str, *,
                recommendations: str = "") -> NeedsAssessment:
        assert key == "recommendations"
        self.calls.append(("refresh", assessment.area_code))
        return replace(assessment, recommendations=recommendations)

    def figures_of(self, assessment: NeedsAssessment) -> dict[str, dict[str, Any]]:
        return {s.key: dict(s.figures) for s in assessment.sections}

    def to_html(self, assessment: NeedsAssessment, *, comparison: list[dict[str, Any]] | None = None
                ) -> str:
        rows = "".join(f"<tr><td>{r['section']}</td><td>{r['figure']}</td>"
                       f"<td>{r['change']}</td></tr>" for r in comparison or [])
        return (f"<!doctype html><html lang='en'><title>{assessment.area_name}</title>"
                f"<h1>{assessment.edition} {assessment.area_code}</h1>"
                f"<p>{assessment.recommendations}</p><table>{rows}</table></html>")

    def to_pdf(self, assessment: NeedsAssessment, *, comparison: list[dict[str, Any]] | None = None,
               html: str | None = None) -> bytes:
        return (b"%PDF-1.4\n% " + assessment.area_code.encode() + b" "
                + assessment.edition.encode() + b"\n%%EOF\n")

    def to_xlsx(self, assessment: NeedsAssessment) -> bytes:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["section", "figure", "value"])
        for s in assessment.sections:
            for k, v in s.figures.items():
                sheet.append([s.key, k, v])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def check_recommendations(self, text: str) -> str:
        return sna.check_recommendations(text)


class Assessor:
    """The stand-in with the real module's names (``figures`` is a function there)."""

    def __init__(self, stand_in: StandIn) -> None:
        self.stand_in = stand_in
        self.build = stand_in.build
        self.public_summary = stand_in.public_summary
        self.figures = stand_in.figures_of
        self.to_html = stand_in.to_html
        self.to_pdf = stand_in.to_pdf
        self.to_xlsx = stand_in.to_xlsx
        self.check_recommendations = stand_in.check_recommendations
        self.refresh = stand_in.refresh
