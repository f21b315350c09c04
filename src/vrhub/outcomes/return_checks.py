"""Checking a return's rows against its template, its programme and its period.

Every row read is either accepted or quarantined with its reasons; nothing is dropped.
Each problem names the sheet, row, column and value (already through the identifier
guard) and says how to fix it. The checks:

- the sheet's columns: found by heading wherever they are (moved columns are read and
  noted); a renamed or missing required column quarantines the sheet's rows, naming the
  heading that is there instead;
- "Reach and delivery": a known data element, a breakdown it has, a category of that
  breakdown (an age band inside the programme's cohort ages, a borough it serves), a
  value that is a number (not a formula), not negative, whole for counts, young people
  reached no more than the programme's cohort, each figure once;
- a Measures sheet is checked and stored by :mod:`vrhub.outcomes.measures` (ranges,
  pseudonymous ids, dates inside the period, a participant twice), a Survey sheet by
  :mod:`vrhub.outcomes.survey_responses` (see :mod:`vrhub.outcomes.return_parts`);
- every free-text cell through the identifier guard (names, phone and NHS numbers,
  e-mails, dates of birth are removed; the row is kept and the receipt says so).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import dataclass, field
from typing import Any

from vrhub.outcomes.programmes import ProgrammeView
from vrhub.outcomes.return_files import Formula, ReturnFile, SheetRows, heading
from vrhub.privacy.identifiers import redact
from vrhub.standards.outcomes import (
    AGE_BAND_CODES,
    ELEMENTS,
    ETHNIC_GROUPS,
    INSTRUMENTS,
    SEXES,
    SHEETS_BY_PART,
    bands_within,
)
from vrhub.standards.schema import Column


@dataclass(frozen=True)
class RowProblem:
    sheet: str
    row: int
    column: str
    value: str | None
    problem: str
    hint: str
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column or None,
                "value": self.value, "problem": self.problem, "how_to_fix": self.hint,
                "rule": self.rule}


@dataclass
class Checked:
    rows_read: int = 0
    values: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    flags: list[RowProblem] = field(default_factory=list)
    quarantined: list[tuple[str, int]] = field(default_factory=list)
    redactions: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_accepted(self) -> int:
        return len(self.values)

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantined)


def shown(value: Any) -> str | None:
    """A cell's value as a receipt may show it: through the identifier guard, short."""
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)
    return redact(text).text[:80]


def expected_columns(part: str, programme: ProgrammeView) -> list[Column]:
    sheet = SHEETS_BY_PART[part]
    columns = list(sheet.columns)
    if part == "measures":
        for code in programme.measures:
            for item in INSTRUMENTS[code].items:
                columns.append(Column(item.code, "integer", item.label, minimum=item.low,
                                      maximum=item.high))
        for scale in programme.scales:
            columns.append(Column(scale.item, "integer", scale.label, minimum=scale.low,
                                  maximum=scale.high))
    return columns


