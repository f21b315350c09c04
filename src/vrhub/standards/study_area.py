"""The study area: the local authority districts a deployment reports on.

vrhub is London-first, but every violence-reduction unit in England and Wales has the same
questions about its own districts. The study area is one setting (``VRHUB_STUDY_AREA``): a
named area below, or any list of local authority district codes. Rows outside it are kept
and flagged, announced when loaded, and left out of every count, trend, hotspot,
near-repeat and public figure in the same way (see ``docs/explanation/study-area.md``).

>>> study_area("merseyside").districts
('E08000011', 'E08000012', 'E08000013', 'E08000014', 'E08000015')
>>> study_area("E08000012, E08000011", name="Liverpool and Knowsley").name
'Liverpool and Knowsley'

A district is a local authority district as the ONS codes it (``E06``-``E09``, ``W06``): a
London borough, a metropolitan district, a unitary authority or a shire district. The
named areas are violence-reduction unit areas whose districts are the police force area
(the districts of a metropolitan county, or of a Welsh force).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from vrhub.errors import CodeError, ConfigError
from vrhub.standards.codes import LocalAuthorityCode
from vrhub.standards.schema import Column, Table

DEFAULT = "london"


@dataclass(frozen=True)
class StudyArea:
    """A named set of local authority districts (codes sorted, no repeats)."""

    key: str
    name: str
    districts: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.districts:
            raise ConfigError("a study area needs at least one local authority district",
                              hint="set VRHUB_STUDY_AREA to a named area or district codes")

    def __contains__(self, code: object) -> bool:
        return code in self.district_set

    @cached_property
    def district_set(self) -> frozenset[str]:
        return frozenset(self.districts)

    def describe(self) -> str:
        """``London (33 districts)``."""
        n = len(self.districts)
        return f"{self.name} ({n} district{'s' if n != 1 else ''})"

    def spec(self) -> str:
        """The setting value that gives this area back (its key, or its codes)."""
        return self.key if self.key in NAMED else ",".join(self.districts)


def _london() -> tuple[tuple[str, str], ...]:
    names = ("City of London", "Barking and Dagenham", "Barnet", "Bexley", "Brent",
             "Bromley", "Camden", "Croydon", "Ealing", "Enfield", "Greenwich", "Hackney",
             "Hammersmith and Fulham", "Haringey", "Harrow", "Havering", "Hillingdon",
             "Hounslow", "Islington", "Kensington and Chelsea", "Kingston upon Thames",
             "Lambeth", "Lewisham", "Merton", "Newham", "Redbridge", "Richmond upon Thames",
             "Southwark", "Sutton", "Tower Hamlets", "Waltham Forest", "Wandsworth",
             "Westminster")
    return tuple((f"E09{n:06d}", name) for n, name in enumerate(names, start=1))


#: Named areas: key -> (name, ((district code, district name), ...)). The names are the
#: ONS names, checked against the ONS district boundaries in the tests.
NAMED: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "london": ("London", _london()),
    "merseyside": ("Merseyside", (
        ("E08000011", "Knowsley"), ("E08000012", "Liverpool"), ("E08000013", "St. Helens"),
        ("E08000014", "Sefton"), ("E08000015", "Wirral"))),
    "south-wales": ("South Wales", (
        ("W06000011", "Swansea"), ("W06000012", "Neath Port Talbot"),
        ("W06000013", "Bridgend"), ("W06000014", "Vale of Glamorgan"),
        ("W06000015", "Cardiff"), ("W06000016", "Rhondda Cynon Taf"),
        ("W06000024", "Merthyr Tydfil"))),
    "greater-manchester": ("Greater Manchester", (
        ("E08000001", "Bolton"), ("E08000002", "Bury"), ("E08000003", "Manchester"),
        ("E08000004", "Oldham"), ("E08000005", "Rochdale"), ("E08000006", "Salford"),
        ("E08000007", "Stockport"), ("E08000008", "Tameside"), ("E08000009", "Trafford"),
        ("E08000010", "Wigan"))),
    "west-midlands": ("West Midlands", (
        ("E08000025", "Birmingham"), ("E08000026", "Coventry"), ("E08000027", "Dudley"),
        ("E08000028", "Sandwell"), ("E08000029", "Solihull"), ("E08000030", "Walsall"),
        ("E08000031", "Wolverhampton"))),
    "west-yorkshire": ("West Yorkshire", (
        ("E08000032", "Bradford"), ("E08000033", "Calderdale"), ("E08000034", "Kirklees"),
        ("E08000035", "Leeds"), ("E08000036", "Wakefield"))),
    "south-yorkshire": ("South Yorkshire", (
        ("E08000016", "Barnsley"), ("E08000017", "Doncaster"), ("E08000018", "Rotherham"),
        ("E08000019", "Sheffield"))),
    "northumbria": ("Northumbria", (
        ("E06000057", "Northumberland"), ("E08000021", "Newcastle upon Tyne"),
        ("E08000022", "North Tyneside"), ("E08000023", "South Tyneside"),
        ("E08000024", "Sunderland"), ("E08000037", "Gateshead"))),
    "cleveland": ("Cleveland", (
        ("E06000001", "Hartlepool"), ("E06000002", "Middlesbrough"),
        ("E06000003", "Redcar and Cleveland"), ("E06000004", "Stockton-on-Tees"))),
}


def study_area(spec: str | None, *, name: str | None = None) -> StudyArea:
    """The study area a setting names: a key of :data:`NAMED` (any case, spaces or
    underscores for hyphens), or local authority district codes separated by commas or
    spaces. ``name`` names a list of codes (default: "the N districts ..."). None or blank
    is London."""
    text = (spec or "").strip()
    if not text:
        text = DEFAULT
    key = text.lower().replace("_", "-").replace(" ", "-")
    if key in NAMED:
        label, districts = NAMED[key]
        return StudyArea(key, name or label, tuple(sorted(code for code, _ in districts)))
    codes: list[str] = []
    for item in text.replace(";", ",").replace(" ", ",").split(","):
        if not item.strip():
            continue
        try:
            codes.append(str(LocalAuthorityCode(item)))
        except CodeError:
            raise ConfigError(
                f"VRHUB_STUDY_AREA: {item.strip()!r} is neither a named area nor a local "
                "authority district code",
                hint="use one of " + ", ".join(NAMED) + ", or district codes separated by "
                "commas, e.g. E08000011,E08000012 (codes E06-E09 for England, W06 for "
                "Wales)") from None
    unique = tuple(sorted(set(codes)))
    label = name or (f"the {len(unique)} districts {', '.join(unique[:3])}"
                     f"{', ...' if len(unique) > 3 else ''}" if len(unique) > 1
                     else f"district {unique[0]}" if unique else "")
    return StudyArea("custom", label, unique)


def district_names(area: StudyArea) -> dict[str, str]:
    """ONS names of a named area's districts (empty for a list of codes)."""
    if area.key not in NAMED:
        return {}
    return dict(NAMED[area.key][1])


STUDY_AREA = Table(
    name="study_area",
    group="bookkeeping",
    description="The study area this workspace was last given (VRHUB_STUDY_AREA): one row "
    "per district. Used when the setting is not given, so every command and the web app "
    "report on the same districts.",
    columns=(
        Column("district_code", "string", "GSS code of a local authority district in the "
               "area.", required=True, pattern=LocalAuthorityCode.expression),
        Column("area_key", "string", "The named area (london, merseyside, ...) or 'custom'.",
               required=True),
        Column("area_name", "string", "The area's name as announced.", required=True),
        Column("set_at", "timestamp", "When it was recorded (UTC).", required=True),
    ),
    primary_key=("district_code",),
)

TABLES = (STUDY_AREA,)
