"""A small catalogue of official files vrhub users fetch often, by URL.

Each entry names a file, where it is published (``url``, the direct download, and ``page``,
the publisher's landing page documenting it), and optionally the SHA-256 of a known
release. Publishers re-issue some links when they refresh a table (the London Datastore
does so monthly): when a link answers 404, the landing page has the current one, to be
fetched with ``vrhub fetch url``. The ONS Open Geography Portal generates its download
links on request, so ONS entries carry only the page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from vrhub.errors import NotFound, UserError


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    publisher: str
    description: str
    page: str
    url: str | None = None
    sha256: str | None = None
    licence: str = "Open Government Licence v3.0"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def require_url(self) -> str:
        if self.url is None:
            raise UserError(
                f"{self.name}: {self.publisher} does not publish a fixed download link for "
                "this file",
                hint=f"open {self.page}, copy the download link and run "
                "`vrhub fetch url LINK`",
            )
        return self.url


_LDS = "https://data.london.gov.uk/download/recorded_crime_summary"
_LDS_PAGE = "https://data.london.gov.uk/dataset/recorded_crime_summary"
_IOD_PAGE = ("https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019")
_IOD = "https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/file"

CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        name="mps-borough-24m",
        publisher="Metropolitan Police Service via the London Datastore",
        description="MPS recorded crime by borough, major and minor category, most recent "
        "24 months (wide: one column per month).",
        page=_LDS_PAGE,
        url=f"{_LDS}/d2e9ccfc-a054-41e3-89fb-53c2bc3ed87a/"
        "MPS%20Borough%20Level%20Crime%20%28most%20recent%2024%20months%29.csv",
        licence="Open Government Licence v2.0",
    ),
    CatalogueEntry(
        name="mps-ward-24m",
        publisher="Metropolitan Police Service via the London Datastore",
        description="MPS recorded crime by ward, major and minor category, most recent "
        "24 months.",
        page=_LDS_PAGE,
        url=f"{_LDS}/866c05de-c5cd-454b-8fe5-9e7c77ea2313/"
        "MPS%20Ward%20Level%20Crime%20%28most%20recent%2024%20months%29.csv",
        licence="Open Government Licence v2.0",
    ),
    CatalogueEntry(
        name="mps-lsoa-24m",
        publisher="Metropolitan Police Service via the London Datastore",
        description="MPS recorded crime by LSOA, major and minor category, most recent "
        "24 months.",
        page=_LDS_PAGE,
        url=f"{_LDS}/644a9e0d-75a3-4c3a-91ad-03d2a7cb8f8e/"
        "MPS%20LSOA%20Level%20Crime%20%28most%20recent%2024%20months%29.csv",
        licence="Open Government Licence v2.0",
    ),
    CatalogueEntry(
        name="iod2019-file1",
        publisher="Ministry of Housing, Communities and Local Government (gov.uk)",
        description="English Indices of Deprivation 2019, File 1: IMD rank and decile for "
        "every LSOA (2011) in England (xlsx).",
        page=_IOD_PAGE,
        url=f"{_IOD}/833970/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx",
    ),
    CatalogueEntry(
        name="iod2019-file7",
        publisher="Ministry of Housing, Communities and Local Government (gov.uk)",
        description="English Indices of Deprivation 2019, File 7: all scores, ranks, deciles "
        "and population denominators per LSOA (2011) (CSV).",
        page=_IOD_PAGE,
        url=f"{_IOD}/845345/"
        "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv",
    ),
    CatalogueEntry(
        name="ons-lsoa11-lsoa21-lookup",
        publisher="Office for National Statistics (Open Geography Portal)",
        description="LSOA (2011) to LSOA (2021) to Local Authority District (2022) exact-fit "
        "lookup for England and Wales (CSV).",
        page="https://geoportal.statistics.gov.uk/search?q=LUP_LSOA11_LSOA21_LAD22",
    ),
    CatalogueEntry(
        name="ons-lsoa21-ward24-lookup",
        publisher="Office for National Statistics (Open Geography Portal)",
        description="LSOA (2021) to electoral ward (2024) to LAD (2024) best-fit lookup for "
        "England and Wales (CSV).",
        page="https://geoportal.statistics.gov.uk/search?q=LUP_LSOA21_WD24_LAD24",
    ),
)


def get_entry(name: str) -> CatalogueEntry:
    for entry in CATALOGUE:
        if entry.name == name:
            return entry
    raise NotFound(
        f"no catalogue entry named {name!r}",
        hint="run `vrhub fetch list` to see the names: "
        + ", ".join(e.name for e in CATALOGUE),
    )
