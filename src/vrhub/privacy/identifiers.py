"""The identifier guard: find and redact personal identifiers in free text.

``redact(text)`` returns a :class:`Redaction` with the cleaned text and a count per kind of
identifier. It is a pure function: it logs nothing and keeps nothing. Loaders call it on every
text value *before* anything is stored, quarantined, shown in a receipt or written to a log.

What is redacted, and the rule for each (the replacement token is in brackets):

``nhs_number`` [NHS number]
    Ten digits, written together or as 3-3-4 groups separated by spaces, dashes or dots,
    whose tenth digit is the modulus-11 check digit of the first nine. Ten-digit strings that
    fail the check are not NHS numbers (they may still be phone numbers, below).
``phone`` [phone]
    UK numbers: ``+44``/``0044`` followed by 9 or 10 digits, or ``0`` and 9 or 10 digits whose
    first group has at least three digits (an area or mobile code), with optional spaces,
    dashes, dots or brackets (``020 7946 0018``, ``(020) 7946-0018``, ``07700 900123``,
    ``+44 7700 900123``). Dates such as ``05-01-2024 23:43`` are not phone numbers.
``email`` [email]
    ``local@domain.tld``.
``date_of_birth`` [date of birth]
    A date introduced by a cue: ``DOB``, ``D.O.B.``, ``date of birth``, ``born`` (``born on``),
    ``birthday``; the date may be ``01/02/2003``, ``1.2.03``, ``2003-02-01`` or
    ``1 Feb 2003``/``1st February 2003``. Dates without a cue (the day of the assault) stay.
``name`` [name]
    A name after a title: ``Mr``, ``Mrs``, ``Ms``, ``Miss``, ``Mx``, ``Dr`` (with or without a
    full stop, any case), the next word and, when both are capitalised, the one after
    (``Mr John Smith`` → ``Mr [name]``). ``Dr`` directly after a capitalised word is read as
    *Drive* (``Kings Dr Enfield``) and left alone.
``postcode`` [postcode]
    A *full* postcode (``E8 1AA``) when the text describes a home address: the location type is
    home, or the text says so (``home``, ``house``, ``flat``, ``lives at``, ``his/her/their/own
    address``, ``residence``, ``address``). The outward code is kept (``E8 [postcode]``)
    because a district is not an identifier and still places the assault. Full postcodes of
    public places (a station, a pub, a street) stay, as do partial and outward postcodes: where
    violence happens in public is the value of the data.
``house_number`` [number]
    In the same home context, the number of a house or flat: ``12 Acacia Avenue`` →
    ``[number] Acacia Avenue``, ``flat 3b`` → ``flat [number]``. The street stays.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

KINDS = ("nhs_number", "phone", "email", "date_of_birth", "name", "postcode", "house_number")

TOKENS = {
    "nhs_number": "[NHS number]",
    "phone": "[phone]",
    "email": "[email]",
    "date_of_birth": "[date of birth]",
    "name": "[name]",
    "postcode": "[postcode]",
    "house_number": "[number]",
}


@dataclass(frozen=True)
class Redaction:
    """Redacted text and how many identifiers of each kind were removed."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def changed(self) -> bool:
        return self.total > 0


# -- NHS number ------------------------------------------------------------------------------

_NHS = re.compile(r"(?<![\d+])(\d{3})[ \-.]?(\d{3})[ \-.]?(\d{4})(?!\d)")


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None when no valid digit exists
    (remainder gives 10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    """True when ``value`` (spaces and dashes allowed) is ten digits with a valid check digit."""
    digits = re.sub(r"[ \-.]", "", value)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


# -- phones, e-mail --------------------------------------------------------------------------

_SEP = r"[ \-.]?"
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:\+|00)44" + _SEP + r"(?:\(0\)" + _SEP + r")?\d(?:" + _SEP + r"\d){8,9}"  # +44 ...
    r"|\(?0\d{2}(?:" + _SEP + r"\)?" + _SEP + r"\d){7,8}"  # 0xx... (area code >= 3 digits)
    r")(?!\d)"
)
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}"
                    r"(?:\.[A-Za-z0-9\-]{1,63}){1,8}")

# -- dates of birth --------------------------------------------------------------------------

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"
    r"|\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}(?:st|nd|rd|th)?[ \-]" + _MONTHS + r"\.?[ \-,]*\d{2,4}"
    r"|" + _MONTHS + r"\.?[ ]\d{1,2}(?:st|nd|rd|th)?,?[ ]\d{2,4})"
)
_DOB = re.compile(
    r"(?P<cue>\b(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|born(?:\s+on)?|birthday|bday)"
    r"\s*[:\-]?\s*)(?P<date>" + _DATE + r")",
    re.IGNORECASE,
)

# -- names after titles ----------------------------------------------------------------------