class _Sheet:
    """One sheet being checked: its column positions and what became of its rows."""

    def __init__(self, sheet: SheetRows, columns: list[Column], out: Checked) -> None:
        self.sheet, self.columns, self.out = sheet, columns, out
        self.name = sheet.where
        found = [heading(h) for h in sheet.headings]
        self.index: dict[str, int] = {}
        for i, name in enumerate(found):
            if name and name not in self.index:
                self.index[name] = i
        expected = [c.name for c in columns]
        unknown = [sheet.headings[i] for i, name in enumerate(found)
                   if name and name not in expected]
        self.missing = [c for c in columns if c.name not in self.index]
        self.renamed: dict[str, str] = {}
        for col in self.missing:
            close = difflib.get_close_matches(col.name, [heading(u) for u in unknown], 1, 0.5)
            at = expected.index(col.name)
            if close:
                self.renamed[col.name] = next(u for u in unknown if heading(u) == close[0])
            elif at < len(found) and found[at] not in expected and found[at]:
                self.renamed[col.name] = sheet.headings[at]  # where the template puts it
        for label in unknown:
            if label not in self.renamed.values():
                out.notes.append(f"{self.name}: column {label!r} is not in the template and "
                                 "was not read")
        order = [n for n in found if n in expected]
        if order != [n for n in expected if n in order]:
            out.notes.append(f"{self.name}: columns are in a different order from the "
                             "template; they were read by their headings")

    def missing_required(self) -> list[Column]:
        return [c for c in self.missing if c.required or c.name == "value"]

    def refuse_all(self) -> None:
        """Quarantine every row: a column the rows need is missing or renamed."""
        col = self.missing_required()[0]
        was = self.renamed.get(col.name)
        problem = (f"the column {col.name!r} is missing: the heading {was!r} is there "
                   "instead (renamed?)" if was else f"the column {col.name!r} is missing")
        hint = (f"put the heading back to {col.name!r}, as in the template"
                if was else f"add the column {col.name!r} (download the template again)")
        for number, _ in self.sheet.rows:
            self.fail(number, col.name, was, problem, hint, "sheet:missing_column")

    def cell(self, cells: list[Any], name: str) -> Any:
        i = self.index.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    def fail(self, row: int, column: str, value: Any, problem: str, hint: str,
             rule: str) -> None:
        self.out.problems.append(RowProblem(self.name, row, column, shown(value), problem,
                                            hint, rule))

    def flag(self, row: int, column: str, value: Any, problem: str, hint: str,
             rule: str) -> None:
        self.out.flags.append(RowProblem(self.name, row, column, shown(value), problem, hint,
                                         rule))

    def free_text(self, row: int, name: str, value: Any) -> str:
        if value in (None, ""):
            return ""
        found = redact(str(value))
        if found.changed:
            for kind, n in found.counts.items():
                self.out.redactions[kind] = self.out.redactions.get(kind, 0) + n
            self.flag(row, name, found.text, "identifiers removed: " + ", ".join(
                sorted(k.replace("_", " ") for k in found.counts)),
                "never write names, phone or NHS numbers in a return", "identifier_removed")
        return found.text[:2000]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> float | str | None:
    """A cell as a number; None when blank; a reason (str) when it is not a number."""
    if _blank(value):
        return None
    if isinstance(value, Formula):
        return "formula"
    if isinstance(value, (bool, dt.date | dt.datetime)):
        return "not a number"
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else "not a number"
    text = str(value).strip().replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return "not a number"
    return number if math.isfinite(number) else "not a number"


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def check_return(found: ReturnFile, programme: ProgrammeView) -> Checked:
    """The accepted figures of the "Reach and delivery" sheet and the problems of the rows
    quarantined (Measures and Survey sheets are checked by their own uploads)."""
    out = Checked()
    out.notes.extend(found.notes)
    for sheet in found.sheets:
        if sheet.part in ("measures", "survey"):
            continue  # taken by their own uploads (see vrhub.outcomes.return_parts)
        out.rows_read += len(sheet.rows)
        state = _Sheet(sheet, expected_columns(sheet.part, programme), out)
        if state.missing_required():
            state.refuse_all()
        else:
            _check_values(state, programme)
        _close_rows(out, sheet)
    return out


def _close_rows(out: Checked, sheet: SheetRows) -> None:
    bad = {p.row for p in out.problems if p.sheet == sheet.where}
    out.quarantined.extend((sheet.where, r) for r in sorted(bad))


def categories(breakdown: str, programme: ProgrammeView) -> tuple[str, ...]:
    if breakdown == "age_band":
        return AGE_BAND_CODES
    if breakdown == "sex":
        return tuple(SEXES)
    if breakdown == "ethnicity":
        return tuple(ETHNIC_GROUPS)
    if breakdown == "borough":
        return programme.boroughs
    return ("",)


