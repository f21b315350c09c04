"""Emergency-department assault submissions (ISTV, ISB 1594; ECDS-style extracts).

``vrhub load istv PATH...`` (or ``vrhub istv submit PATH --site RJ122 --period 2024-01``)
reads CSV, XLSX and XML submissions, runs the identifier guard, validates each record
against the code-list version in force, stores accepted records with history, and issues a
receipt per submission (``vrhub istv receipts``).
"""

from __future__ import annotations

from collections.abc import Sequence

from vrhub.ingest.bounded import UploadLimits
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.report import LoadReport
from vrhub.ingest.sources import Source
from vrhub.progress import Progress
from vrhub.storage.warehouse import Warehouse

PATTERNS = ("*.csv", "*.xlsx", "*.xlsm", "*.xml", "*.txt")


def load(warehouse: Warehouse, files: Sequence[InputFile], progress: Progress, *,
         site: str | None = None, period: str | None = None,
         limits: UploadLimits | None = None) -> LoadReport:
    """Receive ISTV files within the upload ``limits``; the header comes from
    ``site``/``period`` (``vrhub load istv --site RJ122 --period 2024-01``) or each file
    (header block, columns or file name)."""
    from vrhub.ingest.istv.submission import load_files

    return load_files(warehouse, files, progress, site=site, period=period,
                      limits=limits).report


SOURCES = (
    Source(
        "istv",
        "ED assault submissions (ISTV minimum data set, ISB 1594; ECDS-style extracts): "
        "CSV, XLSX or XML, one site and month per file",
        PATTERNS,
        load,
        options=("site", "period"),
        bounded=True,
    ),
)
