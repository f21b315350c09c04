"""The SWEMWBS metric conversion table: loaded from a file by an administrator, because it
is licensed by the scale's owners and vrhub does not ship it.

Until a table is loaded, SWEMWBS is reported as the raw total of its seven items (7 to 35);
with one loaded, the metric score of each raw total is reported as well, and every result
names the table's version. The file is a CSV of two columns, ``raw`` and ``metric``, with
one row for each raw total from 7 to 35, the metric scores rising with the raw totals.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.errors import InputError, Location
from vrhub.outcomes.context import Outcomes
from vrhub.storage.outcomes import reference as store

KIND = "swemwbs_conversion"
RAW_TOTALS = range(7, 36)
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


@dataclass(frozen=True)
class ConversionTable:
    version: str
    metric: dict[int, float]

    def convert(self, raw_total: float) -> float:
        return self.metric[int(raw_total)]


def parse_table(data: bytes, file: str) -> dict[int, float]:
    """raw total -> metric score, or :class:`InputError` naming the row and value."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text file", Location(file),
                         hint="save the table as a UTF-8 CSV") from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "raw" not in fields or "metric" not in fields:
        raise InputError("the heading row needs the columns raw and metric",
                         Location(file, row=1), hint="write raw,metric in the first row")
    out: dict[int, float] = {}
    for number, row in enumerate(reader, start=2):
        values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        try:
            raw = int(values["raw"])
        except ValueError:
            raise InputError("raw is not a whole number", Location(
                file, row=number, column="raw", value=values["raw"]),
                hint="give each raw total from 7 to 35") from None
        if raw not in RAW_TOTALS or raw in out:
            raise InputError("raw is not a new total from 7 to 35", Location(
                file, row=number, column="raw", value=raw), hint="give each raw total once")
        try:
            out[raw] = float(values["metric"])
        except ValueError:
            raise InputError("metric is not a number", Location(
                file, row=number, column="metric", value=values["metric"]),
                hint="give the metric score as a number such as 19.25") from None
    missing = [r for r in RAW_TOTALS if r not in out]
    if missing:
        raise InputError(f"raw totals {missing[0]}..{missing[-1]} are missing "
                         f"({len(missing)} of 29)", Location(file),
                         hint="give a row for each raw total from 7 to 35")
    ordered = [out[r] for r in RAW_TOTALS]
    if any(b < a for a, b in itertools.pairwise(ordered)):
        raise InputError("metric scores fall as raw totals rise", Location(file),
                         hint="check the table against the licensed original")
    return out


def load_table(outcomes: Outcomes, principal: Principal, data: bytes, file: str,
               version: str) -> ConversionTable:
    """Load a conversion table (administrators; audited); it is used from then on."""
    if not _VERSION.fullmatch(version):
        raise InputError("the version is not a plain name", Location(file, value=version),
                         hint="name the version with letters, digits, dots and dashes")
    metric = parse_table(data, file)
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, Action.MANAGE_FRAMEWORK, Resource("swemwbs_conversion", version),
            session=session) as note:
        store.add_reference(session, kind=KIND, version=version,
                            title=f"SWEMWBS conversion table from {file}",
                            document={"metric": {str(k): v for k, v in metric.items()}},
                            loaded_by=principal.email)
        note.detail = f"loaded SWEMWBS conversion table {version}"
    return ConversionTable(version, metric)


def current_table(outcomes: Outcomes) -> ConversionTable | None:
    """The newest table loaded, or None (report raw totals only)."""
    with outcomes.sessions() as session:
        row = store.latest_reference(session, KIND)
        if row is None:
            return None
        return ConversionTable(row.version, {int(k): float(v) for k, v in
                                             row.document["metric"].items()})
