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

from vrhub.storage.warehouse import Warehouse

ED_SOURCE = "istv"


def _ed_filter(wh: Warehouse, sites: Collection[str] | None,
               params: list[Any]) -> str:
    """A condition on ``provenance`` (alias ``p``) keeping open sources, and ED files only
    from ``sites``."""
    if sites is None:
        return ""
    if not sites or not wh.has_table("istv_submission"):
        params.append(ED_SOURCE)
        return " AND p.source <> ?"
    marks = ", ".join("?" for _ in sites)
    params += [ED_SOURCE, *sorted(sites)]
    return (" AND (p.source <> ? OR p.sha256 IN (SELECT sha256 FROM istv_submission "
            f"GROUP BY sha256 HAVING bool_and(site_code IN ({marks}))))")


def source_summaries(wh: Warehouse, *, ed_sites: Collection[str] | None) -> pd.DataFrame:
    """Files and rows per source (replaced files left out): ``source``, ``files``,
    ``rows_read``, ``rows_loaded``, ``rows_quarantined``, ``last_loaded_at``."""
    if not wh.has_table("provenance"):
        return pd.DataFrame(columns=["source", "files", "rows_read", "rows_loaded",
                                     "rows_quarantined", "last_loaded_at"])
    params: list[Any] = []
    where = _ed_filter(wh, ed_sites, params)
    return wh.query(
        "SELECT p.source, count(*) AS files, sum(p.rows_read) AS rows_read, "
        "sum(p.rows_loaded) AS rows_loaded, sum(p.rows_quarantined) AS rows_quarantined, "
        "CAST(max(p.loaded_at) AS VARCHAR) AS last_loaded_at FROM provenance p "
        f"WHERE p.status <> 'replaced'{where} GROUP BY p.source ORDER BY p.source", params)


def source_files(wh: Warehouse, source: str, *, ed_sites: Collection[str] | None,
                 limit: int, offset: int) -> tuple[int, pd.DataFrame]:
    """(how many files, one page of them) of ``source``, oldest load first."""
    if not wh.has_table("provenance"):
        return 0, pd.DataFrame()
    params: list[Any] = [source]
    where = _ed_filter(wh, ed_sites, params)
    total = int(wh.scalar(f"SELECT count(*) FROM provenance p WHERE p.source = ?{where}",
                          params))
    frame = wh.query(
        "SELECT p.file_name, p.sha256, p.partition, p.rows_read, p.rows_loaded, "
        "p.rows_quarantined, p.status, CAST(p.loaded_at AS VARCHAR) AS loaded_at, "
        f"p.vrhub_version FROM provenance p WHERE p.source = ?{where} "
        "ORDER BY p.loaded_at, p.file_name LIMIT ? OFFSET ?", [*params, limit, offset])
    return total, frame
