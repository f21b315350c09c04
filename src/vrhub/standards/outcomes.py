"""The vocabulary of the outcomes side: programmes, returns, measures and indicators.

No I/O here. The framework itself (impact goals, priority areas, outcomes, interventions,
guiding principles) is versioned data in ``outcome_data/`` read by
:mod:`vrhub.outcomes.framework`; this module declares what every return, template and
indicator shares:

- :class:`ProgrammeCode`, the code of a funded programme (``LCPF-CAM-01``);
- funding streams, the demographic categories returns are broken down by (age band, sex,
  ethnicity), and the data elements a return reports (reach, dosage, referrals);
- the standard measures (ONS4, SWEMWBS, SDQ) with their items, ranges and direction;
- the agreement scale of i-Statement surveys;
- the columns of every return template, declared once (:data:`TEMPLATE_SHEETS`): they
  drive the templates, the validation of uploads and ``docs/reference/outcomes-templates.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from vrhub.errors import CodeError
from vrhub.standards.codes import BoroughCode
from vrhub.standards.schema import Column

# -- programmes ---------------------------------------------------------------------------
_PROGRAMME_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")


class ProgrammeCode(str):
    """The code of a funded programme: 2 to 32 capital letters, digits and dashes."""

    __slots__ = ()

    def __new__(cls, value: object) -> ProgrammeCode:
        text = str(value or "").strip().upper()
        if not _PROGRAMME_CODE.fullmatch(text):
            raise CodeError(f"{value!r} is not a programme code",
                            hint="programme codes are 2 to 32 letters, digits and dashes, "
                            "such as LCPF-CAM-01")
        return super().__new__(cls, text)


FUNDING_STREAMS: dict[str, str] = {
    "LCPF": "London Crime Prevention Fund",
    "CCBF": "Community Capacity Building Fund",
    "CIF": "Critical Incidents Fund",
    "MYENDS": "MyEnds",
    "NHS-VANGUARD": "NHS Vanguard",
    "VRU": "VRU commissioned programme",
    "OTHER": "Other funding",
}


def funding_stream(value: object) -> str:
    """The code of a funding stream, from its code or its name (any case)."""
    text = str(value or "").strip()
    for code, label in FUNDING_STREAMS.items():
        if text.upper() == code or text.lower() == label.lower():
            return code
    raise CodeError(f"{value!r} is not a funding stream",
                    hint="use one of " + ", ".join(FUNDING_STREAMS))


class PeriodType(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


# -- demographic categories ---------------------------------------------------------------
@dataclass(frozen=True)
class AgeBand:
    code: str
    label: str
    low: int
    high: int | None  # inclusive; None: no upper limit


AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand("0-9", "Under 10", 0, 9),
    AgeBand("10-13", "10 to 13", 10, 13),
    AgeBand("14-17", "14 to 17", 14, 17),
    AgeBand("18-21", "18 to 21", 18, 21),
    AgeBand("22-25", "22 to 25", 22, 25),
    AgeBand("26+", "26 and over", 26, None),
)
AGE_BAND_CODES = tuple(b.code for b in AGE_BANDS)
SEXES: dict[str, str] = {"female": "Female", "male": "Male", "other": "Other",
                         "not_known": "Not known or prefer not to say"}
#: ONS 2021 high-level ethnic groups, and not known.
ETHNIC_GROUPS: dict[str, str] = {
    "asian": "Asian or Asian British",
    "black": "Black, Black British, Caribbean or African",
    "mixed": "Mixed or multiple ethnic groups",
    "white": "White",
    "other": "Other ethnic group",
    "not_known": "Not known or prefer not to say",
}
BREAKDOWNS: dict[str, str] = {"total": "Total", "age_band": "Age band", "sex": "Sex",
                              "ethnicity": "Ethnic group", "borough": "Borough"}
#: The breakdowns an indicator may be disaggregated by.
DISAGGREGATIONS = ("age_band", "sex", "ethnicity", "borough")


def age_band(band: str) -> AgeBand:
    for b in AGE_BANDS:
        if b.code == band:
            return b
    raise CodeError(f"{band!r} is not an age band", hint="use " + ", ".join(AGE_BAND_CODES))


def bands_within(min_age: int, max_age: int) -> tuple[str, ...]:
    """Age bands wholly or partly inside ``min_age``..``max_age``."""
    return tuple(b.code for b in AGE_BANDS
                 if b.low <= max_age and (b.high is None or b.high >= min_age))


# -- data elements of a return ------------------------------------------------------------
@dataclass(frozen=True)
class DataElement:
    code: str
    label: str
    description: str
    unit: str = "count"  # count (whole numbers) or hours (may have decimals)
    breakdowns: tuple[str, ...] = ("total",)
    group: str = "reach"

    @property
    def whole(self) -> bool:
        return self.unit == "count"


DEMOGRAPHIC = ("total", "age_band", "sex", "ethnicity", "borough")

DATA_ELEMENTS: tuple[DataElement, ...] = (
    DataElement("young_people_reached", "Young people reached",
                "Different young people who took part at least once in the period (each "
                "counted once, however many sessions).", breakdowns=DEMOGRAPHIC),
    DataElement("young_people_new", "New young people",
                "Young people who started with the programme in the period."),
    DataElement("young_people_completed", "Young people completing",
                "Young people who completed the intervention in the period."),
    DataElement("parents_carers_supported", "Parents and carers supported",
                "Different parents or carers supported in the period."),
    DataElement("schools_supported", "Schools supported",
                "Schools, colleges, PRUs or alternative provision settings supported in the "
                "period."),
    DataElement("professionals_trained", "Professionals trained",
                "Practitioners (teachers, health and youth workers) trained in the period."),
    DataElement("positive_opportunities", "Positive opportunities provided",
                "Places on activities, courses, trips, placements or jobs taken up by young "
                "people in the period (a young person can take up several)."),
    DataElement("sessions_delivered", "Sessions delivered",
                "Group or one-to-one sessions delivered in the period.", group="dosage"),
    DataElement("contact_hours", "Contact hours",
                "Hours of direct work with young people, parents or carers in the period.",
                unit="hours", group="dosage"),
    DataElement("referrals_in", "Referrals received",
                "Referrals received from other services in the period.", group="referrals"),
    DataElement("referrals_out", "Referrals made",
                "Onward referrals made to other services in the period.", group="referrals"),
)
ELEMENTS = {e.code: e for e in DATA_ELEMENTS}


# -- standard measures ---------------------------------------------------------------------
@dataclass(frozen=True)
class MeasureItem:
    code: str
    instrument: str
    label: str
    low: int
    high: int
    higher_is_better: bool = True


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    items: tuple[MeasureItem, ...]
    description: str
    licence_note: str = ""


_ONS4 = (
    MeasureItem("ons4_life_satisfaction", "ons4",
                "Overall, how satisfied are you with your life nowadays?", 0, 10),
    MeasureItem("ons4_worthwhile", "ons4", "Overall, to what extent do you feel that the "
                "things you do in your life are worthwhile?", 0, 10),
    MeasureItem("ons4_happiness", "ons4", "Overall, how happy did you feel yesterday?", 0, 10),
    MeasureItem("ons4_anxiety", "ons4", "Overall, how anxious did you feel yesterday? "
                "(0 not at all, 10 completely; lower is better)", 0, 10,
                higher_is_better=False),
)
_SWEMWBS = tuple(MeasureItem(f"swemwbs_{i}", "swemwbs", f"SWEMWBS item {i} (1 none of the "
                             "time to 5 all of the time)", 1, 5) for i in range(1, 8))
_SDQ = (MeasureItem("sdq_total", "sdq", "SDQ total difficulties score (0 to 40; lower is "
                    "better)", 0, 40, higher_is_better=False),)

INSTRUMENTS: dict[str, Instrument] = {
    "ons4": Instrument("ons4", "ONS4 personal wellbeing", _ONS4,
                       "The ONS's four personal wellbeing questions, each 0 to 10. Reported "
                       "item by item and never summed: they measure different things."),
    "swemwbs": Instrument("swemwbs", "SWEMWBS", _SWEMWBS,
                          "Short Warwick-Edinburgh Mental Wellbeing Scale: 7 items, 1 to 5. "
                          "The raw total (7 to 35) is reported; metric scores only once a "
                          "licensed conversion table is loaded.",
                          licence_note="The SWEMWBS metric conversion table is licensed by "
                          "its owners; load it with `vrhub outcomes swemwbs load-table`."),
    "sdq": Instrument("sdq", "SDQ", _SDQ,
                      "Strengths and Difficulties Questionnaire total difficulties score "
                      "where a programme collects it (the questionnaire is scored outside "
                      "vrhub)."),
}
MEASURE_ITEMS = {i.code: i for inst in INSTRUMENTS.values() for i in inst.items}
SWEMWBS_RAW_ITEMS = tuple(i.code for i in _SWEMWBS)
SWEMWBS_TOTAL = "swemwbs_raw_total"
TIMEPOINTS = ("pre", "post")


# -- i-Statement surveys -------------------------------------------------------------------
AGREEMENT: tuple[tuple[int, str], ...] = (
    (1, "Strongly disagree"), (2, "Disagree"), (3, "Neither agree nor disagree"),
    (4, "Agree"), (5, "Strongly agree"),
)
AGREE_AT_LEAST = 4  # agree or strongly agree


def agreement(value: object) -> int | None:
    """An answer on the agreement scale (1-5 or its words); None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer() and 1 <= value <= 5:
        return int(value)
    text = re.sub(r"\s+", " ", str(value or "").strip().lower())
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    for number, label in AGREEMENT:
        if text == label.lower():
            return number
    return None


