"""A needs assessment as documents: an accessible HTML page (a Jinja template of the
package: one ``h1``, a heading per section, tables with captions and column headers,
maps with their title as alternative text, the page's language), the same page as a PDF
(:mod:`vrhub.reports.printing`, WeasyPrint), and an XLSX data annex with a sheet per
table (no cell a spreadsheet would run as a formula)."""

from __future__ import annotations

import io
import math
import numbers
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from vrhub.partnership.sna_model import NeedsAssessment, Section
from vrhub.reports import printing
from vrhub.reports.spreadsheet_safety import neutralise_frame
from vrhub.standards.months import Month

TEMPLATES = Path(__file__).parent / "templates"
PRINT_CSS = TEMPLATES / "sna-print.css"
SHOWN_ROWS = 10
#: tables drawn as a chart in print (the page shows both; the annex has the table)
SCREEN_ONLY = {"hour_by_day"}
#: what each table shows on the page (all columns go to the XLSX annex), and its caption
DISPLAY: dict[str, tuple[str, list[str]]] = {
    "definition": ("Categories the definition counts", ["category", "mps_category",
                                                         "in_total", "in_loaded_data"]),
    "sources": ("Data sources, the months they cover and their caveats",
                ["source", "months", "months_missing", "caveat"]),
    "trends": ("Offences per year (each the 12 months to the month named), the latest "
               "year's rate per 1,000 residents against London's, and its change on the "
               "year before with the exact 95% confidence interval", []),
    "wards": ("Wards: offences in the latest 12 months and the 12 before, rate per 1,000 "
              "residents", ["ward", "count", "previous", "rate_per_1000"]),
    "lsoas": ("LSOAs with most offences in the latest 12 months",
              ["lsoa", "lsoa_code", "count", "rate_per_1000"]),
    "hotspots": ("Hotspot cells, persistent first", ["ward", "classification",
                                                     "quarters_hot", "count"]),
    "deprivation": ("Rate by the ward's IMD 2025 decile (1 = most deprived)",
                    ["imd_decile", "areas", "count", "population", "rate_per_1000",
                     "rate_lower", "rate_upper", "share_of_events"]),
    "hour_by_day": ("ED assaults by hour of day and day of week", []),
    "seasonal": ("Serious violence by calendar month (100 = an average month)",
                 ["month_name", "years", "count", "average", "index"]),
    "ages": ("ED assault patients by age band", ["age_band", "count", "share"]),
    "ed_police": ("ED assaults beside police-recorded offences",
                  ["month_from", "month_to", "months", "ed_count", "police_count", "ratio",
                   "ratio_lower", "ratio_upper"]),
    "deprivation_domains": ("Share of the area's LSOAs in England's most deprived 20%, by "
                            "domain", ["domain", "lsoas", "most_deprived_20_pct_share"]),
    "population": ("Residents", ["measure", "population"]),
    "provision": ("Wards by violence and the places offering opportunities",
                  ["ward", "count", "rate_per_1000", "opportunities", "high_violence"]),
}
LABELS = {
    "label": "Category", "year_to": "Year to", "months_covered": "Months",
    "count": "Offences", "rate_per_1000": "Per 1,000", "london_rate_per_1000":
    "London per 1,000", "pct_change": "Change %", "ratio_lower": "95% CI lower",
    "ratio_upper": "95% CI upper", "previous": "Year before", "rate_lower": "Lower",
    "rate_upper": "Upper", "imd_decile": "IMD decile", "share_of_events": "Share of offences",
    "month_name": "Month", "age_band": "Age band", "ed_count": "ED assaults",
    "police_count": "Police offences", "most_deprived_20_pct_share": "Share most deprived",
    "quarters_hot": "Quarters hot", "high_violence": "High violence",
    "months_missing": "Months missing", "mps_category": "MPS category",
    "in_total": "In the total", "in_loaded_data": "Loaded", "lsoa_code": "Code",
    "lsoa": "LSOA", "month_from": "From", "month_to": "To", "ratio": "Ratio",
}


