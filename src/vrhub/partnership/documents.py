"""Reading a versioned JSON document a partnership loads (a checklist, a rubric)."""

from __future__ import annotations

import json
from typing import Any

from vrhub.errors import InputError, Location


def read_json(data: bytes, file: str, what: str) -> Any:
    """The JSON document in ``data``; :class:`InputError` naming ``file`` otherwise."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{file} is not a JSON document ({exc})", Location(file=file),
                         hint=f"save the {what} as UTF-8 JSON") from None
