"""Named writes of directory imports: feeds, import runs, quarantined records, provenance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.directory_models import (
    DirectoryFeed,
    DirectoryImport,
    DirectoryProvenance,
    DirectoryQuarantine,
    DirectoryService,
)


def ensure_feed(session: Session, source: str, name: str) -> DirectoryFeed:
    feed = session.scalar(select(DirectoryFeed).where(DirectoryFeed.source == source))
    if feed is None:
        feed = DirectoryFeed(source=source, name=name[:300], created_at=utc_now())
        session.add(feed)
        session.flush()
    return feed


def start_import(session: Session, feed_id: int, when: dt.datetime) -> DirectoryImport:
    job = DirectoryImport(feed_id=feed_id, started_at=when, quality={})
    session.add(job)
    session.flush()
    return job


def finish_import(session: Session, job: DirectoryImport, counts: dict[str, Any],
                  quarantine: Sequence[dict[str, Any]]) -> None:
    for name in ("pages", "records_read", "created", "updated", "unchanged", "merged",
                 "quarantined"):
        setattr(job, name, int(counts.get(name, 0)))
    job.quality = dict(counts.get("quality") or {}) | {"withdrawn": counts.get("withdrawn", 0)}
    job.finished_at = utc_now()
    if quarantine:
        session.execute(insert(DirectoryQuarantine), [
            {"import_id": job.id, "page": q.get("page"), "position": q["position"],
             "record_id": q.get("record_id"), "name": q.get("name"), "reason": q["reason"]}
            for q in quarantine])
    session.execute(update(DirectoryFeed).where(DirectoryFeed.id == job.feed_id)
                    .values(last_import_at=job.finished_at))


def withdraw(session: Session, service_ids: Sequence[str]) -> int:
    """Mark services a feed no longer lists as inactive; returns how many changed."""
    changed = 0
    for start in range(0, len(service_ids), 500):
        chunk = list(service_ids[start:start + 500])
        result = session.execute(
            update(DirectoryService).where(DirectoryService.id.in_(chunk),
                                           DirectoryService.status != "inactive")
            .values(status="inactive", last_modified=utc_now()))
        changed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return changed


def record_provenance(session: Session, feed_id: int, import_id: int,
                      rows: Sequence[dict[str, Any]], when: dt.datetime) -> None:
    """Upsert (record, feed) provenance: the feed's id, the content hash, last seen (two
    statements for the whole import)."""
    known = set(session.scalars(select(DirectoryProvenance.record_id)
                                .where(DirectoryProvenance.feed_id == feed_id)))
    new, seen = [], []
    latest = {row["record_id"]: row for row in rows}  # one row per record and feed
    for row in latest.values():
        values = {"record_id": row["record_id"], "feed_id": feed_id,
                  "external_id": row["external_id"], "content_hash": row["content_hash"],
                  "last_seen_at": when, "last_import_id": import_id}
        if row["record_id"] in known:
            seen.append(values)
        else:
            new.append(values | {"kind": "service", "first_seen_at": when})
    if seen:
        session.execute(update(DirectoryProvenance), seen)
    if new:
        session.execute(insert(DirectoryProvenance), new)