def _check_values(state: _Sheet, programme: ProgrammeView) -> None:
    seen: dict[tuple[str, str, str], int] = {}
    cohort_bands = bands_within(programme.cohort_min_age, programme.cohort_max_age)
    for number, cells in state.sheet.rows:
        before = len(state.out.problems)
        code = _text(state.cell(cells, "data_element")).lower()
        breakdown = _text(state.cell(cells, "breakdown")).lower() or "total"
        raw_category = _text(state.cell(cells, "category"))
        category = raw_category.upper() if breakdown == "borough" else raw_category.lower()
        raw_value = state.cell(cells, "value")
        element = ELEMENTS.get(code)
        if element is None:
            state.fail(number, "data_element", code or None, "is not a data element of the "
                       "template" if code else "is blank",
                       "use one of " + ", ".join(ELEMENTS), "value:unknown_element")
        elif breakdown not in element.breakdowns:
            state.fail(number, "breakdown", breakdown, f"{code} is not broken down by "
                       f"{breakdown}", "use " + ", ".join(element.breakdowns),
                       "value:bad_breakdown")
        elif breakdown == "total" and category:
            state.fail(number, "category", raw_category, "a total has no category",
                       "leave the category blank on a total row", "value:bad_category")
        elif breakdown != "total" and category not in categories(breakdown, programme):
            hint = ("use a borough the programme serves: " + ", ".join(programme.boroughs)
                    if breakdown == "borough" else "use " + ", ".join(
                        categories(breakdown, programme)))
            state.fail(number, "category", raw_category or None,
                       f"is not a {breakdown.replace('_', ' ')} category", hint,
                       "value:bad_category")
        elif breakdown == "age_band" and category not in cohort_bands:
            state.fail(number, "category", raw_category, "this age band is outside the "
                       f"programme's cohort (ages {programme.cohort_min_age} to "
                       f"{programme.cohort_max_age})", "check the age band, or ask the VRU "
                       "to correct the programme's cohort", "value:outside_cohort")
        value = _number(raw_value)
        if value == "formula":
            state.fail(number, "value", raw_value, "is a formula, not a figure",
                       "type the figure itself (copy, then paste values only)",
                       "value:formula")
        elif isinstance(value, str):
            state.fail(number, "value", raw_value, "is not a number",
                       "write the figure as digits, e.g. 42, or leave it blank if not "
                       "collected", "value:not_number")
        elif value is not None and value < 0:
            state.fail(number, "value", raw_value, "is negative: counts and hours cannot "
                       "be below 0", "give the figure for the period (0 or more)",
                       "value:negative")
        elif value is not None and element is not None and element.whole \
                and not float(value).is_integer():
            state.fail(number, "value", raw_value, f"{code} is counted in whole numbers",
                       "give a whole number", "value:not_whole")
        elif (value is not None and code == "young_people_reached" and breakdown == "total"
              and programme.cohort_size is not None and value > programme.cohort_size):
            state.fail(number, "value", raw_value, f"is more young people than the "
                       f"programme's cohort of {programme.cohort_size}",
                       "check the figure (each young person counted once); if the cohort "
                       "has grown, ask the VRU to update the programme", "value:over_cohort")
        key = (code, breakdown, category)
        if len(state.out.problems) == before and key in seen:
            state.fail(number, "data_element", code, f"this figure is given twice (first on "
                       f"row {seen[key]})", "keep one row per figure", "value:duplicate")
        if len(state.out.problems) > before:
            continue
        seen[key] = number
        state.out.values.append({
            "row_number": number, "data_element": code, "breakdown": breakdown,
            "category": category, "value": value,
            "comment": state.free_text(number, "comment", state.cell(cells, "comment"))})
    _check_breakdown_sums(state)


def _check_breakdown_sums(state: _Sheet) -> None:
    totals = {v["data_element"]: v for v in state.out.values
              if v["breakdown"] == "total" and v["value"] is not None}
    sums: dict[tuple[str, str], float] = {}
    for v in state.out.values:
        if v["breakdown"] != "total" and v["value"] is not None:
            key = (v["data_element"], v["breakdown"])
            sums[key] = sums.get(key, 0.0) + v["value"]
    for (code, breakdown), total in sorted(sums.items()):
        row = totals.get(code)
        if row is not None and breakdown != "borough" and total > row["value"]:
            state.flag(row["row_number"], "value", row["value"], f"the {breakdown} rows of "
                       f"{code} add up to {total:g}, more than the total",
                       "check the total and its breakdown", "value:breakdown_over_total")
