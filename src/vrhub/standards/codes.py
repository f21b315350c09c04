"""Domain codes as value types, checked when created.

A bad code fails at the edge with its value in the message::

    >>> LSOACode("E01000001")
    'E01000001'
    >>> LSOACode("E05000001")
    Traceback (most recent call last):
    vrhub.errors.CodeError: 'E05000001' is not an LSOA code: ...
"""

from __future__ import annotations

import re
from typing import ClassVar

from vrhub.errors import CodeError


class _Code(str):
    kind: ClassVar[str] = "code"
    expression: ClassVar[str] = r".+"
    """The code's pattern as text (matched whole): the one column declarations take."""
    pattern: ClassVar[re.Pattern[str]] = re.compile(r".+")
    example: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.pattern = re.compile(cls.expression)

    def __new__(cls, value: object) -> _Code:
        text = str(value).strip().upper() if value is not None else ""
        if not cls.pattern.fullmatch(text):
            raise CodeError(
                f"{value!r} is not {cls.kind}: expected a code like {cls.example!r}",
                hint=f"give {cls.kind} (a GSS or ODS code such as {cls.example}), not a name "
                "or another geography's code",
            )
        return super().__new__(cls, text)

    @classmethod
    def is_valid(cls, value: object) -> bool:
        try:
            cls(value)
        except CodeError:
            return False
        return True


class GSSCode(_Code):
    """Government Statistical Service code of any area (E, W, S or N and eight digits)."""

    kind = "a GSS area code"
    expression = r"[EWSN]\d{8}"
    example = "E09000001"


class LSOACode(_Code):
    """GSS code of a Lower layer Super Output Area (England E01, Wales W01)."""

    kind = "an LSOA code"
    expression = r"[EW]01\d{6}"
    example = "E01000001"


class MSOACode(_Code):
    kind = "an MSOA code"
    expression = r"[EW]02\d{6}"
    example = "E02000001"


class WardCode(_Code):
    """GSS code of an electoral ward (E05 / W05)."""

    kind = "a ward code"
    expression = r"[EW]05\d{6}"
    example = "E05009288"


class LocalAuthorityCode(_Code):
    """GSS code of a local authority district (E06-E09, W06)."""

    kind = "a local authority code"
    expression = r"(E0[6-9]|W06)\d{6}"
    example = "E09000001"


class BoroughCode(_Code):
    """GSS code of a London borough or the City of London (E09)."""

    kind = "a London borough code"
    expression = r"E09\d{6}"
    example = "E09000033"


class ODSCode(_Code):
    """NHS Organisation Data Service code of an organisation or site (3 to 9 characters,
    letters and digits, e.g. trust ``RJ1`` or site ``RJ122``)."""

    kind = "an ODS code"
    expression = r"[A-Z0-9]{3,9}"
    example = "RJ122"


def is_gss(value: object) -> bool:
    return isinstance(value, str) and GSSCode.pattern.fullmatch(value.strip().upper()) is not None
