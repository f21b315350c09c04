"""A synthetic outcomes year for the demo (seeded; nothing here is real).

About 20 funded programmes across the framework's five priority areas in the workspace's
boroughs, each reporting quarterly in financial year 2025/26; for each programme and
quarter a filled-in return (CSV, the template's rows), participants' pre and post
measures (CSV) and i-Statement survey responses (CSV); illustrative workshops and
i-Statements (the NHS London programme's real i-Statements are not published: these are
invented for the demo and say so). Pure: returns data, writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vrhub.standards.outcomes import (
    ETHNIC_GROUPS,
    INSTRUMENTS,
    SURVEY_BASE_COLUMNS,
    bands_within,
)

YEAR = 2025
QUARTERS = tuple(f"{YEAR}-{(YEAR + 1) % 100:02d}-Q{q}" for q in range(1, 5))
AREAS = ("CYP-RH", "CYP-PO", "FAM", "EDU", "CAP")
STREAMS = ("LCPF", "CCBF", "MYENDS", "NHS-VANGUARD", "CIF", "VRU")
KINDS = {"CYP-RH": ("Hospital youth work", "Custody diversion mentoring", "Knife crime "
                    "education"),
         "CYP-PO": ("Sport and mentoring", "Music and arts programme", "Employment "
                    "pathways"),
         "FAM": ("Parenting support", "Family group conferencing", "Parent champions"),
         "EDU": ("Inclusion in schools", "Alternative provision support", "Transition "
                 "mentoring"),
         "CAP": ("Community network", "Safe spaces after school", "Detached youth work")}
STATEMENTS = (
    ("DEMO-IST-01", "I feel safe on my way home", "Safety", "CAP", "NHS Vanguard", 45, 60),
    ("DEMO-IST-02", "I have an adult I trust to talk to", "Trusted adults", "CYP-RH",
     "NHS Vanguard", 55, 70),
    ("DEMO-IST-03", "I know where to get help if I need it", "Help", "CYP-RH",
     "NHS Vanguard", 50, 65),
    ("DEMO-IST-04", "People listen to what I have to say", "Voice", "CAP", "NHS Vanguard",
     40, 55),
    ("DEMO-IST-05", "I feel hopeful about my future", "Hope", "CYP-PO", "NHS Vanguard",
     50, 65),
    ("DEMO-IST-06", "There are things to do near where I live", "Opportunities", "CYP-PO",
     "VRU", 35, 50),
    ("DEMO-IST-07", "I feel I belong at school", "Belonging", "EDU", "VRU", 45, 60),
    ("DEMO-IST-08", "My family gets the support it needs", "Family", "FAM", "VRU", 40, 55),
)


@dataclass
class ProgrammeYear:
    programme: dict[str, Any]
    returns: dict[str, bytes] = field(default_factory=dict)
    submitted_on: dict[str, dt.date] = field(default_factory=dict)
    measures: dict[str, bytes] = field(default_factory=dict)
    responses: dict[str, bytes] = field(default_factory=dict)


@dataclass
class OutcomesYear:
    istatements: dict[str, Any]
    programmes: list[ProgrammeYear]
    with_errors: str
    error_quarter: str
    late: list[tuple[str, str]]


def quarter_start(q: int) -> dt.date:
    """The first day of quarter ``q`` (0-3) of the year."""
    return dt.date(YEAR + (q == 3), 4 + 3 * q if q < 3 else 1, 1)


def quarter_end(q: int) -> dt.date:
    return (quarter_start(q + 1) if q < 3 else dt.date(YEAR + 1, 4, 1)) - dt.timedelta(days=1)


def _csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def _split(total: int, parts: int, rng: np.random.Generator) -> list[int]:
    if parts == 1:
        return [total]
    return [int(v) for v in rng.multinomial(total, rng.dirichlet(np.ones(parts) * 2))]


def istatements_document(boroughs: list[str]) -> dict[str, Any]:
    workshops = [{"code": f"DEMO-WS-{i + 1:02d}", "held_on": f"{YEAR}-0{2 + i % 3}-1{i}",
                  "borough": boroughs[i % len(boroughs)], "young_people": 9 + 3 * i,
                  "description": "Synthetic demo workshop, youth-led by young partners."}
                 for i in range(6)]
    statements = [{"code": code, "text": text, "workshop": f"DEMO-WS-{i % 6 + 1:02d}",
                   "theme": theme, "priority_area": area, "kpi_set": kpi_set,
                   "baseline_pct": base, "target_pct": target}
                  for i, (code, text, theme, area, kpi_set, base, target)
                  in enumerate(STATEMENTS)]
    surveys = [{"code": "DEMO-VAN", "title": "Vanguard i-Statement survey (demo)",
                "statements": [s[0] for s in STATEMENTS if s[4] == "NHS Vanguard"]},
               {"code": "DEMO-VRU", "title": "VRU i-Statement survey (demo)",
                "statements": [s[0] for s in STATEMENTS]}]
    return {"workshops": workshops, "statements": statements, "surveys": surveys}


def _return_csv(programme: dict[str, Any], period: str, reached: int,
                rng: np.random.Generator, *, errors: bool) -> bytes:
    rows: list[list[Any]] = [["Programme", programme["code"]], ["Period", period],
                             ["data_element", "breakdown", "category", "value", "comment"]]
    bands = bands_within(programme["cohort_min_age"], programme["cohort_max_age"])
    sexes = programme["cohort_sexes"] or ["female", "male", "other", "not_known"]
    rows.append(["young_people_reached", "total", "", reached, ""])
    for name, cats in (("age_band", list(bands)), ("sex", list(sexes)),
                       ("ethnicity", list(ETHNIC_GROUPS)), ("borough", programme["boroughs"])):
        for cat, value in zip(cats, _split(reached, len(cats), rng), strict=True):
            rows.append(["young_people_reached", name, cat, value, ""])
    others: dict[str, float] = {"young_people_new": int(reached * rng.uniform(0.2, 0.45)),
              "young_people_completed": int(reached * rng.uniform(0.1, 0.3)),
              "parents_carers_supported": int(reached * rng.uniform(0, 0.4)),
              "schools_supported": int(rng.integers(0, 6)),
              "professionals_trained": int(rng.integers(0, 15)),
              "positive_opportunities": int(reached * rng.uniform(0.5, 1.8)),
              "sessions_delivered": int(rng.integers(12, 60)),
              "contact_hours": round(float(rng.uniform(40, 300)), 1),
              "referrals_in": int(rng.integers(2, 25)),
              "referrals_out": int(rng.integers(0, 12))}
    for code, figure in others.items():
        rows.append([code, "total", "", figure, ""])
    if errors:  # a negative count and a phone number in a comment
        rows[-1][3] = -3
        rows[-2][4] = "ring the coordinator on 07700 900123 for details"
    return _csv(rows)


def _measures(programme: dict[str, Any], rng: np.random.Generator
              ) -> tuple[dict[str, bytes], int]:
    """Pre measures in Q1 and Q2, posts in Q3 and Q4 (about three in four stay)."""
    items = [i for code in programme["measures"] for i in INSTRUMENTS[code].items]
    scales = [(f"scale_{s['code']}", s["low"], s["high"]) for s in programme["scales"]]
    head = ["participant_id", "timepoint", "collected_on", "age_band", "sex", "ethnicity",
            *(i.code for i in items), *(s[0] for s in scales)]
    bands = bands_within(programme["cohort_min_age"], programme["cohort_max_age"])
    sexes = programme["cohort_sexes"] or ["female", "male"]
    files: dict[str, list[list[Any]]] = {q: [head] for q in QUARTERS}
    n = int(rng.integers(25, 70))
    prefix = programme["code"].split("-")[-2][:3]
    for k in range(n):
        pid = f"{prefix}-{k + 1:04d}"
        start = int(rng.integers(0, 2))
        who = [str(rng.choice(bands)), str(rng.choice(sexes)),
               str(rng.choice(list(ETHNIC_GROUPS)[:5]))]
        base = {i.code: int(rng.integers(i.low + (i.high - i.low) // 5,
                                         i.low + 3 * (i.high - i.low) // 4 + 1))
                for i in items}
        base.update({s[0]: int(rng.integers(s[1], (s[1] + s[2]) // 2 + 1)) for s in scales})
        day = quarter_start(start) + dt.timedelta(days=int(rng.integers(9, 70)))
        files[QUARTERS[start]].append([pid, "pre", day.isoformat(), *who, *base.values()])
        if rng.random() < 0.75:
            after = {}
            for i in items:
                step = int(rng.integers(-1, 3)) * (1 if i.higher_is_better else -1)
                after[i.code] = int(np.clip(base[i.code] + step, i.low, i.high))
            for s in scales:
                after[s[0]] = int(np.clip(base[s[0]] + rng.integers(-1, 3), s[1], s[2]))
            quarter = start + 2
            day = quarter_start(quarter) + dt.timedelta(days=int(rng.integers(4, 75)))
            files[QUARTERS[quarter]].append([pid, "post", day.isoformat(), *who,
                                             *after.values()])
    return {q: _csv(rows) for q, rows in files.items() if len(rows) > 1}, n


def _responses(programme: dict[str, Any], statements: list[str],
               rng: np.random.Generator) -> dict[str, bytes]:
    head = [c.name for c in SURVEY_BASE_COLUMNS] + statements
    out = {}
    prefix = programme["code"].split("-")[-2][:3]
    bands = bands_within(programme["cohort_min_age"], programme["cohort_max_age"])
    for q, quarter in enumerate(QUARTERS):
        rows: list[list[Any]] = [head]
        for k in range(int(rng.integers(12, 45))):
            agree = 0.45 + 0.06 * q + rng.normal(0, 0.05)
            answers = [("" if rng.random() < 0.05 else
                        int(rng.choice([4, 5])) if rng.random() < agree
                        else int(rng.choice([1, 2, 3]))) for _ in statements]
            day = quarter_start(q) + dt.timedelta(days=int(rng.integers(2, 80)))
            rows.append([f"S{prefix}-{q + 1}{k + 1:03d}", day.isoformat(),
                         str(rng.choice(programme["boroughs"])), str(rng.choice(bands)),
                         str(rng.choice(programme["cohort_sexes"] or ["female", "male"])),
                         str(rng.choice(list(ETHNIC_GROUPS)[:5])), *answers])
        out[quarter] = _csv(rows)
    return out


def outcomes_year(boroughs: list[str], *, seed: int = 2024, count: int = 20,
                  due_days: int = 30) -> OutcomesYear:
    """The synthetic year for a workspace whose boroughs are ``boroughs`` (E09 codes)."""
    rng = np.random.default_rng(seed)
    document = istatements_document(boroughs)
    surveys = {s["code"]: s["statements"] for s in document["surveys"]}
    years: list[ProgrammeYear] = []
    late: list[tuple[str, str]] = []
    for i in range(count):
        area = AREAS[i % len(AREAS)]
        stream = STREAMS[i % len(STREAMS)]
        served = sorted({boroughs[(i + j) % len(boroughs)]
                         for j in range(1 + int(rng.integers(0, 3)))})
        kind = KINDS[area][i // len(AREAS) % 3]
        low = int(rng.choice([10, 12, 14]))
        survey = "DEMO-VAN" if stream == "NHS-VANGUARD" else "DEMO-VRU"
        programme: dict[str, Any] = {
            "code": f"{stream.split('-')[0]}-{area.replace('-', '')}-{i + 1:02d}",
            "name": f"{kind} (demo {i + 1})",
            "organisation": f"Demo youth organisation {i % 7 + 1}",
            "funding_stream": stream, "budget": int(rng.integers(40, 400)) * 1000,
            "start_date": f"{YEAR}-04-01", "end_date": f"{YEAR + 1}-03-31",
            "period_type": "quarter", "cohort_min_age": low,
            "cohort_max_age": int(rng.choice([18, 21, 25])),
            "cohort_size": int(rng.integers(60, 160)),
            "cohort_sexes": ["female"] if i % 9 == 4 else [],
            "priority_areas": [area] if i % 4 else [area, AREAS[(i + 1) % len(AREAS)]],
            "boroughs": served, "wards": [], "yef_strand": None,
            "measures": ["ons4", "swemwbs"] if i % 3 else ["ons4", "sdq"],
            "scales": [{"code": "confidence", "label": "Confidence (1 to 10)", "low": 1,
                        "high": 10}] if i % 5 == 0 else [],
            "survey_code": survey,
            "description": f"Synthetic demo programme: {kind.lower()}."}
        year = ProgrammeYear(programme)
        for q, quarter in enumerate(QUARTERS):
            reached = min(int(programme["cohort_size"]), int(rng.integers(20, 90)))
            year.returns[quarter] = _return_csv(programme, quarter, reached, rng,
                                                errors=(i == 3 and q == 1))
            end = quarter_end(q)
            is_late = rng.random() < 0.15
            delay = int(rng.integers(due_days + 3, due_days + 40)) if is_late else int(
                rng.integers(5, due_days - 2))
            year.submitted_on[quarter] = end + dt.timedelta(days=delay)
            if is_late:
                late.append((str(programme["code"]), quarter))
        year.measures, _ = _measures(programme, rng)
        year.responses = _responses(programme, surveys[survey], rng)
        years.append(year)
    return OutcomesYear(document, years, years[3].programme["code"], QUARTERS[1], late)
