"""Check ISTV records one by one: what is refused (quarantined) and what is flagged.

A record is **quarantined** (kept in the quarantine table with its reason, not loaded) when:

* a mandatory element is blank: assault date, assault method, location type
  (rules ``assault_at:required``, ``assault_method:required``, ``location_type:required``);
* a code is not in the code list that validates the submission (``…:code_list``);
* a date or time cannot be read, or is month-first / ambiguous (``…:format``);
* the assault is after the arrival (``assault_after_arrival``);
* a date is in the future (``future_date``);
* the arrival (or, without one, the assault) lies more than :data:`PERIOD_GRACE_DAYS`
  outside the reporting period (``outside_period``);
* it repeats an earlier record of the same file exactly (``duplicate``).

A record is **accepted with flags** (``istv_assault.flags``) when: the arrival is blank
(``arrival_missing``), the assault time is blank (``assault_time_missing``), the method is
'other' without a description (``other_method_undescribed``), the location description is
blank (``location_description_missing``), the arrival is more than
:data:`LATE_ARRIVAL_DAYS` after the assault (``late_arrival``), a date lies within the grace
days outside the period (``near_period``), a time was written 24:00 (``time_24_00``), free
text was cut to 255 characters (``truncated``), began like a spreadsheet formula
(``formula_neutralised``), or had identifiers redacted (``redacted``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from vrhub.ingest.istv.dates import DateProblem, Moment, month_first_column, parse_moment
from vrhub.ingest.istv.readers import RawRecord
from vrhub.standards.codelists import CodeListSet
from vrhub.standards.formula_cells import is_formula, neutralised
from vrhub.standards.istv import AGE_BANDS, FREE_TEXT_LIMIT
from vrhub.standards.schema import Problem

LATE_ARRIVAL_DAYS = 7
PERIOD_GRACE_DAYS = 7
_BLANK_TEXT = {"", "-", "--", ".", "n/a", "na", "none", "null", "nil"}

RECORD_COLUMNS = (
    "source_row", "arrival_at", "assault_at", "assault_time_known", "assault_method",
    "method_other_description", "location_type", "location_description", "age_band", "flags",
)


@dataclass
class Checked:
    """The outcome of checking one file's records."""

    accepted: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    flags: dict[str, list[int]] = field(default_factory=dict)
    rows_read: int = 0

    @property
    def quarantined_rows(self) -> set[int]:
        return {p.row for p in self.problems}


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and value.strip() == ""


def clean_text(value: object) -> tuple[str | None, list[str]]:
    """Free text as stored: blank tokens dropped, formulas neutralised, cut to 255."""
    if is_blank(value):
        return None, []
    text = re.sub(r"\s+", " ", str(value)).strip()
    if text.lower() in _BLANK_TEXT:
        return None, []
    flags: list[str] = []
    if is_formula(text):
        text = neutralised(text)
        flags.append("formula_neutralised")
    if len(text) > FREE_TEXT_LIMIT:
        text = text[:FREE_TEXT_LIMIT].rstrip()
        flags.append("truncated")
    return text, flags


def age_band(value: object, *, exact: bool) -> str | None:
    """An age band from a band or (``exact``) an age in years; None when unreadable."""
    if is_blank(value):
        return None
    text = str(value).strip()
    if exact:
        try:
            years = float(text)
        except ValueError:
            return None
        bounds = [(10, "0-10"), (15, "11-15"), (17, "16-17"), (24, "18-24"), (34, "25-34"),
                  (44, "35-44"), (54, "45-54"), (64, "55-64")]
        if years < 0 or years > 130:
            return None
        return next((band for top, band in bounds if years <= top), "65+")
    norm = re.sub(r"\s*(?:-|to|–)\s*", "-", text.lower()).replace(" ", "")
    norm = norm.replace("andover", "+").replace("plus", "+").replace("over65", "65+")
    return norm if norm in AGE_BANDS else None


