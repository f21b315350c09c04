"""What the dashboard's forms show beside a field, and the borough names their pages use."""

from __future__ import annotations

from typing import Any

from vrhub.errors import UserError
from vrhub.storage.names import area_names
from vrhub.web.data import open_shared_warehouse


def sentence(exc: UserError) -> str:
    """A refusal as the sentence a form shows: the problem, then how to fix it."""
    text = exc.message[:1].upper() + exc.message[1:]
    return text + (f". {exc.hint[:1].upper() + exc.hint[1:]}" if exc.hint else "")


def borough_names(state: Any) -> dict[str, str]:
    """Borough code -> name from the app's warehouse (empty when it cannot be read)."""
    try:
        frame = area_names(open_shared_warehouse(state), "borough")
    except UserError:
        return {}
    return {str(c): str(n) for c, n in zip(frame["code"], frame["name"], strict=True)}
