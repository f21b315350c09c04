"""The outcomes services as the web app sees them: one per process, on ``app.state``
(so figures computed from participant-level rows are cached in memory once)."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import Request

from vrhub.outcomes.context import Outcomes

_LOCK = threading.Lock()


def outcomes_of(state: Any) -> Outcomes:
    """The outcomes services of an app's ``state`` (built on first use)."""
    found = getattr(state, "outcomes", None)
    if found is None:
        with _LOCK:
            found = getattr(state, "outcomes", None)
            if found is None:
                found = Outcomes.from_access(state.access, state.settings)
                state.outcomes = found
    return found


async def outcomes(request: Request) -> Outcomes:
    """FastAPI dependency: the outcomes services (asynchronous: no thread-pool trip)."""
    return outcomes_of(request.app.state)
