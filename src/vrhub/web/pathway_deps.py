"""The referral pathway as the web app sees it: one per process, on ``app.state``."""

from __future__ import annotations

import threading

from fastapi import Request

from vrhub.pathways.postcode_source import postcode_lookup
from vrhub.pathways.referral_closure import Retention
from vrhub.pathways.referrals import Pathway
from vrhub.pathways.sealing import sealer_for
from vrhub.web.data import open_shared_warehouse

_LOCK = threading.Lock()


def pathway(request: Request) -> Pathway:
    """FastAPI dependency: the referral pathway service (built on first use)."""
    state = request.app.state
    found = getattr(state, "pathway", None)
    if found is None:
        with _LOCK:
            found = getattr(state, "pathway", None)
            if found is None:
                settings = state.settings
                access = state.access
                found = Pathway(access.sessions, sealer_for(settings), access.audit,
                                postcodes=postcode_lookup(lambda: open_shared_warehouse(state)),
                                retention=Retention(settings.referral_retention_years))
                state.pathway = found
    return found
