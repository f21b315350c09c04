"""Carry LSOA figures between the 2011 and 2021 vintages without losing or doubling any.

Many of the sources vrhub loads sit on different LSOA vintages: IMD 2019, the mid-year
estimates and police.uk files before October 2023 use LSOA **2011** codes; the MPS tables,
Census 2021, IMD 2025 and recent police.uk files use LSOA **2021** codes. The ONS exact-fit
lookup pairs them and says how each pair changed (CHGIND):

* ``U`` unchanged: the same area, the figure moves 1:1.
* ``S`` split: one 2011 LSOA became several 2021 LSOAs. Going 2011 → 2021 the figure is
  divided among the 2021 children **in proportion to their Census 2021 population**;
  going 2021 → 2011 the children are summed.
* ``M`` merged: several 2011 LSOAs became one 2021 LSOA. Going 2011 → 2021 they are
  summed; going 2021 → 2011 the figure is divided among the 2011 parents in proportion to
  their population (latest ONS mid-year estimate on 2011 LSOAs).
* ``X`` complex: boundaries redrawn. Each direction divides the figure among the LSOAs it
  overlaps in proportion to population (Census 2021 going to 2021, mid-year estimate going
  to 2011) - an approximation, as the overlap's own population is not published.

Where the population needed is not loaded the division uses **equal shares**, and the
rows say so (``weight_basis = 'equal'``); :func:`compute_weights` reports it so callers can
announce it. For every source LSOA the weights sum to 1, so totals are conserved exactly
(up to floating point): counts apportioned this way are estimates for the split areas, but
no offence is lost or counted twice.

The functions here are pure: they take frames and return frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from vrhub.errors import UserError

CHANGES = ("U", "S", "M", "X")


def _shares(
    group: pd.Series, target: pd.Series, population: pd.Series | None
) -> tuple[np.ndarray, np.ndarray]:
    """Share of each group's total going to each row's target, and whether equal shares
    had to be used. ``group`` is the source code, ``target`` the destination code."""
    size = group.map(group.value_counts()).to_numpy()
    equal = 1.0 / size
    if population is None:
        return equal, size > 1
    pop = target.map(population).to_numpy(dtype=float)
    frame = pd.DataFrame({"g": group.to_numpy(), "p": pop, "known": ~np.isnan(pop)})
    grouped = frame.groupby("g")
    total = grouped["p"].transform("sum").to_numpy()
    complete = grouped["known"].transform("all").to_numpy(bool)
    usable = complete & (total > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(usable, pop / total, equal)
    share[size == 1] = 1.0
    return share, (size > 1) & ~usable


def compute_weights(
    pairs: pd.DataFrame,
    population21: pd.Series | None = None,
    population11: pd.Series | None = None,
    *,
    basis21: str = "census2021",
    basis11: str = "mye",
) -> pd.DataFrame:
    """Apportioning weights for the lookup ``pairs`` (columns lsoa11_code, lsoa21_code).

    ``population21`` is indexed by LSOA 2021 code, ``population11`` by LSOA 2011 code.
    Returns ``pairs`` with weight_11_to_21, weight_21_to_11 and weight_basis added.
    """
    out = pairs.copy()
    w12, eq12 = _shares(out["lsoa11_code"], out["lsoa21_code"], population21)
    w21, eq21 = _shares(out["lsoa21_code"], out["lsoa11_code"], population11)
    out["weight_11_to_21"] = w12
    out["weight_21_to_11"] = w21
    split12 = out["lsoa11_code"].map(out["lsoa11_code"].value_counts()).to_numpy() > 1
    split21 = out["lsoa21_code"].map(out["lsoa21_code"].value_counts()).to_numpy() > 1
    basis = np.full(len(out), "one-to-one", dtype=object)
    parts12 = np.where(eq12, "equal", basis21)
    parts21 = np.where(eq21, "equal", basis11)
    basis[split12 & ~split21] = parts12[split12 & ~split21]
    basis[split21 & ~split12] = parts21[split21 & ~split12]
    both = split12 & split21
    basis[both] = [f"{a}+{b}" if a != b else a for a, b in zip(parts12[both], parts21[both],
                                                               strict=True)]
    out["weight_basis"] = basis
    return out


def _apportion(
    frame: pd.DataFrame,
    value_col: str,
    lookup: pd.DataFrame,
    *,
    source: str,
    target: str,
    weight: str,
    code_col: str,
    by: Sequence[str],
    on_unmatched: Literal["error", "drop"],
) -> pd.DataFrame:
    for column in (source, target):
        if column not in lookup.columns:
            raise UserError(f"the LSOA lookup has no column {column!r}",
                            hint="pass the lsoa_change table (vrhub load lsoa-lookup)")
    if weight not in lookup.columns:
        lookup = compute_weights(lookup)
    if code_col not in frame.columns:
        raise UserError(f"the frame has no column {code_col!r}",
                        hint="name the LSOA code column with code_col=")
    pairs = lookup[[source, target, weight]]
    matched = frame[code_col].isin(pairs[source])
    if not matched.all():
        missing = frame.loc[~matched, code_col]
        if on_unmatched == "error":
            raise UserError(
                f"{len(missing):,} row(s) have an LSOA code that is not a "
                f"{source[4:6]}-vintage code in the lookup, e.g. {missing.iloc[0]!r}",
                hint="check the figures are on the vintage you convert from, or pass "
                "on_unmatched='drop'",
            )
        frame = frame.loc[matched]
    merged = frame[[code_col, *by, value_col]].merge(
        pairs, left_on=code_col, right_on=source, how="inner")
    merged[value_col] = merged[value_col].astype(float) * merged[weight]
    result: pd.DataFrame = merged.groupby([target, *by], as_index=False, sort=True)[
        [value_col]].sum()
    return result


def lsoa11_to_21(
    frame: pd.DataFrame,
    value_col: str,
    lookup: pd.DataFrame,
    *,
    code_col: str = "lsoa_code",
    by: Sequence[str] = (),
    on_unmatched: Literal["error", "drop"] = "error",
) -> pd.DataFrame:
    """Figures on LSOA 2011 codes -> LSOA 2021 (columns lsoa21_code, *by, value_col).

    ``lookup`` is the ``lsoa_change`` table (or any frame with lsoa11_code, lsoa21_code and
    optionally weight_11_to_21; without weights equal shares are used). ``by`` columns
    (month, category, ...) are carried through. Totals are conserved.
    """
    return _apportion(frame, value_col, lookup, source="lsoa11_code", target="lsoa21_code",
                      weight="weight_11_to_21", code_col=code_col, by=by,
                      on_unmatched=on_unmatched)


def lsoa21_to_11(
    frame: pd.DataFrame,
    value_col: str,
    lookup: pd.DataFrame,
    *,
    code_col: str = "lsoa_code",
    by: Sequence[str] = (),
    on_unmatched: Literal["error", "drop"] = "error",
) -> pd.DataFrame:
    """Figures on LSOA 2021 codes -> LSOA 2011 (columns lsoa11_code, *by, value_col).
    The mirror of :func:`lsoa11_to_21`, using weight_21_to_11."""
    return _apportion(frame, value_col, lookup, source="lsoa21_code", target="lsoa11_code",
                      weight="weight_21_to_11", code_col=code_col, by=by,
                      on_unmatched=on_unmatched)
