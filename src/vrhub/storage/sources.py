"""What the warehouse holds, source by source, and where each file came from (the
``provenance`` table), with ED files limited to the ED sites a caller may see.

An ISTV file is listed only when every submission it carried comes from one of ``sites``
(``None``: every site); its row counts are the file's, so a file that mixed in another
site's rows is not listed to a caller who may see only some of them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd

from vrhub.storage.queries import sources as q
from vrhub.storage.queries.core import run, value
from vrhub.storage.warehouse import Warehouse

ED_SOURCE = q.ED_SOURCE


def _ed_form(wh: Warehouse, sites: Collection[str] | None) -> tuple[str, dict[str, Any]]:
    """The form of the questions (:data:`vrhub.storage.queries.sources.ED_FILTERS`) that
    keeps open sources, and ED files only from ``sites``, with its parameters."""
    if sites is None:
        return "all", {}
    if not sites or not wh.has_table("istv_submission"):
        return "open", {}
    return "sites", {"sites": sorted(sites)}


def source_summaries(wh: Warehouse, *, ed_sites: Collection[str] | None) -> pd.DataFrame:
    """Files and rows per source (replaced files left out): ``source``, ``files``,
    ``rows_read``, ``rows_loaded``, ``rows_quarantined``, ``last_loaded_at``."""
    if not wh.has_table("provenance"):
        return pd.DataFrame(columns=["source", "files", "rows_read", "rows_loaded",
                                     "rows_quarantined", "last_loaded_at"])
    form, params = _ed_form(wh, ed_sites)
    return run(wh, q.SUMMARIES[form], **params)


def source_files(wh: Warehouse, source: str, *, ed_sites: Collection[str] | None,
                 limit: int, offset: int) -> tuple[int, pd.DataFrame]:
    """(how many files, one page of them) of ``source``, oldest load first."""
    if not wh.has_table("provenance"):
        return 0, pd.DataFrame()
    form, params = _ed_form(wh, ed_sites)
    total = int(value(wh, q.FILE_COUNT[form], source=source, **params) or 0)
    frame = run(wh, q.FILES[form], source=source, limit=limit, offset=offset, **params)
    return total, frame