_TITLE_NAME = re.compile(
    r"(?P<title>\b(?:mr|mrs|ms|miss|mx|dr)\b\.?)\s+"
    r"(?P<name>[A-Za-z][A-Za-z'\-]*(?:\s+(?-i:[A-Z])[A-Za-z'\-]+)?)",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset(
    {"and", "or", "the", "a", "an", "at", "in", "on", "of", "to", "from", "by", "with", "x",
     "unknown", "n", "s"}
)

# -- postcodes -------------------------------------------------------------------------------

_POSTCODE = re.compile(
    r"\b(?P<outward>[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR)\s*(?P<inward>\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)
_HOME_CUES = re.compile(
    r"\b(?:home|house|flat|apartment|lives\s+at|living\s+at|resid\w*|"
    r"(?:his|her|their|own|my|pt'?s?|patient'?s?|home)\s+address|address)\b",
    re.IGNORECASE,
)


_STREET_WORDS = (
    r"(?:road|rd|street|st|avenue|ave|lane|ln|close|cl|way|gardens|gdns|court|ct|crescent|"
    r"cres|drive|dr|place|pl|terrace|ter|grove|gr|hill|park|walk|row|square|sq|mews|rise|"
    r"view|estate|house|towers?|parade)"
)
_HOUSE_NUMBER = re.compile(
    r"(?P<lead>\b(?:flat|apartment|apt|no\.?|number|unit)\s*)(?P<num>\d{1,4}[a-z]?)\b"
    r"|\b(?P<num2>\d{1,4}[a-z]?)(?P<gap>,?\s+(?:[A-Za-z'\-]+\s+){1,3}" + _STREET_WORDS + r"\b)",
    re.IGNORECASE,
)


def _house_number(match: re.Match[str]) -> str:
    if match.group("num") is not None:
        return match.group("lead") + TOKENS["house_number"]
    return TOKENS["house_number"] + match.group("gap")


def _sub(pattern: re.Pattern[str], text: str, repl: Callable[[re.Match[str]], str | None],
         counts: Counter[str], kind: str) -> str:
    def inner(match: re.Match[str]) -> str:
        out = repl(match)
        if out is None:
            return match.group(0)
        counts[kind] += 1
        return out

    return pattern.sub(inner, text)


def redact(text: str | None, *, home: bool = False) -> Redaction:
    """Redact identifiers in ``text``. ``home`` says the value describes a home address (the
    record's location type is home), which makes full postcodes identifying."""
    if not text:
        return Redaction(text or "", {})
    counts: Counter[str] = Counter()
    out = text
    if "@" in out:
        out = _sub(_EMAIL, out, lambda m: TOKENS["email"], counts, "email")
    out = _sub(_DOB, out, lambda m: m.group("cue") + TOKENS["date_of_birth"], counts,
               "date_of_birth")
    out = _sub(
        _NHS, out,
        lambda m: TOKENS["nhs_number"] if is_valid_nhs_number("".join(m.groups())) else None,
        counts, "nhs_number",
    )
    out = _sub(_PHONE, out, lambda m: TOKENS["phone"], counts, "phone")
    out = _sub(_TITLE_NAME, out, _name_replacement, counts, "name")
    if home or _HOME_CUES.search(out):
        out = _sub(_POSTCODE, out, lambda m: f"{m.group('outward').upper()} {TOKENS['postcode']}",
                   counts, "postcode")
        out = _sub(_HOUSE_NUMBER, out, _house_number, counts, "house_number")
    return Redaction(out, {k: counts[k] for k in KINDS if counts[k]})


_WORD_BEFORE = re.compile(r"([A-Za-z][\w']{0,40})\s+$")


def _name_replacement(match: re.Match[str]) -> str | None:
    title = match.group("title")
    words = match.group("name").split()
    if words[0].lower() in _NOT_NAMES:
        return None
    if title.lower().rstrip(".") == "dr":
        before = _WORD_BEFORE.search(match.string[max(0, match.start() - 48):match.start()])
        if before and before.group(1)[:1].isupper():
            return None  # "Kings Dr Enfield": Drive, not Doctor
    possessive = "'s" if match.group("name").lower().endswith("'s") else ""
    return f"{title} {TOKENS['name']}{possessive}"


def merge_counts(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    """Sum redaction counts (for a receipt)."""
    total: Counter[str] = Counter()
    for c in counts:
        total.update(c)
    return {k: total[k] for k in KINDS if total[k]}


# -- pseudonymous ids ------------------------------------------------------------------------
_PSEUDONYM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}")


def pseudonym_problem(value: str) -> str | None:
    """Why ``value`` cannot be a participant's pseudonymous id (a programme's own code such
    as ``P-0042``), or None when it can.

    Refused: anything the guard above would redact (an NHS number, a phone number, an
    e-mail address, a date of birth), ten or eleven digits written together (a phone or NHS
    number even when it fails the check digit), and an id without a digit (``JohnSmith``,
    ``j.smith``), which is how a name looks; ids are at most 40 letters, digits, dots,
    dashes or underscores.
    """
    text = value.strip()
    if not _PSEUDONYM.fullmatch(text):
        return "is not a pseudonymous id (up to 40 letters, digits, dots, dashes or underscores)"
    found = redact(text.replace("_", " ").replace(".", " "))
    if found.changed:
        kind = next(iter(found.counts)).replace("_", " ")
        return f"looks like a {kind}"
    digits = re.sub(r"\D", "", text)
    if len(digits) in (10, 11) and re.fullmatch(r"[\d\s\-.]+", text):
        return "looks like a phone or NHS number"
    if is_valid_nhs_number(digits) and len(digits) == 10:
        return "looks like an NHS number"
    if not digits:
        return "has no digit, which is how a name looks"
    return None
