"""What the warehouse holds, source by source (:mod:`vrhub.storage.sources`), and what the
load records say per source and status (:mod:`vrhub.storage.load_status`).

Who asks decides which ED files are listed, so each question comes in three forms
(:data:`ED_FILTERS`): ``all`` (every file), ``open`` (no ED file) and ``sites`` (ED files
only when every submission they carried comes from one of ``$sites``)."""

from __future__ import annotations

from vrhub.storage.queries.core import NamedQuery, define

ED_SOURCE = "istv"

#: form -> the condition on ``provenance`` (alias ``p``) and its parameters
ED_FILTERS: dict[str, tuple[str, dict[str, str]]] = {
    "all": ("TRUE", {}),
    "open": (f"p.source <> '{ED_SOURCE}'", {}),
    "sites": (f"(p.source <> '{ED_SOURCE}' OR p.sha256 IN (SELECT sha256 FROM "
              "istv_submission GROUP BY sha256 HAVING "
              "bool_and(list_contains($sites, site_code))))", {"sites": "list[str]"}),
}
_EXAMPLE = {"sites": ["RJ122"]}

#: form -> files and rows per source (replaced files left out)
SUMMARIES: dict[str, NamedQuery] = {}
#: form -> how many files one source has
FILE_COUNT: dict[str, NamedQuery] = {}
#: form -> one page of one source's files, oldest load first
FILES: dict[str, NamedQuery] = {}
for _form, (_where, _params) in ED_FILTERS.items():
    _example = {k: v for k, v in _EXAMPLE.items() if k in _params}
    SUMMARIES[_form] = define(
        f"sources.summaries.{_form}",
        "SELECT p.source, count(*) AS files, sum(p.rows_read) AS rows_read, "
        "sum(p.rows_loaded) AS rows_loaded, sum(p.rows_quarantined) AS rows_quarantined, "
        "CAST(max(p.loaded_at) AS VARCHAR) AS last_loaded_at FROM provenance p "
        f"WHERE p.status <> 'replaced' AND {_where} GROUP BY p.source ORDER BY p.source",
        _params, example=_example,
        doc=f"Files and rows per source, replaced files left out ({_form} ED files).")
    FILE_COUNT[_form] = define(
        f"sources.file_count.{_form}",
        f"SELECT count(*) AS n FROM provenance p WHERE p.source = $source AND {_where}",
        {"source": "str", **_params}, example={"source": "police", **_example},
        doc=f"How many files a source has ({_form} ED files).")
    FILES[_form] = define(
        f"sources.files.{_form}",
        "SELECT p.file_name, p.sha256, p.partition, p.rows_read, p.rows_loaded, "
        "p.rows_quarantined, p.status, CAST(p.loaded_at AS VARCHAR) AS loaded_at, "
        f"p.vrhub_version FROM provenance p WHERE p.source = $source AND {_where} "
        "ORDER BY p.loaded_at, p.file_name LIMIT $limit OFFSET $offset",
        {"source": "str", "limit": "int", "offset": "int", **_params},
        example={"source": "police", "limit": 20, "offset": 0, **_example},
        doc=f"One page of a source's files, oldest load first ({_form} ED files).")

LOAD_TOTALS = define(
    "load_status.totals",
    "SELECT source, status, count(*) AS files, coalesce(sum(rows_loaded), 0) AS "
    "rows_loaded, coalesce(sum(rows_quarantined), 0) AS rows_quarantined, "
    'max(loaded_at) AS last_loaded FROM "provenance" GROUP BY source, status '
    "ORDER BY source, status",
    doc="Files, rows loaded and quarantined, and the last load, per source and status.")
