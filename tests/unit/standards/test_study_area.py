"""The study area setting: named areas, lists of district codes, what a warehouse records,
and how coarse district boundaries are told from fine ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from vrhub.errors import ConfigError
from vrhub.ingest.boundaries import drawn_level
from vrhub.settings import Settings
from vrhub.standards.study_area import study_area
from vrhub.storage.warehouse import Warehouse


def test_named_areas_and_lists_of_codes() -> None:
    london = study_area(None)
    assert london.key == "london" and london.name == "London"
    assert london.districts[0] == "E09000001" and len(london.districts) == 33
    assert "E09000033" in london and "E08000012" not in london
    assert study_area(" South_Wales ").districts == (
        "W06000011", "W06000012", "W06000013", "W06000014", "W06000015", "W06000016",
        "W06000024")
    custom = study_area("e08000012; E08000011 E08000012", name="Liverpool and Knowsley")
    assert custom.districts == ("E08000011", "E08000012")
    assert custom.describe() == "Liverpool and Knowsley (2 districts)"
    assert custom.spec() == "E08000011,E08000012"
    assert study_area(custom.spec()).districts == custom.districts
    assert study_area("merseyside").spec() == "merseyside"


@pytest.mark.parametrize("spec", ["Liverpool", "E01000001", "E09000001,mersey"])
def test_an_unknown_area_is_refused_naming_the_value(spec: str) -> None:
    with pytest.raises(ConfigError, match=r"is neither a named area nor a local authority "
                       r"district code") as info:
        study_area(spec)
    assert repr(spec.split(",")[-1]) in str(info.value)
    assert "merseyside" in str(info.value)  # the hint lists the named areas


def test_settings_check_the_study_area() -> None:
    assert Settings.load({}).chosen_study_area() is None
    chosen = Settings.load({"VRHUB_STUDY_AREA": "E08000011,E08000012",
                            "VRHUB_STUDY_AREA_NAME": "Two districts"}).chosen_study_area()
    assert chosen is not None and chosen.name == "Two districts"
    with pytest.raises(ConfigError, match=r"VRHUB_STUDY_AREA: .*'Atlantis' is neither"):
        Settings.load({"VRHUB_STUDY_AREA": "Atlantis"})


def test_a_warehouse_remembers_the_study_area_it_was_given(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        assert wh.study_area == study_area("london")  # a new workspace reports on London
        assert wh.use_study_area(study_area("merseyside")) is True
        assert wh.use_study_area(study_area("merseyside")) is False
    with Warehouse(path) as wh:
        assert wh.study_area.name == "Merseyside"
        assert wh.cursor().study_area.name == "Merseyside"
        wh.use_study_area(study_area("cleveland"), record=False)
        assert wh.study_area.name == "Cleveland"
    with Warehouse(path, read_only=True) as wh:
        assert wh.use_study_area(study_area("london")) is True  # differs, but not recorded
        assert wh.recorded_study_area() == study_area("merseyside")


def _ring(cx: float, cy: float, radius: float, sides: int) -> shapely.Polygon:
    angles = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    return shapely.Polygon(np.c_[cx + radius * np.cos(angles), cy + radius * np.sin(angles)])


def test_coarse_district_layers_are_told_from_fine_ones() -> None:
    # a real boundary generalised to 500 m: many sides, each well over 250 m long
    coarse = np.array([_ring(500_000 + 20_000 * i, 180_000, 5_000, 40) for i in range(5)],
                      dtype=object)
    level, segment = drawn_level("borough", coarse)
    assert level == "district" and segment == pytest.approx(2 * 5_000 * np.sin(np.pi / 40))
    # the same shapes drawn finely (20 m generalisation: 1,000+ sides)
    fine = np.array([_ring(500_000 + 20_000 * i, 180_000, 5_000, 1_500) for i in range(5)],
                    dtype=object)
    assert drawn_level("borough", fine)[0] == "borough"
    # squares have long sides but are drawn exactly
    squares = np.array([shapely.box(0, 0, 3_000, 3_000), shapely.box(3_000, 0, 6_000, 3_000)],
                       dtype=object)
    assert drawn_level("borough", squares)[0] == "borough"
    assert drawn_level("ward22", coarse) == ("ward22", None)  # only districts are measured
