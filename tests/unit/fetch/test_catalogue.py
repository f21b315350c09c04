"""The catalogue of official files: every entry findable by name, a refusal naming the
known names for an unknown one, and the publisher's page for an entry without a fixed
link."""

from __future__ import annotations

import pytest

from vrhub.errors import NotFound, UserError
from vrhub.fetch.sources import CATALOGUE, CatalogueEntry, get_entry


def test_every_entry_is_found_by_its_own_name_and_names_are_unique() -> None:
    names = [entry.name for entry in CATALOGUE]
    assert len(set(names)) == len(names)
    for entry in CATALOGUE:
        assert get_entry(entry.name) is entry
        assert entry.page.startswith("https://")
        assert entry.url is None or entry.url.startswith("https://")
        assert entry.sha256 is None or len(entry.sha256) == 64


def test_an_unknown_name_is_refused_listing_the_names() -> None:
    with pytest.raises(NotFound, match="no catalogue entry named 'weather'") as refused:
        get_entry("weather")
    for entry in CATALOGUE:
        assert entry.name in refused.value.hint


def test_an_entry_without_a_fixed_link_points_to_its_page() -> None:
    ons = get_entry("ons-lsoa11-lsoa21-lookup")
    assert ons.url is None
    with pytest.raises(UserError, match="does not publish a fixed download link") as refused:
        ons.require_url()
    assert ons.page in refused.value.hint
    assert "vrhub fetch url LINK" in refused.value.hint
    file7 = get_entry("iod2019-file7")
    assert file7.require_url() == file7.url
    assert file7.url is not None and file7.url.endswith(".csv")


def test_an_entry_reads_as_a_plain_record() -> None:
    entry = CatalogueEntry(name="n", publisher="p", description="d", page="https://x/")
    assert entry.to_dict() == {"name": "n", "publisher": "p", "description": "d",
                               "page": "https://x/", "url": None, "sha256": None,
                               "licence": "Open Government Licence v3.0"}
    assert get_entry("mps-borough-24m").licence == "Open Government Licence v2.0"
