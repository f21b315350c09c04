"""The opportunities directory as a service: keep listings, place them, search them.

:class:`Directory` is built once per process with the app database's sessions and a
postcode lookup (:class:`vrhub.geography.postcodes.PostcodeLookup`) and is what the web
app, the CLI and the importer call:

- :meth:`Directory.save` writes one ORUK service record: every text field is made plain
  text (:mod:`vrhub.pathways.listing_text`), each physical location is placed from its
  postcode (British National Grid and latitude/longitude from the gazetteer's postcode
  directory) or, failing that, from the latitude and longitude it came with;
- :meth:`Directory.index` is the in-memory search index (:mod:`vrhub.pathways.search`),
  rebuilt when the directory's version number has changed (checked at most once a
  second).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from vrhub.errors import CodeError
from vrhub.geography.bng import bng_in_great_britain, lonlat_in_great_britain, to_bng
from vrhub.geography.postcodes import Place, Postcode, PostcodeLookup
from vrhub.pathways import listing_text, oruk_records, search
from vrhub.standards import oruk
from vrhub.standards.opportunity_taxonomy import VOCABULARIES
from vrhub.storage import directory as store
from vrhub.storage import directory_reads as reads

URL_FIELDS = frozenset({"url", "website", "logo", "uri", "term_uri", "schedule_link"})
EMAIL_FIELDS = frozenset({"email", "assurer_email"})
CODE_FIELDS = frozenset({
    "id", "status", "location_type", "address_type", "freq", "byday", "bymonthday",
    "opens_at", "closes_at", "valid_from", "valid_to", "dtstart", "currency", "code",
    "extent_type", "last_modified", "assured_date", "updated", "country", "identifier_type",
    "identifier_scheme", "external_identifier_type", "link_type", "link_entity",
})
"""Fields that hold codes, dates or identifiers: checked by the ORUK models, not text."""


@dataclass
class Cleaned:
    """A record made safe to keep, and what had to change."""

    record: oruk.Service
    notes: list[str] = field(default_factory=list)


def clean(record: oruk.Service) -> Cleaned:
    """``record`` with every text field as plain text; web and e-mail addresses that are
    not addresses are dropped (each change noted). Changes the record in place."""
    notes: list[str] = []
    _clean_model(record, (), notes)
    return Cleaned(record, notes)


_FIELDS: dict[type, dict[str, tuple[str, bool]]] = {}


def _fields(cls: type[BaseModel]) -> dict[str, tuple[str, bool]]:
    """Per field of an ORUK model class: how to clean it, and whether it is required."""
    found = _FIELDS.get(cls)
    if found is None:
        found = {}
        for name, info in cls.model_fields.items():
            how = ("skip" if name in CODE_FIELDS or name.endswith("_id") else
                   "url" if name in URL_FIELDS else "email" if name in EMAIL_FIELDS else
                   "text")
            found[name] = (how, info.is_required())
        _FIELDS[cls] = found
    return found


def _where(path: tuple[str | int, ...], key: str) -> str:
    """'service_at_locations[0].location.name' from a path of keys and positions."""
    out = ""
    for part in (*path, key):
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _clean_model(model: BaseModel, path: tuple[str | int, ...], notes: list[str]) -> None:
    fields = _fields(type(model))
    for key, value in list(model.__dict__.items()):  # the fields set, as stored
        if value is None or key not in fields:
            continue
        how, required = fields[key]
        if isinstance(value, str):
            if how == "skip":
                continue
            if how == "url":
                setattr(model, key, _keep(listing_text.web_address, value,
                                          _where(path, key), notes))
            elif how == "email":
                setattr(model, key, _keep(listing_text.email_address, value,
                                          _where(path, key), notes))
            else:
                text = listing_text.plain_text(value)
                if "<" in value and text != " ".join(value.split()):
                    notes.append(f"{_where(path, key)}: markup removed")
                if text != value:
                    setattr(model, key, "" if text is None and required else text)
        elif isinstance(value, BaseModel):
            _clean_model(value, (*path, key), notes)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _clean_model(item, (*path, key, i), notes)


def _keep(check: Any, value: str, where: str, notes: list[str]) -> str | None:
    try:
        kept: str | None = check(value, field=where)
    except listing_text.ListingTextError as exc:
        notes.append(f"{exc} (dropped)")
        return None
    return kept


def is_free(record: oruk.Service) -> bool:
    """No cost option with an amount above zero."""
    return not any((c.amount or 0) > 0 for c in record.cost_options)


def _postcodes_of(record: oruk.Service) -> list[str]:
    out = []
    for sal in record.service_at_locations:
        for address in (sal.location.addresses if sal.location else []):
            if address.postal_code and Postcode.is_valid(address.postal_code):
                out.append(str(Postcode(address.postal_code)))
    return out


def place_locations(record: oruk.Service, found: dict[str, Place] | None,
                    *, have_postcodes: bool = True
                    ) -> tuple[dict[str, store.LocationPoint], list[str]]:
    """Where each location of ``record`` is, and notes on those that could not be
    placed. A postcode found in the postcode directory (``found``, looked up by the
    caller) wins; else the record's own latitude and longitude, when they lie in Great
    Britain."""
    points: dict[str, store.LocationPoint] = {}
    notes: list[str] = []
    for sal in record.service_at_locations:
        loc = sal.location
        if loc is None or loc.location_type == "virtual":
            continue
        address = next((a for a in loc.addresses if a.address_type != "postal"),
                       loc.addresses[0] if loc.addresses else None)
        postcode = None
        if address is not None and address.postal_code:
            try:
                postcode = Postcode(address.postal_code)
            except CodeError:
                notes.append(f"location {loc.id}: {address.postal_code!r} is not a UK "
                             "postcode")
        place = found.get(str(postcode)) if (postcode and found is not None) else None
        if place is not None:
            points[loc.id] = store.LocationPoint(place.easting, place.northing,
                                                 place.latitude, place.longitude,
                                                 place.borough_code, str(postcode),
                                                 "postcode")
            continue
        if postcode and have_postcodes:
            notes.append(f"location {loc.id}: postcode {postcode} is not in the postcode "
                         "directory")
        if loc.latitude is not None and loc.longitude is not None:
            lon, lat = float(loc.longitude), float(loc.latitude)
            if lonlat_in_great_britain([lon], [lat])[0]:
                e, n = to_bng([lon], [lat])
                if bng_in_great_britain(e, n)[0]:
                    points[loc.id] = store.LocationPoint(
                        round(float(e[0]), 1), round(float(n[0]), 1), lat, lon, None,
                        str(postcode) if postcode else None, "feed")
                    continue
            notes.append(f"location {loc.id}: latitude {lat}, longitude {lon} is not in "
                         "Great Britain")
        points[loc.id] = store.LocationPoint(None, None, None, None, None,
                                             str(postcode) if postcode else None, None)
    return points, notes


class Directory:
    """See the module docstring."""

    REFRESH_SECONDS = 1.0

    def __init__(self, sessions: sessionmaker[Session], postcodes: PostcodeLookup | None
                 ) -> None:
        self.sessions = sessions
        self.postcodes = postcodes
        self._index: search.DirectoryIndex | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    # -- writing ------------------------------------------------------------------------
    def ensure_vocabularies(self) -> int:
        with self.sessions() as session, session.begin():
            return store.ensure_vocabularies(session, VOCABULARIES)

    def save(self, session: Session, record: oruk.Service, keeper: store.Stewardship,
             *, term_ids: Iterable[str] = ()) -> list[str]:
        """Write ``record`` (cleaned and placed) in ``session``'s transaction; returns
        notes on what was changed or could not be placed."""
        return self.save_many(session, [(record, keeper, tuple(term_ids))])[0]

    def save_many(self, session: Session,
                  batch: Sequence[tuple[oruk.Service, store.Stewardship, tuple[str, ...]]]
                  ) -> list[list[str]]:
        """:meth:`save` for many records: postcodes looked up and rows written together."""
        cleaned = [clean(record) for record, _keeper, _terms in batch]
        wanted = [p for c in cleaned for p in _postcodes_of(c.record)]
        found = self.postcodes.places(wanted) if (self.postcodes and wanted) else {}
        writes, notes = [], []
        for c, (_record, keeper, terms) in zip(cleaned, batch, strict=True):
            record = c.record
            org = record.organization or oruk.Organization(
                id=record.organization_id or record.id, name=record.name, description="")
            points, placed = place_locations(record, found,
                                             have_postcodes=self.postcodes is not None)
            writes.append(store.ServiceWrite(record, org, points, keeper, is_free(record),
                                             tuple(terms)))
            notes.append([*c.notes, *placed])
        store.write_services(session, writes)
        self.changed(session)
        return notes

    def changed(self, session: Session) -> None:
        """Record in ``session``'s transaction that the directory changed. Other processes
        see it at their next version check; this one at its next search, since the check
        is due again as soon as the change commits (a provider sees the listing just saved)."""
        store.bump_version(session)

        def due(_session: Session) -> None:
            self._checked = 0.0
        event.listen(session, "after_commit", due, once=True)

    # -- reading ------------------------------------------------------------------------
    def index(self) -> search.DirectoryIndex:
        """The search index, rebuilt when the directory changed (version checked at most
        once a second; while one request rebuilds, others use the previous index)."""
        now = time.monotonic()
        current = self._index
        if current is not None and now - self._checked < self.REFRESH_SECONDS:
            return current
        if not self._lock.acquire(blocking=current is None):
            return current  # type: ignore[return-value]
        try:
            self._checked = time.monotonic()
            with self.sessions() as session:
                version = store.directory_version(session)
                if self._index is not None and self._index.version == version:
                    return self._index
                rows = reads.index_rows(session)
                items = {s.id: oruk_records.service_item(s)
                         for s in reads.all_services(session)}
            self._index = search.build(version, rows, items)
            return self._index
        finally:
            self._lock.release()

    def forget_index(self) -> None:
        with self._lock:
            self._index = None
