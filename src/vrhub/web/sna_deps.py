"""Needs assessments as the web app sees it: one edition desk per process, on
``app.state``."""

from __future__ import annotations

import threading

from fastapi import Request

from vrhub.partnership.sna_editions import SnaDesk
from vrhub.storage.warehouse import Warehouse
from vrhub.web.data import open_shared_warehouse

_LOCK = threading.Lock()


def sna_desk(request: Request) -> SnaDesk:
    """FastAPI dependency: the needs-assessment edition desk (built on first use)."""
    state = request.app.state
    found = getattr(state, "sna_desk", None)
    if found is None:
        with _LOCK:
            found = getattr(state, "sna_desk", None)
            if found is None:

                def warehouse() -> Warehouse:
                    return open_shared_warehouse(state)

                found = state.sna_desk = SnaDesk(state.access.sessions, state.access.policy,
                                                 warehouse)
    return found
