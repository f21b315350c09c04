"""The definition of serious violence a needs assessment counts: a versioned data file.

vrhub ships London's (``standards/sna_data/serious-violence-london-2.json``); a partnership
that counts differently gives its own file (``vrhub sna build --definition FILE`` or the
``VRHUB_SNA_DEFINITION`` setting) in the same shape:

* ``version`` and ``name``; ``description`` in plain English (printed in the report);
* ``categories``: each with a ``key`` (lower-case, underscores), a ``label``, the ``mps``
  recorded-crime category it counts (a minor category, else a major one, any case) and
  ``in_total`` (whether it adds to the serious-violence total: categories that overlap
  others, such as knife crime, must not); optionally ``dashboard``, the MPS Monthly Crime
  Dashboard series that counts it instead when that table is loaded: an object with
  ``crime_type``, ``crime_subtype`` and ``measure`` (knife crime is in the dashboard, not in
  the recorded-crime tables);
* ``place_category``: the MPS category mapped by ward and LSOA; ``hotspot_category``: the
  police.uk crime type whose street-level points the hotspots are found in.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from vrhub.errors import UserError

DEFAULT_FILE = "serious-violence-london-2.json"
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class DashboardSeries:
    """One series of the MPS Monthly Crime Dashboard (``vrhub load mps-dashboard``)."""

    crime_type: str
    crime_subtype: str
    measure: str


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    mps: str
    in_total: bool
    dashboard: DashboardSeries | None = None


@dataclass(frozen=True)
class Definition:
    version: str
    name: str
    description: str
    categories: tuple[Category, ...]
    place_category: str
    hotspot_category: str

    @property
    def total_categories(self) -> tuple[Category, ...]:
        return tuple(c for c in self.categories if c.in_total)


def load_definition(path: Path | str | None = None) -> Definition:
    """The definition in ``path`` (a JSON file), or the shipped London one when None."""
    if path is None:
        text = (resources.files("vrhub.standards") / "sna_data" / DEFAULT_FILE).read_text(
            encoding="utf-8")
        where = DEFAULT_FILE
    else:
        file = Path(path)
        where = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot read the definition file {where}: {exc.strerror}",
                            hint="give the path of a JSON definition file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{where} is not a JSON document (line {exc.lineno}: {exc.msg})",
                        hint="see the shipped London definition for the shape") from None
    return parse_definition(data, where)


def parse_definition(data: object, where: str = "the definition") -> Definition:
    """Check a definition's fields, naming the one that is wrong."""
    if not isinstance(data, dict):
        raise UserError(f"{where}: the definition must be a JSON object")
    for field in ("version", "name", "description", "place_category", "hotspot_category"):
        if not isinstance(data.get(field), str) or not data[field].strip():
            raise UserError(f"{where}: '{field}' must be non-empty text",
                            hint="see the shipped London definition for the shape")
    raw = data.get("categories")
    if not isinstance(raw, list) or not raw:
        raise UserError(f"{where}: 'categories' must be a non-empty list")
    categories = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise UserError(f"{where}: category {i} must be an object")
        key = item.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise UserError(f"{where}: category {i} has key {key!r}",
                            hint="a key is lower-case letters, digits and underscores")
        for field in ("label", "mps"):
            if not isinstance(item.get(field), str) or not item[field].strip():
                raise UserError(f"{where}: category {i} ({key}) needs a '{field}'")
        if not isinstance(item.get("in_total"), bool):
            raise UserError(f"{where}: category {i} ({key}) needs 'in_total': true or false")
        categories.append(Category(key, item["label"].strip(), item["mps"].strip(),
                                   item["in_total"], _dashboard(item, i, key, where)))
    keys = [c.key for c in categories]
    if len(set(keys)) != len(keys):
        raise UserError(f"{where}: category keys repeat ({', '.join(keys)})",
                        hint="give each category its own key")
    return Definition(data["version"].strip(), data["name"].strip(),
                      data["description"].strip(), tuple(categories),
                      data["place_category"].strip(), data["hotspot_category"].strip())


def _dashboard(item: dict[str, object], i: int, key: str, where: str
               ) -> DashboardSeries | None:
    raw = item.get("dashboard")
    if raw is None:
        return None
    fields = ("crime_type", "crime_subtype", "measure")
    if not isinstance(raw, dict) or not all(
            isinstance(raw.get(f), str) and str(raw[f]).strip() for f in fields):
        raise UserError(f"{where}: category {i} ({key}) has a 'dashboard' that is not an "
                        "object with non-empty 'crime_type', 'crime_subtype' and 'measure'",
                        hint='e.g. {"crime_type": "Knife Crime", "crime_subtype": '
                        '"Knife Crime", "measure": "Offences"}')
    return DashboardSeries(*(str(raw[f]).strip() for f in fields))
