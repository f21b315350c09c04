"""Where an incident happened: each way of saying it is checked before any map is read,
and a place that cannot be used is refused naming the form's field."""

from __future__ import annotations

from typing import Any

import pytest

from vrhub.errors import UserError
from vrhub.partnership.incident_forms import IncidentError, Where
from vrhub.partnership.incident_places import MIN_CONFIDENCE, place


class Postcodes:
    def __init__(self, known: dict[str, Any] | None = None) -> None:
        self.known = known or {}

    def place(self, postcode: str) -> Any:
        if not postcode.strip()[:1].isalpha():
            raise UserError(f"{postcode!r} is not a postcode", hint="e.g. E8 1HE")
        return self.known.get(postcode)


def no_warehouse() -> Any:
    raise AssertionError("the warehouse is read only for a usable point")


def refused(where: Where, geocode: Any = None) -> IncidentError:
    def never(text: str) -> tuple[float, float, float, str | None]:
        raise AssertionError("not geocoded")

    with pytest.raises(IncidentError) as error:
        place(where, warehouse=no_warehouse, postcodes=Postcodes(),  # type: ignore[arg-type]
              geocode=geocode or never, area=None)
    return error.value


@pytest.mark.parametrize(("where", "field", "message"), [
    (Where(easting=533500.0), "easting", "give both easting and northing"),
    (Where(longitude=-0.07), "latitude", "give both latitude and longitude"),
    (Where(latitude=151.5, longitude=-0.07), "latitude", "is not a latitude and longitude"),
    (Where(postcode="E8 9ZZ"), "postcode", "'E8 9ZZ' is not in vrhub's postcode directory"),
    (Where(postcode="123"), "postcode", "'123' is not a postcode"),
    (Where(postcode="  ", description=" "), "where", "say where the incident happened"),
])
def test_a_place_that_cannot_be_used_is_refused_naming_the_field(
        where: Where, field: str, message: str) -> None:
    error = refused(where)
    assert error.field == field
    assert message in error.message


def test_a_description_is_used_only_when_placed_with_confidence() -> None:
    def uncertain(text: str) -> tuple[float, float, float, str | None]:
        return 535000.0, 184500.0, MIN_CONFIDENCE - 0.01, None

    error = refused(Where(description="near the chicken shop"), uncertain)
    assert error.field == "description"
    assert f"uncertain (confidence {MIN_CONFIDENCE - 0.01:.2f})" in error.message

    def unresolved(text: str) -> tuple[float, float, float, str | None]:
        return float("nan"), float("nan"), 0.0, "no street named"

    error = refused(Where(description="somewhere"), unresolved)
    assert "'somewhere' cannot be placed: no street named" in error.message