#: columns holding whole numbers (counts, months, areas), shown without decimals
WHOLE = {"count", "previous", "london_count", "ed_count", "police_count", "months_missing",
         "months", "years", "areas", "lsoas", "opportunities", "quarters_hot", "population",
         "months_covered", "imd_decile", "calendar_month"}


def _label(column: str) -> str:
    return LABELS.get(column, column.replace("_", " ").capitalize())


def _cell(value: Any, column: str, counts: set[str]) -> str:
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return "[c]" if column in counts else ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            return ""
        if (column in counts or column in WHOLE) and number.is_integer():
            return f"{int(number):,}"
        if "share" in column:
            return f"{number:.0%}"
        return f"{number:,.2f}"
    return str(value)


def _change(lower: Any, upper: Any) -> str:
    if pd.isna(lower) or pd.isna(upper) or not math.isfinite(float(upper)):
        return ""
    return f"{(float(lower) - 1) * 100:+.0f}% to {(float(upper) - 1) * 100:+.0f}%"


def trends_view(frame: pd.DataFrame) -> dict[str, Any]:
    """The trend table as read on the page: a row per category, the count of each year,
    then the latest year's rate, London's, and the change with its interval."""
    counts = set(frame.attrs.get("vrhub", {}).get("disclosure", {}).get("counts", []))
    years = sorted(frame["year_to"].unique())
    latest = years[-1] if years else ""
    headers = ["Category", *(f"Year to {Month.parse(y).label}" for y in years),
               "Per 1,000 (latest)", "London per 1,000", "Change on the year before",
               "95% CI of the change"]
    rows = []
    for label, part in frame.groupby("label", sort=False):
        by_year = part.set_index("year_to")
        now = by_year.loc[latest] if latest in by_year.index else None
        rows.append([str(label), *(_cell(by_year["count"].get(y), "count", counts)
                                   for y in years),
                     "" if now is None else _cell(now["rate_per_1000"], "rate", counts),
                     "" if now is None else _cell(now["london_rate_per_1000"], "rate", counts),
                     "" if now is None or pd.isna(now["pct_change"])
                     else f"{float(now['pct_change']):+.0f}%",
                     "" if now is None else _change(now["ratio_lower"], now["ratio_upper"])])
    return {"name": "trends", "caption": DISPLAY["trends"][0], "headers": headers,
            "numeric": [False, *([True] * (len(headers) - 1))], "rows": rows, "more": 0,
            "screen_only": False}


def table_view(name: str, frame: pd.DataFrame) -> dict[str, Any]:
    """What the template shows of a table: caption, headers, rows (as text), how many
    rows are left for the annex, which columns are numeric."""
    if name == "trends" and len(frame):
        return trends_view(frame)
    caption, columns = DISPLAY.get(name, (name.replace("_", " ").capitalize(), []))
    columns = [c for c in columns if c in frame.columns] or [str(c) for c in frame.columns]
    counts = set(frame.attrs.get("vrhub", {}).get("disclosure", {}).get("counts", []))
    shown = frame.head(SHOWN_ROWS) if len(frame) > SHOWN_ROWS + 5 and \
        name not in SCREEN_ONLY else frame
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
        frame[c]) for c in columns]
    rows = [[_cell(v, c, counts) for v, c in zip(row, columns, strict=True)]
            for row in shown[columns].itertuples(index=False)]
    return {"name": name, "caption": caption, "headers": [_label(c) for c in columns],
            "numeric": numeric, "rows": rows, "more": len(frame) - len(shown),
            "screen_only": name in SCREEN_ONLY}


def _environment() -> Environment:
    return Environment(loader=PackageLoader("vrhub.partnership", "templates"),
                       autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                       lstrip_blocks=True)


