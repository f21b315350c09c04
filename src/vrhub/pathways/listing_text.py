"""Text in directory listings is plain text: markup and scripts never get in.

Listings are written by providers and read from other organisations' feeds, and are shown
to the public and published in the ORUK feed. Every text field is reduced to plain text
on the way in (:func:`plain_text`: tags removed by the ``nh3`` sanitiser, the content of
``script`` and ``style`` elements dropped, entities decoded, spacing tidied), web
addresses must be ``http`` or ``https`` (:func:`web_address`), and e-mail addresses and
phone numbers must look like them. Pages escape on output as well.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3

_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{5,24}")


class ListingTextError(ValueError):
    """A listing field that cannot be kept as given; the message names field and value."""


def plain_text(value: str | None) -> str | None:
    """``value`` without markup; None for None or nothing left."""
    if value is None:
        return None
    if "<" not in value and "&" not in value:  # nothing to strip or decode: tidy only
        if "\n" not in value:
            return " ".join(value.split()).replace("\u00a0", " ") or None
        cleaned = value
    else:
        cleaned = nh3.clean(str(value), tags=set(), clean_content_tags={"script", "style"},
                            attributes={})
    text = html.unescape(cleaned).replace("\u00a0", " ")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return out or None


def web_address(value: str | None, *, field: str = "web address") -> str | None:
    """An ``http(s)`` address, or ListingTextError naming ``field`` and the value."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
        raise ListingTextError(f"{field} {text[:80]!r} is not a web address starting "
                               "with http:// or https://")
    return text


def email_address(value: str | None, *, field: str = "e-mail address") -> str | None:
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if not _EMAIL.fullmatch(text) or len(text) > 320:
        raise ListingTextError(f"{field} {text[:80]!r} is not an e-mail address")
    return text


def phone_number(value: str | None, *, field: str = "phone number") -> str | None:
    if value is None or not str(value).strip():
        return None
    text = " ".join(str(value).split())
    if not _PHONE.fullmatch(text):
        raise ListingTextError(f"{field} {text[:40]!r} is not a phone number (digits, "
                               "spaces, brackets and an optional leading +)")
    return text


def bounded(value: str | None, limit: int, *, field: str) -> str | None:
    if value is not None and len(value) > limit:
        raise ListingTextError(f"{field} is {len(value)} characters long; at most {limit}")
    return value
