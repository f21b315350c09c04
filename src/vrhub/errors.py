"""The one exception family of vrhub.

Every error a user can cause or fix is a :class:`UserError`. The CLI prints its message
without a traceback and exits with its ``exit_code``; the web layer answers with its
``http_status`` and the one JSON error shape. Anything that is not a ``UserError`` is a
bug: the CLI shows a short generic message and the web layer a generic 500 that never
echoes exception text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


class VrhubError(Exception):
    """Base of every exception vrhub raises on purpose."""


class UserError(VrhubError):
    """Something the user can fix. The message says what, the value found, and how."""

    exit_code: ClassVar[int] = 2
    http_status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid_request"
    audited: bool = False
    """True once the refusal is in the audit trail (the policy layer wrote it)."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  How to fix: {self.hint}"
        return self.message

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        return out


class ConfigError(UserError):
    """A setting is missing or wrong."""

    exit_code = 3
    http_status = 500
    code = "configuration_error"


@dataclass(frozen=True)
class Location:
    """Where in an input a problem is: file, 1-based data row, column and the value found."""

    file: str
    row: int | None = None
    column: str | None = None
    value: object = None

    def describe(self) -> str:
        parts = [f"file {self.file}"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        if self.value is not None:
            parts.append(f"value {_shorten(self.value)!r}")
        return ", ".join(parts)


def _shorten(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InputError(UserError):
    """An input file cannot be used. Always names file, row, column and value where known."""

    exit_code = 4
    http_status = 422
    code = "invalid_input"

    def __init__(self, problem: str, where: Location, *, hint: str | None = None) -> None:
        super().__init__(f"{where.describe()}: {problem}", hint=hint)
        self.problem = problem
        self.where = where

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["file"] = self.where.file
        if self.where.row is not None:
            out["row"] = self.where.row
        if self.where.column is not None:
            out["column"] = self.where.column
        return out


class CodeError(UserError):
    """A domain code (GSS area code, ODS site code, ISTV code) is malformed or unknown."""

    exit_code = 4
    http_status = 422
    code = "invalid_code"


class MonthError(CodeError):
    """A month or period is malformed (not ``2024-10``) or impossible (ends before it starts)."""

    code = "invalid_month"


class NotFound(UserError):
    exit_code = 5
    http_status = 404
    code = "not_found"


class AuthenticationRequired(UserError):
    exit_code = 6
    http_status = 401
    code = "authentication_required"


class PermissionDenied(UserError):
    exit_code = 7
    http_status = 403
    code = "forbidden"


class Conflict(UserError):
    exit_code = 8
    http_status = 409
    code = "conflict"


class RateLimited(UserError):
    exit_code = 9
    http_status = 429
    code = "rate_limited"


class NetworkError(UserError):
    """A download could not reach its server."""

    exit_code = 10
    http_status = 502
    code = "network_error"


class DisclosureError(UserError):
    """An output would break disclosure control; it is refused, never published."""

    exit_code = 11
    http_status = 500
    code = "disclosure_refused"


class OperationalError(UserError):
    """The deployment around vrhub is not as it needs to be: a database that cannot be
    reached, an account that lacks a privilege, a schema that needs upgrading, a warehouse
    another process holds. Printed as one line that names the cause and the fix."""

    exit_code = 13
    http_status = 503
    code = "service_unavailable"

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}; to fix: {self.hint}"
        return self.message