# -- indicators ----------------------------------------------------------------------------
class IndicatorSource(StrEnum):
    RETURN = "return"    # data elements of programmes' returns
    MEASURES = "measures"  # participants' pre/post measures
    SURVEY = "survey"    # i-Statement survey responses
    HUB = "hub"          # computed from the warehouse (ED, police, MPS tables)


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


MULTIPLIERS: dict[int, str] = {1: "number", 100: "%", 1000: "per 1,000",
                               100_000: "per 100,000"}

# -- return statuses -----------------------------------------------------------------------
RETURN_STATUSES = ("submitted", "reviewed", "approved", "changes_requested", "reopened",
                   "superseded", "rejected")
OPEN_STATUSES = ("submitted", "reviewed", "changes_requested", "reopened")


# -- the templates -------------------------------------------------------------------------
VALUE_COLUMNS: tuple[Column, ...] = (
    Column("data_element", "string", "Code of what is counted (see the list on the About "
           "sheet), e.g. young_people_reached.", required=True,
           allowed=tuple(ELEMENTS)),
    Column("breakdown", "string", "total, or the demographic this row breaks the figure down "
           "by: age_band, sex, ethnicity or borough.", required=True,
           allowed=tuple(BREAKDOWNS)),
    Column("category", "string", "The age band, sex, ethnic group or borough (E09 code) of "
           "the row; blank for a total."),
    Column("value", "float", "The figure for the period: a whole number of 0 or more "
           "(hours may have decimals). Leave blank when not collected.", minimum=0),
    Column("comment", "string", "Anything the VRU should know about this figure. No names "
           "or contact details: identifiers are removed.", free_text=True),
)
MEASURE_BASE_COLUMNS: tuple[Column, ...] = (
    Column("participant_id", "string", "The programme's own pseudonymous id for the young "
           "person (never a name): the same id at pre and post.", required=True,
           pattern=r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}"),
    Column("timepoint", "string", "pre (at the start) or post (at the end).", required=True,
           allowed=TIMEPOINTS),
    Column("collected_on", "date", "Date the measure was taken (inside the return's "
           "period).", required=True),
    Column("age_band", "string", "Age band of the young person.", allowed=AGE_BAND_CODES),
    Column("sex", "string", "Sex of the young person.", allowed=tuple(SEXES)),
    Column("ethnicity", "string", "Ethnic group (ONS 2021 high-level groups).",
           allowed=tuple(ETHNIC_GROUPS)),
)
SURVEY_BASE_COLUMNS: tuple[Column, ...] = (
    Column("respondent_id", "string", "Pseudonymous id of the respondent (never a name).",
           required=True, pattern=r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}"),
    Column("collected_on", "date", "Date of the response (inside the return's period).",
           required=True),
    Column("borough", "string", "E09 code of the borough the respondent lives in.",
           pattern=BoroughCode.expression),
    Column("age_band", "string", "Age band of the respondent.", allowed=AGE_BAND_CODES),
    Column("sex", "string", "Sex of the respondent.", allowed=tuple(SEXES)),
    Column("ethnicity", "string", "Ethnic group (ONS 2021 high-level groups).",
           allowed=tuple(ETHNIC_GROUPS)),
)


