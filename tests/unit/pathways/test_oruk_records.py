"""The ORUK record models agree with the profile's own schemas, and listing text is kept
plain."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.directory_support import errors_of, oruk_standard, schema
from vrhub.errors import CodeError
from vrhub.geography.postcodes import Postcode, parse_place_query
from vrhub.pathways import listing_text
from vrhub.pathways.directory import clean
from vrhub.standards import oruk


def example(name: str) -> dict[str, Any]:
    return json.loads((oruk_standard() / "examples" / name).read_text("utf-8"))



def test_the_profile_example_service_is_accepted() -> None:
    record = example("service_full.json")
    service = oruk.validate_service(record)
    assert service.id == record["id"]
    assert service.minimum_age == 12
    assert service.schedules[0].days() == ["TH", "FR"]
    assert service.service_at_locations[0].location.addresses[0].postal_code == "ABC 1234"


def test_every_field_the_profile_declares_for_a_service_is_declared_here() -> None:
    def fields(node: dict[str, Any], model: type[oruk.Record], path: str) -> list[str]:
        missing = []
        for name, sub in node.get("properties", {}).items():
            if name not in model.model_fields:
                missing.append(f"{path}{name}")
                continue
            annotation = model.model_fields[name].annotation
            inner = sub.get("items", sub)
            target = _model_of(annotation)
            if target is not None and "properties" in inner:
                missing += fields(inner, target, f"{path}{name}.")
        return missing

    assert fields(schema("service.json"), oruk.Service, "") == []


def _model_of(annotation: Any) -> type[oruk.Record] | None:
    import typing

    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, oruk.Record):
            return arg
        for inner in typing.get_args(arg):
            if isinstance(inner, type) and issubclass(inner, oruk.Record):
                return inner
    return None


def test_required_fields_match_the_profile() -> None:
    service = schema("service.json")
    assert set(service["required"]) == {n for n, f in oruk.Service.model_fields.items()
                                        if f.is_required()}
    org = service["properties"]["organization"]
    assert set(org["required"]) == {n for n, f in oruk.Organization.model_fields.items()
                                    if f.is_required()}
    address = service["properties"]["service_at_locations"]["items"]["properties"][
        "location"]["properties"]["addresses"]["items"]
    assert set(address["required"]) == {n for n, f in oruk.Address.model_fields.items()
                                        if f.is_required()}
    assert list(oruk.SERVICE_STATUSES) == service["properties"]["status"]["enum"]


@pytest.mark.parametrize(("change", "problem"), [
    (lambda r: r.update(id="12345"), "id: '12345' is not a UUID"),
    (lambda r: r.pop("name"), "name: is required and missing"),
    (lambda r: r.update(status="open"), "status: 'open' is not one of"),
    (lambda r: r.update(minimum_age="twelve"), "minimum_age: 'twelve' is not a number"),
    (lambda r: r["organization"].pop("description"),
     "organization.description: is required and missing"),
    (lambda r: r["schedules"][0].update(freq="DAILY"), "schedules.0.freq: 'DAILY'"),
])
def test_what_the_profile_refuses_is_refused_with_the_field_named(change: Any,
                                                                 problem: str) -> None:
    record = copy.deepcopy(example("service_full.json"))
    change(record)
    assert errors_of("service.json", record), "the profile's schema should refuse it too"
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(".", r"\.")):
        oruk.validate_service(record)


def test_markup_and_scripts_never_survive_cleaning() -> None:
    record = copy.deepcopy(example("service_full.json"))
    record["name"] = "<b>Boxing</b> <script>alert('x')</script>club"
    record["description"] = ('Free <a href="javascript:alert(1)">sessions</a> &amp; '
                             '<img src=x onerror=alert(1)>snacks<style>p{}</style>')
    record["url"] = "javascript:alert(1)"
    record["email"] = "<script>@x"
    cleaned = clean(oruk.validate_service(record))
    service = cleaned.record
    assert service.name == "Boxing club"
    assert service.description == "Free sessions & snacks"
    assert service.url is None and service.email is None
    assert any("markup removed" in n for n in cleaned.notes)
    assert any("javascript:alert(1)" in n and "not a web address" in n
               for n in cleaned.notes)


@pytest.mark.parametrize(("typed", "canonical"), [
    ("sw1a1aa", "SW1A 1AA"), (" SW1A  1AA ", "SW1A 1AA"), ("e1 6an", "E1 6AN"),
    ("CR26XH", "CR2 6XH"), ("W1A 0AX", "W1A 0AX"),
])
def test_postcodes_are_read_as_people_type_them(typed: str, canonical: str) -> None:
    assert Postcode(typed) == canonical


@pytest.mark.parametrize("bad", ["", "SW1A", "12345", "SW1A 1A", "SW1A-1AA!", "E1 6ANX"])
def test_a_malformed_postcode_is_refused_with_its_value(bad: str) -> None:
    with pytest.raises(CodeError, match="is not a UK postcode"):
        Postcode(bad)


def test_a_district_is_a_place_query() -> None:
    assert parse_place_query("se1") == ("district", "SE1")
    assert parse_place_query("se1 7eh") == ("postcode", "SE1 7EH")
    with pytest.raises(CodeError, match="'nowhere' is not a UK postcode"):
        parse_place_query("nowhere")


@pytest.mark.parametrize(("value", "ok"), [
    ("https://example.org/x", True), ("http://a.b", True), ("javascript:alert(1)", False),
    ("ftp://example.org", False), ("example.org", False), ("https://a b.org", False),
])
def test_web_addresses(value: str, ok: bool) -> None:
    if ok:
        assert listing_text.web_address(value) == value
    else:
        with pytest.raises(listing_text.ListingTextError, match="is not a web address"):
            listing_text.web_address(value)
