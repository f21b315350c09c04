"""Critical-incident response as the web app sees it: one desk per process, on
``app.state``."""

from __future__ import annotations

import threading

from fastapi import Request

from vrhub.partnership.incident_notices import Mailer
from vrhub.partnership.incidents import IncidentDesk
from vrhub.pathways.postcode_source import postcode_lookup
from vrhub.storage.warehouse import Warehouse
from vrhub.web.data import open_shared_warehouse

_LOCK = threading.Lock()


def incident_desk(request: Request) -> IncidentDesk:
    """FastAPI dependency: the incident desk (built on first use)."""
    state = request.app.state
    found = getattr(state, "incident_desk", None)
    if found is None:
        with _LOCK:
            found = getattr(state, "incident_desk", None)
            if found is None:
                settings = state.settings

                def warehouse() -> Warehouse:
                    return open_shared_warehouse(state)

                found = IncidentDesk(state.access.sessions, state.access.policy, warehouse,
                                     postcode_lookup(warehouse),
                                     settings.chosen_study_area(),
                                     mailer=Mailer.from_settings(settings),
                                     app_url=settings.app_url)
                state.incident_desk = found
    return found
