"""Restoring a backup: the workspace and the app database are put back together
(:func:`vrhub.storage.backup.restore`), then the restored audit trail is verified link by
link and, when the deployment's audit key file exists, seal by seal
(:func:`vrhub.access.audit.verify`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from vrhub.access import audit as audit_trail
from vrhub.access.audit_seal import AuditSeal
from vrhub.storage import backup
from vrhub.storage.appdb.engine import make_engine


@dataclass
class RestoreReport:
    """A restore and the check of the trail it brought back."""

    restored: backup.Restored
    chain: audit_trail.VerifyResult

    def to_dict(self) -> dict[str, Any]:
        r = self.restored
        return {"backup_id": r.backup_id, "created_at": r.created_at,
                "audit": r.audit.to_dict(), "audit_chain_intact": self.chain.ok,
                "audit_chain_problem": self.chain.problem,
                "events_lost": r.lost_events, "lost_first_at": r.lost_first,
                "lost_last_at": r.lost_last,
                "lost_events_file": str(r.lost_file) if r.lost_file else None,
                "previous_workspace": str(r.previous) if r.previous else None,
                "warehouse_schema_version": r.warehouse_version}


def restore(folder: Path, home: Path, database_url: str, *, app_role: str,
            audit_key_file: Path | None = None) -> RestoreReport:
    """Restore the backup in ``folder`` into the workspace ``home`` and the app database,
    then verify the restored trail (its seals under ``audit_key_file``, read after the
    workspace is restored: by default it is part of it)."""
    restored = backup.restore(folder, home, database_url, app_role=app_role)
    engine = make_engine(database_url)
    try:
        key = (AuditSeal(audit_key_file, sessionmaker(engine)).key(create=False)
               if audit_key_file is not None else None)
        with Session(engine) as session:
            chain = audit_trail.verify(session, key)
    finally:
        engine.dispose()
    return RestoreReport(restored, chain)
