"""Versioned code lists for the coded ISTV elements (assault method, location type).

The official ISB 1594 code values are data, not code: they live in JSON files
(``vrhub/standards/codelists/*.json``, the shipped default) or are loaded by an administrator
(``vrhub istv codelist load FILE``), and every submission records the version that validated
it. A file looks like::

    {"version": "istv-2025-1", "title": "...", "source": "...",
     "lists": {"assault_method": [{"code": "...", "label": "...", "synonyms": ["..."]}],
               "location_type": [...]}}

A submitted value matches a code when, ignoring case, spaces and punctuation, it equals the
code, its label or one of its synonyms (ECDS SNOMED CT codes can be listed as synonyms).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from vrhub.errors import InputError, Location

REQUIRED_LISTS = ("assault_method", "location_type")
DEFAULT_FILE = "istv-default-1.json"
_CODE = re.compile(r"[A-Za-z0-9_\-]{1,40}")


def normalise(value: object) -> str:
    """Case-, space- and punctuation-insensitive form used to match submitted values."""
    return re.sub(r"[^a-z0-9]+", "", str(value).lower())


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeList:
    """One list (``assault_method`` or ``location_type``) of one version."""

    name: str
    codes: tuple[Code, ...]
    _index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        # Codes and labels win over synonyms when a spelling could mean two things.
        for code in self.codes:
            for spelling in code.synonyms:
                index.setdefault(normalise(spelling), code.code)
        for code in self.codes:
            index[normalise(code.label)] = code.code
        for code in self.codes:
            index[normalise(code.code)] = code.code
        index.pop("", None)
        object.__setattr__(self, "_index", index)

    def match(self, value: object) -> str | None:
        """The code a submitted value stands for, or None."""
        if value is None:
            return None
        return self._index.get(normalise(value))

    @property
    def code_values(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.codes)

    def describe(self) -> str:
        return ", ".join(f"{c.code} ({c.label})" for c in self.codes)


@dataclass(frozen=True)
class CodeListSet:
    """A versioned set of code lists."""

    version: str
    title: str
    source: str
    lists: Mapping[str, CodeList]
    description: str = ""

    def __getitem__(self, name: str) -> CodeList:
        return self.lists[name]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "title": self.title,
            "source": self.source,
            "description": self.description,
            "lists": {
                name: [{"code": c.code, "label": c.label, "synonyms": list(c.synonyms)}
                       for c in cl.codes]
                for name, cl in self.lists.items()
            },
        }


def parse(data: object, *, file: str = "code list") -> CodeListSet:
    """Build a :class:`CodeListSet` from a decoded JSON document, checking its shape."""

    def fail(problem: str, where: str | None = None, value: object = None) -> InputError:
        return InputError(problem, Location(file, column=where, value=value),
                          hint="see the shipped default (`vrhub istv codelist list --json`) "
                          "for the expected layout")

    if not isinstance(data, dict):
        raise fail("a code-list file must be a JSON object")
    version = data.get("version")
    if not isinstance(version, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", version):
        raise fail("'version' must be a short name (letters, digits, . _ -)", "version", version)
    lists = data.get("lists")
    if not isinstance(lists, dict):
        raise fail("'lists' must map list names to lists of codes", "lists")
    missing = [n for n in REQUIRED_LISTS if n not in lists]
    if missing:
        raise fail(f"missing list(s): {', '.join(missing)}", "lists")
    built: dict[str, CodeList] = {}
    for name, entries in lists.items():
        if not isinstance(entries, list) or not entries:
            raise fail("must be a non-empty list of codes", f"lists.{name}")
        codes: list[Code] = []
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            where = f"lists.{name}[{i}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("code"), str | int):
                raise fail("each code needs a 'code'", where)
            code = str(entry["code"]).strip()
            if not _CODE.fullmatch(code):
                raise fail("a code is 1-40 letters, digits, _ or -", where, code)
            if code in seen:
                raise fail("code listed twice", where, code)
            seen.add(code)
            synonyms = entry.get("synonyms", [])
            if not isinstance(synonyms, list):
                raise fail("'synonyms' must be a list of strings", where)
            codes.append(Code(code, str(entry.get("label") or code),
                              tuple(str(s) for s in synonyms)))
        built[str(name)] = CodeList(str(name), tuple(codes))
    return CodeListSet(
        version=version,
        title=str(data.get("title") or version),
        source=str(data.get("source") or ""),
        description=str(data.get("description") or ""),
        lists=built,
    )


def load_text(text: str, *, file: str) -> CodeListSet:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg} at line {exc.lineno})", Location(file),
                         hint="save the code list as UTF-8 JSON") from None
    return parse(data, file=file)


def shipped() -> list[CodeListSet]:
    """The code-list versions shipped with vrhub (in version order)."""
    folder = resources.files("vrhub.standards") / "codelists"
    found = [
        load_text(entry.read_text(encoding="utf-8"), file=entry.name)
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    ]
    return sorted(found, key=lambda s: s.version)


def default() -> CodeListSet:
    folder = resources.files("vrhub.standards") / "codelists"
    return load_text((folder / DEFAULT_FILE).read_text(encoding="utf-8"), file=DEFAULT_FILE)


def from_records(version: str, title: str, source: str,
                 records: Iterable[Mapping[str, Any]]) -> CodeListSet:
    """Rebuild a set from stored rows (list_name, code, label, synonyms as JSON)."""
    lists: dict[str, list[Code]] = {}
    for rec in records:
        synonyms = json.loads(rec.get("synonyms") or "[]")
        lists.setdefault(str(rec["list_name"]), []).append(
            Code(str(rec["code"]), str(rec["label"]), tuple(synonyms))
        )
    return CodeListSet(version, title, source,
                       {n: CodeList(n, tuple(c)) for n, c in lists.items()})
