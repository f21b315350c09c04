"""Borough plan assessment as the web app sees it: one desk per process, on ``app.state``."""

from __future__ import annotations

from fastapi import Request

from vrhub.partnership.plan_assessment import PlanDesk


def plan_desk(request: Request) -> PlanDesk:
    """FastAPI dependency: the plan assessment desk (built on first use)."""
    state = request.app.state
    found = getattr(state, "plan_desk", None)
    if found is None:
        found = state.plan_desk = PlanDesk(state.access.sessions, state.access.policy)
    return found
