"""The writes of a directory import (SQLite and PostgreSQL): one feed per source, a run's
counts and quarantined records, withdrawn listings, and provenance kept per record and
feed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.directory_support import postcodes, save_records
from vrhub.access.services import AccessServices
from vrhub.pathways.directory import Directory
from vrhub.storage import directory_imports as imports
from vrhub.storage.appdb.directory_models import (
    DirectoryFeed,
    DirectoryProvenance,
    DirectoryQuarantine,
    DirectoryService,
)
from vrhub.synthetic.directory import synthetic_services

MONDAY, TUESDAY = dt.datetime(2025, 3, 3, 6, 0), dt.datetime(2025, 3, 4, 6, 0)


def test_an_import_run_is_recorded_with_its_counts_and_quarantine(
        services: AccessServices) -> None:
    source = "https://feed.example.org/oruk"
    with services.sessions() as session, session.begin():
        feed = imports.ensure_feed(session, source, "Example feed " + "x" * 400)
        assert imports.ensure_feed(session, source, "another name").id == feed.id
        job = imports.start_import(session, feed.id, MONDAY)
        imports.finish_import(session, job, {
            "pages": 3, "records_read": 120, "created": 100, "updated": 5, "unchanged": 10,
            "quarantined": 2, "withdrawn": 4, "quality": {"score": 71.5}}, [
            {"page": 1, "position": 7, "record_id": "r-7", "name": "Boxing club",
             "reason": "no name"},
            {"position": 9, "reason": "not JSON"}])
    with services.sessions() as session:
        stored = session.get(DirectoryFeed, feed.id)
        assert stored is not None and len(stored.name) == 300  # cut to the column
        assert stored.last_import_at == job.finished_at is not None
        assert (job.pages, job.records_read, job.created, job.updated, job.unchanged,
                job.merged, job.quarantined) == (3, 120, 100, 5, 10, 0, 2)
        assert job.quality == {"score": 71.5, "withdrawn": 4}
        held = session.scalars(select(DirectoryQuarantine).order_by(
            DirectoryQuarantine.position)).all()
        assert [(q.import_id, q.page, q.position, q.record_id, q.reason) for q in held] == [
            (job.id, 1, 7, "r-7", "no name"), (job.id, None, 9, None, "not JSON")]


def test_withdrawn_listings_turn_inactive_and_provenance_is_upserted(
        services: AccessServices) -> None:
    directory = Directory(services.sessions, None)
    records = synthetic_services(postcodes(per_area=1), 3, seed=3)
    save_records(directory, records)
    ids = [r["id"] for r in records]
    with services.sessions() as session, session.begin():
        session.execute(DirectoryService.__table__.update().where(
            DirectoryService.id == ids[2]).values(status="inactive"))
        feed = imports.ensure_feed(session, "file:feed.json", "feed")
        first = imports.start_import(session, feed.id, MONDAY)
        imports.record_provenance(session, feed.id, first.id, [
            {"record_id": ids[0], "external_id": "A", "content_hash": "h1"},
            {"record_id": ids[1], "external_id": "B", "content_hash": "h2"}], MONDAY)
    with services.sessions() as session, session.begin():
        # the third was inactive already: it is not counted as a change
        assert imports.withdraw(session, [ids[1], ids[2], "no-such-id"]) == 1
        second = imports.start_import(session, feed.id, TUESDAY)
        imports.record_provenance(session, feed.id, second.id, [
            {"record_id": ids[1], "external_id": "B", "content_hash": "old"},
            {"record_id": ids[1], "external_id": "B", "content_hash": "h2b"},  # last wins
            {"record_id": ids[2], "external_id": "C", "content_hash": "h3"}], TUESDAY)
    with services.sessions() as session:
        status = {sid: s for sid, s in session.execute(
            select(DirectoryService.id, DirectoryService.status))}
        assert [status[i] for i in ids] == ["active", "inactive", "inactive"]
        rows = {p.record_id: p for p in session.scalars(select(DirectoryProvenance))}
        assert set(rows) == set(ids)
        assert (rows[ids[0]].first_seen_at, rows[ids[0]].last_seen_at,
                rows[ids[0]].last_import_id) == (MONDAY, MONDAY, first.id)
        assert (rows[ids[1]].first_seen_at, rows[ids[1]].last_seen_at,
                rows[ids[1]].content_hash, rows[ids[1]].last_import_id) == (
            MONDAY, TUESDAY, "h2b", second.id)
        assert (rows[ids[2]].first_seen_at, rows[ids[2]].kind) == (TUESDAY, "service")
