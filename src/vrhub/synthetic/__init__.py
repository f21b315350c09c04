"""Seeded synthetic data for demos and tests, written in the real published formats.

:func:`write_demo_data` builds the synthetic geography (:mod:`vrhub.synthetic.geography`)
and police data (:mod:`vrhub.synthetic.police`) and writes every file the demo loads,
grouped by the loader source that reads it. The same seed writes byte-identical files, so
re-running the demo reloads nothing.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_SEED = 2024
FIRST_MONTH = "2023-10"  # police.uk files use LSOA 2021 codes from October 2023
MONTHS = 24


def write_demo_data(folder: Path, *, seed: int = DEFAULT_SEED) -> dict[str, list[Path]]:
    """Write the synthetic demo files under ``folder``; returns paths per loader source."""
    from vrhub.synthetic.geography import build_geography, write_geography
    from vrhub.synthetic.police import months_between, write_mps_tables, write_street_files

    folder = Path(folder)
    geo = build_geography(seed)
    paths = write_geography(geo, folder)
    months = months_between(FIRST_MONTH, MONTHS)
    paths["police"] = write_street_files(geo, folder / "police-uk" / "metropolitan", months,
                                         seed=seed)
    # The MPS tables open with a stub month before the first full one, as published.
    mps_months = months_between("2023-09", MONTHS + 1)
    paths["mps"] = write_mps_tables(geo, folder, mps_months, seed=seed)
    return paths
