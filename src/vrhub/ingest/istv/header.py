"""Where a submission's header (site of treatment, reporting period) comes from.

In order of precedence: command options (``--site RJ122 --period 2024-01``), the file's own
header (a header block or sheet, XML ``<Header>``), header columns repeated on every row,
and the file name (``RJ122_2024-01.csv``, ``istv-RJ122-202401.xlsx``). Two sources that
disagree are an error naming both values; nothing is guessed. A file whose rows carry
several site codes (an ECDS extract for a trust) and no site option is split into one
submission per site.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from vrhub.errors import Location
from vrhub.ingest.istv.dates import DateProblem, month_end, parse_date, parse_period
from vrhub.ingest.istv.readers import FileRefused, RawRecord, RawSubmission
from vrhub.ingest.istv.validate import is_blank

MAX_PERIOD_DAYS = 92


@dataclass
class Part:
    """One submission cut from a file: a site, a period and its records."""

    site_code: str
    period_start: dt.date
    period_end: dt.date
    records: list[RawRecord]
    header_source: str

    @property
    def period_label(self) -> str:
        if self.period_start.day == 1 and self.period_end == month_end(self.period_start):
            return f"{self.period_start:%Y-%m}"
        return f"{self.period_start}..{self.period_end}"


def _norm_site(value: object) -> str:
    return str(value).strip().upper()


def site_from_name(name: str, sites: Mapping[str, str]) -> str | None:
    tokens = {t.upper() for t in re.split(r"[^A-Za-z0-9]+", name)}
    found = sorted(tokens & set(sites))
    return found[0] if len(found) == 1 else None


def period_from_name(name: str) -> str | None:
    m = re.search(r"(?<!\d)(20\d{2})[-_]?(0[1-9]|1[0-2])(?!\d)", name)
    return f"{m[1]}-{m[2]}" if m else None


def resolve(
    raw: RawSubmission,
    *,
    file: str,
    file_name: str,
    sites: Mapping[str, str],
    site: str | None = None,
    period: str | None = None,
    today: dt.date,
) -> list[Part]:
    """Cut ``raw`` into submissions, or raise :class:`FileRefused` saying why not."""
    periods = _period(raw, file=file, file_name=file_name, option=period)
    start, end, period_from = periods
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise FileRefused(f"the reporting period {start}..{end} is longer than "
                          f"{MAX_PERIOD_DAYS} days", Location(file, column="period"),
                          hint="send one file per month", rule="file:period")
    if start > today:
        raise FileRefused(f"the reporting period {start}..{end} has not started yet",
                          Location(file, column="period", value=f"{start}"),
                          hint="check the reporting period", rule="file:future_period")

    row_sites = sorted({_norm_site(r.values["site_code"]) for r in raw.records
                        if not is_blank(r.values.get("site_code"))})
    chosen: list[tuple[str, str]] = []  # (value, where from)
    if site:
        chosen.append((_norm_site(site), "options"))
    if not is_blank(raw.header.get("site_code")):
        chosen.append((_norm_site(raw.header["site_code"]), "file"))
    distinct = {v for v, _ in chosen}
    if len(distinct) > 1:
        (a, wa), (b, _) = chosen[0], chosen[1]
        raise FileRefused(f"conflicting site codes: {a!r} ({wa}) and {b!r} (file header, "
                          f"{raw.header_where.get('site_code', 'header')})",
                          Location(file, column="site_code", value=b),
                          hint="leave out --site or correct the file's header",
                          rule="file:header_conflict")
    if chosen:
        code, where = chosen[0]
        others = [s for s in row_sites if s != code]
        if others:
            raise FileRefused(
                f"rows carry site code(s) {', '.join(others[:5])} but the submission is for "
                f"{code} ({where})", Location(file, column="site_code", value=others[0]),
                hint="send one file per site, or leave out --site to split an extract by "
                "site", rule="file:header_conflict")
        groups = {code: list(raw.records)}
        site_from = where
    elif row_sites:
        blank_rows = [r.row for r in raw.records if is_blank(r.values.get("site_code"))]
        if blank_rows and len(row_sites) > 1:
            raise FileRefused(f"{len(blank_rows)} row(s) have no site code in a file for "
                              "several sites", Location(file, row=blank_rows[0],
                                                        column="site_code"),
                              hint="fill the site code on every row", rule="file:no_site")
        groups = {}
        for rec in raw.records:
            value = rec.values.get("site_code")
            key = row_sites[0] if is_blank(value) else _norm_site(value)
            groups.setdefault(key, []).append(rec)
        site_from = "rows"
    else:
        from_name = site_from_name(file_name, sites)
        if from_name is None:
            raise FileRefused(
                "no site code of treatment: the file has no 'Site code' header or column",
                Location(file, column="site_code"),
                hint="give --site RJ122, add a 'Site code' header line, or name the file "
                "after the site (RJ122_2024-01.csv)", rule="file:no_site")
        groups = {from_name: list(raw.records)}
        site_from = "file name"

    for code in groups:
        if code not in sites:
            raise FileRefused(f"site code {code!r} is not a known ED site",
                              Location(file, column="site_code", value=code),
                              hint=_site_hint(code, sites), rule="file:unknown_site")
    source = f"site={site_from}; period={period_from}"
    return [Part(code, start, end, records, source) for code, records in groups.items()]


def _site_hint(code: str, sites: Mapping[str, str]) -> str:
    from rapidfuzz import process

    close = process.extract(code, list(sites), limit=3, score_cutoff=60)
    suggestion = ", ".join(f"{c} ({sites[c]})" for c, _, _ in close)
    text = "use the ODS code of the ED site that treated the patient"
    if suggestion:
        text += f"; did you mean {suggestion}?"
    return text + " (`vrhub load ed-sites` loads the list of sites)"


def _period(raw: RawSubmission, *, file: str, file_name: str,
            option: str | None) -> tuple[dt.date, dt.date, str]:
    candidates: list[tuple[dt.date, dt.date, str]] = []
    try:
        if option:
            candidates.append((*parse_period(option), "options"))
        header = raw.header
        if not is_blank(header.get("period_start")) or not is_blank(header.get("period_end")):
            start = _day(header.get("period_start"), file, "period_start")
            end = _day(header.get("period_end"), file, "period_end") \
                if not is_blank(header.get("period_end")) else month_end(start)
            if end < start:
                raise FileRefused(f"the reporting period ends ({end}) before it starts "
                                  f"({start})", Location(file, column="period_end"),
                                  hint="check the period dates", rule="file:period")
            candidates.append((start, end, "file"))
        elif not is_blank(header.get("period")):
            candidates.append((*parse_period(_period_text(header["period"])), "file"))
        row_starts = {str(r.values["period_start"]).strip() for r in raw.records
                      if not is_blank(r.values.get("period_start"))}
        if len(row_starts) > 1:
            raise FileRefused("rows carry several reporting periods",
                              Location(file, column="period_start"),
                              hint="send one file per reporting period", rule="file:period")
        if row_starts and not candidates:
            start = _day(next(iter(row_starts)), file, "period_start")
            ends = {str(r.values["period_end"]).strip() for r in raw.records
                    if not is_blank(r.values.get("period_end"))}
            end = _day(next(iter(ends)), file, "period_end") if len(ends) == 1 \
                else month_end(start)
            candidates.append((start, end, "columns"))
        if not candidates and (from_name := period_from_name(file_name)):
            candidates.append((*parse_period(from_name), "file name"))
    except DateProblem as exc:
        raise FileRefused(f"the reporting period cannot be read: {exc}",
                          Location(file, column="period"),
                          hint="write the period as 2024-01 or 2024-01-01..2024-01-31",
                          rule="file:period") from None
    if not candidates:
        raise FileRefused("no reporting period: the file has no period header",
                          Location(file, column="period"),
                          hint="give --period 2024-01, add 'Reporting period start' and "
                          "'Reporting period end' header lines, or put the month in the file "
                          "name (RJ122_2024-01.csv)", rule="file:no_period")
    first = candidates[0]
    for other in candidates[1:]:
        if other[:2] != first[:2]:
            raise FileRefused(
                f"conflicting reporting periods: {first[0]}..{first[1]} ({first[2]}) and "
                f"{other[0]}..{other[1]} ({other[2]})",
                Location(file, column="period", value=f"{other[0]}..{other[1]}"),
                hint="leave out --period or correct the file's header",
                rule="file:header_conflict")
    return first


def _period_text(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%Y-%m}"
    return str(value)


def _day(value: object, file: str, column: str) -> dt.date:
    try:
        day, _, _ = parse_date(value)
    except DateProblem as exc:
        raise FileRefused(f"the {column.replace('_', ' ')} cannot be read: {exc}",
                          Location(file, column=column),
                          hint="write it as 2024-01-01", rule="file:period") from None
    return day