def check_records(
    records: Sequence[RawRecord],
    *,
    codes: CodeListSet,
    period: tuple[dt.date, dt.date],
    received_at: dt.datetime,
) -> Checked:
    """Check ``records`` (already redacted) for one submission."""
    month_first = {
        name: month_first_column(r.values.get(name) for r in records)
        for name in ("arrival_at", "arrival_date", "assault_at", "assault_date")
    }
    methods, places = codes["assault_method"], codes["location_type"]
    start, end = period
    grace = dt.timedelta(days=PERIOD_GRACE_DAYS)

    def in_period(day: dt.date) -> bool:
        return start - grace <= day <= end + grace

    out_rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    flags: dict[str, list[int]] = {}
    seen: dict[tuple[Any, ...], int] = {}

    for rec in records:
        v = rec.values
        row_problems: list[Problem] = []
        row_flags: list[str] = []

        def problem(column: str, value: object, reason: str, rule: str,
                    _rp: list[Problem] = row_problems, _rec: RawRecord = rec) -> None:
            _rp.append(Problem(_rec.row, column, value, f"{_rec.where}: {reason}", rule))

        arrival = _moment(v, "arrival", month_first, problem, in_period)
        assault = _moment(v, "assault", month_first, problem, in_period)
        if arrival is None and not _has(v, "arrival"):
            row_flags.append("arrival_missing")
        if assault is None and not _has(v, "assault"):
            problem("assault_at", None, "the assault date is mandatory but is blank",
                    "assault_at:required")
        for moment in (arrival, assault):
            if moment is not None:
                row_flags.extend(moment.flags)
        if assault is not None and not assault.time_known:
            row_flags.append("assault_time_missing")

        method = _code(v.get("assault_method"), methods, "assault_method", codes.version,
                       problem)
        place = _code(v.get("location_type"), places, "location_type", codes.version, problem)
        other, other_flags = clean_text(v.get("method_other_description"))
        description, desc_flags = clean_text(v.get("location_description"))
        row_flags += other_flags + desc_flags
        if method == "other" and other is None:
            row_flags.append("other_method_undescribed")
        if description is None:
            row_flags.append("location_description_missing")
        if v.get("_redacted"):
            row_flags.append("redacted")
        band = None
        if not is_blank(v.get("age_band")) or not is_blank(v.get("age")):
            exact = is_blank(v.get("age_band"))
            band = age_band(v.get("age") if exact else v.get("age_band"), exact=exact)
            if band is None:
                row_flags.append("age_unrecognised")

        if arrival is not None and assault is not None:
            if assault.time_known:
                after = assault.value > arrival.value
            else:
                after = assault.value.date() > arrival.value.date()
            if after:
                problem("assault_at", assault.value.isoformat(sep=" "),
                        f"the assault ({assault.value:%Y-%m-%d %H:%M}) is after the arrival "
                        f"({arrival.value:%Y-%m-%d %H:%M}); check the two dates and times",
                        "assault_after_arrival")
            elif arrival.value - assault.value > dt.timedelta(days=LATE_ARRIVAL_DAYS):
                row_flags.append("late_arrival")
        for name, moment in (("arrival_at", arrival), ("assault_at", assault)):
            if moment is not None and moment.value > received_at:
                problem(name, moment.value.isoformat(sep=" "),
                        f"{name.replace('_at', '')} {moment.value:%Y-%m-%d %H:%M} is in the "
                        "future", "future_date")
        anchor = arrival or assault
        if anchor is not None:
            day = anchor.value.date()
            gap = (start - day).days if day < start else (day - end).days if day > end else 0
            which = "arrival" if arrival is not None else "assault"
            if gap > PERIOD_GRACE_DAYS:
                problem(f"{which}_at", day.isoformat(),
                        f"the {which} date {day} is outside the reporting period "
                        f"{start}..{end} (by {gap} days)", "outside_period")
            elif gap > 0:
                row_flags.append("near_period")

        if row_problems:
            problems.extend(row_problems)
            continue
        assert assault is not None and method is not None and place is not None
        row = {
            "source_row": rec.row,
            "arrival_at": arrival.value if arrival else None,
            "assault_at": assault.value,
            "assault_time_known": assault.time_known,
            "assault_method": method,
            "method_other_description": other,
            "location_type": place,
            "location_description": description,
            "age_band": band,
        }
        key = tuple(row[c] for c in RECORD_COLUMNS[1:9])
        if key in seen:
            problems.append(Problem(rec.row, "", None,
                                    f"{rec.where}: identical to record {seen[key]} of this "
                                    "file; a repeated row is loaded once", "duplicate"))
            continue
        seen[key] = rec.row
        unique_flags = list(dict.fromkeys(row_flags))
        row["flags"] = ";".join(unique_flags) or None
        for flag in unique_flags:
            flags.setdefault(flag, []).append(rec.row)
        out_rows.append(row)

    frame = pd.DataFrame(out_rows, columns=list(RECORD_COLUMNS))
    return Checked(frame, problems, flags, rows_read=len(records))


def _has(values: dict[str, Any], prefix: str) -> bool:
    return any(not is_blank(values.get(f"{prefix}_{s}")) for s in ("at", "date", "time"))


def _moment(values: dict[str, Any], prefix: str, month_first: dict[str, bool],
            problem: Any, in_period: Any) -> Moment | None:
    combined, day, time = (values.get(f"{prefix}_at"), values.get(f"{prefix}_date"),
                           values.get(f"{prefix}_time"))
    column = f"{prefix}_at" if not is_blank(combined) else f"{prefix}_date"
    date_value = combined if not is_blank(combined) else day
    if isinstance(date_value, str) and len(date_value) > 64:
        problem(column, date_value[:64], f"the {prefix} date is {len(date_value):,} "
                "characters long, too long to be a date", f"{prefix}_at:format")
        return None
    if isinstance(time, str) and len(time) > 64:
        problem(f"{prefix}_time", time[:64], f"the {prefix} time is too long to be a time",
                f"{prefix}_at:format")
        return None
    if is_blank(date_value):
        if not is_blank(time):
            problem(f"{prefix}_date", None, f"the {prefix} time is given but its date is "
                    "blank", f"{prefix}_at:required")
        return None
    try:
        return parse_moment(date_value, None if is_blank(time) else time,
                            month_first_seen=month_first.get(column, False),
                            in_period=in_period)
    except DateProblem as exc:
        shown = date_value if not isinstance(date_value, str) or len(date_value) < 80 else None
        problem(column, shown, str(exc), f"{prefix}_at:format")
        return None


def _code(value: object, code_list: Any, column: str, version: str,
          problem: Any) -> str | None:
    if is_blank(value):
        problem(column, None, f"{column} is mandatory but is blank", f"{column}:required")
        return None
    code: str | None = code_list.match(value)
    if code is None:
        problem(column, value,
                f"{str(value)[:60]!r} is not in code list {column} (version {version}); use "
                f"one of: {', '.join(code_list.code_values)}", f"{column}:code_list")
    return code

