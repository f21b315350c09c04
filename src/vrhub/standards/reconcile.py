"""How the police.uk crime types correspond to the MPS recorded-crime categories.

data.police.uk publishes the Metropolitan Police Service's crimes as points with one of
fourteen crime types; the MPS publishes its own monthly counts on the London Datastore under
major and minor categories of the Home Office counting rules. The two vocabularies are not
the same: police.uk's 'Violence and sexual offences' is two MPS majors, its four theft types
are four minors of the MPS 'THEFT' major, and some categories have no counterpart at all
(anti-social behaviour is not a crime; NFIB fraud is recorded by Action Fraud and never
published as police.uk points).

:data:`CATEGORY_MAP` states the correspondence once; ``vrhub reconcile`` and the quality
page compare police.uk points with MPS counts only through it. ``match`` says how close the
correspondence is:

* ``same`` — the same offences under two names;
* ``approximate`` — mostly the same offences; a few offence codes sit in a different
  category on each side (e.g. police.uk 'Other crime' holds forgery, which the MPS counts
  under 'FRAUD AND FORGERY').
"""

from __future__ import annotations

from dataclasses import dataclass

MPS_FORCE = "Metropolitan Police Service"
"""The ``Reported by`` value of the rows the MPS tables count."""


@dataclass(frozen=True)
class CategoryMatch:
    """One police.uk crime type and the MPS categories that count the same offences.

    ``minors`` empty means every minor category of the ``majors``; otherwise only those
    minor categories (names as the MPS tables spell them).
    """

    police_type: str
    majors: tuple[str, ...]
    minors: tuple[str, ...] = ()
    match: str = "same"


CATEGORY_MAP: tuple[CategoryMatch, ...] = (
    CategoryMatch("Burglary", ("BURGLARY",)),
    CategoryMatch("Robbery", ("ROBBERY",)),
    CategoryMatch("Vehicle crime", ("VEHICLE OFFENCES",)),
    CategoryMatch("Violence and sexual offences",
                  ("VIOLENCE AGAINST THE PERSON", "SEXUAL OFFENCES")),
    CategoryMatch("Criminal damage and arson", ("ARSON AND CRIMINAL DAMAGE",)),
    CategoryMatch("Drugs", ("DRUG OFFENCES",)),
    CategoryMatch("Possession of weapons", ("POSSESSION OF WEAPONS",)),
    CategoryMatch("Public order", ("PUBLIC ORDER OFFENCES",)),
    CategoryMatch("Theft from the person", ("THEFT",), ("THEFT FROM THE PERSON",)),
    CategoryMatch("Bicycle theft", ("THEFT",), ("BICYCLE THEFT",)),
    CategoryMatch("Shoplifting", ("THEFT",), ("SHOPLIFTING",)),
    CategoryMatch("Other theft", ("THEFT",), ("OTHER THEFT",)),
    CategoryMatch("Other crime", ("MISCELLANEOUS CRIMES AGAINST SOCIETY",),
                  match="approximate"),
)

UNMATCHED_POLICE_TYPES = ("Anti-social behaviour",)
"""police.uk types with no MPS counterpart (anti-social behaviour is not recorded crime)."""

UNMATCHED_MPS_MAJORS = ("FRAUD AND FORGERY", "NFIB FRAUD")
"""MPS majors with no police.uk type (fraud is reported to Action Fraud, not as points)."""

WITHIN = (0.05, 0.10)
"""The bands (as a share of the MPS count) the reconciliation reports agreement within."""

OUTSIDE = 0.10
"""Cells whose police.uk/MPS ratio is further than this from 1 are listed one by one."""


def category_match(police_type: str) -> CategoryMatch | None:
    """The MPS counterpart of a police.uk crime type (compared case-insensitively)."""
    wanted = police_type.strip().casefold()
    for match in CATEGORY_MAP:
        if match.police_type.casefold() == wanted:
            return match
    return None
