"""Statistical disclosure control: the one module every public output goes through.

The rule (NHS Digital's, as applied by OpenSAFELY) for any output below national level:

- a count of 1 to 7 is suppressed (published as null; shown as ``[c]`` in tables);
- every other count is rounded to the nearest 5 (halves round up; 0 stays 0);
- a rate or percentage is recomputed from the disclosed counts, and is suppressed when its
  numerator, or a count denominator, was suppressed; a rate computed from unrounded
  counts would give the exact count back;
- public data is never finer than ward x month, and never carries points (coordinates or
  point geometries), times of day, dates finer than a month, or free text;
- a count written in words (a note such as "1,369 rows with no borough", a description,
  any text field of an output's metadata) follows the same rule: :func:`disclose_text`
  rewrites it ("about 1,370 rows", "fewer than eight rows") and :func:`scan_text` finds
  one that was not.

:func:`apply` enforces all of it on a frame before it is written; :func:`scan_frame` and
:func:`scan_public_output` check a finished output (CSV, JSON/GeoJSON, XLSX, Parquet,
GeoPackage) independently, so a public output that skipped :func:`apply` is still caught.

Counts are known by declaration: :func:`apply` records its count and rate columns in
``frame.attrs["vrhub"]["disclosure"]``, which :func:`disclosure_metadata` hands to
:func:`vrhub.reports.outputs.write_result`; the scanner reads it back. Without a
declaration the scanner treats every whole-number column as a count unless its name says
otherwise (year, month, rank, decile, population ...): a false alarm is cheaper than a
published small number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vrhub.analytics.disclosure_files import OutputFile
from vrhub.analytics.suppression_markers import as_numbers
from vrhub.errors import DisclosureError

SUPPRESS_MAX = 7
ROUND_TO = 5
SUPPRESSED_MARK = "[c]"
RULE = f"counts 1-{SUPPRESS_MAX} suppressed, others rounded to the nearest {ROUND_TO}"

FINE_AREA_CODE = re.compile(r"^[EW]0[012]\d{6}$")  # output areas, LSOAs, MSOAs
AREA_CODE = re.compile(r"^(E05|W05|E0[6-9]|W06|E1[0-2]|E4[0-9]|E5[0-9]|E92|K0[2-4])\d{6}$")
POINT_WKT = re.compile(r"^\s*(MULTI)?POINT\b", re.IGNORECASE)
TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}\b")
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-(\d{2})\b")

COORDINATE_NAMES = frozenset({
    "easting", "northing", "latitude", "longitude", "lat", "lon", "lng", "long", "x", "y",
    "x_coord", "y_coord", "bng_x", "bng_y", "point", "location_point",
})
TIME_NAMES = frozenset({"time", "hour", "datetime", "timestamp", "time_of_day", "minute"})
FREE_TEXT_HINTS = ("description", "free_text", "freetext", "narrative", "comment", "notes",
                   "remarks", "details")
NON_COUNT_NAMES = frozenset({
    "year", "month", "quarter", "week", "day_of_week", "weekday", "rank", "decile",
    "quintile", "percentile", "population", "area", "area_m2", "area_km2", "fid", "id",
    "objectid", "imd_decile", "imd_rank", "order", "sort_order",
})
NON_COUNT_SUFFIXES = ("_rate", "_pct", "_percent", "_percentage", "_ratio", "_share", "_z",
                      "_p", "_score", "_index", "_rank", "_decile", "_year", "_month",
                      "_population", "_per_1000", "_per_100000", "_lower", "_upper")
NON_COUNT_PREFIXES = ("rate", "pct", "percent", "ratio", "z_", "p_", "gi", "lower", "upper")
FREE_TEXT_WORDS = 8
FREE_TEXT_CHARS = 100
SUPPRESSED_WORDS = "fewer than eight"
_COUNT_NOUNS = (r"(?:row\(s\)|rows?|records?|record\(s\)|attendances?|assaults?|offences?|"
                r"crimes?|incidents?|people|persons?|patients?|victims?|cases?|events?|"
                r"submissions?|files?|calls?)")
COUNT_IN_TEXT = re.compile(
    r"(?<![\w.,:/-])(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?![\w.,:/%-]?\d)(?![%\w])"
    r"(?P<words>(?:\s+[A-Za-z_()'-]+){0,3}?\s+" + _COUNT_NOUNS + r")(?![\w])",
    re.IGNORECASE)
"""A whole number followed, within three words, by what it counts ("1,369 istv_assault
row(s)", "12 offences"). Years, months and rates are not followed by such a word."""


# -- the rule ---------------------------------------------------------------------------
def disclose_count(value: int) -> int | None:
    """One count under the rule: None (suppressed) for 1-7, else nearest 5, halves up."""
    if value < 0:
        raise DisclosureError(f"count {value} is negative", hint="counts cannot be below 0")
    if value == 0:
        return 0
    if value <= SUPPRESS_MAX:
        return None
    return int(ROUND_TO * math.floor(value / ROUND_TO + 0.5))


def disclose_text(text: str) -> str:
    """``text`` with every count written in it under the rule: "1,369 rows" becomes
    "about 1,370 rows", "3 rows" "fewer than eight rows"; 0 and counts already on the
    rule's grid stay as they are."""
    def rewrite(match: re.Match[str]) -> str:
        value = int(match["number"].replace(",", ""))
        shown = disclose_count(value)
        if shown is None:
            return f"{SUPPRESSED_WORDS}{match['words']}"
        if shown == value:
            return match.group(0)
        return f"about {shown:,}{match['words']}"

    return COUNT_IN_TEXT.sub(rewrite, text)


def counts_breaking_rule(text: str) -> list[tuple[str, int]]:
    """The counts written in ``text`` that break the rule: (the words, the count)."""
    out = []
    for match in COUNT_IN_TEXT.finditer(text):
        value = int(match["number"].replace(",", ""))
        if value and (value <= SUPPRESS_MAX or value % ROUND_TO):
            out.append((match.group(0).strip(), value))
    return out


def suppress_and_round(counts: Iterable[Any] | pd.Series) -> pd.Series:
    """The rule on a column of counts: a nullable integer series, null where suppressed.

    Missing input counts stay missing. Fractional or negative counts are refused.
    """
    series = pd.Series(counts) if not isinstance(counts, pd.Series) else counts
    numbers = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & numbers.isna()
    if bad.any():
        raise DisclosureError(f"count {series[bad].iloc[0]!r} is not a number",
                              hint="pass whole-number counts")
    values = numbers.to_numpy(dtype="float64", na_value=np.nan)
    known = ~np.isnan(values)
    given = values[known]
    wrong = (given < 0) | (given != np.floor(given))
    if wrong.any():
        offender = given[wrong][0]
        raise DisclosureError(f"count {offender:g} is not a whole number of 0 or more",
                              hint="disclosure control applies to counts; pass rates separately")
    rounded = ROUND_TO * np.floor(values / ROUND_TO + 0.5)
    out = np.where(values == 0, 0.0, np.where(values <= SUPPRESS_MAX, np.nan, rounded))
    out[~known] = np.nan
    return pd.Series(pd.array(out, dtype="Float64").astype("Int64"), index=series.index,
                     name=series.name)


@dataclass(frozen=True)
class Rate:
    """A rate recomputed from disclosed counts: ``numerator / denominator * per``.

    ``numerator`` must be a count column. ``denominator`` is a count column (disclosed
    first) or a published figure such as population (used as it is).
    """

    numerator: str
    denominator: str
    per: float = 1.0


def apply(frame: pd.DataFrame, count_columns: Sequence[str], *,
          rates: Mapping[str, Rate] | None = None,
          derived_from: Mapping[str, Sequence[str]] | None = None,
          allow_columns: Sequence[str] = ()) -> pd.DataFrame:
    """A copy of ``frame`` fit for publication, or :class:`DisclosureError`.

    Checks the shape first (no geography finer than ward, no dates finer than month, no
    points, times or free text; ``allow_columns`` exempts named columns from the name-based
    checks only), then disclosure-controls ``count_columns`` and (re)computes ``rates``.
    ``derived_from`` names other measures computed from counts (a z-score, a trend) and
    the counts they come from: they are nulled wherever one of those was suppressed.
    """
    rates = dict(rates or {})
    derived = {k: list(v) for k, v in (derived_from or {}).items()}
    missing = [c for c in [*count_columns, *(r.numerator for r in rates.values()),
                           *(r.denominator for r in rates.values()), *derived,
                           *(c for v in derived.values() for c in v)]
               if c not in frame.columns]
    if missing:
        raise DisclosureError(f"column {missing[0]!r} is not in the output",
                              hint="columns are: " + ", ".join(map(str, frame.columns)))
    for name, rate in rates.items():
        if rate.numerator not in count_columns:
            raise DisclosureError(f"rate {name!r} has numerator {rate.numerator!r}, which is "
                                  "not a declared count column",
                                  hint="add it to count_columns")
    for name, sources in derived.items():
        outside = [c for c in sources if c not in count_columns]
        if outside:
            raise DisclosureError(f"{name!r} is derived from {outside[0]!r}, which is not a "
                                  "declared count column", hint="add it to count_columns")
    problems = scan_frame(frame, name="output", counts=(), allow_columns=allow_columns,
                          exempt=[*count_columns, *rates, *derived])
    if problems:
        raise DisclosureError(
            "this output cannot be published: " + "; ".join(p.describe() for p in problems[:5]),
            hint="aggregate to ward (or coarser) and month, and drop point, time and "
            "free-text columns",
        )
    out = frame.copy()
    for column in count_columns:
        out[column] = suppress_and_round(frame[column])
    for name, rate in rates.items():
        numerator = out[rate.numerator].astype("Float64")
        denominator = (out[rate.denominator] if rate.denominator in count_columns
                       else frame[rate.denominator]).astype("Float64")
        value = numerator / denominator * rate.per
        value = value.mask(denominator.isna() | (denominator == 0) | numerator.isna())
        out[name] = value
    for name, sources in derived.items():
        hidden = np.zeros(len(out), dtype=bool)
        for source in sources:
            hidden |= out[source].isna().to_numpy()
        out[name] = out[name].mask(hidden)
    meta = dict(out.attrs.get("vrhub", {}))
    meta["disclosure"] = {
        "rule": RULE,
        "counts": list(count_columns),
        "rates": {**{k: [r.numerator, r.denominator] for k, r in rates.items()}, **derived},
        "suppressed_cells": int(sum(out[c].isna().sum() - frame[c].isna().sum()
                                    for c in count_columns)),
    }
    out.attrs["vrhub"] = meta
    return out


def disclosure_metadata(frame: pd.DataFrame) -> dict[str, Any]:
    """The declaration :func:`apply` left on ``frame``, to pass as
    ``write_result(..., output_metadata(..., disclosure=disclosure_metadata(frame)))``."""
    meta = frame.attrs.get("vrhub", {}).get("disclosure")
    if meta is None:
        raise DisclosureError("this frame has not been through disclosure control",
                              hint="call vrhub.analytics.disclosure.apply() first")
    return dict(meta)


# -- checking finished outputs ------------------------------------------------------------
@dataclass(frozen=True)
class Violation:
    """One reason an output may not be published. ``row`` is 1-based among data rows."""

    rule: str
    column: str
    row: int | None = None
    value: Any = None
    source: str = ""

    def describe(self) -> str:
        where = f"{self.source}: " if self.source else ""
        at = f" row {self.row}" if self.row is not None else ""
        shown = f" value {self.value!r}" if self.value is not None else ""
        return f"{where}column {self.column!r}{at}{shown}: {RULES[self.rule]}"

    def to_dict(self) -> dict[str, Any]:
        value = self.value if isinstance(self.value, int | float | str | None) else str(
            self.value)
        return {"rule": self.rule, "column": self.column, "row": self.row, "value": value,
                "source": self.source, "message": RULES[self.rule]}


RULES = {
    "small_count": f"a count between 1 and {SUPPRESS_MAX} must be suppressed",
    "unrounded_count": f"a count must be 0 or a multiple of {ROUND_TO}",
    "negative_count": "a count cannot be negative",
    "rate_of_suppressed": "a rate from a suppressed count must be suppressed too",
    "point_geometry": "point geometries are not allowed in public outputs",
    "coordinates": "coordinate columns are not allowed in public outputs",
    "time_of_day": "times of day are not allowed in public outputs",
    "finer_than_month": "dates finer than a month are not allowed in public outputs",
    "free_text": "free text is not allowed in public outputs",
    "finer_than_ward": "areas smaller than a ward (OA, LSOA, MSOA) are not allowed",
    "unidentified_geometry": "a public map layer must carry ward or coarser area codes",
    "unreadable": "this output could not be read to be checked",
    "count_in_text": f"a count written in text must be 0, or {SUPPRESS_MAX + 1} or more "
                     f"rounded to the nearest {ROUND_TO} (write 'about N' or "
                     f"'{SUPPRESSED_WORDS}')",
}


def _is_count_name(name: str) -> bool:
    low = name.strip().lower()
    return not (low in NON_COUNT_NAMES or low.endswith(NON_COUNT_SUFFIXES)
                or low.startswith(NON_COUNT_PREFIXES))


def scan_frame(frame: pd.DataFrame, *, name: str = "", counts: Sequence[str] | None = None,
               rates: Mapping[str, Sequence[str]] | None = None,
               allow_columns: Sequence[str] = (), exempt: Sequence[str] = (),
               geometry_types: Sequence[str | None] | None = None) -> list[Violation]:
    """Every reason ``frame`` may not be published.

    ``counts`` names the count columns (None: guess from names and values; an empty list
    checks only the shape). ``rates`` maps rate columns to the counts they come from.
    ``geometry_types`` gives the geometry type of each row for map layers.
    """
    found: list[Violation] = []
    allow = {c.lower() for c in allow_columns}
    exempt_set = set(exempt)
    geo_column = getattr(frame, "_geometry_column_name", None)
    for column in frame.columns:
        label = str(column)
        if column == geo_column:
            continue
        series = frame[column]
        low = label.strip().lower()
        named_ok = low in allow or column in exempt_set
        if not named_ok:
            if low in COORDINATE_NAMES:
                found.append(Violation("coordinates", label, source=name))
                continue
            if low in TIME_NAMES or low.endswith(("_time", "_datetime", "_timestamp")):
                found.append(Violation("time_of_day", label, source=name))
                continue
            if any(h in low for h in FREE_TEXT_HINTS):
                found.append(Violation("free_text", label, source=name))
                continue
        found += _check_values(series, label, name)
    found += _check_geometry(frame, name, geometry_types)
    count_columns = (list(counts) if counts is not None else [
        str(c) for c in frame.columns
        if c != geo_column and _is_count_name(str(c)) and _whole_numbers(frame[c])])
    for column in count_columns:
        if column in frame.columns:
            found += _check_counts(frame[column], column, name)
    for rate, sources in (rates or {}).items():
        if rate not in frame.columns:
            continue
        for source in sources:
            if source in frame.columns and source in count_columns:
                numbers = as_numbers(frame[source])
                rate_values = as_numbers(frame[rate])
                if numbers is None or rate_values is None:
                    continue
                leak = numbers.isna() & rate_values.notna()
                for idx in np.flatnonzero(leak.to_numpy()):
                    found.append(Violation("rate_of_suppressed", rate, int(idx) + 1,
                                           rate_values.iloc[idx], name))
    return found


def _whole_numbers(series: pd.Series) -> bool:
    numbers = as_numbers(series)
    if numbers is None:
        return False
    known = numbers.dropna()
    return not known.empty and bool((known == np.floor(known)).all())


def _check_counts(series: pd.Series, column: str, source: str) -> list[Violation]:
    numbers = as_numbers(series)
    if numbers is None:
        return []
    out: list[Violation] = []
    values = numbers.to_numpy()
    for idx in np.flatnonzero(~np.isnan(values)):
        v = values[idx]
        shown: Any = int(v) if v == math.floor(v) else float(v)
        if v < 0:
            out.append(Violation("negative_count", column, int(idx) + 1, shown, source))
        elif 0 < v <= SUPPRESS_MAX:
            out.append(Violation("small_count", column, int(idx) + 1, shown, source))
        elif v != 0 and (v != math.floor(v) or int(v) % ROUND_TO):
            out.append(Violation("unrounded_count", column, int(idx) + 1, shown, source))
    return out


def _check_values(series: pd.Series, column: str, source: str) -> list[Violation]:
    if pd.api.types.is_datetime64_any_dtype(series):
        stamps = pd.to_datetime(series, errors="coerce")
        fine = stamps.notna() & ((stamps.dt.day != 1) | (stamps.dt.hour != 0)
                                 | (stamps.dt.minute != 0) | (stamps.dt.second != 0))
        return [Violation("finer_than_month", column, int(i) + 1, str(series.iloc[i]), source)
                for i in np.flatnonzero(fine.to_numpy())[:20]]
    if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
        return []
    if pd.api.types.infer_dtype(series, skipna=True) == "string":
        return _check_strings(series, column, source)
    out: list[Violation] = []
    rules: dict[str, str | None] = {}
    for idx, raw in enumerate(series.tolist()):
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            continue
        if hasattr(raw, "year") and hasattr(raw, "month"):
            day = getattr(raw, "day", 1)
            if day != 1 or any(getattr(raw, a, 0) for a in ("hour", "minute", "second")):
                out.append(Violation("finer_than_month", column, idx + 1, str(raw), source))
            continue
        text = str(raw).strip()
        rule = rules[text] if text in rules else rules.setdefault(text, _text_rule(text))
        if rule:
            out.append(Violation(rule, column, idx + 1, text[:80], source))
        if len(out) >= 20:
            break
    return out


def _check_strings(series: pd.Series, column: str, source: str) -> list[Violation]:
    """:func:`_check_values` for a column of text: each distinct value is judged once
    (a column of millions of rows holds a few thousand names), then the first 20 rows
    holding a value that breaks a rule are reported, in row order."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = [str(u).strip() for u in uniques]
    rules = [_text_rule(t) for t in texts]
    bad = np.flatnonzero([r is not None for r in rules])
    if not len(bad):
        return []
    rows = np.flatnonzero(np.isin(codes, bad))[:20]
    return [Violation(str(rules[codes[i]]), column, int(i) + 1, texts[codes[i]][:80], source)
            for i in rows]


def _text_rule(text: str) -> str | None:
    if FINE_AREA_CODE.match(text.upper()):
        return "finer_than_ward"
    if POINT_WKT.match(text):
        return "point_geometry"
    if len(text) > FREE_TEXT_CHARS or len(text.split()) > FREE_TEXT_WORDS:
        return "free_text"
    if TIME_OF_DAY.search(text):
        return "time_of_day"
    day = ISO_DAY.search(text)
    if day and day.group(1) != "01":
        return "finer_than_month"
    return None


def _check_geometry(frame: pd.DataFrame, source: str,
                    geometry_types: Sequence[str | None] | None) -> list[Violation]:
    geo_column = getattr(frame, "_geometry_column_name", None)
    types: list[str | None] = list(geometry_types) if geometry_types is not None else []
    if not types and geo_column is not None and geo_column in frame.columns:
        types = [None if g is None else str(g) for g in frame.geometry.geom_type]
    if not any(types):
        return []
    out = [Violation("point_geometry", "geometry", i + 1, t, source)
           for i, t in enumerate(types) if t and "point" in t.lower()][:20]
    if not out and not _has_area_codes(frame):
        out.append(Violation("unidentified_geometry", "geometry", source=source))
    return out


def _has_area_codes(frame: pd.DataFrame) -> bool:
    for column in frame.columns:
        series = frame[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            values = series.dropna().astype(str).str.strip().str.upper()
            if not values.empty and values.str.match(AREA_CODE).all():
                return True
    return False


# -- files ------------------------------------------------------------------------------
SCANNABLE = (".csv", ".json", ".geojson", ".xlsx", ".parquet", ".gpkg")


@dataclass
class ScanReport:
    """What :func:`scan_public_tree` checked, skipped and found."""

    checked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "skipped": self.skipped,
                "violations": [v.to_dict() for v in self.violations]}


def scan_text(text: str, *, field_name: str, source: str = "") -> list[Violation]:
    """Counts written in one text field (a note, a title, a description) that break the
    rule."""
    return [Violation("count_in_text", field_name, None, words, source)
            for words, _value in counts_breaking_rule(text)]


def scan_public_output(path: Path | str) -> list[Violation]:
    """Every reason the output file at ``path`` may not be published: its tables, and
    every text field it carries (metadata, notes, descriptions, the manifest)."""
    path = Path(path)
    try:
        output = OutputFile(path)
        tables = output.tables()
    except Exception as exc:  # an unreadable output is never published unchecked
        return [Violation("unreadable", "", None, type(exc).__name__, path.name)]
    found: list[Violation] = []
    for label, frame, declared, geometry_types in tables:
        counts = declared.get("counts") if declared else None
        rates = declared.get("rates") if declared else None
        source = f"{path.name}{label}"
        found += scan_frame(frame, name=source, counts=counts, rates=rates,
                            geometry_types=geometry_types)
    del tables
    try:
        for where, _text, breaking in output.texts_breaking(counts_breaking_rule):
            found += [Violation("count_in_text", where, None, words, path.name)
                      for words, _value in breaking]
    except Exception as exc:
        found.append(Violation("unreadable", "", None, type(exc).__name__, path.name))
    return found


def scan_public_tree(folder: Path | str) -> ScanReport:
    """Scan every output under ``folder`` (the workspace's ``public`` directory)."""
    report = ScanReport()
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        if path.name.lower().endswith(".csv.json"):
            continue  # the metadata sidecar of a CSV, read with it
        if path.suffix.lower() in SCANNABLE:
            report.checked.append(str(path))
            report.violations += scan_public_output(path)
        else:
            report.skipped.append(str(path))
    return report