def _section_view(section: Section) -> dict[str, Any]:
    return {"key": section.key, "title": section.title, "available": section.available,
            "reason": section.reason, "text": section.text, "notes": section.notes,
            "maps": [svg for _name, svg in section.maps],  # SVG made (and escaped) in sna_maps
            "tables": [table_view(n, f) for n, f in section.tables.items()]}


def to_html(assessment: NeedsAssessment, *, comparison: list[dict[str, Any]] | None = None
            ) -> str:
    """The assessment as a standalone, accessible HTML document."""
    template = _environment().get_template("sna.html.j2")
    return template.render(
        a=assessment, sections=[_section_view(s) for s in assessment.sections],
        period=f"{Month.parse(assessment.period_from).label} to "
               f"{Month.parse(assessment.period_to).label}",
        latest=f"{Month.parse(assessment.period_to).label}",
        built=assessment.built_at.strftime("%d %B %Y %H:%M UTC"),
        comparison=comparison or [], css=PRINT_CSS.read_text(encoding="utf-8"),
        footer=_css_text(f"Serious violence needs assessment: {assessment.area_name}, "
                         f"{assessment.edition} edition"))


def _css_text(text: str) -> str:
    """Text safe inside a CSS string in a ``<style>`` element (quotes, backslashes and
    markup characters escaped)."""
    return "".join(ch if ch.isalnum() or ch in " ,.:-()" else f"\\{ord(ch):x} "
                   for ch in text)


def to_pdf(assessment: NeedsAssessment, *, comparison: list[dict[str, Any]] | None = None,
           html: str | None = None) -> bytes:
    """The HTML document as an A4 PDF (``html``: the document already rendered)."""
    page = html if html is not None else to_html(assessment, comparison=comparison)
    return html_to_pdf(page)


def html_to_pdf(html: str) -> bytes:
    """A rendered assessment as a PDF: the document's own print styles (its ``<style>``
    holds them), nothing fetched from elsewhere."""
    return printing.pdf(html, None, base_url=TEMPLATES)


def _sheet_name(section: str, name: str, used: set[str]) -> str:
    base = (name if name == section else f"{section} {name}")[:31]
    title, n = base, 2
    while title.lower() in used:
        title = f"{base[:28]} {n}"
        n += 1
    used.add(title.lower())
    return title


def _cell_value(value: Any) -> Any:
    """A value as the annex stores it: numbers as numbers, missing as empty, the rest as
    text (already made inert by :func:`neutralise_frame`)."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    return str(value)


def _write_sheet(book: Any, title: str, frame: pd.DataFrame) -> None:
    sheet = book.create_sheet(title)
    safe = neutralise_frame(frame)
    sheet.append([str(c) for c in safe.columns])
    for row in safe.itertuples(index=False):
        sheet.append([_cell_value(v) for v in row])


def to_xlsx(assessment: NeedsAssessment) -> bytes:
    """The data annex: a sheet describing the assessment, one of its headline figures,
    then one sheet per table (written row by row: an annex of 30 sheets takes a tenth of
    a second)."""
    from openpyxl import Workbook

    about = pd.DataFrame({"item": ["area", "area code", "edition", "period from",
                                   "period to", "definition version", "built at"],
                          "value": [assessment.area_name, assessment.area_code,
                                    assessment.edition, assessment.period_from,
                                    assessment.period_to, assessment.definition_version,
                                    assessment.built_at.isoformat()]})
    figures = pd.DataFrame([{"section": s.key, "figure": k, "value": v,
                             "available": s.available} for s in assessment.sections
                            for k, v in s.figures.items()],
                           columns=["section", "figure", "value", "available"])
    book = Workbook(write_only=True)
    used = {"about", "figures"}
    _write_sheet(book, "About", about)
    _write_sheet(book, "Figures", figures)
    for section in assessment.sections:
        for name, frame in section.tables.items():
            _write_sheet(book, _sheet_name(section.key, name, used), frame)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
