"""Force names as police.uk writes them in 'Falls within', turned into the slugs of its file
names: the real City of London and British Transport Police files name the force of their
file name, and other forces drop 'Police', 'Constabulary' and 'Police Service'."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from vrhub.ingest.police_rows import force_slug


@pytest.mark.parametrize("file", ["city-of-london/2024-01-city-of-london-street.csv.gz",
                                  "btp/2024-01-btp-street.csv.gz"])
def test_the_force_of_a_real_file_is_the_one_its_name_gives(shared_data: Path,
                                                           file: str) -> None:
    path = shared_data / "police-uk" / file
    with gzip.open(path, "rt", encoding="utf-8-sig") as fh:
        forces = {row["Falls within"] for row in csv.DictReader(fh)}
    slug = path.name.removesuffix("-street.csv.gz")[len("2024-01-"):]
    assert {force_slug(force) for force in forces} == {slug}


def test_other_forces_lose_the_words_police_and_constabulary() -> None:
    assert force_slug("Metropolitan Police Service") == "metropolitan"
    assert force_slug("Kent Police") == "kent"
    assert force_slug("Avon and Somerset Constabulary") == "avon-and-somerset"
    assert force_slug("Police") == "unknown"


def test_forces_named_with_an_ampersand_or_as_a_police_service_get_police_uk_s_ids() -> None:
    # police.uk's file names: 2024-01-devon-and-cornwall-street.csv,
    # 2024-01-northern-ireland-street.csv
    assert force_slug("Devon & Cornwall Police") == "devon-and-cornwall"
    assert force_slug("Police Service of Northern Ireland") == "northern-ireland"


def test_every_force_of_england_and_wales_gets_the_id_of_its_files() -> None:
    from vrhub.synthetic.national import FORCES

    assert len(FORCES) == 43
    assert {name: force_slug(name) for _, name, *_ in FORCES} == {
        name: slug for slug, name, *_ in FORCES}