@dataclass(frozen=True)
class TemplateSheet:
    name: str
    part: str  # values | measures | survey
    title: str
    description: str
    columns: tuple[Column, ...]
    per_programme: str = ""


TEMPLATE_SHEETS: tuple[TemplateSheet, ...] = (
    TemplateSheet("Reach and delivery", "values", "Reach, dosage and referrals",
                  "One row per figure: what is counted, the breakdown and its category, and "
                  "the value for the period. The template lists every row expected; fill "
                  "in the values.", VALUE_COLUMNS),
    TemplateSheet("Measures", "measures", "Participants' measures",
                  "One row per young person per timepoint (pre or post), with the "
                  "programme's measures as further columns.", MEASURE_BASE_COLUMNS,
                  per_programme="then one column per measure item the programme collects: "
                  "ons4_life_satisfaction, ons4_worthwhile, ons4_happiness, ons4_anxiety "
                  "(0-10), swemwbs_1 .. swemwbs_7 (1-5), sdq_total (0-40), and the "
                  "programme's own scales (scale_<code>)"),
    TemplateSheet("Survey", "survey", "i-Statement survey responses",
                  "One row per respondent, with one column per i-Statement of the "
                  "programme's survey, answered on the agreement scale (1 strongly disagree "
                  "to 5 strongly agree, or the words).", SURVEY_BASE_COLUMNS,
                  per_programme="then one column per i-Statement code of the survey "
                  "(e.g. IST-001)"),
)
SHEETS_BY_PART = {s.part: s for s in TEMPLATE_SHEETS}
