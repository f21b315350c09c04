"""The ONS LSOA 2011 → 2021 correspondence, with the apportioning weights vrhub uses.

One row per LSOA 2011 × LSOA 2021 pair of the ONS exact-fit lookup. ``change`` is the
ONS CHGIND: ``U`` unchanged, ``S`` one 2011 LSOA split into several 2021 LSOAs, ``M``
several 2011 LSOAs merged into one 2021 LSOA, ``X`` a complex (redrawn) change. The two
weights say what share of a count moves along the pair in each direction; they sum to 1
for every source LSOA, so totals are conserved. The rule is explained in
``docs/explanation/lsoa-vintages.md`` and implemented in :mod:`vrhub.geography.vintage`.
"""

from __future__ import annotations

from vrhub.standards.codes import LSOACode
from vrhub.standards.schema import Column, Table

LSOA_CHANGE = Table(
    name="lsoa_change",
    group="geography",
    description="ONS LSOA 2011 → LSOA 2021 lookup (exact fit) with population-based "
    "apportioning weights in both directions.",
    columns=(
        Column("lsoa11_code", "string", "LSOA 2011 code.", required=True,
               pattern=LSOACode.expression, source="LSOA11CD"),
        Column("lsoa11_name", "string", "LSOA 2011 name.", source="LSOA11NM"),
        Column("lsoa21_code", "string", "LSOA 2021 code.", required=True,
               pattern=LSOACode.expression, source="LSOA21CD"),
        Column("lsoa21_name", "string", "LSOA 2021 name.", source="LSOA21NM"),
        Column("change", "string", "U unchanged, S split, M merged, X complex.",
               required=True, allowed=("U", "S", "M", "X"), source="CHGIND"),
        Column("borough_code", "string", "Local authority (2022) code.", required=True,
               pattern=r"[EW]0[6-9]\d{6}", source="LAD22CD"),
        Column("borough_name", "string", "Local authority (2022) name.", source="LAD22NM"),
        Column("weight_11_to_21", "float", "Share of a 2011 LSOA's count assigned to this "
               "2021 LSOA.", required=True, minimum=0, maximum=1),
        Column("weight_21_to_11", "float", "Share of a 2021 LSOA's count assigned to this "
               "2011 LSOA.", required=True, minimum=0, maximum=1),
        Column("weight_basis", "string", "How the weights were set: 'one-to-one', "
               "'census2021' / 'mye' population shares, or 'equal' shares when no "
               "population was loaded.", required=True),
        Column("file_id", "string", "Provenance file_id.", required=True),
    ),
    primary_key=("lsoa11_code", "lsoa21_code"),
    indexes=(("lsoa21_code",),),
)

TABLES = (LSOA_CHANGE,)
