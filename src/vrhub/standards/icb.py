"""Integrated Care Boards (ICBs): the NHS's area level between a region and a borough.

The NHS plans and buys care by ICB, so an ICB sees its own system: its boroughs (local
authority districts) and the emergency departments it runs. Each ICB is named by its ODS
code (the code ED site lists carry). The membership below is the ONS "Local Authority
District to Sub-ICB Location to ICB" lookup (July 2022) for London's 33 districts; a study
area elsewhere takes its districts' ICBs from the ED sites that lie in them (see
:mod:`vrhub.reports.area_directory`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ICBMembership:
    code: str
    name: str
    short_name: str
    districts: tuple[str, ...]


LONDON_ICBS: tuple[ICBMembership, ...] = (
    ICBMembership("QMJ", "NHS North Central London Integrated Care Board",
                  "North Central London",
                  ("E09000003", "E09000007", "E09000010", "E09000014", "E09000019")),
    ICBMembership("QMF", "NHS North East London Integrated Care Board", "North East London",
                  ("E09000001", "E09000002", "E09000012", "E09000016", "E09000025",
                   "E09000026", "E09000030", "E09000031")),
    ICBMembership("QRV", "NHS North West London Integrated Care Board", "North West London",
                  ("E09000005", "E09000009", "E09000013", "E09000015", "E09000017",
                   "E09000018", "E09000020", "E09000033")),
    ICBMembership("QKK", "NHS South East London Integrated Care Board", "South East London",
                  ("E09000004", "E09000006", "E09000011", "E09000022", "E09000023",
                   "E09000028")),
    ICBMembership("QWE", "NHS South West London Integrated Care Board", "South West London",
                  ("E09000008", "E09000021", "E09000024", "E09000027", "E09000029",
                   "E09000032")),
)
"""The five London ICBs and their districts (ONS LAD22 -> ICB22, OGL v3.0)."""

ICB_OF_DISTRICT: dict[str, str] = {d: icb.code for icb in LONDON_ICBS for d in icb.districts}


def short_name(name: str) -> str:
    """'NHS North East London Integrated Care Board' -> 'North East London'."""
    text = name.strip()
    if text.upper().startswith("NHS "):
        text = text[4:]
    for suffix in (" Integrated Care Board", " ICB"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return text.strip()


def parse_icb(text: str) -> str:
    """The ICB code for ``text``: an ODS code (``QMF``) or a London ICB's name, full or
    short (``North East London``), any case. A bad value fails naming the five."""
    from vrhub.errors import UserError

    key = " ".join(text.strip().split())
    if re.fullmatch(r"[A-Za-z0-9]{3}", key):
        return key.upper()
    wanted = key.lower().removeprefix("nhs ")
    for suffix in (" integrated care board", " icb"):
        wanted = wanted.removesuffix(suffix)
    for icb in LONDON_ICBS:
        if wanted == icb.short_name.lower():
            return icb.code
    raise UserError(f"{text!r} is not an Integrated Care Board code or name",
                    hint="give the ICB's 3-character ODS code or name: " + "; ".join(
                        f"{icb.code} {icb.short_name}" for icb in LONDON_ICBS))
